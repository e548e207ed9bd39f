"""The monitoring stage's annual part (issue 9 "Annual project report to MOEJ", "A chart per
project"; JCM 2.(1)②, 2.(5)②(エ), 4.(8); spec §2.4, A-21, A-34): the expected reductions at
adoption and at completion, monitored and verified reductions per period and per calendar year
(a period across a year end shared pro rata by days), the 事業報告書 filed from monitoring
through the grant's service, and the chart with its table on the project's page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from monitoringfactories_annual import (
    adopted_reductions,
    cast,
    completion_expected,
    operating_grant,
    partner_of,
    period,
    plan_for,
)
from test_api import client_for, post_json

from renkei.audit.models import AuditEvent
from renkei.grants.models import AnnualReport
from renkei.grants.services import closing
from renkei.monitoring import selectors
from renkei.monitoring.services.annual import annual_report_from_monitoring
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
TODAY = "2026-06-01T10:00:00+09:00"


@pytest.fixture(autouse=True)
def _today(settings, monkeypatch):
    settings.RENKEI_DEMO_NOW = TODAY
    monkeypatch.setattr("renkei.grants.services.schedule.refresh_deadlines", lambda grant: None)


@pytest.fixture
def project():
    """In operation from 2025-04-01 (15 years); adopted at 700 + 500 t/year, 1,000 t/year at
    completion; P1 (Apr–Sep 2025) computed 420 t, verified 400 t; P2 (Oct 2025–Mar 2026, across
    the year end) computed 500 t, submitted and assigned to the TPE; P3 a draft not computed."""
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    adopted_reductions(grant, "700", "500")
    completion_expected(grant, "1000")
    p1 = period(plan, "2025-04-01", "2025-09-30", "verified", monitored=420, verified=400)
    p2 = period(plan, "2025-10-01", "2026-03-31", "submitted", monitored=500, tpe=people.tpe)
    p3 = period(plan, "2026-04-01", "2026-06-30")
    return {"grant": grant, "plan": plan, "cast": people, "p1": p1, "p2": p2, "p3": p3}


# --- the pro-rata reading ---------------------------------------------------------------------
def test_a_period_across_a_year_end_is_shared_by_days_rounded_down():
    # 1 Oct 2025 – 31 Mar 2026: 92 days in 2025, 90 in 2026 (182)
    shares = selectors.split_by_year(100, D("2025-10-01"), D("2026-03-31"))
    assert shares == {2025: Decimal("50.549"), 2026: Decimal("49.451")}  # 50.5494… down
    assert selectors.split_by_year(7, D("2025-01-01"), D("2025-12-31")) == {2025: Decimal(7)}


@given(
    total=st.integers(min_value=0, max_value=10**9),
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 1, 1)),
    days=st.integers(min_value=0, max_value=1200),
)
def test_the_shares_always_add_up_to_the_period_and_are_never_negative(total, start, days):
    end = start + dt.timedelta(days=days)
    shares = selectors.split_by_year(total, start, end)
    assert sum(shares.values()) == total
    assert all(v >= 0 for v in shares.values())
    assert list(shares) == list(range(start.year, end.year + 1))


# --- expected reductions (A-34) ----------------------------------------------------------------
def test_both_expected_values_are_read_and_the_completion_reports_is_used(project):
    expected = selectors.expected_annual(project["plan"])
    assert expected.adoption_tco2 == Decimal("1200")
    assert expected.completion_tco2 == Decimal("1000")
    assert expected.used == "completion" and expected.annual_tco2 == Decimal("1000")


def test_without_an_expected_reduction_at_completion_the_adoptions_is_used():
    grant = operating_grant()
    plan = plan_for(grant)
    adopted_reductions(grant, "365")
    completion_expected(grant, None)
    expected = selectors.expected_annual(plan)
    assert (expected.used, expected.annual_tco2) == ("adoption", Decimal("365"))
    assert expected.between(D("2025-01-01"), D("2025-01-10")) == Decimal("10.000")


def test_the_expected_of_a_reporting_period_is_the_grant_stages(project):
    grant = project["grant"]
    mine = selectors.expected_annual(project["plan"]).between(D("2025-04-01"), D("2025-12-31"))
    assert mine == closing.expected_for_period(grant, D("2025-04-01"), D("2025-12-31"))
    assert mine == Decimal("753.425")  # 1000 × 275 / 365


# --- per period and per year -----------------------------------------------------------------
def test_reductions_per_period(project):
    rows = selectors.reductions_by_period(project["plan"])
    assert [(r.start, r.monitored_tco2, r.verified_tco2, r.basis) for r in rows] == [
        (D("2025-04-01"), 420, 400, "verified"),
        (D("2025-10-01"), 500, None, "monitored"),
        (D("2026-04-01"), None, None, None),
    ]
    assert rows[0].expected_tco2 == Decimal("501.370")  # 1000 × 183 / 365
    assert rows[1].expected_tco2 == Decimal("498.630")  # 1000 × (92 + 90) / 365


def test_a_correction_counts_once_and_a_superseded_version_never(project):
    plan, p1 = project["plan"], project["p1"]
    # a correction of P1 being drafted: verified stays v1's, monitored is the new computation
    v2 = period(
        plan, "2025-04-01", "2025-09-30", "draft", monitored=410, version=2, correction_of=p1
    )
    [row] = [r for r in selectors.reductions_by_period(plan) if r.start == D("2025-04-01")]
    assert (row.versions, row.monitored_tco2, row.verified_tco2) == (2, 410, 400)
    # once the correction is verified the old version is superseded and no longer counts
    type(p1).objects.filter(pk=p1.pk).update(state="superseded")
    type(v2).objects.filter(pk=v2.pk).update(state="verified")
    from renkei.monitoring.models import Verification

    Verification.objects.create(
        period=v2,
        verified_tco2=405,
        verified_on=D("2026-01-10"),
        statement="v2",
        verifier=plan.created_by,
    )
    [row] = [r for r in selectors.reductions_by_period(plan) if r.start == D("2025-04-01")]
    assert (row.monitored_tco2, row.verified_tco2, row.period.version) == (410, 405, 2)


def test_reductions_per_year_of_the_report(project):
    years = selectors.reductions_by_year(project["plan"])
    first = years[2025]
    assert (first.start, first.end) == (D("2025-04-01"), D("2025-12-31"))  # from operation
    # P1 wholly (verified 400) + P2's 92 of 182 days (monitored 500 → 252.747)
    assert first.verified_tco2 == Decimal(400)
    assert first.monitored_tco2 == Decimal(420) + Decimal("252.747")
    assert first.reported_tco2 == Decimal("652.747") and first.basis == "mixed"
    assert first.covered_days == 275 == first.days
    assert first.expected_tco2 == Decimal("753.425")
    assert first.shortfall_tco2 == Decimal("100.678")
    assert first.status == "due"  # ended 2025-12-31, not submitted; no due date
    second = years[2026]
    assert second.reported_tco2 == Decimal("247.253") and second.basis == "monitored"
    assert second.covered_days == 90 and second.status == "open"
    assert list(years)[:2] == [2025, 2026] and years[2039].end == D("2039-12-31")


# --- the report from monitoring --------------------------------------------------------------
def _file(project, **kw):
    args = {
        "actor": project["cast"].filer,
        "plan": project["plan"],
        "period_start": D("2025-04-01"),
        "period_end": D("2025-12-31"),
        "operating_status": "Running.",
        "property_status": "All in use.",
        "shortfall_reason": "",
    }
    return annual_report_from_monitoring(**{**args, **kw})


def test_a_shortfall_needs_its_reason_and_the_report_carries_monitorings_figure(project):
    with pytest.raises(ServiceError, match=r"below the expected 753.425 t.*4.\(8\)"):
        _file(project)
    assert not AnnualReport.objects.exists()
    report = _file(project, shortfall_reason="Repairs in May.")
    assert report.reductions_tco2 == Decimal("652.747")
    assert report.expected_tco2 == Decimal("753.425")
    event = AuditEvent.objects.get(action="monitoring_annual_report_submit")
    assert event.object_id == str(project["plan"].pk)
    assert event.payload["basis"] == "mixed" and event.payload["expected_from"] == "completion"
    assert [p["basis"] for p in event.payload["periods"]] == ["verified", "monitored"]
    assert selectors.reductions_by_year(project["plan"])[2025].status == "submitted"
    with pytest.raises(ServiceError, match="already submitted"):
        _file(project, shortfall_reason="again")


def test_the_adoptions_expected_reduction_also_needs_a_reason():
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    adopted_reductions(grant, "5000")
    completion_expected(grant, None)  # the grant's own check has nothing to compare with
    period(plan, "2025-04-01", "2025-12-31", "submitted", monitored=100)
    with pytest.raises(ServiceError, match="give the reason"):
        annual_report_from_monitoring(
            actor=people.filer,
            plan=plan,
            period_start=D("2025-04-01"),
            period_end=D("2025-12-31"),
            operating_status="x",
            property_status="y",
        )


def test_refusals_say_what_would_be_right(project):
    with pytest.raises(ServiceError, match=r"not a reporting period.*2025-04-01–2025-12-31"):
        _file(project, period_start=D("2025-01-01"))
    with pytest.raises(ServiceError, match="has not ended yet"):
        _file(project, period_start=D("2026-01-01"), period_end=D("2026-12-31"))
    grant = operating_grant(operation="2024-04-01")
    plan = plan_for(grant)
    with pytest.raises(ServiceError, match="No computed monitoring period covers"):
        annual_report_from_monitoring(
            actor=grant.selection.proposal.created_by,
            plan=plan,
            period_start=D("2024-04-01"),
            period_end=D("2024-12-31"),
            operating_status="x",
            property_status="y",
        )


@pytest.mark.parametrize("who", ["office", "verifier", "outsider", "partner"])
def test_only_the_representatives_applicants_file(project, who):
    actor = partner_of(project["grant"]) if who == "partner" else getattr(project["cast"], who)
    with pytest.raises(NotAllowed):
        _file(project, actor=actor, shortfall_reason="x")
    assert not AnnualReport.objects.exists()


# --- the chart and the pages -----------------------------------------------------------------
def test_the_projects_page_shows_the_chart_with_its_table(project):
    html = client_for(project["cast"].office).get(f"/monitoring/{project['plan'].pk}/").content
    html = html.decode()
    assert html.count("<svg") == 1 and 'aria-describedby="reductions-table"' in html
    # P1: expected, monitored, verified; P2: expected, monitored; P3 (not computed): expected
    assert html.count("<rect") == 6
    table = html[html.index('id="reductions-table"') :]
    for figure in ("498.630", "420", "400", "500"):
        assert figure in table
    assert "652.747" in html and "Due (the period has ended" in html
    assert "the completion report" in html  # which expected is used, A-34
    assert 'href="/monitoring/portfolio/"' in html  # the office's way to the portfolio
    assert not re.search(r'\sstyle="|<style|\son[a-z]+=', html)


def test_a_verifier_sees_the_project_but_not_its_annual_part(project):
    page = client_for(project["cast"].verifier).get(f"/monitoring/{project['plan'].pk}/")
    assert page.status_code == 200
    assert b"<svg" not in page.content and b"annual-reports" not in page.content


def test_the_report_page_is_prefilled_and_keeps_what_was_typed(project):
    from renkei.grants.models import PropertyItem

    PropertyItem.objects.create(
        grant=project["grant"],
        name="Chiller",
        quantity=2,
        unit_price_jpy=800_000,
        acquired_on=D("2025-03-01"),
        useful_life_years=15,
        location="Cold storage A",
        recorded_by=project["cast"].filer,
    )
    client = client_for(project["cast"].filer)
    url = f"/monitoring/{project['plan'].pk}/annual/2025/"
    page = client.get(url).content.decode()
    assert "Monitoring covers 275 of the 275 days of the period." in page
    assert "Chiller × 2 (Cold storage A): in use" in page
    assert "100.678 t below the expected" in page
    typed = {"operating_status": "Ran all year — 稼働", "property_status": "In use."}
    again = client.post(url, typed)
    assert again.status_code == 200 and "give the reason" in again.content.decode()
    assert "Ran all year — 稼働" in again.content.decode()  # nothing typed is lost
    done = client.post(url, {**typed, "shortfall_reason": "Repairs."})
    assert done.status_code == 302
    assert AnnualReport.objects.get().shortfall_reason == "Repairs."


def test_the_api_gives_the_same_figures_and_files_the_report(project):
    client = client_for(project["cast"].filer)
    url = f"/api/monitoring/plans/{project['plan'].pk}/reductions"
    data = client.get(url).json()
    assert data["expected"] == {
        "adoption_tco2": "1200",
        "completion_tco2": "1000.000",
        "used": "completion",
    }
    first = data["years"][0]
    assert (first["reductions_tco2"], first["basis"], first["status"]) == (
        "652.747",
        "mixed",
        "due",
    )
    body = {
        "period_start": "2025-04-01",
        "period_end": "2025-12-31",
        "operating_status": "Running.",
        "property_status": "In use.",
    }
    refused = post_json(client, f"/api/monitoring/plans/{project['plan'].pk}/annual-reports", body)
    assert refused.status_code == 422 and "give the reason" in refused.json()["detail"]
    body["shortfall_reason"] = "Repairs."
    done = post_json(client, f"/api/monitoring/plans/{project['plan'].pk}/annual-reports", body)
    assert done.status_code == 201 and done.json()["years"][0]["status"] == "submitted"


def test_the_pages_speak_japanese_by_default(project):
    from django.test import Client

    client = Client()  # no Accept-Language: Japanese
    client.force_login(project["cast"].filer)
    page = client.get(f"/monitoring/{project['plan'].pk}/annual/2025/").content.decode()
    assert "事業報告書" in page
    assert "モニタリングは期間 275 日のうち 275 日をカバーしています。" in page
    assert "検証済みとモニタリング値" in page  # which figures the year takes
    detail = client.get(f"/monitoring/{project['plan'].pk}/").content.decode()
    assert "モニタリング期間ごとの削減量(tCO2)" in detail


def test_bad_addresses_and_input_are_answered_never_with_a_500(project):
    client = client_for(project["cast"].filer)
    pk = project["plan"].pk
    assert client.get(f"/monitoring/{pk}/annual/1999/").status_code == 404
    assert client.get(f"/monitoring/{pk}/annual/{10**30}/").status_code == 404
    assert client.get(f"/monitoring/{10**30}/annual/2025/").status_code == 404
    assert client.get(f"/api/monitoring/plans/{10**30}/reductions").status_code == 422
    nul = client.post(
        f"/monitoring/{pk}/annual/2025/",
        {"operating_status": "a\x00b", "property_status": "x", "shortfall_reason": "y"},
    )
    assert nul.status_code in (200, 400) and not AnnualReport.objects.exists()
    late = post_json(
        client,
        f"/api/monitoring/plans/{pk}/annual-reports",
        {
            "period_start": "2025-04-01",
            "period_end": "2025-12-31",
            "operating_status": "x" * 10_001,
            "property_status": "y",
        },
    )
    assert late.status_code == 422 and not AnnualReport.objects.exists()
