"""The grant application, the office's pre-check, the decision and implementation (JCM
4.(1)–(4), 4.(6)①, 4.(10)). See ``renkei.grants.models.award``."""

from __future__ import annotations

from typing import Any

from renkei.grants.models import Grant


def application_create(*, actor: Any, grant: Grant) -> None:
    """Create the grant's application and its first version, the budget by fiscal year and
    category prefilled from the adopted proposal version (called by ``core.grant_open`` inside
    its transaction)."""
    raise NotImplementedError("award part: to be written")
