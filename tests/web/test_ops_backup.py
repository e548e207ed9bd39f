"""Backup and restore (issue 14): the demo, with uploaded files, backed up and restored into a
fresh empty database and storage, every row of every table and every file byte compared; one
test per refusal, each checking that nothing changed. `make test` runs this file on SQLite and
again on PostgreSQL (there the restore goes into a database of its own, `<test db>_restore`).

The demo is built once for the module and committed (a backup is read by pg_dump, another
session): the tests themselves are ordinary (rolled back) ones, and the module's fixture
empties the database when the module is done, as a transactional test would."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from renkei.ops import backup

pytestmark = pytest.mark.django_db

DEMO_NOW = "2027-02-01T10:00:00+09:00"  # the demo's furthest stage: grants and monitoring
ENGINE = {"sqlite": "sqlite", "postgresql": "postgresql"}[connection.vendor]
OTHER_ENGINE = {"sqlite": "postgresql", "postgresql": "sqlite"}[ENGINE]


def _rows(db: Any) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (rows sorted by their repr)."""
    with db.cursor() as cursor:
        tables = sorted(db.introspection.table_names(cursor))
        out = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")
            out[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return out


def _files(storage) -> dict[str, bytes]:
    out = {}
    for name in backup._walk(storage):
        with storage.open(name, "rb") as fh:
            out[name] = fh.read()
    return out


@dataclass
class Source:
    archive: Path
    manifest: dict
    rows: dict[str, list[tuple]]
    files: dict[str, bytes]
    printed: dict  # what `renkei_backup --json` printed


@pytest.fixture(scope="module")
def source(django_db_setup, django_db_blocker, tmp_path_factory) -> Source:
    tmp = tmp_path_factory.mktemp("backup-source")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp / "uploads"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storages, VAR_DIR=tmp, RENKEI_DEMO_NOW=DEMO_NOW),
    ):
        call_command("renkei_demo", stdout=io.StringIO())
        # beside the demo's attachments: a Japanese name, an empty file, one of several chunks
        default_storage.save("manual/見本 資料.txt", ContentFile("連携のバックアップ".encode()))
        default_storage.save("manual/deep/er/empty.bin", ContentFile(b""))
        default_storage.save(
            "manual/large.bin", ContentFile(hashlib.sha256(b"x").digest() * 100_000)
        )
        # through the command (outside the tests' transactions: SQLite's backup API cannot
        # read an in-memory database another connection is writing)
        out = io.StringIO()
        call_command("renkei_backup", output=str(tmp / "demo.tar.gz"), json=True, stdout=out)
        manifest = backup.archive_verify(tmp / "demo.tar.gz")
        src = Source(
            tmp / "demo.tar.gz",
            manifest,
            _rows(connection),
            _files(default_storage),
            json.loads(out.getvalue()),
        )
    yield src
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def target_db(tmp_path):
    """A fresh, empty database: a new SQLite file, or a new PostgreSQL database."""
    if ENGINE == "sqlite":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    settings_dict = {
        **connection.settings_dict,
        "NAME": f"{connection.settings_dict['NAME']}_restore",
    }
    params = {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
    }
    name = settings_dict["NAME"]
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield settings_dict
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def target_storage(tmp_path) -> FileSystemStorage:
    return FileSystemStorage(location=str(tmp_path / "restored-uploads"))


def _open(settings_dict):
    return backup._open_database(settings_dict, "test_target")


def _state(settings_dict, storage) -> tuple[dict, dict]:
    """What a refused restore must leave as it was: every row of the target and its files."""
    if ENGINE == "sqlite" and not Path(settings_dict["NAME"]).exists():
        rows: dict = {"(no file)": []}
    else:
        db = _open(settings_dict)
        try:
            rows = _rows(db)
        finally:
            db.close()
    return rows, _files(storage)


def _rewrite(
    src: Path,
    dst: Path,
    *,
    drop: str | None = None,
    replace: dict[str, bytes] | None = None,
    manifest=None,
    extra: list[tuple[str, bytes]] = (),
) -> Path:
    """A copy of the archive with a member dropped or replaced, the manifest changed, or
    members added (the test's own damage)."""
    replace = replace or {}
    with tarfile.open(src, "r:gz") as old, tarfile.open(dst, "w:gz") as new:
        for member in old.getmembers():
            if member.name == drop:
                continue
            data = old.extractfile(member).read()
            if member.name == backup.MANIFEST and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            data = replace.get(member.name, data)
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
        for name, data in extra:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return dst


