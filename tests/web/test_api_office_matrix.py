"""The office's and the reviewers' operations in the REST API (screening, reviewer assignment,
conflict declarations, scores, review summary, ranking, round budget, account requests,
pre-registrations): every role × every operation, the expected answer written out per cell, and
each operation's happy path and refusals.

As on the pages: 404 for what the caller may not see (the office's screening, summary, ranking,
account requests and pre-registrations to anyone but the office; an assignment to anyone but its
reviewer and the office), 403 for what they see but may not do (a round's budget: rounds are
public), 422 with the service's message when the workflow refuses, 401 without a session.
"""

from __future__ import annotations

import pytest
from django.core import mail
from test_api import body, client_for, error, post_json, put_json
from webfactories import UserFactory, submitted_proposal

from renkei.accounts.models import AccountRequest, Role
from renkei.accounts.services import account_request_ask_consent, account_request_create
from renkei.audit.models import AuditEvent
from renkei.proposals.services import preregistration_create
from renkei.reviews import reviewing, services
from renkei.reviews.models import ReviewAssignment, Screening

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
    "partner",
]
P = "/api/proposals/{proposal_id}"
A = "/api/review-assignments/{assignment_id}"
OFFICE_ONLY = [401, 404, 404, 200, 404, 404, 404, 404]
REVIEWER_ONLY = [401, 404, 404, 404, 200, 404, 404, 404]
MEMBER_ONLY = [401, 200, 404, 404, 404, 404, 404, 404]
# (method, path, object) -> expected status per role, in ROLES order. Rows run in this order for
# each role (a fresh database per role); the ones that change state come after the reads.
# "screened": passed basic screening, the reviewer assigned and declared without a conflict;
# "unscreened": its screening started, every item decided but the first.
MATRIX = {
    ("GET", "/api/account-requests", None): OFFICE_ONLY,
    ("GET", "/api/preregistrations", None): OFFICE_ONLY,
    ("GET", P + "/screening", "unscreened"): OFFICE_ONLY,
    ("GET", P + "/reviews", "screened"): OFFICE_ONLY,
    ("GET", "/api/rounds/{round_id}/ranking", "round"): OFFICE_ONLY,
    ("GET", "/api/review-assignments", None): [401, 200, 200, 200, 200, 200, 200, 200],
    ("GET", A + "/review", "assignment"): REVIEWER_ONLY,
    ("PUT", A + "/scores/{criterion}", "assignment"): REVIEWER_ONLY,
    # already declared (422): to change it, the office resets it
    ("POST", A + "/declaration", "assignment"): [401, 404, 404, 404, 422, 404, 404, 404],
    # not every item scored yet (422)
    ("POST", A + "/submit", "assignment"): [401, 404, 404, 404, 422, 404, 404, 404],
    ("POST", P + "/screening", "unscreened"): OFFICE_ONLY,
    ("POST", "/api/screening-items/{item_id}/decision", "item"): OFFICE_ONLY,
    ("POST", "/api/screenings/{screening_id}/complete", "screening"): OFFICE_ONLY,
    ("POST", "/api/review-assignments", None): OFFICE_ONLY,
    ("PUT", "/api/rounds/{round_id}/budget", "round"): [401, 403, 403, 200, 403, 403, 403, 403],
    ("POST", "/api/account-requests/{request_id}/issue", "account_request"): OFFICE_ONLY,
    # issued just above (422: already handled)
    ("POST", "/api/account-requests/{request_id}/issue-separate", "account_request"): [401]
    + [404] * 2
    + [422]
    + [404] * 4,
    ("POST", "/api/account-requests/{request_id}/ask-consent", "account_request"): [401]
    + [404] * 2
    + [422]
    + [404] * 4,
    ("POST", "/api/account-requests/{request_id}/attach", "account_request"): [401]
    + [404] * 2
    + [422]
    + [404] * 4,
    # a request naming the applicant's organisation, its members asked: theirs to answer
    ("GET", "/api/membership-consents/{consent_id}", "consent"): MEMBER_ONLY,
    ("POST", "/api/membership-consents/{consent_id}/decide", "consent"): MEMBER_ONLY,
    # issued just above (422: already handled)
    ("POST", "/api/account-requests/{request_id}/reject", "account_request"): [401]
    + [404] * 2
    + [422]
    + [404] * 4,
    # the review is not submitted: nothing to reopen (422; the happy path: test_api_selection)
    ("POST", A + "/reopen", "assignment"): [401, 404, 404, 422, 404, 404, 404, 404],
    ("POST", A + "/reset-conflict", "assignment"): OFFICE_ONLY,
    ("POST", A + "/withdraw", "assignment"): OFFICE_ONLY,
}
BODIES = {
    "/scores/{criterion}": {"points": 1, "justification": "j"},
    "/declaration": {"has_conflict": False},
    "/decision": {"decision": "pass", "reason": "checked"},
    "/review-assignments": None,  # filled with the objects' ids
    "/budget": {"budget_jpy": 100_000_000},
    "/reject": {"reason": "not an eligible applicant"},
    "/reset-conflict": {"reason": "declared by mistake"},
    "/withdraw": {"reason": "replaced"},
    "/reopen": {"reason": "version 2"},
    "/issue-separate": {},
    "/ask-consent": None,  # filled with the objects' ids
    "/attach": None,
    "/decide": {"decision": "approve", "reason": ""},
}


