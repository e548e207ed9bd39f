"""Verification by a TPE (issue 9, JCM 2.(1)③): the office assigns, the TPE verifies, raises
findings and returns, the representative's applicants answer and resubmit, the TPE closes the
findings and issues its verification; a verified period is fixed; the credit stage reads the
verified reductions; notices in each reader's language; audit events for every step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation
from monitoringfactories_verification import NOW, assigned, project, set_state, submitted_period

from renkei.accounts.models import Notice, Organisation
from renkei.audit.models import AuditEvent
from renkei.monitoring.models import Finding, MonitoringPeriod, Verification
from renkei.monitoring.services import verification as v
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def _now(settings):
    settings.RENKEI_DEMO_NOW = NOW


def _resubmit(period) -> MonitoringPeriod:
    """What the period part's ``period_submit`` does to the state: returned → submitted."""
    with transaction.atomic():
        p = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        p._submit()
        p.save(update_fields=["state"])
    return p


def _in_verification():
    """The cast and a period assigned to its TPE, in verification."""
    _plan, who, period = project()
    assigned(period, who)
    v.verification_start(actor=who.verifier, period=period)
    return who, period


def _issue(who, period, tonnes=100, on="2026-06-15", statement="s"):
    return v.verification_issue(
        actor=who.verifier,
        period=period,
        verified_tco2=tonnes,
        verified_on=D(on),
        statement=statement,
    )


def _state(period) -> str:
    return MonitoringPeriod.objects.get(pk=period.pk).state


