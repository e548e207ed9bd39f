"""The reminder job (issue 8, "Deadlines that remind"): what one run of ``send_due_reminders``
costs for N grants, the first time (every reminder sent: a transaction, the ``ReminderSent``
row, an audit event and the notice with its e-mail) against the runs after it (the worker runs
hourly: every reminder already sent, each attempt refused by the unique constraint that makes
two workers send once). The ratio steady/first is the figure to read.

Run: .venv/bin/python benchmarks/reminders.py [--grants 300] [--runs 5]
Uses a throw-away SQLite database (or DATABASE_URL if set); grants are built with the ORM as
the schedule part's tests build them (tests/web/grantfactories_schedule.py), each with its
application due 14 days after the day the job runs, and a second, overdue one per grant (a
year-end report), so a run has 2 reminders a grant to send.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEBUG"] = "1"
    os.environ["RENKEI_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renkei.web.settings"
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "web")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from grantfactories_schedule import adopted_grant, decide, person

    from renkei.accounts.models import Notice, Role
    from renkei.grants.models import ReminderSent
    from renkei.grants.services.schedule import refresh_deadlines, send_due_reminders

    call_command("migrate", verbosity=0)
    person(Role.OFFICE, is_staff=True)
    for _ in range(args.grants):
        grant = decide(adopted_grant(naiji="2024-07-16"), completion_due="2026-02-27")
        refresh_deadlines(grant)
    # the application (due 2024-08-15) is overdue on 2025-03-27; the FY2024 year-end report
    # (due 2025-04-10) is 14 days ahead
    day = dt.date(2025, 3, 27)

    def timed() -> tuple[float, int]:
        start = time.perf_counter()
        sent = send_due_reminders(today=day)
        return time.perf_counter() - start, sent

    first, sent = timed()
    steady = [timed() for _ in range(args.runs)]
    assert all(n == 0 for _, n in steady)
    median = statistics.median(t for t, _ in steady)
    print(f"grants: {args.grants}; reminders sent by the first run: {sent}")
    print(f"  ReminderSent rows {ReminderSent.objects.count()}, notices {Notice.objects.count()}")
    print(f"first run (sends):        {first * 1000:9.1f} ms ({first / sent * 1000:.2f} ms each)")
    print(f"later runs (none to send): {median * 1000:8.1f} ms median of {args.runs}")
    print(f"ratio later/first: {median / first:.2f}")
    print(
        f"conditions: {connection.vendor}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
