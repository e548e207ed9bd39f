"""The registry ledger (issue 10, "The registry ledger"; JCM 2.(1)③, 2.(5)②(カ); spec §2.6):
accounts, recording an issuance as serial-numbered blocks split by the allocation agreement,
transfers that split blocks, delivery to the Government of Japan's account, cancellation and
retirement (final), every movement audited, the reconciliation."""

from __future__ import annotations

import pytest
from creditsfactories_registry import issuance_of, ledger, open_accounts

from renkei.audit.models import AuditEvent
from renkei.credits.models import Account, Block, Movement
from renkei.credits.services import registry as services
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def lg():
    return ledger()


def _held(account) -> int:
    return services.balances([account])[account.pk]


def test_recording_splits_by_the_agreement_into_serial_numbered_blocks(lg) -> None:
    accounts = open_accounts(lg)
    blocks = services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    # 120 × 50/30/20 % = 60/36/24, GoJ first in the agreement's order
    assert [(b.account, b.serial_start, b.serial_end) for b in blocks] == [
        (accounts["goj"], 1, 60),
        (accounts["jp"], 61, 96),
        (accounts["ke"], 97, 120),
    ]
    ref = lg.project.reference
    assert blocks[0].serial == f"KE-{ref}-20260216-20260831-000001-000060"
    lg.issuance.refresh_from_db()
    assert lg.issuance.recorded_at is not None
    assert Movement.objects.filter(issuance=lg.issuance, kind="issuance").count() == 3
    event = AuditEvent.objects.get(action="credits_issuance_record")
    assert event.payload["allocations"] == {"goj": 60, "pp1": 36, "pp2": 24}
    assert services.reconcile().ok


def test_the_government_share_is_rounded_up_and_the_parts_add_up() -> None:
    lg = ledger(issued=101, shares=("33.3", "33.3", "33.4"))
    open_accounts(lg)
    blocks = services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    # exact 33.633 / 33.633 / 33.734: GoJ up to 34, the others down to 33 and 33, the one
    # remaining credit to the largest remainder (pp2's .734)
    assert [b.quantity for b in blocks] == [34, 33, 34]
    assert sum(b.quantity for b in blocks) == 101


def test_an_issuance_is_never_recorded_twice(lg) -> None:
    open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    with pytest.raises(ServiceError, match="already recorded"):
        services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    assert Block.objects.filter(issuance=lg.issuance).count() == 3


def test_recording_needs_every_account_and_says_which(lg) -> None:
    with pytest.raises(ServiceError) as exc:
        services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    assert "Government of Japan" in str(exc.value) and lg.kenyan.name in str(exc.value)
    assert not Block.objects.exists()
    lg.issuance.refresh_from_db()
    assert lg.issuance.recorded_at is None


def test_only_the_registry_administrator_records_and_opens(lg) -> None:
    open_accounts(lg)
    for who in (lg.office, lg.filer, lg.joint_committee):
        with pytest.raises(NotAllowed):
            services.registry_issuance_record(actor=who, issuance=lg.issuance)
        with pytest.raises(NotAllowed):
            services.registry_account_open(actor=who, registry="JP", kind="holding", holder=None)


def test_opening_refuses_what_is_not_an_account(lg) -> None:
    for kwargs, words in (
        ({"registry": "Japan", "kind": "holding"}, "not a registry"),
        ({"registry": "JP", "kind": "vault"}, "not an account kind"),
        ({"registry": "JP", "kind": "holding"}, "needs its holder"),
        ({"registry": "JP", "kind": "government", "holder": lg.japanese}, "no organisation"),
    ):
        with pytest.raises(ServiceError, match=words):
            services.registry_account_open(actor=lg.registry, **kwargs)
    services.registry_account_open(actor=lg.registry, registry="jp", kind="government")
    with pytest.raises(ServiceError, match="already open"):
        services.registry_account_open(actor=lg.registry, registry="JP", kind="government")
    assert Account.objects.get().number == "JP-GOV-000001"


