"""The matching part's permission matrices (issue 11: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and a
check that each matrix names every URL / operation of the part.

On ``c3pfactories_partnership.world()`` (a need of the partner city, a solution of the company,
the company's open conversation about the need): 404 for roles with no part in matching and for
a conversation one is not party to, 403 for who reads but may not act, 302 to the login page
(pages) or 401 (API) without a session. Forms are posted empty: who may act gets the form back
with its errors (200); the close buttons (last) close what their owner or the office closes."""

from __future__ import annotations

import pytest
from c3pfactories_partnership import ROLES, people, world
from django.urls import reverse
from test_api import client_for, post_json

from renkei.c3p.models import ContactMessage, Need, Solution

pytestmark = pytest.mark.django_db

READ = [302, 200, 200, 200, 200, 200, 404, 404, 404, 404]
REDIRECT = [302, 302, 302, 302, 302, 302, 404, 404, 404, 404]
NEED_NEW = [302, 403, 403, 200, 403, 200, 404, 404, 404, 404]
SOLUTION_NEW = [302, 403, 200, 403, 200, 403, 404, 404, 404, 404]
CONTACT_NEED = [302, 403, 200, 403, 200, 200, 404, 404, 404, 404]
CONTACT_SOLUTION = [302, 403, 200, 200, 403, 200, 404, 404, 404, 404]
CONVERSATION = [302, 200, 404, 200, 200, 404, 404, 404, 404, 404]
ANSWER = [302, 403, 404, 200, 200, 404, 404, 404, 404, 404]
CLOSE_NEED = [302, 302, 403, 302, 403, 403, 404, 404, 404, 404]
CLOSE_SOLUTION = [302, 302, 403, 403, 302, 403, 404, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order; the close buttons come last
PAGES = {
    ("matching_index", "GET"): READ,
    ("matching_need_new", "GET"): NEED_NEW,
    ("matching_need_new", "POST"): NEED_NEW,
    ("matching_solution_new", "GET"): SOLUTION_NEW,
    ("matching_solution_new", "POST"): SOLUTION_NEW,
    ("matching_need", "GET"): READ,
    ("matching_solution", "GET"): READ,
    ("matching_need_contact", "GET"): REDIRECT,
    ("matching_need_contact", "POST"): CONTACT_NEED,
    ("matching_solution_contact", "GET"): REDIRECT,
    ("matching_solution_contact", "POST"): CONTACT_SOLUTION,
    ("matching_contacts", "GET"): READ,
    ("matching_contact", "GET"): CONVERSATION,
    ("matching_contact", "POST"): ANSWER,
    ("matching_need_close", "GET"): REDIRECT,
    ("matching_solution_close", "GET"): REDIRECT,
    ("matching_need_close", "POST"): CLOSE_NEED,
    ("matching_solution_close", "POST"): CLOSE_SOLUTION,
}


@pytest.fixture
def w():
    return world()


def _url(name: str, w) -> str:
    if name in (
        "matching_index",
        "matching_need_new",
        "matching_solution_new",
        "matching_contacts",
    ):
        return reverse(f"c3p:{name}")
    if name == "matching_contact":
        return reverse("c3p:matching_contact", args=[w.contact.pk])
    record = w.need if "need" in name else w.solution
    return reverse(f"c3p:{name}", args=[record.pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_matching_page(role, w) -> None:
    client = client_for(people(w)[role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, w)
        response = client.get(url) if method == "GET" else client.post(url, {})
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert Need.objects.count() == 1 and Solution.objects.count() == 1
    assert ContactMessage.objects.count() == 1  # empty forms sent nothing


def test_the_page_matrix_covers_every_matching_url() -> None:
    from renkei.c3p.views_matching import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


M = "/api/c3p/matching"
API = {
    ("GET", M + "/needs"): [401, 200, 200, 200, 200, 200, 404, 404, 404, 404],
    ("POST", M + "/needs"): [401, 403, 403, 201, 403, 201, 404, 404, 404, 404],
    ("GET", M + "/needs/{need}"): [401, 200, 200, 200, 200, 200, 404, 404, 404, 404],
    ("GET", M + "/solutions"): [401, 200, 200, 200, 200, 200, 404, 404, 404, 404],
    ("POST", M + "/solutions"): [401, 403, 201, 403, 201, 403, 404, 404, 404, 404],
    # the company is in contact about the need already (422: write in that conversation)
    ("POST", M + "/needs/{need}/contacts"): [401, 403, 201, 403, 422, 201, 404, 404, 404, 404],
    ("POST", M + "/solutions/{solution}/contacts"): [
        401,
        403,
        201,
        201,
        403,
        201,
        404,
        404,
        404,
        404,
    ],
    ("GET", M + "/contacts/{contact}"): [401, 200, 404, 200, 200, 404, 404, 404, 404, 404],
    ("POST", M + "/contacts/{contact}/messages"): [
        401,
        403,
        404,
        201,
        201,
        404,
        404,
        404,
        404,
        404,
    ],
}
BODIES = {
    M + "/needs": {"sector": "waste", "title": "Landfill", "problem": "Methane from landfill."},
    M + "/solutions": {"title": "Biogas", "sectors": ["waste"], "technology": "Digesters"},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_matching_operation(role, w) -> None:
    client = client_for(people(w)[role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(need=w.need.pk, solution=w.solution.pk, contact=w.contact.pk)
        if method == "GET":
            response = client.get(url)
        else:
            response = post_json(client, url, BODIES.get(path, {"message": "Hello."}))
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    body = str(client.get(M + "/needs/" + str(w.need.pk)).content)
    assert "@example.org" not in body  # no e-mail address in what matching answers


def test_the_api_matrix_covers_every_matching_operation() -> None:
    import re

    from renkei.c3p.api.matching import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
