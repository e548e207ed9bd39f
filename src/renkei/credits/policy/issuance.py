"""Permission rules of the credits stage's issuance part (issue 10): action -> rule(user, obj)."""

from __future__ import annotations

from types import MappingProxyType

RULES = MappingProxyType({})
