"""The office's credits portfolio (issue 10, "Japan's target and public views") for many
registered projects, against a baseline measured in the same run.

Run: PYTHONPATH=src .venv/bin/python benchmarks/credits_portfolio.py [--projects 200] [--runs 10]
Uses a throw-away SQLite database (or DATABASE_URL if set). The projects are built with the
portfolio tests' factories (``tests/web/creditsfactories_portfolio.many_projects``): each in
operation from 2025-04-01, four verified half-year periods, two issuances, half of each in the
government's account.

Timed alternately, in the same process, on the same rows:

- ``mrv``: the MRV portfolio's rows over the same plans (``renkei.monitoring.selectors.
  portfolio_rows``: the baseline, the per-plan reading the credits portfolio reuses);
- ``selector``: ``portfolio_rows`` + ``figures`` (every measure by country, technology, call and
  fiscal year, the targets and the projection), a fixed number of queries;
- ``page``: GET /credits/portfolio/ (first page of 50 rows, the figures and charts over all);
- ``xlsx``: GET /credits/portfolio/?export=xlsx (every row);
- ``public``: GET /credits/public/ and ``json``: GET /credits/public/open-data.json.

Read the ratios; the milliseconds depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEMO_NOW"] = "2026-12-01T10:00:00+09:00"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renkei.web.settings"
    os.environ.setdefault("RENKEI_DEBUG", "1")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tests" / "web"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from creditsfactories_portfolio import many_projects

    from renkei.accounts.models import Role, User
    from renkei.credits import portfolio as selectors
    from renkei.monitoring import selectors as mrv

    office = User.objects.create_user(username="bench-office", role=Role.OFFICE, is_staff=True)
    t0 = time.perf_counter()
    many_projects(args.projects)
    built = time.perf_counter() - t0

    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(office)

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return run

    cases = {
        "mrv": lambda: mrv.portfolio_rows(office),
        "selector": lambda: selectors.figures(selectors.portfolio_rows()),
        "page": get("/credits/portfolio/"),
        "xlsx": get("/credits/portfolio/?export=xlsx"),
        "public": get("/credits/public/"),
        "json": get("/credits/public/open-data.json"),
    }
    queries = {}
    for name, fn in cases.items():  # warm up, and count the queries once
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries[name] = len(ctx.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):  # alternate, so a change in load hits every case
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    print(
        f"{args.projects} projects (built in {built:.1f} s), {args.runs} runs each, "
        f"{connection.vendor}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    for name in cases:
        print(
            f"{name:9s} median {median[name] * 1000:8.1f} ms  "
            f"min {min(times[name]) * 1000:8.1f} ms  {queries[name]:5d} queries"
        )
    print(f"selector / mrv: {median['selector'] / median['mrv']:.2f}×")
    print(f"page / selector: {median['page'] / median['selector']:.2f}×")
    print(f"xlsx / page:     {median['xlsx'] / median['page']:.2f}×")


if __name__ == "__main__":
    main()
