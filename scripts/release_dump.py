"""The demo dump of a release, for the upgrade test (issue 14, "Upgrades").

    python scripts/release_dump.py v0.1.0 --output tests/upgrade/data/0.1.0.sqlite3.gz

checks the git ref out into a temporary worktree (``git worktree add --detach``, removed
afterwards), runs THAT version's ``manage.py migrate``, ``renkei_demo`` and
``renkei_reminders`` on a private SQLite database (``RENKEI_HOME`` is a temporary directory,
so its ``var/`` is its own) as of a fixed demo moment, and writes:

- ``FILE``: the SQLite database, compacted (``VACUUM INTO``) and gzip-compressed (no time stamp
  in the gzip header, so the same database gives the same bytes);
- ``FILE`` without ``.sqlite3.gz``, plus ``.json``: the sidecar (ref, commit, demo moment,
  applied migrations per app, row count per table, the uploaded files' names, sizes and SHA-256).

The uploaded files the demo makes (``var/uploads``: attachments, meter data) are not copied: a
schema upgrade test needs the database only, and the sidecar lists them so that a future
migration that reads files knows what the release had. The release's own code runs with the
Python interpreter given by ``--python`` (default: this one, normally the shared venv), so its
dependencies must be compatible with that release (make the dump when the release is cut).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

# The grant samples are paid and the monitoring sample has meter data, a verified period and an
# annual report after this moment (renkei_demo's GRANTS_DEMO_NOW): it fills the most tables.
DEFAULT_DEMO_NOW = "2027-02-01T10:00:00+09:00"
# what `make demo` runs before the server, and the reminders due on the demo day sent (so that
# the reminder log has rows too)
COMMANDS = (
    ["migrate", "--noinput", "-v0"],
    ["renkei_demo"],
    ["renkei_reminders"],
    ["renkei_reminders", "--send-now"],
)
ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _regexp(pattern: str | None, value: object) -> bool | None:
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value)) is not None


def sidecar_path(output: Path) -> Path:
    """``0.1.0.sqlite3.gz`` -> ``0.1.0.json``."""
    name = output.name
    for suffix in (".gz", ".sqlite3"):
        name = name.removesuffix(suffix)
    return output.with_name(name + ".json")


def row_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def applied_migrations(db: sqlite3.Connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY app, id"):
        applied.setdefault(app, []).append(name)
    return applied


def uploads(home: Path) -> list[dict]:
    root = home / "var" / "uploads"
    if not root.exists():
        return []
    return [
        {
            "name": path.relative_to(root).as_posix(),
            "size": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def make_dump(ref: str, output: Path, demo_now: str, python: str) -> dict:
    try:
        commit = _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError:
        sys.exit(f"{ref!r} is not a commit or tag of this repository (e.g. v0.1.0 or c3c4b6c)")
    with tempfile.TemporaryDirectory(prefix="renkei-release-") as tmp:
        tree, home = Path(tmp) / "tree", Path(tmp) / "home"
        home.mkdir()
        _git("worktree", "add", "--detach", str(tree), commit)
        try:
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("RENKEI_", "DATABASE_URL", "DJANGO_"))
            }
            env.update(
                RENKEI_DEBUG="1",
                RENKEI_HOME=str(home),
                RENKEI_DEMO_NOW=demo_now,
                PYTHONPATH=str(tree / "src"),
            )
            for command in COMMANDS:
                result = subprocess.run(
                    [python, "manage.py", *command],
                    cwd=tree,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if result.returncode != 0:
                    sys.exit(
                        f"manage.py {' '.join(command)} of {ref} ({commit[:12]}) failed:\n"
                        f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
                    )
            database = home / "var" / "renkei.sqlite3"
            compact = Path(tmp) / "compact.sqlite3"
            with sqlite3.connect(database) as db:
                # the schema's check constraints call REGEXP, which Django's backend defines
                db.create_function("REGEXP", 2, _regexp, deterministic=True)
                db.execute("VACUUM INTO ?", (str(compact),))
            db.close()
            with sqlite3.connect(compact) as db:
                db.execute("PRAGMA journal_mode = DELETE")
                meta = {
                    "ref": ref,
                    "commit": commit,
                    "demo_now": demo_now,
                    "python": sys.version.split()[0],
                    "database": output.name,
                    "applied_migrations": applied_migrations(db),
                    "row_counts": row_counts(db),
                    "uploads": uploads(home),
                }
            db.close()
            output.parent.mkdir(parents=True, exist_ok=True)
            with (
                compact.open("rb") as raw,
                output.open("wb") as out,
                gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed,
            ):
                shutil.copyfileobj(raw, packed)
            sidecar_path(output).write_text(
                json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            return meta
        finally:
            _git("worktree", "remove", "--force", str(tree))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ref", help="git ref of the release, e.g. v0.1.0")
    parser.add_argument(
        "--output",
        required=True,
        type=Path,
        help="the dump, e.g. tests/upgrade/data/0.1.0.sqlite3.gz",
    )
    parser.add_argument(
        "--demo-now", default=DEFAULT_DEMO_NOW, help=f"RENKEI_DEMO_NOW (default {DEFAULT_DEMO_NOW})"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with the release's dependencies"
    )
    args = parser.parse_args(argv)
    if not args.output.name.endswith(".sqlite3.gz"):
        parser.error(
            "--output must end with .sqlite3.gz (e.g. tests/upgrade/data/0.1.0.sqlite3.gz)"
        )
    meta = make_dump(args.ref, args.output, args.demo_now, args.python)
    rows = sum(meta["row_counts"].values())
    filled = sum(1 for count in meta["row_counts"].values() if count)
    print(
        f"{args.output} ({args.output.stat().st_size} bytes) and {sidecar_path(args.output)}: "
        f"{meta['commit'][:12]} as of {args.demo_now}, {filled} of {len(meta['row_counts'])} "
        f"tables with rows, {rows} rows, {len(meta['uploads'])} uploaded files (not copied)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
