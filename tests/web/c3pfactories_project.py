"""Set-ups of the C3P project part's tests: an adopted C3P proposal (the FY2025 call's new-project
example, submitted, screened, scored and adopted through the services), its project, and the
people around it (the lead organisation's applicant, a partner participant, an outsider, the
office and the other roles)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from webfactories import (
    C3P_UPLOADS,
    UserFactory,
    c3p_round,
    jst,
    link_partner,
)

from renkei.accounts.models import Role

DEMO_NOW = "2025-02-20T10:00:00+09:00"
LINES = [
    {"category": "personnel", "description": "Staff", "amount_jpy": 6_000_000},
    {"category": "overseas_travel", "description": "Field survey", "amount_jpy": 2_000_000},
    {"category": "outsourcing", "description": "Local consultant", "amount_jpy": 1_000_000},
]


def cast():
    return SimpleNamespace(
        lead=UserFactory(role=Role.APPLICANT),
        partner=UserFactory(role=Role.APPLICANT),
        outsider=UserFactory(role=Role.APPLICANT),
        office=UserFactory(role=Role.OFFICE, organisation=None, is_staff=True),
        reviewer=UserFactory(role=Role.REVIEWER, organisation=None),
        secretariat=UserFactory(role=Role.SECRETARIAT, organisation=None),
        joint_committee=UserFactory(role=Role.JOINT_COMMITTEE, organisation=None, country="VN"),
    )


def _document() -> dict:
    """The new-project example as test_adoption's C3P adoption uses it."""
    import yaml
    from webfactories import ROOT

    document = yaml.safe_load((ROOT / "examples/c3p-new-project.yaml").read_text("utf-8"))
    document.pop("documents_submitted")
    document.pop("submitted_on")
    return document


def adopted_proposal(people, settings, title: str = "C3P Ho Chi Minh City"):
    """An adopted C3P proposal of ``people.lead``'s organisation with ``people.partner`` as a
    partner participant (the clock set inside the FY2025 call)."""
    from renkei.adoption import services as adoption
    from renkei.reviews import reviewing
    from renkei.reviews import services as reviews

    settings.RENKEI_DEMO_NOW = DEMO_NOW
    round_ = c3p_round(call_budget_jpy=100_000_000)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renkei.proposals import services

    proposal = services.proposal_create(actor=people.lead, round=round_, title=title, country="VN")
    services.proposal_update_document(
        actor=people.lead,
        proposal=proposal,
        document={**_document(), "title": title},
    )
    for doc_id in C3P_UPLOADS:
        services.attachment_add(
            actor=people.lead,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(f"{doc_id}.pdf", b"%PDF-1.7 x"),
        )
    link_partner(people.lead, proposal, people.partner)
    services.proposal_submit(
        actor=people.lead, proposal=proposal, idempotency_key=title, now=jst("2025-02-20T10:00")
    )
    proposal.refresh_from_db()
    screening = reviews.screening_start(actor=people.office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        reviews.screening_item_decide(
            actor=people.office, item=item, decision="pass", reason="checked"
        )
    reviews.screening_complete(actor=people.office, screening=screening)
    (a,) = reviews.review_assign_balanced(
        actor=people.office, proposals=[proposal], reviewers=[people.reviewer], per_proposal=1
    )
    reviews.review_declare_conflict(actor=people.reviewer, assignment=a, has_conflict=False)
    for c in reviewing.reviewer_criteria(proposal):
        reviews.review_score(
            actor=people.reviewer, assignment=a, criterion=c.id, points=c.max, justification="j"
        )
    reviews.review_submit(actor=people.reviewer, assignment=a)
    adoption.selection_adopt_c3p(actor=people.office, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def plan(people, year, requested: int = 19_800_000):
    from renkei.c3p.services.project import c3p_plan_submit

    return c3p_plan_submit(
        actor=people.lead,
        year=year,
        overview="Decarbonisation roadmap for the partner city.",
        methods="Policy dialogue, field surveys, workshops.",
        structure="Lead company, Japanese city, partner city.",
        timeline="Kick-off in July, interim in October, final in February.",
        requested_jpy=requested,
    )


def contracted_year(people, year, amount: int = 18_000_000):
    from renkei.c3p.services.project import c3p_contract_sign

    plan(people, year)
    return c3p_contract_sign(
        actor=people.office,
        year=year,
        amount_jpy=amount,
        signed_on=dt.date(year.fiscal_year, 7, 1),
        reduction_reason="Travel costs halved after the review." if amount < 19_800_000 else "",
    )


def closed_year(people, year):
    from renkei.c3p.services.project import (
        DELIVERABLES,
        c3p_settlement_submit,
        c3p_year_close,
        c3p_year_report,
    )

    year = contracted_year(people, year)
    c3p_settlement_submit(actor=people.lead, year=year, kind="final", lines=LINES)
    c3p_year_report(
        actor=people.lead,
        year=year,
        business_report="Roadmap drafted; two JCM candidates found.",
        deliverables=DELIVERABLES,
    )
    return c3p_year_close(actor=people.office, year=year)
