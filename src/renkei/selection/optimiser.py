"""The selection optimiser (issue 13): the best portfolio within the budget, beside the ranking.

JCM call 3.(1) adopts proposals 「JCM パートナー国の地理的、技術的な配分等も踏まえ …
予算の範囲内において」 (considering geographic and technological balance, within the
budget). The ranking (``rank_within_budget``) walks down the scores while the subsidy
fits; this module chooses the set that maximises an objective the office picks, under the
constraints it sets, as a 0-1 integer programme solved exactly by HiGHS (``highspy``). It is a
decision aid: the office decides. See ``docs/selection-optimiser.md``.

The model, with x_i ∈ {0, 1} for proposal i adopted:

* objectives (``Objective``): ``score`` maximises Σ score_i·x_i (scores are scaled by a power
  of ten to integers, so the objective is exact); ``tco2`` maximises Σ tCO2_i·x_i (expected
  lifetime reductions, integer tonnes); ``tco2_per_yen`` maximises the portfolio's ratio
  Σ tCO2_i·x_i / Σ subsidy_i·x_i exactly by Dinkelbach's method (a sequence of 0-1 programmes
  max Σ (tCO2_i − λ·subsidy_i)·x_i with λ the last set's ratio, a Fraction, until no set does
  better; at least one yen of subsidy is required so the ratio is defined);
  ``score_with_tco2_floor`` maximises the score with Σ tCO2_i·x_i ≥ the floor.
* constraints (each has an id the result and an infeasibility report name):
  ``budget.round`` Σ subsidy ≤ the round's remaining budget; ``budget.call`` ≤ the call's
  remaining budget (the smaller binds; both are kept so the report says which);
  ``budget.eco_lease`` Σ subsidy of the JCM Eco-Lease proposals ≤ their own cap (2.(8):
  原則総額5億円以下; eco-lease subsidy counts against the round and call budgets too);
  ``country.min:XX`` / ``country.max:XX``, ``technology.min:T`` / ``technology.max:T`` (a
  proposal with several technologies counts once for each), ``pair.min:XX/T`` /
  ``pair.max:XX/T`` (per country and technology); ``fixed.in:P`` / ``fixed.out:P`` (the
  office's decisions); ``tco2.floor``; ``similar.ten:XX/T`` (optional, below).
* excluded before solving: proposals that failed screening, and proposals with a technology
  whose similar-technology count at application is 10 or more (2.(9): 10 件以上 採択しません).

The rate caps of 2.(9) (0 similar adoptions → 50 %, 1–3 → 40 %, 4–7 → 30 %, 8–9 → 20 %,
10+ → not adopted) are NOT re-computed for adoptions made in the same round. 2.(9) counts
「過去に採択された JCM に係る補助事業のうち類似技術を活用している件数(原則応募時点)」: projects
adopted in the past, counted in principle at the time of application; a proposal's cap, and so
the subsidy it requests, is fixed by its application, and adopting another similar project in
the same round does not change it (spec ambiguity A-40: freeze at the decision; 2.(9) なお書き:
the grant decision's amount and rate are the upper limit). Each proposal's ``subsidy_jpy`` is
therefore a constant. Where the office wants the band's upper end respected within the round
as well (a reading the call does not require), ``Constraints.count_round_adoptions`` adds, per
(country, technology) group, ``similar.ten:XX/T``: c + k ≤ 10, with c the group's smallest
count at application and k the group's adoptions in this round, so no adoption would be the
11th or later.

Money is integer yen, scores Decimal; the result holds no float (the solver's gap and bound
are converted to Decimal, the objective is recomputed exactly from the chosen set, and every
constraint is checked again in integers).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

import highspy

from renkei.selection import Candidate, rank_within_budget

MODEL_VERSION = "renkei.selection.optimiser/1"
RATE_BAND_NOT_ADOPTED = 10  # 2.(9): 10 件以上 採択しません
DEFAULT_TIME_LIMIT_S = Decimal(10)


class Objective(StrEnum):
    SCORE = "score"
    TCO2 = "tco2"
    TCO2_PER_YEN = "tco2_per_yen"
    SCORE_WITH_TCO2_FLOOR = "score_with_tco2_floor"


class Status(StrEnum):
    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"  # the best set found when the time ran out, with its gap
    INFEASIBLE = "infeasible"


# --- inputs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """One technology of a proposal, with its part of the subsidy and its similar-technology
    count in the country at application (2.(9); ``None`` when not known)."""

    technology: str
    subsidy_jpy: int
    similar_adopted: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "technology": self.technology,
            "subsidy_jpy": self.subsidy_jpy,
            "similar_adopted": self.similar_adopted,
        }


@dataclass(frozen=True)
class Proposal:
    """A candidate for the optimiser. Give ``technology`` for a single technology, or
    ``parts`` (each technology with its part of the subsidy, adding up to ``subsidy_jpy``).
    ``fixed`` is the office's decision: ``"in"``, ``"out"`` or ``None``."""

    id: str
    score: Decimal
    subsidy_jpy: int
    lifetime_tco2: int
    country: str
    technology: str = ""
    parts: tuple[Part, ...] = ()
    eco_lease: bool = False
    screening_passed: bool = True
    fixed: str | None = None
    receipt: str = ""
    similar_adopted: int | None = None  # for a single ``technology``

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a proposal needs an id")
        if not isinstance(self.score, Decimal) or not self.score.is_finite():
            raise ValueError(f"{self.id}: the score must be a finite Decimal (got {self.score!r})")
        for name in ("subsidy_jpy", "lifetime_tco2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{self.id}: {name} must be a whole number ≥ 0 (got {value!r})")
        if self.fixed not in (None, "in", "out"):
            raise ValueError(f"{self.id}: fixed must be 'in', 'out' or empty (got {self.fixed!r})")
        if bool(self.technology) == bool(self.parts):
            raise ValueError(f"{self.id}: give either one technology or its technology parts")
        if self.parts:
            if self.similar_adopted is not None:
                raise ValueError(f"{self.id}: give similar_adopted per technology part")
            if sum(p.subsidy_jpy for p in self.parts) != self.subsidy_jpy:
                raise ValueError(
                    f"{self.id}: the technology parts' subsidies add up to "
                    f"{sum(p.subsidy_jpy for p in self.parts)} yen, not {self.subsidy_jpy}"
                )
            if len({p.technology for p in self.parts}) != len(self.parts):
                raise ValueError(f"{self.id}: a technology appears twice in its parts")
            if len(self.parts) == 1:  # one part is one technology: stored one way
                (only,) = self.parts
                object.__setattr__(self, "technology", only.technology)
                object.__setattr__(self, "similar_adopted", only.similar_adopted)
                object.__setattr__(self, "parts", ())
        for p in self.technology_parts:
            if p.subsidy_jpy < 0 or (p.similar_adopted is not None and p.similar_adopted < 0):
                raise ValueError(f"{self.id}: {p.technology}: amounts and counts must be ≥ 0")

    @property
    def technology_parts(self) -> tuple[Part, ...]:
        if self.parts:
            return self.parts
        return (Part(self.technology, self.subsidy_jpy, self.similar_adopted),)

    @property
    def technologies(self) -> tuple[str, ...]:
        return tuple(p.technology for p in self.technology_parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": str(self.score),
            "subsidy_jpy": self.subsidy_jpy,
            "lifetime_tco2": self.lifetime_tco2,
            "country": self.country,
            "parts": [p.to_dict() for p in self.technology_parts],
            "eco_lease": self.eco_lease,
            "screening_passed": self.screening_passed,
            "fixed": self.fixed,
            "receipt": self.receipt,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        parts = tuple(
            Part(str(p["technology"]), int(p["subsidy_jpy"]), _opt_int(p.get("similar_adopted")))
            for p in data.get("parts") or ()
        )
        common = dict(
            id=str(data["id"]),
            score=Decimal(str(data["score"])),
            subsidy_jpy=int(data["subsidy_jpy"]),
            lifetime_tco2=int(data["lifetime_tco2"]),
            country=str(data["country"]),
            eco_lease=bool(data.get("eco_lease", False)),
            screening_passed=bool(data.get("screening_passed", True)),
            fixed=data.get("fixed") or None,
            receipt=str(data.get("receipt", "")),
        )
        if parts:
            return cls(**common, parts=parts)
        return cls(
            **common,
            technology=str(data["technology"]),
            similar_adopted=_opt_int(data.get("similar_adopted")),
        )


@dataclass(frozen=True)
class Limit:
    """At least ``min`` and at most ``max`` adopted proposals for ``key`` (a country code, a
    technology id, or ``"XX/technology"`` for a pair)."""

    key: str
    min: int | None = None
    max: int | None = None

    def __post_init__(self) -> None:
        for bound in (self.min, self.max):
            if bound is not None and (isinstance(bound, bool) or bound < 0):
                raise ValueError(f"{self.key}: a limit is a whole number ≥ 0 (got {bound!r})")

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Constraints:
    round_budget_jpy: int
    call_budget_jpy: int | None = None
    eco_lease_budget_jpy: int | None = None
    countries: tuple[Limit, ...] = ()
    technologies: tuple[Limit, ...] = ()
    pairs: tuple[Limit, ...] = ()  # key "VN/solar_pv"
    tco2_floor: int | None = None
    count_round_adoptions: bool = False

    def __post_init__(self) -> None:
        for name in ("round_budget_jpy", "call_budget_jpy", "eco_lease_budget_jpy", "tco2_floor"):
            value = getattr(self, name)
            if value is None and name != "round_budget_jpy":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0 (got {value!r})")
        for name in ("countries", "technologies", "pairs"):
            keys = [limit.key for limit in getattr(self, name)]
            if len(set(keys)) != len(keys):
                raise ValueError(f"{name}: one limit per key (repeated: {_repeated(keys)})")
        for limit in self.pairs:
            if limit.key.count("/") != 1:
                raise ValueError(f"pair {limit.key!r}: write it as COUNTRY/technology")

    def to_dict(self) -> dict[str, Any]:
        return {
            "round_budget_jpy": self.round_budget_jpy,
            "call_budget_jpy": self.call_budget_jpy,
            "eco_lease_budget_jpy": self.eco_lease_budget_jpy,
            "countries": [x.to_dict() for x in self.countries],
            "technologies": [x.to_dict() for x in self.technologies],
            "pairs": [x.to_dict() for x in self.pairs],
            "tco2_floor": self.tco2_floor,
            "count_round_adoptions": self.count_round_adoptions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Constraints:
        def limits(name: str) -> tuple[Limit, ...]:
            return tuple(
                Limit(str(x["key"]), _opt_int(x.get("min")), _opt_int(x.get("max")))
                for x in data.get(name) or ()
            )

        return cls(
            round_budget_jpy=int(data["round_budget_jpy"]),
            call_budget_jpy=_opt_int(data.get("call_budget_jpy")),
            eco_lease_budget_jpy=_opt_int(data.get("eco_lease_budget_jpy")),
            countries=limits("countries"),
            technologies=limits("technologies"),
            pairs=limits("pairs"),
            tco2_floor=_opt_int(data.get("tco2_floor")),
            count_round_adoptions=bool(data.get("count_round_adoptions", False)),
        )


@dataclass(frozen=True)
class Problem:
    """Everything a run depends on: stored with its result, it reproduces it
    (``fingerprint`` identifies it; HiGHS is run single-threaded with a fixed seed)."""

    proposals: tuple[Proposal, ...]
    constraints: Constraints
    objective: Objective = Objective.SCORE
    time_limit_s: Decimal = DEFAULT_TIME_LIMIT_S

    def __post_init__(self) -> None:
        ids = [p.id for p in self.proposals]
        if len(set(ids)) != len(ids):
            raise ValueError(f"proposal ids must be unique (repeated: {_repeated(ids)})")
        if not isinstance(self.objective, Objective):
            try:
                object.__setattr__(self, "objective", Objective(self.objective))
            except ValueError:
                choices = ", ".join(o.value for o in Objective)
                raise ValueError(
                    f"unknown objective {self.objective!r}: choose one of {choices}"
                ) from None
        if self.objective is Objective.SCORE_WITH_TCO2_FLOOR and (
            self.constraints.tco2_floor is None
        ):
            raise ValueError("the objective score_with_tco2_floor needs a tco2_floor")
        limit = Decimal(self.time_limit_s)
        if not limit.is_finite() or limit <= 0:
            raise ValueError(f"the time limit must be a positive number of seconds (got {limit})")
        object.__setattr__(self, "time_limit_s", limit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": MODEL_VERSION,
            "objective": self.objective.value,
            "time_limit_s": str(self.time_limit_s),
            "constraints": self.constraints.to_dict(),
            "proposals": [p.to_dict() for p in self.proposals],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        model = data.get("model", MODEL_VERSION)
        if model != MODEL_VERSION:
            raise ValueError(f"this input is for {model!r}; this Renkei reads {MODEL_VERSION!r}")
        return cls(
            proposals=tuple(Proposal.from_dict(p) for p in data["proposals"]),
            constraints=Constraints.from_dict(data["constraints"]),
            objective=Objective(data.get("objective", Objective.SCORE.value)),
            time_limit_s=Decimal(str(data.get("time_limit_s", DEFAULT_TIME_LIMIT_S))),
        )

    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of ``to_dict`` (the model version included)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --- outputs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    """Why a proposal is where it is: ``code`` and ``params`` for a page to translate,
    ``text`` in English."""

    code: str
    params: Mapping[str, Any]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True)
class Difference:
    id: str
    rank: int | None  # in the ranking (None: not ranked, e.g. failed screening)
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rank": self.rank, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class ConstraintCheck:
    """One constraint, its bound, and the value each set reaches (``lo ≤ value ≤ hi``)."""

    id: str
    label: str
    lo: int | None
    hi: int | None
    optimiser_value: int | None  # None when there is no optimiser's set (infeasible)
    ranking_value: int

    def holds(self, value: int | None) -> bool | None:
        if value is None:
            return None
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)

    @property
    def binding(self) -> bool:
        """The optimiser's set sits on the bound."""
        v = self.optimiser_value
        return v is not None and v in (self.lo, self.hi)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "lo": self.lo,
            "hi": self.hi,
            "optimiser_value": self.optimiser_value,
            "optimiser_holds": self.holds(self.optimiser_value),
            "binding": self.binding,
            "ranking_value": self.ranking_value,
            "ranking_holds": self.holds(self.ranking_value),
        }


