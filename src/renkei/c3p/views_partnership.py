"""The C3P stage's partnership pages (issue 11)."""

from __future__ import annotations

urlpatterns: list = []
