"""The selection optimiser's permission matrices (issue 13): every role × every page and every
API operation of the selection board's optimiser, the expected answer written out per cell, and
a check that each matrix names every URL / operation of the part.

The office's alone, as the ranking: 404 for every other role (who may not know the board
exists), 302 to the login page (pages) or 401 (API) without a session. On the two-sample round
of ``small_round`` with one stored run; the bodies are valid, so the office's runs are made."""

from __future__ import annotations

import re

import pytest
from adoptionfactories_optimiser import small_round  # noqa: F401 (the fixture)
from django.urls import reverse
from test_api import client_for, post_json

from renkei.adoption import optimiser
from renkei.adoption.models import OptimiserRun

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",  # the samples' representative
    "other_applicant",
    "partner",
    "office",
    "reviewer",  # reviewed the samples
    "secretariat",
    "joint_committee",
]
OFFICE_PAGE = [302, 404, 404, 404, 200, 404, 404, 404]
OFFICE_POST = [302, 404, 404, 404, 302, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("selection_board", "GET"): OFFICE_PAGE,
    ("selection_board", "POST"): OFFICE_POST,
    ("selection_board_run", "GET"): OFFICE_PAGE,
    ("selection_board_run", "POST"): OFFICE_POST,
    ("selection_board_rerun", "POST"): OFFICE_POST,
}
FORM = {"objective": "score", "limits": "", "time_limit_s": "5"}


@pytest.fixture
def stored(small_round):  # noqa: F811
    run = optimiser.optimiser_run(
        actor=small_round["office"], round=small_round["round"], settings=optimiser.Settings()
    )
    return {**small_round, "run": run}


def _page_url(name: str, stored) -> str:
    if name == "selection_board":
        return reverse("adoption:selection_board") + f"?round={stored['round'].pk}"
    return reverse(f"adoption:{name}", args=[stored["run"].pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_selection_board_page(role, stored):
    client = client_for(stored["users"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _page_url(name, stored)
        response = client.get(url) if method == "GET" else client.post(url, FORM)
        got[f"{method} {name}"] = response.status_code
        want[f"{method} {name}"] = expected[ROLES.index(role)]
    assert got == want
    made = OptimiserRun.objects.count() - 1  # the fixture's
    assert made == (3 if role == "office" else 0)


def test_the_page_matrix_covers_every_selection_board_url() -> None:
    from renkei.adoption.views_optimiser import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


R = "/api/rounds/{round}/selection-optimiser/runs"
RUN = "/api/selection-optimiser/runs/{run}"
BODY = {"objective": "tco2", "limits": [{"kind": "country", "key": "MN", "max": 2}]}
# (method, path) -> status per role, ROLES order
API = {
    ("POST", R): [401, 404, 404, 404, 201, 404, 404, 404],
    ("GET", R): [401, 404, 404, 404, 200, 404, 404, 404],
    ("GET", RUN): [401, 404, 404, 404, 200, 404, 404, 404],
    ("POST", RUN + "/rerun"): [401, 404, 404, 404, 201, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_selection_board_operation(role, stored):
    client = client_for(stored["users"][role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(round=stored["round"].pk, run=stored["run"].pk)
        response = client.get(url) if method == "GET" else post_json(client, url, BODY)
        got[f"{method} {path}"] = response.status_code
        want[f"{method} {path}"] = expected[ROLES.index(role)]
    assert got == want
    assert OptimiserRun.objects.count() - 1 == (2 if role == "office" else 0)


def test_the_api_matrix_covers_every_selection_board_operation() -> None:
    from renkei.adoption.api_optimiser import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
