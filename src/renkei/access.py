"""Who may see and do what: the one entry point where permissions are asked (issue 3, 'Roles').

Each stage app keeps its own rules in ``<app>/policy.py`` (a ``RULES`` table from action to a
rule ``(user, obj) -> bool``, and its selectors); this module only composes them, in the order
of the pipeline, and re-exports the selectors the rest of the platform uses. ``can`` answers yes
or no for an action on an object; selectors take the viewer and return only what that viewer
may see. Views, the API and services all ask here, and the permission-matrix tests walk every
role through every page and operation.

Arrows point one way: this module imports the policies; a policy imports only earlier stages'
policies and models, never this module (tests/architecture checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from renkei.accounts import policy as accounts_policy
from renkei.accounts.policy import Rule, account_requests_for, role_of
from renkei.adoption import policy as adoption_policy
from renkei.adoption.policy import pins_for
from renkei.c3p import policy as c3p_policy
from renkei.calls import policy as calls_policy
from renkei.credits import policy as credits_policy
from renkei.credits.policy import projects_for
from renkei.grants import policy as grants_policy
from renkei.grants.policy import grants_for
from renkei.monitoring import policy as monitoring_policy
from renkei.monitoring.policy import periods_for, plans_for
from renkei.proposals import policy as proposals_policy
from renkei.proposals.policy import (
    EDITABLE,
    is_representative,
    preregistrations_for,
    proposals_for,
)
from renkei.reviews import policy as reviews_policy
from renkei.reviews.policy import assignments_for, screening_passed

__all__ = [
    "EDITABLE",
    "RULES",
    "account_requests_for",
    "assignments_for",
    "can",
    "grants_for",
    "is_representative",
    "periods_for",
    "pins_for",
    "plans_for",
    "preregistrations_for",
    "projects_for",
    "proposals_for",
    "role_of",
    "screening_passed",
]


def _compose(*policies: Any) -> Mapping[str, Rule]:
    """One table of every stage's rules; an action decided by two stages is a mistake."""
    rules: dict[str, Rule] = {}
    for policy in policies:
        for action, rule in policy.RULES.items():
            if action in rules:
                raise RuntimeError(f"{action!r} is decided by two policies ({policy.__name__})")
            rules[action] = rule
    return MappingProxyType(rules)


RULES = _compose(
    accounts_policy,
    calls_policy,
    proposals_policy,
    reviews_policy,
    adoption_policy,
    grants_policy,
    monitoring_policy,
    credits_policy,
    c3p_policy,
)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (on ``obj``)? An action no stage decides is refused."""
    rule = RULES.get(action)
    return rule is not None and rule(user, obj)