@dataclass(frozen=True)
class Conflict:
    """A constraint of a minimal conflicting set: with the others of the set it cannot hold.
    ``achievable`` is the closest value the others allow (what would make it feasible)."""

    id: str
    label: str
    lo: int | None
    hi: int | None
    achievable: int | None  # None: not found within the time limit
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "lo": self.lo,
            "hi": self.hi,
            "achievable": self.achievable,
            "text": self.text,
        }


@dataclass(frozen=True)
class Group:
    count: int
    subsidy_jpy: int
    lifetime_tco2: int | None  # per country; None per technology (tCO2 is not split by part)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "subsidy_jpy": self.subsidy_jpy,
            "lifetime_tco2": self.lifetime_tco2,
        }


@dataclass(frozen=True)
class Portfolio:
    """A set of proposals and what it adds up to."""

    ids: tuple[str, ...]
    score: Decimal
    subsidy_jpy: int
    lifetime_tco2: int
    eco_lease_jpy: int
    by_country: Mapping[str, Group]
    by_technology: Mapping[str, Group]
    objective_value: Decimal | None  # None: the ratio of an empty set

    @property
    def tco2_per_million_yen(self) -> Decimal | None:
        if not self.subsidy_jpy:
            return None
        return _ratio_decimal(Fraction(self.lifetime_tco2 * 1_000_000, self.subsidy_jpy))

    def to_dict(self) -> dict[str, Any]:
        ratio = self.tco2_per_million_yen
        return {
            "ids": list(self.ids),
            "count": len(self.ids),
            "score": str(self.score),
            "subsidy_jpy": self.subsidy_jpy,
            "lifetime_tco2": self.lifetime_tco2,
            "tco2_per_million_yen": None if ratio is None else str(ratio),
            "eco_lease_jpy": self.eco_lease_jpy,
            "objective_value": None if self.objective_value is None else str(self.objective_value),
            "by_country": {k: v.to_dict() for k, v in self.by_country.items()},
            "by_technology": {k: v.to_dict() for k, v in self.by_technology.items()},
        }