def test_the_whole_verification_from_assignment_to_verified(
    django_capture_on_commit_callbacks,
) -> None:
    plan, who, period = project()
    who.filer.language = "en"
    who.filer.save()
    with django_capture_on_commit_callbacks(execute=True):
        v.tpe_assign(actor=who.office, period=period, tpe=who.tpe)
    assert Notice.objects.filter(recipient=who.verifier).count() == 1
    assert not Notice.objects.filter(recipient=who.other_verifier).exists()

    v.verification_start(actor=who.verifier, period=period)
    assert _state(period) == "in_verification"
    car = v.finding_raise(actor=who.verifier, period=period, kind="car", text="Meter M-1 gap")
    cl = v.finding_raise(actor=who.verifier, period=period, kind="cl", text="Source of COP_RE?")
    with django_capture_on_commit_callbacks(execute=True):
        v.period_return(actor=who.verifier, period=period)
    assert _state(period) == "returned"
    returned = Notice.objects.get(recipient=who.filer)
    assert "returned" in returned.message and "2 open finding" in returned.message  # English

    v.finding_answer(actor=who.filer, finding=car, answer="Gap filled with the default")
    v.finding_answer(actor=who.filer, finding=cl, answer="Methodology default, table 2")
    assert Finding.objects.get(pk=car.pk).status == "answered"
    with django_capture_on_commit_callbacks(execute=True):
        _resubmit(period)  # the period part's service; the TPE hears of it through the FSM
    assert Notice.objects.filter(recipient=who.verifier).count() == 2

    v.verification_start(actor=who.verifier, period=period)
    v.finding_close(actor=who.verifier, finding=car)
    v.finding_close(actor=who.verifier, finding=cl)
    with django_capture_on_commit_callbacks(execute=True):
        done = _issue(who, period, 118, "2026-06-15", "Verified with reasonable assurance.")
    assert _state(period) == "verified"
    assert done.verified_tco2 == 118 and done.verifier == who.verifier
    assert Notice.objects.filter(recipient=who.filer).count() == 2
    assert Notice.objects.filter(recipient=who.office, msgid__contains="verified").exists()
    assert v.verified_reductions(plan) == [(MonitoringPeriod.objects.get(pk=period.pk), 118)]
    actions = list(
        AuditEvent.objects.filter(object_type="monitoring.monitoringperiod", object_id=period.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "tpe_assign",
        "verification_start",
        "finding_raise",
        "finding_raise",
        "period_return",
        "verification_start",
        "verification_issue",
    ]
    assert AuditEvent.objects.filter(action="finding_answer").count() == 2
    assert AuditEvent.objects.filter(action="finding_close").count() == 2


def test_notices_are_rendered_in_each_readers_language(django_capture_on_commit_callbacks) -> None:
    _plan, who, period = project()
    who.verifier.language = "ja"
    who.verifier.save()
    with django_capture_on_commit_callbacks(execute=True):
        v.tpe_assign(actor=who.office, period=period, tpe=who.tpe)
    notice = Notice.objects.get(recipient=who.verifier)
    assert "検証" in notice.message, notice.message


def test_a_verified_period_and_its_verification_are_fixed() -> None:
    who, period = _in_verification()
    f = v.finding_raise(actor=who.verifier, period=period, kind="cl", text="Why?")
    v.finding_close(actor=who.verifier, finding=f)
    issued = _issue(who, period, 100, "2026-06-01", "ok")
    attempts = {
        "assign": lambda: v.tpe_assign(actor=who.office, period=period, tpe=who.tpe),
        "start": lambda: v.verification_start(actor=who.verifier, period=period),
        "raise": lambda: v.finding_raise(actor=who.verifier, period=period, kind="car", text="x"),
        "return": lambda: v.period_return(actor=who.verifier, period=period),
        "answer": lambda: v.finding_answer(actor=who.filer, finding=f, answer="x"),
        "close": lambda: v.finding_close(actor=who.verifier, finding=f),
        "issue": lambda: _issue(who, period, 1, "2026-06-01", "again"),
    }
    refused = {}
    for name, attempt in attempts.items():
        with translation.override("en"), pytest.raises(ServiceError) as exc:
            attempt()
        refused[name] = "is verified" in str(exc.value)
    assert refused == dict.fromkeys(attempts, True)
    issued.verified_tco2 = 1
    with pytest.raises(ValueError):
        issued.save()
    assert Verification.objects.get(pk=issued.pk).verified_tco2 == 100


def test_a_verified_correction_supersedes_the_version_it_corrects() -> None:
    plan, who, first = project()
    first = set_state(first, "verified")
    Verification.objects.create(
        period=first,
        verified_tco2=120,
        verified_on=D("2026-05-01"),
        statement="v1",
        verifier=who.verifier,
    )
    second = submitted_period(plan, version=2, correction_of=first, tco2=110)
    assigned(second, who)
    assert v.verified_reductions(plan) == [(first, 120)]
    v.verification_start(actor=who.verifier, period=second)
    _issue(who, second, 110, "2026-06-15", "v2")
    assert _state(first) == "superseded" and _state(second) == "verified"
    rows = v.verified_reductions(plan)
    assert [(p.pk, t) for p, t in rows] == [(second.pk, 110)]
    assert AuditEvent.objects.filter(action="period_supersede", object_id=first.pk).exists()


@pytest.mark.parametrize(
    ("tonnes", "on", "message"),
    [
        (121, "2026-06-15", "must be from 0 to the reductions the monitoring report computed"),
        (-1, "2026-06-15", "must be from 0"),
        ("100", "2026-06-15", "whole number of tonnes"),
        (100, "2026-06-16", "is in the future"),
        (100, "2026-03-30", "before the end of the period"),
    ],
)
def test_the_verified_amount_and_date_are_checked(tonnes, on, message) -> None:
    who, period = _in_verification()
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        _issue(who, period, tonnes, on, "s")
    assert message in str(exc.value)
    assert _state(period) == "in_verification"


def test_no_verification_while_a_finding_is_not_closed() -> None:
    who, period = _in_verification()
    v.finding_raise(actor=who.verifier, period=period, kind="car", text="Fix it")
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        _issue(who, period, 1, "2026-06-15", "s")
    assert "1 finding(s) are not closed" in str(exc.value)
    assert not Verification.objects.exists()


def test_a_period_without_computed_reductions_cannot_be_verified() -> None:
    plan, who, _ = project()
    period = submitted_period(plan, start="2026-04-01", end="2026-05-31", tco2=None)
    assigned(period, who)
    v.verification_start(actor=who.verifier, period=period)
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        _issue(who, period, 0, "2026-06-15", "s")
    assert "no computed reductions" in str(exc.value)


def test_returning_needs_an_open_finding() -> None:
    who, period = _in_verification()
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        v.period_return(actor=who.verifier, period=period)
    assert "no open finding" in str(exc.value)
    assert _state(period) == "in_verification"


def test_assignment_only_to_a_tpe_and_only_while_submitted() -> None:
    plan, who, period = project()
    company = Organisation.objects.create(name="ただの会社", country="JP")
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        v.tpe_assign(actor=who.office, period=period, tpe=company)
    assert "is not a third-party entity" in str(exc.value)
    v.tpe_assign(actor=who.office, period=period, tpe=who.tpe)
    other = who.other_verifier.organisation
    v.tpe_assign(actor=who.office, period=period, tpe=other)  # before any finding: may change
    assert MonitoringPeriod.objects.get(pk=period.pk).assignment.tpe == other
    draft = submitted_period(plan, start="2026-04-01", end="2026-05-31", state="draft")
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        v.tpe_assign(actor=who.office, period=draft, tpe=who.tpe)
    assert "while the monitoring period is “Draft”" in str(exc.value)


def test_the_tpe_cannot_be_changed_once_it_raised_a_finding() -> None:
    who, period = _in_verification()
    v.finding_raise(actor=who.verifier, period=period, kind="cl", text="?")
    v.period_return(actor=who.verifier, period=period)
    period = _resubmit(period)
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        v.tpe_assign(actor=who.office, period=period, tpe=who.other_verifier.organisation)
    assert "cannot be changed" in str(exc.value)


def test_who_may_do_what() -> None:
    _plan, who, period = project()
    with pytest.raises(NotAllowed):
        v.tpe_assign(actor=who.filer, period=period, tpe=who.tpe)
    assigned(period, who)
    for actor in (who.other_verifier, who.office, who.filer, who.outsider):
        with pytest.raises(NotAllowed):
            v.verification_start(actor=actor, period=period)
    v.verification_start(actor=who.verifier, period=period)
    f = v.finding_raise(actor=who.verifier, period=period, kind="car", text="x")
    v.period_return(actor=who.verifier, period=period)
    for actor in (who.verifier, who.other_verifier, who.office, who.outsider):
        with pytest.raises(NotAllowed):
            v.finding_answer(actor=actor, finding=f, answer="y")
    assert _state(period) == "returned"


def test_bad_text_is_refused_with_what_was_wrong() -> None:
    who, period = _in_verification()
    cases = {
        ("car", ""): "is required",
        ("car", "a\x00b"): "NUL",
        ("car", "x" * 10_001): "at most 10000",
        ("xx", "text"): "is not a kind of finding",
    }
    for (kind, text), message in cases.items():
        with translation.override("en"), pytest.raises(ServiceError) as exc:
            v.finding_raise(actor=who.verifier, period=period, kind=kind, text=text)
        assert message in str(exc.value)
    assert not Finding.objects.exists()


def test_an_answer_the_tpe_did_not_accept_goes_back_open_with_the_period() -> None:
    who, period = _in_verification()
    accepted = v.finding_raise(actor=who.verifier, period=period, kind="cl", text="COP_RE?")
    rejected = v.finding_raise(actor=who.verifier, period=period, kind="car", text="Gap")
    v.period_return(actor=who.verifier, period=period)
    v.finding_answer(actor=who.filer, finding=accepted, answer="Default, table 2")
    v.finding_answer(actor=who.filer, finding=rejected, answer="No gap")
    _resubmit(period)
    v.verification_start(actor=who.verifier, period=period)
    v.finding_close(actor=who.verifier, finding=accepted)
    v.period_return(actor=who.verifier, period=period)  # "No gap" is not accepted
    got = dict(Finding.objects.values_list("pk", "status"))
    assert got == {accepted.pk: "closed", rejected.pk: "open"}
    assert Finding.objects.get(pk=rejected.pk).answer == "No gap"  # kept, to be rewritten
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        v.finding_answer(actor=who.filer, finding=accepted, answer="again")
    assert "is closed" in str(exc.value)
