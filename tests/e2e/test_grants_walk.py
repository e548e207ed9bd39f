"""The grant stage walked in a browser, from 内示 through payment and the years after (issue 8):
the representative participant opens the grant application from the Grants menu, round-trips the
budget workbook (and sees a faulty cell named), writes the plan, uploads the signed consortium
agreement and submits; the office's pre-check returns it, it comes back corrected, the office
accepts and decides (a decision above the 内示 refused with its clause first) and the decision
notice downloads; orders (one dated before the decision refused), a reallocation within 15 % (no
approval) and one beyond it (approved by the office), the FY2024 year-end report; completion, the
completion report with an invoice and a receipt, the final inspection, the fixed amount line by
line, the claim and its payment (a second payment of the same claim refused); then the property
ledger with an item whose disposal needs approval, the first annual project report, the due dates
on the grant's page and the office's calendar, and the portfolio showing the grant paid. A
partner participant sees it all read-only; a reviewer gets 404.

What comes before 内示 (submission, screening, reviews, hearing, PIN, the Joint Committee) is set
up through the services as the demo does it (test_applicant_path.py walks it in a browser). Every
person logs in through the login form; the platform's clock (``RENKEI_DEMO_NOW``, which the live
server sees) moves with the story. The browsers are Japanese: messages are asserted in the
catalogue's Japanese (``ja``), with numbers, dates and clause numbers as they are shown.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.accounts.models import Organisation, Role, User
from renkei.adoption.demo import sample_through_hearing
from renkei.grants.demo import _adopt
from renkei.grants.models import (
    Allocation,
    ChangeRequest,
    Grant,
    GrantDecision,
    GrantState,
    Payment,
    ProcurementRecord,
    RequestState,
)
from renkei.grants.services import award as award_services
from renkei.grants.services import closing as closing_services

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jcm-multi-site-pass.yaml"
PASSWORD = "Grant-walk-e2e-passw0rd"
PDF = b"%PDF-1.7\n% Renkei grant walk\n%%EOF\n"
CATEGORY_ROWS = {"construction": 4, "equipment": 5, "admin": 6}  # the workbook's rows


def ja(text) -> str:
    """A UI string (or a lazy one) as the Japanese browser shows it."""
    with translation.override("ja"):
        return gettext(text) if isinstance(text, str) else str(text)


def money(amount: int) -> re.Pattern:
    """The amount as shown, with or without thousands separators."""
    groups = f"{amount:,}".split(",")
    return re.compile(r"[,.\s]?".join(groups))


def fresh(grant: Grant) -> Grant:
    return Grant.objects.get(pk=grant.pk)


@pytest.fixture
def people(transactional_db) -> dict[str, User]:
    def user(name: str, role: str, org: Organisation | None = None, **extra) -> User:
        return User.objects.create_user(
            username=name,
            email=f"{name}@example.org",
            password=PASSWORD,
            role=role,
            organisation=org,
            **extra,
        )

    rep_org = Organisation.objects.create(name="サンプル・エンジニアリング株式会社", country="JP")
    partner_org = Organisation.objects.create(name="Sample Highlands Tea Ltd.", country="KE")
    return {
        "representative": user("rep-walk", Role.APPLICANT, rep_org, first_name="代表 一郎"),
        "partner": user("partner-walk", Role.APPLICANT, partner_org, first_name="Partner"),
        "reviewer": user("reviewer-walk", Role.REVIEWER),
        "reviewer2": user("reviewer2-walk", Role.REVIEWER),
        "secretariat": user("secretariat-walk", Role.SECRETARIAT),
        "joint_committee": user("jc-walk", Role.JOINT_COMMITTEE, country="KE"),
    }


@pytest.fixture
def naiji(people, office, first_round):
    """The sample proposal submitted, screened, reviewed, heard (2024-06-03) and adopted with its
    内示 on 2024-06-12, through the services at the demo's story dates; the partner participant's
    organisation joined it before submission."""
    proposal = sample_through_hearing(
        round_=first_round,
        applicant=people["representative"],
        office=office,
        reviewers=[people["reviewer"], people["reviewer2"]],
        document=yaml.safe_load(EXAMPLE.read_text("utf-8")),
        title_suffix="(ブラウザの交付)",
        hearing_at="2024-06-03T15:00",
        partner=people["partner"],
    )
    _adopt(
        proposal,
        office=office,
        secretariat=people["secretariat"],
        joint_committee=people["joint_committee"],
    )
    proposal.refresh_from_db()
    assert proposal.selection.naiji_at is not None
    return proposal.selection


def at(settings, text: str) -> None:
    """Move the platform's clock (JST); the live server sees it."""
    settings.RENKEI_DEMO_NOW = f"{text}:00+09:00"


