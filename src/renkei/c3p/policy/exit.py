"""Who may see and do what in the C3P exit part (issue 11; guidebook §1.2, §2.3, Ref. Tables 7
and 8).

- Who sees a C3P project (the office; the lead organisation's and the consortium's applicants:
  ``policy.project``) sees its exits: the linked JCM proposals and the exits into other schemes.
- A member (applicant) of the project's lead organisation starts the linked JCM Model Project
  proposal (C3P §2.3: "private companies take the lead in conducting needed studies"; JCM 2.(4)
  the representative participant applies), records exits into other schemes and moves their
  status. The draft is the lead organisation's own: nobody starts one for another organisation,
  and the consortium's other organisations join it only by accepting an invitation (JCM 5.(1)).
- The office sees the funnel of the whole programme (partnerships → C3P projects → JCM proposals
  → adopted → credits); nobody else does.
- ``obj`` is a ``C3pProject`` (an exit's actions: a ``C3pExit``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.c3p.models import C3pExit, C3pProject
from renkei.c3p.policy.project import is_lead, projects_for

__all__ = ["RULES"]


def _sees_project(user: Any, obj: Any) -> bool:
    if not isinstance(obj, C3pProject):
        return False
    if role_of(user) == Role.OFFICE:
        return True
    return role_of(user) == Role.APPLICANT and projects_for(user).filter(pk=obj.pk).exists()


def _lead_of_project(user: Any, obj: Any) -> bool:
    return isinstance(obj, C3pProject) and is_lead(user, obj)


def _lead_of_exit(user: Any, obj: Any) -> bool:
    """An applicant of the organisation that recorded the exit, still the project's lead."""
    return (
        isinstance(obj, C3pExit)
        and is_lead(user, obj.project)
        and user.organisation_id == obj.organisation_id
    )


RULES = MappingProxyType(
    {
        "view_c3p_exits": _sees_project,
        "start_c3p_jcm_exit": _lead_of_project,
        "record_c3p_exit": _lead_of_project,
        "change_c3p_exit": _lead_of_exit,
        "view_c3p_funnel": lambda user, obj=None: role_of(user) == Role.OFFICE,
    }
)
