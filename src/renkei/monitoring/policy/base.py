"""Who is who in monitoring: the office sees every plan; the applicants of the grant's
consortium see their project's (the representative participant's applicants file: 2.(4)② 注2,
spec A-35); a TPE verifier (role ``verifier``, its organisation the TPE) sees only the periods
assigned to its organisation, and their plan read-only; nobody else sees anything (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.grants.policy import grants_for, is_representative
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan

__all__ = [
    "is_filer",
    "is_office",
    "is_verifier_of",
    "periods_for",
    "plans_for",
]


def plans_for(user: Any) -> QuerySet[MonitoringPlan]:
    role = role_of(user)
    qs = MonitoringPlan.objects.select_related("grant__selection__proposal")
    if role in (Role.OFFICE, Role.APPLICANT):
        return qs.filter(grant__in=grants_for(user))
    if role == Role.VERIFIER:
        return qs.filter(periods__assignment__tpe_id=user.organisation_id).distinct()
    return qs.none()


def periods_for(user: Any) -> QuerySet[MonitoringPeriod]:
    role = role_of(user)
    qs = MonitoringPeriod.objects.select_related("plan__grant")
    if role in (Role.OFFICE, Role.APPLICANT):
        return qs.filter(plan__grant__in=grants_for(user))
    if role == Role.VERIFIER:
        return qs.filter(assignment__tpe_id=user.organisation_id)
    return qs.none()


def is_office(user: Any) -> bool:
    return role_of(user) == Role.OFFICE


def is_filer(user: Any, plan: MonitoringPlan) -> bool:
    """An applicant of the representative participant of the plan's grant."""
    return is_representative(user, plan.grant)


def is_verifier_of(user: Any, period: MonitoringPeriod) -> bool:
    return (
        role_of(user) == Role.VERIFIER
        and user.organisation_id is not None
        and hasattr(period, "assignment")
        and period.assignment.tpe_id == user.organisation_id
    )
