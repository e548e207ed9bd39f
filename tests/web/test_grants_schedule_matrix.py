"""Who sees and does what in the grant's schedule part, on the pages and in the API: every role
on every URL and operation of the part, and tests that the matrices cover them all. The office
sees every grant's due dates and the calendar and marks done; the representative participant's
applicants and the partner participants' see their grant's due dates (read-only); everyone else
gets 404 (the grant's existence is not revealed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories_schedule import adopted_grant, decide, set_state

from renkei.grants import views_schedule
from renkei.grants.api import schedule as api_schedule
from renkei.grants.models import GrantDeadline
from renkei.grants.services.schedule import refresh_deadlines
from renkei.proposals.models import ProposalPartner

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",  # the representative participant's applicant (the filer of record)
    "partner",  # a partner participant's applicant: sees, does not act
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
]
# page -> expected status per role, in ROLES order; 302 is the login page for the anonymous
# caller, or the grant's page after a done action
PAGES = {
    ("grants:detail", "GET", "grant"): [302, 200, 200, 404, 200, 404, 404, 404],
    ("grants:schedule_calendar", "GET", None): [302, 404, 404, 404, 200, 404, 404, 404],
    ("grants:schedule_calendar_ics", "GET", None): [302, 404, 404, 404, 200, 404, 404, 404],
    ("grants:schedule_mark_done", "GET", "deadline"): [302, 404, 404, 404, 200, 404, 404, 404],
    ("grants:schedule_mark_done", "POST", "deadline"): [302, 404, 404, 404, 302, 404, 404, 404],
}
# API operation (method, path) -> expected status per role
API = {
    ("GET", "/api/grants/{grant}/deadlines"): [401, 200, 200, 404, 200, 404, 404, 404],
    ("GET", "/api/grant-deadlines"): [401, 403, 403, 403, 200, 403, 403, 403],
    ("POST", "/api/grant-deadlines/{deadline}/done"): [401, 403, 403, 404, 200, 404, 404, 404],
}


@pytest.fixture
def world(users):
    grant = adopted_grant(naiji="2024-07-16", applicant=users["applicant"])
    ProposalPartner.objects.create(
        proposal=grant.selection.proposal,
        organisation=users["partner"].organisation,
        added_by=users["applicant"],
    )
    decide(grant)
    grant.completed_on = dt.date(2025, 12, 20)
    grant.save()
    set_state(grant, "completed")
    refresh_deadlines(grant)
    # the one kind of due date the office marks done (no record of the stage closes it)
    return {"grant": grant, "deadline": grant.deadlines.get(key="jcm_registration")}


def _client(users, role) -> Client:
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_schedule_page(role, users, world) -> None:
    client = _client(users, role)
    got, want = {}, {}
    for (name, method, obj), expected in PAGES.items():
        url = reverse(name, args=[world[obj].pk] if obj else [])
        response = client.get(url) if method == "GET" else client.post(url, {"reason": "paper"})
        label = f"{method} {name}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    row = GrantDeadline.objects.get(pk=world["deadline"].pk)
    assert (row.done_at is not None) == (role == "office")  # only the office marked it done


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_schedule_operation(role, users, world) -> None:
    client = _client(users, role)
    got, want = {}, {}
    for (method, template), expected in API.items():
        path = template.format(grant=world["grant"].pk, deadline=world["deadline"].pk)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, {"reason": "paper"}, content_type="application/json")
        label = f"{method} {template}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want


def test_the_panel_offers_marking_done_only_to_the_office(users, world) -> None:
    url = reverse("grants:detail", args=[world["grant"].pk])
    mark = reverse("grants:schedule_mark_done", args=[world["deadline"].pk])
    assert mark in _client(users, "office").get(url).content.decode()
    for role in ("applicant", "partner"):
        page = _client(users, role).get(url).content.decode()
        assert "2024-08-15" in page and mark not in page


def test_the_matrices_cover_every_url_and_operation_of_the_part() -> None:
    names = {f"grants:{p.name}" for p in views_schedule.urlpatterns}
    assert names <= {name for name, _, _ in PAGES}
    operations = {
        (
            method,
            "/api" + path.replace("{grant_id}", "{grant}").replace("{deadline_id}", "{deadline}"),
        )
        for path, path_view in api_schedule.router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }
    assert operations == set(API)
