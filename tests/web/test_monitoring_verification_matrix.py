"""The verification part's permission matrices (issue 9): every role × every page and every API
operation of the part, the expected answer written out per cell, and a check that each matrix
names every URL / operation of the part.

On a verified period assigned to the cast's TPE, with one closed finding: 404 for who may not
see the period (a verifier of ANOTHER TPE included: it never learns the period exists), 403 for
who sees it but may not act, 302 to the login page (pages) or 401 (API) without a session. Pages
are posted empty: the permitted roles get the project's page back with the form's errors or the
service's refusal (200), nothing changes. API bodies are valid: the permitted roles reach the
service, which refuses (422) because a verified period is fixed.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories_schedule import person
from monitoringfactories_verification import NOW, assigned, project, set_state
from test_api import client_for, post_json

from renkei.accounts.models import Organisation, Role
from renkei.monitoring.models import Finding, MonitoringPeriod, Verification
from renkei.proposals.models import ProposalPartner

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # the representative participant's applicant
    "partner",  # a partner participant's applicant
    "outsider",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
    "verifier",  # of the TPE the period is assigned to
    "other_verifier",  # of another TPE
]
OFFICE_PAGE = [302, 403, 403, 404, 200, 404, 404, 404, 403, 404]
TPE_PAGE = [302, 403, 403, 404, 403, 404, 404, 404, 200, 404]
FILER_PAGE = [302, 200, 403, 404, 403, 404, 404, 404, 403, 404]

PAGES = {
    ("verification_assign", "period"): OFFICE_PAGE,
    ("verification_start", "period"): TPE_PAGE,
    ("verification_finding", "period"): TPE_PAGE,
    ("verification_return", "period"): TPE_PAGE,
    ("verification_issue", "period"): TPE_PAGE,
    ("verification_answer", "finding"): FILER_PAGE,
    ("verification_close", "finding"): TPE_PAGE,
}


@pytest.fixture
def world(settings):
    settings.RENKEI_DEMO_NOW = NOW
    plan, who, period = project()
    assigned(period, who)
    finding = Finding.objects.create(
        period=period, kind="cl", text="Source?", status="closed", raised_by=who.verifier
    )
    period = set_state(period, "verified")
    Verification.objects.create(
        period=period,
        verified_tco2=120,
        verified_on=dt.date(2026, 6, 1),
        statement="ok",
        verifier=who.verifier,
    )
    partner_org = Organisation.objects.create(name="パートナー社", country="KE")
    ProposalPartner.objects.create(
        proposal=plan.grant.selection.proposal, organisation=partner_org, added_by=who.filer
    )
    people = {
        "anonymous": None,
        "filer": who.filer,
        "partner": person(Role.APPLICANT, partner_org),
        "outsider": who.outsider,
        "office": who.office,
        "reviewer": who.reviewer,
        "secretariat": person(Role.SECRETARIAT),
        "joint_committee": person(Role.JOINT_COMMITTEE, country="KE"),
        "verifier": who.verifier,
        "other_verifier": who.other_verifier,
    }
    return {
        "plan": plan,
        "period": period,
        "finding": finding,
        "tpe": who.tpe,
        "people": people,
    }


def _unchanged(world) -> None:
    period = MonitoringPeriod.objects.get(pk=world["period"].pk)
    assert period.state == "verified"
    assert period.assignment.tpe_id == world["tpe"].pk
    assert Verification.objects.get(period=period).verified_tco2 == 120
    assert list(Finding.objects.values_list("status", "answer")) == [("closed", "")]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_verification_page(role, world) -> None:
    client = Client(headers={"Accept-Language": "en"})
    if world["people"][role] is not None:
        client.force_login(world["people"][role])
    got, want = {}, {}
    for (name, obj), expected in PAGES.items():
        response = client.post(reverse(f"monitoring:{name}", args=[world[obj].pk]), {})
        got[name], want[name] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    _unchanged(world)


def test_the_page_matrix_covers_every_verification_url() -> None:
    from renkei.monitoring.views_verification import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


SEES = [401, 200, 200, 404, 200, 404, 404, 404, 200, 404]
OFFICE = [401, 403, 403, 404, 422, 404, 404, 404, 403, 404]
TPE = [401, 403, 403, 404, 403, 404, 404, 404, 422, 404]
FILER = [401, 422, 403, 404, 403, 404, 404, 404, 403, 404]
P = "/api/monitoring/periods/{period}"
F = "/api/monitoring/findings/{finding}"
# (method, path, body) -> status per role, ROLES order
API = {
    ("GET", P + "/verification", None): SEES,
    ("GET", "/api/monitoring/plans/{plan}/verified-reductions", None): SEES,
    ("POST", P + "/assignment", '{"tpe": {tpe}}'): OFFICE,
    ("POST", P + "/verification/start", None): TPE,
    ("POST", P + "/findings", '{"kind": "car", "text": "Meter gap"}'): TPE,
    ("POST", P + "/return", None): TPE,
    (
        "POST",
        P + "/verification",
        '{"verified_tco2": 100, "verified_on": "2026-06-15", "statement": "again"}',
    ): TPE,
    ("POST", F + "/answer", '{"answer": "Filled with the default"}'): FILER,
    ("POST", F + "/close", None): TPE,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_verification_operation(role, world) -> None:
    client = client_for(world["people"][role])
    ids = {k: world[k].pk for k in ("plan", "period", "finding", "tpe")}
    got, want = {}, {}
    for (method, path, body), expected in API.items():
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            data = {} if body is None else json.loads(body.replace("{tpe}", str(ids["tpe"])))
            response = post_json(client, url, data)
        label = f"{method} {path}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    _unchanged(world)


def test_the_api_matrix_covers_every_verification_operation() -> None:
    from renkei.monitoring.api.verification import router

    operations = {
        (method, "/api" + path)
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    named = {
        (
            m,
            p.replace("{period}", "{period_id}")
            .replace("{finding}", "{finding_id}")
            .replace("{plan}", "{plan_id}"),
        )
        for m, p, _ in API
    }
    assert operations == named


def test_a_verifier_of_another_tpe_sees_nothing_of_the_project(world) -> None:
    """Not the project's page, not its list entry, not the period's data (404 everywhere)."""
    client = client_for(world["people"]["other_verifier"])
    assert client.get(reverse("monitoring:detail", args=[world["plan"].pk])).status_code == 404
    page = client.get(reverse("monitoring:list"))
    assert page.status_code == 200
    assert world["plan"].grant.number not in page.content.decode()
    mine = client_for(world["people"]["verifier"])
    assert mine.get(reverse("monitoring:detail", args=[world["plan"].pk])).status_code == 200
    assert world["plan"].grant.number in mine.get(reverse("monitoring:list")).content.decode()
