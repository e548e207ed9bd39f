"""The annual part's permission matrices (issue 9: "both permission matrices"): every role ×
every page and every API operation of the part, the expected answer written out per cell, and
a check that each matrix names every URL / operation of the part.

On the project of ``test_monitoring_annual`` (P2 assigned to the verifier's TPE, so the
verifier sees the project's monitoring page, but never its annual part): 404 for who may not
see it, 403 for who sees it but may not act, 302 to the login page (pages) or 401 (API) without
a session. The report page is posted empty: the filer gets the form back with its errors (200),
nothing is filed. The API body is valid: the filer files (201)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from monitoringfactories_annual import partner_of
from test_api import client_for, post_json
from test_monitoring_annual import project  # noqa: F401 (the fixture)

from renkei.accounts.models import Role
from renkei.grants.models import AnnualReport

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # an applicant of the representative participant
    "partner",  # an applicant of a partner participant
    "outsider",
    "office",
    "verifier",  # of the TPE assigned to P2
    "other_verifier",
    "reviewer",
    "secretariat",
    "joint_committee",
]
SEES = [302, 200, 200, 404, 200, 404, 404, 404, 404, 404]
FILE = [302, 200, 403, 404, 403, 404, 404, 404, 404, 404]
OFFICE = [302, 404, 404, 404, 200, 404, 404, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("annual_report", "GET"): SEES,
    ("annual_report", "POST"): FILE,
    ("annual_portfolio", "GET"): OFFICE,
}


@pytest.fixture(autouse=True)
def _people(project):  # noqa: F811
    from grantfactories_schedule import person

    people = project["cast"]
    project["people"] = {
        "anonymous": None,
        "filer": people.filer,
        "partner": partner_of(project["grant"]),
        "outsider": people.outsider,
        "office": people.office,
        "verifier": people.verifier,
        "other_verifier": people.other_verifier,
        "reviewer": people.reviewer,
        "secretariat": person(Role.SECRETARIAT),
        "joint_committee": person(Role.JOINT_COMMITTEE, country="KE"),
    }


def _url(name: str, project) -> str:  # noqa: F811
    if name == "annual_report":
        return reverse("monitoring:annual_report", args=[project["plan"].pk, 2025])
    return reverse(f"monitoring:{name}")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_annual_page(role, project):  # noqa: F811
    client = client_for(project["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, project)
        response = client.get(url) if method == "GET" else client.post(url, {})
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert not AnnualReport.objects.exists()  # empty forms filed nothing


def test_the_page_matrix_covers_every_annual_url() -> None:
    from renkei.monitoring.views_annual import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


P = "/api/monitoring/plans/{plan}"
BODY = {
    "period_start": "2025-04-01",
    "period_end": "2025-12-31",
    "operating_status": "Running.",
    "property_status": "In use.",
    "shortfall_reason": "Repairs.",
}
# (method, path) -> status per role, ROLES order
API = {
    ("GET", P + "/reductions"): [401, 200, 200, 404, 200, 404, 404, 404, 404, 404],
    ("POST", P + "/annual-reports"): [401, 201, 403, 404, 403, 404, 404, 404, 404, 404],
    ("GET", "/api/monitoring/portfolio"): [401, 404, 404, 404, 200, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_annual_operation(role, project):  # noqa: F811
    client = client_for(project["people"][role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(plan=project["plan"].pk)
        response = client.get(url) if method == "GET" else post_json(client, url, BODY)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert AnnualReport.objects.count() == (1 if role == "filer" else 0)


def test_the_api_matrix_covers_every_annual_operation() -> None:
    import re

    from renkei.monitoring.api.annual import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