@dataclass(frozen=True)
class Selection:
    """The optimiser's result beside the ranking's, for a page, the API and storage."""

    input_fingerprint: str
    model_version: str
    highs_version: str
    objective: Objective
    status: Status
    gap: Decimal | None  # relative MIP gap reported by HiGHS (0 when optimal)
    bound: Decimal | None  # HiGHS's dual bound on the objective (in the objective's units)
    optimiser: Portfolio | None  # None when infeasible
    ranking: Portfolio
    ranking_feasible: bool  # the ranking's set meets every constraint
    budget_jpy: int  # the binding budget: min(round, call)
    constraints: tuple[ConstraintCheck, ...]
    excluded: tuple[Difference, ...]  # left out before solving (screening, 2.(9) 10+)
    only_optimiser: tuple[Difference, ...]
    only_ranking: tuple[Difference, ...]
    conflicts: tuple[Conflict, ...]  # when infeasible: a minimal set of constraints in conflict
    solve_seconds: Decimal  # wall time (not part of what is reproduced)
    iterations: int = 1  # MILPs solved for the objective (Dinkelbach: several)
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_fingerprint": self.input_fingerprint,
            "model_version": self.model_version,
            "highs_version": self.highs_version,
            "objective": self.objective.value,
            "status": self.status.value,
            "gap": None if self.gap is None else str(self.gap),
            "bound": None if self.bound is None else str(self.bound),
            "budget_jpy": self.budget_jpy,
            "optimiser": None if self.optimiser is None else self.optimiser.to_dict(),
            "ranking": self.ranking.to_dict(),
            "ranking_feasible": self.ranking_feasible,
            "constraints": [c.to_dict() for c in self.constraints],
            "excluded": [d.to_dict() for d in self.excluded],
            "only_optimiser": [d.to_dict() for d in self.only_optimiser],
            "only_ranking": [d.to_dict() for d in self.only_ranking],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "solve_seconds": str(self.solve_seconds),
            "iterations": self.iterations,
            "notes": list(self.notes),
        }