def _screened(proposal, office, complete: bool, undecided: int = 0) -> Screening:
    screening = services.screening_start(actor=office, proposal=proposal)
    for item in list(screening.items.order_by("position"))[undecided:]:
        services.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    if complete:
        services.screening_complete(actor=office, screening=screening)
    return screening


@pytest.fixture
def objects(users, first_round, sample_document, settings) -> dict:
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    office, reviewer = users["office"], users["reviewer"]
    made = {}
    for title in ("screened", "unscreened"):
        made[title] = submitted_proposal(
            users["applicant"],
            first_round,
            sample_document,
            title,
            country="KE",
            uploads={"form1": "1_a.pdf"},
            at="2024-05-10T09:00",
        )
    _screened(made["screened"], office, complete=True)
    screening = _screened(made["unscreened"], office, complete=False, undecided=1)
    (assignment,) = services.review_assign_balanced(
        actor=office, proposals=[made["screened"]], reviewers=[reviewer], per_proposal=1
    )
    reviewing.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=False)
    request = account_request_create(
        actor=None,
        organisation_name="New Org",
        organisation_country="JP",
        contact_name="x",
        email="x@example.org",
    )
    joining = account_request_create(
        actor=None,
        organisation_name=users["applicant"].organisation.name,
        organisation_country="JP",
        contact_name="j",
        email="j@example.org",
    )
    consent = account_request_ask_consent(
        actor=office, request=joining, organisation=users["applicant"].organisation
    )
    return {
        "consent": consent.pk,
        "organisation": users["applicant"].organisation_id,
        "screened": made["screened"].pk,
        "unscreened": made["unscreened"].pk,
        "item": screening.items.order_by("position").first().pk,
        "screening": screening.pk,
        "assignment": assignment.pk,
        "account_request": request.pk,
        "round": first_round.pk,
        "criterion": reviewing.reviewer_criteria(made["screened"])[0].id,
    }


def _url(path: str, obj: str | None, objects: dict) -> str:
    key = {
        "unscreened": "{proposal_id}",
        "screened": "{proposal_id}",
        "round": "{round_id}",
        "assignment": "{assignment_id}",
        "item": "{item_id}",
        "screening": "{screening_id}",
        "account_request": "{request_id}",
        "consent": "{consent_id}",
    }.get(obj or "")
    url = path.replace(key, str(objects[obj])) if key else path
    return url.replace("{criterion}", objects["criterion"])


