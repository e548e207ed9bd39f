"""Boundaries of the platform that a mutation check found unguarded (issue 12, "Tests that would
not catch a regression"), and their neighbours of the same kind.

Each test names the change to the platform it catches: basic screening that always passes, 内示
refused when the subsidy equals the remaining budget exactly (or allowed one yen over), the C3P
call refusing a proposal at the very second it opens, and the gates that keep a failed,
unfinished or stale screening (or a proposal not submitted) from going on to the reviewers.
"""

from __future__ import annotations

import copy

import pytest
from webfactories import (
    C3P_UPLOADS,
    JCM_UPLOADS,
    c3p_round,
    complete_screening,
    example_document,
    jst,
    submitted_proposal,
    submitted_review,
)

from renkei import access
from renkei.adoption import services as adoption
from renkei.adoption.models import Selection, SelectionState
from renkei.proposals import services as proposals
from renkei.proposals.models import ProposalState
from renkei.reviews import services as reviews
from renkei.reviews.models import Decision, Screening
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

SUBSIDY = 98_000_000  # the JCM example's subsidy as the rules core assesses it
CONTRACT = 19_778_000  # the C3P new-project example's contract amount including tax


def _jcm(applicant, round_, document, title: str, at: str = "2024-05-10T09:00"):
    return submitted_proposal(
        applicant, round_, document, title, country="KE", uploads=JCM_UPLOADS, at=at
    )


def _c3p(applicant, round_, title: str, uploads=C3P_UPLOADS):
    document = {**example_document("c3p-new-project.yaml"), "title": title}
    return submitted_proposal(
        applicant,
        round_,
        document,
        title,
        country="VN",
        uploads={doc_id: f"{doc_id}.pdf" for doc_id in uploads},
        at="2025-02-20T10:00",
    )


@pytest.fixture
def c3p_clock(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"  # inside the FY2025 C3P call


# --- basic screening: a failed item fails the proposal, and nothing goes on from it -------------


def test_an_item_the_office_fails_fails_the_screening_and_stops_the_proposal(
    users, first_round, sample_document, settings
) -> None:
    """Kills: screening_complete setting the outcome to pass whatever the items say."""
    office = users["office"]
    proposal = _jcm(users["applicant"], first_round, sample_document, "fails item 14")
    screening = reviews.screening_start(actor=office, proposal=proposal)
    undecided = screening.items.filter(decision="").order_by("position")
    failing = undecided.first()
    assert failing is not None and failing.machine_status == "needs_review"
    done = complete_screening(office, proposal, fail=failing.clause, reason="not in form 3")
    assert done.outcome == Decision.FAIL and done.completed_at is not None
    assert done.items.filter(decision=Decision.FAIL).count() == 1

    assert not access.screening_passed(proposal)
    with pytest.raises(ServiceError, match="basic screening has passed"):
        reviews.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
        )
    assert not access.can(office, "schedule_hearing", proposal)
    assert not access.can(office, "nominate", proposal)
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    with pytest.raises(NotAllowed):
        adoption.hearing_schedule(
            actor=office, proposal=proposal, at=jst("2024-05-27T10:00"), place="東京"
        )
    # what remains is the non-selection notice (3.(4))
    assert access.can(office, "reject", proposal)


def test_a_requirement_the_machine_fails_arrives_failed_and_fails_the_screening(
    users, first_round, sample_document
) -> None:
    """Kills: machine-failed items arriving undecided or passed, and the always-pass outcome."""
    office = users["office"]
    document = copy.deepcopy(sample_document)
    document["consortium"]["representative"]["antisocial_forces_pledge"] = False
    proposal = _jcm(users["applicant"], first_round, document, "no pledge")
    screening = reviews.screening_start(actor=office, proposal=proposal)
    item = screening.items.get(check_id="jcm.screening.1", machine_status="fail")  # 別添1
    assert item.decision == "fail"  # decided by the machine, not left to the office
    done = complete_screening(office, proposal)  # the office passes every other item
    assert done.outcome == Decision.FAIL
    assert list(done.items.filter(decision="fail")) == [item]
    assert not access.screening_passed(proposal)


