"""Every role × the grant's own pages and API operations (the list, a grant's page, opening the
grant application of an adopted proposal), the expected answer written per cell, and a check
that the rows cover every URL name and operation of the grant itself (the parts' own matrices
cover theirs: test_grants_<part>_matrix.py, test_grants_portfolio.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories import adopted_selection, opened_grant

from renkei.grants import urls as grant_urls
from renkei.grants import views_award, views_closing, views_portfolio, views_schedule
from renkei.grants.models import Grant

pytestmark = pytest.mark.django_db

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

# (url name, method, object) -> expected status per role; rows run in this order
PAGES = {
    ("grants:list", "GET", None): [302, 200, 200, 200, 404, 404, 404, 200],
    ("grants:detail", "GET", "grant"): [302, 200, 200, 404, 404, 404, 404, 200],
    # only the representative (or the office) opens it; the partner sees the proposal (404
    # for the others, who do not see it); once opened, a second open is refused (302 back)
    ("grants:open", "POST", "adopted"): [302, 302, 404, 404, 404, 404, 404, 302],
}
CORE_NAMES = {"grants:list", "grants:detail", "grants:open"}

API = {
    ("GET", "/api/grants", None): [401, 200, 200, 200, 200, 200, 200, 200],
    ("GET", "/api/grants/{grant_id}", "grant"): [401, 200, 200, 404, 404, 404, 404, 200],
    ("POST", "/api/proposals/{proposal_id}/grant", "adopted2"): [
        401,
        201,  # the representative opens it
        403,  # the partner sees the proposal but may not open its grant
        404,
        404,
        404,
        404,
        403,  # already opened by the representative just before: nothing left to open
    ],
}


@pytest.fixture
def objects(users, first_round, sample_document, settings) -> dict:
    rep, office = users["applicant"], users["office"]
    made = {}
    for name in ("grant", "adopted", "adopted2"):
        made[name] = adopted_selection(
            rep, office, first_round, sample_document, title=name, partner=users["partner"]
        )
    made["grant"] = opened_grant(made["grant"], rep, settings)
    return made


def _client(users, role: str) -> Client:
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_the_grant_pages(role, users, objects) -> None:
    client = _client(users, role)
    for (name, method, obj), expected in PAGES.items():
        args = []
        if obj == "grant":
            args = [objects["grant"].pk]
        elif obj is not None:
            args = [objects[obj].proposal_id]
        url = reverse(name, args=args)
        response = client.get(url) if method == "GET" else client.post(url)
        want = expected[ROLES.index(role)]
        assert response.status_code == want, f"{role} {method} {name}: {response.status_code}"
    opened = Grant.objects.filter(selection=objects["adopted"]).exists()
    assert opened == (role in ("applicant", "office"))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_the_grant_operations(role, users, objects, settings) -> None:
    client = _client(users, role)
    if role == "office":  # the representative opened it first
        opened_grant(objects["adopted2"], users["applicant"], settings)
    for (method, path, obj), expected in API.items():
        url = path
        if obj == "grant":
            url = path.replace("{grant_id}", str(objects["grant"].pk))
        elif obj is not None:
            url = path.replace("{proposal_id}", str(objects[obj].proposal_id))
        response = client.get(url) if method == "GET" else client.post(url)
        want = expected[ROLES.index(role)]
        assert response.status_code == want, f"{role} {method} {path}: {response.status_code}"
        if method == "GET" and path == "/api/grants" and want == 200:
            seen = {row["id"] for row in response.json()}
            assert (objects["grant"].pk in seen) == (role in ("applicant", "partner", "office"))


def test_the_matrix_covers_every_url_of_the_grant_itself() -> None:
    """The grant's own URL names are in PAGES; every other name belongs to a part."""
    names = {f"grants:{p.name}" for p in grant_urls.urlpatterns}
    parts = {
        f"grants:{p.name}"
        for module in (views_award, views_closing, views_schedule, views_portfolio)
        for p in module.urlpatterns
    }
    assert names - parts == CORE_NAMES == {name for name, _m, _o in PAGES}
