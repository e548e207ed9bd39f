"""The office's MRV portfolio (issue 9 "a portfolio view for the office"): every plan with its
methodology, country, technologies, monitoring end, periods by state, expected / monitored /
verified totals, overdue (reading ``annual.reading.overdue``), provisional methodologies
flagged, filters, .xlsx/CSV export, in a number of queries that does not grow with the plans.
Who may see it: ``test_monitoring_annual_matrix``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from monitoringfactories_annual import (
    adopted_reductions,
    cast,
    completion_expected,
    operating_grant,
    period,
    plan_for,
)
from openpyxl import load_workbook
from test_api import client_for

from renkei.monitoring import selectors

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
URL = "/monitoring/portfolio/"


@pytest.fixture(autouse=True)
def _today(settings):
    settings.RENKEI_DEMO_NOW = "2026-06-01T10:00:00+09:00"


@pytest.fixture
def plans():
    """``on_time``: a period submitted ending 2025-09-30 (not overdue until 2026-09-30);
    ``late``: in operation since 2025-04-01 with only a draft (overdue since 2026-04-02);
    ``provisional``: a period computed with a provisional methodology, in Viet Nam."""
    on_time = operating_grant(title="Cold storage Jakarta")
    plan = plan_for(on_time)
    adopted_reductions(on_time, "700", "500")
    completion_expected(on_time, "1000")
    period(plan, "2025-04-01", "2025-09-30", "verified", monitored=420, verified=400)
    period(plan, "2025-10-01", "2026-03-31", "draft", monitored=500)
    late = operating_grant(title="Chillers Bandung")
    late_plan = plan_for(late)
    period(late_plan, "2025-04-01", "2025-12-31")
    odd = operating_grant(title="Boilers Hanoi")
    odd.selection.proposal.__class__.objects.filter(pk=odd.selection.proposal_id).update(
        country="VN"
    )
    odd_plan = plan_for(odd, methodology="VN_AM010")
    period(odd_plan, "2025-04-01", "2025-06-30", "submitted", monitored=10, provisional=True)
    return {
        "on_time": plan,
        "late": late_plan,
        "provisional": odd_plan,
        "office": cast(late).office,
    }


def _rows(office):
    return {r.plan.pk: r for r in selectors.portfolio_rows(office)}


def test_each_plan_with_its_figures(plans):
    rows = _rows(plans["office"])
    row = rows[plans["on_time"].pk]
    assert row.methodology == "ID_AM003 1.0" and row.country == "KE"
    assert row.technologies == ["Chiller 1", "Chiller 2"]
    # E: the last day of 15 years from O, its first day counted (2.(1)②, as the plan part)
    assert row.monitoring_end == D("2040-03-31")
    assert row.states == {"verified": 1, "draft": 1}
    assert (row.monitored_tco2, row.verified_tco2) == (920, 400)
    assert row.expected.adoption_tco2 == 1200 and row.expected.completion_tco2 == 1000
    assert row.expected_tco2 == Decimal("501.370") + Decimal("498.630")
    assert row.last_submitted_end == D("2025-09-30") and not row.overdue
    assert (row.annual_submitted, row.annual_due) == (0, 1)  # 2025 ended, not submitted
    assert not row.provisional


def test_overdue_is_a_year_without_a_submitted_period(plans):
    late = _rows(plans["office"])[plans["late"].pk]
    assert late.last_submitted_end is None
    assert late.overdue_since == D("2026-04-02")  # more than a year after 2025-04-01
    # a year to the day is not yet overdue
    assert selectors.portfolio_rows(plans["office"], on=D("2026-04-01"))[1].overdue is False


def test_a_provisional_result_is_flagged(plans):
    row = _rows(plans["office"])[plans["provisional"].pk]
    assert row.provisional and row.country == "VN"


def test_the_page_filters_and_warns(plans):
    client = client_for(plans["office"])
    page = client.get(URL).content.decode()
    assert "Cold storage Jakarta" in page and "Chillers Bandung" in page and "Boilers Hanoi" in page
    assert "since 2026-04-02" in page and "provisional" in page
    only = client.get(URL, {"overdue": "1"}).content.decode()
    assert "Chillers Bandung" in only and "Cold storage Jakarta" not in only
    assert "Boilers Hanoi" not in client.get(URL, {"country": "ke"}).content.decode()
    only = client.get(URL, {"methodology": "vn_am010"}).content.decode()
    assert "Boilers Hanoi" in only and "Chillers Bandung" not in only
    assert "Chillers Bandung" not in client.get(URL, {"provisional": "1"}).content.decode()
    bad = client.get(URL, {"country": "Kenya", "methodology": "AM3"}).content.decode()
    assert "“Kenya” is not a country code" in bad and "“AM3” is not a methodology id" in bad
    assert "Chillers Bandung" in bad  # the bad filters are dropped, every plan shown


def test_the_exports_have_every_column(plans):
    client = client_for(plans["office"])
    text = client.get(URL, {"export": "csv"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header = table[0]
    assert "Methodology" in header and "Overdue since" in header and "Verified (tCO2)" in header
    row = next(r for r in table if r[1] == "Cold storage Jakarta")
    assert row[header.index("Verified (tCO2)")] == "400"
    assert row[header.index("Monitoring end")] == "2040-03-31"
    book = load_workbook(io.BytesIO(client.get(URL, {"export": "xlsx"}).content))
    assert book.active.max_row == 4  # the header and three plans


def test_the_api_gives_the_same_rows(plans):
    client = client_for(plans["office"])
    data = client.get("/api/monitoring/portfolio", {"overdue": "true"}).json()
    assert data["count"] == 1 and data["plans"][0]["overdue_since"] == "2026-04-02"
    data = client.get("/api/monitoring/portfolio", {"q": "jakarta"}).json()
    assert data["plans"][0]["verified_tco2"] == 400
    assert data["plans"][0]["periods_by_state"] == {"verified": 1, "draft": 1}
    bad = client.get("/api/monitoring/portfolio", {"country": "Kenya"})
    assert bad.status_code == 422


def test_queries_do_not_grow_with_the_plans():
    def many(n):
        for _ in range(n):
            grant = operating_grant()
            plan = plan_for(grant)
            adopted_reductions(grant, "100")
            completion_expected(grant, "90")
            period(plan, "2025-04-01", "2025-09-30", "verified", monitored=50, verified=45)
            period(plan, "2025-10-01", "2026-03-31", "submitted", monitored=40)
        return plan

    plan = many(1)
    office = cast(plan.grant).office

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.portfolio(office, {})
        return len(ctx.captured_queries), len(rows)

    few, one = count()
    many(19)
    more, twenty = count()
    assert (one, twenty) == (1, 20)
    assert more == few
