"""The C3P project walked in a browser (issue 11), from an adopted proposal to its second year:
the office opens the project from its list of adopted C3P proposals; the lead organisation's
applicant files the FY2025 implementation plan; the office's contract above the cap is refused
with the guidebook's place (3.3 (3)), what it typed kept, then signed below the request with the
reduction's reason; the lead records an activity (one dated outside the contract year refused
first, its title kept), files the year's expense settlement report by Table 5 categories
(equipment below JPY 200,000 refused first, the lines kept) and the year-end reports; the office
closes FY2025 and opens FY2026 (phase 1, year 2). A partner participant sees the project without
a form; an outsider gets 404; the office's dashboard lists the project with its contract amount.

The adopted proposal is set up with the part's factories (tests/web/c3pfactories_project.py);
every person logs in through the login form; the platform's clock moves with the story. The
browsers are Japanese: the platform's messages are asserted in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.c3p.models import C3pActivity, C3pProject, C3pSettlement

PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def at(settings, text: str) -> None:
    settings.RENKEI_DEMO_NOW = f"{text}:00+09:00"


def form(page, action_end: str):
    return page.locator(f'main form[action$="{action_end}"]')


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def story(transactional_db, settings):
    people = cast()
    proposal = adopted_proposal(people, settings)
    return people, proposal


def test_c3p_project_walk_from_adoption_to_the_second_year(
    new_page, log_in, story, settings, screenshot
) -> None:
    people, proposal = story

    # --- 1. the office opens the project from the adopted proposal ------------------------
    at(settings, "2025-04-10T10:00")
    op = new_page()
    log_in(op, people.office.username, PASSWORD)
    op.goto("/c3p/projects/")
    expect(op.locator("main")).to_contain_text(proposal.title)
    post(op, op.locator(f'main form[action="/c3p/projects/new/{proposal.pk}/"] button'))
    expect(op.locator(".messages")).to_contain_text(ja("The C3P project is opened."))
    project = C3pProject.objects.get(proposal=proposal)
    assert op.url.endswith(f"/c3p/projects/{project.pk}/")

    # --- 2. the lead files the implementation plan ----------------------------------------
    at(settings, "2025-05-15T10:00")
    lp = new_page()
    log_in(lp, people.lead.username, PASSWORD)
    lp.goto(f"/c3p/projects/{project.pk}/")
    f = form(lp, "/plan/")
    for name, value in (
        ("overview", "ベンチェー省の脱炭素ロードマップ"),
        ("methods", "政策対話と現地調査"),
        ("structure", "代表団体・愛媛県・ベンチェー省"),
        ("timeline", "7月キックオフ、2月最終報告"),
        ("requested_jpy", "19800000"),
    ):
        f.locator(f'[name="{name}"]').fill(value)
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The implementation plan is filed."))
    assert project.years.get().state == "plan_submitted"

    # --- 3. the office's contract: above the cap refused, as typed; then signed -----------
    at(settings, "2025-06-20T10:00")
    op.goto(f"/c3p/projects/{project.pk}/")
    f = form(op, "/contract/")
    f.locator('[name="amount_jpy"]').fill("20000001")
    f.locator('[name="reduction_reason"]').fill("外国旅費を見直し")
    f.locator('[name="signed_on"]').fill("2025-06-20")
    post(op, f.locator("button"))
    f = form(op, "/contract/")
    expect(f).to_contain_text("上限20,000,000円を1円超えています(3.3 (3))")
    expect(f.locator('[name="amount_jpy"]')).to_have_value("20000001")
    expect(f.locator('[name="reduction_reason"]')).to_have_value("外国旅費を見直し")
    screenshot(op, "c3p-contract-above-cap")
    f.locator('[name="amount_jpy"]').fill("18000000")
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The contract is signed."))
    expect(op.locator("main")).to_contain_text("要求額19,800,000円から1,800,000円を減額")
    year = project.years.get()
    assert (year.state, year.contract_amount_jpy) == ("contracted", 18_000_000)

    # --- 4. the lead: an activity, the settlement, the year-end reports -------------------
    at(settings, "2025-07-15T10:00")
    lp.goto(f"/c3p/projects/{project.pk}/")
    f = form(lp, "/activity/")
    f.locator('[name="item"]').select_option("3")
    f.locator('[name="title"]').fill("キックオフ会議")
    f.locator('[name="held_on"]').fill("2026-04-01")
    post(lp, f.locator("button"))
    f = form(lp, "/activity/")
    expect(f).to_contain_text("2025-04-01から2026-03-31までの日付にしてください")
    expect(f.locator('[name="title"]')).to_have_value("キックオフ会議")
    assert not C3pActivity.objects.exists()
    f.locator('[name="held_on"]').fill("2025-07-15")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The activity is recorded."))

    at(settings, "2026-03-16T10:00")
    lp.goto(f"/c3p/projects/{project.pk}/")
    f = form(lp, "/settlement/")
    f.locator('[name="kind"]').select_option("final")
    f.locator('[name="line-0-category"]').select_option("equipment")
    f.locator('[name="line-0-description"]').fill("タブレット")
    f.locator('[name="line-0-amount_jpy"]').fill("150000")
    f.locator('[name="line-0-unit_price_jpy"]').fill("150000")
    f.locator('[name="line-1-category"]').select_option("personnel")
    f.locator('[name="line-1-description"]').fill("人件費")
    f.locator('[name="line-1-amount_jpy"]').fill("9000000")
    post(lp, f.locator("button"))
    f = form(lp, "/settlement/")
    expect(f).to_contain_text("備品費ではなく消耗品費に計上してください")
    expect(f.locator('[name="line-1-amount_jpy"]')).to_have_value("9000000")
    assert not C3pSettlement.objects.exists()
    screenshot(lp, "c3p-settlement-equipment-below-threshold")
    f.locator('[name="line-0-category"]').select_option("consumables")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The settlement report is filed."))
    settlement = C3pSettlement.objects.get()
    assert (settlement.pre_tax_jpy, settlement.tax_jpy) == (9_150_000, 915_000)

    f = form(lp, "/report/")
    f.locator('[name="business_report"]').fill("ロードマップ素案を作成")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The year-end reports are filed."))

    # a partner participant sees it, without a form; an outsider does not
    pp = new_page()
    log_in(pp, people.partner.username, PASSWORD)
    pp.goto(f"/c3p/projects/{project.pk}/")
    expect(pp.locator("main")).to_contain_text("ロードマップ素案を作成")
    expect(pp.locator("main form")).to_have_count(0)
    xp = new_page()
    log_in(xp, people.outsider.username, PASSWORD)
    assert xp.goto(f"/c3p/projects/{project.pk}/").status == 404

    # --- 5. the office closes FY2025 and opens FY2026 -------------------------------------
    at(settings, "2026-04-08T10:00")
    op.goto(f"/c3p/projects/{project.pk}/")
    post(op, form(op, "/close/").locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The year is closed."))
    post(op, form(op, "/renew/").locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The next contract year is opened."))
    expect(op.locator("#fy2026")).to_contain_text("第1フェーズ2年目")
    one, two = project.years.order_by("fiscal_year")
    assert (one.state, two.fiscal_year, two.year_in_phase) == ("closed", 2026, 2)
    op.goto("/c3p/projects/")
    expect(op.locator("main")).to_contain_text("18000000")
    screenshot(op, "c3p-dashboard")
