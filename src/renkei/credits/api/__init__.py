"""The credits stage in the REST API: one router per part (``cycle``, ``issuance``,
``registry``, ``portfolio``), all through the same services and access policy as the pages.
Mounted by ``renkei.api``."""

from __future__ import annotations

from ninja import Router

from renkei.credits.api import cycle, issuance, portfolio, registry

router = Router(tags=["credits"])
for _part in (cycle, issuance, registry, portfolio):
    router.add_router("/", _part.router)
