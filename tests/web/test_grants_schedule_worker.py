"""The reminder worker (issue 8, "Deadlines that remind"): each reminder is sent exactly once
even with two workers running at once (the unique constraint on ``ReminderSent`` decides; with
it removed the same run sends twice, which the control cases show), on a file-based SQLite
database in its own process (the suite's in-memory one locks differently) and, in the
PostgreSQL pass of `make test`, on PostgreSQL; and the real task runner (`manage.py qcluster`
with django-q2's ORM broker) started as a process runs the scheduled job and the notice appears.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from grantfactories_schedule import adopted_grant, person
from webfactories import run_at_once

from renkei.accounts.models import Notice, Role
from renkei.grants.models import ReminderSent
from renkei.grants.services.schedule import refresh_deadlines, send_due_reminders

ROOT = Path(__file__).resolve().parents[2]
GRANTS = 5

SETUP = r"""
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from grantfactories_schedule import adopted_grant, person
from renkei.accounts.models import Role
from renkei.grants.services.schedule import refresh_deadlines
person(Role.OFFICE, is_staff=True)
for _ in range(int(sys.argv[1])):
    refresh_deadlines(adopted_grant(naiji="2024-07-16"))
if "--schedule" in sys.argv:
    call_command("renkei_reminders")
"""

RACE = r"""
import datetime as dt, json, sys, threading
import django
django.setup()
from django.db import connection
from renkei.accounts.models import Notice
from renkei.grants.models import ReminderSent
from renkei.grants.services.schedule import send_due_reminders

if "--without-constraint" in sys.argv:  # the control case: what the constraint prevents
    (unique,) = [c for c in ReminderSent._meta.constraints if c.name == "reminder_once_per_stage"]
    # SQLite rebuilds the table from the model's constraints: take it out of the model first
    ReminderSent._meta.constraints = [c for c in ReminderSent._meta.constraints if c is not unique]
    with connection.schema_editor() as editor:
        editor.remove_constraint(ReminderSent, unique)
connection.close()
barrier = threading.Barrier(2)
sent, errors = [], []

def worker():
    try:
        barrier.wait()
        sent.append(send_due_reminders(today=dt.date(2024, 8, 1)))
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=worker) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join(timeout=300)
print(json.dumps({"sent": sent, "errors": errors, "notices": Notice.objects.count(),
                  "reminders": ReminderSent.objects.count()}))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RENKEI_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "renkei.web.settings",
        "RENKEI_DEBUG": "1",
        "RENKEI_HOME": str(tmp_path),
        "RENKEI_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": f"sqlite:///{tmp_path}/worker.sqlite3",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests" / "web")]),
        **extra,
    }


def _run(script: str, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=env["RENKEI_HOME"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("constraint", [True, False], ids=["constraint", "control-without"])
def test_two_workers_at_once_on_file_sqlite_send_each_reminder_once(tmp_path, constraint) -> None:
    env = _env(tmp_path)
    _run(SETUP, env, str(GRANTS))
    out = json.loads(
        _run(RACE, env, *([] if constraint else ["--without-constraint"])).splitlines()[-1]
    )
    assert out["errors"] == []
    if constraint:
        # one reminder (14 days before the application is due) per grant, to its one applicant
        assert sum(out["sent"]) == out["reminders"] == out["notices"] == GRANTS
    else:  # without the constraint both workers send: what the constraint is there for
        assert sum(out["sent"]) == out["reminders"] == out["notices"] == 2 * GRANTS


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks: runs in the PostgreSQL pass of `make test`",
)
@pytest.mark.parametrize("constraint", [True, False], ids=["constraint", "control-without"])
def test_two_workers_at_once_on_postgresql_send_each_reminder_once(constraint) -> None:
    person(Role.OFFICE, is_staff=True)
    for _ in range(GRANTS):
        refresh_deadlines(adopted_grant(naiji="2024-07-16"))
    (unique,) = [c for c in ReminderSent._meta.constraints if c.name == "reminder_once_per_stage"]
    if not constraint:
        with connection.schema_editor() as editor:
            editor.remove_constraint(ReminderSent, unique)
    try:
        day = dt.date(2024, 8, 1)
        results = run_at_once([lambda: send_due_reminders(today=day)] * 2)
    finally:
        if not constraint:
            ReminderSent.objects.all().delete()
            with connection.schema_editor() as editor:
                editor.add_constraint(ReminderSent, unique)
    assert [r for r in results if isinstance(r, Exception)] == []
    want = GRANTS if constraint else 2 * GRANTS
    assert sum(results) == want
    assert Notice.objects.count() == want


def test_the_task_runner_runs_the_scheduled_reminders(tmp_path) -> None:
    """`manage.py qcluster` as the README starts it, against a file SQLite database: the
    schedule `manage.py renkei_reminders` made runs, and the notice appears."""
    env = _env(tmp_path, RENKEI_DEMO_NOW="2024-08-01T09:00:00+09:00")
    _run(SETUP, env, "1", "--schedule")
    db = tmp_path / "worker.sqlite3"
    log = (tmp_path / "qcluster.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        found: list[tuple[str, str]] = []
        tasks: list[tuple[int, str]] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (found and tasks):
            time.sleep(1)
            assert worker.poll() is None, (tmp_path / "qcluster.log").read_text()[-3000:]
            with sqlite3.connect(db, timeout=20) as con:
                found = con.execute("SELECT subject, message FROM accounts_notice").fetchall()
                tasks = con.execute("SELECT success, func FROM django_q_task").fetchall()
        assert found and tasks, (tmp_path / "qcluster.log").read_text()[-3000:]
        ((_subject, message),) = found
        assert "交付申請" in message and "2024年8月15日" in message  # the applicant's Japanese
        assert tasks == [(1, "renkei.grants.tasks.send_reminders")]
        with sqlite3.connect(db, timeout=20) as con:
            stages = con.execute("SELECT stage FROM grants_remindersent").fetchall()
        assert stages == [("before_14",)]
    finally:
        worker.send_signal(signal.SIGTERM)  # by its PID: django-q2 stops its workers
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the group this test started
            worker.wait(timeout=30)
        log.close()
    assert worker.returncode is not None
