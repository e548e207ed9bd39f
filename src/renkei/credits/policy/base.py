"""Who is who in the credits stage: the office sees every JCM project; the applicants of the
grant's consortium see their project's; a Joint Committee contact sees the projects of its
country once their registration has been requested; a TPE verifier sees the projects whose
validation the office assigned to its organisation (2.(1)①); a registry administrator sees the
ledger; nobody else sees anything (404). Each part's rules (``cycle``, ``issuance``, ``registry``,
``portfolio``) build on these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.credits.models import JcmProject, ProjectState
from renkei.grants.policy import grants_for, is_representative

__all__ = ["is_filer", "is_jc_of", "is_office", "is_registry", "projects_for"]

# states in which the Joint Committee has the project before it
WITH_JOINT_COMMITTEE = (
    ProjectState.REGISTRATION_REQUESTED,
    ProjectState.REGISTERED,
    ProjectState.REJECTED,
)


def projects_for(user: Any) -> QuerySet[JcmProject]:
    role = role_of(user)
    qs = JcmProject.objects.select_related("plan__grant__selection__proposal")
    if role in (Role.OFFICE, Role.APPLICANT):
        return qs.filter(plan__grant__in=grants_for(user))
    if role == Role.JOINT_COMMITTEE:
        return qs.filter(
            state__in=WITH_JOINT_COMMITTEE,
            plan__grant__selection__proposal__country=user.country,
        )
    if role == Role.REGISTRY:
        return qs.filter(state=ProjectState.REGISTERED)
    if role == Role.VERIFIER:
        if user.organisation_id is None:
            return qs.none()
        return qs.filter(validation_assignment__tpe_id=user.organisation_id)
    return qs.none()


def is_office(user: Any) -> bool:
    return role_of(user) == Role.OFFICE


def is_registry(user: Any) -> bool:
    return role_of(user) == Role.REGISTRY


def is_filer(user: Any, project: JcmProject) -> bool:
    """An applicant of the representative participant of the project's grant."""
    return is_representative(user, project.plan.grant)


def is_jc_of(user: Any, project: JcmProject) -> bool:
    """The Joint Committee contact of the project's (partner) country."""
    return (
        role_of(user) == Role.JOINT_COMMITTEE
        and bool(user.country)
        and project.plan.grant.selection.proposal.country == user.country
    )
