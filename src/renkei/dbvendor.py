"""SQL that differs by database: the triggers that hold an invariant in the database itself
(monitoring's frozen verified periods, the append-only audit trail, and later the credit
registry's), written once per vendor and run by a migration."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def per_vendor(statements: Mapping[str, Sequence[str]]) -> Callable[[Any, Any], None]:
    """A ``RunPython`` function that executes the statements of the migrating database's vendor
    (``"postgresql"``, ``"sqlite"``), in order; a vendor not listed runs nothing."""

    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run