# --- the round trip ----------------------------------------------------------------------------


def test_the_demo_round_trips_with_every_row_and_every_file(
    source, target_db, target_storage
) -> None:
    result = backup.backup_restore(
        archive=source.archive, database=target_db, storage=target_storage
    )

    db = _open(target_db)
    try:
        restored = _rows(db)
        assert sorted(restored) == sorted(source.rows)  # the same tables
        for table, rows in source.rows.items():
            assert restored[table] == rows, table
        # sequences: a new row gets a key after the restored ones, not a duplicate
        with db.cursor() as cursor:
            cursor.execute("SELECT MAX(id) FROM django_content_type")
            highest = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO django_content_type (app_label, model) VALUES (%s, %s)",
                ["ops_test", "probe"],
            )
            cursor.execute("SELECT id FROM django_content_type WHERE app_label = 'ops_test'")
            assert cursor.fetchone()[0] > highest
    finally:
        db.close()
    assert _files(target_storage) == source.files
    assert "manual/見本 資料.txt" in source.files and "manual/deep/er/empty.bin" in source.files
    assert any(name.startswith("attachments/") for name in source.files)  # the demo's uploads
    assert result.pending_migrations == []

    manifest = source.manifest
    assert manifest["database"]["engine"] == ENGINE
    assert manifest["tables"] == {table: len(rows) for table, rows in source.rows.items()}
    assert sum(manifest["tables"].values()) > 500  # the demo, not an empty database
    assert ["accounts", "0001_initial"] in manifest["migrations"]
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in source.files.items()
    }
    assert manifest["created_at_utc"].endswith("+00:00")
    assert manifest["created_at_jst"].endswith("+09:00")
    assert manifest["renkei_version"]
    assert oct(source.archive.stat().st_mode & 0o777) == oct(0o600)  # it holds personal data


# --- refusals: each one changes nothing ---------------------------------------------------------


def _refused(archive, target_db, target_storage, *expected: str) -> str:
    before = _state(target_db, target_storage)
    with pytest.raises(backup.RestoreRefused) as refused:
        backup.backup_restore(archive=archive, database=target_db, storage=target_storage)
    message = str(refused.value)
    for text in expected:
        assert text in message
    assert _state(target_db, target_storage) == before
    return message


@pytest.mark.parametrize("kind", ["rows", "django_table"])
def test_a_database_that_is_not_empty_is_refused(source, target_db, target_storage, kind) -> None:
    db = _open(target_db)
    try:
        with db.cursor() as cursor:
            if kind == "rows":
                cursor.execute("CREATE TABLE notes (body VARCHAR(20))")
                cursor.execute("INSERT INTO notes VALUES ('keep me')")
            else:
                cursor.execute("CREATE TABLE django_migrations (id INTEGER)")
    finally:
        db.close()
    expected = "notes (1 row)" if kind == "rows" else "Renkei's tables present: django_migrations"
    _refused(source.archive, target_db, target_storage, "is not empty", expected, "empty database")


def test_the_platforms_own_database_is_refused_by_the_command(source) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("renkei_restore", str(source.archive))
    assert refused.value.returncode == 2
    assert "not empty" in str(refused.value) or "in memory" in str(refused.value)


def test_a_storage_that_is_not_empty_is_refused(source, target_db, target_storage) -> None:
    target_storage.save("left/over.pdf", ContentFile(b"%PDF-1.7 old"))
    _refused(source.archive, target_db, target_storage, "storage", "not empty", "left/over.pdf")


def _some_file(source) -> str:
    return backup.FILES_PREFIX + "manual/見本 資料.txt"


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("not_a_tar", "not a readable tar archive"),
        ("truncated", "damaged"),
        ("missing_member", "the member 'files/manual/見本 資料.txt' is missing"),
        ("checksum", "the member 'files/manual/見本 資料.txt' does not match the manifest"),
        ("no_manifest", "the member 'manifest.json' is missing"),
        ("unlisted_member", "the member 'files/stowaway.txt' is not in the manifest"),
    ],
)
def test_a_damaged_archive_is_refused_naming_what(
    source, target_db, target_storage, tmp_path, damage, expected
) -> None:
    bad = tmp_path / "bad.tar.gz"
    member = _some_file(source)
    if damage == "not_a_tar":
        bad.write_bytes(b"this is not an archive\n" * 100)
    elif damage == "truncated":
        data = source.archive.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "missing_member":
        _rewrite(source.archive, bad, drop=member)
    elif damage == "checksum":
        _rewrite(source.archive, bad, replace={member: "連携のバックアップ!".encode()})
    elif damage == "no_manifest":
        _rewrite(source.archive, bad, drop=backup.MANIFEST)
    else:
        _rewrite(source.archive, bad, extra=[("files/stowaway.txt", b"x")])
    _refused(bad, target_db, target_storage, "is damaged", expected, "Nothing was restored")