def test_a_screening_that_passes_every_item_passes(users, first_round, sample_document) -> None:
    """The other side of the two tests above: kills an outcome that always fails."""
    office = users["office"]
    proposal = _jcm(users["applicant"], first_round, sample_document, "passes")
    done = complete_screening(office, proposal)
    assert done.outcome == Decision.PASS
    assert access.screening_passed(proposal)
    made = reviews.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
    )
    assert [a.proposal_id for a in made] == [proposal.pk]


def test_an_unfinished_screening_opens_nothing(users, first_round, sample_document) -> None:
    """Every item decided "pass" but the screening not completed: no reviewers yet. Kills:
    screening_passed looking only for a screening of the latest version (dropping completed_at
    alone is an equivalent change: the outcome stays unset until completion)."""
    office = users["office"]
    proposal = _jcm(users["applicant"], first_round, sample_document, "not completed")
    screening = reviews.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        reviews.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    assert not screening.items.exclude(decision=Decision.PASS).exists()
    assert not access.screening_passed(proposal)
    with pytest.raises(ServiceError, match="basic screening has passed"):
        reviews.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
        )


def test_a_proposal_not_submitted_cannot_be_screened(
    users, first_round, sample_document, settings
) -> None:
    """A draft, and a submitted proposal reopened for revision, are not screened. Kills: the
    'screen' permission ignoring the proposal's state."""
    from django.test import Client
    from django.urls import reverse

    office, applicant = users["office"], users["applicant"]
    draft = proposals.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    proposals.proposal_update_document(actor=applicant, proposal=draft, document=sample_document)
    with pytest.raises(ServiceError):
        reviews.screening_start(actor=office, proposal=draft)
    client = Client()
    client.force_login(office)
    assert client.post(reverse("reviews:screening", args=[draft.pk])).status_code == 404

    reopened = _jcm(applicant, first_round, sample_document, "reopened")
    proposals.proposal_open_revision(actor=office, proposal=reopened, reason="form 4 unclear")
    reopened.refresh_from_db()
    assert reopened.state == ProposalState.REVISION_OPEN
    with pytest.raises(NotAllowed):
        reviews.screening_start(actor=office, proposal=reopened)
    page = client.post(reverse("reviews:screening", args=[reopened.pk]), follow=True)
    assert page.status_code == 200 and page.context["can_screen"] is False
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert not Screening.objects.exists()


def test_a_resubmitted_version_needs_its_own_screening(
    users, first_round, sample_document, settings
) -> None:
    """Version 1 passed; version 2 was not screened: no reviewers for it. Kills:
    screening_passed accepting a passed screening of an older version."""
    office, applicant = users["office"], users["applicant"]
    proposal = _jcm(applicant, first_round, sample_document, "resubmitted")
    assert complete_screening(office, proposal).outcome == Decision.PASS
    proposals.proposal_open_revision(actor=office, proposal=proposal, reason="form 4 unclear")
    proposals.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="v2", now=jst("2024-05-11T09:00")
    )
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED and proposal.versions.count() == 2
    assert not access.screening_passed(proposal)
    with pytest.raises(ServiceError, match="basic screening has passed"):
        reviews.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
        )


def test_a_c3p_proposal_failing_screening_cannot_be_adopted(users, c3p_clock) -> None:
    """C3P: without the letters of interest (3.4) the documents item fails, so the screening
    fails and the office cannot adopt the proposal, however well it was scored."""
    office = users["office"]
    round_ = c3p_round(call_budget_jpy=100_000_000)
    uploads = [d for d in C3P_UPLOADS if d != "letters_of_interest"]
    proposal = _c3p(users["applicant"], round_, "no letters", uploads=uploads)
    done = complete_screening(office, proposal)
    assert done.outcome == Decision.FAIL
    assert done.items.get(check_id="c3p.documents.letters_of_interest").decision == "fail"
    assert not access.can(office, "adopt_c3p", proposal)
    with pytest.raises(NotAllowed):
        adoption.selection_adopt_c3p(actor=office, proposal=proposal)