def _call(client, method: str, path: str, url: str, objects: dict):
    for suffix, data in BODIES.items():
        if path.endswith(suffix) and method != "GET":
            if suffix in ("/ask-consent", "/attach"):
                data = {"organisation_id": objects["organisation"], "reason": "r", "seen": "x"}
            if suffix == "/review-assignments":
                data = {
                    "proposal_ids": [objects["screened"]],
                    "reviewer_ids": [UserFactory(role=Role.REVIEWER, organisation=None).pk],
                    "per_proposal": 1,
                }
            send = put_json if method == "PUT" else post_json
            return send(client, url, data)
    return client.generic(method, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_office_and_reviewer_operation(role, users, objects) -> None:
    client = client_for(users[role])
    got, want = {}, {}
    for (method, path, obj), expected in MATRIX.items():
        response = _call(client, method, path, _url(path, obj, objects), objects)
        label = f"{method} {path} {obj or ''}".strip()
        got[label] = response.status_code
        want[label] = expected[ROLES.index(role)]
        if response.status_code >= 400:
            error(response, response.status_code)
        else:
            body(response)
    assert got == want


# --- the happy paths and the refusals, one operation at a time ---------------------------------
def test_screening_start_decide_and_complete(users, objects) -> None:
    office = client_for(users["office"])
    url = f"/api/proposals/{objects['unscreened']}/screening"
    screening = body(office.get(url))
    assert screening["id"] == objects["screening"] and screening["completed_at"] is None
    first = screening["items"][0]
    assert first["clause"] and first["message"]
    machine = first["machine_status"]
    assert first["decision"] == (machine if machine in ("pass", "fail") else "")
    # departing from the rules core (or deciding what it could not) needs a reason, as on the page
    url_item = f"/api/screening-items/{first['id']}/decision"
    no_reason = post_json(office, url_item, {"decision": "fail", "reason": ""})
    if machine != "fail":
        assert "Give the reason" in error(no_reason, 422)["detail"]
    decided = post_json(
        office,
        f"/api/screening-items/{first['id']}/decision",
        {"decision": "fail", "reason": "the quotation is missing"},
    )
    assert body(decided)["items"][0]["decision"] == "fail"
    done = body(office.post(f"/api/screenings/{objects['screening']}/complete"))
    assert done["outcome"] == "fail" and done["completed_at"]
    again = post_json(
        office, f"/api/screening-items/{first['id']}/decision", {"decision": "pass", "reason": "x"}
    )
    assert "complete" in error(again, 422)["detail"]
    # starting again returns the same screening
    assert body(office.post(url))["id"] == objects["screening"]


def test_an_unknown_screening_item_or_screening_is_404(users, objects) -> None:
    office = client_for(users["office"])
    decide = {"decision": "pass", "reason": ""}
    error(post_json(office, "/api/screening-items/999999/decision", decide), 404)
    error(office.post("/api/screenings/999999/complete"), 404)
    error(office.get("/api/proposals/999999/screening"), 404)


def test_assignment_is_balanced_and_refused_before_screening_passed(users, objects) -> None:
    office = client_for(users["office"])
    extra = UserFactory(role=Role.REVIEWER, organisation=None)
    made = post_json(
        office,
        "/api/review-assignments",
        {
            "proposal_ids": [objects["screened"]],
            "reviewer_ids": [users["reviewer"].pk, extra.pk],
            "per_proposal": 2,
        },
    )
    (row,) = body(made)  # the reviewer already on it counts; only the second is added
    assert row["reviewer_id"] == extra.pk and row["declaration"] == "undeclared"
    refused = post_json(
        office,
        "/api/review-assignments",
        {"proposal_ids": [objects["unscreened"]], "reviewer_ids": [extra.pk], "per_proposal": 1},
    )
    assert "only once basic screening has passed" in error(refused, 422)["detail"]
    too_many = post_json(
        office,
        "/api/review-assignments",
        {"proposal_ids": [objects["screened"]], "reviewer_ids": [extra.pk], "per_proposal": 3},
    )
    assert "need at least 3 reviewers" in error(too_many, 422)["detail"]
    listed = {a["reviewer_id"] for a in body(office.get("/api/review-assignments"))}
    assert listed == {users["reviewer"].pk, extra.pk}


def test_a_reviewer_scores_with_justifications_and_submits(users, objects) -> None:
    reviewer = client_for(users["reviewer"])
    a = objects["assignment"]
    review = body(reviewer.get(f"/api/review-assignments/{a}/review"))
    assert review["assignment"]["declaration"] == "no_conflict" and review["scores"] == []
    criteria = review["criteria"]
    assert criteria and all(c["max"] > 0 for c in criteria)
    first = criteria[0]
    url = f"/api/review-assignments/{a}/scores/{first['id']}"
    too_high = put_json(reviewer, url, {"points": first["max"] + 1, "justification": "j"})
    assert f"from 0 to {first['max']}" in error(too_high, 422)["detail"]
    blank = put_json(reviewer, url, {"points": 1, "justification": "   "})
    error(blank, 422)
    unknown = put_json(
        reviewer, f"/api/review-assignments/{a}/scores/ZZ", {"points": 1, "justification": "j"}
    )
    assert "is not a reviewer item" in error(unknown, 422)["detail"]
    early = error(reviewer.post(f"/api/review-assignments/{a}/submit"), 422)
    assert "Score every item" in early["detail"]
    for c in criteria:
        saved = put_json(
            reviewer,
            f"/api/review-assignments/{a}/scores/{c['id']}",
            {"points": c["max"], "justification": f"why {c['id']}"},
        )
        assert body(saved)["points"] == c["max"]
    submitted = body(reviewer.post(f"/api/review-assignments/{a}/submit"))
    assert submitted["submitted_at"] and submitted["scored"] == len(criteria)
    late = put_json(reviewer, url, {"points": 0, "justification": "changed my mind"})
    assert "submitted" in error(late, 422)["detail"]
    # the office reads the summary: one review, its means, the computed items and the total
    summary = body(client_for(users["office"]).get(f"/api/proposals/{objects['screened']}/reviews"))
    assert summary["submitted"] == 1
    assert [c["mean"] for c in summary["criteria"]] == [f"{c['max']}.00" for c in criteria]
    assert (
        summary["total"] == str(sum(c["max"] for c in criteria) + summary["computed_total"]) + ".00"
    )
    # ... and the ranking within the round's budget
    ranking = body(client_for(users["office"]).get(f"/api/rounds/{objects['round']}/ranking"))
    (row,) = ranking["rows"]
    assert row["proposal_id"] == objects["screened"] and row["rank"] == 1
    assert row["total_score"] == summary["total"]


def test_a_conflict_hides_the_proposal_and_the_office_resets_or_withdraws(
    users, objects, first_round, sample_document
) -> None:
    office, reviewer = users["office"], users["reviewer"]
    proposal = submitted_proposal(
        users["applicant"],
        first_round,
        sample_document,
        "third",
        country="KE",
        uploads={"form1": "1_a.pdf"},
        at="2024-05-10T09:00",
    )
    _screened(proposal, office, complete=True)
    (assignment,) = services.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[reviewer], per_proposal=1
    )
    client = client_for(reviewer)
    url = f"/api/review-assignments/{assignment.pk}"
    error(client.get(url + "/review"), 404)  # nothing shown before the declaration
    declared = post_json(client, url + "/declaration", {"has_conflict": True, "note": "my client"})
    assert body(declared)["declaration"] == "conflict"
    error(client.get(url + "/review"), 404)
    error(client.get(f"/api/proposals/{proposal.pk}"), 404)
    office_client = client_for(office)
    no_reason = post_json(office_client, url + "/reset-conflict", {"reason": ""})
    error(no_reason, 422)
    reset = post_json(office_client, url + "/reset-conflict", {"reason": "declared by mistake"})
    assert body(reset)["declaration"] == "undeclared"
    again = post_json(office_client, url + "/reset-conflict", {"reason": "twice"})
    assert "nothing to reset" in error(again, 422)["detail"]
    withdrawn = post_json(office_client, url + "/withdraw", {"reason": "replaced"})
    assert body(withdrawn) == []
    assert not ReviewAssignment.objects.filter(pk=assignment.pk).exists()
    actions = set(
        AuditEvent.objects.filter(action__startswith="review_").values_list("action", flat=True)
    )
    assert {"review_declare_conflict", "review_reset_conflict", "review_withdraw"} <= actions


