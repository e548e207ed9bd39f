"""Every role × every page of screening and review, and of the office's account requests: the
expected answer written out per cell (the proposal and selection pages have their own matrices
in test_permission_matrix.py and test_adoption.py).

Objects: a submitted proposal whose screening has started; the reviewer's assignment on it, not
yet declared. GETs read; POSTs carry harmless or invalid data so the state stays the same, and
what a role may not reach answers 404 (302 to the login page for the anonymous caller).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from webfactories import submitted_proposal

from renkei.accounts.services import account_request_create
from renkei.adoption.demo import DOCUMENTS  # every document of 5.(3)
from renkei.reviews import services

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
MATRIX = {
    ("reviews:intake", "GET", None): [302, 404, 404, 200, 404, 404, 404],
    ("reviews:ranking", "GET", None): [302, 404, 404, 200, 404, 404, 404],
    ("reviews:screening", "GET", "proposal"): [302, 404, 404, 200, 404, 404, 404],
    ("reviews:decide", "POST", "item"): [302, 404, 404, 302, 404, 404, 404],
    ("reviews:complete", "POST", "screening"): [302, 404, 404, 302, 404, 404, 404],
    ("reviews:assign", "GET", None): [302, 404, 404, 200, 404, 404, 404],
    ("reviews:summary", "GET", "proposal"): [302, 404, 404, 200, 404, 404, 404],
    ("reviews:my_reviews", "GET", None): [302, 404, 404, 404, 200, 404, 404],
    ("reviews:score", "GET", "assignment"): [302, 404, 404, 404, 404, 404, 404],
    ("reviews:declare", "POST", "assignment"): [302, 404, 404, 404, 302, 404, 404],
    ("reviews:submit_review", "POST", "assignment"): [302, 404, 404, 404, 404, 404, 404],
    ("reviews:reset_conflict", "POST", "assignment"): [302, 404, 404, 302, 404, 404, 404],
    ("reviews:withdraw", "POST", "assignment"): [302, 404, 404, 302, 404, 404, 404],
    ("reviews:reopen", "POST", "assignment"): [302, 404, 404, 302, 404, 404, 404],
    ("accounts:requests", "GET", None): [302, 404, 404, 200, 404, 404, 404],
    ("accounts:request_decide", "POST", "account_request"): [302, 404, 404, 302, 404, 404, 404],
}


@pytest.fixture
def objects(users, first_round, sample_document, settings):
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    proposal = submitted_proposal(
        users["applicant"],
        first_round,
        sample_document,
        "m",
        country="KE",
        uploads=dict(DOCUMENTS),
        at="2024-05-10T09:00",
    )
    screening = services.screening_start(actor=users["office"], proposal=proposal)
    for item in screening.items.filter(decision=""):
        services.screening_item_decide(
            actor=users["office"], item=item, decision="pass", reason="checked"
        )
    services.screening_complete(actor=users["office"], screening=screening)
    (assignment,) = services.review_assign_balanced(
        actor=users["office"], proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
    )
    request = account_request_create(
        actor=None,
        organisation_name="x",
        organisation_country="JP",
        contact_name="x",
        email="x@example.org",
    )
    return {
        "proposal": proposal.pk,
        "item": screening.items.first().pk,
        "screening": screening.pk,
        "assignment": assignment.pk,
        "account_request": request.pk,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_review_page(role, users, objects) -> None:
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    got, want = {}, {}
    for (name, method, obj), expected in MATRIX.items():
        url = reverse(name, args=[objects[obj]] if obj else [])
        data = {"decision": "", "reason": "", "has_conflict": ""}  # incomplete: no change
        response = client.get(url) if method == "GET" else client.post(url, data)
        label = f"{method} {name} {obj or ''}".strip()
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want


def test_the_matrix_covers_every_review_and_account_url() -> None:
    from renkei.accounts.urls import urlpatterns as accounts
    from renkei.reviews.urls import urlpatterns as reviews

    names = {f"reviews:{p.name}" for p in reviews} | {
        f"accounts:{p.name}" for p in accounts if p.name in ("requests", "request_decide")
    }
    assert names == {name for name, _, _ in MATRIX}