def form(page, action_end: str):
    return page.locator(f'main form[action$="{action_end}"]')


def post(page, locator) -> None:
    """Press a form's submit button and wait for the page that answers."""
    with page.expect_navigation():
        locator.click()


def test_grant_walk_from_naiji_through_payment_and_after(
    new_page, log_in, office, people, naiji, settings, screenshot, tmp_path
) -> None:
    rep, partner = people["representative"], people["partner"]
    proposal = naiji.proposal
    naiji_amount = naiji.naiji_amount_jpy

    # --- 1. the representative opens the grant application from the Grants menu ---------------
    at(settings, "2024-06-14T10:00")
    # the partner participant may not open it (the representative files everything, 2.(4)② 注2)
    pp = new_page()
    log_in(pp, partner.username, PASSWORD)
    assert pp.goto("/grants/").status == 200
    expect(pp.locator(f'main form[action="/proposals/{proposal.pk}/grant/open/"]')).to_have_count(0)
    rp = new_page()
    log_in(rp, rep.username, PASSWORD)
    with rp.expect_navigation():
        rp.click('header a[href="/grants/"]')
    expect(rp.locator("main")).to_contain_text(proposal.receipt_number)
    post(rp, rp.locator(f'main form[action="/proposals/{proposal.pk}/grant/open/"] button'))
    grant = Grant.objects.get(selection=naiji)
    assert rp.url.endswith(f"/grants/{grant.pk}/")
    expect(rp.locator("main")).to_contain_text(grant.number)
    expect(rp.locator("main")).to_contain_text(ja(GrantState.DRAFTING.label))
    with rp.expect_navigation():
        rp.click(f'main a[href="/grants/{grant.pk}/award/"]')
    # due within 30 days of the 内示 (2024-06-12 → 2024-07-12), the budget prefilled per
    # fiscal year and 別表1 category from the adopted version
    main = rp.locator("main")
    expect(main).to_contain_text("2024-07-12")
    budget = award_services.proposal_budget(grant)
    assert sorted(budget) == [2024, 2025]
    table = main.locator("table").first
    for fy in budget:
        expect(table.locator("thead")).to_contain_text(f"FY{fy}")
    for cat, label in (("construction", "工事費"), ("equipment", "設備費"), ("admin", "事務費")):
        row = table.locator("tbody tr", has_text=label)
        for i, fy in enumerate(sorted(budget)):
            expect(row.locator("td").nth(i)).to_have_text(money(budget[fy][cat]))
    screenshot(rp, "grant-application-prefilled")

    # the budget workbook: downloaded, one cell edited, uploaded back as a new version
    with rp.expect_download() as download:
        rp.click(f'main a[href="/grants/{grant.pk}/award/budget.xlsx"]')
    assert download.value.suggested_filename == f"budget_{grant.number}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    col_2025 = next(i for i, v in enumerate(header, 1) if v and "2025" in str(v))
    cell = sheet.cell(row=CATEGORY_ROWS["equipment"], column=col_2025)
    assert cell.value == budget[2025]["equipment"]
    new_equipment = budget[2025]["equipment"] - 2_000_000
    cell.value = new_equipment
    good = tmp_path / "budget-edited.xlsx"
    book.save(good)
    upload = form(rp, "/award/budget/upload/")
    upload.locator('input[name="file"]').set_input_files(str(good))
    post(rp, upload.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("Saved as version %(n)s.") % {"n": 2})
    versions = grant.application.versions
    assert versions.count() == 2
    assert award_services.budget_of(versions.order_by("-number")[0].budget)[2025]["equipment"] == (
        new_equipment
    )
    equipment_row = rp.locator("main table").first.locator("tbody tr", has_text="設備費")
    expect(equipment_row).to_contain_text(money(new_equipment))

    # once more with a bad cell: every fault named by sheet and cell, nothing saved or lost
    bad_cell = sheet.cell(row=CATEGORY_ROWS["admin"], column=col_2025)
    bad_ref = bad_cell.coordinate
    bad_cell.value = "約150万円"
    bad = tmp_path / "budget-bad.xlsx"
    book.save(bad)
    upload = form(rp, "/award/budget/upload/")
    upload.locator('input[name="file"]').set_input_files(str(bad))
    post(rp, upload.locator("button"))
    alert = rp.locator("main [role=alert]")
    expect(alert).to_contain_text(f"{sheet.title}!{bad_ref}")
    expect(alert).to_contain_text(ja("The workbook cannot be read; nothing was saved."))
    assert versions.count() == 2
    expect(rp.locator("main table").first.locator("tbody tr", has_text="設備費")).to_contain_text(
        money(new_equipment)
    )
    screenshot(rp, "grant-budget-workbook-refused")

    # the plan, the planned completion date, the signed consortium agreement; submitted
    rp.goto(f"/grants/{grant.pk}/award/")
    save = form(rp, "/award/save/")
    save.locator('[name="plan"]').fill(
        "2拠点の茶工場に高効率ボイラ、ヒートポンプ及び太陽光発電を導入する。"
    )
    save.locator('[name="planned_completion_on"]').fill("2026-02-20")
    post(rp, save.locator("button"))
    assert versions.count() == 3
    expect(rp.locator("main")).to_contain_text("2026-02-20")
    agreement = tmp_path / "国際コンソーシアム協定書(署名済み).pdf"
    agreement.write_bytes(PDF)
    docs = form(rp, "/award/documents/")
    docs.locator('select[name="kind"]').select_option("consortium_agreement")
    docs.locator('input[name="file"]').set_input_files(str(agreement))
    post(rp, docs.locator("button"))
    expect(rp.locator("main")).to_contain_text(agreement.name)
    post(rp, form(rp, "/award/submit/").locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The application is submitted."))
    assert fresh(grant).state == GrantState.UNDER_REVIEW
    expect(form(rp, "/award/submit/")).to_have_count(0)
    screenshot(rp, "grant-application-submitted")

    # --- 2. the office's pre-check returns it; corrected and resubmitted; accepted, decided --
    at(settings, "2024-06-20T10:00")
    op = new_page()
    log_in(op, office.username)
    with op.expect_navigation():  # the office finds every grant on its portfolio
        op.click('header a[href="/grants/portfolio/"]')
    with op.expect_navigation():
        op.click(f'main a[href="/grants/{grant.pk}/"]')
    with op.expect_navigation():
        op.click(f'main a[href="/grants/{grant.pk}/award/"]')
    ask = form(op, "/award/return/")
    ask.locator('[name="message"]').fill("事務費の内訳に根拠資料を添付してください。")
    post(op, ask.locator("button"))
    expect(op.locator(".messages")).to_contain_text(
        ja("The application is returned for corrections.")
    )
    assert fresh(grant).state == GrantState.DRAFTING

    at(settings, "2024-06-24T10:00")
    rp.goto(f"/grants/{grant.pk}/award/")
    expect(rp.locator("main")).to_contain_text("事務費の内訳に根拠資料を添付してください。")
    save = form(rp, "/award/save/")
    save.locator('[name="plan"]').fill(
        "2拠点の茶工場に高効率ボイラ、ヒートポンプ及び太陽光発電を導入する。事務費の根拠資料を添付した。"
    )
    post(rp, save.locator("button"))
    post(rp, form(rp, "/award/submit/").locator("button"))
    assert fresh(grant).state == GrantState.UNDER_REVIEW
    assert grant.application.prechecks.get().answered_by_version is not None

    at(settings, "2024-06-27T10:00")
    op.goto(f"/grants/{grant.pk}/award/")
    expect(op.locator("main")).to_contain_text("事務費の根拠資料を添付した。")
    post(op, form(op, "/award/accept/").locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The application is accepted as complete."))
    decide = form(op, "/award/decide/")
    expect(decide.locator('[name="amount_jpy"]')).to_have_value(str(naiji_amount))
    expect(decide.locator('[name="decided_on"]')).to_have_value("2024-06-27")
    expect(decide.locator('[name="completion_due"]')).to_have_value("2026-02-20")
    # above the 内示: refused with the clause, the form kept as typed
    decide.locator('[name="amount_jpy"]').fill(str(naiji_amount + 1_000_000))
    decide.locator('[name="rate"]').fill("0.4")
    decide.locator('[name="completion_due"]').fill("2026-02-27")
    post(op, decide.locator("button"))
    alert = op.locator("main [role=alert]")
    expect(alert).to_contain_text("3.(1); 3.(4)")
    expect(alert).to_contain_text(money(naiji_amount))
    expect(form(op, "/award/decide/").locator('[name="amount_jpy"]')).to_have_value(
        str(naiji_amount + 1_000_000)
    )
    assert not GrantDecision.objects.filter(grant=grant).exists()
    screenshot(op, "grant-decision-above-naiji-refused")
    decide = form(op, "/award/decide/")
    decide.locator('[name="amount_jpy"]').fill(str(naiji_amount))
    post(op, decide.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The grant is decided."))
    decision = GrantDecision.objects.get(grant=grant)
    assert (decision.amount_jpy, str(decision.rate)) == (naiji_amount, "0.4000")
    assert decision.decided_on == dt.date(2024, 6, 27)
    assert decision.completion_due == dt.date(2026, 2, 27)
    assert fresh(grant).state == GrantState.IMPLEMENTING
    expect(op.locator("main")).to_contain_text(decision.number)
    # decided: the 内示 can no longer be withdrawn, and the page no longer says it may be
    expect(form(op, "/award/revoke/")).to_have_count(0)
    expect(op.locator("main")).not_to_contain_text(ja("The 内示 may be withdrawn from"))
    with op.expect_download() as download:
        op.click(f'main a[href="/grants/{grant.pk}/award/notice.docx"]')
    notice = Path(download.value.path()).read_bytes()
    assert notice[:2] == b"PK"  # a .docx (zip)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(notice)).paragraphs)
    text += "\n".join(
        c.text for t in docx.Document(io.BytesIO(notice)).tables for r in t.rows for c in r.cells
    )
    assert decision.number in text
    assert re.search(money(naiji_amount), text)
    screenshot(op, "grant-decided")

    # --- 3. implementation: orders, reallocations, the year-end report --------------------------
    at(settings, "2024-07-10T10:00")
    # the grant's due dates now run from the decision: the FY2024 year-end report (10 April,
    # 4.(6)①) and the completion the decision set (2.(10))
    rp.goto(f"/grants/{grant.pk}/")
    deadlines = rp.locator("#deadlines")
    expect(deadlines.locator("tr", has_text="2025-04-10")).to_contain_text("4.(6)①")
    expect(deadlines.locator("tr", has_text="2026-02-27")).to_contain_text("2.(10)")
    rp.goto(f"/grants/{grant.pk}/award/")

    def order(ordered_on: str) -> None:
        f = form(rp, "/award/procurement/")
        f.locator('[name="fiscal_year"]').fill("2024")
        f.locator('[name="category"]').select_option("equipment")
        f.locator('[name="description"]').fill("高効率ボイラ一式")
        f.locator('[name="supplier"]').fill("サンプル機器株式会社")
        f.locator('[name="method"]').select_option("tender")
        f.locator('[name="ordered_on"]').fill(ordered_on)
        f.locator('[name="amount_jpy"]').fill("90000000")
        f.locator('[name="paid_on"]').fill("2025-02-14")
        post(rp, f.locator("button"))

    order("2024-06-20")  # before the decision of 2024-06-27
    alert = rp.locator("main [role=alert]")
    expect(alert).to_contain_text("4.(3)①")
    expect(alert).to_contain_text("2024-06-27")
    expect(form(rp, "/award/procurement/").locator('[name="description"]')).to_have_value(
        "高効率ボイラ一式"
    )
    assert not ProcurementRecord.objects.filter(grant=grant).exists()
    order("2024-07-08")
    expect(rp.locator(".messages")).to_contain_text(ja("The order is recorded."))
    assert ProcurementRecord.objects.filter(grant=grant, ordered_on="2024-07-08").count() == 1

    def lower_of(budget) -> int:
        """The lower of the two categories' allocations (all fiscal years: 4.(4)2)①)."""
        totals = award_services.flat_budget(budget)
        return min(totals["construction"], totals["equipment"])

    allocated = award_services.budget_of(award_services.current_allocation(grant).budget)
    lower = lower_of(allocated)

    def change(moved: int) -> None:
        f = form(rp, "/award/changes/")
        f.locator('[name="kind"]').select_option("reallocation")
        f.locator('[name="description"]').fill(f"設備費から工事費へ{moved:,}円を流用")
        f.locator('[name="b_2024_construction"]').fill(str(allocated[2024]["construction"] + moved))
        f.locator('[name="b_2024_equipment"]').fill(str(allocated[2024]["equipment"] - moved))

    # within 15 % of the lower allocation: checked first, then filed — no approval
    within = lower * 15 // 100 // 2
    change(within)
    post(rp, form(rp, "/award/changes/").locator('button[name="preview"]'))
    expect(rp.locator("main .note").first).to_contain_text(ja("No prior approval is needed"))
    expect(rp.locator("main .note").first).to_contain_text("4.(4)2)①")
    expect(rp.locator("main .note").first).to_contain_text(money(lower * 15 // 100))
    change(within)
    post(rp, form(rp, "/award/changes/").locator("button:not([name])"))
    expect(rp.locator(".messages")).to_contain_text(
        ja("The change needs no prior approval: it is recorded.")
    )
    first_change = ChangeRequest.objects.get(grant=grant)
    assert first_change.state == RequestState.RECORDED
    allocated = award_services.budget_of(award_services.current_allocation(grant).budget)
    lower = lower_of(allocated)
    # beyond 15 %: needs the office's approval
    beyond = lower * 15 // 100 + 1_000_000
    change(beyond)
    post(rp, form(rp, "/award/changes/").locator("button:not([name])"))
    expect(rp.locator(".messages")).to_contain_text(
        ja("The change is filed for the office's approval.")
    )
    second = ChangeRequest.objects.filter(grant=grant).exclude(pk=first_change.pk).get()
    assert second.state == RequestState.SUBMITTED
    filed = rp.locator("main .card", has_text=f"{beyond:,}円").last
    expect(filed).to_contain_text(ja("Prior approval of the office is needed"))
    screenshot(rp, "grant-reallocation-needs-approval")

    at(settings, "2024-07-16T10:00")
    op.goto(f"/grants/{grant.pk}/")
    expect(op.locator("main p.status-needs_review")).to_contain_text("1")  # one waits
    op.goto(f"/grants/{grant.pk}/award/")
    decide_change = op.locator(f'main form[action$="/changes/{second.pk}/decide/"]')
    decide_change.locator('[name="approve"]').select_option("yes")
    decide_change.locator('[name="reason"]').fill("据付工事の増加は妥当")
    post(op, decide_change.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The change is decided."))
    second.refresh_from_db()
    assert second.state == RequestState.APPROVED
    in_force = award_services.budget_of(award_services.current_allocation(grant).budget)
    assert in_force[2024]["construction"] == allocated[2024]["construction"] + beyond
    assert Allocation.objects.filter(grant=grant).count() == 3

    # the FY2024 year-end report (due 10 April 2025)
    at(settings, "2025-04-07T10:00")
    rp.goto(f"/grants/{grant.pk}/award/")
    year_end = rp.locator('main .card:has(form[action$="/award/year-end/"])')
    expect(year_end).to_contain_text("2025-04-10")
    # FY2025 is the year of completion (due 2026-02-27): the completion report covers it, so
    # no year-end report is due for it, as the grant's due dates say
    expect(year_end).not_to_contain_text("2026-04-10")
    f = form(rp, "/award/year-end/")
    f.locator('[name="fiscal_year"]').fill("2024")
    f.locator('[name="s_construction"]').fill(str(in_force[2024]["construction"]))
    f.locator('[name="s_equipment"]').fill("90000000")
    f.locator('[name="s_admin"]').fill(str(in_force[2024]["admin"]))
    f.locator('[name="narrative"]').fill("令和6年度の実績")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The year-end report is submitted."))
    assert grant.year_end_reports.get().fiscal_year == 2024

    # --- 4. completion to payment --------------------------------------------------------------
    at(settings, "2026-02-20T17:00")
    rp.goto(f"/grants/{grant.pk}/closing/")
    f = form(rp, "/closing/complete/")
    f.locator('[name="completed_on"]').fill("2026-02-20")
    f.locator('[name="operation_started_on"]').fill("2026-02-16")
    f.locator('[name="useful_life_years"]').fill("17")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The completion is recorded."))
    assert fresh(grant).state == GrantState.COMPLETED

    at(settings, "2026-03-05T10:00")
    rp.goto(f"/grants/{grant.pk}/closing/")
    for kind, name in (("invoice", "請求書.pdf"), ("receipt", "領収書.pdf")):
        path = tmp_path / name
        path.write_bytes(PDF + name.encode())
        f = form(rp, "/closing/documents/")
        f.locator('[name="kind"]').select_option(kind)
        f.locator('[name="file"]').set_input_files(str(path))
        post(rp, f.locator("button"))
        expect(rp.locator("#completion-report")).to_contain_text(name)
    spending = award_services.budget_of(award_services.current_allocation(grant).budget)
    f = form(rp, "/closing/report/")
    for fy, row in spending.items():
        for cat, amount in row.items():
            f.locator(f'[name="s_{fy}_{cat}"]').fill(str(amount))
    # an excluded cost (2.(7)): own-product profit, in the category it was charged to
    f.locator('[name="ex0_description"]').fill("自社製品(データロガー)の利益相当額")
    f.locator('[name="ex0_category"]').select_option("equipment")
    f.locator('[name="ex0_amount_jpy"]').fill("1200000")
    f.locator('[name="ex0_kind"]').select_option("own_product_profit")
    f.locator('[name="ex0_reason"]').fill("自社製品は原価で計上")
    f.locator('[name="narrative"]').fill("2拠点で設備を導入し試運転を完了した。")
    f.locator('[name="expected_annual_reduction_tco2"]').fill("2500")
    post(rp, f.locator('button[type="submit"]'))
    expect(rp.locator(".messages")).to_contain_text(ja("The completion report is submitted."))
    expect(rp.locator("#completion-report")).to_contain_text("自社製品(データロガー)の利益相当額")
    assert fresh(grant).state == GrantState.COMPLETION_REPORTED

    at(settings, "2026-03-12T16:00")
    op.goto(f"/grants/{grant.pk}/closing/")
    # the inspector opens the invoice and the receipt the representative uploaded
    for kind, name in (("invoice", "請求書.pdf"), ("receipt", "領収書.pdf")):
        listed = op.locator("#completion-report li", has_text=name)
        expect(listed).to_contain_text(ja(closing_services.DOCUMENT_KINDS[kind]))
        with op.expect_download() as download:
            listed.locator("a", has_text=name).click()
        assert Path(download.value.path()).read_bytes() == PDF + name.encode()
    f = form(op, "/closing/inspection/")
    f.locator('[name="inspected_on"]').fill("2026-03-12")
    f.locator('[name="representative_attended"]').check()
    f.locator('[name="attendees"]').fill("代表事業者、共同事業者")
    f.locator('[name="findings"]').fill("交付決定の内容に適合")
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The final inspection is recorded."))

    at(settings, "2026-03-19T10:00")
    op.goto(f"/grants/{grant.pk}/closing/")
    f = form(op, "/closing/fix/")
    f.locator('[name="fixed_on"]').fill("2026-03-19")
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The amount is fixed."))
    fixing = fresh(grant).amount_fixing
    assert 0 < fixing.amount_jpy <= naiji_amount
    lines = op.locator("#fixing-lines tr")
    assert lines.count() >= 4  # the computation, line by line
    expect(op.locator("#fixed-amount")).to_contain_text(fixing.number)
    expect(op.locator("#fixed-amount")).to_contain_text(money(fixing.amount_jpy))
    for line in fixing.computation["lines"]:
        expect(op.locator("#fixing-lines")).to_contain_text(line["label_ja"])
    screenshot(op, "grant-amount-fixed")

    at(settings, "2026-03-23T10:00")
    rp.goto(f"/grants/{grant.pk}/closing/")
    expect(rp.locator("#fixed-amount")).to_contain_text(money(fixing.amount_jpy))
    f = form(rp, "/closing/claims/")
    f.locator('[name="kind"]').select_option("final")
    f.locator('[name="received_on"]').fill("2026-03-23")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The claim is submitted."))
    claim = grant.claims.get()
    assert claim.amount_jpy == fixing.amount_jpy

    # the office records the payment; the same claim cannot be paid twice (a second tab that
    # still shows the payment form is refused)
    at(settings, "2026-04-24T10:00")
    op.goto(f"/grants/{grant.pk}/closing/")
    second_tab = op.context.new_page()
    second_tab.goto(f"/grants/{grant.pk}/closing/")
    pay = form(op, f"/claims/{claim.pk}/payment/")
    expect(pay.locator('[name="amount_jpy"]')).to_have_value(str(claim.amount_jpy))
    pay.locator('[name="paid_on"]').fill("2026-04-24")
    post(op, pay.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The payment is recorded."))
    expect(form(op, f"/claims/{claim.pk}/payment/")).to_have_count(0)
    expect(op.locator("#grant-state")).to_have_text(ja(GrantState.PAID.label))
    again = form(second_tab, f"/claims/{claim.pk}/payment/")
    again.locator('[name="paid_on"]').fill("2026-04-24")
    post(second_tab, again.locator("button"))
    expect(second_tab.locator("main")).to_contain_text(
        ja("This claim was already paid: %(amount)s yen on %(day)s. No amount is paid twice.")
        % {"amount": f"{claim.amount_jpy:,}", "day": "2026-04-24"}
    )
    expect(second_tab.locator("#claims")).to_contain_text(money(claim.amount_jpy))
    assert Payment.objects.filter(claim__grant=grant).count() == 1
    screenshot(second_tab, "grant-second-payment-refused")
    second_tab.close()

    # --- 5. after payment: the property ledger, the annual report, due dates, portfolio ------
    at(settings, "2026-04-30T10:00")
    rp.goto(f"/grants/{grant.pk}/closing/")
    rp.locator("#property details summary").last.click()
    f = form(rp, "/closing/property/")
    f.locator('[name="name"]').fill("太陽光発電設備 一式")
    f.locator('[name="site"]').fill("Nandi")
    f.locator('[name="unit_price_jpy"]').fill("110000000")
    f.locator('[name="acquired_on"]').fill("2026-02-16")
    f.locator('[name="operation_started_on"]').fill("2026-02-16")
    f.locator('[name="useful_life_years"]').fill("17")
    f.locator('[name="location"]').fill("Nandi County, Kenya")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The item is added to the property ledger."))
    item = grant.property_items.get()
    row = rp.locator("#property tr", has_text="太陽光発電設備 一式")
    expect(row).to_contain_text(ja("approval needed to dispose"))
    expect(row).to_contain_text(item.restriction_ends.isoformat())
    assert item.restriction_ends > dt.date(2040, 1, 1)
    # a sale planned inside the restriction period: a request for the office's approval
    row.locator("details summary", has_text=ja("Request approval to dispose")).click()
    f = form(rp, f"/property/{item.pk}/disposal-request/")
    f.locator('[name="kind"]').select_option("sell")
    f.locator('[name="planned_on"]').fill("2026-06-01")
    f.locator('[name="counterparty"]').fill("Sample Highlands Tea Ltd.")
    f.locator('[name="reason"]').fill("運転管理を現地事業者に移管するため")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The disposal request is submitted."))
    disposal = item.disposals.get()
    assert disposal.state == RequestState.SUBMITTED
    screenshot(rp, "grant-property-ledger")

    at(settings, "2026-05-08T10:00")
    op.goto(f"/grants/{grant.pk}/closing/")
    f = form(op, f"/disposal-requests/{disposal.pk}/decision/")
    f.locator('[name="approve"]').select_option("1")
    f.locator('[name="reason"]').fill("事業の目的に沿った移管")
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The disposal request is decided."))
    disposal.refresh_from_db()
    assert disposal.state == RequestState.APPROVED

    # the first annual project report (its period ends with 2026)
    at(settings, "2027-01-25T10:00")
    rp.goto(f"/grants/{grant.pk}/closing/")
    f = form(rp, "/closing/annual-reports/")
    period = f.locator('[name="period"] option').first.get_attribute("value")
    assert period.startswith("2026-02-16|")
    f.locator('[name="reductions_tco2"]').fill("2200")
    f.locator('[name="operating_status"]').fill("順調に稼働")
    f.locator('[name="property_status"]').fill("台帳のとおり管理")
    f.locator('[name="shortfall_reason"]').fill("雨季の日射量が想定を下回った")
    post(rp, f.locator("button"))
    expect(rp.locator(".messages")).to_contain_text(ja("The annual report is submitted."))
    assert grant.annual_reports.count() == 1
    expect(rp.locator("#annual-reports")).to_contain_text("2200")

    # the due dates on the grant's page and the office's calendar
    rp.goto(f"/grants/{grant.pk}/")
    deadlines = rp.locator("#deadlines")
    expect(deadlines).to_contain_text("2027-02-20")  # JCM registration: a year after completion
    screenshot(rp, "grant-deadlines-after-payment")
    op.goto("/grants/calendar/")
    expect(op.locator("main")).to_contain_text(grant.number)
    expect(op.locator("main")).to_contain_text("2027-02-20")
    screenshot(op, "grant-office-calendar")
    # the portfolio shows the grant paid, with its decided, fixed and paid amounts
    op.goto("/grants/portfolio/")
    row = op.locator("main tr", has_text=grant.number)
    expect(row).to_contain_text(ja(GrantState.PAID.label))
    expect(row).to_contain_text(money(fixing.amount_jpy))
    screenshot(op, "grant-portfolio-paid")

    # --- a partner participant sees it read-only; a reviewer gets 404 -------------------------
    for url in (
        f"/grants/{grant.pk}/",
        f"/grants/{grant.pk}/award/",
        f"/grants/{grant.pk}/closing/",
    ):
        response = pp.goto(url)
        assert response.status == 200, url
        expect(pp.locator("main")).to_contain_text(grant.number)
        expect(pp.locator("main form")).to_have_count(0)
    expect(pp.locator("main")).to_contain_text(money(fixing.amount_jpy))
    # the consortium was told of the decision: the partner's notices name it
    pp.goto("/notices/")
    expect(pp.locator("main")).to_contain_text(decision.number)
    screenshot(pp, "grant-partner-read-only")
    rv = new_page()
    log_in(rv, people["reviewer"].username, PASSWORD)
    for url in (
        f"/grants/{grant.pk}/",
        f"/grants/{grant.pk}/award/",
        f"/grants/{grant.pk}/closing/",
    ):
        assert rv.goto(url).status == 404, url
