"""Rules of the office's portfolio of grants: the office's alone (everyone else: 404)."""

from __future__ import annotations

from renkei.accounts.policy import Rule
from renkei.grants.policy.base import is_office

RULES: dict[str, Rule] = {
    "view_grant_portfolio": lambda user, obj: is_office(user),
}
