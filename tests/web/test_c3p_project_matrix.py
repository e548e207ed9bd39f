"""The C3P project part's permission matrices (issue 11: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and a
check that each matrix names every URL / operation of the part.

On a project just opened from an adopted proposal (its first year in planning): 404 for who may
not see it, 403 for who sees it but may not act, 302 to the login page (pages) or 401 (API)
without a session. Pages are posted empty: who may act gets the page back with the form's errors
(200), nothing changes. API bodies are valid: the lead files the plan (200), and every other
operation of the lead or the office is refused by the year's state (422), which says why."""

from __future__ import annotations

import re

import pytest
from c3pfactories_project import adopted_proposal, cast
from django.urls import reverse
from test_api import client_for, post_json

from renkei.c3p.services.project import c3p_project_create

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "lead",  # an applicant of the lead organisation (the proposal's representative)
    "partner",  # an applicant of a partner participant of the proposal
    "outsider",  # an applicant of another organisation
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
SEES = [302, 200, 200, 404, 200, 404, 404, 404]
FILE = [302, 200, 403, 404, 403, 404, 404, 404]
RUN = [302, 403, 403, 404, 200, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("project_list", "GET"): SEES,
    ("project_create", "POST"): [302, 404, 404, 404, 302, 404, 404, 404],  # office: exists
    ("project_detail", "GET"): SEES,
    ("project_plan", "POST"): FILE,
    ("project_contract", "POST"): RUN,
    ("project_change", "POST"): RUN,
    ("project_activity", "POST"): FILE,
    ("project_settlement", "POST"): FILE,
    ("project_report", "POST"): FILE,
    ("project_close", "POST"): RUN,
    ("project_renew", "POST"): RUN,
}


@pytest.fixture
def world(settings):
    people = cast()
    proposal = adopted_proposal(people, settings)
    project = c3p_project_create(actor=people.office, proposal=proposal)
    who = {"anonymous": None, **{r: getattr(people, r) for r in ROLES[1:]}}
    return {"project": project, "proposal": proposal, "people": who}


def _url(name: str, world) -> str:
    if name == "project_list":
        return reverse("c3p:project_list")
    if name == "project_create":
        return reverse("c3p:project_create", args=[world["proposal"].pk])
    return reverse(f"c3p:{name}", args=[world["project"].pk])


P = "/api/c3p/projects/{project}"
PLAN = {
    "overview": "o",
    "methods": "m",
    "structure": "s",
    "timeline": "t",
    "requested_jpy": 19_000_000,
}
BODIES = {
    "/api/c3p/projects": {"proposal_id": 0},  # the fixture's proposal, set in the test
    P + "/plan": PLAN,
    P + "/contract": {"amount_jpy": 18_000_000, "signed_on": "2025-07-01"},
    P + "/change": {"kind": "suspension", "reason": "r"},
    P + "/activities": {"item": "3", "title": "Kick-off", "held_on": "2025-07-10"},
    P + "/settlements": {
        "kind": "interim",
        "lines": [{"category": "personnel", "description": "Staff", "amount_jpy": 100}],
    },
    P + "/report": {"business_report": "r", "deliverables": ["report_dvd"]},
    P + "/close": {},
    P + "/renew": {},
}
A_SEES = [401, 200, 200, 404, 200, 404, 404, 404]
A_FILE = [401, 422, 403, 404, 403, 404, 404, 404]  # the lead: refused by the year's state
A_RUN = [401, 403, 403, 404, 422, 404, 404, 404]
# (method, path) -> status per role, ROLES order; the lead files the plan first (200), so its
# later filings meet a year whose plan is in (still refused: not contracted)
API = {
    ("GET", "/api/c3p/projects"): A_SEES,
    ("POST", "/api/c3p/projects"): [401, 404, 404, 404, 422, 404, 404, 404],
    ("GET", P): A_SEES,
    ("POST", P + "/plan"): [401, 200, 403, 404, 403, 404, 404, 404],
    ("POST", P + "/contract"): A_RUN,
    ("POST", P + "/change"): A_RUN,
    ("POST", P + "/activities"): A_FILE,
    ("POST", P + "/settlements"): A_FILE,
    ("POST", P + "/report"): A_FILE,
    ("POST", P + "/close"): A_RUN,
    ("POST", P + "/renew"): A_RUN,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page_and_operation(role, world) -> None:
    project = world["project"]
    client = client_for(world["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, world)
        response = client.get(url) if method == "GET" else client.post(url, {})
        key = f"{method} {name}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    year = project.years.get()
    assert year.state == "planning"  # the empty forms changed nothing
    for (method, path), expected in API.items():
        url = path.format(project=project.pk)
        body = dict(BODIES.get(path, {}))
        if path == "/api/c3p/projects":
            body["proposal_id"] = world["proposal"].pk
        response = client.get(url) if method == "GET" else post_json(client, url, body)
        key = f"{method} {path}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    year.refresh_from_db()
    assert year.state == ("plan_submitted" if role == "lead" else "planning")


def test_the_page_matrix_covers_every_project_url() -> None:
    from renkei.c3p.views_project import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


def test_the_api_matrix_covers_every_project_operation() -> None:
    from renkei.c3p.api.project import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
