"""The C3P path in a browser (issue 12): a company drafts a C3P proposal in the structured editor,
uploads the documents of 3.4, submits it inside the FY2025 C3P call and gets a receipt; the office
screens it and assigns a reviewer; the reviewer declares no conflict and scores it on Table 6; the
office adopts it within the budget. Each page is checked for what it shows: C3P's words (adopted,
adoption number, the contract amount), and none of the JCM steps (hearing, PIN, 内示).

Japanese pages (the default) throughout; the applicant reads the result once in English.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from webfactories import (
    C3P_UPLOADS,
    c3p_round,
    complete_screening,
    example_document,
    submitted_proposal,
    submitted_review,
)

from renkei.accounts.models import Organisation, Role, User
from renkei.adoption import services as adoption
from renkei.adoption.models import Selection, SelectionState
from renkei.proposals import c3p_editor
from renkei.proposals.models import Proposal, ProposalState
from renkei.proposals.services import document_errors
from renkei.reviews.models import ReviewAssignment, Screening

PASSWORD = "Renkei-e2e-passw0rd!"  # as in conftest.py
C3P_NOW = "2025-02-20T10:00:00+09:00"  # inside the FY2025 C3P call, before its round's deadline
CONTRACT = 19_778_000  # the new-project example's contract amount including tax
PDF = b"%PDF-1.7\n% Renkei C3P browser test\n%%EOF\n"
LEAD = "サンプル環境コンサルタント株式会社"


def money(amount: int) -> re.Pattern:
    """The amount as shown, with or without thousands separators."""
    return re.compile(r"[,.\s]?".join(f"{amount:,}".split(",")))


def fill_c3p_form(page, data: dict[str, str]) -> None:
    """Type the C3P form's fields as a person would: text into inputs, choices in selects and
    radios, ticks in checkboxes. ``data`` is what the form posts (field name -> value)."""
    for name, value in data.items():
        if name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS")):
            continue
        field = page.locator(f'#proposal-form [name="{name}"]')
        kind = field.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select:"):
            field.select_option(value)
        elif kind == "input:checkbox":
            field.check()
        elif kind == "input:radio":
            page.check(f'#proposal-form [name="{name}"][value="{value}"]')
        else:
            field.fill(value)


@pytest.fixture
def c3p(settings, platform, transactional_db):
    """The C3P call with a budget that fits the proposal, its clock, an applicant company and a
    reviewer."""
    settings.RENKEI_DEMO_NOW = C3P_NOW
    round_ = c3p_round(call_budget_jpy=50_000_000)
    company = Organisation.objects.create(name=LEAD, country="JP", kind="company")
    applicant = User.objects.create_user(
        username="c3p-applicant",
        email="c3p-applicant@example.org",
        password=PASSWORD,
        role=Role.APPLICANT,
        organisation=company,
        first_name="都市 連子",
    )
    reviewer = User.objects.create_user(
        username="c3p-reviewer", password=PASSWORD, role=Role.REVIEWER, first_name="審査 三郎"
    )
    return round_, applicant, reviewer


def test_a_c3p_proposal_from_the_structured_editor_to_adoption(
    new_page, log_in, screenshot, office, c3p, tmp_path
) -> None:
    round_, applicant, reviewer = c3p
    document = example_document("c3p-new-project.yaml")
    data, dropped = c3p_editor.document_to_data(document, round_.call.rulebook())
    assert dropped == []

    # 1. the applicant creates a C3P proposal: the structured C3P form, no JCM form
    page = new_page()
    log_in(page, applicant.username)
    page.click('header a[href="/proposals/new/"]')
    page.select_option("#id_round", str(round_.pk))
    page.fill("#id_title", document["title"])
    page.fill("#id_country", "vn")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    pk = int(re.search(r"/proposals/(\d+)/edit/$", page.url).group(1))
    expect(page.locator('#proposal-form input[name="editor"]')).to_have_value("c3p")
    expect(page.locator("#sec-cities")).to_be_visible()
    expect(page.locator('#document_id option[value="letters_of_interest"]')).to_have_count(1)
    expect(page.locator('#document_id option[value="form1"]')).to_have_count(0)
    expect(page.locator('#proposal-form [name="partner-country"]')).to_have_value("VN")

    # 2. typed into the form (a target row added first), assessed live, saved
    with page.expect_response(lambda r: r.request.method == "POST" and "/edit/" in r.url):
        page.click('button[value="add:targets"]')
    expect(page.locator('[name="targets-0-description"]')).to_be_visible()
    fill_c3p_form(page, data)
    expect(page.locator("#assessment")).to_contain_text(money(CONTRACT))  # incl. tax, live
    with page.expect_navigation():
        page.click("#save-draft")
    expect(page.locator("ul.messages li.success")).to_be_visible()
    saved = Proposal.objects.get(pk=pk).document
    assert saved["partner_city"]["name"] == "Ben Tre Province"
    assert saved["project"]["title_en"] == document["project"]["title_en"]
    assert saved["cost_plan"]["personnel_jpy"] == 6_500_000
    assert document_errors(saved) == []  # complete: nothing typed was lost on the way
    expect(page.locator("#assessment")).to_contain_text("契約金額(税込)")
    expect(page.locator("#assessment")).to_contain_text(money(CONTRACT))

    # 3. the documents of 3.4 and the agreement, through the upload form
    for doc_id in C3P_UPLOADS:
        path = tmp_path / f"{doc_id}.pdf"
        path.write_bytes(PDF)
        page.select_option("#document_id", doc_id)
        page.set_input_files('form[action$="/attach/"] input[name="file"]', str(path))
        with page.expect_navigation():
            page.click('form[action$="/attach/"] button[type=submit]')
        expect(page.locator("ul.messages li.success")).to_be_visible()
    expect(page.locator("#attachments")).to_contain_text("letters_of_interest.pdf")

    # 4. submitted inside the C3P call: a C3P receipt, the proposal locked
    with page.expect_navigation():
        page.click("#submit-proposal")
    assert len(page.confirmed) == 1
    proposal = Proposal.objects.get(pk=pk)
    assert proposal.state == ProposalState.SUBMITTED
    receipt = proposal.receipt_number
    assert receipt == "C3P-20250220-0001"
    assert page.url.endswith(f"/proposals/{pk}/")
    expect(page.locator("ul.messages li.success")).to_contain_text(receipt)
    expect(page.locator("main .figures").first).to_contain_text(receipt)
    expect(page.locator("main .figures").first).to_contain_text("2025-02-20 10:00")
    expect(page.locator('main a[href$="/edit/"]')).to_have_count(0)
    expect(page.locator("#submit-proposal")).to_have_count(0)
    assert proposal.versions.get().attachments.count() == len(C3P_UPLOADS)

    # 5. the office screens it on eligibility 3.2 and the documents of 3.4
    office_page = new_page()
    log_in(office_page, office.username)
    office_page.click('header a[href="/office/proposals/"]')
    expect(office_page.locator("main")).to_contain_text(receipt)
    office_page.click(f'main a[href="/office/proposals/{pk}/screening/"]')
    with office_page.expect_navigation():
        office_page.click("main form button[type=submit]")  # start
    main = office_page.locator("main")
    expect(main).to_contain_text("C3P")
    expect(main).to_contain_text("関心表明レター")  # the letters of interest, a screening item
    undecided = """() => [...document.querySelectorAll(
        'form[action*="/office/screening-items/"] select')].findIndex(s => s.value === '')"""
    while (index := office_page.evaluate(undecided)) >= 0:
        form = office_page.locator('form[action*="/office/screening-items/"]').nth(index)
        form.locator("select").select_option("pass")
        form.locator('input[name="reason"]').fill("提出書類で確認")
        with office_page.expect_navigation():
            form.locator("button").click()
    with office_page.expect_navigation():
        office_page.click('form[action$="/complete/"] button')
    expect(office_page.locator("main")).to_contain_text("結果: 要件を満たす")
    expect(office_page.locator('form[action*="/office/screening-items/"]')).to_have_count(0)
    assert Screening.objects.get(proposal_id=pk).outcome == "pass"

    # 6. a reviewer assigned on the assignment page
    office_page.click('header a[href="/office/proposals/"]')
    office_page.click('main a[href="/office/reviewers/"]')
    office_page.check(f'input[name="proposal"][value="{pk}"]')
    office_page.fill("#per-proposal", "1")
    with office_page.expect_navigation():
        office_page.click("main form button[type=submit]")
    assignment = ReviewAssignment.objects.get(proposal_id=pk)
    assert assignment.reviewer == reviewer

    # 7. the reviewer declares no conflict, then scores on Table 6's new-project column
    review = new_page()
    log_in(review, reviewer.username)
    assert review.goto(f"/proposals/{pk}/").status == 404  # not before the declaration
    review.click('header a[href="/office/reviews/"]')
    expect(review.locator("main")).to_contain_text(LEAD)  # who takes part, before declaring
    review.check('input[name="has_conflict"][value="no"]')
    with review.expect_navigation():
        review.click(f'form[action="/office/reviews/{assignment.pk}/declare/"] button')
    review.goto(f"/office/reviews/{assignment.pk}/")
    expect(review.locator("main")).to_contain_text("新規案件")  # the new-project column
    expect(review.locator('input[name="points_overall_evaluation"]')).to_have_attribute("max", "50")
    for field in review.locator('input[name^="points_"]').all():
        field.fill(str(int(field.get_attribute("max")) * 8 // 10))
    for text in review.locator('textarea[name^="justification_"]').all():
        text.fill("事業計画書と関心表明レターで確認した。")
    with review.expect_navigation():
        review.click('main form:has(input[name^="points_"]) button:not([formaction])')  # save
    with review.expect_navigation():
        review.click('button[formaction$="/submit/"]')  # the scoring form's submit button
    assert ReviewAssignment.objects.get(pk=assignment.pk).submitted_at is not None
    expect(review.locator('input[name^="points_"]')).to_have_count(0)  # final

    # 8. the office adopts it within the budget: no hearing, no PIN, no 内示
    office_page.click('header a[href="/office/selection/"]')
    office_page.select_option("#f-round", str(round_.pk))
    with office_page.expect_navigation():
        office_page.click("main form[method=get] button")
    row = office_page.locator("main table tr", has_text=receipt)
    expect(row).to_contain_text(money(CONTRACT))
    expect(row).to_contain_text("未決定")
    row.locator(f'a[href="/office/proposals/{pk}/selection/"]').click()
    decide = office_page.locator("main")
    expect(decide).to_contain_text("予算の残額")
    expect(decide).to_contain_text(money(50_000_000))
    expect(office_page.locator('form[action$="/nominate/"]')).to_have_count(0)
    expect(office_page.locator('form[action$="/pin/"]')).to_have_count(0)
    expect(office_page.locator("#id_at")).to_have_count(0)  # no hearing to schedule
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{pk}/adopt/"] button')
    assert len(office_page.confirmed) == 1  # asked first: the applicant is told at once
    selection = Selection.objects.get(proposal_id=pk)
    assert selection.state == SelectionState.ADOPTED
    assert (selection.naiji_number, selection.naiji_amount_jpy) == (f"A-{receipt}", CONTRACT)
    expect(office_page.locator("#selection-state")).to_have_text("採択")
    expect(decide).to_contain_text(f"採択番号: {selection.naiji_number}")
    expect(decide).to_contain_text(money(CONTRACT))
    expect(decide).not_to_contain_text("内示番号")
    expect(office_page.locator(f'form[action="/office/proposals/{pk}/adopt/"]')).to_have_count(0)
    expect(office_page.locator('form[action$="/not-adopted/"]')).to_have_count(0)
    screenshot(office_page, "c3p-adopted")

    # 9. the applicant is told, and reads the result on the proposal: in Japanese, then English
    page.click("header a.brand")
    notice = page.locator("main ul.notices li", has_text=money(CONTRACT)).first
    expect(notice).to_contain_text(receipt)
    page.goto(f"/proposals/{pk}/")
    result = page.locator("#selection")
    expect(result).to_contain_text("採択")
    expect(result).to_contain_text(f"採択番号 {selection.naiji_number}")
    expect(result).to_contain_text(money(CONTRACT))
    expect(result).not_to_contain_text("内示")
    expect(result.locator('a[href^="/pins/"]')).to_have_count(0)  # no PIN in C3P
    with page.expect_navigation():
        page.select_option('header select[name="language"]', "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    result = page.locator("#selection")
    expect(result).to_contain_text("Adopted")
    expect(result).to_contain_text(f"Adoption number {selection.naiji_number}")
    expect(result).not_to_contain_text("Not adopted")
    expect(result).not_to_contain_text("内示")

    # 10. the public list names the project and the lead organisation, not the money
    public = new_page()
    public.goto("/adopted/")
    listed = public.locator("main table tr", has_text=LEAD)
    expect(listed).to_contain_text("ベトナム")
    expect(listed).to_contain_text("Ben Tre Province")  # the partner city
    expect(listed).to_contain_text(document["project"]["title_ja"])
    expect(public.locator("main")).not_to_contain_text(money(CONTRACT))
    expect(public.locator("main")).not_to_contain_text(receipt)
    assert Path(screenshot(public, "c3p-public")).stat().st_size > 0


def test_the_office_reads_a_c3p_adoption_as_a_contract_amount(
    new_page, log_in, office, c3p
) -> None:
    round_, applicant, reviewer = c3p
    document = {**example_document("c3p-new-project.yaml"), "title": "C3P words"}
    proposal = submitted_proposal(
        applicant,
        round_,
        document,
        "C3P words",
        country="VN",
        uploads={doc_id: f"{doc_id}.pdf" for doc_id in C3P_UPLOADS},
        at="2025-02-20T10:00",
    )
    complete_screening(office, proposal)
    submitted_review(office, reviewer, proposal)
    adoption.selection_adopt_c3p(actor=office, proposal=proposal)

    page = new_page()
    log_in(page, office.username)
    page.goto(f"/office/proposals/{proposal.pk}/selection/")
    expect(page.locator("main")).to_contain_text(money(CONTRACT))
    # the page is complete once loaded: no need to wait for these to change
    expect(page.locator("main")).to_contain_text("契約金額", timeout=1000)
    expect(page.locator("main")).not_to_contain_text("補助金額", timeout=1000)
    page.goto(f"/office/selection/?round={round_.pk}")
    expect(page.locator("main table")).to_contain_text("契約金額", timeout=1000)
    expect(page.locator("main table")).not_to_contain_text("補助金額", timeout=1000)
