"""The monitoring stage's pages: the list of monitored projects and one project's monitoring
page, where each part of the stage adds its panel (``views_plan``, ``views_intake``,
``views_period``, ``views_verification``, ``views_annual``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from renkei import access
from renkei.monitoring import (
    views_annual,
    views_intake,
    views_period,
    views_plan,
    views_verification,
)
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.policy import periods_for, plans_for

PARTS = (views_plan, views_intake, views_period, views_verification, views_annual)


def visible_plan(request: HttpRequest, pk: int) -> MonitoringPlan:
    """The plan if the viewer may see it; 404 otherwise (never revealing that it exists)."""
    plan = plans_for(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The projects under monitoring the viewer may see; a TPE verifier sees its assignments."""
    role = access.role_of(request.user)
    if role not in ("office", "applicant", "verifier"):
        raise Http404
    plans = list(plans_for(request.user).order_by("grant__number"))
    for plan in plans:
        plan.end = views_plan.services.monitoring_end(plan)
    periods = periods_for(request.user).order_by("-start") if role == "verifier" else None
    return render(
        request,
        "monitoring/list.html",
        {
            "plans": plans,
            "periods": periods,
            "factors": access.can(request.user, "view_emission_factors", None),
        },
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = visible_plan(request, pk)
    context = {"plan": plan, "grant": plan.grant, "proposal": plan.grant.selection.proposal}
    for part in PARTS:
        context.update(part.panel(request, plan))
    return render(request, "monitoring/detail.html", context)
