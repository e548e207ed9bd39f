"""The grant's closing pages and its panel on the grant's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from renkei.grants.models import Grant

urlpatterns: list[Any] = []


def panel(request: HttpRequest, grant: Grant) -> dict[str, Any]:
    """Context for ``grants/closing/_panel.html`` on the grant's page."""
    return {}
