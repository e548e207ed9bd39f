"""Who may see and do what in the credits stage (issue 10): one ``RULES`` table per part,
merged here; ``renkei.access`` composes it with the other stages'."""

from __future__ import annotations

from types import MappingProxyType

from renkei.accounts.policy import Rule
from renkei.credits.policy import cycle, issuance, portfolio, registry
from renkei.credits.policy.base import is_filer, is_jc_of, is_office, is_registry, projects_for

__all__ = ["RULES", "is_filer", "is_jc_of", "is_office", "is_registry", "projects_for"]


def _merge(*parts) -> MappingProxyType:
    rules: dict[str, Rule] = {}
    for part in parts:
        for action, rule in part.RULES.items():
            if action in rules:
                raise RuntimeError(f"{action!r} is decided by two parts ({part.__name__})")
            rules[action] = rule
    return MappingProxyType(rules)


RULES = _merge(cycle, issuance, registry, portfolio)
