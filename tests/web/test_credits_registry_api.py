"""The registry part's REST operations (issue 10): what each answers, and bad input refused with
a message saying what would be right (422, whether the body is not one or the service refuses
it; 403 for a move nobody may make), never a 500."""

from __future__ import annotations

import pytest
from creditsfactories_registry import ledger, open_accounts
from test_api import client_for, post_json

from renkei.credits.services import registry as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    lg = ledger()
    accounts = open_accounts(lg)
    return lg, accounts


def test_record_then_deliver_through_the_api(world) -> None:
    lg, accounts = world
    registry = client_for(lg.registry)
    response = registry.post(f"/api/credits/registry/issuances/{lg.issuance.pk}/record")
    assert response.status_code == 201
    body = response.json()
    assert [b["quantity"] for b in body["blocks"]] == [60, 36, 24]
    assert body["blocks"][0]["serial"].endswith("-000001-000060")
    again = registry.post(f"/api/credits/registry/issuances/{lg.issuance.pk}/record")
    assert again.status_code == 422 and "already recorded" in again.content.decode()
    filer = client_for(lg.filer)
    response = post_json(
        filer, f"/api/credits/registry/accounts/{accounts['jp'].pk}/deliveries", {"quantity": 36}
    )
    assert response.status_code == 201 and response.json()["held_tco2"] == 0
    listed = filer.get("/api/credits/registry/accounts").json()
    assert [a["number"] for a in listed] == [accounts["jp"].number]
    check = registry.get("/api/credits/registry/reconciliation").json()
    assert check["ok"] is True and check["problems"] == []


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"quantity": 0}, 422, "quantity"),
        ({"quantity": 1.5}, 422, "quantity"),
        ({"quantity": "many"}, 422, "quantity"),
        ({}, 422, "quantity"),
        ({"quantity": 25}, 422, "holds 24 credits"),
        ({"quantity": 1, "block_id": 999999}, 422, "not in account"),
    ],
)
def test_a_bad_move_is_refused_with_what_would_be_right(world, body, status, words) -> None:
    lg, accounts = world
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    client = client_for(lg.partner)
    response = post_json(
        client, f"/api/credits/registry/accounts/{accounts['ke'].pk}/cancellations", body
    )
    assert response.status_code == status
    assert words in response.content.decode()
    assert services.balances([accounts["ke"]])[accounts["ke"].pk] == 24


def test_a_transfer_to_an_account_that_does_not_exist(world) -> None:
    lg, accounts = world
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    response = post_json(
        client_for(lg.partner),
        f"/api/credits/registry/accounts/{accounts['ke'].pk}/transfers",
        {"quantity": 1, "to_account_id": 999999},
    )
    assert response.status_code == 422
    assert "destination account does not exist" in response.content.decode()


def test_credits_in_a_final_account_cannot_be_moved(world) -> None:
    lg, accounts = world
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    services.registry_retire(actor=lg.partner, source=accounts["ke"], quantity=4)
    response = post_json(
        client_for(lg.registry),
        f"/api/credits/registry/accounts/{accounts['ke_retire'].pk}/transfers",
        {"quantity": 1, "to_account_id": accounts["ke"].pk},
    )
    assert response.status_code == 403
    assert services.balances([accounts["ke_retire"]])[accounts["ke_retire"].pk] == 4


def test_opening_an_account_through_the_api(world) -> None:
    lg, _accounts = world
    client = client_for(lg.registry)
    bad = post_json(client, "/api/credits/registry/accounts", {"registry": "JPN", "kind": "x"})
    assert bad.status_code == 422
    response = post_json(
        client,
        "/api/credits/registry/accounts",
        {"registry": "id", "kind": "holding", "holder_id": lg.kenyan.pk},
    )
    assert response.status_code == 201
    assert response.json()["number"].startswith("ID-HLD-")
    missing = post_json(
        client,
        "/api/credits/registry/accounts",
        {"registry": "ID", "kind": "holding", "holder_id": 999999},
    )
    assert missing.status_code == 422 and "does not exist" in missing.content.decode()
