"""Issuance of credits (issue 10, JCM 2.(1)③, 2.(5)②(カ); spec §2.5): requests for verified
periods only, of a registered project with an allocation agreement in force; the filer drafts,
picks periods, submits, withdraws; the Joint Committee of the project's country issues (per
period at most the verified reductions, whole tCO2) or refuses; a refused or withdrawn request
frees its periods; each period issued once (also at the database level); notices in each
reader's language to the filer, the office and the registry administrators; audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from creditsfactories_issuance import NOW, issuance_project, registered_project, verified
from django.db import IntegrityError, transaction
from monitoringfactories_annual import operating_grant, period, plan_for

from renkei.accounts.models import Notice
from renkei.accounts.notices import render
from renkei.audit.models import AuditEvent
from renkei.credits.models import (
    AgreementState,
    AllocationAgreement,
    Issuance,
    IssuanceRequest,
    IssuanceRequestPeriod,
    RequestState,
)
from renkei.credits.services import issuance as s
from renkei.monitoring.models import MonitoringPeriod
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def _now(settings):
    settings.RENKEI_DEMO_NOW = NOW


@pytest.fixture
def told(monkeypatch):
    """Notices delivered when sent (a test inside one transaction never commits it)."""
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())


@pytest.fixture
def x():
    return issuance_project()


def _submitted(x, periods=None):
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=periods or x["periods"]
    )
    return s.issuance_request_submit(actor=x["cast"].filer, request=req)


def _text(notice, lang: str) -> str:
    return render(notice.msgid, notice.params, lang)


def _state(req) -> str:
    return IssuanceRequest.objects.get(pk=req.pk).state


# --- drafting ------------------------------------------------------------------------------------
def test_the_filer_drafts_a_request_for_verified_periods(x) -> None:
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=[p.pk for p in x["periods"]]
    )
    rows = list(req.periods.order_by("period__start"))
    assert [r.verified_tco2 for r in rows] == [100, 60]
    assert all(r.active for r in rows) and req.state == RequestState.DRAFT
    assert AuditEvent.objects.filter(action="issuance_request_create").count() == 1


def test_a_period_not_verified_is_refused_saying_why(x) -> None:
    with pytest.raises(ServiceError) as e:
        s.issuance_request_create(
            actor=x["cast"].filer, project=x["project"], periods=[x["draft_period"]]
        )
    assert "verified periods only" in str(e.value) and "2.(1)③" in str(e.value)
    assert not IssuanceRequest.objects.exists()


def test_a_superseded_period_is_refused(x) -> None:
    old = verified(x["plan"], "2026-07-01", "2026-07-31", 10)
    MonitoringPeriod.objects.filter(pk=old.pk).update(state="superseded")
    with pytest.raises(ServiceError, match="superseded"):
        s.issuance_request_create(actor=x["cast"].filer, project=x["project"], periods=[old])


def test_a_period_of_another_project_is_refused(x) -> None:
    other = plan_for(operating_grant())
    foreign = verified(other, "2025-04-01", "2025-12-31", 10)
    with pytest.raises(ServiceError, match="not a period of this project"):
        s.issuance_request_create(actor=x["cast"].filer, project=x["project"], periods=[foreign])


def test_no_period_is_refused(x) -> None:
    with pytest.raises(ServiceError, match="at least one"):
        s.issuance_request_create(actor=x["cast"].filer, project=x["project"], periods=[])


def test_an_unregistered_project_is_refused() -> None:
    plan = plan_for(operating_grant())
    project = registered_project(plan, state="validated")
    p = verified(plan, "2025-04-01", "2025-12-31", 10)
    filer = plan.grant.selection.proposal.created_by
    with pytest.raises(ServiceError, match="not registered"):
        s.issuance_request_create(actor=filer, project=project, periods=[p])


def test_without_an_agreement_in_force_it_is_refused() -> None:
    plan = plan_for(operating_grant())
    project = registered_project(plan, agreement=False)
    p = verified(plan, "2025-04-01", "2025-12-31", 10)
    with pytest.raises(ServiceError, match="allocation agreement"):
        s.issuance_request_create(
            actor=plan.grant.selection.proposal.created_by, project=project, periods=[p]
        )


@pytest.mark.parametrize("who", ["partner", "office", "jc", "registry", "outsider"])
def test_only_the_filer_drafts(x, who) -> None:
    with pytest.raises(NotAllowed):
        s.issuance_request_create(
            actor=getattr(x["cast"], who), project=x["project"], periods=x["periods"]
        )


def test_a_period_in_another_active_request_is_refused_naming_it(x) -> None:
    first = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"][:1]
    )
    with pytest.raises(ServiceError) as e:
        s.issuance_request_create(actor=x["cast"].filer, project=x["project"], periods=x["periods"])
    assert f"#{first.pk}" in str(e.value)
    assert IssuanceRequest.objects.count() == 1


def test_the_draft_s_periods_are_changed(x) -> None:
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"][:1]
    )
    s.issuance_request_set_periods(actor=x["cast"].filer, request=req, periods=x["periods"])
    assert sorted(req.periods.values_list("verified_tco2", flat=True)) == [60, 100]
    s.issuance_request_set_periods(actor=x["cast"].filer, request=req, periods=x["periods"][1:])
    assert list(req.periods.values_list("verified_tco2", flat=True)) == [60]


# --- submitting and withdrawing ------------------------------------------------------------------
def test_submission_tells_the_joint_committee_and_the_office(x, told) -> None:
    req = _submitted(x)
    assert _state(req) == RequestState.SUBMITTED
    jc = Notice.objects.get(recipient=x["cast"].jc)
    assert "160 tCO2" in _text(jc, "en") and "Joint Committee" in _text(jc, "en")
    assert Notice.objects.filter(recipient=x["cast"].office).exists()
    assert not Notice.objects.filter(recipient=x["cast"].other_jc).exists()


def test_a_withdrawn_request_frees_its_periods(x) -> None:
    req = _submitted(x)
    s.issuance_request_withdraw(actor=x["cast"].filer, request=req)
    assert _state(req) == RequestState.WITHDRAWN
    assert not IssuanceRequestPeriod.objects.filter(active=True).exists()
    again = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )
    assert again.periods.count() == 2


def test_a_decided_request_cannot_be_withdrawn(x) -> None:
    req = _submitted(x)
    s.issuance_request_approve(actor=x["cast"].jc, request=req)
    with pytest.raises(ServiceError, match="not possible while"):
        s.issuance_request_withdraw(actor=x["cast"].filer, request=req)


# --- the Joint Committee's decision ------------------------------------------------------------
def test_the_joint_committee_issues_with_the_agreement_in_force_and_the_vintage(x, told) -> None:
    req = _submitted(x)
    p1, p2 = x["periods"]
    issuance = s.issuance_request_approve(
        actor=x["cast"].jc, request=req, issued={p1.pk: 90, p2.pk: 60}
    )
    assert issuance.issued_tco2 == 150
    assert issuance.agreement == AllocationAgreement.objects.get(
        project=x["project"], state=AgreementState.CURRENT
    )
    assert (issuance.vintage_start, issuance.vintage_end) == (D("2025-04-01"), D("2026-06-30"))
    assert issuance.decided_on == D("2026-09-15") and issuance.recorded_at is None
    assert dict(req.periods.values_list("period_id", "issued_tco2")) == {p1.pk: 90, p2.pk: 60}
    assert _state(req) == RequestState.APPROVED
    # the filer, the office and the registry administrators, each in their language
    for who in ("filer", "office", "registry"):
        notice = Notice.objects.get(recipient=getattr(x["cast"], who), subject="Credits issued")
        assert "150 tCO2" in _text(notice, "en")
        assert "150" in _text(notice, "ja") and "発行" in _text(notice, "ja")
    assert AuditEvent.objects.filter(action="issuance_request_approve").count() == 1


def test_the_default_amount_is_the_verified_reductions(x) -> None:
    issuance = s.issuance_request_approve(actor=x["cast"].jc, request=_submitted(x))
    assert issuance.issued_tco2 == 160


def test_above_the_verified_reductions_is_refused_per_period(x) -> None:
    req = _submitted(x)
    p1 = x["periods"][0]
    with pytest.raises(ServiceError) as e:
        s.issuance_request_approve(actor=x["cast"].jc, request=req, issued={p1.pk: 101})
    assert "101 tCO2" in str(e.value) and "100 tCO2" in str(e.value)
    assert not Issuance.objects.exists() and _state(req) == RequestState.SUBMITTED


@pytest.mark.parametrize("amount", [1.5, "90", True])
def test_a_non_integer_amount_is_refused(x, amount) -> None:
    req = _submitted(x)
    with pytest.raises(ServiceError, match="whole number"):
        s.issuance_request_approve(
            actor=x["cast"].jc, request=req, issued={x["periods"][0].pk: amount}
        )


def test_nothing_issued_is_refused(x) -> None:
    req = _submitted(x)
    zero = {p.pk: 0 for p in x["periods"]}
    with pytest.raises(ServiceError, match="refuse the request"):
        s.issuance_request_approve(actor=x["cast"].jc, request=req, issued=zero)


def test_an_amount_for_a_period_outside_the_request_is_refused(x) -> None:
    req = _submitted(x, x["periods"][:1])
    with pytest.raises(ServiceError, match="not in this request"):
        s.issuance_request_approve(actor=x["cast"].jc, request=req, issued={x["periods"][1].pk: 10})


def test_a_period_superseded_after_submission_blocks_the_issuance(x) -> None:
    req = _submitted(x)
    MonitoringPeriod.objects.filter(pk=x["periods"][0].pk).update(state="superseded")
    with pytest.raises(ServiceError, match="correction"):
        s.issuance_request_approve(actor=x["cast"].jc, request=req)


@pytest.mark.parametrize("who", ["other_jc", "filer", "office", "registry"])
def test_only_the_joint_committee_of_the_country_decides(x, who) -> None:
    req = _submitted(x)
    with pytest.raises(NotAllowed):
        s.issuance_request_approve(actor=getattr(x["cast"], who), request=req)
    with pytest.raises(NotAllowed):
        s.issuance_request_refuse(actor=getattr(x["cast"], who), request=req, reason="no")


def test_a_refusal_keeps_the_reason_and_frees_the_periods(x, told) -> None:
    req = _submitted(x)
    s.issuance_request_refuse(actor=x["cast"].jc, request=req, reason="The PDD is outdated.")
    req = IssuanceRequest.objects.get(pk=req.pk)
    assert req.state == RequestState.REJECTED and req.decision_note == "The PDD is outdated."
    assert not req.periods.filter(active=True).exists()
    assert "The PDD is outdated." in _text(Notice.objects.get(recipient=x["cast"].filer), "en")
    assert s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )


def test_a_refusal_needs_a_reason(x) -> None:
    req = _submitted(x)
    with pytest.raises(ServiceError, match="required"):
        s.issuance_request_refuse(actor=x["cast"].jc, request=req, reason="  ")


def test_an_issued_period_cannot_be_requested_again(x) -> None:
    s.issuance_request_approve(actor=x["cast"].jc, request=_submitted(x))
    with pytest.raises(ServiceError, match="already in issuance request"):
        s.issuance_request_create(
            actor=x["cast"].filer, project=x["project"], periods=x["periods"][:1]
        )


# --- what the database holds on its own ----------------------------------------------------------
def test_the_database_holds_each_period_in_one_active_request(x) -> None:
    a = IssuanceRequest.objects.create(project=x["project"], created_by=x["cast"].filer)
    b = IssuanceRequest.objects.create(project=x["project"], created_by=x["cast"].filer)
    p = x["periods"][0]
    IssuanceRequestPeriod.objects.create(request=a, period=p, verified_tco2=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuanceRequestPeriod.objects.create(request=b, period=p, verified_tco2=100)
    # once the first is inactive (refused, withdrawn), the period may be held again
    IssuanceRequestPeriod.objects.filter(request=a).update(active=False)
    IssuanceRequestPeriod.objects.create(request=b, period=p, verified_tco2=100)


def test_the_database_refuses_issued_above_verified(x) -> None:
    a = IssuanceRequest.objects.create(project=x["project"], created_by=x["cast"].filer)
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuanceRequestPeriod.objects.create(
            request=a, period=x["periods"][0], verified_tco2=100, issued_tco2=101
        )


def test_a_period_in_progress_is_never_requestable(x) -> None:
    p = period(x["plan"], "2026-09-01", "2026-09-10", "submitted", monitored=3)
    assert p.pk not in [q.pk for q, _t in s.issuable_periods(x["project"])]
    assert [t for _q, t in s.issuable_periods(x["project"])] == [100, 60]


def test_a_period_past_the_bilateral_document_is_refused(x) -> None:
    """I1: issuance is limited to the bilateral document's validity."""
    from renkei.monitoring.models import MonitoringPlan

    MonitoringPlan.objects.filter(pk=x["plan"].pk).update(bilateral_valid_until=D("2025-12-31"))
    x["project"].plan.refresh_from_db()
    with pytest.raises(ServiceError) as e:
        s.issuance_request_create(actor=x["cast"].filer, project=x["project"], periods=x["periods"])
    assert "2025-12-31" in str(e.value) and len(e.value.errors) == 1
    assert s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"][:1]
    )
