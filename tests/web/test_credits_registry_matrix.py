"""The registry part's permission matrices (issue 10: "both permission matrices"): every role ×
every page and every API operation of the registry ledger, the expected answer written out per
cell, and a check that each matrix names every URL / operation of the part.

On a ledger with its accounts open and a first issuance recorded (the Kenyan partner's holding
account holds 24 credits) and a second issuance decided, not recorded. The account pages and
operations are those of the Kenyan partner's holding account (registry KE): its holder's
applicants and the registry administrator move credits out of it; Kenya's Joint Committee
contact and the office see it read-only (403 on a move); anyone else: 404. Without a session:
302 to the login page (pages) or 401 (API). Pages are posted empty (a form with its errors:
200); the registry administrator's empty post to record an issuance records it (302)."""

from __future__ import annotations

import pytest
from creditsfactories_registry import issuance_of, ledger, open_accounts
from django.urls import reverse
from test_api import client_for, post_json

from renkei.credits.models import Account, Block
from renkei.credits.services import registry as services

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "registry",
    "office",
    "filer",  # an applicant of the Japanese participant (its JP account, not this one)
    "partner",  # an applicant of the Kenyan participant (this account's holder)
    "outsider",
    "joint_committee",  # Kenya's
    "other_joint_committee",  # Indonesia's
    "verifier",
    "reviewer",
    "secretariat",
]
SEES_LIST = [302, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404]
OPEN = [302, 200, 403, 403, 403, 403, 403, 403, 404, 404, 404]
SEES_ACCOUNT = [302, 200, 200, 404, 200, 404, 200, 404, 404, 404, 404]
MOVE = [302, 200, 403, 404, 200, 404, 403, 404, 404, 404, 404]
LEDGER = [302, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404]
RECORD = [302, 302, 403, 404, 404, 404, 404, 404, 404, 404, 404]

PAGES = {
    ("registry_accounts", "GET"): SEES_LIST,
    ("registry_account_open", "POST"): OPEN,
    ("registry_account", "GET"): SEES_ACCOUNT,
    ("registry_account_move", "POST"): MOVE,
    ("registry_issuances", "GET"): LEDGER,
    ("registry_issuance_record", "POST"): RECORD,
    ("registry_ledger", "GET"): LEDGER,
    ("registry_movements", "GET"): LEDGER,
    ("registry_reconciliation", "GET"): LEDGER,
}


@pytest.fixture
def world():
    lg = ledger()
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    waiting = issuance_of(lg.project, lg.agreement, 10, "2026-09-01", "2026-12-31")
    people = {
        "anonymous": None,
        "registry": lg.registry,
        "office": lg.office,
        "filer": lg.filer,
        "partner": lg.partner,
        "outsider": lg.outsider,
        "joint_committee": lg.joint_committee,
        "other_joint_committee": lg.other_joint_committee,
        "verifier": lg.verifier,
        "reviewer": lg.reviewer,
        "secretariat": lg.secretariat,
    }
    return {"lg": lg, "accounts": accounts, "waiting": waiting, "people": people}


def _url(name: str, world) -> str:
    if name in ("registry_account", "registry_account_move"):
        return reverse(f"credits:{name}", args=[world["accounts"]["ke"].pk])
    if name == "registry_issuance_record":
        return reverse(f"credits:{name}", args=[world["waiting"].pk])
    return reverse(f"credits:{name}")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_registry_page(role, world) -> None:
    client = client_for(world["people"][role])
    got, want = {}, {}
    for (name, method), expected in PAGES.items():
        url = _url(name, world)
        response = client.get(url) if method == "GET" else client.post(url, {})
        got[f"{method} {name}"], want[f"{method} {name}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    recorded = 2 if role == "registry" else 0  # the waiting issuance's 20 % of 10
    assert services.balances([world["accounts"]["ke"]])[world["accounts"]["ke"].pk] == 24 + recorded
    world["waiting"].refresh_from_db()
    assert (world["waiting"].recorded_at is not None) == (role == "registry")


def test_the_page_matrix_covers_every_registry_url() -> None:
    from renkei.credits.views_registry import urlpatterns

    assert {p.name for p in urlpatterns} == {name for name, _ in PAGES}


R = "/api/credits/registry"
A = R + "/accounts/{account}"
RECORD_API = [401, 201, 403, 404, 404, 404, 404, 404, 404, 404, 404]
MOVED = [401, 201, 403, 404, 201, 404, 403, 404, 404, 404, 404]
# (method, path) -> status per role, ROLES order
API = {
    ("GET", R + "/accounts"): [401, 200, 200, 200, 200, 200, 200, 200, 404, 404, 404],
    ("POST", R + "/accounts"): [401, 201, 403, 403, 403, 403, 403, 403, 404, 404, 404],
    ("GET", A): [401, 200, 200, 404, 200, 404, 200, 404, 404, 404, 404],
    ("POST", A + "/transfers"): MOVED,
    ("POST", A + "/deliveries"): MOVED,
    ("POST", A + "/cancellations"): MOVED,
    ("POST", A + "/retirements"): MOVED,
    ("GET", R + "/issuances"): [401, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404],
    ("POST", R + "/issuances/{issuance}/record"): RECORD_API,
    ("GET", R + "/reconciliation"): [401, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_registry_operation(role, world) -> None:
    client = client_for(world["people"][role])
    accounts, lg = world["accounts"], world["lg"]
    body = {
        "registry": "KE",
        "kind": "holding",
        "holder_id": lg.japanese.pk,
        "quantity": 1,
        "to_account_id": accounts["jp"].pk,
    }
    got, want = {}, {}
    for (method, path), expected in API.items():
        url = path.format(account=accounts["ke"].pk, issuance=world["waiting"].pk)
        response = client.get(url) if method == "GET" else post_json(client, url, body)
        got[f"{method} {path}"], want[f"{method} {path}"] = (
            response.status_code,
            expected[ROLES.index(role)],
        )
    assert got == want
    moved = 4 if role in ("registry", "partner") else 0
    recorded = 2 if role == "registry" else 0  # the waiting issuance's 20 % of 10
    assert services.balances([accounts["ke"]])[accounts["ke"].pk] == 24 - moved + recorded
    assert Account.objects.filter(registry="KE", holder=lg.japanese).exists() == (
        role == "registry"
    )
    assert Block.objects.filter(issuance=world["waiting"]).exists() == (role == "registry")
    assert services.reconcile().ok


def test_the_api_matrix_covers_every_registry_operation() -> None:
    import re

    from renkei.credits.api.registry import router

    operations = {
        (method, "/api" + re.sub(r"\{[^}]*\}", "{}", route))
        for route, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert operations == {(m, re.sub(r"\{[^}]*\}", "{}", p)) for m, p in API}
