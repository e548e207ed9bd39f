"""Grants for the closing part's tests: an adopted JCM proposal whose grant is decided and under
way (``implementing``), made directly with the ORM (the award part's services build the same
records; these tests do not depend on them), and helpers that walk it through completion,
its report, the final inspection and the fixed amount through the closing services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from webfactories import JCM_UPLOADS, jst, submitted_proposal

from renkei.adoption.models import Selection
from renkei.grants.models import (
    Allocation,
    Grant,
    GrantApplication,
    GrantApplicationVersion,
    GrantDecision,
)
from renkei.proposals.models import ProposalPartner

D = dt.date.fromisoformat

# a FY2024–FY2025 project (2.(11)): decided 1 August 2024, to be completed by 28 February 2026
DECIDED_ON = D("2024-08-01")
COMPLETION_DUE = D("2026-02-28")
RATE = Decimal("0.5")
# eligible cost by fiscal year and category (別表1 column 1)
BUDGET = {
    "2024": {"construction": 40_000_000, "equipment": 60_000_000, "admin": 2_000_000},
    "2025": {"construction": 20_000_000, "equipment": 80_000_000, "admin": 3_000_000},
}
AMOUNT = 100_000_000  # subsidy decided: ≤ 205,000,000 × 0.5


def now(settings, when: str) -> None:
    """Set the platform's clock (JST)."""
    settings.RENKEI_DEMO_NOW = f"{when}T10:00:00+09:00" if "T" not in when else when


def implementing_grant(users, round_, document, settings, *, title: str = "g-1") -> Grant:
    """The representative ``users["applicant"]``'s adopted proposal with ``users["partner"]``'s
    organisation as partner participant; its grant decided on ``DECIDED_ON`` for ``AMOUNT`` at
    ``RATE`` with ``BUDGET`` allocated, and under way."""
    now(settings, "2024-05-10T09:00:00+09:00")
    applicant, office = users["applicant"], users["office"]
    proposal = submitted_proposal(
        applicant,
        round_,
        {**document, "title": title},
        title,
        country="KE",
        uploads=dict(JCM_UPLOADS),
        at="2024-05-10T09:00",
    )
    if users.get("partner") is not None:  # linked as the consortium's partner participant
        ProposalPartner.objects.create(
            proposal=proposal, organisation=users["partner"].organisation, added_by=applicant
        )
    version = proposal.versions.order_by("-number").first()
    selection = Selection.objects.create(
        proposal=proposal,
        version=version,
        state="adopted",
        decided_by=office,
        decided_at=jst("2024-06-20T10:00"),
        subsidy_jpy=AMOUNT,
        naiji_number=f"N-{proposal.receipt_number}",
        naiji_at=jst("2024-06-20T10:00"),
        naiji_amount_jpy=AMOUNT,
    )
    grant = Grant.objects.create(
        selection=selection, number=f"G-{proposal.receipt_number}", opened_by=applicant
    )
    Grant.objects.filter(pk=grant.pk).update(
        state="implementing", decided_on=DECIDED_ON, completion_due=COMPLETION_DUE
    )
    application = GrantApplication.objects.create(grant=grant)
    app_version = GrantApplicationVersion.objects.create(
        application=application, number=1, budget=BUDGET, created_by=applicant
    )
    GrantDecision.objects.create(
        grant=grant,
        application_version=app_version,
        number=f"D-{proposal.receipt_number}",
        decided_on=DECIDED_ON,
        amount_jpy=AMOUNT,
        rate=RATE,
        completion_due=COMPLETION_DUE,
        decided_by=office,
    )
    Allocation.objects.create(grant=grant, budget=BUDGET, amount_jpy=AMOUNT, source="decision")
    return Grant.objects.get(pk=grant.pk)


def completed(grant, users, settings, *, on: str = "2026-01-15", operation: str = "2025-12-01"):
    from renkei.grants.services import closing

    now(settings, on)
    return closing.grant_complete(
        actor=users["applicant"],
        grant=grant,
        completed_on=D(on),
        operation_started_on=D(operation),
        useful_life_years=10,
    )


def with_evidence(grant, users) -> None:
    from renkei.grants.services import closing

    for kind, name in (("invoice", "inv.pdf"), ("receipt", "rcpt.pdf")):
        closing.closing_document_add(
            actor=users["applicant"],
            grant=grant,
            kind=kind,
            upload=SimpleUploadedFile(name, b"%PDF-1.7 " + kind.encode()),
        )


SPENT = {
    "2024": {"construction": 40_000_000, "equipment": 60_000_000, "admin": 2_000_000},
    "2025": {"construction": 20_000_000, "equipment": 70_000_000, "admin": 3_000_000},
}


def reported(grant, users, settings, *, on: str = "2026-02-01", spending=None):
    from renkei.grants.services import closing

    with_evidence(grant, users)
    now(settings, on)
    return closing.completion_report_submit(
        actor=users["applicant"],
        grant=grant,
        spending=spending or SPENT,
        excluded=[
            {
                "description": "Spare parts",
                "category": "equipment",
                "amount_jpy": 500_000,
                "kind": "ineligible",
                "reason": "spare parts are not eligible (2.(7)⑤)",
            }
        ],
        narrative="Installed, test-run and paid as planned.",
        expected_annual_reduction_tco2=Decimal("1200"),
    )


def inspected(grant, users, settings, *, on: str = "2026-02-20"):
    from renkei.grants.services import closing

    now(settings, on)
    return closing.final_inspection_record(
        actor=users["office"],
        grant=grant,
        inspected_on=D(on),
        on_site=True,
        no_site_reason="",
        representative_attended=True,
        attendees="代表事業者, partner",
        findings="As reported.",
        corrections="",
    )


def fixed(grant, users, settings, *, on: str = "2026-03-05"):
    from renkei.grants.services import closing

    now(settings, on)
    return closing.amount_fix(actor=users["office"], grant=grant, fixed_on=D(on))
