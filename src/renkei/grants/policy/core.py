"""Rules of the grant itself: seeing it, opening it from an adopted selection."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.adoption.models import Selection, SelectionState
from renkei.calls.models import Program
from renkei.grants.policy.base import is_office, sees
from renkei.proposals.policy import is_representative as is_proposal_representative


def _open_grant(user: Any, obj: Any) -> bool:
    """The representative (or the office) opens the grant application of an adopted JCM
    selection that has none yet (4.(1))."""
    if not isinstance(obj, Selection) or obj.state != SelectionState.ADOPTED:
        return False
    if obj.proposal.call.program != Program.JCM or hasattr(obj, "grant"):
        return False
    return is_office(user) or is_proposal_representative(user, obj.proposal)


RULES: dict[str, Rule] = {
    "view_grant": sees,
    "open_grant": _open_grant,
    "list_grants": lambda user, obj: is_office(user),
}
