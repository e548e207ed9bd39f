"""The JCM paths that end without adoption, in a browser (issue 12): a proposal fails basic
screening; the partner country's Joint Committee objects to a PIN; the office sends the round's
non-selection notices. Each page is checked for what it shows (states, reasons, receipt numbers)
and for the actions that must be gone.

The office and the first applicant read Japanese (the default); the Joint Committee contact and
the applicant of the last walk read English. Set-up that is not the walk's subject (submission,
reviews, hearing, the PIN's way to the Joint Committee) is made through the services.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from webfactories import (
    JCM_UPLOADS,
    complete_screening,
    example_document,
    jst,
    submitted_proposal,
    submitted_review,
)

from renkei.accounts.models import Organisation, Role, User
from renkei.adoption import services as adoption
from renkei.adoption.models import Selection, SelectionState
from renkei.reviews import services as reviews
from renkei.reviews.models import Screening

PASSWORD = "Renkei-e2e-passw0rd!"  # as in conftest.py
ORGANISATION = "ケニア茶業エンジニアリング株式会社"


@pytest.fixture
def people(transactional_db) -> SimpleNamespace:
    company = Organisation.objects.create(name=ORGANISATION, country="JP")

    def user(username: str, role: str, **extra) -> User:
        return User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=PASSWORD,
            role=role,
            **extra,
        )

    return SimpleNamespace(
        applicant=user("jcm-applicant", Role.APPLICANT, organisation=company, first_name="茶 一郎"),
        reviewer=user("jcm-reviewer", Role.REVIEWER),
        secretariat=user("jcm-secretariat", Role.SECRETARIAT),
        contact=user("jc-kenya", Role.JOINT_COMMITTEE, country="KE", first_name="Wanjiru"),
    )


def _submitted(applicant, round_, title: str):
    document = {**example_document("jcm-multi-site-pass.yaml"), "title": title}
    return submitted_proposal(
        applicant, round_, document, title, country="KE", uploads=JCM_UPLOADS, at="2024-05-10T09:00"
    )


def _open_decision(page, pk: int) -> None:
    page.goto(f"/office/proposals/{pk}/selection/")


def test_a_proposal_failing_basic_screening_goes_no_further_and_the_applicant_is_told(
    new_page, log_in, screenshot, settings, first_round, office, people
) -> None:
    proposal = _submitted(people.applicant, first_round, "基礎審査で要件を満たさない提案")
    pk, receipt = proposal.pk, proposal.receipt_number
    settings.RENKEI_DEMO_NOW = "2024-05-14T10:00:00+09:00"  # the day after the deadline
    # the office has confirmed every item but the last one to confirm; that one is the walk's
    screening = reviews.screening_start(actor=office, proposal=proposal)
    *confirmed, last = screening.items.filter(decision="").order_by("position")
    for item in confirmed:
        reviews.screening_item_decide(actor=office, item=item, decision="pass", reason="確認済み")
    why = "財務諸表で実施体制を確認できない"

    # 1. the office fails the item with its reason and completes the screening
    office_page = new_page()
    log_in(office_page, office.username)
    office_page.click('header a[href="/office/proposals/"]')
    office_page.click(f'main a[href="/office/proposals/{pk}/screening/"]')
    form = office_page.locator(f'form[action="/office/screening-items/{last.pk}/"]')
    form.locator("select").select_option("fail")
    form.locator('input[name="reason"]').fill(why)
    with office_page.expect_navigation():
        form.locator("button").click()
    with office_page.expect_navigation():
        office_page.click('form[action$="/complete/"] button')
    main = office_page.locator("main")
    expect(office_page.locator("ul.messages li.success")).to_contain_text("要件を満たさない")
    expect(main).to_contain_text("結果: 要件を満たさない")
    expect(office_page.locator("main tr", has_text=why)).to_contain_text("要件を満たさない")
    expect(office_page.locator('form[action*="/office/screening-items/"]')).to_have_count(0)
    expect(office_page.locator('form[action$="/complete/"]')).to_have_count(0)
    assert Screening.objects.get(proposal_id=pk).outcome == "fail"
    screenshot(office_page, "jcm-screening-failed")

    # 2. nothing goes on from it: no reviewers, no hearing, no candidate
    office_page.click('header a[href="/office/proposals/"]')
    office_page.click('main a[href="/office/reviewers/"]')
    expect(office_page.locator(f'input[name="proposal"][value="{pk}"]')).to_have_count(0)
    expect(office_page.locator("main")).not_to_contain_text(receipt)
    office_page.click('header a[href="/office/selection/"]')
    row = office_page.locator("main table tr", has_text=receipt)
    expect(row).not_to_contain_text("合格")
    expect(row).to_contain_text("未決定")
    row.locator(f'a[href="/office/proposals/{pk}/selection/"]').click()
    expect(office_page.locator("#id_at")).to_have_count(0)  # no hearing to schedule
    expect(office_page.locator('form[action$="/nominate/"]')).to_have_count(0)
    expect(office_page.locator('form[action$="/pin/"]')).to_have_count(0)

    # 3. the non-selection notice, with its reason (3.(4))
    told = "基礎審査(別添2 3.(1))で要件を満たさない項目があったため。"
    office_page.fill("#f-reason", told)
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{pk}/not-adopted/"] button')
    assert len(office_page.confirmed) == 1
    expect(office_page.locator("#selection-state")).to_have_text("不採択")
    expect(office_page.locator("main")).to_contain_text(told)
    expect(
        office_page.locator(f'form[action="/office/proposals/{pk}/not-adopted/"]')
    ).to_have_count(0)
    assert Selection.objects.get(proposal_id=pk).state == SelectionState.NOT_ADOPTED

    # 4. the applicant reads it: the notice on the home page, the result on the proposal
    page = new_page()
    log_in(page, people.applicant.username)
    notice = page.locator("main li", has_text=told)
    expect(notice).to_contain_text(receipt)
    expect(notice).to_contain_text("不採択")
    with page.expect_navigation():  # opening the notice marks it read and shows the proposal
        notice.locator("button").click()
    assert page.url.endswith(f"/proposals/{pk}/")
    result = page.locator("#selection")
    expect(result).to_contain_text("不採択")
    expect(result).to_contain_text(f"理由: {told}")
    expect(page.locator('main a[href$="/edit/"]')).to_have_count(0)
    expect(result.locator('a[href*="/office/"]')).to_have_count(0)  # no office action for them
    screenshot(page, "jcm-not-adopted-applicant")


def _pin_with_the_joint_committee(settings, office, people, round_, title: str):
    """Screened, reviewed, heard, a candidate, its PIN sent and forwarded to Kenya's Joint
    Committee contact."""
    proposal = _submitted(people.applicant, round_, title)
    settings.RENKEI_DEMO_NOW = "2024-05-14T10:00:00+09:00"
    complete_screening(office, proposal)
    submitted_review(office, people.reviewer, proposal)
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    adoption.hearing_schedule(
        actor=office, proposal=proposal, at=jst("2024-05-27T10:00"), place="東京"
    )
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    adoption.hearing_record(actor=office, hearing=proposal.hearing, record="代表事業者が出席。")
    candidate = adoption.selection_nominate(actor=office, proposal=proposal, total_score=None)
    pin = adoption.pin_send(actor=office, selection=candidate)
    adoption.pin_forward(actor=people.secretariat, pin=pin)
    settings.RENKEI_DEMO_NOW = "2024-06-10T10:00:00+09:00"
    return proposal, pin


def test_the_joint_committee_objects_and_the_office_and_applicant_see_it(
    new_page, log_in, screenshot, settings, first_round, office, people
) -> None:
    proposal, pin = _pin_with_the_joint_committee(
        settings, office, people, first_round, "合同委員会が異論を述べる提案"
    )
    pk, receipt = proposal.pk, proposal.receipt_number
    objection = "The project overlaps a nationally funded programme at the Kericho factory."

    # 1. Kenya's Joint Committee contact, in English: an objection needs its reason
    jc = new_page("en-GB")
    log_in(jc, people.contact.username)
    expect(jc.locator("html")).to_have_attribute("lang", "en")
    listed = jc.locator("main tr", has_text=receipt)
    expect(listed).to_contain_text("KE")
    listed.locator(f'a[href="/pins/{pin.pk}/"]').click()
    expect(jc.locator("main h1")).to_contain_text("Project Idea Note")
    jc.check('input[name="answer"][value="objection"]')
    with jc.expect_navigation():
        jc.click(f'form[action="/pins/{pin.pk}/respond/"] button')
    expect(jc.locator("ul.messages li.error")).to_contain_text("Give the reason for the objection")
    assert Selection.objects.get(proposal_id=pk).state == SelectionState.WITH_JOINT_COMMITTEE
    jc.check('input[name="answer"][value="objection"]')
    jc.fill("#f-comment", objection)
    with jc.expect_navigation():
        jc.click(f'form[action="/pins/{pin.pk}/respond/"] button')
    expect(jc.locator("ul.messages li.success")).to_contain_text("answer was recorded")
    expect(jc.locator("main")).to_contain_text(re.compile(r"Objection\s+2024-06-10 10:00"))
    expect(jc.locator("main")).to_contain_text(objection)
    expect(jc.locator(f'form[action="/pins/{pin.pk}/respond/"]')).to_have_count(0)
    expect(jc.locator(f'form[action="/pins/{pin.pk}/queries/"]')).to_have_count(0)
    assert Selection.objects.get(proposal_id=pk).state == SelectionState.OBJECTION
    screenshot(jc, "jcm-objection-jc")

    # 2. the office, in Japanese: told, the objection on the decision page, no 内示
    office_page = new_page()
    log_in(office_page, office.username)
    told = office_page.locator("main li", has_text=proposal.title)
    expect(told.filter(has_text="合同委員会")).to_contain_text("異論あり")
    _open_decision(office_page, pk)
    expect(office_page.locator("#selection-state")).to_have_text("異論あり")
    expect(office_page.locator("main")).to_contain_text(objection)
    expect(office_page.locator('form[action$="/naiji/"]')).to_have_count(0)
    expect(office_page.locator('form[action$="/pin/"]')).to_have_count(0)
    reason = "パートナー国の合同委員会から異論が示されたため(3.(1))。"
    office_page.fill("#f-reason", reason)
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{pk}/not-adopted/"] button')
    expect(office_page.locator("#selection-state")).to_have_text("不採択")
    expect(office_page.locator('form[action$="/not-adopted/"]')).to_have_count(0)

    # 3. the applicant, in Japanese: the PIN with the Joint Committee's answer, the result
    page = new_page()
    log_in(page, people.applicant.username)
    expect(page.locator("main li", has_text=reason)).to_contain_text(receipt)
    page.goto(f"/proposals/{pk}/")
    result = page.locator("#selection")
    expect(result).to_contain_text("不採択")
    expect(result).to_contain_text(reason)
    result.locator(f'a[href="/pins/{pin.pk}/"]').click()
    expect(page.locator("main")).to_contain_text("異論あり")
    expect(page.locator(f'form[action="/pins/{pin.pk}/respond/"]')).to_have_count(0)
    screenshot(page, "jcm-objection-applicant")


def test_the_rounds_non_selection_notices_reach_the_applicant(
    new_page, log_in, screenshot, settings, first_round, office, people
) -> None:
    reviewed = _submitted(people.applicant, first_round, "評価後に不採択となる提案")
    unscreened = _submitted(people.applicant, first_round, "審査前に不採択となる提案")
    settings.RENKEI_DEMO_NOW = "2024-05-14T10:00:00+09:00"
    complete_screening(office, reviewed)
    submitted_review(office, people.reviewer, reviewed, share=0.3)
    settings.RENKEI_DEMO_NOW = "2024-07-20T10:00:00+09:00"
    reason = "The round's adoptions are complete; the proposal ranked below the funding line."

    # 1. the office sends the notices from the round's board; every row reads 不採択
    office_page = new_page()
    log_in(office_page, office.username)
    office_page.click('header a[href="/office/selection/"]')
    office_page.select_option("#f-round", str(first_round.pk))
    with office_page.expect_navigation():
        office_page.click("main form[method=get] button")
    for p in (reviewed, unscreened):
        expect(office_page.locator("main tr", has_text=p.receipt_number)).to_contain_text("未決定")
    office_page.fill("#f-reason", reason)
    with office_page.expect_navigation():
        office_page.click('form[action$="/not-adopted/"] button')
    assert len(office_page.confirmed) == 1
    expect(office_page.locator("ul.messages li.success")).to_contain_text("2")
    for p in (reviewed, unscreened):
        expect(office_page.locator("main tr", has_text=p.receipt_number)).to_contain_text("不採択")
    assert set(Selection.objects.values_list("state", flat=True)) == {SelectionState.NOT_ADOPTED}
    _open_decision(office_page, reviewed.pk)
    expect(office_page.locator("#selection-state")).to_have_text("不採択")
    expect(office_page.locator('form[action$="/not-adopted/"]')).to_have_count(0)
    expect(office_page.locator("#id_at")).to_have_count(0)
    screenshot(office_page, "jcm-non-selection-office")

    # 2. the applicant, in English: a notice per proposal, and the result on each
    page = new_page("en-GB")
    log_in(page, people.applicant.username)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for p in (reviewed, unscreened):
        expect(
            page.locator("main li", has_text=p.receipt_number).filter(has_text=reason)
        ).to_have_count(1)
    page.goto(f"/proposals/{reviewed.pk}/")
    result = page.locator("#selection")
    expect(result).to_contain_text("Not adopted")
    expect(result).to_contain_text(f"Reason: {reason}")
    expect(result).not_to_contain_text("Adopted (")
    expect(page.locator('main a[href$="/edit/"]')).to_have_count(0)
    expect(result.locator('a[href*="/office/"]')).to_have_count(0)
    screenshot(page, "jcm-non-selection-applicant")
