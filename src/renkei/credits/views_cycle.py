"""The credits stage's cycle pages (issue 10)."""

from __future__ import annotations

urlpatterns: list = []
