"""The monitoring stage's annual part in the REST API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["monitoring"])
