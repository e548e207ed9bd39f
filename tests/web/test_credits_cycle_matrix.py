"""The cycle part's permission matrices (issue 10: "both permission matrices"): every role × every
page and every API operation of the part (and the credits stage's shared list and project
pages), the expected answer written out per cell, and a check that each matrix names every URL /
operation of the part.

On a project whose registration is requested from Kenya's Joint Committee (validated by the
verifier's TPE, one closed finding, one PDD document): 404 for who may not see it, 403 for who
sees it but may not act, 302 to the login page (pages) or 401 (API) without a session. Pages
are posted empty: who may act gets the page back with why (200) — the form's errors or the
service's refusal in this state —; opening the already-open project is refused with a message
on the list (302). The API bodies are valid: the state refuses most (422); the Joint Committee
refuses the registration (200) and the filer and the office record an agreement (201)."""

from __future__ import annotations

import pytest
from creditsfactories_cycle import NOW, in_validation, monitored, pdf
from django.urls import reverse
from test_api import client_for, post_json

from renkei.credits.models import AllocationAgreement
from renkei.credits.services import cycle as c

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "filer",  # an applicant of the representative participant
    "partner",  # an applicant of a partner participant
    "outsider",  # an applicant of another organisation
    "office",
    "verifier",  # of the TPE validating the project
    "other_verifier",
    "reviewer",
    "secretariat",
    "jc",  # the Joint Committee contact of Kenya (the project's country)
    "other_jc",  # of Viet Nam
    "registry",  # sees registered projects only
]
#          anon filer partner outs office ver  over  rev  sec   jc  ojc  reg
SEES = [302, 200, 200, 404, 200, 200, 404, 404, 404, 200, 404, 404]
LIST = [302, 200, 200, 200, 200, 200, 200, 404, 404, 200, 200, 200]
FILER = [302, 200, 403, 404, 403, 403, 404, 404, 404, 403, 404, 404]
OFFICE = [302, 403, 403, 404, 200, 403, 404, 404, 404, 403, 404, 404]
TPE = [302, 403, 403, 404, 403, 200, 404, 404, 404, 403, 404, 404]
JC = [302, 403, 403, 404, 403, 403, 404, 404, 404, 200, 404, 404]
AGREE = [302, 200, 403, 404, 200, 403, 404, 404, 404, 403, 404, 404]
OPEN = [302, 302, 403, 404, 302, 404, 404, 404, 404, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("list", "GET"): LIST,
    ("detail", "GET"): SEES,
    ("cycle_open", "POST"): OPEN,
    ("cycle_pdd", "POST"): FILER,
    ("cycle_document", "POST"): FILER,
    ("cycle_document_download", "GET"): SEES,
    ("cycle_validation_request", "POST"): FILER,
    ("cycle_validation_assign", "POST"): OFFICE,
    ("cycle_finding", "POST"): TPE,
    ("cycle_finding_answer", "POST"): FILER,
    ("cycle_finding_close", "POST"): TPE,
    ("cycle_validation_issue", "POST"): TPE,
    ("cycle_registration_request", "POST"): FILER,
    ("cycle_registration_decide", "POST"): JC,
    ("cycle_agreement", "POST"): AGREE,
}


@pytest.fixture
def case(settings, tmp_path):
    """The project, its finding and document, and the people."""
    settings.RENKEI_DEMO_NOW = NOW
    settings.MEDIA_ROOT = str(tmp_path)
    plan, who = monitored()
    project = in_validation(plan, who)
    finding = c.validation_finding_raise(actor=who.verifier, project=project, kind="cl", text="?")
    c.validation_finding_answer(actor=who.filer, finding=finding, answer="!")
    c.validation_finding_close(actor=who.verifier, finding=finding)
    c.validation_issue(
        actor=who.verifier,
        project=project,
        validated_on=c.today(),
        opinion="ok",
    )
    c.registration_request(actor=who.filer, project=project)
    document = project.pdds.get().documents.first()
    people = {
        "anonymous": None,
        "filer": who.filer,
        "partner": who.partner,
        "outsider": who.outsider,
        "office": who.office,
        "verifier": who.verifier,
        "other_verifier": who.other_verifier,
        "reviewer": who.reviewer,
        "secretariat": who.secretariat,
        "jc": who.jc,
        "other_jc": who.other_jc,
        "registry": who.registry,
    }
    return {
        "project": project,
        "plan": plan,
        "finding": finding,
        "document": document,
        "people": people,
        "partner_org": who.partner.organisation_id,
    }