# --- the model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    """lo ≤ Σ coeffs[i]·x_i ≤ hi, over proposal indexes."""

    id: str
    label: str
    coeffs: Mapping[int, int]
    lo: int | None
    hi: int | None

    def value(self, chosen: Iterable[int]) -> int:
        return sum(self.coeffs.get(i, 0) for i in chosen)

    def holds(self, chosen: Iterable[int]) -> bool:
        v = self.value(chosen)
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)


def _rows(problem: Problem, excluded: set[int]) -> list[_Row]:
    props, c = problem.proposals, problem.constraints
    everyone = range(len(props))
    subsidy = {i: props[i].subsidy_jpy for i in everyone}
    rows = [
        _Row(
            "budget.round",
            f"round budget ≤ {c.round_budget_jpy:,} yen",
            subsidy,
            None,
            c.round_budget_jpy,
        )
    ]
    if c.call_budget_jpy is not None:
        rows.append(
            _Row(
                "budget.call",
                f"call budget ≤ {c.call_budget_jpy:,} yen",
                subsidy,
                None,
                c.call_budget_jpy,
            )
        )
    if c.eco_lease_budget_jpy is not None:
        eco = {i: props[i].subsidy_jpy for i in everyone if props[i].eco_lease}
        rows.append(
            _Row(
                "budget.eco_lease",
                f"eco-lease budget ≤ {c.eco_lease_budget_jpy:,} yen",
                eco,
                None,
                c.eco_lease_budget_jpy,
            )
        )

    def count_rows(kind: str, what: str, limits: Sequence[Limit], member) -> None:
        for limit in limits:
            members = {i: 1 for i in everyone if member(props[i], limit.key)}
            if limit.min is not None:
                rows.append(
                    _Row(
                        f"{kind}.min:{limit.key}",
                        f"at least {limit.min} {what} {limit.key}",
                        members,
                        limit.min,
                        None,
                    )
                )
            if limit.max is not None:
                rows.append(
                    _Row(
                        f"{kind}.max:{limit.key}",
                        f"at most {limit.max} {what} {limit.key}",
                        members,
                        None,
                        limit.max,
                    )
                )

    count_rows("country", "in country", c.countries, lambda p, k: p.country == k)
    count_rows("technology", "with technology", c.technologies, lambda p, k: k in p.technologies)
    count_rows(
        "pair",
        "in",
        c.pairs,
        lambda p, k: p.country == k.split("/")[0] and k.split("/")[1] in p.technologies,
    )
    if c.tco2_floor is not None:
        rows.append(
            _Row(
                "tco2.floor",
                f"expected lifetime reductions ≥ {c.tco2_floor:,} tCO2",
                {i: props[i].lifetime_tco2 for i in everyone},
                c.tco2_floor,
                None,
            )
        )
    if c.count_round_adoptions:
        groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for i in everyone:
            if i in excluded:
                continue
            for part in props[i].technology_parts:
                if part.similar_adopted is not None:
                    key = (props[i].country, part.technology)
                    groups.setdefault(key, []).append((i, part.similar_adopted))
        for (country, tech), members in sorted(groups.items()):
            base = min(n for _, n in members)
            room = RATE_BAND_NOT_ADOPTED - base
            rows.append(
                _Row(
                    f"similar.ten:{country}/{tech}",
                    f"{tech} in {country}: {base} similar adoptions before this round + "
                    f"this round's ≤ {RATE_BAND_NOT_ADOPTED} (2.(9))",
                    {i: 1 for i, _ in members},
                    None,
                    room,
                )
            )
    for i, p in enumerate(props):
        if p.fixed == "in":
            rows.append(_Row(f"fixed.in:{p.id}", f"{p.id} fixed in", {i: 1}, 1, None))
        elif p.fixed == "out":
            rows.append(_Row(f"fixed.out:{p.id}", f"{p.id} fixed out", {i: 1}, None, 0))
    return rows


