"""The office's view of the whole portfolio of grants."""

from __future__ import annotations

from typing import Any

urlpatterns: list[Any] = []
