"""The monitoring stage in the REST API: one router per part (``plan``, ``intake``, ``period``,
``verification``, ``annual``), all through the same services and access policy as the pages.
Mounted by ``renkei.api``."""

from __future__ import annotations

from ninja import Router

from renkei.monitoring.api import annual, intake, period, plan, verification

router = Router(tags=["monitoring"])
for _part in (plan, intake, period, verification, annual):
    router.add_router("/", _part.router)
