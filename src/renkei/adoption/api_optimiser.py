"""The selection optimiser in the REST API (issue 13): run it on a round with the office's
constraints, list a round's stored runs, read one with its inputs and result, and re-run a
stored run's inputs to check it reproduces. The same services as the selection board; the
office's alone: anyone else is answered 404, as the ranking; constraints that do not fit the
round answer 422 naming each one. Mounted under the selection router (``adoption.api``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from pydantic import Field, StringConstraints

from renkei import access
from renkei.accounts.models import Role
from renkei.adoption import optimiser
from renkei.adoption.models import OptimiserRun
from renkei.apikit import JST, MAX_ID, op
from renkei.calls.models import Round
from renkei.selection.optimiser import DEFAULT_TIME_LIMIT_S, Limit, Objective
from renkei.services import ServiceError

router = Router(tags=["selection"])

RoundId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Round id.")]
RunId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Optimiser run id.")]
Seconds = Annotated[str, StringConstraints(pattern=r"^\d{1,3}(\.\d{1,3})?$")]
_READ = (401, 404, 422)
_WRITE = (400, 401, 403, 404, 422)


class SelectionOptimiserLimitIn(Schema):
    kind: Literal["country", "technology", "pair"] = Field(
        description="What the limit counts: proposals in a country, with a technology, or both."
    )
    key: str = Field(
        min_length=2,
        max_length=70,
        description="A country code (`VN`), a technology id (`solar_pv`) or a pair "
        "(`VN/solar_pv`).",
    )
    min: int | None = Field(default=None, ge=0, le=100_000, description="At least this many.")
    max: int | None = Field(default=None, ge=0, le=100_000, description="At most this many.")


class SelectionOptimiserRunIn(Schema):
    objective: Literal["score", "tco2", "tco2_per_yen", "score_with_tco2_floor"] = Field(
        default="score",
        description="What the optimiser maximises: the total score, the expected lifetime "
        "tCO2, tCO2 per yen of subsidy, or the score with a floor on tCO2 "
        "(`tco2_floor` required).",
    )
    tco2_floor: int | None = Field(
        default=None, ge=0, le=10**12, description="At least this many lifetime tCO2."
    )
    limits: list[SelectionOptimiserLimitIn] = Field(
        default_factory=list, max_length=200, description="At most / at least N per key."
    )
    fixed_in: list[int] = Field(
        default_factory=list, max_length=1000, description="Proposals the office fixes in."
    )
    fixed_out: list[int] = Field(
        default_factory=list, max_length=1000, description="Proposals the office fixes out."
    )
    time_limit_s: int | Seconds = Field(
        default=str(DEFAULT_TIME_LIMIT_S),
        description="The solver's time limit in seconds, 0.1 to 60 (part of the inputs; "
        "outside that range: 422).",
    )
    count_round_adoptions: bool = Field(
        default=False,
        description="Also count this round's adoptions towards 2.(9)'s 10 similar projects "
        "(stricter than the call).",
    )


class SelectionOptimiserRunSummaryOut(Schema):
    id: int = Field(description="Run id.")
    round_id: int = Field(description="The round.")
    status: Literal["optimal", "time_limit", "infeasible"] = Field(
        description="`optimal`; `time_limit` (the best set found, with its gap); "
        "`infeasible` (the result names the constraints in conflict)."
    )
    objective: str = Field(description="The objective maximised.")
    fingerprint: str = Field(description="sha256 of the canonical JSON of the inputs.")
    gap: Decimal | None = Field(description="The relative MIP gap (0 when optimal).")
    solve_seconds: Decimal = Field(description="Wall time of the solve (not reproduced).")
    optimiser_ids: list[int] | None = Field(
        description="The optimiser's set (null when infeasible)."
    )
    ranking_ids: list[int] = Field(description="The ranking's funded set, same budget.")
    reproduces: int | None = Field(description="The run whose inputs this re-run used.")
    same_result: bool | None = Field(description="A re-run: the same result as that run.")
    created_by: str = Field(description="Who ran it.")
    created_at: dt.datetime = Field(description="When (+09:00).")


class SelectionOptimiserRunOut(SelectionOptimiserRunSummaryOut):
    inputs: dict[str, Any] = Field(
        description="The optimiser's input as stored (`renkei.selection.optimiser/1`: the "
        "candidates with their score, subsidy, tCO2, country, technology parts, eco-lease, "
        "screening and fixed decision; the budgets and constraints; the objective and time "
        "limit). Money is integer yen, scores are strings."
    )
    result: dict[str, Any] = Field(
        description="The result: both sets with their score, subsidy, eco-lease, tCO2 and "
        "balance by country and technology; every constraint with the value each set reaches; "
        "what differs with reasons (`code`, `params`, English `text`); the excluded proposals; "
        "the conflicts when infeasible. See docs/selection-optimiser.md."
    )


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


def _ids(portfolio: dict | None) -> list[int] | None:
    return None if portfolio is None else [int(i) for i in portfolio["ids"]]


def _summary(run: OptimiserRun) -> dict[str, Any]:
    return dict(
        id=run.pk,
        round_id=run.round_id,
        status=run.status,
        objective=run.inputs.get("objective", ""),
        fingerprint=run.fingerprint,
        gap=run.gap,
        solve_seconds=run.solve_seconds,
        optimiser_ids=_ids(run.result.get("optimiser")),
        ranking_ids=_ids(run.result["ranking"]) or [],
        reproduces=run.reproduces_id,
        same_result=run.same_result,
        created_by=run.created_by.get_username(),
        created_at=run.created_at.astimezone(JST),
    )


def _full(run: OptimiserRun) -> SelectionOptimiserRunOut:
    return SelectionOptimiserRunOut(**_summary(run), inputs=run.inputs, result=run.result)


def _round(request: HttpRequest, round_id: int) -> Round:
    _office(request)
    chosen = Round.objects.select_related("call").filter(pk=round_id).first()
    if chosen is None:
        raise Http404
    return chosen


def _run(request: HttpRequest, run_id: int) -> OptimiserRun:
    _office(request)
    run = OptimiserRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


@router.post(
    "/rounds/{round_id}/selection-optimiser/runs",
    summary="Run the selection optimiser on a round (office)",
    **op({201: (SelectionOptimiserRunOut, "The stored run.")}, *_WRITE),
)
def selection_optimiser_run(request, round_id: RoundId, payload: SelectionOptimiserRunIn):
    """The optimiser's portfolio beside the ranking's, on the round's data of now, with these
    constraints; stored with its inputs. A decision aid: nothing is adopted. Constraints that
    do not fit the round (a country no candidate has, at least N where fewer count, a fixed
    proposal that is not a candidate) answer 422 naming each one; so does a round changed while
    the solver ran (a score, a screening, a budget, a decision: nothing is stored, run again)."""
    chosen = _round(request, round_id)
    fixed = {str(pk): "out" for pk in payload.fixed_out}
    fixed.update({str(pk): "in" for pk in payload.fixed_in})
    both = sorted(set(payload.fixed_in) & set(payload.fixed_out))
    if both:
        raise ServiceError(
            _("A proposal is fixed both in and out: %(ids)s.")
            % {"ids": ", ".join(str(x) for x in both)}
        )
    run = optimiser.optimiser_run(
        actor=request.user,
        round=chosen,
        settings=optimiser.Settings(
            objective=Objective(payload.objective).value,
            tco2_floor=payload.tco2_floor,
            limits=tuple(
                (x.kind, Limit(optimiser.normal_key(x.kind, x.key), x.min, x.max))
                for x in payload.limits
            ),
            fixed=fixed,
            time_limit_s=Decimal(payload.time_limit_s),
            count_round_adoptions=payload.count_round_adoptions,
        ),
    )
    return Status(201, _full(run))


@router.get(
    "/rounds/{round_id}/selection-optimiser/runs",
    summary="The stored optimiser runs of a round, newest first (office)",
    **op({200: (list[SelectionOptimiserRunSummaryOut], "The runs.")}, *_READ),
)
def selection_optimiser_runs(request, round_id: RoundId):
    """The round's stored runs, newest first, each with its status, objective, fingerprint and
    the two sets (the inputs and result are read one run at a time)."""
    chosen = _round(request, round_id)
    return [_summary(r) for r in chosen.optimiser_runs.select_related("created_by")]


@router.get(
    "/selection-optimiser/runs/{run_id}",
    summary="A stored optimiser run with its inputs and result (office)",
    **op({200: (SelectionOptimiserRunOut, "The run.")}, *_READ),
)
def selection_optimiser_run_detail(request, run_id: RunId):
    """One stored run: the inputs it was given, their fingerprint and the result, as stored when
    it ran (a decision aid: nothing in it adopts a proposal)."""
    return _full(_run(request, run_id))


@router.post(
    "/selection-optimiser/runs/{run_id}/rerun",
    summary="Run a stored run's inputs again, to check it reproduces (office)",
    **op({201: (SelectionOptimiserRunOut, "The new run, with `same_result`.")}, *_WRITE),
)
def selection_optimiser_rerun(request, run_id: RunId):
    """Exactly the stored inputs (not the round's data of now); the new run says whether the
    result is the same as the stored one (only the wall time may differ)."""
    run = _run(request, run_id)
    return Status(201, _full(optimiser.optimiser_rerun(actor=request.user, run=run)))
