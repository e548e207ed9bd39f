"""The office's view of the whole portfolio of grants (issue 8): every grant with its state, next
deadline and overdue items, money decided / fixed / paid per fiscal year against the call's
budget (JCM 2.(8)) with a chart, filters, search, pages and exports; the office's alone, on the
pages and in the API (a permission matrix that covers every URL and operation of the part)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from grantfactories_portfolio import adopted, grant, many_grants
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_api import body, client_for

from renkei.grants import selectors, views_portfolio
from renkei.grants.api import portfolio as api_portfolio
from renkei.grants.selectors import spread

pytestmark = pytest.mark.django_db

TODAY = "2025-06-02T10:00:00+09:00"  # FY2025; the year-end report of FY2024 was due 10 April
BUDGET = {
    2024: {"construction": 30_000_000, "equipment": 50_000_000, "admin": 0},  # 80 M
    2025: {"construction": 0, "equipment": 20_000_000, "admin": 0},  # 20 M
}


@pytest.fixture
def portfolio(users, first_round, settings):
    """Five grants: drafting; implementing (eco-lease, decided 50 M, one overdue); an amount
    change approved (decided 40 M → 60 M); paid (fixed 45 M, paid in FY2024 and FY2025);
    cancelled (decided 10 M, not counted)."""
    settings.RENKEI_DEMO_NOW = TODAY
    office, applicant = users["office"], users["applicant"]

    def sel(title, **kw):
        return adopted(first_round, applicant, office, title=title, **kw)

    d = dt.date(2024, 7, 1)
    return {
        "drafting": grant(
            sel("Solar Nairobi", country="KE"),
            office,
            deadlines=(("grant_application", dt.date(2025, 6, 20), "open"),),
        ),
        "eco": grant(
            sel("Eco-lease chillers", country="VN", kind="eco_lease"),
            office,
            state="implementing",
            decided_jpy=50_000_000,
            decided_on=d,
            budget=BUDGET,
            deadlines=(
                ("year_end_report:2024", dt.date(2025, 4, 10), "open"),  # overdue
                ("jcm_registration", dt.date(2025, 5, 30), "open"),  # overdue
                ("completion", dt.date(2026, 2, 27), "open"),
                ("decision_target", dt.date(2025, 6, 5), "done"),
                ("naiji_cancellable", dt.date(2025, 6, 3), "cancelled"),
            ),
        ),
        "changed": grant(
            sel("Biogas Hanoi", country="VN"),
            office,
            state="implementing",
            decided_jpy=40_000_000,
            changed_jpy=60_000_000,
            decided_on=d,
            budget=BUDGET,
        ),
        "paid": grant(
            sel("Waste heat Jakarta", country="ID"),
            office,
            state="paid",
            decided_jpy=50_000_000,
            decided_on=d,
            budget={2024: {"equipment": 1}, 2025: {"equipment": 2}},
            fixed_jpy=45_000_000,
            payments=((dt.date(2025, 3, 31), 20_000_000), (dt.date(2025, 4, 1), 25_000_000)),
        ),
        "cancelled": grant(
            sel("Cancelled", country="TH"),
            office,
            state="cancelled",
            decided_jpy=10_000_000,
            decided_on=d,
            budget=BUDGET,
        ),
    }


def _rows():
    return {r.number: r for r in selectors.portfolio_rows(selectors.Grant.objects.all())}


# --- the figures ----------------------------------------------------------------------------
def test_each_grant_with_its_state_deadlines_and_money(portfolio):
    rows = _rows()
    eco = rows[portfolio["eco"].number]
    assert eco.eco_lease and eco.overdue == 2
    # the next open deadline from today: done and cancelled ones do not count
    assert (eco.next_deadline.key, eco.next_deadline.due_on) == ("completion", dt.date(2026, 2, 27))
    assert eco.decided_jpy == 50_000_000 and eco.fixed_jpy is None and eco.paid_jpy == 0
    # 50 M spread over the allocation's eligible cost by year (80 M : 20 M)
    assert eco.decided_by_fy == {2024: 40_000_000, 2025: 10_000_000}

    drafting = rows[portfolio["drafting"].number]
    assert drafting.decided_jpy is None and drafting.decided_by_fy == {}
    assert drafting.next_deadline.key == "grant_application" and drafting.overdue == 0
    assert not drafting.eco_lease

    # an approved amount change: the current allocation's amount, not the decision's
    assert rows[portfolio["changed"].number].decided_jpy == 60_000_000

    paid = rows[portfolio["paid"].number]
    assert paid.fixed_jpy == 45_000_000
    assert paid.fixed_by_fy == {2024: 15_000_000, 2025: 30_000_000}
    # each payment in the fiscal year of its date: 31 March is FY2024, 1 April FY2025
    assert paid.paid_by_fy == {2024: 20_000_000, 2025: 25_000_000}
    assert paid.paid_jpy == 45_000_000

    cancelled = rows[portfolio["cancelled"].number]
    assert cancelled.decided_jpy is None and cancelled.decided_by_fy == {}


def test_money_by_year_against_the_calls_budget(portfolio):
    [figures] = selectors.portfolio_figures(list(_rows().values()))
    assert figures.budget_total_jpy == 12_800_000_000  # the rulebook's, 2.(8)
    assert figures.budget_eco_lease_jpy == 500_000_000
    assert figures.clause == "2.(8)"
    assert figures.grants == 5
    by_year = {y.fiscal_year: y for y in figures.years}
    assert by_year[2024].decided_jpy == 40_000_000 + 48_000_000 + 16_666_667
    assert by_year[2025].decided_jpy == 10_000_000 + 12_000_000 + 33_333_333
    assert figures.totals.decided_jpy == 50_000_000 + 60_000_000 + 50_000_000
    assert sum(y.decided_jpy for y in figures.years) == figures.totals.decided_jpy
    assert figures.totals.fixed_jpy == 45_000_000
    assert (by_year[2024].paid_jpy, by_year[2025].paid_jpy) == (20_000_000, 25_000_000)
    assert figures.eco_lease.decided_jpy == 50_000_000
    assert figures.eco_lease.paid_jpy == 0
    assert figures.remaining_jpy == 12_800_000_000 - 160_000_000
    assert figures.eco_lease_remaining_jpy == 500_000_000 - 50_000_000


@given(
    amount=st.integers(min_value=0, max_value=10**12),
    weights=st.dictionaries(
        st.integers(min_value=2000, max_value=2100), st.integers(min_value=0, max_value=10**11)
    ),
)
def test_spread_adds_up_to_the_yen(amount, weights):
    parts = spread(amount, weights)
    if amount and any(w > 0 for w in weights.values()):
        assert sum(parts.values()) == amount
        total = sum(weights.values())
        for year, part in parts.items():  # within one yen of the exact proportion
            assert abs(part * total - amount * weights[year]) < total
    else:
        assert parts == {}


def test_no_budget_years_puts_the_decided_amount_in_the_decisions_year(users, first_round):
    office = users["office"]
    s = adopted(first_round, users["applicant"], office, title="No budget")
    g = grant(
        s, office, state="implementing", decided_jpy=7, decided_on=dt.date(2025, 3, 31), budget={}
    )
    [row] = selectors.portfolio_rows(selectors.Grant.objects.filter(pk=g.pk))
    assert row.decided_by_fy == {2024: 7}


def test_queries_do_not_grow_with_the_grants(users, first_round):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.portfolio_rows(selectors.Grant.objects.all())
            selectors.portfolio_figures(rows)
        return len(ctx.captured_queries)

    many_grants(first_round, users["applicant"], users["office"], 6)
    few = count()
    many_grants(first_round, users["applicant"], users["office"], 30)
    assert count() == few


# --- the page ---------------------------------------------------------------------------------
URL = "/grants/portfolio/"


def test_page_shows_rows_figures_and_a_chart_without_inline_style(users, portfolio):
    page = client_for(users["office"]).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for g in portfolio.values():
        assert g.number in html
    assert "Eco-lease chillers" in html and "Next deadline" in html
    assert "12,800,000,000" in html and "500,000,000" in html
    assert (
        "Budget less the amounts decided: JPY 12,640,000,000; eco-lease: JPY 450,000,000." in html
    )
    assert html.count("<svg") == 2  # against the budget; by fiscal year
    assert "<rect" in html and "FY2025" in html
    assert not re.search(r'\sstyle="|<style|\son[a-z]+=', html)
    assert "renkei.portfolio.decided_by_budget_year" in html  # the readings are shown


def test_page_in_japanese(users, portfolio):
    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(users["office"])
    html = client.get(URL).content.decode()
    assert "交付金ポートフォリオ" in html and "交付決定額(円)" in html
    assert "128.00 億円" in html  # the chart's label of the call's budget, in 億円
    assert "2025年度" in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=implementing", {"eco", "changed"}),
        ("country=vn", {"eco", "changed"}),
        ("overdue=1", {"eco"}),
        ("state=implementing&country=VN&overdue=1", {"eco"}),
        ("q=jakarta", {"paid"}),
    ],
)
def test_filters_and_search(users, portfolio, query, shown):
    html = client_for(users["office"]).get(f"{URL}?{query}").content.decode()
    assert {k for k, g in portfolio.items() if g.number in html} == shown


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=bogus", "“bogus” is not a state of a grant; showing every state."),
        ("country=Kenya", "“Kenya” is not a country code"),
    ],
)
def test_a_bad_filter_is_said_and_every_grant_shown(users, portfolio, query, message):
    page = client_for(users["office"]).get(f"{URL}?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert message in html
    assert all(g.number in html for g in portfolio.values())


def test_export_xlsx_and_csv_keep_the_filters(users, portfolio):
    client = client_for(users["office"])
    sheet = client.get(f"{URL}?country=VN&export=xlsx")
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Grant number" and "Decided (JPY)" in rows[0]
    assert {r[0] for r in rows[1:]} == {portfolio["eco"].number, portfolio["changed"].number}
    decided = rows[0].index("Decided (JPY)")
    assert {r[decided] for r in rows[1:]} == {50_000_000, 60_000_000}
    # and the money of each fiscal year, for the office's own sums
    header = list(rows[0])
    assert header[-6:] == [
        "Decided FY2024 (JPY)",
        "Fixed FY2024 (JPY)",
        "Paid FY2024 (JPY)",
        "Decided FY2025 (JPY)",
        "Fixed FY2025 (JPY)",
        "Paid FY2025 (JPY)",
    ]
    eco = next(r for r in rows if r[0] == portfolio["eco"].number)
    assert (
        eco[header.index("Decided FY2024 (JPY)")],
        eco[header.index("Decided FY2025 (JPY)")],
    ) == (
        40_000_000,
        10_000_000,
    )
    text = client.get(f"{URL}?export=csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) == 1 + 5
    overdue = table[0].index("Overdue items")
    assert {r[0]: r[overdue] for r in table[1:]}[portfolio["eco"].number] == "2"


# --- who may see it: pages and API --------------------------------------------------------------
ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
    "partner",
]
OFFICE_ONLY_PAGE = [302, 404, 404, 200, 404, 404, 404, 404]
OFFICE_ONLY_API = [401, 404, 404, 200, 404, 404, 404, 404]
PAGES = {
    "grants:portfolio": OFFICE_ONLY_PAGE,
    # the exports are the same view, checked the same way
    "grants:portfolio?export=xlsx": OFFICE_ONLY_PAGE,
    "grants:portfolio?export=csv": OFFICE_ONLY_PAGE,
}
API = {("GET", "/api/grant-portfolio"): OFFICE_ONLY_API}


def test_the_matrix_covers_every_url_and_operation_of_the_part():
    names = {f"grants:{p.name}" for p in views_portfolio.urlpatterns}
    assert names == {k.partition("?")[0] for k in PAGES}
    operations = {
        (method, "/api" + path_)
        for path_, view in api_portfolio.router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    assert operations == set(API)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(users, portfolio, role):
    from renkei.proposals.models import ProposalPartner

    # the partner participant of the eco-lease grant's consortium sees that grant elsewhere,
    # never the office's portfolio
    ProposalPartner.objects.create(
        proposal=portfolio["eco"].selection.proposal,
        organisation=users["partner"].organisation,
        added_by=users["applicant"],
    )
    client = client_for(users[role])
    for name, expected in PAGES.items():
        url_name, _q, query = name.partition("?")
        response = client.get(reverse(url_name) + (f"?{query}" if query else ""))
        assert response.status_code == expected[ROLES.index(role)], (name, role)
    for (method, path_), expected in API.items():
        response = client.generic(method, path_)
        assert response.status_code == expected[ROLES.index(role)], (path_, role)


# --- the API ------------------------------------------------------------------------------------
def test_api_rows_figures_and_filters(users, portfolio):
    client = client_for(users["office"])
    data = body(client.get("/api/grant-portfolio"))
    assert data["count"] == 5 and data["as_of"] == "2025-06-02"
    [call] = data["calls"]
    assert call["budget_total_jpy"] == 12_800_000_000
    assert call["budget_eco_lease_jpy"] == 500_000_000
    assert call["remaining_jpy"] == 12_640_000_000
    assert call["totals"] == {
        "decided_jpy": 160_000_000,
        "fixed_jpy": 45_000_000,
        "paid_jpy": 45_000_000,
    }
    eco = next(g for g in data["grants"] if g["number"] == portfolio["eco"].number)
    assert eco["eco_lease"] is True and eco["overdue"] == 2
    assert eco["next_deadline"]["key"] == "completion"
    assert eco["decided_by_fy"] == {"2024": 40_000_000, "2025": 10_000_000}
    assert "renkei.portfolio.decided_by_budget_year" in {r["id"] for r in data["readings"]}

    only = body(client.get("/api/grant-portfolio?overdue=true&country=vn"))
    assert [(g["number"], g["overdue"]) for g in only["grants"]] == [(portfolio["eco"].number, 2)]
    page = body(client.get("/api/grant-portfolio?limit=2&offset=1"))
    assert page["count"] == 5 and len(page["grants"]) == 2
    assert body(client.get("/api/grant-portfolio?q=jakarta"))["count"] == 1


@pytest.mark.parametrize(
    "query", ["state=bogus", "country=Kenya", "limit=0", "limit=5000", "offset=-1"]
)
def test_api_refuses_bad_filters(users, portfolio, query):
    response = client_for(users["office"]).get(f"/api/grant-portfolio?{query}")
    assert response.status_code == 422
    assert body(response)["errors"]


def test_chart_bars_are_to_scale():
    chart = views_portfolio.bar_chart(
        "t",
        [
            ("a", [("budget", 1000, "budget"), ("decided", 250, "decided")]),
            ("b", [("budget", 100, "budget"), ("decided", 100, "decided")]),
        ],
        shared=False,
    )
    (_h, _y, a), (_h2, _y2, b) = chart.groups
    room = views_portfolio.CHART_WIDTH - views_portfolio.LABEL_WIDTH - views_portfolio.VALUE_WIDTH
    assert [bar.width for bar in a] == [room, round(room / 4)]
    assert [bar.width for bar in b] == [room, room]  # its own budget: full width
    shared = views_portfolio.bar_chart(
        "t", [("a", [("x", 1000, "paid")]), ("b", [("y", 0, "paid")])]
    )
    assert [bar.width for _h, _y, bars in shared.groups for bar in bars] == [room, 0]
    assert chart.height > max(bar.y for bar in chart.bars())
