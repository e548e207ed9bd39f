"""Permission rules of the monitoring stage's annual part: the project's reductions by period and
year (the chart) and its annual 事業報告書 are seen by the office and the consortium's applicants;
the representative participant's applicants file the report (2.(4)② 注2, spec A-35); the MRV
portfolio is the office's. A TPE verifier sees neither (it verifies periods, not the grant's
reports to MOEJ); nobody else sees anything (404). ``obj`` is the monitoring plan."""

from __future__ import annotations

from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.policy.base import is_filer, is_office, plans_for


def _sees(user: Any, obj: Any) -> bool:
    if not isinstance(obj, MonitoringPlan):
        return False
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    return role == Role.APPLICANT and plans_for(user).filter(pk=obj.pk).exists()


def _filer(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and is_filer(user, obj)


RULES: dict[str, Rule] = {
    "view_monitoring_annual": _sees,
    "submit_monitoring_annual_report": _filer,
    "view_monitoring_portfolio": lambda user, obj=None: is_office(user),
}
