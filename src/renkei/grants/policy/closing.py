"""Rules of the grant's closing part (see renkei.grants.models.closing)."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
