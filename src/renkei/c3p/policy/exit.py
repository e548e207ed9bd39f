"""Who may see and do what in the C3P exit part (issue 11)."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
