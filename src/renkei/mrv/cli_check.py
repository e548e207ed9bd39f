"""``renkei mrv check FILE``: a monitoring data file's quality findings (owned by the data
helper)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
