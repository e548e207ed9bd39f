"""The cycle part's pages: the shared project page composes each part's panel (a part without
one is left out); a refused form comes back with why and as typed; the registration due date
and the office's GoJ minimum (or that it set none) are shown."""

from __future__ import annotations

import types

import pytest
from creditsfactories_cycle import NOW, monitored, opened, validated
from django.test import Client
from django.urls import reverse
from test_api import client_for

from renkei.credits import views
from renkei.credits.models import AllocationAgreement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(settings, tmp_path):
    settings.RENKEI_DEMO_NOW = NOW
    settings.MEDIA_ROOT = str(tmp_path)


def test_a_refused_agreement_comes_back_as_typed_with_why() -> None:
    plan, who = monitored()
    project = opened(plan, who)
    client = client_for(who.filer)
    response = client.post(
        reverse("credits:cycle_agreement", args=[project.pk]),
        {
            "ag-agreed_on": "2024-05-01",
            "ag-goj": "50",
            f"ag-share_{who.partner.organisation_id}": "33.3",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "add up to 83.3 %, not 100 %" in page
    assert 'value="33.3"' in page  # what was typed is kept
    assert not AllocationAgreement.objects.exists()


def test_the_office_minimum_is_shown_or_that_there_is_none(settings) -> None:
    plan, who = monitored()
    project = opened(plan, who)
    url = reverse("credits:detail", args=[project.pk])
    page = client_for(who.office).get(url).content.decode()
    assert "The office has not set a minimum share for the Government of Japan." in page
    settings.RENKEI_GOJ_MIN_SHARE_PERCENT = "50"
    settings.RENKEI_GOJ_MIN_SHARE_SOURCE = "Office instruction 2026-1"
    page = client_for(who.office).get(url).content.decode()
    assert "at least 50 % (source: Office instruction 2026-1)" in page


def test_the_registration_due_date_is_on_the_page_in_japanese() -> None:
    plan, who = monitored()
    project = validated(plan, who)
    client = Client(headers={"Accept-Language": "ja"})
    client.force_login(who.filer)
    page = client.get(reverse("credits:detail", args=[project.pk])).content.decode()
    assert "登録申請の期限(原則)" in page and "2026-03-20" in page


def test_the_project_page_leaves_out_a_part_without_a_panel(monkeypatch) -> None:
    plan, who = monitored()
    project = opened(plan, who)
    called = []
    ghost = types.SimpleNamespace(panel=lambda request, p: called.append(p) or {"x": 1})
    monkeypatch.setattr(views, "PARTS", (*views.PARTS, ("no-such-part", ghost)))
    response = client_for(who.office).get(reverse("credits:detail", args=[project.pk]))
    assert response.status_code == 200
    assert 'id="cycle"' in response.content.decode()  # the cycle part's panel is there
    assert called == []  # no template: the part is left out, its panel() not called


def test_the_list_offers_to_open_a_monitored_project() -> None:
    plan, who = monitored()
    page = client_for(who.filer).get(reverse("credits:list")).content.decode()
    assert reverse("credits:cycle_open", args=[plan.pk]) in page
    response = client_for(who.filer).post(reverse("credits:cycle_open", args=[plan.pk]))
    assert response.status_code == 302 and plan.jcm_project.state == "preparing"
    page = client_for(who.filer).get(reverse("credits:list")).content.decode()
    assert reverse("credits:detail", args=[plan.jcm_project.pk]) in page
