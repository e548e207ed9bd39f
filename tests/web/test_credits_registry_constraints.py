"""The registry ledger's invariants held by the database itself (issue 10: "Invariants the
database holds, not only Python"; migration ``credits.0004_registry``): each guard refuses a
raw SQL write that goes around the services. Runs on SQLite and, in the PostgreSQL pass of
`make test`, on PostgreSQL (the exclusion constraint there, triggers on both)."""

from __future__ import annotations

import pytest
from creditsfactories_registry import ledger, open_accounts
from django.db import IntegrityError, connection, transaction

from renkei.credits.models import Block, IssuanceRequestPeriod, Movement
from renkei.credits.services import registry as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    lg = ledger()
    accounts = open_accounts(lg)
    blocks = services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    return lg, accounts, blocks  # goj 1–60, jp 61–96, ke 97–120


def _refused(sql: str, params: list, words: str | None = None) -> None:
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    if words:
        assert words in str(exc.value)


INSERT = (
    "INSERT INTO credits_block (issuance_id, account_id, serial_start, serial_end, created_at) "
    "VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP)"
)


def test_a_serial_is_in_one_block_only(recorded) -> None:
    lg, accounts, blocks = recorded
    # a second block holding serials 50–70 (the GoJ's and the Japanese participant's)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE credits_block SET serial_end = 96 WHERE id = %s", [blocks[0].pk])
        c.execute(INSERT, [lg.issuance.pk, accounts["ke"].pk, 50, 70])
    _refused(INSERT, [lg.issuance.pk, accounts["ke"].pk, 120, 120])
    # widening a block over its neighbour
    _refused("UPDATE credits_block SET serial_end = 61 WHERE id = %s", [blocks[0].pk])
    assert Block.objects.filter(issuance=lg.issuance).count() == 3


def test_blocks_stay_within_their_issuance(recorded) -> None:
    lg, accounts, blocks = recorded
    # after a block is freed, a block beyond the issued credits is refused; within, accepted
    with transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE credits_block SET serial_end = 110 WHERE id = %s", [blocks[2].pk])
    _refused(INSERT, [lg.issuance.pk, accounts["ke"].pk, 111, 121], "within its issuance")
    _refused("UPDATE credits_block SET serial_end = 121 WHERE id = %s", [blocks[2].pk])
    # an issuance is not lowered under its blocks (the blocks of an issuance thus add up to at
    # most what was issued: disjoint ranges within 1..issued_tco2)
    _refused("UPDATE credits_issuance SET issued_tco2 = 100 WHERE id = %s", [lg.issuance.pk])


def test_credits_in_a_final_account_never_change(recorded) -> None:
    lg, accounts, _blocks = recorded
    services.registry_cancel(actor=lg.partner, source=accounts["ke"], quantity=24)
    cancelled = Block.objects.get(account=accounts["ke_cancel"])
    _refused(
        "UPDATE credits_block SET account_id = %s WHERE id = %s",
        [accounts["ke"].pk, cancelled.pk],
        "final",
    )
    _refused("UPDATE credits_block SET serial_start = 100 WHERE id = %s", [cancelled.pk])
    _refused(
        "UPDATE credits_account SET kind = 'holding', holder_id = %s WHERE id = %s",
        [lg.kenyan.pk, accounts["ke_cancel"].pk],
    )
    # an account holding credits does not become another kind either
    _refused("UPDATE credits_account SET kind = 'retirement' WHERE id = %s", [accounts["jp"].pk])
    if connection.vendor == "postgresql":  # SQLite has no DELETE triggers (the module's note)
        _refused("DELETE FROM credits_block WHERE id = %s", [cancelled.pk], "final")
    assert Block.objects.get(pk=cancelled.pk).account == accounts["ke_cancel"]


def test_movements_are_append_only_and_positive(recorded) -> None:
    lg, accounts, blocks = recorded
    movement = Movement.objects.filter(issuance=lg.issuance).first()
    _refused("UPDATE credits_movement SET quantity = 1 WHERE id = %s", [movement.pk])
    if connection.vendor == "postgresql":
        _refused("DELETE FROM credits_movement WHERE id = %s", [movement.pk])
    sql = (
        "INSERT INTO credits_movement (kind, issuance_id, source_id, destination_id, "
        "serial_start, serial_end, quantity, note, actor_id, at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, '', %s, CURRENT_TIMESTAMP)"
    )
    base = [lg.issuance.pk, accounts["jp"].pk, accounts["ke"].pk]
    _refused(sql, ["transfer", *base, 61, 60, 0, lg.registry.pk])  # nothing moved
    _refused(sql, ["transfer", *base, 61, 70, 5, lg.registry.pk])  # range ≠ quantity
    _refused(sql, ["issuance", *base, 61, 61, 1, lg.registry.pk])  # issuance has no source
    # a block holds at least one serial: balances are never negative
    _refused(INSERT, [lg.issuance.pk, accounts["ke"].pk, 0, 0])
    _refused("UPDATE credits_block SET serial_end = 96 WHERE id = %s", [blocks[2].pk])


def test_a_period_is_issued_once_and_never_above_its_verified_reductions(recorded) -> None:
    lg, _accounts, _blocks = recorded
    row = IssuanceRequestPeriod.objects.get(request=lg.issuance.request)
    _refused("UPDATE credits_issuancerequestperiod SET issued_tco2 = 121 WHERE id = %s", [row.pk])
    _refused(
        "INSERT INTO credits_issuancerequestperiod "
        "(request_id, period_id, active, verified_tco2, issued_tco2) "
        "VALUES (%s, %s, %s, 120, 120)",
        [lg.issuance.request_id, row.period_id, True],
    )
