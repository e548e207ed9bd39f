"""From evaluation to announcement (JCM call 3.(1)–(4)): hearing, candidate, PIN to the JCM
secretariat and the Joint Committee, no-objection or objection, 内示 within the budget,
non-selection notices, the public page, and who may see what on the way."""

from __future__ import annotations

import copy
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from webfactories import UserFactory, jst, submitted_proposal

from renkei import access
from renkei.accounts.models import Notice, Role
from renkei.adoption import services
from renkei.adoption.demo import DOCUMENTS  # every document of 5.(3)
from renkei.adoption.models import Hearing, ProjectIdeaNote, Selection, SelectionState
from renkei.adoption.pin import pin_digest
from renkei.audit.services import audit_trail
from renkei.proposals.models import Proposal, ProposalPartner
from renkei.reviews import services as review_services
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

MAXIMA = {"A1": 10, "A2": 10, "B1": 10, "B2": 10, "B3": 10, "C": 20, "D": 20}


def _submitted(applicant, round_, document, title, pin_file=True):
    uploads = {k: v for k, v in DOCUMENTS if pin_file or k != "form3_16"}
    return submitted_proposal(
        applicant, round_, document, title, country="KE", uploads=uploads, at="2024-05-10T09:00"
    )


def _screened_and_reviewed(office, reviewer, proposal, points=None):
    screening = review_services.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        review_services.screening_item_decide(
            actor=office, item=item, decision="pass", reason="checked"
        )
    review_services.screening_complete(actor=office, screening=screening)
    (a,) = review_services.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[reviewer], per_proposal=1
    )
    review_services.review_declare_conflict(actor=reviewer, assignment=a, has_conflict=False)
    for cid, mx in MAXIMA.items():
        review_services.review_score(
            actor=reviewer,
            assignment=a,
            criterion=cid,
            points=(points or {}).get(cid, mx // 2),
            justification="seen in the plan",
        )
    review_services.review_submit(actor=reviewer, assignment=a)
    return proposal


def _heard(office, proposal, settings):
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    services.hearing_schedule(
        actor=office, proposal=proposal, at=jst("2024-05-27T10:00"), place="東京"
    )
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    services.hearing_record(
        actor=office, hearing=proposal.hearing, record="Attended by the representative."
    )


@pytest.fixture
def reviewed(users, first_round, sample_document, settings):
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    first_round.budget_jpy = 200_000_000
    first_round.save()
    return _screened_and_reviewed(
        users["office"],
        users["reviewer"],
        _submitted(users["applicant"], first_round, sample_document, "p-1"),
    )


@pytest.fixture
def candidate(users, reviewed, settings):
    _heard(users["office"], reviewed, settings)
    return services.selection_nominate(actor=users["office"], proposal=reviewed, total_score=None)


# --- hearing ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_hearing_is_scheduled_notified_and_warned_outside_the_calls_window(
    users, reviewed, settings
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    office = users["office"]
    inside = services.hearing_schedule(
        actor=office, proposal=reviewed, at=jst("2024-06-10T10:00"), place="東京"
    )
    assert inside.warnings == []  # 2024-05-13 + 4 weeks = 2024-06-10
    moved = services.hearing_schedule(
        actor=office, proposal=reviewed, at=jst("2024-06-11T10:00"), place="東京"
    )
    assert moved.hearing.pk == inside.hearing.pk
    assert "by 2024-06-10" in moved.warnings[0]
    trail = audit_trail(moved.hearing).filter(action="hearing_schedule")
    assert [e.to_state[:10] for e in trail] == ["2024-06-10", "2024-06-11"]
    assert trail.last().from_state.startswith("2024-06-10")
    notices = Notice.objects.filter(recipient=users["applicant"], message__contains="東京")
    assert notices.count() == 2 and "ヒアリング" in notices.first().message  # in Japanese
    assert len(mail.outbox) >= 2


def test_hearing_needs_a_future_time_a_place_and_a_record_after_it(
    users, reviewed, settings
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    office = users["office"]
    with pytest.raises(ServiceError, match="future"):
        services.hearing_schedule(
            actor=office, proposal=reviewed, at=jst("2024-05-19T10:00"), place="東京"
        )
    with pytest.raises(ServiceError, match="place"):
        services.hearing_schedule(
            actor=office, proposal=reviewed, at=jst("2024-05-27T10:00"), place=" "
        )
    done = services.hearing_schedule(
        actor=office, proposal=reviewed, at=jst("2024-05-27T10:00"), place="東京"
    )
    with pytest.raises(ServiceError, match="record it once it has been held"):
        services.hearing_record(actor=office, hearing=done.hearing, record="too early")
    settings.RENKEI_DEMO_NOW = "2024-05-27T11:00:00+09:00"
    with pytest.raises(ServiceError, match="record"):
        services.hearing_record(actor=office, hearing=done.hearing, record="")
    services.hearing_record(actor=office, hearing=done.hearing, record="held")
    with pytest.raises(ServiceError, match="already held"):
        services.hearing_schedule(
            actor=office, proposal=reviewed, at=jst("2024-05-28T10:00"), place="東京"
        )


def test_only_the_office_schedules_and_only_after_basic_screening(
    users, first_round, sample_document, settings
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    unscreened = _submitted(users["applicant"], first_round, sample_document, "u")
    with pytest.raises(NotAllowed):
        services.hearing_schedule(
            actor=users["office"], proposal=unscreened, at=jst("2024-05-27T10:00"), place="東京"
        )


# --- candidate, PIN, Joint Committee --------------------------------------------------------------


def test_a_candidate_needs_the_hearing_first(users, reviewed) -> None:
    with pytest.raises(ServiceError, match="hearing"):
        services.selection_nominate(actor=users["office"], proposal=reviewed, total_score=None)


@pytest.mark.django_db(transaction=True)
def test_the_full_path_to_naiji_and_the_public_page(users, candidate, settings) -> None:
    office, secretariat, jc = users["office"], users["secretariat"], users["joint_committee"]
    applicant = users["applicant"]
    assert candidate.state == SelectionState.CANDIDATE
    assert candidate.subsidy_jpy == 98_000_000
    assert "採択候補" in Notice.objects.filter(recipient=applicant).first().message

    # the Joint Committee sees nothing before the secretariat forwards the PIN
    pin = services.pin_send(actor=office, selection=candidate)
    assert pin.sha256 == pin_digest(pin.content) and pin.country == "KE"
    assert pin.content["title"].startswith("[SAMPLE]")
    assert pin.content["expected_reductions"] == {"annual_tco2": "2500", "lifetime_tco2": "31300"}
    assert pin.content["applicant_pin_files"][0]["name"] == "3-16_PIN.pdf"
    assert access.pins_for(jc).count() == 0
    assert access.pins_for(secretariat).count() == 1
    assert Notice.objects.filter(recipient=secretariat, message__contains="PIN").exists()
    with pytest.raises(NotAllowed):
        services.pin_respond(actor=jc, pin=pin, objection=False, comment="")

    services.pin_forward(actor=secretariat, pin=pin)
    assert access.pins_for(jc).count() == 1
    other_country = UserFactory(role=Role.JOINT_COMMITTEE, organisation=None, country="VN")
    assert access.pins_for(other_country).count() == 0
    with pytest.raises(NotAllowed):
        services.pin_respond(actor=other_country, pin=pin, objection=False, comment="")

    selection = services.pin_respond(actor=jc, pin=pin, objection=False, comment="")
    assert selection.state == SelectionState.NO_OBJECTION

    settings.RENKEI_DEMO_NOW = "2024-07-16T10:00:00+09:00"
    adopted = services.naiji_issue(actor=office, selection=selection)
    assert adopted.state == SelectionState.ADOPTED
    assert adopted.naiji_amount_jpy == 98_000_000
    assert adopted.naiji_number == f"N-{adopted.proposal.receipt_number}"
    notice = Notice.objects.filter(recipient=applicant).first().message
    assert "内示" in notice and "98,000,000" in notice
    assert "2024年8月15日" in notice  # 30 days after 2024-07-16 (4.(2))
    assert services.budget_of(adopted.proposal.round).remaining_jpy == 102_000_000
    actions = [e.action for e in audit_trail(adopted)]
    assert actions == [
        "selection_nominate",
        "pin_send",
        "pin_forward",
        "pin_respond",
        "naiji_issue",
    ]

    page = Client().get(reverse("adoption:public"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "ケニア" in body and "サンプル・エンジニアリング株式会社" in body and "2500" in body
    assert "98,000,000" not in body and adopted.proposal.receipt_number not in body
    _the_naiji_notice_is_a_document_for_the_office_and_the_consortium(users, adopted)


def _the_naiji_notice_is_a_document_for_the_office_and_the_consortium(users, adopted) -> None:
    """Issue 12 point 16: the formal 内示 notice (3.(4)) with the items of 3.(1), 4.(1)–(3)."""
    from docx import Document

    url = reverse("adoption:naiji_download", args=[adopted.proposal_id])
    for role, expected in [
        ("office", 200),
        ("applicant", 200),
        ("other_applicant", 404),
        ("reviewer", 404),
        ("secretariat", 404),
        ("joint_committee", 404),
    ]:
        client = Client()
        client.force_login(users[role])
        response = client.get(url)
        assert response.status_code == expected, role
    text = "\n".join(
        [p.text for p in Document(io.BytesIO(response_for(users["applicant"], url))).paragraphs]
        + [
            c.text
            for t in Document(io.BytesIO(response_for(users["office"], url))).tables
            for r in t.rows
            for c in r.cells
        ]
    )
    assert "交付内示通知書" in text and adopted.naiji_number in text
    assert "金 98,000,000 円" in text  # the upper limit of the grant
    assert "2024年8月15日まで" in text  # the grant application: 30 days (4.(2))
    assert "2024年9月15日以降" in text  # may be withdrawn after 60 days (4.(2))
    assert "交付決定できない場合(2025年4月1日以降)" in text  # or once FY2024 ends (4.(2))
    assert "4.(3)①" in text and "3.(4)" in text
    assert "ケニア" in text and adopted.proposal.receipt_number in text
    detail = Client()
    detail.force_login(users["applicant"])
    page = detail.get(reverse("proposals:detail", args=[adopted.proposal_id])).content.decode()
    assert url in page


def response_for(user, url: str) -> bytes:
    client = Client()
    client.force_login(user)
    return client.get(url).content


def test_no_naiji_notice_before_the_naiji(users, candidate) -> None:
    client = Client()
    client.force_login(users["office"])
    url = reverse("adoption:naiji_download", args=[candidate.proposal_id])
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_objection_needs_its_reason_and_ends_in_non_adoption(users, candidate) -> None:
    office, jc = users["office"], users["joint_committee"]
    pin = services.pin_send(actor=office, selection=candidate)
    services.pin_forward(actor=users["secretariat"], pin=pin)
    with pytest.raises(ServiceError, match="reason"):
        services.pin_respond(actor=jc, pin=pin, objection=True, comment=" ")
    selection = services.pin_respond(actor=jc, pin=pin, objection=True, comment="overlaps NAMA")
    assert selection.state == SelectionState.OBJECTION
    with pytest.raises(NotAllowed):
        services.naiji_issue(actor=office, selection=selection)
    done = services.selection_reject(
        actor=office, proposal=selection.proposal, reason="The partner country objected."
    )
    assert done.state == SelectionState.NOT_ADOPTED
    assert "不採択" in Notice.objects.filter(recipient=users["applicant"]).first().message


def test_naiji_stays_within_the_budget(users, candidate, settings) -> None:
    round_ = candidate.proposal.round
    round_.budget_jpy = 90_000_000
    round_.save()
    pin = services.pin_send(actor=users["office"], selection=candidate)
    services.pin_forward(actor=users["secretariat"], pin=pin)
    selection = services.pin_respond(
        actor=users["joint_committee"], pin=pin, objection=False, comment=""
    )
    with pytest.raises(ServiceError, match="exceeds the remaining budget of 90,000,000"):
        services.naiji_issue(actor=users["office"], selection=selection)
    selection.refresh_from_db()
    assert selection.state == SelectionState.NO_OBJECTION


def test_an_incomplete_pin_is_refused_in_the_pages_language_until_revised(
    users, first_round, sample_document, settings
) -> None:
    """Issue 12 point 10: no PIN with its English title "(not given)" and no credit allocation
    reaches the JCM secretariat; the office reads what is missing by label, in its language."""
    from django.utils import translation

    from renkei.proposals import services as proposal_services
    from renkei.reviews.models import Screening

    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    document = copy.deepcopy({**sample_document, "project_idea": {"title_en": "ケニア"}})
    del document["consortium"]["representative"]["name_en"]
    proposal = _screened_and_reviewed(
        users["office"],
        users["reviewer"],
        _submitted(users["applicant"], first_round, document, "m"),
    )
    _heard(users["office"], proposal, settings)
    candidate = services.selection_nominate(
        actor=users["office"], proposal=proposal, total_score=None
    )
    with pytest.raises(ServiceError) as refused:
        services.pin_send(actor=users["office"], selection=candidate)
    message = str(refused.value)
    assert "The project title is not in English" in message
    assert "Proposed allocation of JCM credits" in message
    assert "サンプル・エンジニアリング" in message  # a Japanese participant name
    assert "project_idea" not in message  # labels, not document paths
    with translation.override("ja"), pytest.raises(ServiceError) as refused_ja:
        services.pin_send(actor=users["office"], selection=candidate)
    assert "JCMクレジットの配分案" in str(refused_ja.value)
    assert not ProjectIdeaNote.objects.exists()
    client = Client()
    client.force_login(users["office"])
    page = client.get(reverse("adoption:decide", args=[proposal.pk])).content.decode()
    assert "JCMクレジットの配分案" in page and "project_idea" not in page
    # the office opens a revision; the applicant completes the PIN; version 2 is screened
    proposal_services.proposal_open_revision(
        actor=users["office"], proposal=proposal, reason="complete the PIN"
    )
    proposal.refresh_from_db()
    document["project_idea"] = {
        "title_en": "High-efficiency boilers at two tea factories in Kenya",
        "summary_en": "Boilers, heat pumps and solar power replace fuel oil.",
        "credit_allocation": [
            {"party": "Government of Japan", "share_percent": "50"},
            {"party": "Sample Highlands Tea Ltd.", "share_percent": "50"},
        ],
    }
    document["consortium"]["representative"]["name_en"] = "Sample Engineering Co., Ltd."
    proposal_services.proposal_update_document(
        actor=users["applicant"], proposal=proposal, document=document
    )
    proposal_services.proposal_submit(
        actor=users["applicant"],
        proposal=proposal,
        idempotency_key="v2",
        now=jst("2024-05-28T09:00"),
    )
    proposal.refresh_from_db()
    with translation.override("en"), pytest.raises(ServiceError, match="basic screening"):
        services.pin_send(actor=users["office"], selection=candidate)
    screening = review_services.screening_start(actor=users["office"], proposal=proposal)
    for item in screening.items.filter(decision=""):
        review_services.screening_item_decide(
            actor=users["office"], item=item, decision="pass", reason="checked"
        )
    review_services.screening_complete(actor=users["office"], screening=screening)
    assert Screening.objects.filter(proposal=proposal).count() == 2
    pin = services.pin_send(actor=users["office"], selection=candidate)
    assert pin.content["missing"] == []
    assert pin.content["title"].startswith("High-efficiency")
    assert Selection.objects.get(pk=candidate.pk).version.number == 2


def test_rejection_cancels_the_hearing_and_the_proposal_reads_not_adopted(
    users, reviewed, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    services.hearing_schedule(
        actor=users["office"], proposal=reviewed, at=jst("2024-05-27T10:00"), place="東京"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.selection_reject(
            actor=users["office"], proposal=reviewed, reason="Lower total score."
        )
    reviewed.refresh_from_db()
    hearing = Hearing.objects.get(proposal=reviewed)
    assert hearing.cancelled_at is not None and hearing.held_at is None
    assert audit_trail(hearing).filter(action="hearing_cancel").exists()
    assert str(reviewed.get_state_display()) == "Not adopted"
    notice = users["applicant"].notices.latest("pk")
    assert "2024-05-27 10:00" in notice.message
    with pytest.raises(NotAllowed):
        services.hearing_record(actor=users["office"], hearing=hearing, record="x")
    for user in (users["applicant"], users["office"]):
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
        home = client.get("/").content.decode()
        detail = client.get(reverse("proposals:detail", args=[reviewed.pk])).content.decode()
        assert "cancelled (not adopted)" in detail
        assert "State<b>Not adopted</b>" in detail
        if user == users["applicant"]:
            assert "Not adopted" in home


def test_non_selection_notices_reach_every_undecided_proposal_once(
    users, first_round, sample_document, candidate, settings
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    others = [
        _submitted(users["applicant"], first_round, sample_document, f"o{i}") for i in range(2)
    ]
    with pytest.raises(ServiceError, match="reason"):
        services.selection_reject_remaining(actor=users["office"], round=first_round, reason="")
    done = services.selection_reject_remaining(
        actor=users["office"], round=first_round, reason="Lower total score."
    )
    assert sorted(s.proposal_id for s in done) == sorted(p.pk for p in others)
    assert (
        services.selection_reject_remaining(
            actor=users["office"], round=first_round, reason="again"
        )
        == []
    )
    candidate.refresh_from_db()
    assert candidate.state == SelectionState.CANDIDATE  # candidates are not swept
    with pytest.raises(ServiceError, match="final decision"):
        services.selection_reject(actor=users["office"], proposal=others[0], reason="twice")


# --- pages ------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_office_pages_walk_the_decision(users, reviewed, settings) -> None:
    office = _client(users["office"])
    board = office.get(reverse("adoption:board"))
    assert board.status_code == 200 and reviewed.title in board.content.decode()
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    url = reverse("adoption:decide", args=[reviewed.pk])
    bad = office.post(url, {"at": "not a date", "place": "東京"})
    assert bad.status_code == 200 and "東京" in bad.content.decode()  # typed values kept
    assert office.post(url, {"at": "2024-05-27T10:00", "place": "東京"}).status_code == 302
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    office.post(reverse("adoption:hearing_record", args=[reviewed.pk]), {"record": "held"})
    office.post(reverse("adoption:nominate", args=[reviewed.pk]))
    office.post(reverse("adoption:send_pin", args=[reviewed.pk]))
    selection = Selection.objects.get(proposal=reviewed)
    assert selection.state == SelectionState.PIN_SENT
    assert selection.total_score is not None  # from the reviewers' means and computed items
    page = office.get(url).content.decode()
    assert "pin_send" in page and "hearing_record" in page  # the history


def test_pin_pages_per_role_and_the_docx(users, candidate) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    url = reverse("adoption:pin", args=[pin.pk])
    jc, sec = _client(users["joint_committee"]), _client(users["secretariat"])
    assert jc.get(url).status_code == 404
    assert _client(users["other_applicant"]).get(url).status_code == 404
    assert _client(users["reviewer"]).get(url).status_code == 404
    assert sec.get(url).status_code == 200
    assert sec.post(reverse("adoption:pin_forward", args=[pin.pk])).status_code == 302
    assert jc.get(url).status_code == 200
    response = jc.post(reverse("adoption:pin_respond", args=[pin.pk]), {"answer": "maybe"})
    assert response.status_code == 302
    assert ProjectIdeaNote.objects.get(pk=pin.pk).response == ""
    jc.post(reverse("adoption:pin_respond", args=[pin.pk]), {"answer": "no_objection"})
    assert ProjectIdeaNote.objects.get(pk=pin.pk).response == "no_objection"
    download = jc.get(reverse("adoption:pin_download", args=[pin.pk]))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(download.content)).paragraphs)
    assert "Project Idea Note for the JCM Project" in text and "Proposed allocation" in text


def test_public_page_is_empty_before_any_naiji(db) -> None:
    body = Client().get(reverse("adoption:public")).content.decode()
    assert "サンプル" not in body


# --- the permission matrix of the selection pages -------------------------------------------------

ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
# page -> expected status per role, in ROLES order. 302 is the login page for the anonymous
# caller, or the page redirecting back after a refused or done action; 404 hides the page.
MATRIX = {
    ("adoption:public", "GET", None): [200, 200, 200, 200, 200, 200, 200],
    ("adoption:board", "GET", None): [302, 404, 404, 200, 404, 404, 404],
    ("adoption:decide", "GET", "proposal"): [302, 404, 404, 200, 404, 404, 404],
    ("adoption:hearing_record", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:nominate", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:adopt_c3p", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:send_pin", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:naiji", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:reject", "POST", "proposal"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:reject_remaining", "POST", "round"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:round_budget", "POST", "round"): [302, 404, 404, 302, 404, 404, 404],
    ("adoption:pins", "GET", None): [302, 200, 200, 200, 404, 200, 200],
    ("adoption:pin", "GET", "pin"): [302, 200, 404, 200, 404, 200, 404],
    ("adoption:pin_download", "GET", "pin"): [302, 200, 404, 200, 404, 200, 404],
    ("adoption:pin_forward", "POST", "pin"): [302, 302, 404, 302, 404, 302, 404],
    ("adoption:pin_respond", "POST", "pin"): [302, 302, 404, 302, 404, 302, 404],
    ("adoption:pin_query_ask", "POST", "pin"): [302, 302, 404, 302, 404, 302, 404],
    ("adoption:pin_query_answer", "POST", "query"): [302, 302, 404, 302, 404, 302, 404],
    # before the 内示 there is no notice for anyone (after it: test_the_full_path_to_naiji…)
    ("adoption:naiji_download", "GET", "proposal"): [302, 404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_selection_page(role, users, candidate) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    query = services.pin_query_ask(actor=users["secretariat"], pin=pin, question="Which grid?")
    objects = {
        "proposal": candidate.proposal_id,
        "round": candidate.proposal.round_id,
        "pin": pin.pk,
        "query": query.pk,
    }
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    got, want = {}, {}
    for (name, method, obj), expected in MATRIX.items():
        url = reverse(name, args=[objects[obj]] if obj else [])
        data = {"reason": "r", "record": "r", "answer": "no_objection", "question": "q"}
        response = client.get(url) if method == "GET" else client.post(url, data)
        label = f"{method} {name} {obj or ''}".strip()
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    pin.refresh_from_db()
    # only the secretariat could forward it, and nobody else could answer for the country
    assert (pin.forwarded_at is not None) == (role == "secretariat")
    assert pin.response == ""
    # only the applicant of the proposal or the office answered the query; only the
    # secretariat could ask another
    query.refresh_from_db()
    assert (query.answered_at is not None) == (role in ("applicant", "office"))
    assert pin.queries.count() == 1 + (role == "secretariat")


def test_the_matrix_covers_every_selection_url() -> None:
    from renkei.adoption.urls import urlpatterns
    from renkei.adoption.views_optimiser import urlpatterns as optimiser

    # the optimiser's pages have their own matrix (test_selection_board_matrix.py)
    names = {f"adoption:{p.name}" for p in urlpatterns} - {f"adoption:{p.name}" for p in optimiser}
    assert names == {name for name, _, _ in MATRIX}


# --- the same path through the API ------------------------------------------------------------


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_selection_path_through_the_api(users, reviewed, settings) -> None:
    office, pk = _api(users["office"]), reviewed.pk
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    url = f"/api/proposals/{pk}"
    assert _api(users["applicant"]).get(f"{url}/selection").status_code == 404
    assert office.get(f"{url}/selection").json()["state"] == "undecided"
    late = office.post(
        f"{url}/hearing",
        {"at": "2024-06-20T10:00:00+09:00", "place": "東京"},
        content_type="application/json",
    )
    assert late.status_code == 200 and "2024-06-10" in late.json()["warnings"][0]
    early = office.post(f"{url}/candidate")
    assert early.status_code == 422 and "ヒアリング" in early.json()["detail"]
    office.post(
        f"{url}/hearing",
        {"at": "2024-05-27T10:00:00+09:00", "place": "東京"},
        content_type="application/json",
    )
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    recorded = office.post(
        f"{url}/hearing/record", {"record": "held"}, content_type="application/json"
    )
    assert recorded.json()["hearing"]["held_at"] == "2024-05-27T12:00:00+09:00"
    assert office.post(f"{url}/candidate").json()["state"] == "candidate"
    pin_id = office.post(f"{url}/pin").json()["pin_id"]

    assert _api(users["joint_committee"]).get(f"/api/pins/{pin_id}").status_code == 404
    refused = _api(users["applicant"]).post(f"/api/pins/{pin_id}/forward")
    assert refused.status_code == 403  # visible to the applicant, but not theirs to forward
    forwarded = _api(users["secretariat"]).post(f"/api/pins/{pin_id}/forward")
    assert forwarded.status_code == 200 and forwarded.json()["forwarded_at"]
    jc = _api(users["joint_committee"])
    assert [p["id"] for p in jc.get("/api/pins").json()] == [pin_id]
    asked = jc.post(
        f"/api/pins/{pin_id}/queries", {"question": "Who owns it?"}, content_type="application/json"
    )
    assert asked.status_code == 200 and asked.json()["asked_by_role"] == "joint_committee"
    qid, applicant = asked.json()["id"], _api(users["applicant"])
    assert [q["question"] for q in applicant.get(f"/api/pins/{pin_id}/queries").json()] == [
        "Who owns it?"
    ]
    answer_url = f"/api/pins/{pin_id}/queries/{qid}/answer"
    assert jc.post(answer_url, {"answer": "x"}, content_type="application/json").status_code == 403
    got = applicant.post(answer_url, {"answer": "The partner."}, content_type="application/json")
    assert got.status_code == 200 and got.json()["answered_at"].endswith("+09:00")
    again = applicant.post(answer_url, {"answer": "again"}, content_type="application/json")
    assert again.status_code == 422 and "回答済み" in again.json()["detail"]
    elsewhere = applicant.post(
        f"/api/pins/{pin_id}/queries/{qid + 1}/answer",
        {"answer": "x"},
        content_type="application/json",
    )
    assert elsewhere.status_code == 404
    bad = jc.post(
        f"/api/pins/{pin_id}/answer", {"answer": "objection"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "理由" in bad.json()["detail"]
    answered = jc.post(
        f"/api/pins/{pin_id}/answer", {"answer": "no_objection"}, content_type="application/json"
    )
    assert answered.json()["response"] == "no_objection"
    adopted = office.post(f"{url}/naiji").json()
    assert adopted["state"] == "adopted" and adopted["naiji_amount_jpy"] == 98_000_000
    public = Client().get("/api/adopted").json()
    assert [(p["country"], p["company"], p["annual_reduction_tco2"]) for p in public] == [
        ("KE", "サンプル・エンジニアリング株式会社", "2500")
    ]


def test_the_applicant_sees_the_hearing_and_the_decision_on_the_proposal(users, candidate) -> None:
    page = _client(users["applicant"]).get(
        reverse("proposals:detail", args=[candidate.proposal_id])
    )
    body = page.content.decode()
    assert "ヒアリング" in body and "東京" in body and "採択候補" in body


# --- C3P: adopted directly after the evaluation -------------------------------------------------

C3P_UPLOADS = [
    "application_form",
    "survey_overview",
    "activity_achievements",
    "project_plan",
    "proposal_summary",
    "organisation_overview",
    "ems_certification",
    "wlb_certification",
    "letters_of_interest",
    "qualification_certificate",
]


def _c3p_round(budget_jpy=None):
    """The FY2025 C3P call (opened 2025-02-10) with its first round."""
    from renkei.calls.models import Call, Program, Round

    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
        budget_jpy=budget_jpy,
    )
    return Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )


@pytest.fixture
def c3p_evaluated(users, settings):
    import yaml
    from webfactories import ROOT

    from renkei.reviews import reviewing

    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    round_ = _c3p_round(budget_jpy=30_000_000)
    document = yaml.safe_load((ROOT / "examples/c3p-new-project.yaml").read_text("utf-8"))
    document.pop("documents_submitted")
    document.pop("submitted_on")
    applicant, office, reviewer = users["applicant"], users["office"], users["reviewer"]
    proposals = []
    for title in ("C3P one", "C3P two"):
        p = submitted_proposal(
            applicant,
            round_,
            {**document, "title": title},
            title,
            country="VN",
            uploads={d: f"{d}.pdf" for d in C3P_UPLOADS},
            at="2025-02-20T10:00",
        )
        screening = review_services.screening_start(actor=office, proposal=p)
        for item in screening.items.filter(decision=""):
            review_services.screening_item_decide(
                actor=office, item=item, decision="pass", reason="checked"
            )
        review_services.screening_complete(actor=office, screening=screening)
        (a,) = review_services.review_assign_balanced(
            actor=office, proposals=[p], reviewers=[reviewer], per_proposal=1
        )
        review_services.review_declare_conflict(actor=reviewer, assignment=a, has_conflict=False)
        for c in reviewing.reviewer_criteria(p):
            review_services.review_score(
                actor=reviewer, assignment=a, criterion=c.id, points=c.max, justification="j"
            )
        review_services.review_submit(actor=reviewer, assignment=a)
        proposals.append(p)
    return proposals


def test_c3p_is_adopted_within_the_budget_without_pin_or_hearing(users, c3p_evaluated) -> None:
    office = users["office"]
    first, second = c3p_evaluated
    assert not access.can(office, "nominate", first)  # no hearing/PIN path in the guidebook
    assert not access.can(office, "schedule_hearing", first)
    adopted = services.selection_adopt_c3p(actor=office, proposal=first)
    assert adopted.state == SelectionState.ADOPTED
    assert adopted.naiji_amount_jpy == 19_778_000  # the contract amount including tax
    assert adopted.published["partners"][1]  # the partner city is published
    # 30,000,000 − 19,778,000 leaves too little for a second contract of the same size
    with pytest.raises(ServiceError, match="remaining budget of 10,222,000"):
        services.selection_adopt_c3p(actor=office, proposal=second)
    with pytest.raises(NotAllowed):
        services.selection_adopt_c3p(actor=users["applicant"], proposal=second)
    body = Client().get(reverse("adoption:public")).content.decode()
    assert "C3P" in body and adopted.published["company"] in body


def test_the_secretariat_and_the_joint_committee_find_their_pins_on_the_home_page(
    users, candidate
) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    link = f'href="{reverse("adoption:pin", args=[pin.pk])}"'
    assert link in _client(users["secretariat"]).get("/").content.decode()
    assert link not in _client(users["joint_committee"]).get("/").content.decode()
    services.pin_forward(actor=users["secretariat"], pin=pin)
    assert link in _client(users["joint_committee"]).get("/").content.decode()


def test_the_office_sets_the_rounds_budget_on_the_board(users, first_round) -> None:
    url = reverse("adoption:round_budget", args=[first_round.pk])
    office = _client(users["office"])
    office.post(url, {"budget_jpy": "300,000,000"})
    first_round.refresh_from_db()
    assert first_round.budget_jpy == 300_000_000
    refused = office.post(url, {"budget_jpy": "三億"}, follow=True)
    first_round.refresh_from_db()
    assert first_round.budget_jpy == 300_000_000  # refused, unchanged
    assert 'value="三億"' in refused.content.decode()  # and what was typed is still there
    assert _client(users["applicant"]).post(url, {"budget_jpy": "1"}).status_code == 404
    office.post(url, {"budget_jpy": ""})
    first_round.refresh_from_db()
    assert first_round.budget_jpy is None
    assert [e.to_state for e in audit_trail(first_round)] == ["300000000", ""]


def test_the_decision_page_quotes_what_the_call_says_about_myanmar(users, reviewed) -> None:
    # 2.(3) ※2: adoption in Myanmar may be reserved in view of the situation at the decision
    office = _client(users["office"])
    url = reverse("adoption:decide", args=[reviewed.pk])
    assert services.country_marks(reviewed) == []  # Kenya: no note
    assert "country-mark" not in office.get(url).content.decode()
    Proposal.objects.filter(pk=reviewed.pk).update(country="MM")
    reviewed.refresh_from_db()
    [mark] = services.country_marks(reviewed)
    assert mark["clause"] == "2.(3) ※2"
    page = office.get(url).content.decode()
    assert "country-mark" in page and "採択を留保等する場合があります" in page


# --- queries from the partner country's side (3.(3), form 3-16) --------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_partner_countrys_queries_reach_the_applicant_and_the_answer_goes_back(
    users, candidate
) -> None:
    office, secretariat, jc = users["office"], users["secretariat"], users["joint_committee"]
    applicant, other = users["applicant"], users["other_applicant"]
    pin = services.pin_send(actor=office, selection=candidate)

    # the Joint Committee cannot ask before the PIN is forwarded; the secretariat can
    with pytest.raises(NotAllowed):
        services.pin_query_ask(actor=jc, pin=pin, question="?")
    with pytest.raises(ServiceError, match="question"):
        services.pin_query_ask(actor=secretariat, pin=pin, question="  ")
    mail.outbox.clear()
    first = services.pin_query_ask(
        actor=secretariat, pin=pin, question="Which grid emission factor do you use?"
    )
    told = {m.to[0] for m in mail.outbox}
    assert applicant.email in told and office.email in told and other.email not in told
    notice = Notice.objects.filter(recipient=applicant).first()
    assert "Which grid emission factor" in notice.message and f"#query-{first.pk}" in notice.link
    assert "パートナー国" in notice.message  # the applicant reads it in Japanese

    for refused in (other, users["reviewer"], secretariat, jc):
        with pytest.raises(NotAllowed):
            services.pin_query_answer(actor=refused, query=first, answer="x")
    with pytest.raises(ServiceError, match="answer"):
        services.pin_query_answer(actor=applicant, query=first, answer=" ")
    mail.outbox.clear()
    answered = services.pin_query_answer(
        actor=applicant, query=first, answer="The Kenyan grid factor of the reference table."
    )
    assert answered.answered_by == applicant and answered.answered_at is not None
    assert [m.to[0] for m in mail.outbox] == [secretariat.email]  # not forwarded yet: no JC
    assert "answered the query" in mail.outbox[0].body  # English for the secretariat
    with pytest.raises(ServiceError, match="already answered"):  # once
        services.pin_query_answer(actor=office, query=first, answer="again")

    # after forwarding the Joint Committee asks, and is told of the answer
    services.pin_forward(actor=secretariat, pin=pin)
    second = services.pin_query_ask(actor=jc, pin=pin, question="Who owns the equipment?")
    mail.outbox.clear()
    services.pin_query_answer(actor=office, query=second, answer="The Kenyan partner.")
    assert {m.to[0] for m in mail.outbox} == {secretariat.email, jc.email}

    # once the Joint Committee has answered, no more queries
    services.pin_respond(actor=jc, pin=pin, objection=False, comment="")
    with pytest.raises(NotAllowed):
        services.pin_query_ask(actor=jc, pin=pin, question="late")
    trail = [(e.action, e.payload.get("query")) for e in audit_trail(pin)]
    assert [t for t in trail if t[0].startswith("pin_query")] == [
        ("pin_query_ask", first.pk),
        ("pin_query_answer", first.pk),
        ("pin_query_ask", second.pk),
        ("pin_query_answer", second.pk),
    ]
    answers = [e.payload.get("answer") for e in audit_trail(pin) if e.action == "pin_query_answer"]
    assert answers == ["The Kenyan grid factor of the reference table.", "The Kenyan partner."]


def test_queries_on_the_pin_page(users, candidate) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    url = reverse("adoption:pin", args=[pin.pk])
    sec, applicant = _client(users["secretariat"]), _client(users["applicant"])
    assert 'name="question"' in sec.get(url).content.decode()
    assert 'name="question"' not in applicant.get(url).content.decode()
    empty = sec.post(reverse("adoption:pin_query_ask", args=[pin.pk]), {"question": ""})
    assert empty.status_code == 302 and not pin.queries.exists()
    asked = sec.post(
        reverse("adoption:pin_query_ask", args=[pin.pk]), {"question": "Which grid factor?"}
    )
    query = pin.queries.get()
    assert asked.headers["Location"].endswith(f"#query-{query.pk}")
    page = applicant.get(url).content.decode()
    assert "Which grid factor?" in page and f'id="f-answer-{query.pk}"' in page
    assert f'id="f-answer-{query.pk}"' not in sec.get(url).content.decode()
    applicant.post(reverse("adoption:pin_query_answer", args=[query.pk]), {"answer": "KE grid"})
    page = sec.get(url).content.decode()
    assert "KE grid" in page and f'id="f-answer-{query.pk}"' not in page


@pytest.mark.django_db(transaction=True)
def test_the_partner_participants_follow_the_selection(users, reviewed, settings) -> None:
    # linked while the proposal was a draft (tests/web/test_consortium.py); set up directly here
    partner = users["partner"]
    ProposalPartner.objects.create(
        proposal=reviewed, organisation=partner.organisation, added_by=users["applicant"]
    )
    _heard(users["office"], reviewed, settings)
    selection = services.selection_nominate(
        actor=users["office"], proposal=reviewed, total_score=None
    )
    assert "採択候補" in Notice.objects.filter(recipient=partner).first().message
    pin = services.pin_send(actor=users["office"], selection=selection)
    assert list(access.pins_for(partner)) == [pin]
    assert not access.pins_for(users["other_applicant"]).exists()
    query = services.pin_query_ask(actor=users["secretariat"], pin=pin, question="Who operates?")
    assert Notice.objects.filter(recipient=partner, link__endswith=f"#query-{query.pk}").exists()
    answered = services.pin_query_answer(actor=partner, query=query, answer="We do.")
    assert answered.answered_by == partner


def test_the_decision_page_names_the_history_and_the_pins_gaps(users, candidate) -> None:
    office = _client(users["office"])
    url = reverse("adoption:decide", args=[candidate.proposal_id])
    # the sample covers everything the PIN needs; without its English title it would not
    doc = candidate.version.document
    complete = dict(doc["project_idea"])
    doc["project_idea"] = {k: v for k, v in complete.items() if k != "title_en"}
    candidate.version.save()
    page = office.get(url).content.decode()
    assert "pin-gaps" in page and "英文の事業名" in page  # by label, in the page's language
    with pytest.raises(ServiceError):
        services.pin_send(actor=users["office"], selection=candidate)
    doc["project_idea"] = complete
    candidate.version.save()
    services.pin_send(actor=users["office"], selection=candidate)
    page = office.get(url).content.decode()
    assert "pin-gaps" not in page
    assert "PINをJCM事務局へ送付" in page and 'title="pin_send"' in page  # named, code kept


def test_only_who_may_open_the_pin_gets_its_link(users, candidate) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    url = reverse("proposals:detail", args=[candidate.proposal_id])
    link = f'href="/pins/{pin.pk}/"'
    assert link in _client(users["office"]).get(url).content.decode()
    assert link in _client(users["applicant"]).get(url).content.decode()
    reviewer_page = _client(users["reviewer"]).get(url)
    assert reviewer_page.status_code == 200 and link not in reviewer_page.content.decode()


def test_the_board_opens_on_the_round_of_the_latest_submission(users, reviewed) -> None:

    # an empty C3P round sorts first on the board; the board still opens where proposals are
    _c3p_round()
    office = _client(users["office"])
    for url in (reverse("adoption:board"), reverse("reviews:ranking")):
        assert reviewed.title in office.get(url).content.decode(), url


def test_the_public_page_in_english_uses_the_english_names(users, candidate, settings) -> None:
    pin = services.pin_send(actor=users["office"], selection=candidate)
    services.pin_forward(actor=users["secretariat"], pin=pin)
    selection = services.pin_respond(
        actor=users["joint_committee"], pin=pin, objection=False, comment=""
    )
    settings.RENKEI_DEMO_NOW = "2024-07-16T10:00:00+09:00"
    services.naiji_issue(actor=users["office"], selection=selection)
    english = Client(headers={"accept-language": "en"}).get(reverse("adoption:public"))
    body = english.content.decode()
    assert "Sample Engineering Co., Ltd." in body and "サンプル・エンジニアリング" not in body
    assert "<title>Adopted projects" in body  # the title is the title only
    japanese = Client().get(reverse("adoption:public")).content.decode()
    assert "サンプル・エンジニアリング株式会社" in japanese
    [row] = Client().get("/api/adopted").json()
    assert row["company_en"] == "Sample Engineering Co., Ltd."


def test_c3p_reads_as_adopted_without_hearing_or_naiji(users, c3p_evaluated) -> None:
    office = _client(users["office"])
    first, _second = c3p_evaluated
    url = reverse("adoption:decide", args=[first.pk])
    page = office.get(url).content.decode()
    assert "<small>(3.(2))</small>" not in page  # no hearing card: C3P has no hearing
    selection = services.selection_adopt_c3p(actor=users["office"], proposal=first)
    from django.utils import translation

    with translation.override("en"):
        assert selection.display_state == "Adopted"
    page = office.get(url).content.decode()
    assert "採択番号" in page and "内示番号" not in page