def _exclusions(problem: Problem) -> dict[int, Reason]:
    out: dict[int, Reason] = {}
    for i, p in enumerate(problem.proposals):
        if not p.screening_passed:
            out[i] = Reason("excluded.screening", {}, "failed screening: not considered")
            continue
        for part in p.technology_parts:
            if part.similar_adopted is not None and part.similar_adopted >= RATE_BAND_NOT_ADOPTED:
                out[i] = Reason(
                    "excluded.rate_band",
                    {"technology": part.technology, "count": part.similar_adopted},
                    f"{part.similar_adopted} similar {part.technology} projects already adopted "
                    f"in {p.country}: 2.(9) adopts none at 10 or more",
                )
                break
    return out


_EXACT_IN_DOUBLE = 2**53


def _to_solver(value: int) -> float:
    """An integer (yen, tCO2, a scaled score) as the double HiGHS takes. Money and credits stay
    integers everywhere else; at the solver's boundary a double holds every integer below 2**53
    exactly (9×10^15, far above any budget), and a larger one is refused rather than rounded.
    The chosen set is checked again in integers after every solve."""
    if abs(value) >= _EXACT_IN_DOUBLE:
        raise ValueError(
            f"{value:,} is too large for the solver to hold exactly: amounts, tCO2 and scaled "
            f"scores must stay below {_EXACT_IN_DOUBLE:,}"
        )
    return float(value)


class _Solver:
    """One HiGHS model of the 0-1 programme; rows can be switched off (for the conflict
    search) and the objective replaced (Dinkelbach, the 'what would be achievable' runs)."""

    def __init__(self, n: int, rows: Sequence[_Row], excluded: set[int]) -> None:
        self.n, self.rows = n, list(rows)
        self.active = set(range(len(self.rows)))
        self.h = highspy.Highs()
        h = self.h
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        upper = [0.0 if i in excluded else 1.0 for i in range(n)]
        h.addVars(n, [0.0] * n, upper)
        h.changeColsIntegrality(n, list(range(n)), [highspy.HighsVarType.kInteger] * n)
        inf = highspy.kHighsInf
        for row in self.rows:
            idx = sorted(row.coeffs)
            val = [_to_solver(row.coeffs[i]) for i in idx]
            lo = -inf if row.lo is None else _to_solver(row.lo)
            hi = inf if row.hi is None else _to_solver(row.hi)
            h.addRow(lo, hi, len(idx), idx, val)

    def enable(self, active: set[int]) -> None:
        self.active = set(active)
        inf = highspy.kHighsInf
        for k, row in enumerate(self.rows):
            on = k in active
            lo = -inf if not on or row.lo is None else _to_solver(row.lo)
            hi = inf if not on or row.hi is None else _to_solver(row.hi)
            self.h.changeRowBounds(k, lo, hi)

    def solve(
        self, costs: Sequence[float], maximise: bool, time_limit: float, integral: bool = False
    ) -> _Run:
        """``integral``: every cost is an integer, so every set's objective is one, and a set
        within less than 1 of the bound is optimal (HiGHS may stop there: exact, and faster)."""
        if self.n == 0:  # no proposal: HiGHS calls the model empty; the empty set decides
            holds = all(self.rows[k].holds(()) for k in self.active)
            status = highspy.HighsModelStatus
            return _Run(
                status.kOptimal if holds else status.kInfeasible, () if holds else None, 0.0, 0.0
            )
        h = self.h
        h.changeColsCost(self.n, list(range(self.n)), [float(c) for c in costs])
        h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        )
        h.setOptionValue("time_limit", max(time_limit, 0.01))
        h.setOptionValue("mip_abs_gap", 0.999 if integral else 1e-9)
        h.clearSolver()
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        chosen = None
        if info.primal_solution_status == 2:  # kSolutionStatusFeasible
            values = h.getSolution().col_value
            chosen = tuple(i for i in range(self.n) if values[i] > 0.5)
        return _Run(status, chosen, info.mip_gap, info.mip_dual_bound)


@dataclass(frozen=True)
class _Run:
    status: Any
    chosen: tuple[int, ...] | None
    gap: float
    bound: float

    @property
    def optimal(self) -> bool:
        return self.status == highspy.HighsModelStatus.kOptimal

    @property
    def infeasible(self) -> bool:
        return self.status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        )

    @property
    def time_limit(self) -> bool:
        return self.status == highspy.HighsModelStatus.kTimeLimit


def highs_version() -> str:
    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


