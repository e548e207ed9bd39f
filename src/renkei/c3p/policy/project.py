"""Permission rules of the C3P stage's project part (issue 11): action -> rule(user, obj)."""

from __future__ import annotations

from types import MappingProxyType

RULES = MappingProxyType({})
