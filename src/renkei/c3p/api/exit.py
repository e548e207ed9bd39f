"""The C3P exit part in the REST API (issue 11)."""

from __future__ import annotations

from ninja import Router

router = Router()
