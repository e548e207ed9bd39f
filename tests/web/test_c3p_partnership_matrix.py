"""The partnership part's permission matrices (issue 11: "both permission matrices"): every
role × every page and every API operation of the part, the expected answer written out per
cell, and a check that each matrix names every URL / operation of the part.

On ``c3pfactories_partnership.world()``: 404 for who may not see the partnership (or the
proposal), 403 for who sees it but may not act, 302 to the login page (pages) or 401 (API)
without a session. Forms are posted empty: who may act gets the form back with its errors (200)
or, where an empty form is valid (the intention and note, unpicking the partnership), is
redirected (302)."""

from __future__ import annotations

import pytest
from c3pfactories_partnership import ROLES, pdf, people, world
from django.urls import reverse
from test_api import client_for, post_json, put_json

from renkei.c3p.models import CityPartnership

pytestmark = pytest.mark.django_db

LIST = [302, 200, 200, 200, 200, 200, 404, 404, 404, 404]
CREATE = [302, 200, 403, 403, 403, 403, 404, 404, 404, 404]
SEES = [302, 200, 200, 200, 404, 404, 404, 404, 404, 404]
RECORD_GET = [302, 302, 302, 302, 404, 404, 404, 404, 404, 404]
RECORD_FORM = [302, 200, 200, 200, 404, 404, 404, 404, 404, 404]
PICK_GET = [302, 404, 404, 404, 200, 404, 404, 404, 404, 404]
# the Japanese municipality answers a proposal's request; the office and the partner city see it
DECIDE_GET = [302, 403, 302, 403, 404, 404, 404, 404, 404, 404]
DECIDE_POST = [302, 403, 200, 403, 404, 404, 404, 404, 404, 404]
PICK_POST = [302, 404, 404, 404, 302, 404, 404, 404, 404, 404]

# (URL name, method) -> status per role, ROLES order
PAGES = {
    ("partnership_list", "GET"): LIST,
    ("partnership_new", "GET"): CREATE,
    ("partnership_new", "POST"): CREATE,
    ("partnership_detail", "GET"): SEES,
    ("partnership_letter_file", "GET"): [302, 200, 200, 200, 404, 404, 404, 404, 404, 404],
    ("partnership_agreement", "GET"): RECORD_GET,
    ("partnership_agreement", "POST"): RECORD_FORM,
    ("partnership_letter", "GET"): RECORD_GET,
    ("partnership_letter", "POST"): RECORD_FORM,
    ("partnership_update", "GET"): RECORD_GET,
    ("partnership_update", "POST"): RECORD_GET,
    ("partnership_link_decide", "GET"): DECIDE_GET,
    ("partnership_link_decide", "POST"): DECIDE_POST,
    ("partnership_pick", "GET"): PICK_GET,
    ("partnership_pick", "POST"): PICK_POST,
}


@pytest.fixture
def w():
    from c3pfactories_partnership import c3p_draft

    from renkei.c3p.services import partnership as services

    c = world()
    c.link = services.partnership_link_proposal(
        actor=c.company_user, proposal=c.proposal, partnership=c.partnership
    ).c3p_partnership_link
    second = c3p_draft(c.company_user, title="Second C3P draft")
    c.link2 = services.partnership_link_proposal(
        actor=c.company_user, proposal=second, partnership=c.partnership
    ).c3p_partnership_link
    return c


def _url(name: str, w) -> str:
    if name in ("partnership_list", "partnership_new"):
        return reverse(f"c3p:{name}")
    if name == "partnership_letter_file":
        return reverse("c3p:partnership_letter_file", args=[w.letter.pk, "letter"])
    if name == "partnership_pick":
        return reverse("c3p:partnership_pick", args=[w.proposal.pk])
    if name == "partnership_link_decide":
        return reverse("c3p:partnership_link_decide", args=[w.link.pk])
    return reverse(f"c3p:{name}", args=[w.partnership.pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_partnership_page(role, w) -> None:
    client = client_for(people(w)[role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, w)
        response = client.get(url) if method == "GET" else client.post(url, {})
        if getattr(response, "streaming", False):  # a download: read its file to the end
            b"".join(response.streaming_content)  # (response.close() would close the database)
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert CityPartnership.objects.count() == 1  # empty forms recorded nothing new
    assert w.partnership.agreements.count() == 1


def test_the_page_matrix_covers_every_partnership_url() -> None:
    from renkei.c3p.views_partnership import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


P = "/api/c3p/partnerships"
# (method, path) -> status per role, ROLES order
API = {
    ("GET", P): [401, 200, 200, 200, 200, 200, 404, 404, 404, 404],
    ("GET", P + "/{p}"): [401, 200, 200, 200, 404, 404, 404, 404, 404, 404],
    ("POST", P): [401, 201, 403, 403, 403, 403, 404, 404, 404, 404],
    ("POST", P + "/{p}/agreements"): [401, 201, 201, 201, 404, 404, 404, 404, 404, 404],
    ("GET", P + "/{p}/letters"): [401, 200, 200, 200, 404, 404, 404, 404, 404, 404],
    ("POST", P + "/{p}/letters"): [401, 201, 201, 201, 404, 404, 404, 404, 404, 404],
    ("GET", "/api/c3p/letters/{letter}/{which}"): [
        401,
        200,
        200,
        200,
        404,
        404,
        404,
        404,
        404,
        404,
    ],
    # the Japanese municipality's answer (the office and the partner city see the request)
    ("POST", "/api/c3p/partnership-links/{link2}/decline"): [
        401,
        403,
        200,
        403,
        404,
        404,
        404,
        404,
        404,
        404,
    ],
    ("POST", "/api/c3p/partnership-links/{link}/confirm"): [
        401,
        403,
        200,
        403,
        404,
        404,
        404,
        404,
        404,
        404,
    ],
    ("PUT", "/api/c3p/proposals/{proposal}/partnership"): [
        401,
        404,
        404,
        404,
        200,
        404,
        404,
        404,
        404,
        404,
    ],
}


def _body(method: str, path: str, w) -> dict:
    if path == P:
        return {"japanese_city_id": w.city.pk, "partner_city_id": w.other_city.pk}
    if path.endswith("/agreements"):
        return {"kind": "mou", "title": "MOU", "event": "signed", "signed_on": "2025-04-01"}
    if path.endswith("/decline"):
        return {"reason": "Not with this company."}
    return {"partnership_id": w.partnership.pk}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_partnership_operation(role, w) -> None:
    client = client_for(people(w)[role])
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(
            p=w.partnership.pk,
            proposal=w.proposal.pk,
            letter=w.letter.pk,
            which="letter",
            link=w.link.pk,
            link2=w.link2.pk,
        )
        body = _body(method, path, w)
        if method == "GET":
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
        elif path.endswith("/letters"):  # multipart: the letter's file and its fields
            response = client.post(
                url,
                {
                    "file": pdf("other.pdf"),
                    "side": "other",
                    "signatory": "Chamber of commerce",
                    "dated": "2025-02-01",
                },
            )
        elif method == "PUT":
            response = put_json(client, url, body)
        else:
            response = post_json(client, url, body)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    assert CityPartnership.objects.count() == (2 if role == "office" else 1)


def test_the_api_matrix_covers_every_partnership_operation() -> None:
    import re

    from renkei.c3p.api.partnership import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
