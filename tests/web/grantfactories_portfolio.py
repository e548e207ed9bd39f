"""Grants for the portfolio's tests and benchmark, built with the ORM (the other parts' services
are written in parallel): an adopted proposal with its 内示, the grant in a given state, its
decision and allocation, fixed amount, claims and payments, and deadlines. ``many_grants``
builds a large portfolio with bulk inserts."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from renkei import clock
from renkei.adoption.models import Selection
from renkei.grants.models import Grant
from renkei.grants.models.award import (
    Allocation,
    GrantApplication,
    GrantApplicationVersion,
    GrantDecision,
)
from renkei.grants.models.closing import AmountFixing, Claim, Payment
from renkei.grants.models.schedule import GrantDeadline
from renkei.proposals.models import Proposal, ProposalVersion

_seq = itertools.count(1)


def adopted(
    round_, applicant, office, *, title: str, country: str = "KE", kind: str = "model_project"
):
    """An adopted proposal of ``applicant``'s organisation with its 内示 (ORM only)."""
    n = next(_seq)
    now = clock.now()
    proposal = Proposal.objects.create(
        call=round_.call,
        round=round_,
        organisation=applicant.organisation,
        title=title,
        country=country,
        state="submitted",
        document={"kind": kind, "title": title},
        created_by=applicant,
        submitted_at=now,
        receipt_number=f"PF-{n:05d}",
    )
    version = ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        document={"kind": kind, "title": title},
        submitted_by=applicant,
        submitted_at=now,
        rulebook_id=round_.call.rulebook_id,
        rulebook_version=1,
        assessment_status="pass",
        idempotency_key=f"pf-{n}",
    )
    return Selection.objects.create(
        proposal=proposal,
        version=version,
        state="adopted",
        decided_by=office,
        decided_at=now,
        naiji_number=f"N-PF-{n:05d}",
        naiji_at=now,
        naiji_amount_jpy=100_000_000,
    )


def grant(
    selection,
    office,
    *,
    state: str = "drafting",
    decided_jpy: int | None = None,
    decided_on: dt.date | None = None,
    budget: dict[int, dict[str, int]] | None = None,
    changed_jpy: int | None = None,
    fixed_jpy: int | None = None,
    payments: tuple[tuple[dt.date, int], ...] = (),
    deadlines: tuple[tuple[str, dt.date, str], ...] = (),
) -> Grant:
    """The grant of ``selection`` in ``state`` with the records that give its figures.
    ``budget``: the decision's eligible cost by year; ``changed_jpy``: an approved amount
    change (a new current allocation); ``deadlines``: (key, due_on, "open"|"done"|"cancelled")."""
    g = Grant.objects.create(
        selection=selection,
        number=f"G-{selection.proposal.receipt_number}",
        state=state,
        opened_by=office,
        decided_on=decided_on if decided_jpy else None,
    )
    if decided_jpy:
        application = GrantApplication.objects.create(grant=g)
        version = GrantApplicationVersion.objects.create(
            application=application, number=1, budget={}, created_by=office
        )
        GrantDecision.objects.create(
            grant=g,
            application_version=version,
            number=f"D-{g.number}",
            decided_on=decided_on,
            amount_jpy=decided_jpy,
            rate="0.5000",
            completion_due=decided_on + dt.timedelta(days=600),
            decided_by=office,
        )
        json_budget = {str(y): row for y, row in (budget or {}).items()}
        Allocation.objects.create(
            grant=g,
            budget=json_budget,
            amount_jpy=decided_jpy,
            source="decision",
            superseded_at=clock.now() if changed_jpy else None,
        )
        if changed_jpy:
            Allocation.objects.create(
                grant=g, budget=json_budget, amount_jpy=changed_jpy, source="change"
            )
    if fixed_jpy is not None:
        AmountFixing.objects.create(
            grant=g,
            number=f"F-{g.number}",
            fixed_on=decided_on + dt.timedelta(days=500),
            amount_jpy=fixed_jpy,
            computation={},
            fixed_by=office,
        )
    for i, (paid_on, amount) in enumerate(payments):
        claim = Claim.objects.create(
            grant=g,
            kind="advance" if i < len(payments) - 1 else "final",
            fiscal_year=paid_on.year if i < len(payments) - 1 else None,
            amount_jpy=amount,
            received_on=paid_on - dt.timedelta(days=20),
            due_on=paid_on + dt.timedelta(days=30),
            submitted_by=selection.proposal.created_by,
        )
        Payment.objects.create(
            claim=claim,
            amount_jpy=amount,
            claimed_jpy=claim.amount_jpy,
            paid_on=paid_on,
            recorded_by=office,
        )
    for key, due_on, status in deadlines:
        GrantDeadline.objects.create(
            grant=g,
            key=key,
            event=key.partition(":")[0],
            due_on=due_on,
            clause="4.(5)",
            done_at=clock.now() if status == "done" else None,
            cancelled_at=clock.now() if status == "cancelled" else None,
        )
    return g


