"""Every role × every page and API operation of the grant's award part (issue 8), the expected
answer written out per cell; and a check that the matrices cover every URL name and operation of
the part, so a new page or operation cannot be added without its row.

Pages: 302 to the login page without a session, 404 for a grant the viewer may not see (other
applicants, reviewers, the JCM secretariat, Joint Committee contacts), 403 for what a member sees
but may not do, 400 for an allowed request whose form is empty (the form again with its errors;
the rows post empty forms so that nothing changes between rows), 200/302 when it happens.
API: 401 without a session, 404 not visible, 403 not allowed, 422 refused by the service or the
workflow (the bodies are valid: ninja checks a body before the operation runs), 200/201 done.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories import (
    adopted_selection,
    agreement,
    decide,
    filed_application,
    fresh,
    no_deadline_refresh,  # noqa: F401 (fixture)
    now,
    opened_grant,
)

from renkei.grants import views_award
from renkei.grants.api import award as api_award
from renkei.grants.services import award

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_deadline_refresh")]

ROLES = [
    "anonymous",
    "applicant",  # the representative participant's applicant
    "partner",  # a partner participant's applicant
    "other_applicant",
    "reviewer",
    "secretariat",
    "joint_committee",
    "office",
]
SEE = [302, 200, 200, 404, 404, 404, 404, 200]
REP_FORM = [302, 400, 403, 404, 404, 404, 404, 403]  # the representative's (empty form: 400)
OFFICE_FORM = [302, 403, 403, 404, 404, 404, 404, 400]  # the office's (empty form: 400)

# (url name, method, object) -> expected status per role, in ROLES order; rows run in this order
PAGES = {
    ("grants:award", "GET", "drafting"): SEE,
    ("grants:award_document", "GET", "document"): SEE,
    ("grants:award_budget_xlsx", "GET", "drafting"): SEE,
    ("grants:award_save", "POST", "drafting"): REP_FORM,
    ("grants:award_document_add", "POST", "drafting"): REP_FORM,
    ("grants:award_budget_upload", "POST", "drafting"): REP_FORM,
    # no signed agreement uploaded on this grant: refused with the message (400)
    ("grants:award_submit", "POST", "bare"): [302, 400, 403, 404, 404, 404, 404, 403],
    ("grants:award_revoke", "POST", "drafting"): OFFICE_FORM,
    ("grants:award_return", "POST", "review"): OFFICE_FORM,
    ("grants:award_decide", "POST", "review"): OFFICE_FORM,
    ("grants:award_accept", "POST", "review"): [302, 403, 403, 404, 404, 404, 404, 302],
    ("grants:award_notice", "GET", "decided"): SEE,
    ("grants:award_spending_xlsx", "GET", "decided"): SEE,
    ("grants:award_procurement", "POST", "decided"): REP_FORM,
    ("grants:award_change", "POST", "decided"): REP_FORM,
    ("grants:award_stop", "POST", "decided"): REP_FORM,
    ("grants:award_year_end", "POST", "decided"): REP_FORM,
    ("grants:award_interim", "POST", "decided"): OFFICE_FORM,
    ("grants:award_change_decide", "POST", "change"): OFFICE_FORM,
    ("grants:award_stop_decide", "POST", "stop"): OFFICE_FORM,
    # the representative withdraws its change (302); after it, nobody can
    ("grants:award_change_withdraw", "POST", "change"): [302, 302, 403, 404, 404, 404, 404, 403],
}

G = "/api/grants/{grant}"
API_SEE = [401, 200, 200, 404, 404, 404, 404, 200]
# (method, path, object, body) -> expected status per role; rows run in this order
API = {
    ("GET", G + "/application", "drafting", None): API_SEE,
    ("GET", G + "/documents/{document}", "document", None): API_SEE,
    ("POST", G + "/application/versions", "drafting", "budget"): [
        401,
        201,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
    ("POST", G + "/application/documents", "drafting", "upload"): [
        401,
        201,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
    # no signed agreement on this grant: refused (422)
    ("POST", G + "/application/submit", "bare", None): [401, 422, 403, 404, 404, 404, 404, 403],
    # 4.(2): not yet 60 days after the 内示
    ("POST", G + "/naiji/revoke", "drafting", "reason"): [
        401,
        403,
        403,
        404,
        404,
        404,
        404,
        422,
    ],
    # not yet accepted: refused (422)
    ("POST", G + "/decision", "review", "decision"): [401, 403, 403, 404, 404, 404, 404, 422],
    ("POST", G + "/application/return", "review", "message"): [
        401,
        403,
        403,
        404,
        404,
        404,
        404,
        200,
    ],
    ("POST", G + "/application/accept", "review2", None): [401, 403, 403, 404, 404, 404, 404, 200],
    ("GET", G + "/decision", "decided", None): API_SEE,
    ("GET", G + "/decision/notice", "decided", None): API_SEE,
    ("GET", G + "/implementation", "decided", None): API_SEE,
    # ordered before the decision: refused with 4.(3)① (422)
    ("POST", G + "/procurements", "decided", "order"): [401, 422, 403, 404, 404, 404, 404, 403],
    ("POST", G + "/changes/verdict", "decided", "reallocation"): [
        401,
        200,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
    # a change is already waiting for the office (422)
    ("POST", G + "/changes", "decided", "reallocation"): [401, 422, 403, 404, 404, 404, 404, 403],
    # inspected in the future: refused (422)
    ("POST", G + "/interim-inspections", "decided", "inspection"): [
        401,
        403,
        403,
        404,
        404,
        404,
        404,
        422,
    ],
    # FY2025 has not ended: refused (422)
    ("POST", G + "/year-end-reports", "decided", "year_end"): [
        401,
        422,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
    ("POST", G + "/changes/{change}/decide", "change", "refuse"): [
        401,
        403,
        403,
        404,
        404,
        404,
        404,
        200,
    ],
    # the office refused it just above: only the representative may withdraw, while it waits
    ("POST", G + "/changes/{change}/withdraw", "change", None): [
        401,
        200,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
    ("POST", G + "/stop-requests/{stop}/decide", "stop", "refuse"): [
        401,
        403,
        403,
        404,
        404,
        404,
        404,
        200,
    ],
    ("POST", G + "/stop-requests", "decided", "suspend"): [
        401,
        201,
        403,
        404,
        404,
        404,
        404,
        403,
    ],
}


def _moved(budget: dict, yen: int) -> dict:
    out = {fy: dict(row) for fy, row in budget.items()}
    out["2024"]["equipment"] -= yen
    out["2024"]["construction"] += yen
    return out


@pytest.fixture
def objects(users, first_round, sample_document, settings) -> dict:
    rep, office = users["applicant"], users["office"]

    def grant(title: str):
        selection = adopted_selection(
            rep, office, first_round, sample_document, title=title, partner=users["partner"]
        )
        return opened_grant(selection, rep, settings)

    made: dict = {}
    made["bare"] = grant("bare")
    made["drafting"] = grant("drafting")
    made["document"] = award.application_document_add(
        actor=rep, grant=made["drafting"], kind="other", upload=agreement("other.pdf")
    )
    made["review"] = grant("review")
    filed_application(made["review"], rep, settings)
    made["review2"] = grant("review2")
    filed_application(made["review2"], rep, settings)
    for name in ("decided", "with_stop"):
        g = grant(name)
        filed_application(g, rep, settings)
        award.application_accept(actor=office, grant=g)
        decide(g, office, settings)
        g = fresh(g)
        made[name] = g
    budget = award.current_allocation(made["decided"]).budget
    made["change"] = award.change_request_submit(
        actor=rep,
        grant=made["decided"],
        kind="reallocation",
        description="big move",
        budget=_moved(budget, 20_000_000),
    )
    made["stop"] = award.stop_request_submit(
        actor=rep,
        grant=made["with_stop"],
        kind="suspend",
        whole=True,
        late_completion=False,
        reason="flood",
    )
    now(settings, "2024-09-01T10:00")
    return made


def _grant_of(obj):
    return obj if hasattr(obj, "selection_id") else obj.grant


def _url(name: str, obj) -> str:
    grant = _grant_of(obj)
    if name == "grants:award_document":
        return reverse(name, args=[grant.pk, obj.pk])
    if name in ("grants:award_change_decide", "grants:award_change_withdraw"):
        return reverse(name, args=[grant.pk, obj.pk])
    if name == "grants:award_stop_decide":
        return reverse(name, args=[grant.pk, obj.pk])
    if name == "grants:award_spending_xlsx":
        return reverse(name, args=[grant.pk, 2024])
    return reverse(name, args=[grant.pk])


def _client(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.parametrize("role", ROLES)
def test_page_matrix(role, users, objects) -> None:
    client = _client(users[role])
    got, want = {}, {}
    for (name, method, obj), expected in PAGES.items():
        url = _url(name, objects[obj])
        response = client.get(url) if method == "GET" else client.post(url, {})
        if response.streaming:  # read to the end: the test client then closes the file
            b"".join(response.streaming_content)
        got[name] = response.status_code
        want[name] = expected[ROLES.index(role)]
    assert got == want


def _body(kind, objects) -> tuple[dict | None, str]:
    budget = award.current_allocation(objects["decided"]).budget
    bodies = {
        "budget": {"budget": award.latest_version(objects["drafting"]).budget, "plan": "p"},
        "decision": {
            "decided_on": "2024-09-01",
            "amount_jpy": 1_000_000,
            "rate": "0.5",
            "completion_due": "2026-01-30",
        },
        "order": {
            "fiscal_year": 2024,
            "category": "equipment",
            "description": "d",
            "supplier": "s",
            "method": "tender",
            "ordered_on": "2024-08-01",
            "amount_jpy": 1,
        },
        "reallocation": {"kind": "reallocation", "description": "d", "budget": _moved(budget, 1)},
        "inspection": {"fiscal_year": 2024, "inspected_on": "2024-12-01"},
        "reason": {"reason": "r"},
        "message": {"message": "m"},
        "refuse": {"approve": False, "reason": "r"},
        "suspend": {"kind": "suspend", "reason": "r"},
        "year_end": {
            "fiscal_year": 2025,
            "spending": {"construction": 0, "equipment": 1, "admin": 0},
        },
    }
    if kind is None:
        return None, "json"
    if kind == "upload":
        return {"kind": "other", "file": agreement("x.pdf", b"%PDF-1.7 from the API")}, "multipart"
    return bodies[kind], "json"


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(role, users, objects) -> None:
    import json

    client = _client(users[role])
    got, want = {}, {}
    for (method, path, obj, kind), expected in API.items():
        target = objects[obj]
        grant = _grant_of(target)
        url = path.format(grant=grant.pk, document=target.pk, change=target.pk, stop=target.pk)
        if method == "GET":
            response = client.get(url)
        else:
            data, how = _body(kind, objects)
            if how == "multipart":
                response = client.post(url, data)
            else:
                response = client.post(url, json.dumps(data or {}), content_type="application/json")
        if response.streaming:  # a streamed file (the document): read to the end, then closed
            b"".join(response.streaming_content)
        key = f"{method} {path} ({obj})"
        got[key] = response.status_code
        want[key] = expected[ROLES.index(role)]
    assert got == want


def test_the_matrices_cover_every_page_and_operation_of_the_award_part() -> None:
    names = {f"grants:{p.name}" for p in views_award.urlpatterns}
    assert names == {name for name, _m, _o in PAGES}
    operations = {
        op.operation_id
        for path_view in api_award.router.path_operations.values()
        for op in path_view.operations
    }
    assert operations == set(api_award.OPERATIONS)
    paths = {
        (op_method, path)
        for path, path_view in api_award.router.path_operations.items()
        for op in path_view.operations
        for op_method in op.methods
    }
    covered = {(m, p.replace(G, "/grants/{grant_id}")) for m, p, _o, _b in API}
    normal = {
        (
            m,
            p.replace("{document}", "{document_id}")
            .replace("{change}", "{change_id}")
            .replace("{stop}", "{stop_id}"),
        )
        for m, p in covered
    }
    assert normal == paths
