"""The monitoring stage walked in a browser, from the plan to verified reductions and the annual
report (issue 9): the representative participant's applicant opens the monitoring plan from the
grant's page, creates it (a methodology of another country refused with its message first, the
BDV typed kept), adds a site, a meter with its calibration, a monitoring point measuring EC_PJ and
the fixed values COP_PJ, COP_RE and EF_elec with their sources, and sees the monitoring end with
its figures; uploads the monitoring spreadsheet (.xlsx) with one bad cell, named by sheet and
cell while the other rows are kept, then the corrected row as CSV; creates the period, computes
it (the calculation line by line), downloads the .xlsx and PDF report and submits it. The office
assigns it to the TPE; the TPE's verifier finds only its assignment, starts the verification,
raises a CL and returns the period; another TPE's verifier gets 404. The applicant answers and
resubmits; the TPE closes the finding and issues the verification (an amount above the computed
reductions refused first); the verified period offers no edit. The applicant files the first
annual 事業報告書 from monitoring (the shortfall's reason required first); the office sees the
MRV portfolio; a reviewer gets 404.

What comes before (a paid grant in operation from 2025-04-01, an Indonesian cold-storage
refrigerator project) is set up with the monitoring tests' factories. Every person logs in
through the login form; the platform's clock (``RENKEI_DEMO_NOW``) moves with the story. The
browsers are Japanese: messages are asserted in the catalogue's Japanese (``ja``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext
from monitoringfactories import cast, operating_grant, plan_for
from playwright.sync_api import expect

from renkei.monitoring import selectors
from renkei.monitoring.models import (
    DataUpload,
    Finding,
    FixedValue,
    Meter,
    MonitoringPeriod,
    MonitoringPlan,
    MonitoringPoint,
    PeriodState,
    Reading,
    Site,
    Verification,
    VerificationAssignment,
)
from renkei.monitoring.services import plan as plan_services
from renkei.monitoring.services.intake import CELL_MESSAGES

PASSWORD = "pw-for-tests-1"  # the factories' password
OFFICE_PASSWORD = "Renkei-e2e-passw0rd!"  # conftest's office
MONTHLY_MWH = 40  # EC_PJ read each month, April to December 2025


def ja(text) -> str:
    with translation.override("ja"):
        return gettext(text) if isinstance(text, str) else str(text)


def at(settings, text: str) -> None:
    """Move the platform's clock (JST); the live server sees it."""
    settings.RENKEI_DEMO_NOW = f"{text}:00+09:00"


def fresh(period: MonitoringPeriod) -> MonitoringPeriod:
    """The period as stored (its FSM field is protected: no refresh_from_db)."""
    return MonitoringPeriod.objects.get(pk=period.pk)


def form(page, action_end: str):
    return page.locator(f'main form[action$="{action_end}"]')


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def months() -> list[tuple[str, str]]:
    """(start, end) of each month April–December 2025, the end the next month's first instant."""
    edges = [dt.date(2025, m, 1) for m in range(4, 13)] + [dt.date(2026, 1, 1)]
    return [(f"{a}T00:00:00+09:00", f"{b}T00:00:00+09:00") for a, b in itertools.pairwise(edges)]


@pytest.fixture
def story(transactional_db, office):
    """An Indonesian refrigerator project in operation from 2025-04-01 (useful life 15 years),
    paid, 500 tCO2/year expected at adoption; its people; and another project in verification
    with another TPE, which this TPE's verifier must not see."""
    grant = operating_grant(title="冷凍倉庫の自然冷媒冷凍機")
    proposal = grant.selection.proposal
    type(proposal).objects.filter(pk=proposal.pk).update(country="ID")
    version = grant.selection.version
    version.document = {
        "sites": [
            {
                "name": "Cold storage A",
                "technologies": [
                    {"technology": "natural-refrigerant refrigerator", "annual_reduction_tco2": 500}
                ],
            }
        ]
    }
    version.save(update_fields=["document"])
    people = cast(grant)
    other_grant = operating_grant(title="別案件")
    other_plan = plan_for(other_grant)
    other_people = cast(other_grant)
    period = MonitoringPeriod.objects.create(
        plan=other_plan,
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 9, 30),
        created_by=other_grant.selection.proposal.created_by,
    )
    VerificationAssignment.objects.create(period=period, tpe=other_people.tpe, assigned_by=office)
    return grant, people, other_grant


