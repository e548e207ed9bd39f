"""Permission rules of the monitoring stage's annual part."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
