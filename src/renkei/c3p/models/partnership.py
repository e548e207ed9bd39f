"""The C3P stage's partnership records (issue 11)."""

from __future__ import annotations
