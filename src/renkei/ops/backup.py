"""Backup and restore of a Renkei installation (issue 14): one archive holding the database and
every file in the default storage, with a manifest that the restore verifies.

The archive is a gzip-compressed tar:

``database/renkei.pgdump`` or ``database/renkei.sqlite3``
    the database through its own consistent dump: PostgreSQL's ``pg_dump --format=custom``
    inside an exported REPEATABLE READ snapshot (the row counts of the manifest are read in
    the same snapshot, so they describe exactly what the dump holds); SQLite's online backup
    API (``sqlite3.Connection.backup``, consistent while the platform writes under WAL; the row
    counts are read from the copy).
``files/<name>``
    every file of the default storage, walked with ``listdir`` and read with ``open`` (so that
    an object store works as well as the file system), streamed, never held in memory.
``manifest.json`` (last)
    the format version, when (UTC and JST), the Renkei version, the database engine, the applied
    migrations, the row count of every table and the SHA-256 and size of every member.

The restore reads the archive twice: first to verify it (safe member names, every member
present with its size and SHA-256, no member the manifest does not list) and decide whether it
may restore at all (same engine, no migration this code does not know, an empty database and
storage, PostgreSQL tools recent enough); only then, the second time, does it write. A refusal
(``RestoreRefused``, ``BackupRefused``: exit code 2 in the commands) changes nothing and says
what was wrong and what would be right. After writing, every table's row count and every
file's SHA-256 are compared with the manifest.

A cross-engine restore (a SQLite archive into PostgreSQL or the reverse) is not supported: the
dumps are each engine's own format. Moving between engines is ``dumpdata``/``loaddata`` work,
outside this module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from renkei.errors import BadInput, RenkeiError

FORMAT = "renkei-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_PREFIX = "files/"
DUMP_MEMBERS = {"postgresql": "database/renkei.pgdump", "sqlite": "database/renkei.sqlite3"}
ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}
JST = ZoneInfo("Asia/Tokyo")
CHUNK = 1024 * 1024


class BackupError(RenkeiError):
    """A backup or restore that failed unexpectedly (exit code 1)."""


class BackupRefused(BadInput):
    """A backup refused before it started (exit code 2); nothing was written."""


class RestoreRefused(BadInput):
    """A restore refused before it wrote anything (exit code 2): the message says what was
    wrong and what would be right."""


class RestoreVerifyFailed(BackupError):
    """The restore wrote the database and files, but they differ from the manifest."""


# --- helpers -------------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads through to ``raw``, hashing and counting what passes (for tar and storage)."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n if n is not None and n >= 0 else CHUNK)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _configured(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """A DATABASES entry with Django's defaults filled in (OPTIONS, HOST, …)."""
    config = connections.configure_settings({"default": dict(settings_dict)})["default"]
    config["CONN_MAX_AGE"] = 0
    return config


def _open_database(settings_dict: dict[str, Any], alias: str) -> BaseDatabaseWrapper:
    """A connection of its own to the database ``settings_dict`` describes (a copy of a
    DATABASES entry), outside django.db.connections: the restore's target, the backup's
    snapshot. Close it when done."""
    config = _configured(settings_dict)
    return load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)


def engine_of(settings_dict: dict[str, Any]) -> str:
    engine = ENGINES.get(settings_dict.get("ENGINE", ""))
    if engine is None:
        raise BackupRefused(
            f"the database engine {settings_dict.get('ENGINE')!r} is not supported by backup and "
            f"restore: Renkei runs on PostgreSQL ({'django.db.backends.postgresql'}) or SQLite "
            "(django.db.backends.sqlite3)"
        )
    return engine


def describe_database(settings_dict: dict[str, Any]) -> str:
    """The database for a message, without its password."""
    if engine_of(settings_dict) == "sqlite":
        return f"SQLite database {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"PostgreSQL database {settings_dict['NAME']!r} on {host}{port}"


