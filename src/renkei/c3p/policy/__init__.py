"""Who may see and do what in the C3P stage (issue 11): one ``RULES`` table per part, merged
here; ``renkei.access`` composes it with the other stages'."""

from __future__ import annotations

from types import MappingProxyType

from renkei.accounts.policy import Rule
from renkei.c3p.policy import activity, exit, matching, partnership, project

__all__ = ["RULES"]


def _merge(*parts) -> MappingProxyType:
    rules: dict[str, Rule] = {}
    for part in parts:
        for action, rule in part.RULES.items():
            if action in rules:
                raise RuntimeError(f"{action!r} is decided by two parts ({part.__name__})")
            rules[action] = rule
    return MappingProxyType(rules)


RULES = _merge(partnership, project, matching, exit, activity)
