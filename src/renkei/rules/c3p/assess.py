"""A whole C3P proposal judged clause by clause against one rulebook version.

Sections: eligibility (3.2, Table 3 countries), schedule (2.1 phases), costs (3.3 (3), Table 5),
scoring (Table 6), activities (Table 3 (1)–(7)) and documents (3.4).
"""

from __future__ import annotations

from decimal import Decimal

from renkei.errors import BadInput
from renkei.rules._result import Assessment, Section, Status
from renkei.rules.c3p.activities import check_activities
from renkei.rules.c3p.costs import check_costs
from renkei.rules.c3p.documents import check_documents
from renkei.rules.c3p.eligibility import check_eligibility
from renkei.rules.c3p.proposal import C3pProposal
from renkei.rules.c3p.rulebook import C3pRulebook
from renkei.rules.c3p.schedule import check_schedule, require_in_force
from renkei.rules.c3p.scoring import score_proposal

# Scoring items whose points rest on a document of 3.4 ((7), (8), (9)).
_EVIDENCED = ("past_collaboration", "ems", "wlb")
_COMPUTED = (
    "cost_effectiveness",
    "ghg_reduction",
    "engineer_workload",
    "past_collaboration",
    "ems",
    "wlb",
    "targets",
)


def assess_c3p(proposal: C3pProposal, rulebook: C3pRulebook) -> Assessment:
    """Assess ``proposal``: NotInForce outside the rulebook's period, BadInput on bad input."""
    if proposal.call != rulebook.id:
        raise BadInput(
            f"the proposal is for call {proposal.call!r} but the rulebook is {rulebook.id!r}; "
            f"assess it with the rulebook {proposal.call!r}"
        )
    require_in_force(proposal, rulebook)
    scoring, scores = score_proposal(proposal, rulebook)
    claimed = frozenset(
        f.check.removeprefix("c3p.scoring.")
        for f in scoring
        if f.check.removeprefix("c3p.scoring.") in _EVIDENCED and f.params.get("points", 0) > 0
    )
    cost_findings, totals = check_costs(proposal.cost_plan, rulebook)
    sections = (
        Section("eligibility", "section.eligibility", check_eligibility(proposal, rulebook)),
        Section("schedule", "section.schedule", check_schedule(proposal, rulebook)),
        Section("costs", "section.costs", cost_findings),
        Section("scoring", "section.scoring", scoring),
        Section(
            "activities", "section.activities", check_activities(proposal.activity_plan, rulebook)
        ),
        Section("documents", "section.documents", check_documents(proposal, rulebook, claimed)),
    )
    figures = {
        "project_type": proposal.project.type,
        "fiscal_year": proposal.fiscal_year,
        "score_computed": scores.computed,
        "score_reviewer": scores.reviewer,
        "score_total": scores.total,
        "score_max": scores.maximum,
        "score_reviewer_pending": list(scores.pending),
        # computed items' points by Table 6 id, and those the office must still confirm (the
        # same figures the JCM assessment gives, so the platform reads both alike)
        "score_items": {
            f.check.removeprefix("c3p.scoring."): int(f.params["points"])
            for f in scoring
            if f.check.removeprefix("c3p.scoring.") in _COMPUTED
        },
        "score_provisional_items": [
            f.check.removeprefix("c3p.scoring.")
            for f in scoring
            if f.check.removeprefix("c3p.scoring.") in _COMPUTED and f.status is Status.NEEDS_REVIEW
        ],
        "contract_pre_tax_jpy": totals.pre_tax_jpy,
        "consumption_tax_jpy": totals.tax_jpy,
        "contract_total_incl_tax_jpy": totals.total_incl_tax_jpy,
        "contract_cap_jpy": totals.cap_jpy,
        "outsourcing_share": totals.paid_to_others_share.quantize(Decimal("0.0001")),
    }
    return Assessment(rulebook.id, rulebook.version, proposal.title, sections, figures)
