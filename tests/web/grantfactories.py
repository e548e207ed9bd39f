"""Grant-stage set-ups shared by the grant tests (issue 8): an adopted JCM selection with its 内示,
its grant opened, the application filed and accepted, the grant decided. Built through the
services from the proposal's submission on; the selection itself (screening, reviews, hearing,
PIN, the Joint Committee) is made directly, as those stages have their own tests.

``no_deadline_refresh`` stands in for the schedule part's ``refresh_deadlines`` while that part
is not merged (it raises NotImplementedError until then): a grant test that does not test due
dates uses it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from webfactories import JCM_UPLOADS, jst, link_partner, submitted_proposal

NAIJI_AT = "2024-07-16T10:00"  # N: the application is due 2024-08-15, revocable from 2024-09-15
NAIJI_AMOUNT = 98_000_000
SUBMITTED = "2024-05-10T09:00"


@pytest.fixture
def no_deadline_refresh(monkeypatch):
    """``refresh_deadlines`` as a no-op (the schedule part computes due dates; see above)."""
    from renkei.grants.services import schedule

    calls: list = []
    monkeypatch.setattr(schedule, "refresh_deadlines", lambda grant: calls.append(grant.pk))
    return calls


@pytest.fixture
def notices_at_once(monkeypatch):
    """Notices delivered when sent (a test inside one transaction never commits it)."""
    from renkei.accounts import notices

    monkeypatch.setattr(notices.transaction, "on_commit", lambda fn, *a, **k: fn())


def now(settings, text: str) -> None:
    """The platform's clock (JST)."""
    settings.RENKEI_DEMO_NOW = f"{text}:00+09:00" if len(text) == 16 else text


def fresh(grant):
    """The grant as stored now (its state field is protected: no ``refresh_from_db``)."""
    from renkei.grants.models import Grant

    return Grant.objects.get(pk=grant.pk)


def adopted_selection(
    applicant,
    office,
    round_,
    document,
    *,
    title="grant-1",
    amount=NAIJI_AMOUNT,
    at=NAIJI_AT,
    partner=None,
):
    """A submitted JCM proposal (``partner``'s organisation linked as a partner participant
    before it was submitted) adopted with its 内示 notified at ``at`` (JST)."""
    from renkei.adoption.models import Selection
    from renkei.proposals import services

    if partner is None:
        proposal = submitted_proposal(
            applicant, round_, document, title, country="KE", uploads=JCM_UPLOADS, at=SUBMITTED
        )
    else:
        proposal = services.proposal_create(
            actor=applicant, round=round_, title=title, country="KE"
        )
        services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
        for doc_id, name in JCM_UPLOADS.items():
            services.attachment_add(
                actor=applicant,
                proposal=proposal,
                document_id=doc_id,
                upload=SimpleUploadedFile(name, b"%PDF-1.7 x"),
            )
        link_partner(applicant, proposal, partner)
        services.proposal_submit(
            actor=applicant, proposal=proposal, idempotency_key=title, now=jst(SUBMITTED)
        )
        proposal.refresh_from_db()
    version = proposal.versions.order_by("-number").first()
    return Selection.objects.create(
        proposal=proposal,
        version=version,
        state="adopted",
        subsidy_jpy=amount,
        decided_by=office,
        decided_at=jst(at),
        naiji_number=f"N-{proposal.receipt_number}",
        naiji_at=jst(at),
        naiji_amount_jpy=amount,
    )


def opened_grant(selection, representative, settings, *, at="2024-07-20T10:00"):
    from renkei.grants.services.core import grant_open

    now(settings, at)
    return grant_open(actor=representative, selection=selection)


def agreement(name: str = "consortium_agreement_signed.pdf", body: bytes = b"%PDF-1.7 signed"):
    return SimpleUploadedFile(name, body)


def filed_application(grant, representative, settings, *, at="2024-08-01T10:00"):
    """The plan written, the signed agreement uploaded and the application submitted."""
    from renkei.grants.services import award

    now(settings, at)
    version = award.latest_version(grant)
    award.application_save(
        actor=representative,
        grant=grant,
        budget=version.budget,
        content={
            "plan": "Install the boilers, heat pumps and PV.",
            "planned_completion_on": "2026-01-30",
        },
    )
    award.application_document_add(
        actor=representative, grant=grant, kind="consortium_agreement", upload=agreement()
    )
    return award.application_submit(actor=representative, grant=grant)


def accepted_application(grant, representative, office, settings, *, at="2024-08-05T10:00"):
    from renkei.grants.services import award

    filed_application(grant, representative, settings)
    now(settings, at)
    award.application_accept(actor=office, grant=grant)
    return fresh(grant)


def decide(grant, office, settings, *, amount=NAIJI_AMOUNT, rate="0.5", day="2024-08-20"):
    from decimal import Decimal

    from renkei.grants.services import award

    now(settings, f"{day}T10:00")
    return award.grant_decide(
        actor=office,
        grant=grant,
        decided_on=dt.date.fromisoformat(day),
        amount_jpy=amount,
        rate=Decimal(rate),
        completion_due=dt.date(2026, 1, 30),
    )


def decided_grant(users, first_round, sample_document, settings, **kw):
    """The whole way to an implementing grant: adopted, opened, filed, accepted, decided."""
    selection = adopted_selection(
        users["applicant"], users["office"], first_round, sample_document, **kw
    )
    grant = opened_grant(selection, users["applicant"], settings)
    accepted_application(grant, users["applicant"], users["office"], settings)
    decide(grant, users["office"], settings)
    return fresh(grant)
