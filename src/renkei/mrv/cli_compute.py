"""``renkei mrv methodologies`` and ``renkei mrv compute`` (owned by the core helper)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
