"""The credits stage's portfolio part in the REST API (issue 10)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["credits"])
