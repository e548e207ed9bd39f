"""The applicant path's services: deadlines to the second, one submission per click, uploads."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from webfactories import UserFactory, jst

from renkei.accounts.models import Notice, Role
from renkei.audit.models import AppendOnlyError, AuditEvent
from renkei.audit.services import audit_trail
from renkei.proposals import services
from renkei.proposals.models import Proposal, ProposalState, ProposalVersion
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.7\n" + b"x" * 100
REQUIRED = [
    "form1",
    "form2",
    "form3_00",
    "form3_12",
    "form3_16",
    "form4",
    "quotations",
    "company_profile",
    "financial_statements",
    "consortium_agreement",
    "form5",
    "form6",
]
FILE_NAMES = {
    "form1": "1_提案書.pdf",
    "form2": "2_届出書.pdf",
    "form3_00": "3-00_計画書.pdf",
    "form3_12": "3-12_根拠.pdf",
    "form3_16": "3-16_PIN.pdf",
    "form4": "4_経費.pdf",
    "form5": "5_Agreement.pdf",
    "form6": "6_チェックリスト.pdf",
}


def ready_proposal(applicant, first_round, document) -> Proposal:
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title=document["title"], country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    for doc_id in REQUIRED:
        name = FILE_NAMES.get(doc_id, f"{doc_id}.pdf")
        services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(name, PDF),
        )
    return proposal


def test_preregistration_is_refused_less_than_two_weeks_before_the_deadline(
    applicant, first_round
) -> None:
    kwargs = dict(
        actor=applicant,
        round=first_round,
        organisation_name="A",
        contact_name="B",
        email="b@example.org",
        title="T",
        country="KE",
        technologies=["solar_pv"],
        needs_account=False,
    )
    ok = services.preregistration_create(**kwargs, now=jst("2024-04-29T23:59"))
    assert ok.pk
    with pytest.raises(ServiceError, match="2024-04-29"):
        services.preregistration_create(**kwargs, now=jst("2024-04-30T00:00"))


def test_submit_one_second_before_noon_is_accepted_and_at_noon_refused(
    applicant, first_round, sample_document
) -> None:
    early = ready_proposal(applicant, first_round, sample_document)
    late = ready_proposal(applicant, first_round, {**sample_document, "title": "late"})
    version = services.proposal_submit(
        actor=applicant, proposal=early, idempotency_key="k1", now=jst("2024-05-13T11:59:59")
    )
    assert version.proposal.receipt_number.startswith("JCM-20240513-")
    with pytest.raises(ServiceError, match="2024-05-13 12:00"):
        services.proposal_submit(
            actor=applicant, proposal=late, idempotency_key="k2", now=jst("2024-05-13T12:00:00")
        )
    late.refresh_from_db()
    assert late.state == ProposalState.DRAFT and late.receipt_number is None


def test_deadline_is_compared_in_absolute_time_not_local_wall_clock(
    applicant, first_round, sample_document
) -> None:
    """12:00 JST is 03:00 UTC: a UTC timestamp of 02:59:59 is still in time."""
    proposal = ready_proposal(applicant, first_round, sample_document)
    utc = dt.datetime(2024, 5, 13, 2, 59, 59, tzinfo=dt.UTC)
    assert (
        services.proposal_submit(
            actor=applicant, proposal=proposal, idempotency_key="u", now=utc
        ).number
        == 1
    )


def test_repeated_submit_yields_one_submission(applicant, first_round, sample_document) -> None:
    proposal = ready_proposal(applicant, first_round, sample_document)
    now = jst("2024-05-10T09:00")
    first = services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="same", now=now
    )
    again = services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="same", now=now
    )
    assert first.pk == again.pk
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1
    assert Notice.objects.filter(recipient=applicant).count() == 1
    assert len(mail.outbox) == 1
    assert proposal.receipt_number is None  # the caller's copy is stale; the database is not
    proposal.refresh_from_db()
    assert proposal.receipt_number in mail.outbox[0].body


def test_submission_locks_and_only_the_office_reopens_with_history(
    applicant, users, first_round, sample_document
) -> None:
    proposal = ready_proposal(applicant, first_round, sample_document)
    services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="a", now=jst("2024-05-10T09:00")
    )
    proposal.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.proposal_update_document(
            actor=applicant, proposal=proposal, document=sample_document
        )
    with pytest.raises(NotAllowed):
        services.proposal_open_revision(actor=applicant, proposal=proposal, reason="x")
    with pytest.raises(ServiceError, match="reason"):
        services.proposal_open_revision(actor=users["office"], proposal=proposal, reason=" ")
    services.proposal_open_revision(actor=users["office"], proposal=proposal, reason="typo")
    services.proposal_update_document(
        actor=applicant, proposal=proposal, document={**sample_document, "title": "revised"}
    )
    services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="b", now=jst("2024-05-11T09:00")
    )
    versions = list(proposal.versions.values_list("number", "document__title"))
    assert versions == [(1, sample_document["title"]), (2, "revised")]
    actions = list(audit_trail(proposal).values_list("action", "from_state", "to_state"))
    assert ("proposal_submit", "draft", "submitted") in actions
    assert ("proposal_open_revision", "submitted", "revision_open") in actions
    assert ("proposal_submit", "revision_open", "submitted") in actions


def test_state_cannot_be_set_directly() -> None:
    proposal = Proposal()
    with pytest.raises(AttributeError):
        proposal.state = ProposalState.SUBMITTED


def test_incomplete_proposal_is_refused_with_every_error(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    with pytest.raises(ServiceError) as info:
        services.proposal_submit(
            actor=applicant, proposal=proposal, idempotency_key="z", now=jst("2024-05-10T09:00")
        )
    assert any("consortium" in e for e in info.value.errors)
    assert any("sites" in e for e in info.value.errors)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT


def test_a_draft_keeps_what_was_typed_even_when_invalid(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    errors = services.proposal_update_document(
        actor=applicant, proposal=proposal, document={"title": "T", "country": "Kenya"}
    )
    proposal.refresh_from_db()
    assert proposal.document["country"] == "Kenya"
    assert any(e.startswith("country") for e in errors)


def test_attachment_is_stored_with_its_sha256(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    att = services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_提案書.pdf", PDF),
    )
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    with att.file.open("rb") as fh:
        assert fh.read() == PDF
    assert "uploads" in att.file.path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ....", "not accepted"),
        ("fake.pdf", b"<html>", "does not look like a .pdf"),
        ("sheet.xlsx", b"%PDF-1.7", "does not look like a .xlsx"),
    ],
)
def test_uploads_outside_the_allowlist_are_refused(
    applicant, first_round, name, content, message
) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    with pytest.raises(ServiceError, match=message):
        services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id="form1",
            upload=SimpleUploadedFile(name, content),
        )
    assert not proposal.attachments.exists()


@override_settings(RENKEI_UPLOAD_MAX_BYTES=50)
def test_uploads_over_the_size_limit_are_refused(applicant, first_round) -> None:
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    with pytest.raises(ServiceError, match="limit is 50 bytes"):
        services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id="form1",
            upload=SimpleUploadedFile("a.pdf", PDF),
        )


def test_audit_events_cannot_be_changed_or_deleted(applicant, first_round) -> None:
    services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    event = AuditEvent.objects.get(action="proposal_create")
    assert event.actor == applicant
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_only_applicants_create_proposals(first_round) -> None:
    office = UserFactory(role=Role.OFFICE, organisation=None)
    with pytest.raises(NotAllowed):
        services.proposal_create(actor=office, round=first_round, title="T", country="KE")


def test_preregistration_is_a_jcm_step_only(applicant, db) -> None:
    from renkei.calls.models import Call, Program, Round

    c3p = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="C3P",
        title_en="C3P",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
    )
    round_ = Round.objects.create(
        call=c3p, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )
    with pytest.raises(ServiceError, match="JCM"):
        services.preregistration_create(
            actor=applicant,
            round=round_,
            organisation_name="A",
            contact_name="B",
            email="b@example.org",
            title="T",
            country="VN",
            technologies=[],
            needs_account=False,
            now=jst("2025-02-11T09:00"),
        )


def test_a_repeated_key_answers_only_to_who_may_see_the_proposal(
    users, applicant, first_round, sample_document
) -> None:
    proposal = ready_proposal(applicant, first_round, sample_document)
    services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="secret", now=jst("2024-05-10T09:00")
    )
    with pytest.raises(NotAllowed):
        services.proposal_submit(
            actor=users["other_applicant"],
            proposal=proposal,
            idempotency_key="secret",
            now=jst("2024-05-10T09:00"),
        )


def test_unrealistic_reductions_are_refused_by_the_schema(
    applicant, first_round, sample_document
) -> None:
    doc = sample_document
    doc["sites"][0]["technologies"][0]["annual_reduction_tco2"] = "1e-400"
    proposal = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    errors = services.proposal_update_document(actor=applicant, proposal=proposal, document=doc)
    assert any("annual_reduction_tco2" in e for e in errors)
