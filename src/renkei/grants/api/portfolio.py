"""The office's portfolio of grants in the REST API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["grants"])