def test_the_office_cannot_withdraw_a_scored_assignment(users, objects) -> None:
    reviewing.review_score(
        actor=users["reviewer"],
        assignment=ReviewAssignment.objects.get(pk=objects["assignment"]),
        criterion=objects["criterion"],
        points=1,
        justification="j",
    )
    office = client_for(users["office"])
    url = f"/api/review-assignments/{objects['assignment']}/withdraw"
    assert "Scores have been given" in error(post_json(office, url, {"reason": "r"}), 422)["detail"]


def test_the_round_budget_is_set_cleared_and_bounded(users, objects) -> None:
    office = client_for(users["office"])
    url = f"/api/rounds/{objects['round']}/budget"
    assert body(put_json(office, url, {"budget_jpy": 300_000_000}))["budget_jpy"] == 300_000_000
    assert body(put_json(office, url, {"budget_jpy": None}))["budget_jpy"] is None
    for bad in (-1, 2**63, "3億", 1.5):
        error(put_json(office, url, {"budget_jpy": bad}), 422)
    error(put_json(office, "/api/rounds/999999/budget", {"budget_jpy": 1}), 404)
    refused = error(put_json(client_for(users["applicant"]), url, {"budget_jpy": 1}), 403)
    assert refused["detail"]


def test_account_requests_are_listed_issued_and_refused(
    users, objects, django_capture_on_commit_callbacks
) -> None:
    office = client_for(users["office"])
    (pending,) = body(office.get("/api/account-requests?status=pending"))
    assert pending["email"] == "x@example.org" and pending["status"] == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        issued = body(office.post(f"/api/account-requests/{pending['id']}/issue"))
    assert issued["status"] == "issued"
    assert [m.to for m in mail.outbox] == [["x@example.org"]]
    other = account_request_create(
        actor=None,
        organisation_name="Other",
        organisation_country="JP",
        contact_name="y",
        email="y@example.org",
    )
    url = f"/api/account-requests/{other.pk}/reject"
    error(post_json(office, url, {"reason": ""}), 422)
    assert body(post_json(office, url, {"reason": "not eligible"}))["status"] == "rejected"
    assert AccountRequest.objects.get(pk=other.pk).status == "rejected"
    assert "already been handled" in error(post_json(office, url, {"reason": "x"}), 422)["detail"]
    error(office.post("/api/account-requests/999999/issue"), 404)


def test_preregistrations_are_read_by_the_office(users, objects, first_round, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-04-20T09:00:00+09:00"  # two weeks before the deadline
    reg = preregistration_create(
        actor=None,
        round=first_round,
        organisation_name="Pre Co.",
        contact_name="P",
        email="p@example.org",
        title="Solar for tea",
        country="KE",
        technologies=["solar_pv"],
        needs_account=True,
    )
    office = client_for(users["office"])
    (row,) = body(office.get(f"/api/preregistrations?round_id={first_round.pk}"))
    assert row["id"] == reg.pk and row["organisation_name"] == "Pre Co."
    assert row["call"] == "jcm-model-project/fy2024" and row["technologies"] == ["solar_pv"]
    assert body(office.get("/api/preregistrations?round_id=999999")) == []
    error(client_for(users["applicant"]).get("/api/preregistrations"), 404)
