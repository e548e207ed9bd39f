"""The C3P activity part's pages (issue 11)."""

from __future__ import annotations

urlpatterns: list = []
