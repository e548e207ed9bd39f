"""The grant's award part in the REST API (see ``renkei.grants.services.award``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["grants"])
