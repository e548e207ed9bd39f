"""The selection optimiser on the office's selection board (issue 13): the round's real data as
the optimiser's input, the office's constraints checked against it, and each run stored with
its inputs so that it can be reproduced.

``problem_for_round`` builds a ``renkei.selection.optimiser.Problem`` from the round:

- candidates: the round's submitted proposals the office sees, not yet decided (adopted or not
  adopted: an adopted proposal's money is already committed), with a submitted review of the
  latest version (the ranking's rows), and those whose latest version failed basic screening
  (excluded by the optimiser, and shown as such);
- score: the total of the reviews (``review_totals``, as the ranking);
- subsidy: the amount the rules core computed at submission (``amount_of``, as the ranking),
  split by technology from the assessed lines (2.(9): a rate cap per technology);
- lifetime tCO2: the rules core's ``lifetime_reduction_tco2``, whole tonnes (rounded down);
- the similar-technology count of each technology (2.(9), annex 3, as assessed): where annex 3
  gives a range, its lower end (a proposal is excluded as 10+ only when it certainly is; the
  rules core has already flagged the cap for review);
- eco-lease: the document's ``kind`` is ``eco_lease``;
- budgets: the round's budget less the 内示 already issued in the round, the call's (the call's
  own figure, else the rulebook's 2.(8) total) less the 内示 issued in the call, and the
  eco-lease cap (2.(8): 原則総額5億円以下を目安) less the eco-lease 内示 issued in the call.

The office's settings (objective, tCO2 floor, at most / at least N per country, technology or
pair, fixed in / out, time limit) are checked against the candidates first: a limit on a
country or technology no candidate has, a minimum larger than the candidates it counts, a
fixed proposal that is not a candidate are refused with a message naming the constraint. A set
of constraints that no portfolio meets is a result (status ``infeasible``, with the minimal
conflicting set named), stored like any other.

The solve holds no lock and no transaction (``optimiser_run``): the inputs are read in a short
transaction, solved, and stored only if a second short transaction, with the round locked,
finds the same inputs; a round changed meanwhile is refused naming each change
(``RoundChanged``), nothing stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from renkei import access, clock
from renkei.adoption.models import OptimiserRun, Selection, SelectionState
from renkei.audit.services import audit_record
from renkei.calls.models import Program, Round
from renkei.proposals.assessed import latest_versions, version_assessment
from renkei.proposals.models import Proposal, ProposalState
from renkei.reviews.models import Decision, Screening
from renkei.reviews.reviewing import review_totals
from renkei.reviews.selectors import amount_of
from renkei.selection.optimiser import (
    DEFAULT_TIME_LIMIT_S,
    Constraints,
    Limit,
    Objective,
    Part,
    Problem,
    optimise,
)
from renkei.selection.optimiser import Proposal as Candidate
from renkei.services import NotAllowed, ServiceError

MAX_TIME_LIMIT_S = Decimal(60)
MIN_TIME_LIMIT_S = Decimal("0.1")
KINDS = ("country", "technology", "pair")
_KEY = {
    "country": re.compile(r"^[A-Z]{2}$"),
    "technology": re.compile(r"^[a-z0-9_]{1,60}$"),
    "pair": re.compile(r"^[A-Z]{2}/[a-z0-9_]{1,60}$"),
}


@dataclass(frozen=True)
class Settings:
    """What the office sets on the board (and in the API's body)."""

    objective: str = Objective.SCORE.value
    tco2_floor: int | None = None
    limits: tuple[tuple[str, Limit], ...] = ()  # (kind, limit), kind in KINDS
    fixed: Mapping[str, str] = field(default_factory=dict)  # proposal id -> "in" / "out"
    time_limit_s: Decimal = DEFAULT_TIME_LIMIT_S
    count_round_adoptions: bool = False


@dataclass(frozen=True)
class Budgets:
    round_jpy: int | None  # the round's budget less its 内示; None: the round sets none
    call_jpy: int | None  # the call's budget less its 内示
    eco_lease_jpy: int | None  # the eco-lease cap less the eco-lease 内示 of the call
    round_budget_jpy: int | None  # the budgets themselves, for the page
    call_budget_jpy: int | None
    eco_lease_cap_jpy: int | None


@dataclass(frozen=True)
class Row:
    """A candidate as the board lists it."""

    proposal: Proposal
    candidate: Candidate


# --- the round's data --------------------------------------------------------------------
def budgets_of(chosen: Round) -> Budgets:
    adopted = Selection.objects.filter(state=SelectionState.ADOPTED)
    in_call = adopted.filter(proposal__call=chosen.call)
    round_used = (
        adopted.filter(proposal__round=chosen).aggregate(s=Sum("naiji_amount_jpy"))["s"] or 0
    )
    call_used = in_call.aggregate(s=Sum("naiji_amount_jpy"))["s"] or 0
    eco_used = sum(
        s.naiji_amount_jpy or 0
        for s in in_call.select_related("version")
        if (s.version.document or {}).get("kind") == "eco_lease"
    )
    total, eco = chosen.call.budget_jpy, None
    try:
        subsidy = chosen.call.rulebook().subsidy
        if total is None:
            total = subsidy.budget_total_jpy.value
        eco = subsidy.budget_eco_lease_jpy.value
    except (AttributeError, LookupError, ValueError, OSError):  # a call without one
        pass
    return Budgets(
        round_jpy=None if chosen.budget_jpy is None else max(chosen.budget_jpy - round_used, 0),
        call_jpy=None if total is None else max(total - call_used, 0),
        eco_lease_jpy=None if eco is None else max(eco - eco_used, 0),
        round_budget_jpy=chosen.budget_jpy,
        call_budget_jpy=total,
        eco_lease_cap_jpy=eco,
    )


def _parts(figures: Mapping[str, Any], subsidy: int) -> tuple[Part, ...]:
    """The subsidy by technology from the assessed lines, with the similar-technology count
    (the lower end of an annex-3 range); the parts add up to the proposal's subsidy."""
    by_tech: dict[str, list[int | None]] = {}
    for line in figures.get("lines") or ():
        tech = str(line.get("technology") or "")
        if not tech:
            continue
        count = ((line.get("rate_cap") or {}).get("adoption_count")) or {}
        similar = count.get("count", count.get("min"))
        row = by_tech.setdefault(tech, [0, None])
        row[0] += int(line.get("subsidy_jpy") or 0)
        if similar is not None:
            row[1] = int(similar) if row[1] is None else min(row[1], int(similar))
    if not by_tech:
        return (Part("unknown", subsidy, None),)
    parts = [[tech, amount, similar] for tech, (amount, similar) in sorted(by_tech.items())]
    short = subsidy - sum(p[1] for p in parts)
    if short:  # the lines do not add up (a requested amount below the cap): the largest absorbs
        largest = max(parts, key=lambda p: p[1])
        largest[1] = max(largest[1] + short, 0)
        if sum(p[1] for p in parts) != subsidy:
            return (Part(parts[0][0], subsidy, parts[0][2]),)
    return tuple(Part(t, a, s) for t, a, s in parts)


def _tonnes(value: Any) -> int:
    try:
        return max(int(Decimal(str(value)).to_integral_value(ROUND_FLOOR)), 0)
    except (InvalidOperation, ValueError):
        return 0


def round_rows(viewer: Any, chosen: Round) -> list[Row]:
    """The round's candidates for the optimiser (see the module's docstring), by receipt."""
    listed = list(
        access.proposals_for(viewer)
        .filter(round=chosen, state=ProposalState.SUBMITTED)
        .exclude(selection__state__in=(SelectionState.ADOPTED, SelectionState.NOT_ADOPTED))
        .select_related("organisation", "call")
        .order_by("receipt_number", "pk")
    )
    latest = latest_versions(listed)
    totals = review_totals(listed, latest)
    screened = {
        s.proposal_id: s.outcome
        for s in Screening.objects.filter(
            version__in=[v.pk for v in latest.values()], completed_at__isnull=False
        )
    }
    rows = []
    for p in listed:
        version = latest.get(p.pk)
        failed = screened.get(p.pk) == Decision.FAIL
        if version is None or (totals[p.pk] is None and not failed):
            continue
        subsidy, _cap = amount_of(p, version)
        figures = version_assessment(version).get("figures") or {}
        parts = _parts(figures, subsidy)
        rows.append(
            Row(
                p,
                Candidate(
                    id=str(p.pk),
                    score=totals[p.pk] if totals[p.pk] is not None else Decimal(0),
                    subsidy_jpy=subsidy,
                    lifetime_tco2=_tonnes(figures.get("lifetime_reduction_tco2")),
                    country=p.country,
                    parts=parts,
                    eco_lease=(version.document or {}).get("kind") == "eco_lease",
                    screening_passed=screened.get(p.pk) == Decision.PASS,
                    receipt=p.receipt_number or "",
                ),
            )
        )
    return rows


# --- the office's settings, checked ------------------------------------------------------
def limit_line(kind: str, limit: Limit) -> str:
    """A limit as the board's text area writes it: ``country VN min 1 max 2``."""
    words = [kind, limit.key]
    if limit.min is not None:
        words += ["min", str(limit.min)]
    if limit.max is not None:
        words += ["max", str(limit.max)]
    return " ".join(words)


def normal_key(kind: str, key: str) -> str:
    """A limit's key as the optimiser counts it: country codes in capitals (``vn`` → ``VN``,
    ``vn/solar_pv`` → ``VN/solar_pv``), technology ids as they are."""
    key = key.strip()
    if kind == "country":
        return key.upper()
    if kind == "pair" and "/" in key:
        country, tech = key.split("/", 1)
        return f"{country.upper()}/{tech}"
    return key


def parse_limits(text: str) -> tuple[tuple[tuple[str, Limit], ...], list[str]]:
    """The board's limits, one a line: ``country VN max 2``, ``technology solar_pv min 1``,
    ``pair VN/solar_pv min 1 max 3``. Returns the limits and a message per line not understood."""
    limits, errors = [], []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        kind = words[0].lower() if words else ""
        bounds: dict[str, int] = {}
        ok = kind in KINDS and len(words) in (4, 6)
        if ok:
            for word, number in zip(words[2::2], words[3::2], strict=True):
                if word.lower() not in ("min", "max") or word.lower() in bounds:
                    ok = False
                    break
                if not number.isdigit() or len(number) > 6:
                    ok = False
                    break
                bounds[word.lower()] = int(number)
        if not ok:
            errors.append(
                _(
                    "Line %(n)s “%(line)s” is not a limit: write “country VN max 2”, "
                    "“technology solar_pv min 1” or “pair VN/solar_pv min 1 max 3” (a kind, "
                    "what it counts, then min and/or max with a whole number)."
                )
                % {"n": n, "line": line[:80]}
            )
            continue
        limits.append(
            (kind, Limit(normal_key(kind, words[1]), bounds.get("min"), bounds.get("max")))
        )
    return tuple(limits), errors


def check_settings(settings: Settings, rows: Sequence[Row]) -> list[str]:
    """What is wrong with the office's settings for these candidates, one message each, naming
    the constraint: an unknown objective, a limit on a country or technology no candidate has,
    at least N where fewer candidates count, min above max, a repeated limit, a proposal fixed
    that is not a candidate, a time limit out of range."""
    errors = []
    if settings.objective not in {o.value for o in Objective}:
        errors.append(
            _("“%(value)s” is not an objective: choose one of %(choices)s.")
            % {"value": settings.objective, "choices": ", ".join(o.value for o in Objective)}
        )
    if settings.objective == Objective.SCORE_WITH_TCO2_FLOOR and settings.tco2_floor is None:
        errors.append(_("The objective “score with a tCO2 floor” needs a tCO2 floor."))
    if settings.tco2_floor is not None and settings.tco2_floor < 0:
        errors.append(_("The tCO2 floor must be a whole number of tonnes, 0 or more."))
    limit = settings.time_limit_s
    if not (limit.is_finite() and MIN_TIME_LIMIT_S <= limit <= MAX_TIME_LIMIT_S):
        errors.append(
            _("The time limit must be between %(lo)s and %(hi)s seconds (got %(value)s).")
            % {"lo": MIN_TIME_LIMIT_S, "hi": MAX_TIME_LIMIT_S, "value": settings.time_limit_s}
        )
    countries = sorted({r.candidate.country for r in rows})
    techs = sorted({t for r in rows for t in r.candidate.technologies})
    seen: set[tuple[str, str]] = set()
    for kind, limit in settings.limits:
        name = limit_line(kind, limit)
        if (kind, limit.key) in seen:
            errors.append(_("“%(limit)s”: one limit per %(kind)s.") % {"limit": name, "kind": kind})
            continue
        seen.add((kind, limit.key))
        if kind not in KINDS or not _KEY[kind].match(limit.key):
            what = {
                "country": _("a country is its two-letter code, e.g. VN"),
                "technology": _("a technology is its id, e.g. solar_pv"),
                "pair": _("a pair is COUNTRY/technology, e.g. VN/solar_pv"),
            }.get(kind, "")
            errors.append(_("“%(limit)s”: %(what)s.") % {"limit": name, "what": what})
            continue
        if limit.min is None and limit.max is None:
            errors.append(_("“%(limit)s”: give min, max or both.") % {"limit": name})
            continue
        if kind == "country":
            counted = sum(1 for r in rows if r.candidate.country == limit.key)
            known, choices = limit.key in countries, countries
        elif kind == "technology":
            counted = sum(1 for r in rows if limit.key in r.candidate.technologies)
            known, choices = limit.key in techs, techs
        else:
            country, tech = limit.key.split("/", 1)
            counted = sum(
                1
                for r in rows
                if r.candidate.country == country and tech in r.candidate.technologies
            )
            known = counted > 0
            choices = sorted(
                {f"{r.candidate.country}/{t}" for r in rows for t in r.candidate.technologies}
            )
        if not known:
            errors.append(
                _("“%(limit)s”: no candidate of this round has %(key)s (they have: %(choices)s).")
                % {"limit": name, "key": limit.key, "choices": ", ".join(choices) or "—"}
            )
            continue
        if limit.min is not None and limit.max is not None and limit.min > limit.max:
            errors.append(
                _("“%(limit)s”: the minimum is larger than the maximum.") % {"limit": name}
            )
        if limit.min is not None and limit.min > counted:
            errors.append(
                _(
                    "“%(limit)s”: at least %(n)s asked, but only %(count)s candidate(s) of this "
                    "round count for %(key)s."
                )
                % {"limit": name, "n": limit.min, "count": counted, "key": limit.key}
            )
    ids = {r.candidate.id for r in rows}
    for pk, how in settings.fixed.items():
        if how not in ("in", "out"):
            errors.append(
                _("Proposal %(id)s: fixed must be “in”, “out” or empty (got “%(value)s”).")
                % {"id": pk, "value": how}
            )
        elif pk not in ids:
            errors.append(
                _("Proposal %(id)s is fixed %(how)s but is not a candidate of this round.")
                % {"id": pk, "how": how}
            )
    return errors


def problem_for_round(
    chosen: Round, settings: Settings, rows: Sequence[Row], budgets: Budgets
) -> Problem:
    """The optimiser's input: the candidates (with the office's fixed decisions), the budgets
    and the office's constraints. Refused (``ServiceError``, every problem listed) when the
    settings do not fit the candidates or no budget is set."""
    if chosen.call.program != Program.JCM:
        raise ServiceError(
            _(
                "The optimiser works on JCM rounds: it weighs the subsidy against the budget and "
                "the expected tCO2 (the C3P guidebook gives no budget for the call)."
            )
        )
    errors = check_settings(settings, rows)
    if errors:
        raise ServiceError(
            _("The constraints were not run: %(n)s problem(s) to correct.") % {"n": len(errors)},
            errors=errors,
        )
    round_budget = budgets.round_jpy if budgets.round_jpy is not None else budgets.call_jpy
    if round_budget is None:
        raise ServiceError(
            _("Set the budget of the round or the call before running the optimiser.")
        )
    by_kind: dict[str, list[Limit]] = {k: [] for k in KINDS}
    for kind, limit in settings.limits:
        by_kind[kind].append(limit)
    try:
        return Problem(
            proposals=tuple(
                replace(r.candidate, fixed=settings.fixed.get(r.candidate.id) or None) for r in rows
            ),
            constraints=Constraints(
                round_budget_jpy=round_budget,
                call_budget_jpy=budgets.call_jpy,
                eco_lease_budget_jpy=budgets.eco_lease_jpy,
                countries=tuple(by_kind["country"]),
                technologies=tuple(by_kind["technology"]),
                pairs=tuple(by_kind["pair"]),
                tco2_floor=settings.tco2_floor,
                count_round_adoptions=settings.count_round_adoptions,
            ),
            objective=Objective(settings.objective),
            time_limit_s=settings.time_limit_s,
        )
    except ValueError as exc:  # the core's own checks: said as it says it
        raise ServiceError(str(exc)) from exc


def settings_of(problem: Problem) -> Settings:
    """The office's settings a stored input was made with (the board shows them again)."""
    c = problem.constraints
    return Settings(
        objective=problem.objective.value,
        tco2_floor=c.tco2_floor,
        limits=tuple(
            [("country", x) for x in c.countries]
            + [("technology", x) for x in c.technologies]
            + [("pair", x) for x in c.pairs]
        ),
        fixed={p.id: p.fixed for p in problem.proposals if p.fixed},
        time_limit_s=problem.time_limit_s,
        count_round_adoptions=c.count_round_adoptions,
    )


# --- services ----------------------------------------------------------------------------
def _require(actor: Any, chosen: Round) -> None:
    if not access.can(actor, "run_selection_optimiser", chosen):
        raise NotAllowed(_("Only the office runs the selection optimiser."))


def reproducible(result: Mapping[str, Any]) -> dict[str, Any]:
    """What a re-run must give again: the result without the wall time."""
    return {k: v for k, v in result.items() if k != "solve_seconds"}


def _solve(problem: Problem) -> dict[str, Any]:
    try:
        return optimise(problem).to_dict()
    except TimeoutError as exc:
        raise ServiceError(
            _(
                "The time limit ran out before any portfolio meeting the constraints was found: "
                "allow more time (up to %(hi)s seconds)."
            )
            % {"hi": MAX_TIME_LIMIT_S}
        ) from exc
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc


def _store(actor, chosen, problem, result, reproduces=None) -> OptimiserRun:
    gap = result.get("gap")
    run = OptimiserRun.objects.create(
        round=chosen,
        inputs=problem.to_dict(),
        fingerprint=problem.fingerprint(),
        result=result,
        status=result["status"],
        gap=None if gap is None else Decimal(gap),
        solve_seconds=Decimal(result["solve_seconds"]),
        model_version=result["model_version"],
        highs_version=result["highs_version"],
        reproduces=reproduces,
        same_result=None
        if reproduces is None
        else reproducible(result) == reproducible(reproduces.result),
        created_by=actor,
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        obj=run,
        action="optimiser_rerun" if reproduces else "optimiser_run",
        to_state=run.status,
        payload={
            "round": chosen.pk,
            "fingerprint": run.fingerprint,
            "objective": problem.objective.value,
            "optimiser": (result.get("optimiser") or {}).get("ids"),
            **({"reproduces": reproduces.pk, "same_result": run.same_result} if reproduces else {}),
        },
    )
    return run


class RoundChanged(ServiceError):
    """The round's data changed while the optimiser was solving (a score, a screening, a
    budget, a decision): the run is not stored, since its inputs are no longer the round's.
    ``errors`` names each change."""


@contextmanager
def _snapshot() -> Iterator[None]:
    """A short transaction that reads one consistent snapshot of the round: on PostgreSQL,
    when it is the outermost transaction, REPEATABLE READ (every query sees the data as of
    the first one, not a score saved between two of them). SQLite's transactions read one
    snapshot already."""
    repeatable = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if repeatable:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _serialization_failure(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == "40001"


def _inputs(actor: Any, round_pk: int, settings: Settings, *, lock: bool) -> tuple[Round, Problem]:
    rounds = Round.objects.select_related("call")
    if lock:  # the round's row alone: not the call's, which proposal submissions lock
        rounds = rounds.select_for_update(of=("self",))
    chosen = rounds.get(pk=round_pk)
    _require(actor, chosen)
    return chosen, problem_for_round(
        chosen, settings, round_rows(actor, chosen), budgets_of(chosen)
    )


def _read(actor: Any, round_pk: int, settings: Settings) -> Problem:
    """The round's inputs, read in one short transaction (a consistent snapshot)."""
    for attempt in (1, 2):
        try:
            with _snapshot():
                return _inputs(actor, round_pk, settings, lock=False)[1]
        except OperationalError as exc:
            # reading caches a version's assessment (a write): two first readings of the same
            # version at once conflict under REPEATABLE READ; the second reads again
            if attempt == 2 or not _serialization_failure(exc):
                raise
    raise AssertionError("unreachable")


def changes(before: Problem, after: Problem) -> list[str]:
    """What differs between two inputs of the same round, one sentence each, for the office."""
    lines = []
    old = {p.id: p for p in before.proposals}
    new = {p.id: p for p in after.proposals}

    def name(p: Candidate) -> str:
        return p.receipt or f"#{p.id}"

    for pid in sorted(old.keys() - new.keys(), key=lambda i: name(old[i])):
        lines.append(
            _(
                "Proposal %(name)s is no longer a candidate (decided, withdrawn or without a "
                "submitted review)."
            )
            % {"name": name(old[pid])}
        )
    for pid in sorted(new.keys() - old.keys(), key=lambda i: name(new[i])):
        lines.append(_("Proposal %(name)s became a candidate.") % {"name": name(new[pid])})
    labels = {
        "score": _("score"),
        "subsidy_jpy": _("subsidy"),
        "lifetime_tco2": _("lifetime tCO2"),
        "screening_passed": _("basic screening"),
        "eco_lease": _("eco-lease"),
        "country": _("country"),
        "parts": _("technologies"),
        "receipt": _("receipt number"),
    }
    for pid in sorted(old.keys() & new.keys(), key=lambda i: name(old[i])):
        a, b = old[pid].to_dict(), new[pid].to_dict()
        what = [label for key, label in labels.items() if a.get(key) != b.get(key)]
        if what:
            lines.append(
                _("Proposal %(name)s: its %(what)s changed.")
                % {"name": name(old[pid]), "what": ", ".join(what)}
            )
    a, b = before.constraints.to_dict(), after.constraints.to_dict()
    budgets = {
        "round_budget_jpy": _("the round's remaining budget"),
        "call_budget_jpy": _("the call's remaining budget"),
        "eco_lease_budget_jpy": _("the eco-lease cap's remaining part"),
    }
    for key, label in budgets.items():
        if a.get(key) != b.get(key):
            lines.append(
                _("%(what)s changed from %(before)s to %(after)s yen.")
                % {
                    "what": capfirst(label),
                    "before": "—" if a.get(key) is None else f"{a[key]:,}",
                    "after": "—" if b.get(key) is None else f"{b[key]:,}",
                }
            )
    if not lines:  # anything else the fingerprint covers
        lines.append(_("The optimiser's input for these constraints is not the same."))
    return lines


def _round_changed(errors: list[str]) -> RoundChanged:
    return RoundChanged(
        _(
            "The round changed while the optimiser was solving, so its result was not stored "
            "(it would describe data that is no longer the round's): run it again on the "
            "round's data of now. What changed:"
        ),
        errors=errors,
    )


def optimiser_run(*, actor: Any, round: Round, settings: Settings) -> OptimiserRun:
    """Run the optimiser on the round's current data with the office's settings and store the
    run with its inputs. Refused with every problem named when the settings do not fit.

    The solve (up to the 60-second time limit) holds no lock and no transaction, so reviewers
    and the office change the round meanwhile: the inputs are read in one short transaction
    (a consistent snapshot, with their fingerprint), solved outside it, then a second short
    transaction locks the round, reads its inputs again and stores the run only if their
    fingerprint is unchanged. A round that changed meanwhile is refused (``RoundChanged``,
    naming each change) and nothing is stored: re-solving at once could double the office's
    wait past the web server's timeout (120 s), and a run on stale data would mislead."""
    problem = _read(actor, round.pk, settings)
    result = _solve(problem)
    with transaction.atomic():
        try:
            chosen, now = _inputs(actor, round.pk, settings, lock=True)
        except NotAllowed:
            raise
        except ServiceError as exc:  # the settings no longer fit the round's candidates
            raise _round_changed([str(exc), *exc.errors]) from exc
        if now.fingerprint() != problem.fingerprint():
            raise _round_changed(changes(problem, now))
        return _store(actor, chosen, problem, result)


def optimiser_rerun(*, actor: Any, run: OptimiserRun) -> OptimiserRun:
    """Run a stored run's inputs again (not the round's data of today): the new run records
    whether the result is the same. The stored inputs never change, so the solve runs outside
    any transaction and nothing needs checking again before the new run is stored."""
    original = OptimiserRun.objects.select_related("round__call").get(pk=run.pk)
    _require(actor, original.round)
    try:
        problem = Problem.from_dict(original.inputs)
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceError(
            _("The stored inputs cannot be read by this version of Renkei: %(error)s")
            % {"error": exc}
        ) from exc
    result = _solve(problem)
    with transaction.atomic():
        return _store(actor, original.round, problem, result, reproduces=original)
