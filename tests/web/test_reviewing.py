"""Evaluation by reviewers (別添2 3.(2)): balanced assignment, the conflict-of-interest gate,
score bounds and justification, submission, the office's summary and the pages per role."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from webfactories import UserFactory, submitted_proposal

from renkei import access
from renkei.accounts.models import Role
from renkei.adoption.demo import DOCUMENTS  # every document of 5.(3)
from renkei.audit.services import audit_trail
from renkei.reviews import reviewing, services
from renkei.reviews.models import ReviewAssignment, Score
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

MAXIMA = {"A1": 10, "A2": 10, "B1": 10, "B2": 10, "B3": 10, "C": 20, "D": 20}


def _submit(applicant, round_, document, title: str):
    return submitted_proposal(
        applicant,
        round_,
        document,
        title,
        country="KE",
        uploads=dict(DOCUMENTS),
        at="2024-05-10T09:00",
    )


def _pass_screening(office, proposal):
    screening = services.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        services.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    services.screening_complete(actor=office, screening=screening)
    return proposal


@pytest.fixture
def passed(users, first_round, sample_document):
    return _pass_screening(
        users["office"], _submit(users["applicant"], first_round, sample_document, "p0")
    )


@pytest.fixture
def reviewers(users):
    return [users["reviewer"]] + [
        UserFactory(role=Role.REVIEWER, organisation=None) for _ in range(3)
    ]


@pytest.fixture
def assignment(users, passed):
    (a,) = services.review_assign_balanced(
        actor=users["office"], proposals=[passed], reviewers=[users["reviewer"]], per_proposal=1
    )
    return a


@pytest.fixture
def cleared(users, assignment):
    return services.review_declare_conflict(
        actor=users["reviewer"], assignment=assignment, has_conflict=False
    )


def _score_all(reviewer, assignment, points: dict[str, int] | None = None) -> None:
    for cid, mx in MAXIMA.items():
        services.review_score(
            actor=reviewer,
            assignment=assignment,
            criterion=cid,
            points=(points or {}).get(cid, mx // 2),
            justification=f"reason for {cid}",
        )


# --- assignment --------------------------------------------------------------------------


def test_balanced_assignment_loads_differ_by_at_most_one(
    users, first_round, sample_document, reviewers
) -> None:
    office = users["office"]
    proposals = [
        _pass_screening(office, _submit(users["applicant"], first_round, sample_document, f"b{i}"))
        for i in range(5)
    ]
    made = services.review_assign_balanced(
        actor=office, proposals=proposals, reviewers=reviewers, per_proposal=2
    )
    assert len(made) == 10
    pairs = [(a.proposal_id, a.reviewer_id) for a in made]
    assert len(set(pairs)) == len(pairs)  # no reviewer twice on a proposal
    per_proposal = Counter(p for p, _ in pairs)
    assert set(per_proposal.values()) == {2}
    loads = Counter(r for _, r in pairs)
    assert set(loads) == {r.pk for r in reviewers}
    assert max(loads.values()) - min(loads.values()) <= 1
    # deterministic: the same inputs give the same choice, in id order
    assert [r for _, r in pairs][:4] == [r.pk for r in reviewers]
    # running again adds nothing: every proposal already has two reviewers
    again = services.review_assign_balanced(
        actor=office, proposals=proposals, reviewers=reviewers, per_proposal=2
    )
    assert again == [] and ReviewAssignment.objects.count() == 10
    assert audit_trail(proposals[0]).filter(action="review_assign").count() == 1


def test_a_conflict_is_replaced_by_the_least_loaded_reviewer(users, passed, reviewers) -> None:
    office = users["office"]
    first = services.review_assign_balanced(
        actor=office, proposals=[passed], reviewers=reviewers, per_proposal=2
    )
    services.review_declare_conflict(
        actor=first[0].reviewer, assignment=first[0], has_conflict=True, note="former employer"
    )
    (replacement,) = services.review_assign_balanced(
        actor=office, proposals=[passed], reviewers=reviewers, per_proposal=2
    )
    assert replacement.reviewer_id not in {a.reviewer_id for a in first}
    assert passed.review_assignments.count() == 3


def test_only_the_office_assigns_and_only_after_screening_passed(
    users, first_round, sample_document, passed, reviewers
) -> None:
    for role in ("applicant", "reviewer", "secretariat", "joint_committee"):
        with pytest.raises(NotAllowed):
            services.review_assign_balanced(
                actor=users[role], proposals=[passed], reviewers=reviewers, per_proposal=1
            )
    unscreened = _submit(users["applicant"], first_round, sample_document, "unscreened")
    with pytest.raises(ServiceError, match="basic screening has passed"):
        services.review_assign_balanced(
            actor=users["office"], proposals=[unscreened], reviewers=reviewers, per_proposal=1
        )
    with pytest.raises(ServiceError, match="reviewer role"):
        services.review_assign_balanced(
            actor=users["office"], proposals=[passed], reviewers=[users["office"]], per_proposal=1
        )
    with pytest.raises(ServiceError, match="at least 5 reviewers"):
        services.review_assign_balanced(
            actor=users["office"], proposals=[passed], reviewers=reviewers, per_proposal=5
        )
    assert ReviewAssignment.objects.count() == 0


# --- conflict of interest gate -----------------------------------------------------------


def test_a_reviewer_sees_nothing_before_declaring_no_conflict(users, passed, assignment) -> None:
    reviewer = users["reviewer"]
    assert not access.can(reviewer, "view", passed)
    with pytest.raises(NotAllowed, match="Declare"):
        _score_all(reviewer, assignment)
    services.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=False)
    assert access.can(reviewer, "view", passed)
    assert list(access.proposals_for(reviewer)) == [passed]
    assert not access.can(reviewer, "edit", passed)
    with pytest.raises(ServiceError, match="already declared"):
        services.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=True)


def test_with_a_conflict_never(users, passed, assignment) -> None:
    reviewer = users["reviewer"]
    done = services.review_declare_conflict(
        actor=reviewer, assignment=assignment, has_conflict=True, note="adviser to the applicant"
    )
    assert done.has_conflict is True and done.coi_declared_at is not None
    assert not access.can(reviewer, "view", passed)
    assert not access.proposals_for(reviewer).exists()
    with pytest.raises(NotAllowed, match="conflict"):
        services.review_score(
            actor=reviewer, assignment=assignment, criterion="A1", points=5, justification="x"
        )
    summary = reviewing.review_summary(passed)
    assert [a.coi_note for a in summary.conflicts] == ["adviser to the applicant"]


def test_only_the_assigned_reviewer_declares_and_scores(users, passed, assignment) -> None:
    other = UserFactory(role=Role.REVIEWER, organisation=None)
    for actor in (other, users["office"], users["applicant"]):
        with pytest.raises(NotAllowed):
            services.review_declare_conflict(actor=actor, assignment=assignment, has_conflict=False)
    services.review_declare_conflict(
        actor=users["reviewer"], assignment=assignment, has_conflict=False
    )
    assert not access.can(other, "view", passed)
    for actor in (other, users["office"]):
        with pytest.raises(NotAllowed):
            services.review_score(
                actor=actor, assignment=assignment, criterion="A1", points=5, justification="x"
            )


# --- scores ------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion,maximum", MAXIMA.items())
def test_score_bounds_on_both_sides_of_each_maximum(users, cleared, criterion, maximum) -> None:
    reviewer = users["reviewer"]
    for ok in (0, maximum):
        s = services.review_score(
            actor=reviewer, assignment=cleared, criterion=criterion, points=ok, justification="j"
        )
        assert s.points == ok
    for bad in (maximum + 1, -1):
        with pytest.raises(ServiceError) as exc:
            services.review_score(
                actor=reviewer,
                assignment=cleared,
                criterion=criterion,
                points=bad,
                justification="j",
            )
        message = str(exc.value)
        assert criterion in message and f"0 to {maximum}" in message and "別添2 3.(2)" in message
    assert Score.objects.get(assignment=cleared, criterion=criterion).points == maximum


def test_computed_or_unknown_items_are_not_scored_by_reviewers(users, cleared) -> None:
    for cid in ("E1a", "F2", "Z"):
        with pytest.raises(ServiceError, match="not a reviewer item"):
            services.review_score(
                actor=users["reviewer"],
                assignment=cleared,
                criterion=cid,
                points=1,
                justification="j",
            )


def test_justification_is_required(users, cleared) -> None:
    for blank in ("", "   \n"):
        with pytest.raises(ServiceError, match="justification for A1"):
            services.review_score(
                actor=users["reviewer"],
                assignment=cleared,
                criterion="A1",
                points=5,
                justification=blank,
            )
    assert not Score.objects.exists()


def test_submit_requires_every_criterion_then_freezes(users, cleared) -> None:
    reviewer = users["reviewer"]
    for cid in list(MAXIMA)[:-1]:
        services.review_score(
            actor=reviewer, assignment=cleared, criterion=cid, points=1, justification="j"
        )
    with pytest.raises(ServiceError, match=r"still open: D \(別添2 3.\(2\)\(D\)\)"):
        services.review_submit(actor=reviewer, assignment=cleared)
    services.review_score(
        actor=reviewer, assignment=cleared, criterion="D", points=1, justification="j"
    )
    done = services.review_submit(actor=reviewer, assignment=cleared)
    assert done.submitted_at is not None
    with pytest.raises(ServiceError, match="submitted"):
        services.review_score(
            actor=reviewer, assignment=cleared, criterion="A1", points=2, justification="j"
        )
    assert cleared.scores.get(criterion="A1").points == 1


# --- summary -----------------------------------------------------------------------------


def test_summary_means_divergence_and_computed_items(users, passed, reviewers) -> None:
    assignments = services.review_assign_balanced(
        actor=users["office"], proposals=[passed], reviewers=reviewers[:3], per_proposal=3
    )
    # A1 (max 10): spread 3 = 30% -> not flagged; A2: spread 4 > 30% -> flagged
    # C (max 20): spread 6 = 30% -> not flagged; D: spread 7 > 30% -> flagged
    plan = [
        {"A1": 5, "A2": 4, "C": 10, "D": 10},
        {"A1": 6, "A2": 8, "C": 16, "D": 17},
        {"A1": 8, "A2": 5, "C": 12, "D": 11},
    ]
    for a, points in zip(assignments, plan, strict=True):
        services.review_declare_conflict(actor=a.reviewer, assignment=a, has_conflict=False)
        _score_all(a.reviewer, a, points)
    # two submitted, then the third: only submitted reviews count
    for a in assignments[:2]:
        services.review_submit(actor=a.reviewer, assignment=a)
    two = {r.criterion.id: r for r in reviewing.review_summary(passed).criteria}
    assert two["A1"].mean == Decimal("5.50") and two["A1"].points == (5, 6)
    services.review_submit(actor=assignments[2].reviewer, assignment=assignments[2])

    summary = reviewing.review_summary(passed)
    rows = {r.criterion.id: r for r in summary.criteria}
    assert summary.submitted == 3
    assert rows["A1"].mean == Decimal("6.33")  # 19/3, half-up
    assert rows["A2"].mean == Decimal("5.67")  # 17/3 = 5.666…
    assert rows["B1"].mean == Decimal("5.00")
    assert rows["C"].mean == Decimal("12.67")
    assert {k for k, r in rows.items() if r.divergent} == {"A2", "D"}
    assert (rows["A1"].spread, rows["C"].spread) == (3, 6)
    assert reviewing.is_divergent([0, 3], 10) is False
    assert reviewing.is_divergent([0, 4], 10) is True
    computed = {i.id: i.points for i in summary.computed}
    assert set(computed) == {"E1a", "E1b", "E2", "E3", "F1", "F2"}
    reviewer_total = sum(r.mean for r in rows.values())
    assert summary.reviewer_total == reviewer_total
    assert summary.total == reviewer_total + sum(computed.values())


# --- pages -------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_pages_per_role(users, passed, assignment) -> None:
    other = UserFactory(role=Role.REVIEWER, organisation=None)
    everyone = {**users, "other_reviewer": other}
    pages = {
        "assign": reverse("reviews:assign"),
        "summary": reverse("reviews:summary", args=[passed.pk]),
        "mine": reverse("reviews:my_reviews"),
        "score": reverse("reviews:score", args=[assignment.pk]),
        "proposal": reverse("proposals:detail", args=[passed.pk]),
    }

    def statuses(role):
        client = _client(everyone[role])
        return {k: client.get(u).status_code for k, u in pages.items()}

    expected = {
        "anonymous": dict(assign=302, summary=302, mine=302, score=302, proposal=302),
        "applicant": dict(assign=404, summary=404, mine=404, score=404, proposal=200),
        "other_applicant": dict(assign=404, summary=404, mine=404, score=404, proposal=404),
        "office": dict(assign=200, summary=200, mine=404, score=404, proposal=200),
        "reviewer": dict(assign=404, summary=404, mine=200, score=404, proposal=404),
        "other_reviewer": dict(assign=404, summary=404, mine=200, score=404, proposal=404),
        "secretariat": dict(assign=404, summary=404, mine=404, score=404, proposal=404),
        "joint_committee": dict(assign=404, summary=404, mine=404, score=404, proposal=404),
    }
    assert {r: statuses(r) for r in expected} == expected

    # the assigned reviewer after declaring no conflict; the other reviewer still sees nothing
    client = _client(users["reviewer"])
    client.post(reverse("reviews:declare", args=[assignment.pk]), {"has_conflict": "no"})
    assert statuses("reviewer") == dict(assign=404, summary=404, mine=200, score=200, proposal=200)
    assert statuses("other_reviewer")["score"] == 404
    assert statuses("other_reviewer")["proposal"] == 404
    assert (
        _client(other)
        .post(reverse("reviews:declare", args=[assignment.pk]), {"has_conflict": "yes"})
        .status_code
        == 404
    )


def test_reviewer_walks_declaration_scoring_and_submission(users, passed, assignment) -> None:
    client = _client(users["reviewer"])
    home = client.get(reverse("reviews:my_reviews")).content.decode()
    assert "has_conflict" in home and passed.title not in home  # title hidden until declared
    client.post(reverse("reviews:declare", args=[assignment.pk]), {"has_conflict": "no"})
    page = client.get(reverse("reviews:score", args=[assignment.pk])).content.decode()
    assert "別添2 3.(2)(C)" in page and 'max="20"' in page and "事業計画" in page
    form = {f"points_{c}": m for c, m in MAXIMA.items()}
    form |= {f"justification_{c}": "because" for c in MAXIMA}
    form["points_A1"] = 11
    resp = client.post(reverse("reviews:score", args=[assignment.pk]), form, follow=True)
    assert "0〜10点" in resp.content.decode()  # the page speaks Japanese by default
    assert assignment.scores.count() == 6
    form["points_A1"] = 10
    client.post(reverse("reviews:score", args=[assignment.pk]), form)
    client.post(reverse("reviews:submit_review", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.submitted_at is not None and assignment.scores.count() == 7


def test_office_assigns_and_reads_the_summary_pages(users, passed, reviewers) -> None:
    client = _client(users["office"])
    assert reverse("reviews:assign") in client.get(reverse("reviews:intake")).content.decode()
    page = client.get(reverse("reviews:assign")).content.decode()
    assert passed.receipt_number in page
    client.post(
        reverse("reviews:assign"),
        {"proposal": [passed.pk], "reviewer": [r.pk for r in reviewers], "per_proposal": 2},
    )
    assert passed.review_assignments.count() == 2
    a = passed.review_assignments.first()
    services.review_declare_conflict(
        actor=a.reviewer, assignment=a, has_conflict=True, note="shareholder"
    )
    summary = client.get(reverse("reviews:summary", args=[passed.pk])).content.decode()
    assert "shareholder" in summary and "E1a" in summary and "30%" in summary


def test_ranking_page_shows_reviewed_proposals_with_the_funding_line(
    users, cleared, passed
) -> None:
    _score_all(users["reviewer"], cleared)
    services.review_submit(actor=users["reviewer"], assignment=cleared)
    url = reverse("reviews:ranking")
    for role in ("anonymous", "applicant", "reviewer", "secretariat", "joint_committee"):
        assert _client(users[role]).get(url).status_code in (302, 404), role
    page = _client(users["office"]).get(url).content.decode()
    assert passed.receipt_number in page
    assert "12,800,000,000" in page  # the call's budget, from the rulebook
    assert "98,000,000" in page  # the sample's requested subsidy (3 lines), from the rules core


# --- the office's undo: a declaration made by mistake, an assignment withdrawn ------------------


def test_office_resets_a_conflict_declared_by_mistake(
    users, passed, assignment, django_capture_on_commit_callbacks
) -> None:
    reviewer, office = users["reviewer"], users["office"]
    services.review_declare_conflict(
        actor=reviewer, assignment=assignment, has_conflict=True, note="wrong button"
    )
    for role in ("applicant", "reviewer", "secretariat", "joint_committee"):
        with pytest.raises(NotAllowed):
            services.review_reset_conflict(actor=users[role], assignment=assignment, reason="x")
    with pytest.raises(ServiceError, match="reason"):
        services.review_reset_conflict(actor=office, assignment=assignment, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        done = services.review_reset_conflict(
            actor=office, assignment=assignment, reason="declared by mistake (phone call)"
        )
    assert (done.has_conflict, done.coi_declared_at, done.coi_note) == (None, None, "")
    event = audit_trail(passed).get(action="review_reset_conflict")
    assert (event.from_state, event.to_state) == ("conflict", "undeclared")
    assert event.actor == office
    assert event.payload["reason"] == "declared by mistake (phone call)"
    assert event.payload["previous_note"] == "wrong button"
    assert reviewer.notices.filter(message__contains=passed.receipt_number).exists()
    # nothing to reset until the reviewer declares again; then they may score
    with pytest.raises(ServiceError, match="not declared yet"):
        services.review_reset_conflict(actor=office, assignment=assignment, reason="again")
    assert not access.can(reviewer, "view", passed)
    services.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=False)
    assert access.can(reviewer, "view", passed)
    # once a score is saved, the declaration stands
    services.review_score(
        actor=reviewer, assignment=assignment, criterion="A1", points=5, justification="j"
    )
    assert not access.can(office, "reset_conflict", assignment)
    with pytest.raises(ServiceError, match="Scores have been given"):
        services.review_reset_conflict(actor=office, assignment=assignment, reason="late")
    assignment.refresh_from_db()
    assert assignment.has_conflict is False


def test_office_withdraws_an_assignment_only_while_nothing_is_scored(
    users, passed, reviewers
) -> None:
    office = users["office"]
    a, b = services.review_assign_balanced(
        actor=office, proposals=[passed], reviewers=reviewers[:2], per_proposal=2
    )
    with pytest.raises(NotAllowed):
        services.review_withdraw(actor=a.reviewer, assignment=a, reason="x")
    with pytest.raises(ServiceError, match="reason"):
        services.review_withdraw(actor=office, assignment=a, reason="")
    services.review_withdraw(actor=office, assignment=a, reason="assigned in error")
    assert not ReviewAssignment.objects.filter(pk=a.pk).exists()
    event = audit_trail(passed).get(action="review_withdraw")
    assert (event.from_state, event.to_state) == ("undeclared", "withdrawn")
    assert event.payload["reviewer"] == a.reviewer_id
    assert event.payload["reason"] == "assigned in error"
    services.review_declare_conflict(actor=b.reviewer, assignment=b, has_conflict=False)
    services.review_score(
        actor=b.reviewer, assignment=b, criterion="A1", points=5, justification="j"
    )
    with pytest.raises(ServiceError, match="Scores have been given"):
        services.review_withdraw(actor=office, assignment=b, reason="too late")
    assert ReviewAssignment.objects.filter(pk=b.pk).exists()


def test_summary_page_offers_the_reset_with_a_reason(users, passed, assignment) -> None:
    services.review_declare_conflict(
        actor=users["reviewer"], assignment=assignment, has_conflict=True
    )
    summary = reverse("reviews:summary", args=[passed.pk])
    reset = reverse("reviews:reset_conflict", args=[assignment.pk])
    withdraw = reverse("reviews:withdraw", args=[assignment.pk])
    office = _client(users["office"])
    page = office.get(summary).content.decode()
    assert reset in page and withdraw in page and 'name="reason" required' in page
    for role in ("anonymous", "applicant", "reviewer", "secretariat", "joint_committee"):
        status = _client(users[role]).post(reset, {"reason": "x"}).status_code
        assert status in (302, 404), role
        if role != "anonymous":
            assert status == 404, role
    assert office.get(reset).status_code == 405
    page = office.post(reset, {"reason": ""}, follow=True).content.decode()
    assignment.refresh_from_db()
    assert assignment.has_conflict is True  # refused without a reason, and the page says so
    assert "Give the reason." in page or "理由を入力してください" in page
    office.post(reset, {"reason": "declared by mistake"})
    assignment.refresh_from_db()
    assert assignment.has_conflict is None
    page = office.get(summary).content.decode()
    assert reset not in page and withdraw in page  # nothing declared: only withdrawal is left
    office.post(withdraw, {"reason": "replaced"})
    assert not passed.review_assignments.exists()


def test_english_names_of_the_criteria_in_the_english_ui(users, passed, cleared) -> None:
    client = _client(users["reviewer"])
    url = reverse("reviews:score", args=[cleared.pk])
    assert "事業計画" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(url).content.decode()
    assert "B1 Project plan" in page and "事業計画" not in page
    assert "Appropriateness of the financing plan" in page
    assert [c.name for c in reviewing.reviewer_criteria(passed)][:2] == [
        "Management soundness and implementation capacity of the representative and partner "
        "participants",
        "Establishment of the project implementation structure",
    ]  # gettext is English in these tests


def test_every_rulebooks_scoring_items_fit_the_score_column() -> None:
    # PostgreSQL enforces a CharField's length (SQLite does not): a C3P item id such as
    # "technology_introduction" (22 characters) once failed there only.
    from renkei.rules._registry import available_rulebooks, load_rulebook

    limit = Score._meta.get_field("criterion").max_length
    ids = []
    for rulebook_id in available_rulebooks():
        scoring = getattr(load_rulebook(rulebook_id), "scoring", None)
        ids += [item.id for item in (scoring.items if scoring else ())]
    assert ids and "technology_introduction" in ids
    assert [i for i in ids if len(i) > limit] == []


def test_a_refused_score_stays_on_the_page_as_typed(users, cleared) -> None:
    client = Client()
    client.force_login(users["reviewer"])
    url = reverse("reviews:score", args=[cleared.pk])
    long_reason = "A long justification the reviewer must not have to type again. " * 5
    response = client.post(
        url,
        {
            "points_A1": "11",  # above the maximum of 10
            "justification_A1": long_reason,
            "points_A2": "7",
            "justification_A2": "fine",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="11"' in body and long_reason.strip() in body  # kept as typed
    assert 'aria-invalid="true"' in body
    saved = {s.criterion: s.points for s in Score.objects.filter(assignment=cleared)}
    assert saved == {"A2": 7}  # the valid row was saved, the refused one was not


def test_the_reviewer_sees_who_takes_part_before_declaring(users, assignment) -> None:
    client = Client()
    client.force_login(users["reviewer"])
    body = client.get(reverse("reviews:my_reviews")).content.decode()
    consortium = assignment.proposal.document["consortium"]
    names = [consortium["representative"]["name"], *[p["name"] for p in consortium["partners"]]]
    assert len(names) > 1 and all(n in body for n in names)
    assert 'name="has_conflict"' in body  # still to declare: names only, not the proposal


# --- issue 12 point 9: "submit" saves what is on the page -------------------------------------


def test_submit_without_saving_keeps_and_submits_every_typed_score(users, cleared) -> None:
    client = _client(users["reviewer"])
    typed = {f"points_{c}": str(m // 2) for c, m in MAXIMA.items()}
    typed |= {f"justification_{c}": f"typed {c}" for c in MAXIMA}
    response = client.post(reverse("reviews:submit_review", args=[cleared.pk]), typed)
    assert response.status_code == 302
    cleared.refresh_from_db()
    assert cleared.submitted_at is not None
    assert cleared.version == cleared.proposal.versions.get()
    saved = dict(Score.objects.filter(assignment=cleared).values_list("criterion", "justification"))
    assert saved == {c: f"typed {c}" for c in MAXIMA}


def test_a_refused_row_on_submit_submits_nothing_and_keeps_the_page(users, cleared) -> None:
    client = _client(users["reviewer"])
    typed = {f"points_{c}": str(m // 2) for c, m in MAXIMA.items()}
    typed |= {f"justification_{c}": f"typed {c}" for c in MAXIMA}
    typed["points_C"] = "99"  # above C's maximum of 20
    response = client.post(reverse("reviews:submit_review", args=[cleared.pk]), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="99"' in page and "typed C" in page and "typed A1" in page
    cleared.refresh_from_db()
    assert cleared.submitted_at is None
    # the valid rows are saved; nothing typed is lost
    assert Score.objects.filter(assignment=cleared).count() == len(MAXIMA) - 1


def test_the_scoring_page_submits_the_same_form(users, cleared) -> None:
    page = _client(users["reviewer"]).get(reverse("reviews:score", args=[cleared.pk]))
    html = page.content.decode()
    start = html.index('name="points_A1"')
    form = html[start : html.index("</form>", start)]
    assert f'formaction="{reverse("reviews:submit_review", args=[cleared.pk])}"' in form
    assert 'name="justification_D"' in html[: html.index("formaction")]


# --- issue 12 point 13: a revised proposal's reviews ----------------------------------------


def test_a_review_of_an_earlier_version_is_not_counted_until_reopened(
    users, passed, cleared, django_capture_on_commit_callbacks
) -> None:
    from webfactories import jst

    from renkei.proposals import services as proposal_services

    reviewer, office = users["reviewer"], users["office"]
    _score_all(reviewer, cleared)
    services.review_submit(actor=reviewer, assignment=cleared)
    assert reviewing.review_summary(passed).submitted == 1
    proposal_services.proposal_open_revision(actor=office, proposal=passed, reason="costs")
    passed.refresh_from_db()
    proposal_services.proposal_submit(
        actor=users["applicant"], proposal=passed, idempotency_key="v2", now=jst("2024-05-11T09:00")
    )
    passed.refresh_from_db()
    summary = reviewing.review_summary(passed)
    assert summary.submitted == 0 and [a.pk for a in summary.stale] == [cleared.pk]
    with pytest.raises(ServiceError, match="reason"):
        services.review_reopen(actor=office, assignment=cleared, reason="")
    with pytest.raises(NotAllowed):
        services.review_reopen(actor=reviewer, assignment=cleared, reason="x")
    page = _client(office).get(reverse("reviews:summary", args=[passed.pk])).content.decode()
    assert reverse("reviews:reopen", args=[cleared.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(office).post(
            reverse("reviews:reopen", args=[cleared.pk]), {"reason": "version 2 changed costs"}
        )
    assert response.status_code == 302
    cleared.refresh_from_db()
    assert cleared.submitted_at is None and cleared.scores.count() == len(MAXIMA)
    assert reviewer.notices.filter(message__contains=passed.receipt_number).exists()
    event = audit_trail(passed).get(action="review_reopen")
    assert event.payload["reviewed_version"] == 1 and event.payload["scores"]["C"] == 10
    services.review_submit(actor=reviewer, assignment=cleared)
    assert reviewing.review_summary(passed).submitted == 1
    with pytest.raises(ServiceError):
        services.review_reopen(actor=office, assignment=cleared, reason="again")


# --- issue 12 point 26: the ranking page's cost does not grow with its rows -----------------


def _copies(proposal, n: int, start: list[int] = [0]) -> None:  # noqa: B006
    """``n`` more reviewed proposals of the round, copied row by row (fast; the services made
    the original)."""
    from renkei.proposals.models import Proposal

    version = proposal.versions.get()
    assignment = proposal.review_assignments.get()
    scores = list(assignment.scores.all())
    for i in range(start[0], start[0] + n):
        p = Proposal.objects.get(pk=proposal.pk)
        p.pk = p.id = None
        p.receipt_number = f"COPY-{i:04d}"
        p.save()
        v = type(version).objects.get(pk=version.pk)
        v.pk = v.id = None
        v.proposal, v.idempotency_key = p, f"copy-{i}"
        v.save()
        a = ReviewAssignment.objects.get(pk=assignment.pk)
        a.pk = a.id = None
        a.proposal, a.version = p, v
        a.save()
        Score.objects.bulk_create(
            [
                Score(
                    assignment=a,
                    criterion=s.criterion,
                    points=s.points,
                    justification=s.justification,
                    scored_at=s.scored_at,
                )
                for s in scores
            ]
        )
    start[0] += n


def test_the_ranking_page_makes_the_same_queries_for_5_and_50_proposals(
    users, passed, cleared, django_assert_max_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _score_all(users["reviewer"], cleared)
    services.review_submit(actor=users["reviewer"], assignment=cleared)
    client = _client(users["office"])
    url = reverse("reviews:ranking")
    counts = []
    for n, more in ((5, 4), (50, 45)):
        _copies(passed, more)
        client.get(url)  # warm the session and the caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        assert page.count("COPY-") == n - 1
        counts.append(len(captured))
        with django_assert_max_num_queries(12):
            client.get(url)
    assert counts[0] == counts[1]
