"""Permission rules of the monitoring stage's period part (monitoring periods and their
monitoring reports, JCM 2.(1)③): the representative participant's applicants create, compute,
submit and correct them (2.(4)② 注2, spec A-35); whoever sees a period (the office, the
consortium's applicants, the TPE it is assigned to) reads it and downloads its report. ``obj`` is
the plan (create) or the period."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan
from renkei.monitoring.policy.base import is_filer, periods_for, plans_for


def _sees_period(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPeriod) and periods_for(user).filter(pk=obj.pk).exists()


def _files_plan(user: Any, obj: Any) -> bool:
    return (
        isinstance(obj, MonitoringPlan)
        and plans_for(user).filter(pk=obj.pk).exists()
        and is_filer(user, obj)
    )


def _files_period(user: Any, obj: Any) -> bool:
    return _sees_period(user, obj) and is_filer(user, obj.plan)


RULES: dict[str, Rule] = {
    "view_monitoring_period": _sees_period,
    "create_monitoring_period": _files_plan,
    "compute_monitoring_period": _files_period,
    "submit_monitoring_period": _files_period,
    "correct_monitoring_period": _files_period,
}