def test_monitoring_walk_from_plan_to_verified_reductions_and_annual_report(
    new_page, log_in, office, story, settings, screenshot, tmp_path
) -> None:
    grant, people, other_grant = story
    filer = people.filer

    # --- 1. the plan, opened from the grant's page --------------------------------------------
    at(settings, "2025-04-10T10:00")
    ap = new_page()
    log_in(ap, filer.username, PASSWORD)
    ap.goto(f"/grants/{grant.pk}/")
    with ap.expect_navigation():
        ap.click(f'#monitoring-plan-link a[href="/monitoring/grants/{grant.pk}/plan/"]')
    create = ap.locator("main form").last
    # a methodology in force, but of another country: refused, naming the host's methodologies
    create.locator('[name="methodology"]').select_option("TH_AM001|1.0")
    create.locator('[name="bilateral_valid_until"]').fill("2030-12-31")
    post(ap, create.locator("button"))
    day = dt.date(2025, 4, 1)
    others = [
        f"{m.id} {m.version}"
        for m in plan_services.catalogue()
        if m.country.upper() == "ID" and plan_services.in_force(m, day)
    ]
    assert "ID_AM003 1.0" in others
    expect(ap.locator("#error-summary")).to_contain_text(
        ja(
            "%(id)s is a methodology of %(theirs)s; the project is in %(ours)s. "
            "Methodologies of %(ours)s in force on %(day)s: %(others)s."
        )
        % {"id": "TH_AM001", "theirs": "TH", "ours": "ID", "day": day, "others": ", ".join(others)}
    )
    assert not MonitoringPlan.objects.filter(grant=grant).exists()
    create = ap.locator("main form").last
    expect(create.locator('[name="bilateral_valid_until"]')).to_have_value("2030-12-31")
    expect(create.locator('[name="methodology"]')).to_have_value("TH_AM001|1.0")
    screenshot(ap, "monitoring-plan-wrong-country")
    create.locator('[name="methodology"]').select_option("ID_AM003|1.0")
    post(ap, create.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The monitoring plan is created."))
    plan = MonitoringPlan.objects.get(grant=grant)
    assert (plan.methodology_id, plan.methodology_version) == ("ID_AM003", "1.0")
    assert plan.bilateral_valid_until == dt.date(2030, 12, 31)
    assert ap.url.endswith(f"/monitoring/{plan.pk}/")

    # site, meter with its calibration, monitoring point, fixed values
    f = form(ap, f"/monitoring/{plan.pk}/sites/")
    f.locator('[name="code"]').fill("A")
    f.locator('[name="name"]').fill("Cold storage A (Bekasi)")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The site is added."))
    site = Site.objects.get(plan=plan)
    f = form(ap, f"/monitoring/{plan.pk}/meters/")
    f.locator('[name="site"]').select_option(str(site.pk))
    f.locator('[name="serial"]').fill("M-1")
    f.locator('[name="unit"]').fill("MWh")
    f.locator('[name="calibrated_on"]').fill("2025-03-15")
    f.locator('[name="calibration_valid_until"]').fill("2027-03-14")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The meter is added."))
    meter = Meter.objects.get(plan=plan)
    assert (meter.calibrated_on, meter.calibration_valid_until) == (
        dt.date(2025, 3, 15),
        dt.date(2027, 3, 14),
    )
    expect(ap.locator("#plan-sites")).to_contain_text("2027-03-14")
    f = form(ap, f"/monitoring/{plan.pk}/points/")
    f.locator('[name="site"]').select_option(str(site.pk))
    f.locator('[name="code"]').fill("1")
    f.locator('[name="parameter"]').select_option("EC_PJ")
    f.locator('[name="meter"]').select_option(str(meter.pk))
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The monitoring point is added."))
    point = MonitoringPoint.objects.get(plan=plan)
    assert (point.parameter, point.meter_id) == ("EC_PJ", meter.pk)
    for name, value, unit, source, for_point in (
        ("COP_PJ", "3.2", "-", "メーカー仕様書 (型式 NR-100)", True),
        ("COP_RE", "2.1", "-", "方法論の参照機器", True),
        ("EF_elec", "0.533", "tCO2/MWh", "JCM Indonesia grid, Case 2", False),
    ):
        f = form(ap, f"/monitoring/{plan.pk}/fixed/")
        f.locator('[name="parameter"]').select_option(name)
        f.locator('[name="point"]').select_option(str(point.pk) if for_point else "")
        f.locator('[name="value"]').fill(value)
        f.locator('[name="unit"]').fill(unit)
        f.locator('[name="source"]').fill(source)
        post(ap, f.locator("button"))
        expect(ap.locator(".messages")).to_contain_text(ja("The fixed value is recorded."))
        expect(ap.locator("#plan-fixed")).to_contain_text(source)
    fixed = {v.parameter: v for v in FixedValue.objects.filter(plan=plan)}
    assert fixed["EF_elec"].value == Decimal("0.533") and fixed["EF_elec"].point is None
    assert fixed["COP_PJ"].point_id == point.pk
    # the monitoring end with its figures: E = 2040-03-31 (15 years from 2025-04-01), capped
    # at the BDV
    end = ap.locator("#plan-end")
    expect(end).to_contain_text("2040-03-31")
    expect(end).to_contain_text("2030-12-31")
    expect(end).to_contain_text(ja("Capped at the bilateral document's validity (BDV)."))
    assert plan_services.monitoring_end(plan)["monitor_end"] == dt.date(2030, 12, 31)
    screenshot(ap, "monitoring-plan")

    # --- 2. the monitoring spreadsheet with one bad cell, then the corrected row ---------------
    at(settings, "2026-01-08T10:00")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Readings"
    sheet.append(["site", "point", "parameter", "start", "end", "value", "unit", "meter"])
    for start, stop in months():
        sheet.append(["A", "1", "EC_PJ", start, stop, MONTHLY_MWH, "MWh", "M-1"])
    bad_row = sheet.max_row  # December
    sheet.cell(row=bad_row, column=6).value = "約40"
    xlsx = tmp_path / "monitoring-2025.xlsx"
    book.save(xlsx)
    ap.goto(f"/monitoring/{plan.pk}/")
    f = form(ap, f"/monitoring/{plan.pk}/uploads/sheet/")
    f.locator('[name="file"]').set_input_files(str(xlsx))
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The file is uploaded."))
    errors = ap.locator("#upload-errors")
    expect(errors).to_contain_text(f"Readings!F{bad_row}")
    # in the page's language, with what would be right
    expect(errors).to_contain_text(
        ja(CELL_MESSAGES["not_number"])
        % {"value": "'約40'", "unit_column": ja("column %(letter)s") % {"letter": "G"}}
    )
    kept = Reading.objects.filter(point=point)
    assert kept.count() == 8  # April–November kept, December left out
    expect(ap.locator("#upload-readings tbody tr")).to_have_count(8)
    screenshot(ap, "monitoring-upload-bad-cell")
    dec_start, dec_end = months()[-1]
    csv = tmp_path / "monitoring-2025-12.csv"
    csv.write_text(
        "site,point,parameter,start,end,value,unit,meter\n"
        f"A,1,EC_PJ,{dec_start},{dec_end},{MONTHLY_MWH},MWh,M-1\n",
        encoding="utf-8",
    )
    ap.goto(f"/monitoring/{plan.pk}/")
    f = form(ap, f"/monitoring/{plan.pk}/uploads/sheet/")
    f.locator('[name="file"]').set_input_files(str(csv))
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The file is uploaded."))
    expect(ap.locator("#upload-errors")).to_have_count(0)
    assert kept.count() == 9
    assert DataUpload.objects.filter(plan=plan).count() == 2

    # --- 3. the period: created, computed, its report downloaded, submitted --------------------
    at(settings, "2026-01-12T10:00")
    ap.goto(f"/monitoring/{plan.pk}/")
    f = form(ap, f"/monitoring/{plan.pk}/periods/")
    f.locator('[name="start"]').fill("2025-04-01")
    f.locator('[name="end"]').fill("2025-12-31")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The monitoring period is created: compute it next.")
    )
    period = MonitoringPeriod.objects.get(plan=plan)
    ap.goto(f"/monitoring/periods/{period.pk}/")
    post(ap, form(ap, f"/periods/{period.pk}/compute/").locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The reductions are computed: check the calculation, then submit.")
    )
    period = fresh(period)
    # ER = EC_PJ × EF × (COP_PJ / COP_RE − 1) = 360 × 0.533 × (3.2 / 2.1 − 1) = 100.5… → 100
    assert period.emission_reductions_tco2 == 100
    assert period.provisional is False
    expect(ap.locator("#provisional")).to_have_count(0)  # ID_AM003's formulas are not K
    expect(ap.locator("#period-er")).to_have_text("100")
    steps = ap.locator("#steps tbody tr")
    assert steps.count() >= 3  # the calculation, line by line
    expect(ap.locator("#steps")).to_contain_text("360")  # the monitored EC_PJ, MWh
    screenshot(ap, "monitoring-period-computed")
    with ap.expect_download() as download:
        ap.click(f'main a[href="/monitoring/periods/{period.pk}/report.xlsx"]')
    assert download.value.suggested_filename.endswith(".xlsx")
    report = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    cells = " ".join(
        str(c) for ws in report.worksheets for row in ws.iter_rows(values_only=True) for c in row
    )
    assert grant.number in cells and "ID_AM003" in cells
    with ap.expect_download() as download:
        ap.click(f'main a[href="/monitoring/periods/{period.pk}/report.pdf"]')
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    post(ap, form(ap, f"/periods/{period.pk}/submit/").locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The monitoring report is submitted for verification.")
    )
    period = fresh(period)
    assert period.state == "submitted"

    # --- 4. the office assigns it; the TPE verifies, raises a CL, returns it ------------------
    at(settings, "2026-01-14T10:00")
    op = new_page()
    log_in(op, office.username, OFFICE_PASSWORD)
    with op.expect_navigation():
        op.click('header a[href="/monitoring/"]')
    with op.expect_navigation():
        op.click(f'main a[href="/monitoring/{plan.pk}/"]')
    f = form(op, f"/periods/{period.pk}/verification/assign/")
    f.locator('[name$="-tpe"]').select_option(str(people.tpe.pk))
    post(op, f.locator("button"))
    assert VerificationAssignment.objects.get(period=period).tpe == people.tpe
    expect(op.locator(f"#verification-{period.pk}")).to_contain_text(people.tpe.name)

    at(settings, "2026-01-20T10:00")
    vp = new_page()
    log_in(vp, people.verifier.username, PASSWORD)
    with vp.expect_navigation():
        vp.click('header a[href="/monitoring/"]')
    expect(vp.locator("main")).to_contain_text(grant.number)
    expect(vp.locator("main")).not_to_contain_text(other_grant.number)
    assert vp.goto(f"/monitoring/{other_grant.monitoring_plan.pk}/").status == 404
    vp.goto(f"/monitoring/{plan.pk}/")
    expect(vp.locator(f'main form[action$="/monitoring/{plan.pk}/sites/"]')).to_have_count(0)
    post(vp, form(vp, f"/periods/{period.pk}/verification/start/").locator("button"))
    f = form(vp, f"/periods/{period.pk}/verification/findings/")
    f.locator('[name$="-kind"]').select_option("cl")
    f.locator('[name$="-text"]').fill("M-1 の校正証明書の写しを示してください。")
    post(vp, f.locator("button"))
    expect(vp.locator(f"#verification-{period.pk} .findings")).to_contain_text(
        "M-1 の校正証明書の写しを示してください。"
    )
    post(vp, form(vp, f"/periods/{period.pk}/verification/return/").locator("button"))
    period = fresh(period)
    assert period.state == "returned"
    screenshot(vp, "monitoring-tpe-returned")
    # a verifier of another TPE: 404 on the project's page and the period's
    xp = new_page()
    log_in(xp, people.other_verifier.username, PASSWORD)
    assert xp.goto(f"/monitoring/{plan.pk}/").status == 404
    assert xp.goto(f"/monitoring/periods/{period.pk}/").status == 404

    # --- 5. answered and resubmitted; the finding closed; the verification issued -------------
    at(settings, "2026-01-26T10:00")
    finding = Finding.objects.get(period=period)
    ap.goto(f"/monitoring/{plan.pk}/")
    f = form(ap, f"/findings/{finding.pk}/answer/")
    f.locator('[name$="-answer"]').fill("校正証明書(2025-03-15)の写しを添付しました。")
    post(ap, f.locator("button"))
    ap.goto(f"/monitoring/periods/{period.pk}/")
    post(ap, form(ap, f"/periods/{period.pk}/submit/").locator("button"))
    period = fresh(period)
    assert period.state == "submitted"

    at(settings, "2026-02-02T10:00")
    vp.goto(f"/monitoring/{plan.pk}/")
    post(vp, form(vp, f"/periods/{period.pk}/verification/start/").locator("button"))
    expect(vp.locator(f"#finding-{finding.pk}")).to_contain_text("校正証明書(2025-03-15)")
    post(vp, form(vp, f"/findings/{finding.pk}/close/").locator("button"))
    # above the computed reductions: refused with its message, the form kept as typed
    f = form(vp, f"/periods/{period.pk}/verification/issue/")
    f.locator('[name$="-verified_tco2"]').fill("101")
    f.locator('[name$="-verified_on"]').fill("2026-02-02")
    f.locator('[name$="-statement"]').fill("合理的保証で検証した。")
    post(vp, f.locator("button"))
    expect(vp.locator("main")).to_contain_text(
        ja(
            "The verified reductions (%(got)s tCO2) must be from 0 to the reductions the "
            "monitoring report computed (%(computed)s tCO2); a TPE verifies at most what "
            "was reported."
        )
        % {"got": 101, "computed": 100}
    )
    assert not Verification.objects.filter(period=period).exists()
    f = form(vp, f"/periods/{period.pk}/verification/issue/")
    expect(f.locator('[name$="-statement"]')).to_have_value("合理的保証で検証した。")
    screenshot(vp, "monitoring-verification-above-refused")
    f.locator('[name$="-verified_tco2"]').fill("100")
    post(vp, f.locator("button"))
    period = fresh(period)
    assert period.state == "verified"
    assert Verification.objects.get(period=period).verified_tco2 == 100
    expect(vp.locator(f"#verification-{period.pk} .verified")).to_contain_text("100")
    # a verified period offers no edit
    ap.goto(f"/monitoring/periods/{period.pk}/")
    expect(ap.locator("#period-state")).to_have_text(ja(PeriodState.VERIFIED.label))
    expect(form(ap, f"/periods/{period.pk}/compute/")).to_have_count(0)
    expect(form(ap, f"/periods/{period.pk}/submit/")).to_have_count(0)
    screenshot(ap, "monitoring-period-verified")

    # --- 6. the annual 事業報告書 from monitoring; the MRV portfolio; a reviewer -----------------
    at(settings, "2026-02-05T10:00")
    ap.goto(f"/monitoring/{plan.pk}/")
    with ap.expect_navigation():
        ap.click(f'#annual-reports a[href="/monitoring/{plan.pk}/annual/2025/"]')
    annual = ap.locator("main form.card")
    expect(annual.locator('[name="operating_status"]')).to_contain_text("2025-04-01")
    expect(annual.locator('[name="property_status"]')).not_to_have_value("")
    expect(ap.locator("main")).to_contain_text(ja("Reductions reported") + ": 100 t")
    year = selectors.reductions_by_year(plan)[2025]
    assert (year.start, year.end, year.reported_tco2) == (
        dt.date(2025, 4, 1),
        dt.date(2025, 12, 31),
        100,
    )
    assert year.expected_tco2 > 100  # 500 t/year at adoption, for 275 of 365 days
    post(ap, annual.locator("button"))
    expect(ap.locator("main form.card")).to_contain_text(
        ja(
            "The reductions (%(got)s t) are below the expected %(expected)s t for this "
            "period: give the reason "
            "(4.(8) 「やむを得ず達成できない場合には事業報告書にその理由を付記」)."
        )
        % {"got": 100, "expected": year.expected_tco2}
    )
    assert not grant.annual_reports.exists()
    annual = ap.locator("main form.card")
    annual.locator('[name="shortfall_reason"]').fill("冷凍倉庫の稼働率が想定を下回った。")
    post(ap, annual.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The annual project report is submitted."))
    report = grant.annual_reports.get()
    assert report.reductions_tco2 == 100
    assert report.period_start == dt.date(2025, 4, 1)
    screenshot(ap, "monitoring-annual-report")

    op.goto(f"/monitoring/{plan.pk}/")
    with op.expect_navigation():
        op.click('#reductions a[href="/monitoring/portfolio/"]')
    row = op.locator("main tr", has_text=grant.number)
    expect(row).to_contain_text("ID_AM003")
    expect(row).to_contain_text("100")
    screenshot(op, "monitoring-portfolio")

    rv = new_page()
    log_in(rv, people.reviewer.username, PASSWORD)
    expect(rv.locator('header a[href="/monitoring/"]')).to_have_count(0)
    assert rv.goto(f"/monitoring/{plan.pk}/").status == 404
    assert rv.goto("/monitoring/portfolio/").status == 404
