"""Upgrades (issue 14): the current migrations run forward on the demo data of every release
dumped in tests/upgrade/data (made by scripts/release_dump.py when the release was cut).

On the database the suite runs on: with SQLite, a copy of the dump itself; with PostgreSQL (the
PostgreSQL pass of `make test`), a scratch database migrated to exactly the release's migrations
and filled with the dump's rows (tests/upgrade/forward.py prepare). Then `migrate` as an operator
runs it, in a subprocess with the current code, and: no migration left unapplied, every table's
rows kept, `check` clean, every model's first rows readable through the ORM."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "upgrade" / "data"
FORWARD = ROOT / "tests" / "upgrade" / "forward.py"
SIDECARS = sorted(DATA.glob("*.json"))

# tables the migrations fill themselves (new migrations, content types and permissions of new
# models): their rows may grow, never shrink
GROWING = {"django_migrations", "django_content_type", "auth_permission"}
# a migration that deliberately drops or merges rows names its table here, with why:
# {"<table>": "<migration>: <reason>"}
ROWS_CHANGED_ON_PURPOSE: dict[str, str] = {}


def _run(args: list[str], database_url: str, home: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RENKEI_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="renkei.web.settings",
        RENKEI_DEBUG="1",
        RENKEI_HOME=str(home),
        PYTHONPATH=str(ROOT / "src"),
    )
    result = subprocess.run(
        [sys.executable, str(FORWARD), *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT:")]
    assert result.returncode == 0 and lines, (
        f"{FORWARD.name} {args[0]} failed (exit {result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    report = json.loads(lines[-1].removeprefix("RESULT:"))
    report["output"] = result.stdout
    return report


def _postgres_scratch():
    """A scratch database beside the test database, and the URL to reach it."""
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_upgrade_{uuid.uuid4().hex[:8]}"
    server = dict(
        host=params["HOST"] or "localhost",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD']}@{server['host']}:{server['port']}/{name}"
    )
    return name, url, server, psycopg


def _failed_migration(output: str) -> str:
    applying = [line.strip() for line in output.splitlines() if "Applying " in line]
    if applying and not applying[-1].endswith("OK"):
        return applying[-1].removeprefix("Applying ").removesuffix("...")
    return "?"


@pytest.mark.parametrize("sidecar", SIDECARS, ids=[s.stem for s in SIDECARS])
def test_release_demo_data_migrates_forward(sidecar: Path, tmp_path: Path) -> None:
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    release = sidecar.stem
    dump = tmp_path / "release.sqlite3"
    with gzip.open(sidecar.with_name(meta["database"]), "rb") as packed, dump.open("wb") as out:
        shutil.copyfileobj(packed, out)
    home = tmp_path / "home"
    (home / "var").mkdir(parents=True)

    if connection.vendor == "postgresql":
        name, url, server, psycopg = _postgres_scratch()
        with psycopg.connect(**server) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            prepared = _run(["prepare", str(dump), str(sidecar)], url, home)
            assert prepared["applied"] == {
                app: sorted(names) for app, names in meta["applied_migrations"].items()
            }, "the scratch database is not at the release's migrations"
            assert prepared["copied"] == {
                t: n for t, n in meta["row_counts"].items() if t != "django_migrations"
            }
            report = _run(["forward"], url, home)
        finally:
            with psycopg.connect(**server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        report = _run(["forward"], f"sqlite:///{dump}", home)

    assert "failed" not in report, (
        f"A migration fails on the demo data of release {release} ({meta['commit'][:12]}): "
        f"{_failed_migration(report['output'])}\n  {report['error']}\n"
        "Make the migration run on existing rows (e.g. a default for a new NOT NULL column, or a "
        "data migration that fills it before the constraint); see docs/ops/upgrades.md.\n"
        f"{report['traceback']}"
    )
    assert report["before"] == meta["row_counts"], "the copy of the dump is not the dump"
    assert report["unapplied"] == [], f"migrations left unapplied: {report['unapplied']}"
    assert not report["check_failed"], f"manage.py check after the upgrade:\n{report['check']}"
    assert report["check"] == "System check identified no issues (0 silenced).", report["check"]

    lost = {
        table: (count, report["after"].get(table))
        for table, count in meta["row_counts"].items()
        if table not in ROWS_CHANGED_ON_PURPOSE
        and (
            report["after"].get(table) is None
            or report["after"][table] < count
            or (table not in GROWING and report["after"][table] != count)
        )
    }
    assert not lost, (
        f"rows of release {release} not kept by the migrations, table: (before, after): {lost}; "
        "if that is intended, name the table in ROWS_CHANGED_ON_PURPOSE with the reason"
    )
    assert report["sequences_behind"] == {}, (
        f"id sequences behind the copied rows, (next id, largest id): {report['sequences_behind']}"
    )
    broken = {label: r for label, r in report["queries"].items() if isinstance(r, str)}
    assert not broken, f"models that cannot read the upgraded rows: {broken}"
    read = sum(report["queries"].values())
    assert read > 0 and read >= min(5, meta["row_counts"]["calls_call"])


def test_a_release_dump_is_there() -> None:
    """The upgrade test above has something to run on: the dump of the last release (0.1.0 at
    least), with its sidecar."""
    assert "0.1.0" in [s.stem for s in SIDECARS]
    for sidecar in SIDECARS:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        assert sidecar.with_name(meta["database"]).exists(), meta["database"]
        assert meta["applied_migrations"] and sum(meta["row_counts"].values()) > 0
