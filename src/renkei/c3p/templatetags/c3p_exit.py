"""The C3P exit part's pieces of other parts' pages (issue 11): the exits panel of a C3P project's
page and the "prepared under the C3P project" note of a JCM proposal's page. Each is one include
line in the host template; what it shows is decided here, with the viewer's permissions."""

from __future__ import annotations

from typing import Any

from django import template

from renkei import access
from renkei.c3p import selectors_exit as selectors
from renkei.c3p.models import C3pExit
from renkei.c3p.services.exit import scheme_name
from renkei.rules.c3p.exits import STATUSES, may_move

register = template.Library()


@register.inclusion_tag("c3p/exit/panel_body.html", takes_context=True)
def c3p_exit_panel(context: dict[str, Any], project: Any) -> dict[str, Any]:
    user = context["request"].user
    if not access.can(user, "view_c3p_exits", project):
        return {"show": False}
    exits = selectors.exits_of(project)
    for e in exits["jcm"]:
        # a draft is its organisation's own: others see that it exists, not what it says
        e.readable = access.can(user, "view", e.proposal)
    for e in exits["schemes"]:
        e.name = scheme_name(e)
        e.can_change = access.can(user, "change_c3p_exit", e)
        e.next_statuses = [(s, C3pExit.Status(s).label) for s in STATUSES if may_move(e.status, s)]
    return {
        "show": True,
        "project": project,
        "jcm": exits["jcm"],
        "schemes": exits["schemes"],
        "can_start": access.can(user, "start_c3p_jcm_exit", project),
        "can_record": access.can(user, "record_c3p_exit", project),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("c3p/exit/origin_body.html", takes_context=True)
def c3p_origin_note(context: dict[str, Any], proposal: Any) -> dict[str, Any]:
    project = proposal.c3p_origin if proposal.c3p_origin_id else None
    if project is None:
        return {"project": None}
    user = context["request"].user
    exit_ = C3pExit.objects.filter(proposal=proposal).first()
    return {
        "project": project,
        "linked": access.can(user, "view_c3p_exits", project),
        "prefilled": exit_.prefilled if exit_ is not None else [],
    }
