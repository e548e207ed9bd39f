"""The period part's permission matrices (issue 9): every role × every page and every API
operation of the monitoring periods, the expected answer written out per cell, and a check that
each matrix names every URL / operation of the part.

On a plan with a verified period (assigned to the verifier's TPE) and a computed draft: 404 for
who may not see the plan or the period (a TPE verifier sees only the periods assigned to its
organisation), 403 for who sees it but may not act, 302 to the login page (pages) or 401 (API)
without a session. Pages are posted empty: the permitted role gets the page back with the form's
errors (200) or, for a button with nothing to type, the service runs (302). API bodies are valid.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_period import D, assign, period_data, put
from test_api import client_for, post_json

from renkei.accounts.models import Organisation, Role
from renkei.monitoring.models import MonitoringPeriod
from renkei.monitoring.services import period as services

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # an applicant of the representative participant
    "partner",  # an applicant of a partner participant of the consortium
    "outsider",
    "office",
    "verifier",  # of the TPE the verified period is assigned to
    "other_verifier",
    "reviewer",
    "secretariat",
    "joint_committee",
]
VIEW = [302, 200, 200, 404, 200, 200, 404, 404, 404, 404]
FILER_ON_DRAFT = [302, 302, 403, 404, 403, 404, 404, 404, 404, 404]  # not assigned to the TPE

PAGES = {
    ("period_create", "POST", "plan"): [302, 200, 403, 404, 403, 403, 404, 404, 404, 404],
    ("period", "GET", "verified"): VIEW,
    ("period_report_xlsx", "GET", "verified"): VIEW,
    ("period_report_pdf", "GET", "verified"): VIEW,
    ("period_compute", "POST", "draft"): FILER_ON_DRAFT,
    ("period_submit", "POST", "draft"): FILER_ON_DRAFT,
    ("period_correct", "POST", "verified"): [302, 200, 403, 404, 403, 403, 404, 404, 404, 404],
}


@pytest.fixture
def world(monkeypatch):
    from grantfactories_schedule import person

    from renkei.proposals.models import ProposalPartner

    monkeypatch.setattr(services, "_period_data", period_data())
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    partner_org = Organisation.objects.create(name="パートナー社", country="ID")
    ProposalPartner.objects.create(
        proposal=grant.selection.proposal, organisation=partner_org, added_by=people.filer
    )
    users = {
        "anonymous": None,
        "filer": people.filer,
        "partner": person(Role.APPLICANT, partner_org),
        "outsider": people.outsider,
        "office": people.office,
        "verifier": people.verifier,
        "other_verifier": people.other_verifier,
        "reviewer": people.reviewer,
        "secretariat": person(Role.SECRETARIAT),
        "joint_committee": person(Role.JOINT_COMMITTEE, country="ID"),
    }
    verified = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-04-01"), end=D("2025-09-30")
    )
    verified = put(services.period_compute(actor=people.filer, period=verified), "verified")
    assign(verified, people.tpe, people.office)
    draft = services.period_create(
        actor=people.filer, plan=plan, start=D("2025-10-01"), end=D("2026-03-31")
    )
    draft = services.period_compute(actor=people.filer, period=draft)
    return {"users": users, "plan": plan, "verified": verified, "draft": draft}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_period_page(role, world) -> None:
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    got, want = {}, {}
    for (name, method, obj), expected in PAGES.items():
        url = reverse(f"monitoring:{name}", args=[world[obj].pk])
        response = client.get(url) if method == "GET" else client.post(url, {})
        label = f"{method} {name}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    verified = MonitoringPeriod.objects.get(pk=world["verified"].pk)
    assert (verified.state, verified.emission_reductions_tco2) == ("verified", 27)
    periods = MonitoringPeriod.objects.filter(plan=world["plan"])
    assert periods.count() == 2  # empty forms created nothing, no correction without its reason
    draft = MonitoringPeriod.objects.get(pk=world["draft"].pk)
    assert draft.state == ("submitted" if role == "filer" else "draft")


def test_the_page_matrix_covers_every_period_url() -> None:
    from renkei.monitoring.views_period import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _, _ in PAGES}


P = "/api/monitoring/periods/{%s}"
VIEW_API = [401, 200, 200, 404, 200, 200, 404, 404, 404, 404]
FILER_API = [401, 200, 403, 404, 403, 404, 404, 404, 404, 404]
# (method, path, body) -> status per role, ROLES order
API = {
    ("GET", "/api/monitoring/plans/{plan}/periods", None): VIEW_API,
    (
        "POST",
        "/api/monitoring/plans/{plan}/periods",
        '{"start": "2026-04-01", "end": "2026-09-30"}',
    ): [401, 201, 403, 404, 403, 403, 404, 404, 404, 404],
    ("GET", P % "verified", None): VIEW_API,
    ("POST", P % "draft" + "/compute", None): FILER_API,
    ("POST", P % "draft" + "/submit", None): FILER_API,
    ("POST", P % "verified" + "/correction", '{"reason": "EC_PJ was read in kWh"}'): [
        401,
        201,
        403,
        404,
        403,
        403,
        404,
        404,
        404,
        404,
    ],
    ("GET", P % "verified" + "/report.xlsx", None): VIEW_API,
    ("GET", P % "verified" + "/report.pdf", None): VIEW_API,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_period_operation(role, world) -> None:
    client = client_for(world["users"][role])
    ids = {k: v.pk for k, v in world.items() if hasattr(v, "pk")}
    got, want = {}, {}
    for (method, path, data), expected in API.items():
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = post_json(client, url, {} if data is None else json.loads(data))
        label = f"{method} {path}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    assert MonitoringPeriod.objects.get(pk=world["verified"].pk).state == "verified"


def test_a_verifier_lists_only_the_periods_assigned_to_its_organisation(world) -> None:
    listed = client_for(world["users"]["verifier"]).get(
        f"/api/monitoring/plans/{world['plan'].pk}/periods"
    )
    assert [p["id"] for p in listed.json()] == [world["verified"].pk]
    filer = client_for(world["users"]["filer"]).get(
        f"/api/monitoring/plans/{world['plan'].pk}/periods"
    )
    assert [p["id"] for p in filer.json()] == [world["verified"].pk, world["draft"].pk]


def test_the_api_matrix_covers_every_period_operation() -> None:
    from renkei.monitoring.api.period import router

    operations = {
        (method, "/api" + path)
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    named = {
        (
            m,
            p.replace("{plan}", "{plan_id}")
            .replace("{verified}", "{period_id}")
            .replace("{draft}", "{period_id}"),
        )
        for m, p, _ in API
    }
    assert operations == named
