"""Who may see and do what in the C3P activity part (issue 11)."""

from __future__ import annotations

from renkei.accounts.policy import Rule

RULES: dict[str, Rule] = {}