def _table_counts(db: BaseDatabaseWrapper, cursor: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(db.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(db: BaseDatabaseWrapper, cursor: Any, tables: dict) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def renkei_version() -> str:
    """The installed package's version, and the git commit when running from a clone."""
    from importlib import metadata

    try:
        version = metadata.version("renkei")
    except metadata.PackageNotFoundError:
        version = "unknown"
    here = Path(__file__).resolve().parent
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            version += f" (git {done.stdout.strip()})"
    return version


# --- PostgreSQL's client tools ---------------------------------------------------------------


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The connection for pg_dump/pg_restore as libpq's environment (Django's own mapping, the
    one ``dbshell`` uses): the password in PGPASSWORD, never on the command line."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    return {**os.environ, **(env or {})}


def _pg_args(settings_dict: dict[str, Any]) -> list[str]:
    args = ["--no-password"]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    return [*args, "--dbname", settings_dict["NAME"]]


def pg_tool_major(tool: str) -> int:
    """The major version of ``pg_dump``/``pg_restore`` on the PATH."""
    try:
        out = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupRefused(
            f"{tool} was not found or does not run ({exc}): install PostgreSQL's client tools "
            "of the server's major version or newer (Debian: apt-get install postgresql-client)"
        ) from exc
    match = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)", out)
    if not match:
        raise BackupRefused(f"{tool} --version printed {out!r}: cannot tell its version")
    return int(match.group(1))


def check_pg_tool(tool: str, tool_major: int, server_major: int, refuse: type) -> None:
    """PostgreSQL's dump tools work with servers of their own major version or older."""
    if tool_major < server_major:
        raise refuse(
            f"{tool} is version {tool_major} but the PostgreSQL server is version "
            f"{server_major}: {tool} must be of the server's major version or newer; install "
            f"postgresql-client-{server_major} (or newer) and put its {tool} first on the PATH"
        )


# --- backup ----------------------------------------------------------------------------------


@dataclass
class _Dump:
    path: Path
    tables: dict[str, int]
    migrations: list[list[str]]
    details: dict[str, Any] = field(default_factory=dict)


def _dump_sqlite(settings_dict: dict[str, Any], into: Path) -> _Dump:
    # a connection of its own, never in a caller's transaction (the backup API cannot read a
    # database its own connection is writing): what is committed is what is backed up
    source = _open_database(
        {"ENGINE": settings_dict["ENGINE"], "NAME": settings_dict["NAME"]}, "backup_source"
    )
    target = sqlite3.connect(into)
    try:
        source.ensure_connection()
        # one step (pages=-1): the whole database under one read lock, a consistent snapshot
        source.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
    finally:
        target.close()
        source.close()
    copy = _open_database({"ENGINE": "django.db.backends.sqlite3", "NAME": str(into)}, "dump")
    try:
        with copy.cursor() as cursor:
            tables = _table_counts(copy, cursor)
            migrations = _applied_migrations(copy, cursor, tables)
    finally:
        copy.close()
    return _Dump(into, tables, migrations, {"sqlite_version": sqlite3.sqlite_version})


