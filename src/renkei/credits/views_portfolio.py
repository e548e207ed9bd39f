"""The credits stage's portfolio pages (issue 10)."""

from __future__ import annotations

urlpatterns: list = []
