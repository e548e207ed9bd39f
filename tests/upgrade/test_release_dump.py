"""scripts/release_dump.py and the dumps it made (no database of the suite needed): each
committed dump agrees with its sidecar, which the upgrade test (tests/web/test_ops_upgrade.py)
takes as the truth about the release."""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SIDECARS = sorted(DATA.glob("*.json"))

spec = importlib.util.spec_from_file_location("release_dump", ROOT / "scripts" / "release_dump.py")
release_dump = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_dump)


def test_the_sidecar_sits_beside_the_dump() -> None:
    out = Path("tests/upgrade/data/1.2.3.sqlite3.gz")
    assert release_dump.sidecar_path(out) == Path("tests/upgrade/data/1.2.3.json")


def test_an_output_that_is_not_a_compressed_sqlite_file_is_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        release_dump.main(["HEAD", "--output", "dump.sql"])
    assert "--output must end with .sqlite3.gz" in capsys.readouterr().err


def test_an_unknown_ref_is_named(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as refused:
        release_dump.make_dump(
            "no-such-tag-v0", tmp_path / "x.sqlite3.gz", release_dump.DEFAULT_DEMO_NOW, "python"
        )
    assert "'no-such-tag-v0' is not a commit or tag of this repository" in str(refused.value)
    assert not (tmp_path / "x.sqlite3.gz").exists()


@pytest.mark.parametrize("sidecar", SIDECARS, ids=[s.stem for s in SIDECARS])
def test_each_dump_agrees_with_its_sidecar(sidecar: Path, tmp_path: Path) -> None:
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert len(meta["commit"]) == 40 and meta["demo_now"].endswith("+09:00")
    database = tmp_path / "release.sqlite3"
    with (
        gzip.open(sidecar.with_name(meta["database"]), "rb") as packed,
        database.open("wb") as out,
    ):
        shutil.copyfileobj(packed, out)
    db = sqlite3.connect(database)
    db.create_function("REGEXP", 2, release_dump._regexp)  # the check constraints use it
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert release_dump.row_counts(db) == meta["row_counts"]
        assert release_dump.applied_migrations(db) == meta["applied_migrations"]
    finally:
        db.close()
    # the demo's samples are there: calls, proposals, a grant, a monitoring plan
    for table in ("calls_call", "proposals_proposal", "grants_grant", "monitoring_monitoringplan"):
        assert meta["row_counts"].get(table, 0) > 0, table
