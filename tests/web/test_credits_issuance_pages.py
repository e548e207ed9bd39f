"""The issuance pages (issue 10): the filer drafts from the project's issuance panel, picks the
periods, submits and withdraws on the request's page; the Joint Committee issues or refuses
there. Bad input comes back on the page with what was wrong, in the page's language, the form
as typed, nothing changed; never a 500."""

from __future__ import annotations

import pytest
from creditsfactories_issuance import NOW, issuance_project
from django.urls import reverse
from test_api import client_for

from renkei.credits.models import Issuance, IssuanceRequest, RequestState
from renkei.credits.services import issuance as s
from renkei.credits.views_issuance import panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def x(settings):
    settings.RENKEI_DEMO_NOW = NOW
    return issuance_project()


def _submitted(x):
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )
    return s.issuance_request_submit(actor=x["cast"].filer, request=req)


def test_the_filer_drafts_submits_and_the_joint_committee_issues(x) -> None:
    filer = client_for(x["cast"].filer)
    p1, p2 = x["periods"]
    page = filer.get(reverse("credits:issuance_project", args=[x["project"].pk])).content.decode()
    assert "2025-04-01 – 2025-12-31 (v1): 100 tCO2" in page
    assert "2026-07-01" not in page.split('id="issuance-new"')[1]  # a draft period is not offered
    made = filer.post(
        reverse("credits:issuance_request_new", args=[x["project"].pk]), {"periods": [p1.pk]}
    )
    req = IssuanceRequest.objects.get()
    assert made.status_code == 302 and made.url == reverse(
        "credits:issuance_request", args=[req.pk]
    )
    filer.post(
        reverse("credits:issuance_request_periods", args=[req.pk]), {"periods": [p1.pk, p2.pk]}
    )
    assert req.periods.count() == 2
    filer.post(reverse("credits:issuance_request_submit", args=[req.pk]))
    assert IssuanceRequest.objects.get().state == RequestState.SUBMITTED
    jc = client_for(x["cast"].jc)
    page = jc.get(reverse("credits:issuance_request", args=[req.pk])).content.decode()
    assert 'id="approve"' in page and 'value="100"' in page
    done = jc.post(
        reverse("credits:issuance_request_approve", args=[req.pk]),
        {f"p{p1.pk}": "100", f"p{p2.pk}": "55"},
    )
    assert done.status_code == 302
    assert Issuance.objects.get().issued_tco2 == 155
    page = filer.get(reverse("credits:issuance_request", args=[req.pk])).content.decode()
    assert 'id="issued-total">155<' in page and "vintage 2025-04-01 – 2026-06-30" in page


def test_an_amount_above_the_verified_comes_back_as_typed(x) -> None:
    req = _submitted(x)
    p1, p2 = x["periods"]
    page = client_for(x["cast"].jc).post(
        reverse("credits:issuance_request_approve", args=[req.pk]),
        {f"p{p1.pk}": "101", f"p{p2.pk}": "60"},
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'value="101"' in html
    assert "less than or equal to 100" in html
    assert not Issuance.objects.exists()


def test_a_refusal_without_a_reason_says_so(x) -> None:
    req = _submitted(x)
    page = client_for(x["cast"].jc).post(
        reverse("credits:issuance_request_refuse", args=[req.pk]), {"reason": "  "}
    )
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert IssuanceRequest.objects.get().state == RequestState.SUBMITTED


def test_a_period_not_offered_is_refused_on_the_panel(x) -> None:
    page = client_for(x["cast"].filer).post(
        reverse("credits:issuance_request_new", args=[x["project"].pk]),
        {"periods": [x["draft_period"].pk]},
    )
    assert page.status_code == 200
    assert "is not a verified period free to request" in page.content.decode()
    assert not IssuanceRequest.objects.exists()


def test_a_second_submission_is_refused_on_the_page(x) -> None:
    req = _submitted(x)
    page = client_for(x["cast"].filer).post(
        reverse("credits:issuance_request_submit", args=[req.pk])
    )
    assert page.status_code == 200 and "is not possible while" in page.content.decode()


def test_the_service_s_refusal_is_shown_in_japanese(x) -> None:
    """The page's language (Japanese by default): the service's reason in Japanese."""
    from django.test import Client

    req = _submitted(x)
    jc = Client()
    jc.force_login(x["cast"].jc)
    zero = {f"p{p.pk}": "0" for p in x["periods"]}
    page = jc.post(reverse("credits:issuance_request_approve", args=[req.pk]), zero)
    assert page.status_code == 200 and "却下してください" in page.content.decode()


def test_the_panel_for_the_project_page(x, rf) -> None:
    """What credits:detail composes: the panel's context (hidden to who may not see it)."""
    request = rf.get("/")
    request.user = x["cast"].filer
    context = panel(request, x["project"])
    assert context["issuance_visible"] and context["issuance_can_create"]
    assert [t for _p, t in context["issuance_free_periods"]] == [100, 60]
    request.user = x["cast"].jc
    context = panel(request, x["project"])
    assert context["issuance_visible"] and not context["issuance_can_create"]
    request.user = x["cast"].other_jc
    assert panel(request, x["project"]) == {"issuance_visible": False}


def test_the_joint_committee_does_not_see_a_draft(x) -> None:
    req = s.issuance_request_create(
        actor=x["cast"].filer, project=x["project"], periods=x["periods"]
    )
    assert (
        client_for(x["cast"].jc).get(reverse("credits:issuance_request", args=[req.pk])).status_code
        == 404
    )
    assert (
        client_for(x["cast"].office)
        .get(reverse("credits:issuance_request", args=[req.pk]))
        .status_code
        == 200
    )


def test_the_list_puts_the_requests_waiting_for_a_decision_first(x) -> None:
    first = _submitted(x)
    s.issuance_request_approve(actor=x["cast"].jc, request=first)
    from creditsfactories_issuance import verified

    p3 = verified(x["plan"], "2026-07-01", "2026-07-31", 7)
    waiting = s.issuance_request_submit(
        actor=x["cast"].filer,
        request=s.issuance_request_create(
            actor=x["cast"].filer, project=x["project"], periods=[p3]
        ),
    )
    jc = client_for(x["cast"].jc)
    html = jc.get(reverse("credits:issuance_list")).content.decode()
    assert html.index(f"#{waiting.pk}<") < html.index(f"#{first.pk}<")
    only = jc.get(reverse("credits:issuance_list") + "?state=approved").content.decode()
    assert f"#{first.pk}<" in only and f"#{waiting.pk}<" not in only
    export = jc.get(reverse("credits:issuance_list") + "?export=csv")
    assert export.status_code == 200 and str(x["project"]) in export.content.decode("utf-8-sig")
