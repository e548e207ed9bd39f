"""The C3P stage in the REST API: one router per part (``partnership``, ``project``,
``matching``), through the same services and access policy as the pages. Mounted by
``renkei.api``."""

from __future__ import annotations

from ninja import Router

from renkei.c3p.api import activity, exit, matching, partnership, project

router = Router(tags=["c3p"])
for _part in (partnership, project, matching, exit, activity):
    router.add_router("/", _part.router)
