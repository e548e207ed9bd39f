"""Permission rules of the monitoring stage's plan part."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
