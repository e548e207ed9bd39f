"""The C3P project walked in a browser (issue 11), from an adopted proposal to its second year:
the office opens the project from its list of adopted C3P proposals; the lead organisation's
applicant files the FY2025 implementation plan; the office's contract above the cap is refused
with the guidebook's place (3.3 (3)), what it typed kept, then signed below the request with the
reduction's reason; the lead records an activity (one dated outside the contract year refused
first, its title kept), files the year's expense settlement report by Table 5 categories
(equipment below JPY 200,000 refused first, the lines kept) and the year-end reports; the office
closes FY2025 and opens FY2026 (phase 1, year 2). A partner participant sees the project without
a form; an outsider gets 404; the office's dashboard lists the project with its contract amount.

The second walk is issue 11's done-when as each role: the office adopts (on its selection page)
a C3P proposal whose city partnership the Japanese municipality confirmed; the project's year 1
and year 2 as the lead and the office, read by the municipality and the partner city (consortium
members) on their partnership and project pages; a continuing project's phase change (refused
without its novelty, Table 6 item 1); and a project whose phase 2 ended: no next year offered,
and one posted anyway refused with 2.1. After year 2 the lead starts a JCM Model Project
proposal from the project (linked, prefilled), seen from both sides and counted in the office's
funnel.

The adopted proposal is set up with the part's factories (tests/web/c3pfactories_project.py);
every person logs in through the login form; the platform's clock moves with the story. The
browsers are Japanese: the platform's messages are asserted in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from c3pfactories_exit import jcm_round
from c3pfactories_project import adopted_proposal, cast
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.c3p.models import C3pActivity, C3pProject, C3pSettlement
from renkei.proposals.models import Proposal

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


# --- the done-when of issue 11, as each role -------------------------------------------------
# adoption (on the office's page) of a C3P proposal that names a city partnership the
# municipality confirmed → the project → year 1 (plan, contract, activity, settlement, reports,
# close) → year 2 (plan, contract) as the lead organisation, the office, the Japanese
# municipality and the partner city (both in the consortium: partner participants, read-only);
# then a continuing project's phase change (phase 1's third year closed → phase 2, refused
# first without its novelty) and a project after phase 2's third year (no third phase).


def _reviewed(people, round_, title: str, *, project: dict | None = None, link=None):
    """A C3P proposal of ``people.lead`` submitted, screened and scored through the services
    (adoption is left to the office); ``link(proposal)`` names its partnership first."""
    import yaml
    from django.core.files.uploadedfile import SimpleUploadedFile
    from webfactories import C3P_UPLOADS, ROOT, jst, link_partner

    from renkei.proposals import services
    from renkei.reviews import reviewing
    from renkei.reviews import services as reviews

    document = yaml.safe_load((ROOT / "examples/c3p-new-project.yaml").read_text("utf-8"))
    for key in ("documents_submitted", "submitted_on"):
        document.pop(key)
    document["title"] = title
    document["project"] = {**document["project"], **(project or {})}
    proposal = services.proposal_create(actor=people.lead, round=round_, title=title, country="VN")
    services.proposal_update_document(actor=people.lead, proposal=proposal, document=document)
    for doc_id in C3P_UPLOADS:
        services.attachment_add(
            actor=people.lead,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(f"{doc_id}.pdf", b"%PDF-1.7 x"),
        )
    for member in people.consortium:
        link_partner(people.lead, proposal, member)
    if link is not None:
        link(proposal)
    services.proposal_submit(
        actor=people.lead, proposal=proposal, idempotency_key=title, now=jst("2025-02-20T10:00")
    )
    proposal.refresh_from_db()
    screening = reviews.screening_start(actor=people.office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        reviews.screening_item_decide(
            actor=people.office, item=item, decision="pass", reason="checked"
        )
    reviews.screening_complete(actor=people.office, screening=screening)
    (a,) = reviews.review_assign_balanced(
        actor=people.office, proposals=[proposal], reviewers=[people.reviewer], per_proposal=1
    )
    reviews.review_declare_conflict(actor=people.reviewer, assignment=a, has_conflict=False)
    for c in reviewing.reviewer_criteria(proposal):
        reviews.review_score(
            actor=people.reviewer, assignment=a, criterion=c.id, points=c.max, justification="j"
        )
    reviews.review_submit(actor=people.reviewer, assignment=a)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def cities(transactional_db, settings):
    """The lead company, the office and a reviewer; the Japanese municipality's and the partner
    city's applicants with their partnership (an MOU, both letters of interest); a reviewed C3P
    proposal whose partnership the municipality confirmed."""
    import datetime as dt
    from types import SimpleNamespace

    from c3pfactories_partnership import cast as partnership_cast
    from c3pfactories_partnership import pdf
    from webfactories import c3p_round

    from renkei.c3p.services import partnership as partnerships

    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    c = partnership_cast()
    partnerships.letter_add(
        actor=c.municipality,
        partnership=c.partnership,
        side="japanese_city",
        signatory="Mayor of Sample City",
        dated=dt.date(2025, 1, 10),
        upload=pdf(),
    )
    partnerships.letter_add(
        actor=c.partner_user,
        partnership=c.partnership,
        side="partner_city",
        signatory="Mayor of Sample Partner City",
        dated=dt.date(2025, 1, 20),
        upload=pdf(),
        translation=pdf("ja.pdf"),
    )
    people = SimpleNamespace(
        lead=c.company_user,
        office=c.office,
        reviewer=c.reviewer,
        municipality=c.municipality,
        partner_city=c.partner_user,
        outsider=c.outsider,
        consortium=[c.municipality, c.partner_user],  # Elig.(8): with the Japanese city
        partnership=c.partnership,
    )
    round_ = c3p_round(call_budget_jpy=100_000_000)

    def link(proposal):
        asked = partnerships.partnership_link_proposal(
            actor=people.lead, proposal=proposal, partnership=c.partnership
        )
        partnerships.partnership_link_confirm(
            actor=people.municipality, link=asked.c3p_partnership_link
        )

    proposal = _reviewed(people, round_, "C3P Sample City – Sample Partner City", link=link)
    return people, proposal, round_


def test_c3p_project_as_each_role_from_adoption_to_phase_two(
    new_page, log_in, cities, settings, screenshot
) -> None:
    from c3pfactories_project import closed_year

    from renkei.adoption import services as adoption
    from renkei.c3p.services.project import c3p_project_create

    people, proposal, round_ = cities
    assert proposal.c3p_partnership == people.partnership  # confirmed by the municipality

    # --- 1. the office adopts the proposal on its selection page --------------------------
    at(settings, "2025-03-25T10:00")
    op = new_page()
    log_in(op, people.office.username, PASSWORD)
    op.goto(f"/office/proposals/{proposal.pk}/selection/")
    post(op, op.locator(f'form[action="/office/proposals/{proposal.pk}/adopt/"] button'))
    expect(op.locator("#selection-state")).to_have_text("採択")
    assert op.confirmed  # asked first: the lead organisation is told at once

    # --- 2. the office opens the project --------------------------------------------------
    at(settings, "2025-04-10T10:00")
    op.goto("/c3p/projects/")
    post(op, op.locator(f'main form[action="/c3p/projects/new/{proposal.pk}/"] button'))
    project = C3pProject.objects.get(proposal=proposal)
    expect(op.locator("main")).to_contain_text("サンプル市")

    # the municipality and the partner city: their partnership shows the proposal, and the
    # project's page is theirs to read (consortium members), without a form
    mp = new_page()
    log_in(mp, people.municipality.username, PASSWORD)
    mp.goto(f"/c3p/partnerships/{people.partnership.pk}/")
    expect(mp.locator("#history")).to_contain_text(proposal.title)
    expect(mp.locator("#link-requests")).to_contain_text(ja("Confirmed by the municipality"))
    pc = new_page("en-US")
    log_in(pc, people.partner_city.username, PASSWORD)
    pc.goto(f"/c3p/partnerships/{people.partnership.pk}/")
    expect(pc.locator("#history")).to_contain_text(proposal.title)

    # --- 3. year 1: plan (lead), contract (office), activity, settlement, reports (lead) ---
    lp = new_page()
    log_in(lp, people.lead.username, PASSWORD)

    def plan(requested: str) -> None:
        lp.goto(f"/c3p/projects/{project.pk}/")
        f = form(lp, "/plan/")
        for name, value in (
            ("overview", "相手都市の脱炭素ロードマップ"),
            ("methods", "政策対話と現地調査"),
            ("structure", "代表団体・サンプル市・相手都市"),
            ("timeline", "7月キックオフ、2月最終報告"),
            ("requested_jpy", requested),
        ):
            f.locator(f'[name="{name}"]').fill(value)
        post(lp, f.locator("button"))
        expect(lp.locator(".messages")).to_contain_text(ja("The implementation plan is filed."))

    def contract(amount: str, signed_on: str) -> None:
        op.goto(f"/c3p/projects/{project.pk}/")
        f = form(op, "/contract/")
        f.locator('[name="amount_jpy"]').fill(amount)
        f.locator('[name="signed_on"]').fill(signed_on)
        post(op, f.locator("button"))
        expect(op.locator(".messages")).to_contain_text(ja("The contract is signed."))

    at(settings, "2025-05-15T10:00")
    plan("19000000")
    at(settings, "2025-06-20T10:00")
    contract("19000000", "2025-06-20")

    at(settings, "2025-09-18T10:00")
    lp.goto(f"/c3p/projects/{project.pk}/")
    f = form(lp, "/activity/")
    f.locator('[name="item"]').select_option("4")
    f.locator('[name="title"]').fill("第1回現地調査")
    f.locator('[name="held_on"]').fill("2025-09-18")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The activity is recorded."))

    at(settings, "2026-03-16T10:00")
    lp.goto(f"/c3p/projects/{project.pk}/")
    f = form(lp, "/settlement/")
    f.locator('[name="kind"]').select_option("final")
    f.locator('[name="line-0-category"]').select_option("personnel")
    f.locator('[name="line-0-description"]').fill("人件費")
    f.locator('[name="line-0-amount_jpy"]').fill("9000000")
    f.locator('[name="line-1-category"]').select_option("overseas_travel")
    f.locator('[name="line-1-description"]').fill("現地調査旅費")
    f.locator('[name="line-1-amount_jpy"]').fill("3000000")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The settlement report is filed."))
    f = form(lp, "/report/")
    f.locator('[name="business_report"]').fill("ロードマップ素案を作成し、JCM候補を特定")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The year-end reports are filed."))

    # the municipality reads the year's reports on the project's page, without a form
    mp.goto(f"/c3p/projects/{project.pk}/")
    expect(mp.locator("main")).to_contain_text("ロードマップ素案を作成し、JCM候補を特定")
    expect(mp.locator("main form")).to_have_count(0)

    # --- 4. the office closes year 1 and opens year 2; its plan and contract --------------
    at(settings, "2026-04-08T10:00")
    op.goto(f"/c3p/projects/{project.pk}/")
    post(op, form(op, "/close/").locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The year is closed."))
    post(op, form(op, "/renew/").locator("button"))
    expect(op.locator("#fy2026")).to_contain_text("第1フェーズ2年目")
    at(settings, "2026-05-14T10:00")
    plan("18700000")
    at(settings, "2026-06-18T10:00")
    contract("18700000", "2026-06-18")
    one, two = project.years.order_by("fiscal_year")
    assert (one.state, one.settlements.count()) == ("closed", 1)
    assert (two.fiscal_year, two.year_in_phase, two.state) == (2026, 2, "contracted")
    pc.goto(f"/c3p/projects/{project.pk}/")
    expect(pc.locator("#fy2026")).to_contain_text("phase 1, year 2")
    expect(pc.locator("main form")).to_have_count(0)
    xp = new_page()
    log_in(xp, people.outsider.username, PASSWORD)
    assert xp.goto(f"/c3p/projects/{project.pk}/").status == 404
    screenshot(op, "c3p-project-second-year")

    # --- the exit: from this project in its second year, a linked JCM proposal -------------
    at(settings, "2026-06-25T10:00")
    jcm = jcm_round(code="fy2026-sample", deadline="2026-09-30T12:00")
    lp.goto(f"/c3p/projects/{project.pk}/")
    post(
        lp,
        lp.locator("#exits").get_by_text(
            ja("Start a JCM Model Project proposal from this project")
        ),
    )
    expect(lp.locator("#prefill")).to_contain_text(proposal.receipt_number)
    f = lp.locator("main form")
    f.locator('[name="round"]').select_option(str(jcm.pk))
    f.locator('[name="title"]').fill("JCM: C3Pから形成した案件")
    f.locator('[name="technologies"]').select_option(["heat_pump"])
    post(lp, f.locator("button"))
    jcm_proposal = Proposal.objects.get(c3p_origin=project)
    assert lp.url.endswith(f"/proposals/{jcm_proposal.pk}/edit/")
    lp.goto(f"/proposals/{jcm_proposal.pk}/")
    origin = lp.locator("#c3p-origin")
    expect(origin).to_contain_text(ja("Prepared under the C3P project"))
    expect(origin.locator("a")).to_have_attribute("href", f"/c3p/projects/{project.pk}/")
    # visible from the C3P side too, to the office, which also counts it in the funnel
    op.goto(f"/c3p/projects/{project.pk}/")
    expect(op.locator("#exits")).to_contain_text(ja("JCM Model Project proposal"))
    op.goto("/c3p/funnel/")
    expect(op.locator('[data-stage="jcm_proposals"]')).to_have_text("1")
    screenshot(op, "c3p-project-exit-funnel")

    # --- 5. a phase change: a continuing project adopted in phase 1's third year ----------
    at(settings, "2025-02-20T10:00")
    continuing = _reviewed(
        people, round_, "C3P continuing (phase 1, year 3)", project={"phase": 1, "year_in_phase": 3}
    )
    at(settings, "2025-03-25T10:00")
    adoption.selection_adopt_c3p(actor=people.office, proposal=continuing)
    at(settings, "2025-04-10T10:00")
    moving = c3p_project_create(actor=people.office, proposal=continuing)
    at(settings, "2026-03-25T10:00")
    closed_year(people, moving.years.get())  # phase 1's third year, through the services
    at(settings, "2026-04-08T10:00")
    op.goto(f"/c3p/projects/{moving.pk}/")
    post(op, form(op, "/renew/").locator("button"))  # without the novelty: refused
    f = form(op, "/renew/")
    expect(f).to_contain_text("表6 項目1")
    assert moving.years.count() == 1
    f.locator('[name="novelty"]').fill("工業団地のエネルギー管理をJCM案件化")
    post(op, f.locator("button"))
    expect(op.locator("#fy2026")).to_contain_text("第2フェーズ1年目")
    expect(op.locator("#fy2026")).to_contain_text("工業団地のエネルギー管理をJCM案件化")
    screenshot(op, "c3p-phase-two")
    lp.goto(f"/c3p/projects/{moving.pk}/")
    expect(lp.locator("#fy2026")).to_contain_text("第2フェーズ1年目")
    expect(form(lp, "/plan/")).to_have_count(1)  # the lead files phase 2's first plan

    # --- 6. never a third phase: phase 2's third year closed ends the project period -------
    at(settings, "2025-02-20T10:00")
    last = _reviewed(
        people, round_, "C3P continuing (phase 2, year 3)", project={"phase": 2, "year_in_phase": 3}
    )
    at(settings, "2025-03-25T10:00")
    adoption.selection_adopt_c3p(actor=people.office, proposal=last)
    at(settings, "2025-04-10T10:00")
    ending = c3p_project_create(actor=people.office, proposal=last)
    at(settings, "2026-03-25T10:00")
    closed_year(people, ending.years.get())  # plan, contract, reports and close, as services
    at(settings, "2026-04-08T10:00")
    op.goto(f"/c3p/projects/{ending.pk}/")
    expect(op.locator("main p.status-info")).to_contain_text(ja("The project period has ended"))
    expect(op.locator("main p.status-info")).to_contain_text("(2.1)")
    expect(form(op, "/renew/")).to_have_count(0)  # no next year is offered
    # a renewal posted anyway (a stale tab, a hand-made request) is refused with the clause
    with op.expect_navigation():
        op.evaluate(
            """() => {
                const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
                const f = document.createElement('form');
                f.method = 'post';
                f.action = location.pathname + 'renew/';
                for (const [name, value] of [['csrfmiddlewaretoken', token],
                                             ['novelty', 'A third phase']]) {
                    const i = document.createElement('input');
                    i.name = name; i.value = value; f.appendChild(i);
                }
                document.body.appendChild(f);
                f.submit();
            }"""
        )
    refused_here = form(op, "/renew/")
    expect(refused_here).to_contain_text("事業期間は終了しています")
    expect(refused_here).to_contain_text("2.1")
    expect(refused_here.locator('[name="novelty"]')).to_have_value("A third phase")  # kept
    screenshot(op, "c3p-no-third-phase")
    assert ending.years.count() == 1
