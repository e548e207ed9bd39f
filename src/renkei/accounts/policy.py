"""Who may do what with accounts (JCM call 5.(1)②③): anyone requests an account, the office
issues it. Also the caller's role, which every later stage's rules start from.

``RULES`` maps each action this stage decides to its rule ``(user, obj) -> bool``;
``renkei.access.can`` composes the stages' rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from renkei.accounts.models import Role

Rule = Callable[[Any, Any], bool]


def role_of(user: Any) -> str | None:
    """The user's role, or None for an anonymous caller."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def anyone(user: Any, obj: Any) -> bool:
    """A public form: anyone, logged in or not."""
    return True


def _office(user: Any, obj: Any) -> bool:
    return role_of(user) == Role.OFFICE


RULES: dict[str, Rule] = {
    "request_account": anyone,  # public form (5.(1)②)
    "issue_account": _office,  # 5.(1)③
}
