"""The C3P stage's project records (issue 11)."""

from __future__ import annotations
