"""The C3P stage's matching records (issue 11)."""

from __future__ import annotations