def test_a_transfer_splits_a_block_fifo_and_moves_whole_blocks(lg) -> None:
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    second = issuance_of(lg.project, lg.agreement, 10, "2026-09-01", "2026-12-31")
    services.registry_issuance_record(actor=lg.registry, issuance=second)  # jp gets 3
    moved = services.registry_transfer(
        actor=lg.filer, source=accounts["jp"], destination=accounts["ke"], quantity=38
    )
    # FIFO: the whole first block (36, serials 61–96 of the first issuance), then 2 of the next
    assert [(m.issuance_id, m.serial_start, m.serial_end) for m in moved] == [
        (lg.issuance.pk, 61, 96),
        (second.pk, 6, 7),
    ]
    rest = Block.objects.get(account=accounts["jp"])
    assert (rest.issuance_id, rest.serial_start, rest.serial_end) == (second.pk, 8, 8)
    assert _held(accounts["jp"]) == 1 and _held(accounts["ke"]) == 24 + 2 + 38
    assert services.reconcile().ok


def test_a_transfer_out_of_a_chosen_block(lg) -> None:
    accounts = open_accounts(lg)
    blocks = services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    services.registry_transfer(
        actor=lg.partner,
        source=accounts["ke"],
        destination=accounts["jp"],
        quantity=4,
        block=blocks[2],
    )
    assert list(
        Block.objects.filter(account=accounts["jp"])
        .order_by("serial_start")
        .values_list("serial_start", "serial_end")
    ) == [(61, 96), (97, 100)]
    with pytest.raises(ServiceError, match="not in account"):
        services.registry_transfer(
            actor=lg.filer,
            source=accounts["jp"],
            destination=accounts["ke"],
            quantity=1,
            block=blocks[2],
        )


@pytest.mark.parametrize("quantity", [0, -3, "1.5", "", "ten", 25])
def test_a_transfer_refuses_a_quantity_that_is_not_held(lg, quantity) -> None:
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    with pytest.raises(ServiceError) as exc:
        services.registry_transfer(
            actor=lg.partner, source=accounts["ke"], destination=accounts["jp"], quantity=quantity
        )
    assert "whole number" in str(exc.value) or "holds 24" in str(exc.value)
    assert _held(accounts["ke"]) == 24


def test_only_the_holder_or_the_registry_moves_credits(lg) -> None:
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    for who in (lg.partner, lg.office, lg.joint_committee, lg.outsider):
        with pytest.raises(NotAllowed):
            services.registry_deliver(actor=who, source=accounts["jp"], quantity=1)
    services.registry_deliver(actor=lg.registry, source=accounts["jp"], quantity=1)
    assert _held(accounts["goj"]) == 61


def test_delivery_cancellation_and_retirement(lg) -> None:
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    delivered = services.registry_deliver(actor=lg.filer, source=accounts["jp"], quantity=36)
    assert {m.kind for m in delivered} == {"delivery"}
    assert _held(accounts["goj"]) == 96 and _held(accounts["jp"]) == 0
    cancelled = services.registry_cancel(actor=lg.partner, source=accounts["ke"], quantity=4)
    retired = services.registry_retire(actor=lg.registry, source=accounts["goj"], quantity=10)
    assert cancelled[0].destination == accounts["ke_cancel"]
    assert retired[0].destination == accounts["jp_retire"]
    # final: nobody moves credits out of a cancellation or retirement account
    for final in (accounts["ke_cancel"], accounts["jp_retire"]):
        with pytest.raises(NotAllowed):
            services.registry_transfer(
                actor=lg.registry, source=final, destination=accounts["goj"], quantity=1
            )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"credits_delivery", "credits_cancellation", "credits_retirement"} <= actions
    assert services.reconcile().ok


def test_holders_are_told_of_credits_received(lg, django_capture_on_commit_callbacks) -> None:
    from renkei.accounts.models import Notice

    open_accounts(lg)
    with django_capture_on_commit_callbacks(execute=True):
        services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    assert Notice.objects.filter(recipient=lg.filer).exists()
    assert Notice.objects.filter(recipient=lg.partner).exists()


def test_the_reconciliation_finds_a_block_written_around_the_services(lg) -> None:
    accounts = open_accounts(lg)
    services.registry_issuance_record(actor=lg.registry, issuance=lg.issuance)
    Block.objects.filter(account=accounts["ke"]).update(account=accounts["jp"])  # no movement
    report = services.reconcile()
    assert not report.ok
    assert any(accounts["ke"].number in p for p in report.problems)
