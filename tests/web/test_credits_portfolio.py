"""The credits stage's portfolio and public views (issue 10, "Japan's target and public views"):
expected, monitored, verified, issued and delivered credits by country, technology, call and
fiscal year against the public targets, the projection, the office's page and export, the
public pages and open data (JSON, CSV, IATI XML) with nothing confidential, and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from creditsfactories_portfolio import world
from hypothesis import given
from hypothesis import strategies as st
from test_api import client_for

from renkei.credits import portfolio as selectors

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
TODAY = "2026-12-01T10:00:00+09:00"


@pytest.fixture(autouse=True)
def _today(settings, monkeypatch):
    settings.RENKEI_DEMO_NOW = TODAY
    monkeypatch.setattr("renkei.grants.services.schedule.refresh_deadlines", lambda grant: None)


@pytest.fixture
def data():
    return world()


# --- fiscal-year arithmetic -------------------------------------------------------------------
def test_a_period_across_1_april_is_shared_by_days_in_whole_credits():
    # 1 Jan – 30 Jun 2026: 90 days in FY2025, 91 in FY2026 (181); 480 × 90/181 = 238.67
    assert selectors.whole_by_fy(480, D("2026-01-01"), D("2026-06-30")) == {2025: 239, 2026: 241}
    assert selectors.fy_days(D("2025-04-01"), D("2026-03-31")) == {2025: 365}


@given(
    total=st.integers(min_value=0, max_value=10**9),
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 1, 1)),
    days=st.integers(min_value=0, max_value=3000),
)
def test_whole_credits_by_year_always_add_up(total, start, days):
    shares = selectors.whole_by_fy(total, start, start + dt.timedelta(days=days))
    assert sum(shares.values()) == total
    assert all(isinstance(v, int) and v >= 0 for v in shares.values())


def test_expected_reductions_by_fiscal_year_are_decimal_to_the_milli_tonne():
    out = selectors.expected_by_fy(Decimal("1000"), D("2026-07-01"), D("2027-03-31"))
    assert out == {2026: Decimal("750.685")}  # 274 of 365 days, half up
    assert all(isinstance(v, Decimal) for v in out.values())


def test_a_range_less_the_verified_ranges():
    got = selectors._minus(
        D("2025-01-01"),
        D("2025-12-31"),
        [(D("2024-06-01"), D("2025-03-31")), (D("2025-06-01"), D("2025-06-30"))],
    )
    assert got == [(D("2025-04-01"), D("2025-05-31")), (D("2025-07-01"), D("2025-12-31"))]


# --- the portfolio's figures ------------------------------------------------------------------
def test_the_five_measures_of_each_project(data):
    rows = {r.selection_id: r for r in selectors.portfolio_rows()}
    a = rows[data["grant"].selection_id]
    b = rows[data["other"].selection_id]
    # A: 1,000 t/year from 2025-04-01 for 15 years = FY2025–FY2039, a whole year each
    assert a.expected_tco2 == Decimal(15000) and a.expected_by_fy[2039] == Decimal(1000)
    assert a.monitored_tco2 == 760 + 500 + 490 and a.verified_tco2 == 1230
    assert a.monitored_by_fy == {2025: 760 + 249, 2026: 251 + 490}
    assert a.issued_tco2 == 1230
    # the government's half: 375 + 240, 40 of which are in its cancellation account
    assert a.delivered_tco2 == 615
    assert a.project_state == "registered" and a.reference == "KE901"
    assert a.technology == "Chiller" and a.goj_percent == Decimal("50.0000")
    # B: no grant operation yet: the planned start (2027-04-01) and each line's life (10)
    assert b.operation_start == D("2027-04-01") and b.project_state == ""
    assert b.expected_tco2 == Decimal(5000) and min(b.expected_by_fy) == 2027
    assert (b.monitored_tco2, b.issued_tco2, b.delivered_tco2) == (0, 0, 0)


def test_totals_groups_targets_and_projection(data):
    p = selectors.figures(selectors.portfolio_rows())
    assert p.totals.projects == 2
    assert p.totals.expected == Decimal(20000)
    assert (p.totals.verified, p.totals.issued, p.totals.delivered) == (1230, 1230, 615)
    assert [(g.key, g.projects) for g in p.by_country] == [("KE", 2)]
    assert {g.key for g in p.by_technology} == {"Chiller", "Solar PV"}
    assert sum(g.expected for g in p.by_technology) == p.totals.expected
    assert len(p.by_call) == 1 and p.by_call[0].projects == 2
    years = {y.fiscal_year: y for y in p.years}
    # projected: verified where verified (FY2025: 750 + 239), expected for the other days
    assert years[2025].projected == Decimal(989)
    assert years[2026].projected == Decimal(241) + Decimal("750.685")
    by2030, by2040 = p.targets
    assert (by2030.target.mtco2, by2030.target.fiscal_year) == (100, 2030)
    assert (by2040.target.mtco2, by2040.target.fiscal_year) == (200, 2040)
    assert by2030.expected == Decimal(6000 + 2000)
    assert by2030.projected == Decimal("7980.685")
    # the government's share of A's projection (50 %, rounded up); B has no agreement
    assert by2030.projected_goj == 495 + 496 + 4 * 500
    assert by2030.issued == 1230 and by2030.delivered == 615
    assert by2030.expected_share == Decimal("0.01")  # 8,000 t of 100 Mt
    assert max(y.fiscal_year for y in p.years) <= 2040


def test_an_empty_portfolio_has_zero_figures():
    p = selectors.figures(selectors.portfolio_rows())
    assert p.totals.projects == 0 and p.years == [] and p.by_country == []
    assert [t.projected for t in p.targets] == [Decimal(0), Decimal(0)]


def test_the_portfolio_is_read_in_a_fixed_number_of_queries(data, django_assert_max_num_queries):
    from creditsfactories_portfolio import adopted_only

    with django_assert_max_num_queries(12) as few:
        selectors.portfolio_rows()
    for _ in range(3):
        adopted_only()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(selectors.portfolio_rows()) == 5


# --- the office's page ------------------------------------------------------------------------
def test_the_office_sees_the_page_with_targets_charts_and_readings(data):
    client = client_for(data["cast"].office)
    response = client.get("/credits/portfolio/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "KE901" in html
    for reading in selectors.READINGS:
        assert reading in html
    assert "newton-consulting.co.jp" in html and "stocknews24.com" in html
    assert 'style="' not in html.split("<main", 1)[-1]  # the charts need no style attribute


def test_the_page_with_no_project_says_so():
    from grantfactories_schedule import person

    from renkei.accounts.models import Role

    client = client_for(person(Role.OFFICE))
    response = client.get("/credits/portfolio/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No adopted JCM project matches these filters." in html
    assert "No dated figure yet" in html


def test_a_filter_that_is_not_one_is_dropped_with_a_message(data):
    client = client_for(data["cast"].office)
    response = client.get("/credits/portfolio/?country=Kenya&call=abc", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "“Kenya” is not a country code" in html and "“abc” is not a call" in html
    assert "KE901" in html  # every country is shown
    none = client.get("/credits/portfolio/?country=ID").content.decode()
    assert "KE901" not in none


def test_the_office_exports_the_table_as_csv_and_xlsx(data):
    from openpyxl import load_workbook

    client = client_for(data["cast"].office)
    response = client.get("/credits/portfolio/?export=csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Receipt number", "Grant number", "Title"]
    assert "Expected FY2030 (tCO2)" in rows[0]
    assert len(rows) == 3
    a = next(r for r in rows if "KE901" in r)
    assert a[rows[0].index("Issued (tCO2)")] == "1230"
    xlsx = client.get("/credits/portfolio/?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3


def test_nobody_but_the_office_sees_the_portfolio(data):
    assert client_for(data["cast"].filer).get("/credits/portfolio/").status_code == 404
    assert client_for(None).get("/credits/portfolio/").status_code == 302


# --- public pages and open data ---------------------------------------------------------------
def _secrets(data) -> list[str]:
    """What must never be public: people, addresses, the 内示 amount, account numbers."""
    grant = data["grant"]
    people = [grant.selection.proposal.created_by, data["cast"].office]
    out = []
    for u in people:
        out += [u.email, u.username]
        out += [x for x in (u.first_name, u.last_name) if x]
    out += ["98000000", "98,000,000", grant.selection.naiji_number]
    out += [a.number for a in data["accounts"]]
    out += [grant.selection.proposal.receipt_number]
    return out


def test_the_public_page_needs_no_login_and_shows_projects_issuances_holdings(data):
    response = client_for(None).get("/credits/public/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "KE901" in html and "冷凍倉庫省エネ" in html
    assert "2025-04-01 – 2025-12-31" in html  # the first issuance's vintage
    assert "Issued: 1,230 tCO2" in html
    assert client_for(None).get("/api/docs").status_code == 200  # the page's API link
    for secret in _secrets(data):
        assert secret not in html, secret


def test_the_public_page_with_nothing_registered():
    html = client_for(None).get("/credits/public/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No JCM project has been registered yet." in html
    assert "No credit has been issued yet." in html


def test_open_data_json_and_csv_hold_nothing_confidential(data):
    client = client_for(None)
    body = client.get("/credits/public/open-data.json").content.decode()
    doc = json.loads(body)
    assert [p["reference"] for p in doc["projects"]] == ["KE901"]
    assert [i["issued_tco2"] for i in doc["issuances"]] == [750, 480]
    assert [i["delivered_tco2"] for i in doc["issuances"]] == [375, 240]
    holdings = {(h["account_kind"], h["quantity_tco2"]) for h in doc["holdings"]}
    assert holdings == {("government", 375 + 200), ("cancellation", 40)}
    assert doc["targets"][0]["tco2"] == 100_000_000
    assert set(doc["projects"][0]) == {
        "reference",
        "country",
        "title",
        "title_en",
        "company",
        "company_en",
        "registered_on",
        "annual_reduction_tco2",
        "issued_tco2",
        "delivered_tco2",
    }
    texts = [body]
    for dataset in ("projects", "issuances", "holdings"):
        response = client.get(f"/credits/public/{dataset}.csv")
        assert response.status_code == 200
        texts.append(response.content.decode("utf-8-sig"))
    assert client.get("/credits/public/accounts.csv").status_code == 404
    for text in texts:
        for secret in _secrets(data):
            assert secret not in text, secret
    rows = list(csv.reader(io.StringIO(texts[2])))
    assert rows[0][0] == "project_reference" and len(rows) == 3


def test_iati_activity_xml_is_well_formed_and_public_only(data):
    response = client_for(None).get("/credits/public/iati-activities.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # well-formed, or this raises
    assert root.tag == "iati-activities" and root.get("version") == "2.03"
    activities = root.findall("iati-activity")
    assert len(activities) == 2  # the adopted JCM projects, registered or not
    first = activities[0]
    order = [child.tag for child in first]
    # the 2.03 schema's sequence for the elements used
    schema = [
        "iati-identifier",
        "reporting-org",
        "title",
        "description",
        "participating-org",
        "activity-status",
        "activity-date",
        "recipient-country",
    ]
    assert [t for t in schema if t in order] == sorted(set(order), key=order.index)
    assert first.find("recipient-country").get("code") == "KE"
    text = response.content.decode()
    assert "KE901" in text
    for secret in _secrets(data):
        assert secret not in text, secret


# --- the API ----------------------------------------------------------------------------------
def test_the_api_portfolio_has_the_pages_figures(data):
    client = client_for(data["cast"].office)
    body = client.get("/api/credits/portfolio?limit=1").json()
    assert body["count"] == 2 and len(body["projects"]) == 1
    assert body["totals"]["issued_tco2"] == 1230 and body["totals"]["delivered_tco2"] == 615
    assert Decimal(body["totals"]["expected_tco2"]) == Decimal(20000)
    assert [t["mtco2"] for t in body["targets"]] == [100, 200]
    assert body["targets"][0]["projected_goj_tco2"] == 2991
    only = client.get("/api/credits/portfolio?registered=true").json()
    assert only["count"] == 1 and only["projects"][0]["reference"] == "KE901"
    assert client.get("/api/credits/portfolio?country=Kenya").status_code == 422


def test_the_public_api_pages_and_refuses_too_large_a_page(data):
    client = client_for(None)
    body = client.get("/api/credits/public/issuances?limit=1&offset=1").json()
    assert body["count"] == 2 and body["offset"] == 1 and len(body["items"]) == 1
    assert body["items"][0]["issued_tco2"] == 480
    assert client.get("/api/credits/public/issuances?limit=501").status_code == 422
    projects = client.get("/api/credits/public/projects").json()
    assert projects["items"][0]["reference"] == "KE901"
    holdings = client.get("/api/credits/public/holdings").json()
    assert sum(h["quantity_tco2"] for h in holdings["items"]) == 615
    text = json.dumps([projects, holdings, body])
    for secret in _secrets(data):
        assert secret not in text, secret


def test_the_public_page_shows_a_bounded_list_and_says_where_the_rest_is(data, monkeypatch):
    monkeypatch.setattr("renkei.credits.views_portfolio.PUBLIC_PAGE_ROWS", 1)
    html = client_for(None).get("/credits/public/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    issuances = html.split('id="issuances"', 1)[1].split('id="holdings"', 1)[0]
    assert issuances.count("<td>KE901</td>") == 1  # of two
    assert "The first 1 of 2 are shown; the open data and the API hold them all." in issuances
