"""The registry ledger at the same moment (issue 10: "two issuances or transfers at once on
PostgreSQL cannot double-issue or overdraw"): two transfers of the same credits yield one
transfer and one refusal saying what is held; two recordings of one issuance yield its blocks
once and one refusal. Threads need real row locks, so this runs on PostgreSQL, as
tests/web/test_concurrent_submit.py does (SQLite serialises writers on its own).

Without the services' locks (the source account's row and its blocks, the issuance's row,
``select_for_update``) both threads read the same fresh state: the database's exclusion
constraint then refuses the second write with an IntegrityError, not the refusal asserted here
(checked by removing the locks: both tests fail)."""

from __future__ import annotations

import pytest
from creditsfactories_registry import ledger, open_accounts
from django.db import connection
from django.utils import translation
from webfactories import run_at_once

from renkei.credits.models import Block, Movement
from renkei.credits.services import registry as services
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def _english(service, **kwargs):
    with translation.override("en"):  # each thread has its own language
        return service(**kwargs)


def test_two_transfers_of_the_same_credits_at_once_cannot_overdraw() -> None:
    lg = ledger()
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)  # jp holds 36
    results = run_at_once(
        [
            lambda who=who: _english(
                services.registry_transfer,
                actor=who,
                source=accounts["jp"],
                destination=accounts["ke"],
                quantity=30,
            )
            for who in (lg.filer, lg.registry)
        ]
    )
    done = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if not isinstance(r, list)]
    assert len(done) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), results
    assert "holds 6 credits" in str(refused[0])
    assert services.balances([accounts["jp"]])[accounts["jp"].pk] == 6
    assert services.balances([accounts["ke"]])[accounts["ke"].pk] == 24 + 30
    assert services.reconcile().ok


def test_two_recordings_of_one_issuance_at_once_issue_once() -> None:
    lg = ledger()
    open_accounts(lg)
    results = run_at_once(
        [
            lambda: _english(
                services.registry_issuance_record, actor=lg.registry, issuance=lg.issuance
            )
            for _ in range(2)
        ]
    )
    done = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if not isinstance(r, list)]
    assert len(done) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), results
    assert "already recorded" in str(refused[0])
    assert Block.objects.filter(issuance=lg.issuance).count() == 3
    assert Movement.objects.filter(issuance=lg.issuance).count() == 3
    assert services.reconcile().ok
