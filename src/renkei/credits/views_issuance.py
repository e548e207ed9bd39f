"""The credits stage's issuance pages (issue 10)."""

from __future__ import annotations

urlpatterns: list = []
