"""The portfolio part's permission matrices (issue 10: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and
a check that each matrix names every URL / operation of the part.

On the world of ``creditsfactories_portfolio`` (project KE901 registered with two issuances):
the office's portfolio is the office's alone (MOEJ works with the office role): 404 for any
other role, 302 to the login page (page) or 401 (API) without a session. The public pages, the
open data and the public API answer everyone, signed in or not."""

from __future__ import annotations

import pytest
from creditsfactories_portfolio import world
from grantfactories_schedule import person
from test_api import client_for

from renkei.accounts.models import Role

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # an applicant of the representative participant of KE901
    "outsider",
    "office",
    "verifier",
    "reviewer",
    "secretariat",
    "joint_committee",  # of the project's country (KE)
    "registry",
]
OFFICE = [302, 404, 404, 200, 404, 404, 404, 404, 404]
EVERYONE = [200] * len(ROLES)

# (URL name, args) -> status per role, ROLES order
PAGES = {
    ("portfolio", ()): OFFICE,
    ("portfolio_public", ()): EVERYONE,
    ("portfolio_open_data_json", ()): EVERYONE,
    ("portfolio_open_data_csv", ("issuances",)): EVERYONE,
    ("portfolio_iati", ()): EVERYONE,
}


@pytest.fixture
def people():
    w = world()
    cast = w["cast"]
    return {
        "anonymous": None,
        "filer": cast.filer,
        "outsider": cast.outsider,
        "office": cast.office,
        "verifier": cast.verifier,
        "reviewer": cast.reviewer,
        "secretariat": person(Role.SECRETARIAT),
        "joint_committee": person(Role.JOINT_COMMITTEE, country="KE"),
        "registry": person(Role.REGISTRY),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_portfolio_page(role, people):
    from django.urls import reverse

    client = client_for(people[role])
    got, want = {}, {}
    for (name, args), expected in PAGES.items():
        response = client.get(reverse(f"credits:{name}", args=args))
        got[name], want[name] = response.status_code, expected[ROLES.index(role)]
    assert got == want


def test_the_page_matrix_covers_every_portfolio_url() -> None:
    from renkei.credits.views_portfolio import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


# (method, path) -> status per role, ROLES order
API = {
    ("GET", "/api/credits/portfolio"): [401, 404, 404, 200, 404, 404, 404, 404, 404],
    ("GET", "/api/credits/public/projects"): EVERYONE,
    ("GET", "/api/credits/public/issuances"): EVERYONE,
    ("GET", "/api/credits/public/holdings"): EVERYONE,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_portfolio_operation(role, people):
    client = client_for(people[role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        response = client.get(path)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want


def test_the_api_matrix_covers_every_portfolio_operation() -> None:
    import re

    from renkei.credits.api.portfolio import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
