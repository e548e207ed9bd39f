"""Rules of the grant's award part (see renkei.grants.models.award)."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
