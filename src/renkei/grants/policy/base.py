"""Who is who on a grant, for every part's rules: the office runs it; the representative
participant's applicants (代表事業者, the filer of record, 2.(4)② 注2, spec A-35) act for the
consortium; the partner participants' applicants see it; nobody else does (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.grants.models import Grant
from renkei.proposals.policy import consortium_of


def grants_for(user: Any) -> QuerySet[Grant]:
    """The grants the user may see: the office all, applicants their consortium's."""
    role = role_of(user)
    qs = Grant.objects.select_related(
        "selection__proposal__organisation", "selection__proposal__call"
    )
    if role == Role.OFFICE:
        return qs
    if role == Role.APPLICANT:
        return qs.filter(consortium_of(user, "selection__proposal__"))
    return qs.none()


def is_office(user: Any) -> bool:
    return role_of(user) == Role.OFFICE


def is_representative(user: Any, grant: Grant) -> bool:
    """An applicant of the representative participant of the grant's proposal."""
    return (
        role_of(user) == Role.APPLICANT
        and user.organisation_id == grant.selection.proposal.organisation_id
    )


def is_member(user: Any, grant: Grant) -> bool:
    """Sees the grant: the office, or an applicant of the consortium."""
    return grants_for(user).filter(pk=grant.pk).exists()


def sees(user: Any, obj: Any) -> bool:
    return isinstance(obj, Grant) and is_member(user, obj)
