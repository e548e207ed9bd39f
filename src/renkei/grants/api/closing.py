"""The grant's closing part in the REST API (see ``renkei.grants.services.closing``)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["grants"])
