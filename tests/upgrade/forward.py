"""Run by tests/web/test_ops_upgrade.py in a subprocess, with the current code and
``DATABASE_URL`` pointing at a scratch database (a copy of a release's demo dump on SQLite, an
empty database on PostgreSQL):

    python tests/upgrade/forward.py prepare DUMP.sqlite3 SIDECAR.json   (PostgreSQL only)
    python tests/upgrade/forward.py forward

``prepare`` migrates the empty database to exactly the migrations the release had applied and
copies the dump's rows into it table by table with plain SQL (the current models do not
describe the old schema, so dumpdata/loaddata cannot); ``forward`` runs ``migrate`` as an
operator would, then checks the result. Each prints one JSON line after ``RESULT:``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import traceback
from io import StringIO
from pathlib import Path

import django

MARK = "RESULT:"


def _report(result: dict) -> None:
    # on a line of its own (a failed migration leaves "Applying x..." without its newline)
    print("\n" + MARK + json.dumps(result, sort_keys=True), flush=True)


def _table_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        quote = connection.ops.quote_name
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _applied(connection) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        applied: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


def prepare(dump: str, sidecar: str) -> None:
    """PostgreSQL: the release's schema, then its rows."""
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor

    meta = json.loads(Path(sidecar).read_text(encoding="utf-8"))
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    # the release's applied migrations that no other one of them follows: migrating to these
    # applies exactly the release's set (a migration the current code no longer has, squashed
    # away, cannot be replayed: the test then finds the applied sets differ)
    applied = {
        (app, name)
        for app, names in meta["applied_migrations"].items()
        for name in names
        if (app, name) in graph.nodes
    }
    targets = sorted(
        key for key in applied if not any(c.key in applied for c in graph.node_map[key].children)
    )
    executor.migrate(targets)  # no post_migrate: the content types come from the dump

    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    tables = [
        name
        for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'django_migrations' ORDER BY name"
        )
    ]
    quote = connection.ops.quote_name
    copied = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")  # SQLite keeps UTC times without a zone
        # rows the migrations themselves wrote (data migrations) give way to the dump's
        cursor.execute(
            "TRUNCATE " + ", ".join(quote(t) for t in tables) + " RESTART IDENTITY CASCADE"
        )
        # one query for every column (information_schema is slow to ask table by table)
        cursor.execute(
            "SELECT table_name, column_name, data_type, "
            "is_identity = 'YES' OR column_default LIKE 'nextval%%' "
            "FROM information_schema.columns WHERE table_schema = current_schema()"
        )
        schema: dict[str, dict[str, tuple[str, bool]]] = {}
        for table, column, data_type, numbered in cursor.fetchall():
            schema.setdefault(table, {})[column] = (data_type, numbered)
        for table in tables:
            if table not in schema:
                raise SystemExit(
                    f"table {table} of the dump is not in the schema migrated to the release's "
                    "migrations"
                )
            types = {column: data_type for column, (data_type, _) in schema[table].items()}
            rows = source.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in rows.description]
            missing = [c for c in columns if c not in types]
            if missing:
                raise SystemExit(
                    f"{table}: columns {missing} of the dump are not in the schema migrated to "
                    "the release's migrations"
                )
            convert = [_converter(types[c]) for c in columns]
            values = [
                [f(v) if v is not None else None for f, v in zip(convert, row, strict=True)]
                for row in rows
            ]
            if values:
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    values,
                )
            copied[table] = len(values)
            # the sequences go on after the copied ids (what sqlsequencereset does per model)
            for column in (c for c in columns if schema[table][c][1]):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                    f"COALESCE(MAX({quote(column)}), 1), MAX({quote(column)}) IS NOT NULL) "
                    f"FROM {quote(table)}",
                    [quote(table), column],
                )
    _report({"applied": _applied(connection), "copied": copied})


def _converter(data_type: str):
    if data_type == "boolean":
        return bool
    if data_type == "interval":  # Django keeps a DurationField as microseconds in SQLite
        return lambda v: dt.timedelta(microseconds=v)
    return lambda v: v


def _sequences_behind(connection) -> dict[str, list[int]]:
    """PostgreSQL: id sequences whose next value is an id a row already has (the next insert
    would fail); SQLite numbers rows after the largest id by itself."""
    if connection.vendor != "postgresql":
        return {}
    quote = connection.ops.quote_name
    behind = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), "
            "column_name) FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')"
        )
        for table, column, sequence in cursor.fetchall():
            cursor.execute(
                f"SELECT (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
                f"FROM {sequence}), MAX({quote(column)}) FROM {quote(table)}"
            )
            following, largest = cursor.fetchone()
            if largest is not None and following <= largest:
                behind[f"{table}.{column}"] = [following, largest]
    return behind


def forward() -> None:
    """What an operator runs, then what the test checks."""
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = _table_counts(connection)
    try:
        call_command("migrate", interactive=False, verbosity=1)
    except Exception as error:  # the test shows which migration failed and why
        _report(
            {
                "failed": "migrate",
                "error": "".join(traceback.format_exception_only(error)).strip(),
                "traceback": traceback.format_exc(limit=-4),
            }
        )
        return
    executor = MigrationExecutor(connection)
    unapplied = [
        f"{m.app_label}.{m.name}"
        for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    checks = StringIO()
    check_error = None
    try:
        call_command("check", stdout=checks, stderr=checks)
    except Exception as error:
        check_error = str(error)
    queries = {}
    for model in apps.get_models():
        try:
            rows = list(model._default_manager.all()[:5])
            for row in rows:  # every field read back through the current model
                for field in model._meta.concrete_fields:
                    getattr(row, field.attname)
                str(row)
            queries[model._meta.label] = len(rows)
        except Exception as error:
            queries[model._meta.label] = f"{type(error).__name__}: {error}"
    _report(
        {
            "sequences_behind": _sequences_behind(connection),
            "before": before,
            "after": _table_counts(connection),
            "unapplied": unapplied,
            "check": check_error or checks.getvalue().strip(),
            "check_failed": check_error is not None,
            "queries": queries,
        }
    )


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    else:
        forward()
