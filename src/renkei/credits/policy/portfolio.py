"""Permission rules of the credits stage's portfolio part (issue 10): the portfolio against
Japan's targets is the office's (MOEJ works with the office role); anyone else gets 404. The
public pages and the open data need no rule: they hold nothing that is not public."""

from __future__ import annotations

from types import MappingProxyType

from renkei.credits.policy.base import is_office

RULES = MappingProxyType(
    {
        "view_credits_portfolio": lambda user, obj=None: is_office(user),
    }
)
