"""``{% monitoring_plan_of grant as mp %}``: the grant's monitoring plan as the viewer may reach
it from the grant's page (the plan if visible, or whether the viewer may create it now)."""

from __future__ import annotations

from typing import Any

from django import template

from renkei import access
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.policy import plans_for
from renkei.monitoring.services.plan import AFTER_COMPLETION

register = template.Library()


@register.simple_tag(takes_context=True)
def monitoring_plan_of(context: Any, grant: Any) -> dict[str, Any] | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or grant is None:
        return None
    plan = plans_for(user).filter(grant=grant).first()
    if plan is not None:
        return {"plan": plan}
    if MonitoringPlan.objects.filter(grant=grant).exists():
        return None
    may = access.can(user, "create_monitoring_plan", grant)
    ready = grant.state in AFTER_COMPLETION and grant.operation_started_on is not None
    return {"create": may and ready, "waiting": may and not ready} if may else None
