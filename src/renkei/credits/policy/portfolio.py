"""Permission rules of the credits stage's portfolio part (issue 10): action -> rule(user, obj)."""

from __future__ import annotations

from types import MappingProxyType

RULES = MappingProxyType({})
