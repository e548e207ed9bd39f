"""Rules of the grant's schedule part (see renkei.grants.models.schedule): everyone who sees a
grant sees its due dates; the office sees every grant's on its calendar and marks done a due
date that no record of the stage closes (e.g. the JCM registration)."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.grants.models import Grant, GrantDeadline
from renkei.grants.policy.base import is_office, sees


def _view_deadlines(user: Any, obj: Any) -> bool:
    return isinstance(obj, Grant) and sees(user, obj)


def _mark_done(user: Any, obj: Any) -> bool:
    """The office, on a due date still open (the service says why a closed one is refused)."""
    return isinstance(obj, GrantDeadline) and is_office(user)


RULES: dict[str, Rule] = {
    "view_grant_deadlines": _view_deadlines,
    "view_deadline_calendar": lambda user, obj: is_office(user),
    "mark_deadline_done": _mark_done,
}