# --- 内示 and C3P adoption: the budget to the yen -------------------------------------------------


def _no_objection(users, round_, document, title: str, settings):
    """A JCM proposal screened, reviewed, heard, made a candidate, its PIN forwarded and answered
    with no objection: ready for 内示."""
    office = users["office"]
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    proposal = _jcm(users["applicant"], round_, document, title)
    complete_screening(office, proposal)
    submitted_review(office, users["reviewer"], proposal)
    settings.RENKEI_DEMO_NOW = "2024-05-20T09:00:00+09:00"
    adoption.hearing_schedule(
        actor=office, proposal=proposal, at=jst("2024-05-27T10:00"), place="東京"
    )
    settings.RENKEI_DEMO_NOW = "2024-05-27T12:00:00+09:00"
    adoption.hearing_record(actor=office, hearing=proposal.hearing, record="Attended.")
    candidate = adoption.selection_nominate(actor=office, proposal=proposal, total_score=None)
    pin = adoption.pin_send(actor=office, selection=candidate)
    adoption.pin_forward(actor=users["secretariat"], pin=pin)
    selection = adoption.pin_respond(
        actor=users["joint_committee"], pin=pin, objection=False, comment=""
    )
    settings.RENKEI_DEMO_NOW = "2024-07-16T10:00:00+09:00"
    return selection


@pytest.mark.parametrize("scope", ["round", "call"])
def test_naiji_is_issued_when_the_subsidy_equals_the_remaining_budget(
    scope, users, first_round, sample_document, settings
) -> None:
    """Kills: `amount >= remaining` in the budget check (内示 refused at exactly the budget), for
    a round's budget and for the call's when the round has none (5.(2))."""
    if scope == "round":
        first_round.budget_jpy = SUBSIDY
        first_round.save()
    else:
        first_round.call.budget_jpy = SUBSIDY
        first_round.call.save()
    selection = _no_objection(users, first_round, sample_document, "exact", settings)
    assert selection.subsidy_jpy == SUBSIDY
    adopted = adoption.naiji_issue(actor=users["office"], selection=selection)
    assert adopted.state == SelectionState.ADOPTED and adopted.naiji_amount_jpy == SUBSIDY
    budget = adoption.budget_of(first_round)
    assert (budget.scope, budget.remaining_jpy) == (scope, 0)


def test_naiji_is_refused_one_yen_over_the_remaining_budget(
    users, first_round, sample_document, settings
) -> None:
    """Kills: a budget check that lets a subsidy one yen over the remaining budget through."""
    first_round.budget_jpy = SUBSIDY - 1
    first_round.save()
    selection = _no_objection(users, first_round, sample_document, "one yen over", settings)
    with pytest.raises(ServiceError, match="exceeds the remaining budget of 97,999,999 yen"):
        adoption.naiji_issue(actor=users["office"], selection=selection)
    selection.refresh_from_db()
    assert selection.state == SelectionState.NO_OBJECTION and selection.naiji_number is None


def _c3p_evaluated(users, round_, title: str):
    office = users["office"]
    proposal = _c3p(users["applicant"], round_, title)
    assert complete_screening(office, proposal).outcome == Decision.PASS
    submitted_review(office, users["reviewer"], proposal, share=1)
    return proposal


@pytest.mark.parametrize(
    ("budget", "second_adopted"), [(2 * CONTRACT, True), (2 * CONTRACT - 1, False)]
)
def test_c3p_adoption_counts_what_is_committed_to_the_yen(
    budget, second_adopted, users, c3p_clock
) -> None:
    """Two contracts of the same amount on a call budget of exactly twice it: both adopted; one
    yen less: the second is refused with what remains. Kills both shifts of the boundary and a
    remaining budget that forgets what earlier adoptions committed."""
    office = users["office"]
    round_ = c3p_round(call_budget_jpy=budget)
    first, second = (_c3p_evaluated(users, round_, t) for t in ("C3P one", "C3P two"))
    assert adoption.selection_adopt_c3p(actor=office, proposal=first).naiji_amount_jpy == CONTRACT
    if second_adopted:
        adopted = adoption.selection_adopt_c3p(actor=office, proposal=second)
        assert adopted.state == SelectionState.ADOPTED
        assert adoption.budget_of(round_).remaining_jpy == 0
    else:
        with pytest.raises(ServiceError, match=f"remaining budget of {CONTRACT - 1:,} yen"):
            adoption.selection_adopt_c3p(actor=office, proposal=second)
        assert not Selection.objects.filter(proposal=second).exists()
        assert adoption.budget_of(round_).remaining_jpy == CONTRACT - 1


