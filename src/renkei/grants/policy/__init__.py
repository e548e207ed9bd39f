"""Who may see and do what on a grant (JCM call 4.): the rules of each part of the stage, in
one ``RULES`` table that ``renkei.access`` composes with the other stages'. The parts' modules
(``core``, ``award``, ``closing``, ``schedule``) each keep their own table; an action decided by
two parts fails at import, as between stages."""

from __future__ import annotations

from types import MappingProxyType

from renkei.accounts.policy import Rule
from renkei.grants.policy import award, closing, core, portfolio, schedule
from renkei.grants.policy.base import grants_for, is_member, is_office, is_representative

__all__ = ["RULES", "grants_for", "is_member", "is_office", "is_representative"]


def _merge(*parts) -> MappingProxyType:
    rules: dict[str, Rule] = {}
    for part in parts:
        for action, rule in part.RULES.items():
            if action in rules:
                raise RuntimeError(f"{action!r} is decided by two parts ({part.__name__})")
            rules[action] = rule
    return MappingProxyType(rules)


RULES = _merge(core, award, closing, schedule, portfolio)
