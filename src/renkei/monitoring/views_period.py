"""The monitoring stage's period pages."""

from __future__ import annotations

from django.http import HttpRequest

urlpatterns: list = []


def panel(request: HttpRequest, plan) -> dict:
    """The context of this part's panel on the project's monitoring page."""
    return {}
