"""The office's grant portfolio (issue 8) for many grants, against baselines measured in the
same run.

Run: PYTHONPATH=src .venv/bin/python benchmarks/grant_portfolio.py [--grants 1000] [--runs 10]
Uses a throw-away SQLite database (or DATABASE_URL if set). The grants are inserted in bulk
(``tests/web/grantfactories_portfolio.many_grants``): six states, a decision and a three-year
allocation for four in six, a fixed amount for two in six, a payment for one in six, five
deadlines each, one in ten an eco-lease project.

Timed alternately, in the same process, on the same rows:

- ``selector``: ``portfolio_rows`` + ``portfolio_figures`` over every grant (a fixed number of
  queries);
- ``naive``: the same figures read grant by grant (the next deadline, overdue count, decision,
  allocation, fixing and payments queried per grant: what a view looping over grants does);
- ``page``: GET /grants/portfolio/ (first page of 50 rows, the figures and charts over all);
- ``list``: GET /grants/ the existing list of every grant (number, title, state, decision date:
  no figures), the cheapest page over the same grants;
- ``xlsx``: GET /grants/portfolio/?export=xlsx (every row).

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


def _naive(grants, day):
    """The rows' figures grant by grant (the N+1 way), for comparison."""
    from renkei.grants.models.award import Allocation, GrantDecision
    from renkei.grants.models.closing import AmountFixing, Payment
    from renkei.grants.selectors import _year_weights, spread
    from renkei.rules.jcm.schedule import fiscal_year_start

    out = []
    for g in grants:
        open_ = g.deadlines.filter(done_at__isnull=True, cancelled_at__isnull=True)
        nxt = open_.filter(due_on__gte=day).order_by("due_on").first()
        overdue = open_.filter(due_on__lt=day).count()
        decision = GrantDecision.objects.filter(grant=g).first()
        allocation = Allocation.objects.filter(grant=g, superseded_at__isnull=True).first()
        fixing = AmountFixing.objects.filter(grant=g).first()
        paid: dict[int, int] = {}
        for p in Payment.objects.filter(claim__grant=g):
            fy = fiscal_year_start(p.paid_on)
            paid[fy] = paid.get(fy, 0) + p.amount_jpy
        decided = allocation.amount_jpy if allocation else (decision and decision.amount_jpy)
        weights = _year_weights(allocation.budget) if allocation else {}
        out.append(
            (
                g.selection.proposal.title,
                nxt,
                overdue,
                spread(decided or 0, weights),
                fixing and fixing.amount_jpy,
                paid,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grants", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEMO_NOW"] = "2025-06-02T10:00:00+09:00"
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
    from grantfactories_portfolio import many_grants

    from renkei.accounts.models import Organisation, Role, User
    from renkei.calls.services import call_open_from_rulebook
    from renkei.grants import selectors
    from renkei.grants.models import Grant

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call = call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024", title_ja="JCM", title_en="JCM"
    )
    round_ = call.rounds.get(code="first")
    org = Organisation.objects.create(name="Bench 株式会社", country="JP")
    applicant = User.objects.create_user(
        username="bench-applicant", role=Role.APPLICANT, organisation=org
    )
    office = User.objects.create_user(username="bench-office", role=Role.OFFICE, is_staff=True)
    t0 = time.perf_counter()
    many_grants(round_, applicant, office, args.grants)
    built = time.perf_counter() - t0

    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(office)
    day = selectors.today()

    def selector():
        selectors.portfolio_figures(selectors.portfolio_rows(Grant.objects.all()))

    def naive():
        _naive(list(Grant.objects.select_related("selection__proposal")), day)

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return run

    cases = {
        "selector": selector,
        "naive": naive,
        "page": get("/grants/portfolio/"),
        "list": get("/grants/"),
        "xlsx": get("/grants/portfolio/?export=xlsx"),
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
        f"{args.grants} grants (built in {built:.1f} s), {args.runs} runs each, "
        f"{connection.vendor}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    for name in cases:
        print(
            f"{name:9s} median {median[name] * 1000:8.1f} ms  "
            f"min {min(times[name]) * 1000:8.1f} ms  {queries[name]:5d} queries"
        )
    print(f"naive / selector: {median['naive'] / median['selector']:.1f}×")
    print(f"page / list:      {median['page'] / median['list']:.2f}×")
    print(f"page / selector:  {median['page'] / median['selector']:.2f}×")
    print(f"xlsx / page:      {median['xlsx'] / median['page']:.2f}×")


if __name__ == "__main__":
    main()