@pytest.mark.parametrize("name", ["../escaped.txt", "/tmp/absolute-escape.txt", "files/../../up"])
def test_members_outside_the_archive_are_refused(
    source, target_db, target_storage, tmp_path, name
) -> None:
    bad = _rewrite(source.archive, tmp_path / "bad.tar.gz", extra=[(name, b"owned")])
    _refused(bad, target_db, target_storage, f"the member {name!r} is refused")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_an_archive_of_a_newer_schema_is_refused_naming_its_migrations(
    source, target_db, target_storage, tmp_path
) -> None:
    def newer(manifest):
        manifest["migrations"].append(["grants", "9999_from_the_future"])
        return manifest

    bad = _rewrite(source.archive, tmp_path / "newer.tar.gz", manifest=newer)
    _refused(
        bad,
        target_db,
        target_storage,
        "newer schema",
        "grants.9999_from_the_future",
        "Upgrade Renkei to a version that has them, then restore",
    )


def test_an_archive_of_the_other_engine_is_refused(
    source, target_db, target_storage, tmp_path
) -> None:
    def other(manifest):
        manifest["database"]["engine"] = OTHER_ENGINE
        return manifest

    bad = _rewrite(source.archive, tmp_path / "other.tar.gz", manifest=other)
    _refused(
        bad,
        target_db,
        target_storage,
        f"the backup is of a {OTHER_ENGINE} database but the target is a {ENGINE} database",
        "across engines is not supported",
    )


def test_an_archive_of_a_newer_format_is_refused(
    source, target_db, target_storage, tmp_path
) -> None:
    def newer(manifest):
        manifest["format_version"] = backup.FORMAT_VERSION + 1
        return manifest

    bad = _rewrite(source.archive, tmp_path / "format.tar.gz", manifest=newer)
    _refused(bad, target_db, target_storage, "newer than this Renkei reads")


def test_an_older_archive_restores_and_names_the_migrations_to_run(source) -> None:
    manifest = json.loads(json.dumps(source.manifest))
    manifest["migrations"].remove(["accounts", "0001_initial"])
    assert ("accounts", "0001_initial") in backup.check_migrations(manifest)
    assert backup.check_migrations(source.manifest) == []


@pytest.mark.skipif(ENGINE != "postgresql", reason="pg_restore: the PostgreSQL pass")
def test_pg_tools_older_than_the_server_are_refused(
    source, target_db, target_storage, monkeypatch
) -> None:
    monkeypatch.setattr(backup, "pg_tool_major", lambda tool: 9)
    _refused(
        source.archive,
        target_db,
        target_storage,
        "pg_restore is version 9 but the PostgreSQL server is version",
        "postgresql-client-",
    )


def test_the_tool_version_rule() -> None:
    backup.check_pg_tool("pg_dump", 15, 15, backup.BackupRefused)
    backup.check_pg_tool("pg_dump", 16, 15, backup.BackupRefused)
    with pytest.raises(backup.BackupRefused, match="install postgresql-client-16"):
        backup.check_pg_tool("pg_dump", 15, 16, backup.BackupRefused)


# --- the commands ---------------------------------------------------------------------------------


def test_the_backup_command_prints_its_summary_and_never_overwrites(source) -> None:
    printed = source.printed
    assert printed["archive"] == str(source.archive)
    assert printed["engine"] == ENGINE
    assert printed["files"] == len(source.files)
    assert printed["rows"] == sum(len(rows) for rows in source.rows.values())
    assert printed["tables"] == len(source.rows)
    before = source.archive.read_bytes()

    with pytest.raises(CommandError) as refused:
        call_command("renkei_backup", output=str(source.archive), stdout=io.StringIO())
    assert refused.value.returncode == 2
    assert "already exists" in str(refused.value)
    assert source.archive.read_bytes() == before


def test_the_restore_command_refuses_a_damaged_archive_with_exit_code_2(tmp_path) -> None:
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b broken")
    with pytest.raises(CommandError) as refused:
        call_command("renkei_restore", str(bad))
    assert refused.value.returncode == 2
    assert "damaged" in str(refused.value)
