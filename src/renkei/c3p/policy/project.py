"""Permission rules of the C3P stage's project part (guidebook BOX 6: "contracts are concluded
between the lead organisation (one company) and the Ministry of the Environment").

- The office (MOEJ's C3P office) sees every project and runs the contract side: it creates the
  project from an adopted proposal, signs each year's contract after its cost review, reduces or
  suspends mid-year, closes a year and opens the next (renewal, phase 2).
- The lead organisation's applicants (the proposal's representative participant) file the
  implementation plan, activities, settlement reports and the year-end reports.
- The consortium's other applicants (partner participants linked to the proposal: the Japanese
  municipality's and the partner city's accounts when they are applicants of the consortium)
  see the project, read-only. No separate municipality or partner-city role is needed for this
  part: the guidebook gives them no filing of their own in the contract (BOX 6: "Coordination
  with the lead organisation is required to determine the role of Japanese municipalities").
- Nobody else sees anything (404). ``obj`` is a ``C3pProject`` (or a proposal for ``create``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.c3p.models import C3pProject
from renkei.proposals.policy import consortium_of

__all__ = ["RULES", "is_lead", "projects_for"]


def projects_for(user: Any) -> QuerySet[C3pProject]:
    role = role_of(user)
    qs = C3pProject.objects.select_related(
        "proposal__organisation", "proposal__call", "proposal__selection"
    )
    if role == Role.OFFICE:
        return qs
    if role == Role.APPLICANT:
        return qs.filter(consortium_of(user, "proposal__"))
    return qs.none()


def _office(user: Any, obj: Any = None) -> bool:
    return role_of(user) == Role.OFFICE


def _sees(user: Any, obj: Any) -> bool:
    if not isinstance(obj, C3pProject):
        return False
    if role_of(user) == Role.OFFICE:
        return True
    return role_of(user) == Role.APPLICANT and projects_for(user).filter(pk=obj.pk).exists()


def is_lead(user: Any, obj: Any) -> bool:
    """An applicant of the lead organisation (the proposal's representative participant)."""
    return (
        isinstance(obj, C3pProject)
        and role_of(user) == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id == obj.proposal.organisation_id
    )


def _office_on(user: Any, obj: Any) -> bool:
    return isinstance(obj, C3pProject) and _office(user)


RULES = MappingProxyType(
    {
        "view_c3p_project": _sees,
        "view_c3p_projects": _office,  # the office's dashboard
        "create_c3p_project": lambda user, obj=None: _office(user),
        "file_c3p_project": is_lead,  # plan, activities, settlements, year-end reports
        "run_c3p_contract": _office_on,  # contract, reduction, suspension, close, renewal
    }
)
