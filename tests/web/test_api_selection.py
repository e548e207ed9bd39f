"""What the office does on the review and selection pages, through the API as well (issue 12):
reopening a review submitted on an earlier version, the total score a candidate is nominated
with (the ranking's, from one selector), and the formal 内示 notice (.docx) for those the page
gives it to."""

from __future__ import annotations

import io

import pytest
from test_api import body, client_for, error, post_json
from webfactories import complete_screening, jst, link_partner, submitted_review

from renkei.adoption import services as adoption
from renkei.adoption.demo import DOCUMENTS  # every document of 5.(3)
from renkei.adoption.models import Selection
from renkei.audit.models import AuditEvent
from renkei.proposals import services as proposals

pytestmark = pytest.mark.django_db


def _submitted(users, round_, document, title: str):
    """A proposal with every document of 5.(3), the partner linked, submitted."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    applicant = users["applicant"]
    proposal = proposals.proposal_create(actor=applicant, round=round_, title=title, country="KE")
    proposals.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    link_partner(applicant, proposal, users["partner"])
    for doc_id, name in DOCUMENTS:
        proposals.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(name, b"%PDF-1.7 x"),
        )
    proposals.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key=title, now=jst("2024-05-10T09:00")
    )
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def reviewed(users, first_round, sample_document, settings):
    """A submitted proposal (the partner linked), screened and reviewed once."""
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    first_round.budget_jpy = 200_000_000
    first_round.save()
    proposal = _submitted(users, first_round, sample_document, "p-1")
    complete_screening(users["office"], proposal)
    submitted_review(users["office"], users["reviewer"], proposal)
    return proposal


def test_the_office_reopens_a_review_of_an_earlier_version(
    users, reviewed, django_capture_on_commit_callbacks
) -> None:
    """The page's reopen (reviews:reopen) had no API operation."""
    office, reviewer = users["office"], users["reviewer"]
    (assignment,) = reviewed.review_assignments.all()
    url = f"/api/review-assignments/{assignment.pk}/reopen"
    listed = body(client_for(office).get("/api/review-assignments"))
    assert [a["reviewed_version"] for a in listed] == [1]
    # the review covers the latest version: nothing to reopen
    current = error(post_json(client_for(office), url, {"reason": "why not"}), 422)
    assert "earlier version" in current["detail"]
    proposals.proposal_open_revision(actor=office, proposal=reviewed, reason="costs")
    reviewed.refresh_from_db()
    proposals.proposal_submit(
        actor=users["applicant"],
        proposal=reviewed,
        idempotency_key="v2",
        now=jst("2024-05-11T09:00"),
    )
    for role in ("reviewer", "applicant", "partner", "secretariat"):
        error(post_json(client_for(users[role]), url, {"reason": "x"}), 404)
    error(post_json(client_for(office), url, {"reason": ""}), 422)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post_json(client_for(office), url, {"reason": "version 2 changed costs"})
    reopened = body(answer)
    assert reopened["submitted_at"] is None and reopened["reviewed_version"] is None
    assert reopened["scored"] > 0  # the earlier scores are the starting point
    event = AuditEvent.objects.get(action="review_reopen")
    assert event.actor_id == office.pk and event.payload["reason"] == "version 2 changed costs"
    assert reviewer.notices.filter(message__contains=reviewed.receipt_number).exists()
    again = error(post_json(client_for(office), url, {"reason": "again"}), 422)
    assert "earlier version" in again["detail"]
    error(
        post_json(client_for(office), "/api/review-assignments/999999/reopen", {"reason": "x"}), 404
    )


def _adopted(users, proposal, settings) -> Selection:
    """Through the API up to the candidate, then the PIN, the no-objection and the 内示."""
    office = client_for(users["office"])
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    scheduled = post_json(
        office,
        f"/api/proposals/{proposal.pk}/hearing",
        {"at": "2024-05-27T10:00:00+09:00", "place": "東京"},
    )
    body(scheduled)
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    body(post_json(office, f"/api/proposals/{proposal.pk}/hearing/record", {"record": "held"}))
    nominated = body(office.post(f"/api/proposals/{proposal.pk}/candidate"))
    ranking = body(office.get(f"/api/rounds/{proposal.round_id}/ranking"))
    (row,) = ranking["rows"]
    # the candidate's total is the ranking's (one selector: adoption.selectors.review_total)
    assert nominated["state"] == "candidate"
    assert nominated["total_score"] == row["total_score"]
    selection = Selection.objects.get(proposal=proposal)
    pin = adoption.pin_send(actor=users["office"], selection=selection)
    adoption.pin_forward(actor=users["secretariat"], pin=pin)
    selection = adoption.pin_respond(
        actor=users["joint_committee"], pin=pin, objection=False, comment=""
    )
    settings.RENKEI_DEMO_NOW = "2024-07-16T10:00:00+09:00"
    return adoption.naiji_issue(actor=users["office"], selection=selection)


def test_the_naiji_notice_is_downloaded_by_those_the_page_gives_it_to(
    users, reviewed, settings
) -> None:
    """The formal 内示 notice (.docx) had no API operation; the API asks the page's selector
    (adoption.selectors.naiji_for) who may download it."""
    from docx import Document

    url = f"/api/proposals/{reviewed.pk}/naiji.docx"
    before = error(client_for(users["office"]).get(url), 404)  # no 内示 yet
    assert before["detail"]
    adopted = _adopted(users, reviewed, settings)
    expected = {
        "anonymous": 401,
        "applicant": 200,
        "other_applicant": 404,
        "office": 200,
        "reviewer": 404,
        "secretariat": 404,
        "joint_committee": 404,
        "partner": 200,  # the consortium sees the proposal, as on the page
    }
    got = {role: client_for(user).get(url).status_code for role, user in users.items()}
    assert got == expected
    response = client_for(users["partner"]).get(url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="naiji_{adopted.naiji_number}.docx"' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(
        [p.text for p in document.paragraphs]
        + [c.text for t in document.tables for r in t.rows for c in r.cells]
    )
    assert "交付内示通知書" in text and adopted.naiji_number in text
    error(client_for(users["office"]).get("/api/proposals/999999/naiji.docx"), 404)


def test_a_hearing_place_is_bounded_and_stripped(users, reviewed, settings) -> None:
    """The place was ``Annotated[str, text(200)]``, whose bounds pydantic ignored."""
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    office = client_for(users["office"])
    url = f"/api/proposals/{reviewed.pk}/hearing"
    for place in ("x" * 201, "   "):
        refused = post_json(office, url, {"at": "2024-05-27T10:00:00+09:00", "place": place})
        assert error(refused, 422)["errors"][0].startswith("body.place"), place
    assert body(office.get(f"/api/proposals/{reviewed.pk}/selection"))["hearing"] is None
