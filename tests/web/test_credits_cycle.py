"""The JCM project cycle (issue 10, JCM 2.(1)①, 2.(5)②(イ)(オ), 5.(3)①(ケ)): a project opened for
a monitoring plan (one per plan), its PDD with the local stakeholder consultation as versions
with documents, the TPE's validation (assignment, findings answered and closed, the report),
the registration request (due within a year of completion, in principle) and the Joint
Committee's decision with notices in each reader's language, and the credit allocation
agreement checked (parties of the consortium, 100 %, the office's minimum for the GoJ)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from creditsfactories_cycle import (
    NOW,
    D,
    fresh,
    monitored,
    opened,
    pdf,
    prepared,
    requested,
    validated,
)

from renkei.accounts.models import Notice
from renkei.audit.models import AuditEvent
from renkei.credits.models import AllocationAgreement
from renkei.credits.models.cycle import RegistrationRequest
from renkei.credits.policy import projects_for
from renkei.credits.services import cycle as c
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(settings, tmp_path):
    settings.RENKEI_DEMO_NOW = NOW
    settings.MEDIA_ROOT = str(tmp_path)


def test_one_project_per_plan_opened_by_the_office_or_the_filer() -> None:
    plan, who = monitored()
    with pytest.raises(NotAllowed):
        c.project_open(actor=who.partner, plan=plan)
    with pytest.raises(NotAllowed):
        c.project_open(actor=who.verifier, plan=plan)
    project = c.project_open(actor=who.office, plan=plan)
    assert project.state == "preparing"
    with pytest.raises(ServiceError, match="already open"):
        c.project_open(actor=who.filer, plan=plan)
    assert AuditEvent.objects.filter(action="jcm_project_open").count() == 1


def test_the_pdd_is_versioned_with_its_reason_and_documents() -> None:
    plan, who = monitored()
    project = prepared(plan, who)
    with pytest.raises(ServiceError, match="say why it changes"):
        c.pdd_save(
            actor=who.filer,
            project=project,
            title="v2",
            lsc_held_on=D("2025-11-20"),
            lsc_summary="s",
        )
    v2 = c.pdd_save(
        actor=who.filer,
        project=project,
        title="v2",
        lsc_held_on=D("2025-11-20"),
        lsc_summary="s",
        reason="Baseline COP corrected",
    )
    assert v2.version == 2 and project.pdds.count() == 2  # the first is kept
    with pytest.raises(ServiceError, match="in the future"):
        c.pdd_save(
            actor=who.filer,
            project=project,
            title="v3",
            lsc_held_on=D("2026-02-01"),
            lsc_summary="s",
            reason="r",
        )
    with pytest.raises(NotAllowed):  # a partner participant sees, the representative files
        c.pdd_save(
            actor=who.partner,
            project=project,
            title="v3",
            lsc_held_on=D("2025-11-20"),
            lsc_summary="s",
            reason="r",
        )
    with pytest.raises(ServiceError, match="not accepted"):
        c.pdd_document_add(actor=who.filer, project=project, kind="pdd", upload=pdf("x.exe", b"MZ"))
    # validation needs the latest version's documents
    with pytest.raises(ServiceError, match="Upload the"):
        c.validation_request(actor=who.filer, project=project)
    c.pdd_document_add(actor=who.filer, project=project, kind="pdd", upload=pdf())
    with pytest.raises(ServiceError, match="same bytes"):
        c.pdd_document_add(actor=who.filer, project=project, kind="pdd", upload=pdf())
    c.pdd_document_add(
        actor=who.filer, project=project, kind="lsc", upload=pdf("l.pdf", b"%PDF-1 l")
    )
    assert c.validation_request(actor=who.filer, project=project).state == "in_validation"


def test_validation_by_the_assigned_tpe_only(django_capture_on_commit_callbacks) -> None:
    plan, who = monitored()
    project = prepared(plan, who)
    assert not projects_for(who.verifier).exists()  # not assigned yet
    with pytest.raises(NotAllowed):
        c.validation_tpe_assign(actor=who.filer, project=project, tpe=who.tpe)
    with pytest.raises(ServiceError, match="not a third-party entity"):
        c.validation_tpe_assign(actor=who.office, project=project, tpe=who.filer.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        c.validation_tpe_assign(actor=who.office, project=project, tpe=who.tpe)
    assert Notice.objects.filter(recipient=who.verifier).exists()
    assert list(projects_for(who.verifier)) == [project]
    assert not projects_for(who.other_verifier).exists()
    c.validation_request(actor=who.filer, project=project)
    project = fresh(project)
    with pytest.raises(NotAllowed):
        c.validation_finding_raise(actor=who.other_verifier, project=project, kind="car", text="x")
    with django_capture_on_commit_callbacks(execute=True):
        car = c.validation_finding_raise(
            actor=who.verifier, project=project, kind="car", text="Baseline COP source?"
        )
    assert Notice.objects.filter(recipient=who.filer, subject="Finding on the PDD").exists()
    with pytest.raises(ServiceError, match="cannot be changed"):
        c.validation_tpe_assign(
            actor=who.office, project=project, tpe=who.other_verifier.organisation
        )
    with pytest.raises(ServiceError, match="not closed"):
        c.validation_issue(
            actor=who.verifier, project=project, validated_on=D("2026-01-15"), opinion="ok"
        )
    with pytest.raises(NotAllowed):
        c.validation_finding_answer(actor=who.verifier, finding=car, answer="x")
    c.validation_finding_answer(actor=who.filer, finding=car, answer="Manufacturer's sheet")
    c.validation_finding_close(actor=who.verifier, finding=car)
    with pytest.raises(ServiceError, match="closed"):
        c.validation_finding_answer(actor=who.filer, finding=car, answer="again")
    with pytest.raises(ServiceError, match="before version 1"):
        c.validation_issue(
            actor=who.verifier, project=project, validated_on=D("2026-01-14"), opinion="ok"
        )
    report = c.validation_issue(
        actor=who.verifier, project=project, validated_on=D("2026-01-15"), opinion="ok"
    )
    assert fresh(project).state == "validated" and report.pdd.version == 1
    with pytest.raises(ServiceError, match="not possible while"):  # the PDD is fixed now
        c.pdd_save(
            actor=who.filer,
            project=project,
            title="v2",
            lsc_held_on=D("2025-11-20"),
            lsc_summary="s",
            reason="late",
        )


def test_registration_request_due_date_and_the_joint_committee(
    django_capture_on_commit_callbacks,
) -> None:
    plan, who = monitored()
    project = validated(plan, who)
    due = c.registration_due(project)
    assert due.due == D("2026-03-20") and due.completed_on == D("2025-03-20")
    assert not projects_for(who.jc).exists()  # not before the request
    who.filer.language = "en"
    who.filer.save()
    with pytest.raises(NotAllowed):
        c.registration_request(actor=who.office, project=project)
    with django_capture_on_commit_callbacks(execute=True):
        request = c.registration_request(actor=who.filer, project=project, note="Please")
    assert request.due_on == D("2026-03-20") and not request.late
    assert Notice.objects.filter(recipient=who.jc).count() == 1
    assert not Notice.objects.filter(recipient=who.other_jc).exists()
    assert list(projects_for(who.jc)) == [project] and not projects_for(who.other_jc).exists()
    project = fresh(project)
    with pytest.raises(NotAllowed):
        c.registration_decide(
            actor=who.other_jc,
            project=project,
            register=True,
            registered_on=D("2026-01-15"),
            reference="KE009",
        )
    with pytest.raises(ServiceError, match="before the request"):
        c.registration_decide(
            actor=who.jc,
            project=project,
            register=True,
            registered_on=D("2026-01-01"),
            reference="KE009",
        )
    with django_capture_on_commit_callbacks(execute=True):
        c.registration_decide(actor=who.jc, project=project, register=False, reason="LSC too thin")
    assert fresh(project).state == "rejected"
    refused = Notice.objects.get(recipient=who.filer, subject="JCM project registration refused")
    assert "LSC too thin" in refused.message and "refused the registration" in refused.message
    office_notice = Notice.objects.get(
        recipient=who.office, subject="JCM project registration refused"
    )
    assert "合同委員会" in office_notice.message  # the office reads Japanese
    # the participant asks again; the Joint Committee registers it
    c.registration_request(actor=who.filer, project=fresh(project))
    with django_capture_on_commit_callbacks(execute=True):
        c.registration_decide(
            actor=who.jc,
            project=fresh(project),
            register=True,
            registered_on=D("2026-01-15"),
            reference="KE009",
        )
    project = fresh(project)
    assert (project.state, project.reference, project.registered_on) == (
        "registered",
        "KE009",
        D("2026-01-15"),
    )
    assert RegistrationRequest.objects.filter(project=project).count() == 2
    assert Notice.objects.filter(recipient=who.filer, subject="JCM project registered").exists()


def test_a_late_request_is_accepted_and_flagged(settings) -> None:
    plan, who = monitored()
    project = validated(plan, who)
    settings.RENKEI_DEMO_NOW = "2026-04-01T10:00:00+09:00"
    request = c.registration_request(actor=who.filer, project=project)
    assert request.late and request.due_on == D("2026-03-20")


def test_the_request_closes_the_grants_due_date() -> None:
    from grantfactories_schedule import decide

    from renkei.grants.models import GrantDeadline
    from renkei.grants.services.schedule import refresh_deadlines

    plan, who = monitored()
    decide(plan.grant)
    refresh_deadlines(plan.grant)
    row = GrantDeadline.objects.get(grant=plan.grant, key="jcm_registration")
    assert row.done_at is None
    requested(plan, who)
    refresh_deadlines(plan.grant)  # a refresh keeps it done
    row.refresh_from_db()
    assert row.done_at is not None and "Renkei" in row.details["marked_done"]["reason"]


def _record(project, who, goj, partner_share, rep_share=None, reason="", actor=None):
    participants = [(who.partner.organisation_id, partner_share)]
    if rep_share is not None:
        participants.append((who.filer.organisation_id, rep_share))
    return c.agreement_record(
        actor=actor or who.filer,
        project=project,
        agreed_on=D("2024-05-01"),
        goj_percent=goj,
        participants=participants,
        reason=reason,
    )


def test_the_allocation_agreement_is_checked_and_versioned(settings) -> None:
    plan, who = monitored()
    project = opened(plan, who)
    with pytest.raises(ServiceError, match="add up to 90 %, not 100 %") as refused:
        _record(project, who, Decimal("50"), Decimal("20"), Decimal("20"))
    assert "Partner Ltd. 20 %" in str(refused.value)
    with pytest.raises(ServiceError, match="not an organisation of the grant's consortium"):
        c.agreement_record(
            actor=who.filer,
            project=project,
            agreed_on=D("2024-05-01"),
            goj_percent=Decimal("50"),
            participants=[(who.outsider.organisation_id, 50)],
        )
    with pytest.raises(ServiceError, match="above 0 and at most 100"):
        _record(project, who, Decimal("0"), Decimal("100"))
    with pytest.raises(NotAllowed):
        _record(project, who, Decimal("50"), Decimal("50"), actor=who.partner)
    first = _record(project, who, Decimal("50"), Decimal("30"), Decimal("20"))
    shares = {s.key: s.percent for s in first.shares.all()}
    assert shares["goj"] == 50 and len(shares) == 3
    with pytest.raises(ServiceError, match="say why it changes"):
        _record(project, who, Decimal("60"), Decimal("40"))
    second = _record(project, who, "60", "40", reason="Partner bought out", actor=who.office)
    first.refresh_from_db()
    assert (first.state, second.state, second.version) == ("superseded", "current", 2)
    assert AllocationAgreement.objects.filter(project=project).count() == 2
    # the office's minimum, with its source
    settings.RENKEI_GOJ_MIN_SHARE_PERCENT = "50"
    settings.RENKEI_GOJ_MIN_SHARE_SOURCE = "Office instruction 2026-1"
    with pytest.raises(ServiceError, match="at least 50 %") as low:
        _record(project, who, "40", "60", reason="r")
    assert "Office instruction 2026-1" in str(low.value) and "50 % or more" in str(low.value)
    assert c.goj_minimum().percent == 50
    settings.RENKEI_GOJ_MIN_SHARE_PERCENT = None
    assert c.goj_minimum().percent is None  # unset: no minimum invented
    assert _record(project, who, "10", "90", reason="r").version == 3
