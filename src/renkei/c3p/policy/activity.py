"""Who may see and do what in the C3P activity part (issue 11; C3P Table 3, §2.3).

- The lead organisation's applicants (``policy.project.is_lead``) plan the year's activities,
  mark them done or cancelled, and submit the monthly reports (Table 3 (2)).
- The office (MOEJ's C3P office, which receives the monthly reports: spec §3.8) acknowledges
  them, records the due day the guidebook leaves open (spec §5 B-11) and sees every project's
  calendar.
- The consortium's other applicants see their projects' activities, reports and calendar,
  read-only (as in the project part). Nobody else sees anything.
``obj`` is a ``C3pProject``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import role_of
from renkei.c3p.policy.project import is_lead, projects_for


def _office_on(user: Any, obj: Any = None) -> bool:
    from renkei.c3p.models import C3pProject

    return isinstance(obj, C3pProject) and role_of(user) == Role.OFFICE


def _calendar(user: Any, obj: Any = None) -> bool:
    role = role_of(user)
    return role == Role.OFFICE or (role == Role.APPLICANT and projects_for(user).exists())


RULES = MappingProxyType(
    {
        "plan_c3p_activity": is_lead,  # plan, done, cancel, monthly reports
        "review_c3p_monthly": _office_on,  # acknowledge, the due day
        "view_c3p_calendar": _calendar,  # the office: every project; others: their own
    }
)
