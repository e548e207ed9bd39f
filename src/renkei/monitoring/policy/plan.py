"""Permission rules of the monitoring stage's plan part: the plan is seen by the office, the
grant's consortium and a TPE verifier assigned to one of its periods (``plans_for``); the
representative participant's applicants create and edit it (2.(4)② 注2, spec A-35); the
office may also record the bilateral document's validity and the days not measurable; the
office loads the emission-factor table, which the office, applicants and verifiers read."""

from __future__ import annotations

from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.grants.models import Grant
from renkei.grants.policy import is_representative
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.policy.base import is_filer, is_office, plans_for


def _sees(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and plans_for(user).filter(pk=obj.pk).exists()


def _filer(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and is_filer(user, obj)


def _filer_or_office(user: Any, obj: Any) -> bool:
    return _filer(user, obj) or (isinstance(obj, MonitoringPlan) and is_office(user))


def _creates(user: Any, obj: Any) -> bool:
    return isinstance(obj, Grant) and is_representative(user, obj)


def _office(user: Any, obj: Any) -> bool:
    return is_office(user)


def _reads_factors(user: Any, obj: Any) -> bool:
    return role_of(user) in (Role.OFFICE, Role.APPLICANT, Role.VERIFIER)


RULES: dict[str, Rule] = {
    "view_monitoring_plan": _sees,
    "create_monitoring_plan": _creates,
    "update_monitoring_plan": _filer_or_office,
    "edit_monitoring_plan": _filer,
    "view_emission_factors": _reads_factors,
    "load_emission_factors": _office,
}
