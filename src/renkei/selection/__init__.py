"""Ranking and selection within a budget (JCM call 3.(1): 予算の範囲内において採択案件を決定).

Pure Python: candidates are ranked by total score (highest first; ties go to the smaller
subsidy, then to the earlier receipt), and funded in that order while the cumulative subsidy
stays within the budget. The funding line falls before the first candidate that does not fit;
candidates below it that would still fit in the remaining budget are marked, because the call
leaves that choice (and the geographic and technical balance of 3.(1)) to the office.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Candidate:
    id: str
    score: Decimal
    subsidy_jpy: int
    receipt: str = ""


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    rank: int
    cumulative_jpy: int  # subsidy of this candidate and all ranked above it
    funded: bool  # above the funding line
    fits_remaining: bool  # below the line, but fits in what the funded ones leave


def rank_within_budget(candidates: Iterable[Candidate], budget_jpy: int) -> list[Ranked]:
    if budget_jpy < 0:
        raise ValueError(f"the budget must be zero or more yen (got {budget_jpy})")
    ordered = sorted(candidates, key=lambda c: (-c.score, c.subsidy_jpy, c.receipt, c.id))
    out: list[Ranked] = []
    cumulative, line_drawn, funded_total = 0, False, 0
    for rank, c in enumerate(ordered, start=1):
        if c.subsidy_jpy < 0:
            raise ValueError(f"{c.id}: subsidy must be zero or more yen")
        cumulative += c.subsidy_jpy
        funded = not line_drawn and cumulative <= budget_jpy
        if funded:
            funded_total = cumulative
        else:
            line_drawn = True
        out.append(Ranked(c, rank, cumulative, funded, False))
    remaining = budget_jpy - funded_total
    return [
        r
        if r.funded
        else Ranked(
            r.candidate, r.rank, r.cumulative_jpy, False, r.candidate.subsidy_jpy <= remaining
        )
        for r in out
    ]
