"""Accounts in the REST API: the office's account requests (JCM call 5.(1)②③). Mounted by
``renkei.api``; shared helpers from ``renkei.apikit``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["accounts"])
