"""The C3P activity part's permission matrices (issue 11: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and a
check that each matrix names every URL / operation of the part.

On a project whose first year is contracted (signed 2025-07-01, the clock in September 2025) with
one planned activity and July's monthly report submitted: 404 for who may not see it, 403 for
who sees it but may not act, 302 to the login page (pages) or 401 (API) without a session.
Pages are posted empty: who may act gets the page back with the form's errors (200) and nothing
changes (the acknowledgement, which takes no fields, redirects: 302). API bodies are valid: the
lead's filings and the office's decisions are done (200), the office's acknowledgement once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from c3pfactories_project import adopted_proposal, cast, contracted_year
from django.urls import reverse
from test_api import client_for, post_json

from renkei.c3p.models import C3pActivity
from renkei.c3p.services import activity as svc
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
LEAD = [302, 200, 403, 404, 403, 404, 404, 404]
OFFICE = [302, 403, 403, 404, 200, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("activity_project", "GET"): SEES,
    ("activity_plan", "POST"): LEAD,
    ("activity_done", "POST"): LEAD,
    ("activity_cancel", "POST"): LEAD,
    ("activity_evidence", "GET"): [302, 404, 404, 404, 404, 404, 404, 404],  # none uploaded
    ("activity_monthly_submit", "POST"): LEAD,
    ("activity_monthly_ack", "POST"): [302, 403, 403, 404, 302, 404, 404, 404],
    ("activity_monthly_file", "GET"): [302, 404, 404, 404, 404, 404, 404, 404],  # text only
    ("activity_monthly_due", "POST"): OFFICE,
    ("activity_calendar", "GET"): SEES,
    ("activity_calendar_ics", "GET"): SEES,
}


@pytest.fixture
def world(settings):
    people = cast()
    proposal = adopted_proposal(people, settings)
    project = c3p_project_create(actor=people.office, proposal=proposal)
    year = contracted_year(people, project.years.get())
    settings.RENKEI_DEMO_NOW = "2025-09-20T10:00:00+09:00"
    activity = svc.c3p_activity_plan(
        actor=people.lead, year=year, item="4", title="Survey", planned_on=dt.date(2025, 9, 10)
    )
    report = svc.c3p_monthly_submit(actor=people.lead, year=year, month="2025-07", text="July")
    who = {"anonymous": None, **{r: getattr(people, r) for r in ROLES[1:]}}
    return {"project": project, "activity": activity, "report": report, "people": who}


def _url(name: str, world) -> str:
    if name in ("activity_calendar", "activity_calendar_ics"):
        return reverse(f"c3p:{name}")
    if name in ("activity_done", "activity_cancel", "activity_evidence"):
        return reverse(f"c3p:{name}", args=[world["activity"].pk])
    if name in ("activity_monthly_ack", "activity_monthly_file"):
        return reverse(f"c3p:{name}", args=[world["report"].pk])
    return reverse(f"c3p:{name}", args=[world["project"].pk])


P = "/api/c3p/projects/{project}"
A = "/api/c3p/activities/{activity}"
R = "/api/c3p/monthly-reports/{report}"
BODIES = {
    P + "/activities/plan": {"item": "5", "title": "Workshop", "planned_on": "2025-09-16"},
    A + "/done": {"held_on": "2025-09-10", "note": "ok"},
    A + "/cancel": {"reason": "postponed"},
    P + "/monthly-reports": {"month": "2025-08", "text": "August"},
    R + "/acknowledge": {},
    P + "/monthly-due": {"due_day": 10, "basis": "specs"},
}
A_SEES = [401, 200, 200, 404, 200, 404, 404, 404]
A_LEAD = [401, 200, 403, 404, 403, 404, 404, 404]
A_OFFICE = [401, 403, 403, 404, 200, 404, 404, 404]
# (method, path) -> status per role, ROLES order; the lead marks the survey done before it
# tries to cancel it, so its cancellation is refused by the activity's state (422)
API = {
    ("GET", P + "/activities/year"): A_SEES,
    ("POST", P + "/activities/plan"): A_LEAD,
    ("POST", A + "/done"): A_LEAD,
    ("POST", A + "/cancel"): [401, 422, 403, 404, 403, 404, 404, 404],
    ("POST", P + "/monthly-reports"): A_LEAD,
    ("POST", R + "/acknowledge"): A_OFFICE,
    ("POST", P + "/monthly-due"): A_OFFICE,
    ("GET", "/api/c3p/calendar"): A_SEES,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page_and_operation(role, world) -> None:
    client = client_for(world["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, world)
        response = client.get(url) if method == "GET" else client.post(url, {})
        if hasattr(response, "streaming_content"):  # read, not closed: closing ends the
            b"".join(response.streaming_content)  # test's database connection (PostgreSQL)
        key = f"{method} {name}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    activity = C3pActivity.objects.get(pk=world["activity"].pk)
    assert activity.state == "planned"  # the empty forms changed nothing
    ids = {
        "project": world["project"].pk,
        "activity": world["activity"].pk,
        "report": world["report"].pk,
    }
    world["report"].refresh_from_db()
    if role == "office":  # the page acknowledged it: the API's acknowledgement needs a fresh one
        world["report"].acknowledged_at = world["report"].acknowledged_by = None
        world["report"].save()
    for (method, path), expected in API.items():
        url = path.format(**ids)
        body = BODIES.get(path, {})
        response = client.get(url) if method == "GET" else post_json(client, url, body)
        key = f"{method} {path}"
        got[key], want[key] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    activity.refresh_from_db()
    assert activity.state == ("done" if role == "lead" else "planned")


def test_the_page_matrix_covers_every_activity_url() -> None:
    from renkei.c3p.views_activity import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


def test_the_api_matrix_covers_every_activity_operation() -> None:
    from renkei.c3p.api.activity import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
