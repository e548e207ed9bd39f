"""The C3P exit part's pages (issue 11)."""

from __future__ import annotations

urlpatterns: list = []
