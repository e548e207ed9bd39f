"""The grant's schedule part in the REST API (see ``renkei.grants.services.schedule``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["grants"])
