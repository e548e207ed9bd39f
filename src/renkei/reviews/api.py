"""Screening and review in the REST API (JCM 別添2 3.(1)–(2); C3P 3.2–3.4). Mounted by
``renkei.api``; shared helpers from ``renkei.apikit``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reviews"])