def _dump_postgresql(settings_dict: dict[str, Any], into: Path) -> _Dump:
    snapshot_db = _open_database(settings_dict, "renkei_backup_snapshot")
    try:
        snapshot_db.ensure_connection()
        server_major = snapshot_db.pg_version // 10000
        tool_major = pg_tool_major("pg_dump")
        check_pg_tool("pg_dump", tool_major, server_major, BackupRefused)
        with snapshot_db.cursor() as cursor:
            # the counts and pg_dump see the same snapshot: the manifest describes the dump
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = _table_counts(snapshot_db, cursor)
            migrations = _applied_migrations(snapshot_db, cursor, tables)
            done = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={into}",
                    *_pg_args(snapshot_db.settings_dict),
                ],
                env=_pg_env(snapshot_db.settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
            cursor.execute("COMMIT")
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed (exit code {done.returncode}): {done.stderr}")
        return _Dump(
            into,
            tables,
            migrations,
            {"server_major": server_major, "pg_dump_major": tool_major},
        )
    finally:
        snapshot_db.close()


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in ``storage``, sorted, through the storage API only."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a file system storage's directory not made yet: no files
        if path:
            raise
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for directory in sorted(directories):
        yield from _walk(storage, posixpath.join(path, directory) if path else directory)


def _add_stream(archive: tarfile.TarFile, member: str, size: int, stream: Any) -> tuple[str, int]:
    info = tarfile.TarInfo(member)
    info.size = size
    info.mode = 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    reader = _HashingReader(stream)
    archive.addfile(info, reader)  # reads exactly `size` bytes, or fails if the file shrank
    return reader.sha256.hexdigest(), reader.size


def backup_create(
    *,
    output: Path,
    using: str = "default",
    storage: Storage | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Write the archive to ``output`` (refused if it exists) and return its manifest.

    The archive is written under a temporary name beside ``output``, readable by its owner
    only (it holds password hashes and applicants' documents), and renamed when complete: a
    failed backup never leaves a partial archive under the final name."""
    storage = storage or default_storage
    output = Path(output)
    db = connections[using]
    engine = engine_of(db.settings_dict)
    if output.exists():
        raise BackupRefused(
            f"{output} already exists: give a new file name (for example with the date, "
            "renkei-$(date +%Y%m%dT%H%M).tar.gz); a backup never overwrites another"
        )
    if not output.parent.is_dir():
        raise BackupRefused(f"the directory {output.parent} does not exist: create it first")
    now = now or dt.datetime.now(dt.UTC)
    work = Path(tempfile.mkdtemp(prefix=".renkei-backup-", dir=output.parent))
    partial = work / "archive.tar.gz"
    try:
        dump_path = work / Path(DUMP_MEMBERS[engine]).name
        if engine == "sqlite":
            dump = _dump_sqlite(db.settings_dict, dump_path)
        else:
            dump = _dump_postgresql(db.settings_dict, dump_path)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        files = []
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            with open(dump.path, "rb") as fh:
                digest, size = _add_stream(
                    archive, DUMP_MEMBERS[engine], dump.path.stat().st_size, fh
                )
            dump_path.unlink()
            for name in _walk(storage):
                with storage.open(name, "rb") as fh:
                    file_digest, file_size = _add_stream(
                        archive, FILES_PREFIX + name, storage.size(name), fh
                    )
                files.append({"name": name, "sha256": file_digest, "size": file_size})
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at_utc": now.astimezone(dt.UTC).isoformat(),
                "created_at_jst": now.astimezone(JST).isoformat(),
                "renkei_version": renkei_version(),
                "database": {
                    "engine": engine,
                    "member": DUMP_MEMBERS[engine],
                    "sha256": digest,
                    "size": size,
                    **dump.details,
                },
                "migrations": dump.migrations,
                "tables": dump.tables,
                "storage": {"backend": f"{type(storage).__module__}.{type(storage).__name__}"},
                "files": files,
            }
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            _add_stream(archive, MANIFEST, len(body), io.BytesIO(body))
        os.replace(partial, output)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summary(manifest: dict[str, Any], archive: Path | str | None = None) -> dict[str, Any]:
    """The manifest in a few numbers, for the commands' output (``--json``)."""
    return {
        **({"archive": str(archive)} if archive is not None else {}),
        "format_version": manifest["format_version"],
        "created_at_utc": manifest["created_at_utc"],
        "created_at_jst": manifest["created_at_jst"],
        "renkei_version": manifest["renkei_version"],
        "engine": manifest["database"]["engine"],
        "migrations": len(manifest["migrations"]),
        "tables": len(manifest["tables"]),
        "rows": sum(manifest["tables"].values()),
        "files": len(manifest["files"]),
        "file_bytes": sum(f["size"] for f in manifest["files"]),
        "database_bytes": manifest["database"]["size"],
    }


# --- restore: reading and verifying the archive ----------------------------------------------


def _damaged(archive: Path, what: str) -> RestoreRefused:
    return RestoreRefused(
        f"the archive {archive} is damaged: {what}. Nothing was restored. Use another copy of "
        "the backup (an intact archive lists with `tar -tzf` and its manifest's checksums match)"
    )


@contextlib.contextmanager
def _members(archive: Path) -> Iterator[Iterator[tuple[tarfile.TarInfo, Any]]]:
    """The archive's regular members in order, streamed, each checked (no absolute path, no
    ``..``, no link or device): refused with the member's name."""
    try:
        tar = tarfile.open(archive, mode="r|*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _damaged(archive, f"it is not a readable tar archive ({exc})") from exc

    def generate() -> Iterator[tuple[tarfile.TarInfo, Any]]:
        seen: set[str] = set()
        while True:
            try:
                member = tar.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise _damaged(archive, f"it cannot be read to the end ({exc})") from exc
            if member is None:
                return
            name = member.name
            # no absolute path, no '..', nothing but directories and regular files (below): the
            # checks of tarfile's ``data`` filter that matter when members are only read, never
            # extracted, written here because Debian 12's Python 3.11.2 predates that filter
            bad = (
                not name
                or name.startswith(("/", "\\"))
                or ".." in name.replace("\\", "/").split("/")
                or (len(name) > 1 and name[1] == ":")  # a drive letter
            )
            if bad:
                raise _damaged(
                    archive,
                    f"the member {name!r} is refused (it is absolute or goes up with '..'): a "
                    "backup holds only relative paths inside the archive, without '..'",
                )
            if member.isdir():
                continue
            if not member.isfile():
                raise _damaged(archive, f"the member {member.name!r} is not a regular file")
            if member.name in seen:
                raise _damaged(archive, f"the member {member.name!r} appears twice")
            seen.add(member.name)
            yield member, tar.extractfile(member)

    try:
        yield generate()
    finally:
        tar.close()


def _copy_hashing(
    source: Any, archive: Path, member: tarfile.TarInfo, write: Callable[[bytes], Any] | None
) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if write is not None:
                write(chunk)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _damaged(archive, f"the member {member.name!r} cannot be read ({exc})") from exc
    return digest.hexdigest(), size


def _expected_members(manifest: dict[str, Any], archive: Path) -> dict[str, dict[str, Any]]:
    try:
        expected = {manifest["database"]["member"]: manifest["database"]}
        for entry in manifest["files"]:
            name = entry["name"]
            if (
                not name
                or name.startswith("/")
                or posixpath.normpath(name) != name
                or ".." in name.split("/")
            ):
                raise _damaged(archive, f"the manifest lists an unsafe file name {name!r}")
            expected[FILES_PREFIX + name] = entry
        missing = [k for k in ("tables", "migrations", "renkei_version") if k not in manifest]
        if missing:
            raise KeyError(missing[0])
    except (KeyError, TypeError) as exc:
        raise _damaged(archive, f"its manifest lacks {exc}") from exc
    return expected


def archive_verify(archive: Path) -> dict[str, Any]:
    """Read the whole archive once: every member safe, present, of the manifest's size and
    SHA-256, and none the manifest does not list. Returns the manifest; refuses otherwise."""
    archive = Path(archive)
    if not archive.is_file():
        raise RestoreRefused(f"{archive} is not a file: give the path of a backup archive")
    seen: dict[str, tuple[str, int]] = {}
    manifest = None
    with _members(archive) as members:
        for member, stream in members:
            if member.name == MANIFEST:
                if member.size > 512 * 1024 * 1024:
                    raise _damaged(archive, "its manifest is implausibly large")
                try:
                    manifest = json.loads(stream.read())
                except (ValueError, tarfile.TarError, OSError, EOFError) as exc:
                    raise _damaged(archive, f"its manifest.json is not readable ({exc})") from exc
            else:
                seen[member.name] = _copy_hashing(stream, archive, member, None)
    if not isinstance(manifest, dict):
        raise _damaged(archive, "the member 'manifest.json' is missing")
    if manifest.get("format") != FORMAT:
        raise _damaged(archive, "its manifest.json is not a Renkei backup's")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RestoreRefused(
            f"the archive {archive} has format version {version!r}, newer than this Renkei "
            f"reads ({FORMAT_VERSION}): restore it with the Renkei version that wrote it "
            f"({manifest.get('renkei_version', 'unknown')}) or newer"
        )
    expected = _expected_members(manifest, archive)
    for name, entry in expected.items():
        if name not in seen:
            raise _damaged(archive, f"the member {name!r} is missing")
        digest, size = seen[name]
        if (digest, size) != (entry["sha256"], entry["size"]):
            raise _damaged(
                archive,
                f"the member {name!r} does not match the manifest (SHA-256 {digest}, "
                f"{size} bytes; the manifest says {entry['sha256']}, {entry['size']} bytes)",
            )
    for name in seen:
        if name not in expected:
            raise _damaged(archive, f"the member {name!r} is not in the manifest")
    return manifest


# --- restore: deciding ------------------------------------------------------------------------


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(tuple(r) for r in migration.replaces)
    return known


def check_migrations(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Refuse an archive of a newer schema; return this code's migrations the archive lacks
    (to be applied with ``migrate`` after the restore)."""
    from django.db.migrations.loader import MigrationLoader

    applied = {tuple(m) for m in manifest["migrations"]}
    unknown = sorted(applied - _known_migrations())
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown)
        raise RestoreRefused(
            f"the backup comes from a newer schema: it has applied migrations this Renkei does "
            f"not know: {names} (the backup was written by Renkei "
            f"{manifest['renkei_version']}). Upgrade Renkei to a version that has them, "
            "then restore"
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    pending = []
    for key, migration in sorted(loader.disk_migrations.items()):
        if key in applied:
            continue
        if migration.replaces and all(tuple(r) in applied for r in migration.replaces):
            continue
        pending.append(key)
    return pending


def _tables_with_rows(db: BaseDatabaseWrapper) -> tuple[list[str], dict[str, int]]:
    with db.cursor() as cursor:
        counts = _table_counts(db, cursor)
    return sorted(counts), counts


def _check_target_database(
    settings_dict: dict[str, Any], manifest: dict[str, Any]
) -> BaseDatabaseWrapper:
    engine = engine_of(settings_dict)
    where = describe_database(settings_dict)
    archived = manifest["database"]["engine"]
    if archived != engine:
        raise RestoreRefused(
            f"the backup is of a {archived} database but the target is a {engine} database "
            f"({where}): restore it into a {archived} database (DATABASE_URL). A restore across "
            "engines is not supported"
        )
    if engine == "sqlite":
        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RestoreRefused(f"the target {where} is in memory: restore into a database file")
        path = Path(name)
        if not path.parent.is_dir():
            raise RestoreRefused(
                f"the directory of the target {where} does not exist: create {path.parent}"
            )
        # looked at without the platform's OPTIONS (which would turn WAL on): nothing changes
        db = _open_database({"ENGINE": settings_dict["ENGINE"], "NAME": name}, "restore_target")
        if not path.exists():
            return db
    else:
        db = _open_database(settings_dict, "renkei_restore_target")
    try:
        db.ensure_connection()
    except Exception as exc:
        db.close()
        hint = (
            f"create it empty (createdb --owner {settings_dict.get('USER') or '<role>'} "
            f"{settings_dict['NAME']}) and check DATABASE_URL"
            if engine == "postgresql"
            else "check DATABASE_URL"
        )
        raise RestoreRefused(f"cannot connect to the target {where} ({exc}): {hint}") from exc
    try:
        _check_target_contents(db, settings_dict, manifest, engine, where)
    except BaseException:
        db.close()
        raise
    return db


def _check_target_contents(
    db: BaseDatabaseWrapper,
    settings_dict: dict[str, Any],
    manifest: dict[str, Any],
    engine: str,
    where: str,
) -> None:
    if engine == "postgresql":
        tool_major = pg_tool_major("pg_restore")
        check_pg_tool("pg_restore", tool_major, db.pg_version // 10000, RestoreRefused)
        dumped = manifest["database"].get("pg_dump_major", 0)
        if dumped > tool_major:
            raise RestoreRefused(
                f"the dump was written by pg_dump {dumped} but pg_restore here is version "
                f"{tool_major}: install postgresql-client-{dumped} or newer"
            )
    tables, counts = _tables_with_rows(db)
    django_tables = set(db.introspection.django_table_names())
    django_tables |= {"django_migrations"} | set(manifest["tables"])
    with_rows = [
        f"{t} ({counts[t]} row{'s' if counts[t] != 1 else ''})" for t in tables if counts[t]
    ]
    present = [t for t in tables if t in django_tables]
    if with_rows or present:
        parts = []
        for label, names in (("tables with rows", with_rows), ("Renkei's tables present", present)):
            if names:
                more = f", and {len(names) - 8} more" if len(names) > 8 else ""
                parts.append(f"{len(names)} {label}: {', '.join(names[:8])}{more}")
        fresh = (
            "a new database (createdb) or drop and recreate this one"
            if engine == "postgresql"
            else "a database file that does not exist yet (or remove this one)"
        )
        raise RestoreRefused(
            f"the target {where} is not empty ({'; '.join(parts)}): "
            f"a restore writes only into an empty database. Restore into {fresh}"
        )


def _check_target_storage(storage: Storage) -> None:
    present = []
    for name in _walk(storage):
        present.append(name)
        if len(present) > 5:
            break
    if present:
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        raise RestoreRefused(
            f"the target storage ({type(storage).__name__}"
            f"{' at ' + str(storage.location) if hasattr(storage, 'location') else ''}) is not "
            f"empty: it holds {shown}. A restore writes only into an empty storage: point "
            "RENKEI_UPLOAD_DIR (or RENKEI_S3_BUCKET/RENKEI_S3_PREFIX) at an empty one"
        )


# --- restore: writing ------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    pending_migrations: list[tuple[str, str]]

    def summary(self, archive: Path | str | None = None) -> dict[str, Any]:
        return {
            **summary(self.manifest, archive),
            "verified": True,
            "pending_migrations": [f"{a}.{n}" for a, n in self.pending_migrations],
        }


def _restore_sqlite(dump: Path, settings_dict: dict[str, Any]) -> None:
    target = Path(settings_dict["NAME"])
    if target.exists():  # checked: no tables; fold a leftover WAL in so none is applied later
        with contextlib.closing(sqlite3.connect(target)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(dump, target)  # the dump was written beside it: an atomic rename


def _restore_postgresql(dump: Path, settings_dict: dict[str, Any]) -> None:
    done = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            *_pg_args(settings_dict),
            str(dump),
        ],
        env=_pg_env(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit code {done.returncode}); in one transaction, so the "
            f"database is as it was: {done.stderr}"
        )


def _verify_restored(db: BaseDatabaseWrapper, storage: Storage, manifest: dict[str, Any]) -> None:
    problems = []
    with db.cursor() as cursor:
        counts = _table_counts(db, cursor)
    for table, rows in manifest["tables"].items():
        if counts.get(table) != rows:
            problems.append(f"table {table}: {counts.get(table)} rows, manifest {rows}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        problems.append(f"table {table} is not in the manifest")
    listed = {entry["name"]: entry for entry in manifest["files"]}
    for name in _walk(storage):
        entry = listed.pop(name, None)
        if entry is None:
            problems.append(f"file {name} is not in the manifest")
            continue
        with storage.open(name, "rb") as fh:
            reader = _HashingReader(fh)
            while reader.read(CHUNK):
                pass
        if (reader.sha256.hexdigest(), reader.size) != (entry["sha256"], entry["size"]):
            problems.append(f"file {name}: SHA-256 or size differs from the manifest")
    problems += [f"file {name} is missing" for name in sorted(listed)]
    if problems:
        raise RestoreVerifyFailed(
            "the restore wrote the database and files but they differ from the manifest: "
            + "; ".join(problems[:20])
            + ". Do not use this copy: empty the database and storage and restore again, "
            "or use another backup"
        )


def backup_restore(
    *,
    archive: Path,
    database: dict[str, Any] | None = None,
    storage: Storage | None = None,
) -> RestoreResult:
    """Restore ``archive`` into the empty ``database`` (a DATABASES entry; the default one when
    not given) and the empty ``storage`` (the default storage), then verify the manifest.

    Refuses (``RestoreRefused``, nothing changed) a damaged archive, one of another engine or
    a newer schema, a non-empty target; raises ``RestoreVerifyFailed`` if what was written
    differs from the manifest."""
    archive = Path(archive)
    settings_dict = _configured(
        database if database is not None else connections["default"].settings_dict
    )
    storage = storage or default_storage
    engine_of(settings_dict)
    manifest = archive_verify(archive)  # first reading: nothing written yet
    pending = check_migrations(manifest)
    db = _check_target_database(settings_dict, manifest)
    try:
        _check_target_storage(storage)
        if manifest["database"]["engine"] == "sqlite":
            work = Path(
                tempfile.mkdtemp(prefix=".renkei-restore-", dir=Path(settings_dict["NAME"]).parent)
            )
        else:
            work = Path(tempfile.mkdtemp(prefix="renkei-restore-"))
        try:
            dump = work / "dump"
            db.close()
            # the database first (all or nothing), then the files: a failed database restore
            # leaves the storage empty for the next attempt
            _write(archive, manifest, dump, None)
            if manifest["database"]["engine"] == "sqlite":
                _restore_sqlite(dump, settings_dict)
            else:
                _restore_postgresql(dump, settings_dict)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _write(archive, manifest, None, storage)
        db = _open_database(settings_dict, "renkei_restore_target")
        if manifest["database"]["engine"] == "postgresql":
            with db.cursor() as cursor:
                cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics
        _verify_restored(db, storage, manifest)
    finally:
        db.close()
    return RestoreResult(manifest, pending)


def _write(
    archive: Path, manifest: dict[str, Any], dump: Path | None, storage: Storage | None
) -> None:
    """Read the archive again: the dump to ``dump`` (then stop) or every file into
    ``storage``, each hashed again."""
    files = {FILES_PREFIX + entry["name"]: entry for entry in manifest["files"]}
    with _members(archive) as members:
        for member, stream in members:
            if dump is not None and member.name == manifest["database"]["member"]:
                with open(dump, "wb") as out:
                    digest, _size = _copy_hashing(stream, archive, member, out.write)
                expected = manifest["database"]["sha256"]
            elif storage is not None and member.name in files:
                entry = files[member.name]
                reader = _HashingReader(stream)
                content = File(reader, name=posixpath.basename(entry["name"]))
                content.size = entry["size"]
                saved = storage.save(entry["name"], content)
                if saved != entry["name"]:
                    raise BackupError(
                        f"the storage saved {entry['name']!r} as {saved!r}: the storage was "
                        "written to while restoring; empty it and restore again"
                    )
                digest, expected = reader.sha256.hexdigest(), entry["sha256"]
            else:
                continue
            if digest != expected:
                raise BackupError(
                    f"the member {member.name!r} changed between the verification and the "
                    "restore: the archive file is being modified; copy it somewhere stable"
                )
            if dump is not None:
                return
