"""The plan part's permission matrices (issue 9): every role × every page and API operation of
the part, the expected answer written out per cell, and a check that each matrix names every
URL / operation of the part.

On an operating grant with its plan (site A, meter M-1, point 1) whose one period is assigned
to the verifier's TPE, and a second operating grant of the same representative without a plan:
404 for who may not see the plan (or grant), 403 for who sees it but may not act, 302 to the
login page (pages) or 401 (API) without a session. Pages are posted empty: the permitted roles
get the page back with the form's errors (200), nothing changes. API bodies are valid: the
permitted roles reach the service (2xx)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from grantfactories_schedule import person
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_plan import fake_mrv, in_indonesia  # noqa: F401 - a fixture
from test_api import client_for, post_json

from renkei.accounts.models import Organisation, Role
from renkei.monitoring.models import MonitoringPeriod, VerificationAssignment
from renkei.proposals.models import ProposalPartner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_mrv")]

ROLES = [
    "anonymous",
    "filer",  # the representative participant's applicant
    "partner",  # a partner participant's applicant
    "outsider",
    "office",
    "verifier",  # of the TPE assigned to one of the plan's periods
    "other_verifier",
    "reviewer",
    "secretariat",
    "joint_committee",
]


@pytest.fixture
def world():
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    other = in_indonesia(operating_grant(applicant=people.filer))
    partner_org = Organisation.objects.create(name="共同事業者", country="ID")
    partner = person(Role.APPLICANT, partner_org)
    for g in (grant, other):
        ProposalPartner.objects.create(
            proposal=g.selection.proposal, organisation=partner_org, added_by=people.office
        )
    period = MonitoringPeriod.objects.create(
        plan=plan, start=dt.date(2025, 4, 1), end=dt.date(2026, 3, 31), created_by=people.filer
    )
    VerificationAssignment.objects.create(period=period, tpe=people.tpe, assigned_by=people.office)
    users = {
        "anonymous": None,
        "filer": people.filer,
        "partner": partner,
        "outsider": people.outsider,
        "office": people.office,
        "verifier": people.verifier,
        "other_verifier": people.other_verifier,
        "reviewer": people.reviewer,
        "secretariat": person(Role.SECRETARIAT),
        "joint_committee": person(Role.JOINT_COMMITTEE, country="ID"),
    }
    site = plan.sites.get()
    meter = plan.meters.get()
    return {"users": users, "plan": plan, "grant": other, "site": site, "meter": meter}


EDIT_PAGE = [302, 200, 403, 404, 403, 403, 404, 404, 404, 404]
READ_FACTORS_PAGE = [302, 200, 200, 200, 200, 200, 200, 404, 404, 404]
PAGES = {
    ("plan_new", "GET", "grant"): [302, 200, 403, 404, 403, 404, 404, 404, 404, 404],
    ("plan_new", "POST", "grant"): [302, 200, 403, 404, 403, 404, 404, 404, 404, 404],
    ("plan_update", "POST", "plan"): [302, 200, 403, 404, 200, 403, 404, 404, 404, 404],
    ("plan_site", "POST", "plan"): EDIT_PAGE,
    ("plan_meter", "POST", "plan"): EDIT_PAGE,
    ("plan_calibrate", "POST", "meter"): EDIT_PAGE,
    ("plan_point", "POST", "plan"): EDIT_PAGE,
    ("plan_fixed", "POST", "plan"): EDIT_PAGE,
    ("plan_factors", "GET", None): READ_FACTORS_PAGE,
    ("plan_factors", "POST", None): [302, 403, 403, 403, 200, 403, 403, 404, 404, 404],
    ("plan_factor_template", "GET", None): READ_FACTORS_PAGE,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_plan_page(role, world) -> None:
    client = Client()
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    got, want = {}, {}
    for (name, method, obj), expected in PAGES.items():
        args = [world[obj].pk] if obj else []
        url = reverse(f"monitoring:{name}", args=args)
        response = client.get(url) if method == "GET" else client.post(url, {})
        label = f"{method} {name}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    plan = world["plan"]
    assert plan.sites.count() == 1 and plan.meters.count() == 1 and plan.points.count() == 1
    assert not hasattr(type(world["grant"]).objects.get(pk=world["grant"].pk), "monitoring_plan")


def test_the_page_matrix_covers_every_plan_url() -> None:
    from renkei.monitoring.views_plan import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _, _ in PAGES}


def test_who_reads_the_plan_page(world) -> None:
    url = reverse("monitoring:detail", args=[world["plan"].pk])
    got = {}
    for role in ROLES[1:]:
        client = Client()
        client.force_login(world["users"][role])
        got[role] = client.get(url).status_code
    assert got == dict(zip(ROLES[1:], [200, 200, 404, 200, 200, 404, 404, 404, 404], strict=True))


P = "/api/monitoring/plans/{plan}"
EDIT = [401, 201, 403, 404, 403, 403, 404, 404, 404, 404]
EDIT_200 = [401, 200, 403, 404, 403, 403, 404, 404, 404, 404]
READ_FACTORS = [401, 200, 200, 200, 200, 200, 200, 404, 404, 404]
CSV = (
    "country,system,case,ef_tco2_per_mwh,valid_from,valid_until,source,status\n"
    "ID,Jamali,JCM Case 1,0.619,2024-04-01,2027-03-31,GEC,V\n"
)
API = {
    ("GET", P, None): [401, 200, 200, 404, 200, 200, 404, 404, 404, 404],
    (
        "POST",
        "/api/monitoring/grants/{grant}/plan",
        '{"methodology_id": "ID_AM003", "methodology_version": "1.0"}',
    ): [401, 201, 403, 404, 403, 404, 404, 404, 404, 404],
    ("POST", P + "/update", '{"unmeasurable_days": 3, "reason": "outage"}'): [
        401,
        200,
        403,
        404,
        200,
        403,
        404,
        404,
        404,
        404,
    ],
    ("POST", P + "/sites", '{"code": "B", "name": "Store B"}'): EDIT,
    (
        "POST",
        P + "/meters",
        '{"site_id": {site}, "serial": "M-9", "unit": "kWh", "calibrated_on": "2025-04-01", '
        '"calibration_valid_until": "2026-04-01"}',
    ): EDIT,
    (
        "POST",
        "/api/monitoring/meters/{meter}/calibration",
        '{"calibrated_on": "2026-04-01", "calibration_valid_until": "2028-04-01"}',
    ): EDIT_200,
    (
        "POST",
        P + "/points",
        '{"site_id": {site}, "code": "2", "parameter": "EC_PJ", "meter_id": {meter}}',
    ): EDIT,
    (
        "POST",
        P + "/fixed",
        '{"parameter": "COP_RE", "value": "2.3", "unit": "-", "source": "test"}',
    ): EDIT_200,
    ("GET", "/api/monitoring/emission-factors", None): READ_FACTORS,
    ("POST", "/api/monitoring/emission-factors", json.dumps({"csv": CSV})): [
        401,
        403,
        403,
        403,
        201,
        403,
        403,
        404,
        404,
        404,
    ],
    ("GET", "/api/monitoring/emission-factors/template.csv", None): READ_FACTORS,
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_plan_operation(role, world) -> None:
    client = client_for(world["users"][role])
    ids = {k: world[k].pk for k in ("plan", "grant", "site", "meter")}
    got, want = {}, {}
    for (method, path, data), expected in API.items():
        url = path.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            body = data
            for key, value in ids.items():
                body = body.replace("{" + key + "}", str(value))
            response = post_json(client, url, json.loads(body))
        label = f"{method} {path}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want


def test_the_api_matrix_covers_every_plan_operation() -> None:
    from renkei.monitoring.api.plan import router

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
            .replace("{grant}", "{grant_id}")
            .replace("{meter}", "{meter_id}"),
        )
        for m, p, _ in API
    }
    assert operations == named
