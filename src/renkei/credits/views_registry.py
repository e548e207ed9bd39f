"""The credits stage's registry pages (issue 10)."""

from __future__ import annotations

urlpatterns: list = []
