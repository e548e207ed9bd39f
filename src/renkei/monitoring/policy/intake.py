"""Permission rules of the monitoring stage's intake part (``obj`` is the plan): who sees the
plan sees its uploads and their results (the office, the consortium's applicants, a TPE verifier
of one of its periods: read-only); only the representative participant's applicants upload
(2.(4)② 注2, spec A-35)."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.policy.base import is_filer, plans_for


def _sees(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and plans_for(user).filter(pk=obj.pk).exists()


def _filer(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and is_filer(user, obj)


RULES: dict[str, Rule] = {
    "view_monitoring_data": _sees,
    "upload_monitoring_data": _filer,
}
