"""The intake part's permission matrices (issue 9): every role × every page and every API
operation of the part, the expected answer written out per cell, and a check that each matrix
names every URL / operation of the part.

On a plan in operation with one imported spreadsheet: 404 for who may not see the plan (another
organisation's applicant, a verifier of another TPE, reviewers), 403 for who sees it but may not
upload (the office, a partner participant's applicant, the plan's TPE verifier: read-only), 302
to the login page (pages) or 401 (API) without a session. Pages are posted empty: the filer gets
the project's page back with the form's errors (200), nothing is stored. API bodies are valid:
the filer reaches the service (201 / 202)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from grantfactories_schedule import person
from monitoringfactories import cast, operating_grant, plan_for
from test_api import client_for

from renkei.accounts.models import Organisation, Role
from renkei.monitoring.models import DataUpload, MonitoringPeriod, VerificationAssignment
from renkei.proposals.models import ProposalPartner

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # the representative participant's applicant
    "partner",  # a partner participant's applicant
    "outsider",  # another organisation's applicant
    "office",
    "verifier",  # the TPE a period of the plan is assigned to
    "other_verifier",
    "reviewer",
]
VIEW = [302, 200, 200, 404, 200, 200, 404, 404]
FILER_PAGE = [302, 200, 403, 404, 403, 403, 404, 404]

PAGES = {
    ("detail", "GET"): VIEW,  # the project's page, with this part's panel
    ("intake_upload", "GET"): VIEW,
    ("intake_file", "GET"): VIEW,
    ("intake_sheet", "POST"): FILER_PAGE,
    ("intake_interval", "POST"): FILER_PAGE,
}

SHEET = (
    b"site,point,parameter,start,end,value,unit\n"
    b"A,1,EC_PJ,2025-05-01T00:00:00+09:00,2025-06-01T00:00:00+09:00,12.5,MWh\n"
)
INTERVAL = b"site,point,timestamp,value\nA,1,2025-05-01T00:00:00+09:00,1.5\n"


def _close_file(response) -> None:
    """A file answer holds its file open until it is read to the end."""
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.fixture
def world():
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    partner_org = Organisation.objects.create(name="パートナー", country="ID")
    ProposalPartner.objects.create(
        proposal=grant.selection.proposal, organisation=partner_org, added_by=people.filer
    )
    period = MonitoringPeriod.objects.create(
        plan=plan,
        start=dt.date(2025, 4, 1),
        end=dt.date(2026, 3, 31),
        created_by=people.filer,
    )
    VerificationAssignment.objects.create(period=period, tpe=people.tpe, assigned_by=people.office)
    from django.core.files.storage import default_storage

    stored = default_storage.save(f"monitoring/{plan.pk}/kept.csv", SimpleUploadedFile("x", SHEET))
    upload = DataUpload.objects.create(
        plan=plan,
        kind="sheet",
        status="done",
        original_name="readings.csv",
        stored_name=stored,
        sha256="0" * 64,
        size=len(SHEET),
        uploaded_by=people.filer,
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
    }
    return {"plan": plan, "upload": upload, "users": users}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_intake_page(role, world) -> None:
    client = Client(headers={"Accept-Language": "en"})
    if world["users"][role] is not None:
        client.force_login(world["users"][role])
    plan, upload = world["plan"], world["upload"]
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        args = [plan.pk, upload.pk] if name in ("intake_upload", "intake_file") else [plan.pk]
        url = reverse(f"monitoring:{name}", args=args)
        response = client.get(url) if method == "GET" else client.post(url, {})
        _close_file(response)
        if name == "detail" and response.status_code == 200:
            assert b'id="intake"' in response.content  # the panel, with or without forms
        label = f"{method} {name}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want
    assert DataUpload.objects.count() == 1  # empty forms stored nothing


def test_the_page_matrix_covers_every_intake_url() -> None:
    from renkei.monitoring.views_intake import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES} - {"detail"}


P = "/api/monitoring/plans/{plan}"
U = "/api/monitoring/uploads/{upload}"
VIEW_API = [401, 200, 200, 404, 200, 200, 404, 404]
# (method, path, body kind) -> status per role, ROLES order
API = {
    ("GET", P + "/uploads", None): VIEW_API,
    ("GET", P + "/data", "period"): VIEW_API,
    ("GET", U, None): VIEW_API,
    ("GET", U + "/file", None): VIEW_API,
    ("POST", P + "/uploads/sheet", "sheet"): [401, 201, 403, 404, 403, 403, 404, 404],
    ("POST", P + "/uploads/interval", "interval"): [401, 202, 403, 404, 403, 403, 404, 404],
}


def _body(kind: str, n: int):
    # each role's file differs (the same bytes twice are refused as already uploaded)
    if kind == "sheet":
        return {"file": SimpleUploadedFile("sheet.csv", SHEET + f"# {n}\n".encode())}
    return {
        "file": SimpleUploadedFile(
            "meter.csv", INTERVAL + f"A,1,2025-05-01T00:{n:02d}:00+09:00,1\n".encode()
        ),
        "unit": "kWh",
        "interval_minutes": "15",
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_intake_operation(role, world) -> None:
    client = client_for(world["users"][role])
    ids = {"plan": world["plan"].pk, "upload": world["upload"].pk}
    got, want = {}, {}
    for (method, path, kind), expected in API.items():
        url = path.format(**ids)
        if kind == "period":
            response = client.get(url, {"start": "2025-04-01", "end": "2025-06-30"})
        elif method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, _body(kind, ROLES.index(role)))
        _close_file(response)
        label = f"{method} {path}"
        got[label], want[label] = response.status_code, expected[ROLES.index(role)]
    assert got == want


def test_the_api_matrix_covers_every_intake_operation() -> None:
    from renkei.monitoring.api.intake import router

    operations = {
        (method, "/api" + path)
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    named = {
        (m, p.replace("{plan}", "{plan_id}").replace("{upload}", "{upload_id}")) for m, p, _ in API
    }
    assert operations == named