def _url(name: str, case) -> str:
    if name == "list":
        return reverse("credits:list")
    if name == "cycle_open":
        return reverse("credits:cycle_open", args=[case["plan"].pk])
    if name in ("cycle_finding_answer", "cycle_finding_close"):
        return reverse(f"credits:{name}", args=[case["finding"].pk])
    if name == "cycle_document_download":
        return reverse(f"credits:{name}", args=[case["document"].pk])
    return reverse(f"credits:{name}", args=[case["project"].pk])


def _close_file(response) -> None:
    """A download's file closed (not ``response.close()``: its signal closes the database)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_cycle_page(role, case) -> None:
    client = client_for(case["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, case)
        response = client.get(url) if method == "GET" else client.post(url, {})
        _close_file(response)
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    project = type(case["project"]).objects.get(pk=case["project"].pk)
    assert project.state == "registration_requested"  # empty forms changed nothing
    assert not AllocationAgreement.objects.exists()


def test_the_page_matrix_covers_every_cycle_url() -> None:
    from renkei.credits import views_cycle

    assert {p.name for p in views_cycle.urlpatterns} | {"list", "detail"} == {
        name for name, _ in PAGES
    }


P = "/api/credits/projects/{project}"
F = "/api/credits/validation-findings/{finding}"
#       anon filer partner outs office ver  over  rev  sec   jc  ojc  reg
A_SEES = [401, 200, 200, 404, 200, 200, 404, 404, 404, 200, 404, 404]
A_FILER = [401, 422, 403, 404, 403, 403, 404, 404, 404, 403, 404, 404]
A_OFFICE = [401, 403, 403, 404, 422, 403, 404, 404, 404, 403, 404, 404]
A_TPE = [401, 403, 403, 404, 403, 422, 404, 404, 404, 403, 404, 404]
A_OPEN = [401, 422, 403, 404, 422, 404, 404, 404, 404, 404, 404, 404]
A_JC = [401, 403, 403, 404, 403, 403, 404, 404, 404, 200, 404, 404]
# (method, path) -> status per role, ROLES order
API = {
    ("GET", "/api/credits/projects"): [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    ("POST", "/api/credits/plans/{plan}/project"): A_OPEN,
    ("GET", P): A_SEES,
    ("POST", P + "/pdd"): A_FILER,
    ("POST", P + "/pdd/documents"): A_FILER,
    ("GET", "/api/credits/documents/{document}"): A_SEES,
    ("POST", P + "/validation/request"): A_FILER,
    ("POST", P + "/validation/assignment"): A_OFFICE,
    ("POST", P + "/validation/findings"): A_TPE,
    ("POST", F + "/answer"): A_FILER,
    ("POST", F + "/close"): A_TPE,
    ("POST", P + "/validation/report"): A_TPE,
    ("POST", P + "/registration/request"): A_FILER,
    ("GET", P + "/agreements"): [401, 200, 200, 404, 200, 403, 404, 404, 404, 200, 404, 404],
    ("POST", P + "/agreements"): [401, 201, 403, 404, 201, 403, 404, 404, 404, 403, 404, 404],
    # last: the Joint Committee refuses the registration (the project stays visible to it)
    ("POST", P + "/registration/decision"): A_JC,
}


def _body(path: str, case) -> dict:
    if path.endswith("/pdd"):
        return {"title": "t", "lsc_held_on": "2025-11-20", "lsc_summary": "s", "reason": "r"}
    if path.endswith("/assignment"):
        return {"tpe": case["people"]["verifier"].organisation_id}
    if path.endswith("/findings"):
        return {"kind": "car", "text": "t"}
    if path.endswith("/answer"):
        return {"answer": "a"}
    if path.endswith("/report"):
        return {"validated_on": "2026-01-15", "opinion": "o"}
    if path.endswith("/agreements"):
        return {
            "agreed_on": "2024-05-01",
            "goj_percent": "50",
            "participants": [{"organisation": case["partner_org"], "percent": "50"}],
        }
    if path.endswith("/decision"):
        return {"decision": "refuse", "reason": "The LSC record is missing the minutes."}
    return {}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_cycle_operation(role, case) -> None:
    client = client_for(case["people"][role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(
            project=case["project"].pk,
            plan=case["plan"].pk,
            finding=case["finding"].pk,
            document=case["document"].pk,
        )
        if method == "GET":
            response = client.get(url)
        elif path.endswith("/pdd/documents"):
            response = client.post(url, {"kind": "other", "file": pdf("annex.pdf")})
        else:
            response = post_json(client, url, _body(path, case))
        _close_file(response)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    project = type(case["project"]).objects.get(pk=case["project"].pk)
    assert project.state == ("rejected" if role == "jc" else "registration_requested")
    assert AllocationAgreement.objects.count() == (1 if role in ("filer", "office") else 0)


def test_the_api_matrix_covers_every_cycle_operation() -> None:
    import re

    from renkei.credits.api.cycle import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
