"""What every part of the monitoring stage shares: the permission check and fresh rows under
lock. Each service: ``require`` → ``transaction.atomic()`` → ``locked_*`` → change → audit
(``renkei.audit.services.audit_record``) → notices with ``transaction.on_commit``."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from renkei import access
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan
from renkei.services import NotAllowed

__all__ = ["locked", "locked_period", "locked_plan", "require"]


def require(user: Any, action: str, obj: Any) -> None:
    """Refuse unless ``renkei.access.can`` allows it."""
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def locked(obj: Model) -> Any:
    """The object's row, fresh and locked for the rest of the transaction."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def locked_plan(plan: MonitoringPlan | int) -> MonitoringPlan:
    pk = plan.pk if isinstance(plan, MonitoringPlan) else plan
    return (
        MonitoringPlan.objects.select_for_update()
        .select_related("grant__selection__proposal")
        .get(pk=pk)
    )


def locked_period(period: MonitoringPeriod | int) -> MonitoringPeriod:
    pk = period.pk if isinstance(period, MonitoringPeriod) else period
    return MonitoringPeriod.objects.select_for_update().select_related("plan__grant").get(pk=pk)
