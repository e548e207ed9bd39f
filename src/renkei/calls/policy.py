"""Who may do what with calls and rounds: the calls, their rounds and deadlines are public; the
office announces (or clears) a round's budget, which 内示 and adoption count against.

``RULES`` maps each action this stage decides to its rule ``(user, obj) -> bool``;
``renkei.access.can`` composes the stages' rules.
"""

from __future__ import annotations

from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.calls.models import Round


def _set_round_budget(user: Any, obj: Any) -> bool:
    return isinstance(obj, Round) and role_of(user) == Role.OFFICE


RULES: dict[str, Rule] = {
    "set_round_budget": _set_round_budget,
}
