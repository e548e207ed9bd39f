"""How well a published solution fits a partner city's need (C3P guidebook §3.1 steps 2–4, §2.2
Table 3 "Sectors", Table 6 item 1): a small, pure scoring function that explains itself.

The guidebook gives no formula for matching ("There is no definitive route", §3.1): these
weights are the platform's reading [INTERP] of the criteria the guidebook names, each reason
citing where it comes from, so a person sees *why* a solution is suggested and can disagree.

- the same sector as the need (§3.1 step 4: "identify the solutions … based on the needs of the
  partner city overseas"): 40;
- a target sector of the call (§2.2 Table 3 "Sectors"; §3.1 step 4: "energy efficiency,
  renewable energy, and decarbonization technologies such as hydrogen"): 10;
- experience or a base in the need's country (§3.1 step 2: "Overseas bases", "International
  cooperation experience"): 15;
- a city-to-city partnership already links the solution's municipality and the need's partner
  city (§3.1 step 3: "If a partnership agreement is in place, ask the Japanese municipality to
  set up meetings"; BOX 8): 15;
- experience with the JCM (Table 6 item 1: "involvement of project implementers with experience
  in the JCM"): 10;
- words the need's problem shares with the solution's technology and experience: up to 10.

Nothing here imports Django (style.md: the pure core never does).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "CALL_SECTORS",
    "MAX_SCORE",
    "Need",
    "Reason",
    "Solution",
    "Suggestion",
    "rank",
    "score",
]

#: the target sectors the FY2025 call names (§2.2 Table 3 "Sectors"; §3.1 step 4)
CALL_SECTORS = frozenset({"energy_efficiency", "renewable_energy", "hydrogen"})

SAME_SECTOR = 40
CALL_SECTOR = 10
COUNTRY = 15
PARTNERSHIP = 15
JCM = 10
WORDS_MAX = 10
WORD = 2  # per shared word, up to WORDS_MAX
MAX_SCORE = SAME_SECTOR + CALL_SECTOR + COUNTRY + PARTNERSHIP + JCM + WORDS_MAX

# short and common words say nothing about a fit
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "that",
        "this",
        "are",
        "was",
        "were",
        "our",
        "their",
        "its",
        "has",
        "have",
        "will",
        "can",
        "not",
        "all",
        "any",
        "use",
        "used",
        "using",
        "city",
        "cities",
        "project",
        "projects",
        "local",
        "new",
        "more",
        "than",
        "per",
    ]
)
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class Need:
    """A partner city's need as published: its sector, the problem, its country, the partner
    city (its organisation id) and, for ranking, an id."""

    id: int
    sector: str
    country: str
    partner_city_id: int
    problem: str = ""


@dataclass(frozen=True)
class Solution:
    """A Japanese municipality's or company's solution as published."""

    id: int
    sectors: frozenset[str]
    countries: frozenset[str] = frozenset()
    organisation_id: int = 0
    jcm_experience: bool = False
    text: str = ""  # the technology, the experience and past projects, as typed


@dataclass(frozen=True)
class Reason:
    """One reason a solution fits, its points and where the guidebook says it matters."""

    code: str
    points: int
    clause: str
    detail: str = ""


@dataclass(frozen=True)
class Suggestion:
    need_id: int
    solution_id: int
    score: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def words(text: str) -> frozenset[str]:
    """The words of a text that can say something about a fit (NFKC, case-folded, three
    letters or more, common words left out)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return frozenset(w for w in _WORD.findall(text) if w not in _STOP)


def score(
    need: Need, solution: Solution, *, partnered: frozenset[tuple[int, int]] = frozenset()
) -> Suggestion:
    """The solution's fit to the need, with every reason that counted. ``partnered`` holds the
    (Japanese municipality, partner city) organisation id pairs that have a partnership."""
    reasons: list[Reason] = []
    if need.sector in solution.sectors:
        reasons.append(Reason("same_sector", SAME_SECTOR, "C3P §3.1 step 4", need.sector))
        if need.sector in CALL_SECTORS:
            reasons.append(Reason("call_sector", CALL_SECTOR, "C3P §2.2 Table 3", need.sector))
    if need.country and need.country in solution.countries:
        reasons.append(Reason("country", COUNTRY, "C3P §3.1 step 2", need.country))
    if (solution.organisation_id, need.partner_city_id) in partnered:
        reasons.append(Reason("partnership", PARTNERSHIP, "C3P §3.1 step 3; BOX 8"))
    if solution.jcm_experience:
        reasons.append(Reason("jcm_experience", JCM, "C3P Table 6 item 1"))
    shared = sorted(words(need.problem) & words(solution.text))
    if shared:
        points = min(WORDS_MAX, WORD * len(shared))
        reasons.append(Reason("shared_words", points, "C3P §3.1 step 3–4", ", ".join(shared[:5])))
    total = sum(r.points for r in reasons)
    return Suggestion(need.id, solution.id, total, tuple(reasons))


def rank(
    need: Need,
    solutions: list[Solution],
    *,
    partnered: frozenset[tuple[int, int]] = frozenset(),
    limit: int = 10,
) -> list[Suggestion]:
    """The solutions that fit ``need`` at all (a shared sector or country: a fit on words or
    JCM experience alone is no fit), best first; ties by id, so the order is stable."""
    out = []
    for solution in solutions:
        suggestion = score(need, solution, partnered=partnered)
        if {r.code for r in suggestion.reasons} & {"same_sector", "country"}:
            out.append(suggestion)
    out.sort(key=lambda s: (-s.score, s.solution_id))
    return out[:limit]
