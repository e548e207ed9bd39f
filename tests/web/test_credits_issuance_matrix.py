"""The issuance part's permission matrices (issue 10: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and
a check that each matrix names every URL / operation of the part.

On a registered project of Kenya with a submitted request for its first verified period (the
second verified period is free): 404 for who may not see it, 403 for who sees it but may not
act, 302 to the login page (pages) or 401 (API) without a session. Pages are posted empty: the
form comes back with its errors (200) and nothing changes, except the filer's withdrawal (302),
tried last. The API bodies are valid: the filer drafts a request for the free period (201) and
withdraws the submitted one (200); the Joint Committee of Kenya issues (200), and its refusal
after that is refused (422)."""

from __future__ import annotations

import re

import pytest
from creditsfactories_issuance import NOW, issuance_project
from django.urls import reverse
from test_api import client_for, post_json, put_json

from renkei.credits.models import Issuance, IssuanceRequest, RequestState
from renkei.credits.services import issuance as services

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # an applicant of the representative participant
    "partner",  # an applicant of a partner participant
    "outsider",
    "office",
    "jc",  # the Joint Committee contact of the project's country (KE)
    "other_jc",  # of another country
    "registry",
    "verifier",
    "reviewer",
    "secretariat",
]
SEES = [302, 200, 200, 404, 200, 200, 404, 200, 404, 404, 404]
FILE = [302, 200, 403, 404, 403, 403, 404, 403, 404, 404, 404]
DECIDE = [302, 403, 403, 404, 403, 200, 404, 403, 404, 404, 404]
WITHDRAW = [302, 302, 403, 404, 403, 403, 404, 403, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order; the withdrawal last
PAGES = {
    ("issuance_list", "GET"): SEES,
    ("issuance_project", "GET"): SEES,
    ("issuance_request_new", "POST"): FILE,
    ("issuance_request", "GET"): SEES,
    ("issuance_request_periods", "POST"): FILE,
    ("issuance_request_submit", "POST"): FILE,
    ("issuance_request_approve", "POST"): DECIDE,
    ("issuance_request_refuse", "POST"): DECIDE,
    ("issuance_request_withdraw", "POST"): WITHDRAW,
}


@pytest.fixture
def x(settings):
    settings.RENKEI_DEMO_NOW = NOW
    found = issuance_project()
    who = found["cast"]
    req = services.issuance_request_create(
        actor=who.filer, project=found["project"], periods=found["periods"][:1]
    )
    found["request"] = services.issuance_request_submit(actor=who.filer, request=req)
    found["people"] = {"anonymous": None} | {r: getattr(who, r) for r in ROLES[1:]}
    return found


def _url(name: str, x) -> str:
    if name == "issuance_list":
        return reverse("credits:issuance_list")
    pk = x["project"].pk if name in ("issuance_project", "issuance_request_new") else None
    return reverse(f"credits:{name}", args=[pk or x["request"].pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_issuance_page(role, x) -> None:
    client = client_for(x["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, x)
        response = client.get(url) if method == "GET" else client.post(url, {})
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    state = IssuanceRequest.objects.get(pk=x["request"].pk).state
    assert state == (RequestState.WITHDRAWN if role == "filer" else RequestState.SUBMITTED)
    assert IssuanceRequest.objects.count() == 1 and not Issuance.objects.exists()


def test_the_page_matrix_covers_every_issuance_url() -> None:
    from renkei.credits.views_issuance import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


PP = "/api/credits/projects/{project}"
RQ = "/api/credits/issuance-requests/{request}"
SEES_API = [401, 200, 200, 404, 200, 200, 404, 200, 404, 404, 404]
# (method, path) -> status per role, ROLES order (run in this order)
API = {
    ("GET", PP + "/issuance"): SEES_API,
    ("GET", PP + "/issuance-requests"): SEES_API,
    ("POST", PP + "/issuance-requests"): [401, 201, 403, 404, 403, 403, 404, 403, 404, 404, 404],
    ("GET", RQ): SEES_API,
    ("PUT", RQ + "/periods"): [401, 422, 403, 404, 403, 403, 404, 403, 404, 404, 404],
    ("POST", RQ + "/submit"): [401, 422, 403, 404, 403, 403, 404, 403, 404, 404, 404],
    ("POST", RQ + "/approve"): [401, 403, 403, 404, 403, 200, 404, 403, 404, 404, 404],
    ("POST", RQ + "/refuse"): [401, 403, 403, 404, 403, 422, 404, 403, 404, 404, 404],
    ("POST", RQ + "/withdraw"): [401, 200, 403, 404, 403, 403, 404, 403, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_issuance_operation(role, x) -> None:
    client = client_for(x["people"][role])
    free = x["periods"][1].pk
    bodies = {
        "/issuance-requests": {"periods": [free]},
        "/periods": {"periods": [free]},
        "/approve": {},
        "/refuse": {"reason": "The monitoring report is incomplete."},
    }
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(project=x["project"].pk, request=x["request"].pk)
        body = next((b for end, b in bodies.items() if path.endswith(end)), {})
        if method == "GET":
            response = client.get(url)
        elif method == "PUT":
            response = put_json(client, url, body)
        else:
            response = post_json(client, url, body)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert IssuanceRequest.objects.count() == (2 if role == "filer" else 1)
    assert Issuance.objects.count() == (1 if role == "jc" else 0)


def test_the_api_matrix_covers_every_issuance_operation() -> None:
    from renkei.credits.api.issuance import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