STATES = ("drafting", "under_review", "implementing", "completed", "amount_fixed", "paid")


def many_grants(round_, applicant, office, n: int) -> list[int]:
    """``n`` grants in a spread of states with decisions, allocations over three years, fixed
    amounts, payments and five deadlines each, inserted in bulk; their ids."""
    now = clock.now()
    start = next(_seq)
    proposals = Proposal.objects.bulk_create(
        Proposal(
            call=round_.call,
            round=round_,
            organisation=applicant.organisation,
            title=f"Bench project {i}",
            country=("KE", "VN", "ID", "TH")[i % 4],
            state="submitted",
            document={"kind": "eco_lease" if i % 10 == 0 else "model_project"},
            created_by=applicant,
            submitted_at=now,
            receipt_number=f"PB-{start}-{i:06d}",
        )
        for i in range(n)
    )
    versions = ProposalVersion.objects.bulk_create(
        ProposalVersion(
            proposal=p,
            number=1,
            document=p.document,
            submitted_by=applicant,
            submitted_at=now,
            rulebook_id=round_.call.rulebook_id,
            rulebook_version=1,
            assessment_status="pass",
            idempotency_key=f"pb-{p.pk}",
        )
        for p in proposals
    )
    selections = Selection.objects.bulk_create(
        Selection(
            proposal=p,
            version=v,
            state="adopted",
            decided_by=office,
            decided_at=now,
            naiji_number=f"N-{p.receipt_number}",
            naiji_at=now,
            naiji_amount_jpy=100_000_000,
        )
        for p, v in zip(proposals, versions, strict=True)
    )
    grants = Grant.objects.bulk_create(
        Grant(
            selection=s,
            number=f"G-{s.proposal.receipt_number}",
            state=STATES[i % len(STATES)],
            opened_by=office,
            decided_on=dt.date(2024, 7, 1) if i % len(STATES) >= 2 else None,
        )
        for i, s in enumerate(selections)
    )
    decided = [g for g in grants if g.decided_on]
    applications = GrantApplication.objects.bulk_create(GrantApplication(grant=g) for g in decided)
    app_versions = GrantApplicationVersion.objects.bulk_create(
        GrantApplicationVersion(application=a, number=1, budget={}, created_by=office)
        for a in applications
    )
    GrantDecision.objects.bulk_create(
        GrantDecision(
            grant=g,
            application_version=v,
            number=f"D-{g.number}",
            decided_on=g.decided_on,
            amount_jpy=90_000_000,
            rate="0.5000",
            completion_due=dt.date(2026, 2, 28),
            decided_by=office,
        )
        for g, v in zip(decided, app_versions, strict=True)
    )
    budget = {
        "2024": {"construction": 30_000_000, "equipment": 50_000_000, "admin": 1_000_000},
        "2025": {"construction": 20_000_000, "equipment": 70_000_000, "admin": 1_000_000},
        "2026": {"construction": 0, "equipment": 8_000_000, "admin": 500_000},
    }
    Allocation.objects.bulk_create(
        Allocation(grant=g, budget=budget, amount_jpy=90_000_000, source="decision")
        for g in decided
    )
    fixed = [g for g in grants if g.state in ("amount_fixed", "paid")]
    AmountFixing.objects.bulk_create(
        AmountFixing(
            grant=g,
            number=f"F-{g.number}",
            fixed_on=dt.date(2026, 3, 20),
            amount_jpy=85_000_000,
            computation={},
            fixed_by=office,
        )
        for g in fixed
    )
    paid = [g for g in grants if g.state == "paid"]
    claims = Claim.objects.bulk_create(
        Claim(
            grant=g,
            kind="final",
            amount_jpy=85_000_000,
            received_on=dt.date(2026, 3, 25),
            due_on=dt.date(2026, 4, 30),
            submitted_by=applicant,
        )
        for g in paid
    )
    Payment.objects.bulk_create(
        Payment(
            claim=c,
            amount_jpy=85_000_000,
            claimed_jpy=c.amount_jpy,
            paid_on=dt.date(2026, 4, 20),
            recorded_by=office,
        )
        for c in claims
    )
    keys: list[tuple[str, dt.date, Any]] = [
        ("grant_application", dt.date(2024, 6, 1), now),
        ("year_end_report:2024", dt.date(2025, 4, 10), None),
        ("completion", dt.date(2026, 2, 28), None),
        ("completion_report", dt.date(2026, 3, 10), None),
        ("records_retention", dt.date(2031, 3, 31), None),
    ]
    GrantDeadline.objects.bulk_create(
        GrantDeadline(
            grant=g,
            key=key,
            event=key.partition(":")[0],
            due_on=due,
            clause="4.",
            done_at=done,
        )
        for g in grants
        for key, due, done in keys
    )
    return [g.pk for g in grants]
