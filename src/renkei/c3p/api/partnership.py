"""The C3P stage's partnership part in the REST API (issue 11)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["c3p"])