# --- the objective -----------------------------------------------------------------------
def _score_scale(problem: Problem) -> int:
    """The power of ten that makes every score an integer (exact)."""
    places = 0
    for p in problem.proposals:
        exponent = p.score.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < 0:
            places = max(places, -exponent)
    return 10**places


def _objective_value(problem: Problem, chosen: Sequence[int]) -> Decimal | None:
    props = problem.proposals
    if problem.objective in (Objective.SCORE, Objective.SCORE_WITH_TCO2_FLOOR):
        return sum((props[i].score for i in chosen), Decimal(0))
    if problem.objective is Objective.TCO2:
        return Decimal(sum(props[i].lifetime_tco2 for i in chosen))
    s = sum(props[i].subsidy_jpy for i in chosen)
    if not s:
        return None
    return _ratio_decimal(Fraction(sum(props[i].lifetime_tco2 for i in chosen) * 1_000_000, s))


def _ratio_decimal(value: Fraction) -> Decimal:
    """A ratio shown to 6 decimal places (comparisons are made on the Fraction)."""
    scaled = value * 1_000_000
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q % 2):
        q += 1
    return Decimal(q).scaleb(-6)


def _exact_ratio(problem: Problem, chosen: Sequence[int]) -> Fraction | None:
    s = sum(problem.proposals[i].subsidy_jpy for i in chosen)
    return Fraction(sum(problem.proposals[i].lifetime_tco2 for i in chosen), s) if s else None


# --- solving -----------------------------------------------------------------------------
def optimise(problem: Problem) -> Selection:
    """Solve ``problem`` and compare with the ranking (``rank_within_budget``)."""
    started = time.monotonic()
    deadline = started + float(problem.time_limit_s)
    props, c = problem.proposals, problem.constraints
    n = len(props)
    exclusions = _exclusions(problem)
    excluded = set(exclusions)
    rows = _rows(problem, excluded)
    solve_rows = list(rows)
    if problem.objective is Objective.TCO2_PER_YEN:
        # the ratio is defined for a set with some subsidy
        solve_rows.append(
            _Row(
                "ratio.subsidy",
                "some subsidy (tCO2 per yen needs a set that costs)",
                {i: p.subsidy_jpy for i, p in enumerate(props)},
                1,
                None,
            )
        )
    solver = _Solver(n, solve_rows, excluded)
    budget = min(
        c.round_budget_jpy,
        c.call_budget_jpy if c.call_budget_jpy is not None else c.round_budget_jpy,
    )

    ranked = rank_within_budget(
        [
            Candidate(p.id, p.score, p.subsidy_jpy, p.receipt)
            for i, p in enumerate(props)
            if i not in excluded
        ],
        budget,
    )
    index = {p.id: i for i, p in enumerate(props)}
    greedy = tuple(index[r.candidate.id] for r in ranked if r.funded)
    # against the solver's rows: the greedy set is also its starting point, and a set with no
    # subsidy has no tCO2 per yen
    greedy_feasible = all(row.holds(greedy) for row in solve_rows)

    chosen, status, gap, bound, iterations = _solve_objective(
        problem, solver, deadline, greedy if greedy_feasible else None
    )
    conflicts: tuple[Conflict, ...] = ()
    if chosen is None:
        status = Status.INFEASIBLE
        # the search gets its own time: the failed solve may have used all of it
        search_deadline = time.monotonic() + float(problem.time_limit_s)
        conflicts = _conflicts(solver, solve_rows, exclusions, props, search_deadline)
    else:
        broken = [row.id for row in solve_rows if not row.holds(chosen)]
        if broken:  # the solver's tolerances let a row slip: never report such a set
            raise RuntimeError(f"HiGHS returned a set that breaks {', '.join(broken)}")

    optimiser = None if chosen is None else _portfolio(problem, chosen)
    ranking = _portfolio(problem, greedy)
    checks = tuple(
        ConstraintCheck(
            row.id,
            row.label,
            row.lo,
            row.hi,
            None if chosen is None else row.value(chosen),
            row.value(greedy),
        )
        for row in rows
    )
    ranks = {r.candidate.id: r for r in ranked}
    only_opt, only_rank = _differences(problem, rows, chosen or (), greedy, ranks, budget)
    return Selection(
        input_fingerprint=problem.fingerprint(),
        model_version=MODEL_VERSION,
        highs_version=highs_version(),
        objective=problem.objective,
        status=status,
        gap=gap,
        bound=bound,
        optimiser=optimiser,
        ranking=ranking,
        ranking_feasible=greedy_feasible,
        budget_jpy=budget,
        constraints=checks,
        excluded=tuple(
            Difference(props[i].id, None, (reason,)) for i, reason in sorted(exclusions.items())
        ),
        only_optimiser=only_opt if chosen is not None else (),
        only_ranking=only_rank if chosen is not None else (),
        conflicts=conflicts,
        solve_seconds=Decimal(round((time.monotonic() - started) * 1000)).scaleb(-3),
        iterations=iterations,
    )


