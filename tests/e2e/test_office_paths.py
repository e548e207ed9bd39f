"""The office's unhappy paths in a browser (issue 12, points 9–13): a screening that shows the
rules' failures; a revision the applicant is told about, resubmitted and screened again; a
reviewer who types every score and presses "submit" without saving; a PIN refused until it is
complete, then sent; a rejection that cancels the hearing and reads "not adopted".

What is not under test here (submission, uploads, the reviewer's declaration, the hearing and the
nomination) is set up through the services, as test_applicant_path.py walks it in full. The
browsers are Japanese, and the assertions use what does not depend on a translation where they
can (receipt numbers, CSS classes, numbers), and the Japanese text where it is the point.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from renkei.accounts.models import Organisation, Role, User
from renkei.adoption import services as adoption
from renkei.adoption.models import Hearing, ProjectIdeaNote
from renkei.proposals import services as proposals
from renkei.proposals.models import Proposal
from renkei.reviews import services as reviews
from renkei.reviews.models import ReviewAssignment, Screening

JST = ZoneInfo("Asia/Tokyo")
PEOPLE_PASSWORD = "Office-paths-e2e-passw0rd"  # the applicant and the reviewer of this module


def jst(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jcm-multi-site-pass.yaml"
DOCUMENTS = [
    "form1",
    "form2",
    "form3_00",
    "form3_12",
    "form3_16",
    "form4",
    "quotations",
    "company_profile",
    "financial_statements",
    "consortium_agreement",
    "form5",
    "form6",
]
MAXIMA = {"A1": 10, "A2": 10, "B1": 10, "B2": 10, "B3": 10, "C": 20, "D": 20}


@pytest.fixture
def people(transactional_db) -> dict[str, User]:
    org = Organisation.objects.create(name="サンプル・エンジニアリング株式会社", country="JP")

    def user(name: str, role: str, **extra) -> User:
        return User.objects.create_user(
            username=name,
            email=f"{name}@example.org",
            password=PEOPLE_PASSWORD,
            role=role,
            **extra,
        )

    return {
        "applicant": user("applicant-e2e", Role.APPLICANT, organisation=org),
        "reviewer": user("reviewer-e2e", Role.REVIEWER),
    }


def _document(round_, **changes) -> dict:
    doc = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    doc.pop("documents"), doc.pop("reviewer_scores")
    doc["target_deadline"] = round_.deadline.isoformat()
    doc.update(changes)
    return doc


def _submit(applicant, round_, doc: dict, title: str, uploads=DOCUMENTS) -> Proposal:
    proposal = proposals.proposal_create(actor=applicant, round=round_, title=title, country="KE")
    proposals.proposal_update_document(actor=applicant, proposal=proposal, document=doc)
    for doc_id in uploads:
        proposals.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(f"{doc_id}.pdf", b"%PDF-1.7 e2e"),
        )
    proposals.proposal_submit(actor=applicant, proposal=proposal, idempotency_key=title)
    proposal.refresh_from_db()
    return proposal


def _screen(office, proposal) -> None:
    screening = reviews.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        reviews.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    reviews.screening_complete(actor=office, screening=screening)


def _reviewed(office, reviewer, proposal) -> ReviewAssignment:
    (a,) = reviews.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[reviewer], per_proposal=1
    )
    return reviews.review_declare_conflict(actor=reviewer, assignment=a, has_conflict=False)


def test_screening_revision_and_a_review_submitted_without_saving(
    new_page, log_in, office, people, first_round, settings, screenshot
) -> None:
    applicant, reviewer = people["applicant"], people["reviewer"]
    # 1 document of 12, pre-registered after its due date, cost-effectiveness above the limit
    failing_doc = _document(first_round, pre_registered_on="2024-05-01")
    for site in failing_doc["sites"]:
        for line in site["technologies"]:
            line["annual_reduction_tco2"] = 1
    failing = _submit(applicant, first_round, failing_doc, "規則に反する提案", uploads=["form1"])
    passing = _submit(applicant, first_round, _document(first_round), "通る提案")

    office_page = new_page()
    log_in(office_page, office.username)
    # the intake list shows the rules' verdict: the failing proposal, not the passing one
    office_page.goto("/office/proposals/")
    failing_row = office_page.locator("tr", has_text=failing.receipt_number)
    expect(failing_row.locator("summary.status-fail")).to_be_visible()
    expect(
        office_page.locator("tr", has_text=passing.receipt_number).locator("summary.status-fail")
    ).to_have_count(0)
    # the screening arrives with the rules' failures decided as failures
    office_page.goto(f"/office/proposals/{failing.pk}/screening/")
    with office_page.expect_navigation():
        office_page.click("main form button[type=submit]")
    failed_items = office_page.locator("td.status-fail")
    assert failed_items.count() >= 3  # documents, pre-registration, cost-effectiveness
    expect(office_page.locator("main")).to_contain_text("3.(2)(D)")
    screenshot(office_page, "office-screening-rules-failures")
    screening = Screening.objects.get(proposal=failing)
    for item in screening.items.filter(decision=""):
        reviews.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    office_page.reload()
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/screenings/{screening.pk}/complete/"] button')
    screening.refresh_from_db()
    assert screening.outcome == "fail"

    # a revision: the office opens it on the proposal page; the applicant is told
    _screen(office, passing)
    office_page.goto(f"/proposals/{passing.pk}/")
    office_page.fill("#reason", "様式4の合計を直してください")
    with office_page.expect_navigation():
        office_page.click('form[action$="/revision/"] button, form:has(#reason) button')
    passing.refresh_from_db()
    assert passing.state == "revision_open"
    applicant_page = new_page()
    log_in(applicant_page, applicant.username, PEOPLE_PASSWORD)
    applicant_page.goto("/")
    expect(applicant_page.locator("main")).to_contain_text("様式4の合計を直してください")
    expect(applicant_page.locator("main")).to_contain_text(passing.receipt_number)
    # resubmitted (version 2): the office screens it again from the screening page
    proposals.proposal_submit(actor=applicant, proposal=passing, idempotency_key="v2")
    office_page.goto(f"/office/proposals/{passing.pk}/screening/")
    expect(office_page.locator("main")).to_contain_text("第2版")
    with office_page.expect_navigation():
        office_page.click("main form button[type=submit]")
    assert Screening.objects.get(proposal=passing, version__number=2).items.exists()
    screenshot(office_page, "office-screening-version-2")
    screening2 = Screening.objects.get(proposal=passing, version__number=2)
    for item in screening2.items.filter(decision=""):
        reviews.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    reviews.screening_complete(actor=office, screening=screening2)

    # the reviewer types every score and presses "submit" without saving
    assignment = _reviewed(office, reviewer, passing)
    reviewer_page = new_page()
    log_in(reviewer_page, reviewer.username, PEOPLE_PASSWORD)
    reviewer_page.goto(f"/office/reviews/{assignment.pk}/")
    for cid, mx in MAXIMA.items():
        reviewer_page.fill(f'input[name="points_{cid}"]', str(mx // 2))
        reviewer_page.fill(f'textarea[name="justification_{cid}"]', f"{cid} の根拠")
    with reviewer_page.expect_navigation():
        reviewer_page.click("button[formaction]")
    assert reviewer_page.confirmed  # asked before submitting
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None
    assert assignment.scores.count() == len(MAXIMA)
    expect(reviewer_page.locator('input[name="points_A1"]')).to_have_count(0)  # final now
    expect(reviewer_page.locator("main")).to_contain_text("A1 の根拠")
    screenshot(reviewer_page, "reviewer-submitted-without-saving")


def test_pin_refused_until_complete_and_a_rejection_cancels_the_hearing(
    new_page, log_in, office, people, first_round, settings, screenshot
) -> None:
    applicant, reviewer = people["applicant"], people["reviewer"]
    incomplete = copy.deepcopy(_document(first_round))
    incomplete["project_idea"] = {"title_en": "ケニア"}  # not English, no outline, no allocation
    candidate_p = _submit(applicant, first_round, incomplete, "PINが不完全な提案")
    rejected_p = _submit(applicant, first_round, _document(first_round), "不採択の提案")
    for p in (candidate_p, rejected_p):
        _screen(office, p)
        a = _reviewed(office, reviewer, p)
        for cid, mx in MAXIMA.items():
            reviews.review_score(
                actor=reviewer, assignment=a, criterion=cid, points=mx // 2, justification="j"
            )
        reviews.review_submit(actor=reviewer, assignment=a)
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    for p in (candidate_p, rejected_p):
        adoption.hearing_schedule(
            actor=office, proposal=p, at=jst("2024-05-27T10:00"), place="東京"
        )
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    adoption.hearing_record(actor=office, hearing=candidate_p.hearing, record="held")
    selection = adoption.selection_nominate(actor=office, proposal=candidate_p, total_score=None)

    office_page = new_page()
    log_in(office_page, office.username)
    office_page.goto(f"/office/proposals/{candidate_p.pk}/selection/")
    gaps = office_page.locator(".pin-gaps")
    expect(gaps).to_contain_text("JCMクレジットの配分案")
    expect(gaps).not_to_contain_text("project_idea")
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{candidate_p.pk}/pin/"] button')
    expect(office_page.locator(".messages")).to_contain_text("JCM 事務局へ送付できません")
    assert not ProjectIdeaNote.objects.exists()
    screenshot(office_page, "office-pin-refused")
    # the applicant completes the PIN in a revision; version 2 passes screening; the PIN is sent
    proposals.proposal_open_revision(actor=office, proposal=candidate_p, reason="PIN")
    complete = copy.deepcopy(incomplete)
    complete["project_idea"] = {
        "title_en": "High-efficiency boilers at two tea factories in Kenya",
        "summary_en": "Boilers, heat pumps and solar power replace fuel oil.",
        "credit_allocation": [
            {"party": "Government of Japan", "share_percent": "50"},
            {"party": "Sample Highlands Tea Ltd.", "share_percent": "50"},
        ],
    }
    candidate_p.refresh_from_db()
    proposals.proposal_update_document(actor=applicant, proposal=candidate_p, document=complete)
    proposals.proposal_submit(actor=applicant, proposal=candidate_p, idempotency_key="pin-v2")
    _screen(office, candidate_p)
    office_page.reload()
    expect(office_page.locator(".pin-gaps")).to_have_count(0)
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{candidate_p.pk}/pin/"] button')
    pin = ProjectIdeaNote.objects.get(selection=selection)
    assert pin.content["missing"] == []
    expect(office_page.locator(f'a[href="/pins/{pin.pk}/"]')).to_be_visible()

    # the rejection: the scheduled hearing is cancelled and the proposal reads "not adopted"
    office_page.goto(f"/office/proposals/{rejected_p.pk}/selection/")
    office_page.fill("#f-reason", "総合点が予算の範囲に入らなかったため")
    with office_page.expect_navigation():
        office_page.click(f'form[action="/office/proposals/{rejected_p.pk}/not-adopted/"] button')
    assert Hearing.objects.get(proposal=rejected_p).cancelled_at is not None
    expect(office_page.locator("main")).to_contain_text("取消(不採択)")
    applicant_page = new_page()
    log_in(applicant_page, applicant.username, PEOPLE_PASSWORD)
    applicant_page.goto(f"/proposals/{rejected_p.pk}/")
    expect(applicant_page.locator("main")).to_contain_text("取消(不採択)")
    expect(applicant_page.locator(".facts, main").first).to_contain_text("不採択")
    applicant_page.goto("/")
    expect(applicant_page.locator("tr", has_text=rejected_p.receipt_number)).to_contain_text(
        "不採択"
    )
    screenshot(applicant_page, "applicant-not-adopted")
