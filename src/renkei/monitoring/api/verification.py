"""The monitoring stage's verification part in the REST API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["monitoring"])
