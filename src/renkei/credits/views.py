"""The credits stage's pages shared by its parts: the list of JCM projects and one project's page,
where each part adds its panel (``views_cycle``, ``views_issuance``, ``views_registry``,
``views_portfolio``), as the monitoring stage's project page does.

How a part adds its panel: a template ``credits/<part>/_panel.html`` and, for its context, a
function ``panel(request, project) -> dict`` in ``views_<part>``. A part with neither yet is
left out; a template without ``panel()`` is included with the shared context (``project``,
``plan``, ``grant``, ``proposal``). A part's action that is refused shows the page again with
``detail_page(request, project, {<its panel's context with the form as typed>})``."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from renkei import access
from renkei.credits import views_cycle, views_issuance, views_portfolio, views_registry
from renkei.credits.models import JcmProject
from renkei.credits.policy import projects_for

LIST_ROLES = ("office", "applicant", "verifier", "joint_committee", "registry")
PARTS = (
    ("cycle", views_cycle),
    ("issuance", views_issuance),
    ("registry", views_registry),
    ("portfolio", views_portfolio),
)


@cache
def _template(part: str) -> str | None:
    name = f"credits/{part}/_panel.html"
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def panels() -> list[tuple[Any, str]]:
    """(the part's views module, its panel template) for every part that has a panel."""
    return [(module, t) for part, module in PARTS if (t := _template(part)) is not None]


def visible_project(request: HttpRequest, pk: int) -> JcmProject:
    """The project if the viewer may see it; 404 otherwise (never revealing that it exists)."""
    project = projects_for(request.user).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The JCM projects the viewer may see; for the office and the filers, the monitored
    projects whose JCM project is not open yet, with the button that opens it."""
    if access.role_of(request.user) not in LIST_ROLES:
        raise Http404
    projects = list(projects_for(request.user).order_by("plan__grant__number"))
    context: dict[str, Any] = {"projects": projects}
    context.update(views_cycle.list_context(request))
    return render(request, "credits/list.html", context)


def detail_page(
    request: HttpRequest, project: JcmProject, bound: dict[str, Any] | None = None
) -> HttpResponse:
    """The project's page: every part's panel, then ``bound`` (a refused part's own context)."""
    plan = project.plan
    context: dict[str, Any] = {
        "project": project,
        "plan": plan,
        "grant": plan.grant,
        "proposal": plan.grant.selection.proposal,
    }
    templates = []
    for module, template in panels():
        panel = getattr(module, "panel", None)
        if panel is not None:
            context.update(panel(request, project))
        templates.append(template)
    context.update(bound or {})
    context["credit_panels"] = templates
    return render(request, "credits/detail.html", context)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, visible_project(request, pk))