def test_a_rounds_budget_counts_only_that_rounds_adoptions(users, c3p_clock) -> None:
    """Adoptions in another round do not use a round's own budget. Kills: the round's
    committed amount summed over the whole call."""
    office = users["office"]
    one = c3p_round(round_budget_jpy=CONTRACT, code="first")
    two = c3p_round(round_budget_jpy=CONTRACT, code="second", deadline="2025-03-10T12:00")
    adoption.selection_adopt_c3p(actor=office, proposal=_c3p_evaluated(users, one, "round one"))
    assert adoption.budget_of(one).remaining_jpy == 0
    assert adoption.budget_of(two).remaining_jpy == CONTRACT
    adopted = adoption.selection_adopt_c3p(
        actor=office, proposal=_c3p_evaluated(users, two, "round two")
    )
    assert adopted.state == SelectionState.ADOPTED


# --- the C3P call's first second ----------------------------------------------------------------


def _c3p_draft(applicant, round_, title: str):
    proposal = proposals.proposal_create(actor=applicant, round=round_, title=title, country="VN")
    document = {**example_document("c3p-new-project.yaml"), "title": title}
    proposals.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    return proposal


@pytest.mark.parametrize(
    "at",
    ["2025-02-10T00:00:00+09:00", "2025-02-09T15:00:00+00:00"],  # the same instant, in UTC
    ids=["jst", "utc"],
)
def test_the_c3p_call_accepts_a_proposal_at_the_second_it_opens(at, users) -> None:
    """Kills: `now <= call.opens_at` (a proposal refused at the very second the call opens), and
    a comparison of wall-clock times instead of instants."""
    import datetime as dt

    applicant = users["applicant"]
    round_ = c3p_round()
    proposal = _c3p_draft(applicant, round_, "first second")
    version = proposals.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key="o", now=dt.datetime.fromisoformat(at)
    )
    assert version.proposal.receipt_number == "C3P-20250210-0001"
    assert version.document["submitted_on"] == "2025-02-10"


def test_the_c3p_call_refuses_a_proposal_one_second_before_it_opens(users) -> None:
    applicant = users["applicant"]
    round_ = c3p_round()
    proposal = _c3p_draft(applicant, round_, "too early")
    with pytest.raises(ServiceError, match="The call opens on 2025-02-10 00:00 JST"):
        proposals.proposal_submit(
            actor=applicant,
            proposal=proposal,
            idempotency_key="e",
            now=jst("2025-02-09T23:59:59"),
        )
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DRAFT and proposal.receipt_number is None


def test_the_jcm_call_accepts_a_proposal_at_the_second_it_opens(
    users, first_round, sample_document
) -> None:
    """The JCM call opens 2024-04-05 00:00 JST (5.(2)); a proposal is received at that second."""
    document = {**sample_document, "pre_registered_on": "2024-03-20"}
    proposal = _jcm(users["applicant"], first_round, document, "jcm first", "2024-04-05T00:00")
    assert proposal.receipt_number == "JCM-20240405-0001"


def test_the_jcm_call_refuses_a_proposal_one_second_before_it_opens(
    users, first_round, sample_document
) -> None:
    applicant = users["applicant"]
    document = {**sample_document, "pre_registered_on": "2024-03-20"}
    proposal = proposals.proposal_create(
        actor=applicant, round=first_round, title="jcm too early", country="KE"
    )
    proposals.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    with pytest.raises(ServiceError, match="2024-04-05 00:00"):
        proposals.proposal_submit(
            actor=applicant,
            proposal=proposal,
            idempotency_key="early",
            now=jst("2024-04-04T23:59:59"),
        )


