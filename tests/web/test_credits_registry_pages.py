"""The registry part's pages (issue 10): what each role sees, a refused move shown on the form
as typed (never a 500), the ledger and movements exported as .xlsx and CSV, the
reconciliation page and command, and the panel for the project's page."""

from __future__ import annotations

import io

import pytest
from creditsfactories_registry import ledger, open_accounts
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.urls import reverse
from test_api import client_for

from renkei.credits.models import Block
from renkei.credits.services import registry as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    lg = ledger()
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    return lg, accounts


def test_each_holder_sees_its_own_accounts_and_the_jc_its_country(world) -> None:
    lg, accounts = world
    page = client_for(lg.filer).get(reverse("credits:registry_accounts")).content.decode()
    assert accounts["jp"].number in page and accounts["ke"].number not in page
    page = client_for(lg.joint_committee).get(reverse("credits:registry_accounts")).content
    assert accounts["ke"].number.encode() in page and accounts["jp"].number.encode() not in page
    page = client_for(lg.office).get(reverse("credits:registry_accounts")).content.decode()
    assert all(a.number in page for a in accounts.values())
    assert "Open an account" not in page  # the office sees, read-only


def test_the_account_page_shows_serials_and_a_refused_move_keeps_what_was_typed(world) -> None:
    lg, accounts = world
    client = client_for(lg.partner)
    url = reverse("credits:registry_account", args=[accounts["ke"].pk])
    page = client.get(url).content.decode()
    assert f"KE-{lg.project.reference}-20260216-20260831-000097-000120" in page
    response = client.post(
        reverse("credits:registry_account_move", args=[accounts["ke"].pk]),
        {"action": "cancel", "quantity": "25", "note": "typed note"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "holds 24 credits" in text and 'value="typed note"' in text
    response = client.post(
        reverse("credits:registry_account_move", args=[accounts["ke"].pk]),
        {"action": "transfer", "quantity": "3"},
    )
    assert "A transfer needs the account it goes to." in response.content.decode()
    response = client.post(
        reverse("credits:registry_account_move", args=[accounts["ke"].pk]),
        {"action": "retire", "quantity": "4"},
    )
    assert response.status_code == 302
    assert services.balances([accounts["ke_retire"]])[accounts["ke_retire"].pk] == 4


def test_opening_an_account_on_the_page(world) -> None:
    lg, _accounts = world
    client = client_for(lg.registry)
    response = client.post(
        reverse("credits:registry_account_open"), {"registry": "ID", "kind": "holding"}
    )
    assert response.status_code == 200
    assert "A holding account needs its holder" in response.content.decode()
    response = client.post(
        reverse("credits:registry_account_open"),
        {"registry": "ID", "kind": "holding", "holder": lg.kenyan.pk},
    )
    assert response.status_code == 302


def test_the_ledger_and_movements_export_as_xlsx_and_csv(world) -> None:
    from openpyxl import load_workbook

    lg, _accounts = world
    client = client_for(lg.office)
    csv = client.get(reverse("credits:registry_ledger") + "?export=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3 and f"KE-{lg.project.reference}-" in lines[1]
    xlsx = client.get(reverse("credits:registry_movements") + "?export=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 3 and sum(r[3] for r in rows[1:]) == 120


def test_the_reconciliation_page_and_command(world) -> None:
    lg, accounts = world
    client = client_for(lg.registry)
    assert (
        b"The ledger reconciles" in client.get(reverse("credits:registry_reconciliation")).content
    )
    out = io.StringIO()
    call_command("credits_reconcile", "--all", stdout=out)
    assert "the ledger reconciles" in out.getvalue()
    Block.objects.filter(account=accounts["ke"]).update(account=accounts["jp"])
    assert b"does not reconcile" in client.get(reverse("credits:registry_reconciliation")).content
    with pytest.raises(CommandError, match="does not reconcile"):
        call_command("credits_reconcile", stdout=io.StringIO(), stderr=io.StringIO())


def test_recording_on_the_page_says_why_it_is_refused(world) -> None:
    lg, _accounts = world
    client = client_for(lg.registry)
    response = client.post(
        reverse("credits:registry_issuance_record", args=[lg.issuance.pk]), follow=True
    )
    assert "already recorded" in response.content.decode()


def test_the_panel_shows_the_project_credits_in_the_accounts_one_sees(world) -> None:
    from django.template.loader import render_to_string

    from renkei.credits.views_registry import panel

    lg, accounts = world
    request = RequestFactory().get("/")
    request.user = lg.partner
    context = panel(request, lg.project)
    assert [(a, n) for a, n in context["registry"]["by_account"]] == [(accounts["ke"], 24)]
    html = render_to_string("credits/registry/_panel.html", context, request=request)
    assert accounts["ke"].number in html and accounts["jp"].number not in html
    request.user = lg.verifier
    assert panel(request, lg.project) == {}
