"""The selection optimiser on the office's selection board (issue 13): for a round, the
optimiser's portfolio beside the ranking's, what differs and why, the budgets used, tCO2, score
and the balance by country and technology (charts drawn on the server as SVG: the content
security policy holds), the constraints the office edits, and every run stored with its inputs
(reopened, re-run to check it reproduces). A decision aid: the office decides each proposal on
its selection page. The office's alone: anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import Role
from renkei.adoption import optimiser
from renkei.adoption.models import OptimiserRun
from renkei.calls.models import Program, Round
from renkei.grants.views_portfolio import bar_chart
from renkei.proposals.models import Proposal
from renkei.selection.optimiser import DEFAULT_TIME_LIMIT_S, Objective, Problem
from renkei.services import NotAllowed, ServiceError
from renkei.web.lists import chosen_round

OBJECTIVES = (
    (Objective.SCORE.value, gettext_lazy("Total score (the ranking's own measure)")),
    (Objective.TCO2.value, gettext_lazy("Expected lifetime reductions (tCO2)")),
    (Objective.TCO2_PER_YEN.value, gettext_lazy("tCO2 per yen of subsidy")),
    (
        Objective.SCORE_WITH_TCO2_FLOOR.value,
        gettext_lazy("Total score, with a floor on tCO2"),
    ),
)
STATUS = {
    "optimal": gettext_lazy("optimal"),
    "time_limit": gettext_lazy("time limit reached: the best set found, with its gap"),
    "infeasible": gettext_lazy("infeasible: no set meets the constraints"),
}


class ConstraintsForm(forms.Form):
    objective = forms.ChoiceField(label=gettext_lazy("Objective"), choices=OBJECTIVES)
    tco2_floor = forms.IntegerField(
        label=gettext_lazy("tCO2 floor (expected lifetime reductions, tonnes)"),
        required=False,
        min_value=0,
        max_value=10**12,
    )
    limits = forms.CharField(
        label=gettext_lazy("At most / at least per country, technology or pair"),
        help_text=gettext_lazy(
            "One a line: “country VN max 2”, “technology solar_pv min 1”, "
            "“pair TH/boiler max 1”; min and max may both be given."
        ),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
    )
    time_limit_s = forms.DecimalField(
        label=gettext_lazy("Time limit (seconds)"),
        min_value=optimiser.MIN_TIME_LIMIT_S,
        max_value=optimiser.MAX_TIME_LIMIT_S,
        max_digits=6,
        decimal_places=1,
        initial=DEFAULT_TIME_LIMIT_S,
    )
    count_round_adoptions = forms.BooleanField(
        label=gettext_lazy(
            "Also count this round's adoptions towards the 2.(9) limit of 10 similar projects "
            "(stricter than the call, which counts past adoptions at application)"
        ),
        required=False,
    )

    def clean_limits(self) -> tuple:
        limits, errors = optimiser.parse_limits(self.cleaned_data.get("limits") or "")
        if errors:
            raise forms.ValidationError(errors)
        return limits


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


def _initial(settings: optimiser.Settings) -> dict[str, Any]:
    return {
        "objective": settings.objective,
        "tco2_floor": settings.tco2_floor,
        "limits": "\n".join(optimiser.limit_line(k, x) for k, x in settings.limits),
        "time_limit_s": settings.time_limit_s,
        "count_round_adoptions": settings.count_round_adoptions,
    }


def _fixed_posted(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix("fixed_"): value
        for key, value in request.POST.items()
        if key.startswith("fixed_") and value
    }


@login_required
def selection_board(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The board of a round (``?round=``), showing a stored run (``pk``, else the round's
    latest); POST runs the optimiser with the constraints typed."""
    _office(request)
    shown = None
    if pk is not None:
        shown = get_object_or_404(OptimiserRun.objects.select_related("round__call"), pk=pk)
        chosen = shown.round
    else:
        rounds = Round.objects.select_related("call").filter(call__program=Program.JCM)
        chosen = chosen_round(request, rounds.order_by("deadline"))
        if chosen is not None:
            shown = chosen.optimiser_runs.select_related("created_by").first()
    form, fixed, status = None, {}, 200
    if request.method == "POST":
        if chosen is None:
            raise Http404
        form = ConstraintsForm(request.POST)
        fixed = _fixed_posted(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = optimiser.optimiser_run(
                    actor=request.user,
                    round=chosen,
                    settings=optimiser.Settings(
                        objective=data["objective"],
                        tco2_floor=data["tco2_floor"],
                        limits=data["limits"],
                        fixed=fixed,
                        time_limit_s=data["time_limit_s"],
                        count_round_adoptions=data["count_round_adoptions"],
                    ),
                )
            except NotAllowed as exc:
                raise Http404 from exc
            except ServiceError as exc:
                form.add_error(None, str(exc))
                for line in exc.errors:
                    form.add_error(None, line)
            else:
                messages.success(
                    request, _("The optimiser ran; the run is stored with its inputs.")
                )
                return redirect("adoption:selection_board_run", pk=run.pk)
        status = 400
    elif shown is not None:
        settings = optimiser.settings_of(Problem.from_dict(shown.inputs))
        form, fixed = ConstraintsForm(initial=_initial(settings)), dict(settings.fixed)
    else:
        form = ConstraintsForm(initial=_initial(optimiser.Settings()))
    return render(
        request,
        "adoption/optimiser/board.html",
        _context(request, chosen, shown, form, fixed),
        status=status,
    )


def _context(request, chosen, shown, form, fixed) -> dict[str, Any]:
    rounds = Round.objects.select_related("call").filter(call__program=Program.JCM)
    ctx: dict[str, Any] = {
        "rounds": rounds.order_by("deadline"),
        "chosen": chosen,
        "form": form,
        "run": shown,
    }
    if chosen is None:
        return ctx
    rows = optimiser.round_rows(request.user, chosen)
    result = shown.result if shown is not None else None
    opt_ids = set(((result or {}).get("optimiser") or {}).get("ids", []))
    rank_ids = set((result or {}).get("ranking", {}).get("ids", []))
    names = _names(chosen, shown)
    ctx.update(
        budgets=optimiser.budgets_of(chosen),
        candidates=[
            {
                "row": r,
                "fixed": fixed.get(r.candidate.id, ""),
                "in_optimiser": r.candidate.id in opt_ids,
                "in_ranking": r.candidate.id in rank_ids,
            }
            for r in rows
        ],
        runs=chosen.optimiser_runs.select_related("created_by")[:20],
    )
    if result is not None:
        ctx.update(present(result, names))
        ctx["status_text"] = STATUS.get(shown.status, shown.status)
        ctx["stale"] = _stale(request.user, chosen, shown)
    return ctx


def _stale(viewer, chosen: Round, run: OptimiserRun) -> bool:
    """The round's data (scores, amounts, budgets, candidates) changed since the run: the same
    constraints today would give a different input."""
    try:
        problem = Problem.from_dict(run.inputs)
        today = optimiser.problem_for_round(
            chosen,
            optimiser.settings_of(problem),
            optimiser.round_rows(viewer, chosen),
            optimiser.budgets_of(chosen),
        )
    except (ServiceError, ValueError, KeyError):
        return True
    return today.fingerprint() != run.fingerprint


def _names(chosen: Round, run: OptimiserRun | None) -> dict[str, Proposal]:
    ids = [int(p["id"]) for p in (run.inputs["proposals"] if run else [])]
    return {str(p.pk): p for p in Proposal.objects.filter(pk__in=ids)}


# --- what a stored result says, in the page's language -------------------------------------
def _label(names: dict[str, Proposal], pid: str) -> str:
    p = names.get(pid)
    return (p.receipt_number or f"#{pid}") if p else f"#{pid}"


def constraint_label(cid: str, lo: int | None, hi: int | None, names: dict) -> str:
    kind, _sep, key = cid.partition(":")
    n = f"{(lo if lo is not None else hi) or 0:,}"
    if kind == "budget.round":
        return _("round budget ≤ %(n)s yen") % {"n": n}
    if kind == "budget.call":
        return _("call budget ≤ %(n)s yen") % {"n": n}
    if kind == "budget.eco_lease":
        return _("eco-lease budget ≤ %(n)s yen") % {"n": n}
    if kind == "tco2.floor":
        return _("expected lifetime reductions ≥ %(n)s tCO2") % {"n": n}
    if kind == "ratio.subsidy":
        return _("some subsidy (tCO2 per yen needs a set that costs)")
    if kind == "fixed.in":
        return _("%(p)s fixed in") % {"p": _label(names, key)}
    if kind == "fixed.out":
        return _("%(p)s fixed out") % {"p": _label(names, key)}
    if kind == "similar.ten":
        return _("%(key)s: similar adoptions before this round + this round's ≤ 10 (2.(9))") % {
            "key": key
        }
    texts = {
        "country.min": _("at least %(n)s in country %(key)s"),
        "country.max": _("at most %(n)s in country %(key)s"),
        "technology.min": _("at least %(n)s with technology %(key)s"),
        "technology.max": _("at most %(n)s with technology %(key)s"),
        "pair.min": _("at least %(n)s in %(key)s"),
        "pair.max": _("at most %(n)s in %(key)s"),
    }
    if kind in texts:
        return texts[kind] % {"n": n, "key": key}
    return cid


def reason_text(reason: dict, names: dict, labels: dict[str, str]) -> str:
    code, params = reason["code"], reason.get("params") or {}
    if code == "fixed_in":
        return _("fixed in by the office")
    if code == "needed_for":
        return _("needed for “%(c)s”") % {"c": labels.get(params["constraint"], "")}
    if code == "below_funding_line":
        return _(
            "ranked %(rank)s, below the funding line (the ranking stopped at rank %(line)s "
            "with %(left)s yen left); the optimiser uses the money the ranking leaves and what "
            "the proposals it leaves out free (%(used)s of %(budget)s yen)"
        ) % {
            "rank": params.get("rank"),
            "line": params.get("line_rank") or "—",
            "left": f"{params['budget_jpy'] - params['ranking_used_jpy']:,}",
            "used": f"{params['optimiser_used_jpy']:,}",
            "budget": f"{params['budget_jpy']:,}",
        }
    if code == "constraint_full":
        cid = params.get("constraint", "")
        if cid.startswith("fixed.out"):
            return _("fixed out by the office")
        if cid.startswith("budget."):
            return _("no room left under “%(c)s”: the optimiser's set uses %(v)s yen") % {
                "c": labels.get(cid, cid),
                "v": f"{params.get('value', 0):,}",
            }
        return _("“%(c)s” is reached (%(v)s)") % {
            "c": labels.get(cid, cid),
            "v": params.get("value"),
        }
    if code == "traded":
        return _("left out for proposals that together do better on the objective")
    if code == "lowers_ratio":
        return _("adding it would lower the set's tCO2 per yen")
    if code == "excluded.screening":
        return _("failed basic screening: not considered")
    if code == "excluded.rate_band":
        return _(
            "%(count)s similar %(technology)s projects already adopted in the country: 2.(9) "
            "adopts none at 10 or more"
        ) % {"count": params.get("count"), "technology": params.get("technology")}
    return reason.get("text", code)


def conflict_text(c: dict, names: dict, labels: dict, excluded: dict[str, str]) -> str:
    label = labels.get(c["id"], c["id"])
    kind, _sep, key = c["id"].partition(":")
    if c.get("achievable") is None:
        return _(
            "“%(c)s” is part of the conflict (what the others allow was not found within the "
            "time limit)"
        ) % {"c": label}
    if kind == "fixed.in":
        if key in excluded:
            return _("%(p)s is fixed in but cannot be adopted: %(why)s") % {
                "p": _label(names, key),
                "why": excluded[key],
            }
        return _("%(p)s is fixed in, but the other constraints in conflict leave it out") % {
            "p": _label(names, key)
        }
    if kind == "fixed.out":
        return _("%(p)s is fixed out, but the other constraints in conflict need it") % {
            "p": _label(names, key)
        }
    if c.get("hi") is not None:
        return _(
            "“%(c)s” cannot hold: the other constraints in conflict need at least %(n)s "
            "(%(more)s more would make it feasible)"
        ) % {"c": label, "n": f"{c['achievable']:,}", "more": f"{c['achievable'] - c['hi']:,}"}
    return _(
        "“%(c)s” cannot hold: the other constraints in conflict allow at most %(n)s "
        "(%(short)s short)"
    ) % {"c": label, "n": f"{c['achievable']:,}", "short": f"{c['lo'] - c['achievable']:,}"}


def _differences(items: list[dict], names: dict, labels: dict) -> list[dict]:
    return [
        {
            "proposal": names.get(d["id"]),
            "label": _label(names, d["id"]),
            "rank": d.get("rank"),
            "reasons": [reason_text(r, names, labels) for r in d["reasons"]],
        }
        for d in items
    ]


def present(result: dict, names: dict) -> dict[str, Any]:
    """A stored result as the board shows it: the two sets side by side, what differs and why,
    every constraint, the conflicts, and the charts."""
    labels = {
        c["id"]: constraint_label(c["id"], c["lo"], c["hi"], names) for c in result["constraints"]
    }
    for c in result["conflicts"]:
        labels.setdefault(c["id"], constraint_label(c["id"], c["lo"], c["hi"], names))
    excluded = {
        d["id"]: "; ".join(reason_text(r, names, labels) for r in d["reasons"])
        for d in result["excluded"]
    }
    opt, rank = result.get("optimiser"), result["ranking"]
    return {
        "result": result,
        "optimiser_set": opt,
        "ranking_set": rank,
        "only_optimiser": _differences(result["only_optimiser"], names, labels),
        "only_ranking": _differences(result["only_ranking"], names, labels),
        "excluded": [
            {"label": _label(names, pid), "proposal": names.get(pid), "why": why}
            for pid, why in excluded.items()
        ],
        "checks": [{**c, "label": labels[c["id"]]} for c in result["constraints"]],
        "conflicts": [conflict_text(c, names, labels, excluded) for c in result["conflicts"]],
        "ids": {
            "optimiser": [_label(names, i) for i in (opt or {}).get("ids", [])],
            "ranking": [_label(names, i) for i in rank["ids"]],
        },
        "charts": charts_of(result),
    }


def charts_of(result: dict) -> list:
    """The budgets used, and the balance by country and by technology, of both sets (blue:
    the optimiser's, amber: the ranking's), on the grant portfolio's chart."""
    opt = result.get("optimiser") or {
        "by_country": {},
        "by_technology": {},
        "subsidy_jpy": 0,
        "eco_lease_jpy": 0,
    }
    rank = result["ranking"]
    checks = {c["id"]: c for c in result["constraints"]}
    money = [(_("Binding budget"), result["budget_jpy"], "budget")]
    money += [
        (
            _("Optimiser: %(n)s proposal(s)") % {"n": len(opt.get("ids", []))},
            opt["subsidy_jpy"],
            "decided",
        ),
        (_("Ranking: %(n)s proposal(s)") % {"n": len(rank["ids"])}, rank["subsidy_jpy"], "fixed"),
    ]
    groups = [(_("Subsidy against the budget"), money)]
    if "budget.eco_lease" in checks:
        groups.append(
            (
                _("Eco-lease subsidy against its own cap (2.(8))"),
                [
                    (_("Eco-lease cap remaining"), checks["budget.eco_lease"]["hi"], "budget"),
                    (_("Optimiser"), opt["eco_lease_jpy"], "decided"),
                    (_("Ranking"), rank["eco_lease_jpy"], "fixed"),
                ],
            )
        )
    budget = bar_chart(_("Budget used"), groups, shared=False)

    def balance(title: str, key: str):
        names = sorted(set(opt[key]) | set(rank[key]))
        return bar_chart(
            title,
            [
                (
                    name,
                    [
                        (
                            _("Optimiser: %(n)s") % {"n": opt[key].get(name, {}).get("count", 0)},
                            opt[key].get(name, {}).get("subsidy_jpy", 0),
                            "decided",
                        ),
                        (
                            _("Ranking: %(n)s") % {"n": rank[key].get(name, {}).get("count", 0)},
                            rank[key].get(name, {}).get("subsidy_jpy", 0),
                            "fixed",
                        ),
                    ],
                )
                for name in names
            ],
        )

    return [
        budget,
        balance(_("Balance by country (proposals and subsidy)"), "by_country"),
        balance(_("Balance by technology (proposals and subsidy)"), "by_technology"),
    ]


@login_required
@require_POST
def selection_board_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a stored run's inputs again: the new run says whether the result is the same."""
    _office(request)
    run = get_object_or_404(OptimiserRun, pk=pk)
    try:
        again = optimiser.optimiser_rerun(actor=request.user, run=run)
    except NotAllowed as exc:
        raise Http404 from exc
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("adoption:selection_board_run", pk=pk)
    if again.same_result:
        messages.success(
            request, _("Re-run from the stored inputs: the same result as run %(n)s.") % {"n": pk}
        )
    else:
        messages.warning(
            request,
            _("Re-run from the stored inputs: the result differs from run %(n)s.") % {"n": pk},
        )
    return redirect("adoption:selection_board_run", pk=again.pk)


def board_url(chosen: Round) -> str:
    return reverse("adoption:selection_board") + "?" + urlencode({"round": chosen.pk})


urlpatterns = [
    path("office/selection/optimiser/", selection_board, name="selection_board"),
    path(
        "office/selection/optimiser/runs/<int:pk>/",
        selection_board,
        name="selection_board_run",
    ),
    path(
        "office/selection/optimiser/runs/<int:pk>/rerun/",
        selection_board_rerun,
        name="selection_board_rerun",
    ),
]
