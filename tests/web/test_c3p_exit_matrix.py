"""The C3P exit part's permission matrices (issue 11: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and a
check that each matrix names every URL / operation of the part.

On a C3P project just opened, with one exit into a Table 8 scheme recorded by the lead: 404 for
who may not see the project (the funnel: everyone but the office), 403 for who sees it but may not
act (the partner participant, the office on the lead's actions), 302 to the login page (pages) or
401 (API) without a session. Pages are posted empty: the lead gets the form back with its errors
(400), nothing changes. API bodies are valid: the lead starts the JCM proposal, records an exit
and moves the recorded one (201, 201, 200)."""

from __future__ import annotations

import re

import pytest
from c3pfactories_exit import exit_world
from django.urls import reverse
from test_api import client_for, post_json

from renkei.c3p.models import C3pExit
from renkei.c3p.services.exit import c3p_exit_record
from renkei.proposals.models import Proposal

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "lead",  # an applicant of the lead organisation (the C3P proposal's representative)
    "partner",  # an applicant of a partner participant of the C3P proposal
    "outsider",  # an applicant of another organisation
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
LEAD_PAGE = [302, 200, 403, 404, 403, 404, 404, 404]
LEAD_POST = [302, 400, 403, 404, 403, 404, 404, 404]
OFFICE = [302, 404, 404, 404, 200, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("exit_start", "GET"): LEAD_PAGE,
    ("exit_start", "POST"): LEAD_POST,
    ("exit_record", "GET"): LEAD_PAGE,
    ("exit_record", "POST"): LEAD_POST,
    ("exit_status", "POST"): LEAD_POST,
    ("exit_funnel", "GET"): OFFICE,
}


@pytest.fixture
def world(settings):
    w = exit_world(settings)
    w.exit = c3p_exit_record(actor=w.people.lead, project=w.project, scheme_id="jica_biz")
    return w


def _url(name: str, w) -> str:
    if name == "exit_funnel":
        return reverse("c3p:exit_funnel")
    if name == "exit_status":
        return reverse("c3p:exit_status", args=[w.exit.pk])
    return reverse(f"c3p:{name}", args=[w.project.pk])


API = {
    ("GET", "/api/c3p/exits/schemes"): [401, 200, 200, 200, 200, 200, 200, 200],
    ("GET", "/api/c3p/projects/{project}/exits"): [401, 200, 200, 404, 200, 404, 404, 404],
    ("POST", "/api/c3p/projects/{project}/exits/jcm"): [401, 201, 403, 404, 403, 404, 404, 404],
    ("POST", "/api/c3p/projects/{project}/exits"): [401, 201, 403, 404, 403, 404, 404, 404],
    ("POST", "/api/c3p/exits/{exit}/status"): [401, 200, 403, 404, 403, 404, 404, 404],
    ("GET", "/api/c3p/funnel"): [401, 404, 404, 404, 200, 404, 404, 404],
}


def _body(path: str, w) -> dict:
    if path.endswith("/exits/jcm"):
        return {"round_id": w.round.pk, "title": "JCM: heat pumps", "technologies": ["heat_pump"]}
    if path.endswith("/exits"):
        return {"other_name": "ASEAN city fund", "link": "https://example.org/fund"}
    if path.endswith("/status"):
        return {"status": "applied"}
    return {}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page_and_operation(role, world) -> None:
    who = None if role == "anonymous" else getattr(world.people, role)
    client = client_for(who)
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, world)
        response = client.get(url) if method == "GET" else client.post(url, {})
        key = f"{method} {name}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    # the empty forms changed nothing
    assert not Proposal.objects.filter(c3p_origin=world.project).exists()
    assert C3pExit.objects.get().status == "considering"
    for (method, path), expected in API.items():
        url = path.format(project=world.project.pk, exit=world.exit.pk)
        if method == "GET":
            response = client.get(url)
        else:
            response = post_json(client, url, _body(path, world))
        key = f"{method} {path}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    world.exit.refresh_from_db()
    assert world.exit.status == ("applied" if role == "lead" else "considering")
    started = Proposal.objects.filter(c3p_origin=world.project).count()
    assert started == (1 if role == "lead" else 0)


def test_the_page_matrix_covers_every_exit_url() -> None:
    from renkei.c3p.views_exit import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


def test_the_api_matrix_covers_every_exit_operation() -> None:
    from renkei.c3p.api.exit import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
