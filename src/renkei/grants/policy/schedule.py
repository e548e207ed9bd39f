"""Rules of the grant's schedule part (see renkei.grants.models.schedule)."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
