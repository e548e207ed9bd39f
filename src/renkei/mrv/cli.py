"""The ``renkei mrv`` commands (issue 9), each with ``--json``; exit codes as the ``rules``
commands: 0 done, 1 the data fails a rule (e.g. quality findings that change the result),
2 bad input (a message saying what was wrong and what would be right, no traceback).

``methodologies`` and ``compute`` live in ``renkei.mrv.cli_compute``; ``check`` in
``renkei.mrv.cli_check``."""

from __future__ import annotations

from typing import Any

import click

from renkei.mrv.types import MrvError

EXIT_OK, EXIT_FAILS_RULE, EXIT_BAD_INPUT = 0, 1, 2


class _MrvGroup(click.Group):
    """Turns the MRV core's errors into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MrvError as exc:
            click.echo(f"renkei: error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_MrvGroup)
def mrv() -> None:
    """Monitoring, reporting and verification: methodologies, reductions, data quality."""


def _register() -> None:
    from renkei.mrv import cli_check, cli_compute

    for module in (cli_compute, cli_check):
        for command in module.COMMANDS:
            mrv.add_command(command)


_register()
