"""Who may see and do what in monitoring (issue 9): one ``RULES`` table per part of the stage,
merged here; ``renkei.access`` composes it with the other stages'."""

from __future__ import annotations

from types import MappingProxyType

from renkei.accounts.policy import Rule
from renkei.monitoring.policy import annual, intake, period, plan, verification
from renkei.monitoring.policy.base import (
    is_filer,
    is_office,
    is_verifier_of,
    periods_for,
    plans_for,
)

__all__ = ["RULES", "is_filer", "is_office", "is_verifier_of", "periods_for", "plans_for"]


def _merge(*parts) -> MappingProxyType:
    rules: dict[str, Rule] = {}
    for part in parts:
        for action, rule in part.RULES.items():
            if action in rules:
                raise RuntimeError(f"{action!r} is decided by two parts ({part.__name__})")
            rules[action] = rule
    return MappingProxyType(rules)


RULES = _merge(plan, intake, period, verification, annual)
