"""What the office reads of the evaluation, computed once for the page and the API alike.

``round_ranking`` ranks a round's reviewed proposals within its budget (the round's, else the
call's; without one, no funding line) from what was stored at submission and the submitted
reviews, in a fixed number of queries whatever the number of proposals (issue 12, point 26).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renkei import access
from renkei.calls.models import Program, Round
from renkei.proposals.assessed import latest_versions, version_assessment
from renkei.proposals.models import Proposal, ProposalVersion
from renkei.reviews.reviewing import review_totals
from renkei.selection import Candidate, Ranked, rank_within_budget


def amount_of(proposal: Proposal, version: ProposalVersion) -> tuple[int, int | None]:
    """The amount the rules core computed for the version at its submission, and its cap where
    the call sets one per proposal: the JCM subsidy (the requested amount, or the maximum where
    none is requested), or the C3P contract total incl. tax and its cap (3.3 (3))."""
    figures = version_assessment(version)["figures"]
    if proposal.call.program == Program.C3P:
        return int(figures["contract_total_incl_tax_jpy"]), int(figures["contract_cap_jpy"])
    return int(figures.get("subsidy_jpy") or 0), None


@dataclass(frozen=True)
class RankedRow:
    ranked: Ranked
    proposal: Proposal
    version: ProposalVersion
    first_below: bool  # the funding line is drawn above this row
    cap_jpy: int | None


@dataclass(frozen=True)
class RoundRanking:
    round: Round
    budget_jpy: int | None
    c3p: bool
    rows: list[RankedRow]


def round_ranking(viewer: Any, chosen: Round) -> RoundRanking:
    """The proposals of ``chosen`` that ``viewer`` may see and that have a submitted review,
    ranked by total score (ties to the smaller amount) within the budget."""
    budget = chosen.budget_jpy if chosen.budget_jpy is not None else chosen.call.budget_jpy
    listed = list(access.proposals_for(viewer).filter(round=chosen))
    latest = latest_versions(listed)
    totals = review_totals(listed, latest)
    proposals = {str(p.pk): p for p in listed if totals[p.pk] is not None}
    amounts = {pk: amount_of(p, latest[p.pk]) for pk, p in proposals.items()}
    candidates = [
        Candidate(pk, totals[p.pk], amounts[pk][0], p.receipt_number or "")
        for pk, p in proposals.items()
    ]
    ranked = rank_within_budget(
        candidates, budget if budget is not None else sum(c.subsidy_jpy for c in candidates)
    )
    rows = [
        RankedRow(
            ranked=r,
            proposal=proposals[r.candidate.id],
            version=latest[int(r.candidate.id)],
            first_below=budget is not None and not r.funded and (i == 0 or ranked[i - 1].funded),
            cap_jpy=amounts[r.candidate.id][1],
        )
        for i, r in enumerate(ranked)
    ]
    return RoundRanking(chosen, budget, chosen.call.program == Program.C3P, rows)