# --- more boundaries of the same kind: hearing times, points, upload size, budgets ------------


def test_a_hearing_is_scheduled_after_now_and_recorded_from_its_second(
    users, first_round, sample_document, settings
) -> None:
    """Scheduling at the current second is refused, one second later accepted; recording is
    refused one second before the scheduled time and accepted at it. Kills `at < now` and
    `scheduled_at >= now`."""
    office = users["office"]
    proposal = _jcm(users["applicant"], first_round, sample_document, "hearing")
    complete_screening(office, proposal)
    settings.RENKEI_DEMO_NOW = "2024-05-27T10:00:00+09:00"
    with pytest.raises(ServiceError, match="future"):
        adoption.hearing_schedule(
            actor=office, proposal=proposal, at=jst("2024-05-27T10:00:00"), place="東京"
        )
    scheduled = adoption.hearing_schedule(
        actor=office, proposal=proposal, at=jst("2024-05-27T10:00:01"), place="東京"
    ).hearing
    with pytest.raises(ServiceError, match="record it once it has been held"):
        adoption.hearing_record(actor=office, hearing=scheduled, record="early")
    settings.RENKEI_DEMO_NOW = "2024-05-27T10:00:01+09:00"
    held = adoption.hearing_record(actor=office, hearing=scheduled, record="held")
    assert held.held_at == jst("2024-05-27T10:00:01")


def test_a_score_takes_every_whole_point_from_zero_to_the_maximum(
    users, first_round, sample_document
) -> None:
    """0 and the maximum are accepted, −1 and the maximum + 1 refused. Kills `1 <= points` and
    `points < max`."""
    from renkei.reviews import reviewing

    office, reviewer = users["office"], users["reviewer"]
    proposal = _jcm(users["applicant"], first_round, sample_document, "points")
    complete_screening(office, proposal)
    (assignment,) = reviews.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[reviewer], per_proposal=1
    )
    reviews.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=False)
    first, *_ = reviewing.reviewer_criteria(proposal)
    for points in (-1, first.max + 1):
        with pytest.raises(ServiceError, match=f"from 0 to {first.max}"):
            reviews.review_score(
                actor=reviewer,
                assignment=assignment,
                criterion=first.id,
                points=points,
                justification="j",
            )
    for points in (0, first.max):
        score = reviews.review_score(
            actor=reviewer,
            assignment=assignment,
            criterion=first.id,
            points=points,
            justification="j",
        )
        assert score.points == points


def test_an_upload_of_exactly_the_size_limit_is_accepted_and_one_byte_more_refused(
    applicant, first_round, settings
) -> None:
    """Kills `size >= limit` (the existing test only tries a file well over the limit)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.RENKEI_UPLOAD_MAX_BYTES = 64
    proposal = proposals.proposal_create(
        actor=applicant, round=first_round, title="size", country="KE"
    )
    exact = b"%PDF-1.7 " + b"x" * (64 - 9)
    assert len(exact) == 64
    att = proposals.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", exact),
    )
    assert att.size == 64
    with pytest.raises(ServiceError, match="limit is 64 bytes"):
        proposals.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id="form2",
            upload=SimpleUploadedFile("2_a.pdf", exact + b"x"),
        )
    assert list(proposal.attachments.values_list("document_id", flat=True)) == ["form1"]


def test_a_round_budget_of_zero_yen_is_accepted_and_a_negative_one_refused(
    users, first_round
) -> None:
    """Kills `budget_jpy <= 0` (a zero budget closes a round to 内示) and a check dropped."""
    from renkei.calls.services import round_set_budget

    office = users["office"]
    assert round_set_budget(actor=office, round=first_round, budget_jpy=0).budget_jpy == 0
    with pytest.raises(ServiceError, match="0 or more"):
        round_set_budget(actor=office, round=first_round, budget_jpy=-1)
    first_round.refresh_from_db()
    assert first_round.budget_jpy == 0
    assert adoption.budget_of(first_round).remaining_jpy == 0