def _plain(value: Decimal) -> Decimal:
    """150 rather than 1.5E+2."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _decimal(value: float) -> Decimal | None:
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return Decimal(repr(value))


def _solve_objective(
    problem: Problem, solver: _Solver, deadline: float, start: tuple[int, ...] | None
) -> tuple[tuple[int, ...] | None, Status, Decimal | None, Decimal | None, int]:
    props = problem.proposals
    if problem.objective is not Objective.TCO2_PER_YEN:
        if problem.objective is Objective.TCO2:
            costs = [_to_solver(p.lifetime_tco2) for p in props]
            scale = 1
        else:
            scale = _score_scale(problem)
            costs = [_to_solver(int(p.score * scale)) for p in props]
        run = solver.solve(costs, True, deadline - time.monotonic(), integral=True)
        return _finish(run, scale, 1)
    # Dinkelbach: λ = T/S of the best set so far; a set with Σ(t − λ·s) > 0 has a better ratio
    ratio = _exact_ratio(problem, start) if start else None
    lam = ratio if ratio is not None else Fraction(0)
    best: tuple[int, ...] | None = start if ratio is not None else None
    iterations, last = 0, None
    while True:
        iterations += 1
        # Dinkelbach's costs are fractions by nature: the solver gets them as doubles to find a
        # candidate set, whose ratio is then compared exactly (Fraction) before it is kept
        costs = [p.lifetime_tco2 - float(lam * p.subsidy_jpy) for p in props]
        run = solver.solve(costs, True, deadline - time.monotonic())
        last = run
        if run.chosen is None:
            break
        gain = sum(props[i].lifetime_tco2 - lam * props[i].subsidy_jpy for i in run.chosen)
        if gain <= 0 or not run.optimal:
            if gain > 0:
                best = run.chosen
            break
        best, lam = run.chosen, _exact_ratio(problem, run.chosen)
    if best is None and last.chosen is not None:
        best = last.chosen
    if best is None:
        return _finish(last, 1, iterations)
    if last.optimal:  # no set does better than λ: the bound is the value itself
        return best, Status.OPTIMAL, Decimal(0), _objective_value(problem, best), iterations
    # out of time: the parametric problem's gap says nothing about the ratio's
    return best, Status.TIME_LIMIT, None, None, iterations


def _finish(
    run: _Run, scale: int, iterations: int
) -> tuple[tuple[int, ...] | None, Status, Decimal | None, Decimal | None, int]:
    if run.chosen is None:
        if run.infeasible:
            return None, Status.INFEASIBLE, None, None, iterations
        if run.time_limit:
            raise TimeoutError(
                "the time limit ran out before any set meeting the constraints was found: "
                "allow more time"
            )
        raise RuntimeError(f"HiGHS stopped with {run.status}")
    status = Status.OPTIMAL if run.optimal else Status.TIME_LIMIT
    gap = Decimal(0) if run.optimal else _decimal(run.gap)
    bound = _decimal(run.bound)
    if bound is not None:
        bound = _plain(bound / scale)
    return run.chosen, status, gap, bound, iterations


def _portfolio(problem: Problem, chosen: Sequence[int]) -> Portfolio:
    props = problem.proposals
    chosen = sorted(chosen)
    by_country: dict[str, list[int]] = {}
    by_tech: dict[str, list[int]] = {}
    for i in chosen:
        p = props[i]
        row = by_country.setdefault(p.country, [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + p.subsidy_jpy, row[2] + p.lifetime_tco2
        for part in p.technology_parts:
            t = by_tech.setdefault(part.technology, [0, 0])
            t[0], t[1] = t[0] + 1, t[1] + part.subsidy_jpy
    return Portfolio(
        ids=tuple(props[i].id for i in chosen),
        score=sum((props[i].score for i in chosen), Decimal(0)),
        subsidy_jpy=sum(props[i].subsidy_jpy for i in chosen),
        lifetime_tco2=sum(props[i].lifetime_tco2 for i in chosen),
        eco_lease_jpy=sum(props[i].subsidy_jpy for i in chosen if props[i].eco_lease),
        by_country={k: Group(*v) for k, v in sorted(by_country.items())},
        by_technology={k: Group(v[0], v[1], None) for k, v in sorted(by_tech.items())},
        objective_value=_objective_value(problem, chosen),
    )


def evaluate(problem: Problem, ids: Iterable[str]) -> tuple[Portfolio, tuple[str, ...]]:
    """Any set of proposals (the office's own choice, a walk by hand): what it adds up to and
    the ids of the constraints it breaks (an excluded proposal breaks ``excluded:<id>``)."""
    index = {p.id: i for i, p in enumerate(problem.proposals)}
    wanted = list(dict.fromkeys(ids))
    unknown = [x for x in wanted if x not in index]
    if unknown:
        raise ValueError(f"not proposals of this problem: {', '.join(unknown)}")
    chosen = sorted(index[x] for x in wanted)
    exclusions = _exclusions(problem)
    broken = [f"excluded:{problem.proposals[i].id}" for i in chosen if i in exclusions]
    broken += [row.id for row in _rows(problem, set(exclusions)) if not row.holds(chosen)]
    return _portfolio(problem, chosen), tuple(broken)


# --- explaining --------------------------------------------------------------------------
def _differences(
    problem: Problem,
    rows: Sequence[_Row],
    chosen: Sequence[int],
    greedy: Sequence[int],
    ranks: Mapping[str, Any],
    budget: int,
) -> tuple[tuple[Difference, ...], tuple[Difference, ...]]:
    props = problem.proposals
    opt, grd = set(chosen), set(greedy)
    line = next((r for r in ranks.values() if not r.funded), None)
    last_funded = max((r for r in ranks.values() if r.funded), key=lambda r: r.rank, default=None)
    greedy_used = sum(props[i].subsidy_jpy for i in grd)
    opt_used = sum(props[i].subsidy_jpy for i in opt)

    only_opt = []
    for i in sorted(opt - grd, key=lambda i: ranks[props[i].id].rank):
        p, r = props[i], ranks[props[i].id]
        reasons = []
        if p.fixed == "in":
            reasons.append(Reason("fixed_in", {}, "fixed in by the office"))
        for row in rows:
            if row.lo is not None and i in row.coeffs and row.value(opt) - row.coeffs[i] < row.lo:
                reasons.append(
                    Reason("needed_for", {"constraint": row.id}, f"needed for '{row.label}'")
                )
        after = last_funded.candidate.id if last_funded else None
        reasons.append(
            Reason(
                "below_funding_line",
                {
                    "rank": r.rank,
                    "line_rank": line.rank if line else None,
                    "after": after,
                    "ranking_used_jpy": greedy_used,
                    "optimiser_used_jpy": opt_used,
                    "budget_jpy": budget,
                },
                f"ranked {r.rank}, below the funding line (the walk stopped at rank "
                f"{line.rank if line else '-'}, the first that did not fit after "
                f"{after or 'none'}, with {budget - greedy_used:,} yen left); the optimiser "
                f"uses the budget left and what the proposals it leaves out free "
                f"({opt_used:,} of {budget:,} yen)",
            )
        )
        only_opt.append(Difference(p.id, r.rank, tuple(reasons)))

    only_rank = []
    for i in sorted(grd - opt, key=lambda i: ranks[props[i].id].rank):
        p, r = props[i], ranks[props[i].id]
        reasons = []
        with_it = [*opt, i]
        for row in rows:
            if i in row.coeffs and row.hi is not None and not row.holds(with_it):
                if row.id.startswith("budget."):
                    text = (
                        f"no room left under '{row.label}': the optimiser's set uses "
                        f"{row.value(opt):,} yen and this needs {p.subsidy_jpy:,}"
                    )
                elif row.id.startswith("fixed.out"):
                    text = "fixed out by the office"
                else:
                    text = f"'{row.label}' is reached ({row.value(opt)})"
                reasons.append(
                    Reason("constraint_full", {"constraint": row.id, "value": row.value(opt)}, text)
                )
        if not reasons:
            if problem.objective is Objective.TCO2_PER_YEN:
                reasons.append(
                    Reason("lowers_ratio", {}, "adding it would lower the set's tCO2 per yen")
                )
            else:
                reasons.append(
                    Reason("traded", {}, "left out for proposals that together do better")
                )
        only_rank.append(Difference(p.id, r.rank, tuple(reasons)))
    return tuple(only_opt), tuple(only_rank)


def _conflicts(
    solver: _Solver,
    rows: Sequence[_Row],
    exclusions: Mapping[int, Reason],
    props: Sequence[Proposal],
    deadline: float,
) -> tuple[Conflict, ...]:
    """A minimal set of constraints that cannot hold together (a deletion filter: drop each
    constraint in turn; keep it out when the rest is still infeasible), then, for each one,
    the closest value the others of the set allow."""
    zero = [0.0] * solver.n
    active = set(range(len(rows)))
    for k in range(len(rows)):
        trial = active - {k}
        solver.enable(trial)
        run = solver.solve(zero, True, deadline - time.monotonic())
        if run.infeasible:
            active = trial
        elif run.chosen is None:  # out of time: keep it (the set is still a conflicting one)
            continue
    conflicts = []
    for k in sorted(active):
        row = rows[k]
        solver.enable(active - {k})
        costs = [_to_solver(row.coeffs.get(i, 0)) for i in range(solver.n)]
        run = solver.solve(costs, row.hi is None, deadline - time.monotonic(), integral=True)
        if not run.optimal or run.chosen is None:
            conflicts.append(
                Conflict(
                    row.id,
                    row.label,
                    row.lo,
                    row.hi,
                    None,
                    f"'{row.label}' is part of the conflict (what the others "
                    "allow was not found within the time limit)",
                )
            )
            continue
        achievable = row.value(run.chosen)
        conflicts.append(
            Conflict(
                row.id,
                row.label,
                row.lo,
                row.hi,
                achievable,
                _conflict_text(row, achievable, exclusions, props),
            )
        )
    solver.enable(set(range(len(rows))))
    return tuple(conflicts)


def _conflict_text(
    row: _Row, achievable: int, exclusions: Mapping[int, Reason], props: Sequence[Proposal]
) -> str:
    if row.id.startswith("fixed.in:"):
        (i,) = row.coeffs
        if i in exclusions:
            return f"{props[i].id} is fixed in but cannot be adopted: {exclusions[i].text}"
        return f"{props[i].id} is fixed in, but the other constraints in conflict leave it out"
    if row.id.startswith("fixed.out:"):
        return f"{row.label}, but the other constraints in conflict need it"
    if row.hi is not None:
        unit = " yen" if row.id.startswith("budget.") else ""
        return (
            f"'{row.label}' cannot hold: the other constraints in conflict need at least "
            f"{achievable:,}{unit} ({achievable - row.hi:,}{unit} more would make it feasible)"
        )
    unit = " tCO2" if row.id == "tco2.floor" else ""
    return (
        f"'{row.label}' cannot hold: the other constraints in conflict allow at most "
        f"{achievable:,}{unit} ({row.lo - achievable:,}{unit} short)"
    )


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _repeated(items: Sequence[str]) -> str:
    seen, twice = set(), []
    for x in items:
        if x in seen and x not in twice:
            twice.append(x)
        seen.add(x)
    return ", ".join(twice)
