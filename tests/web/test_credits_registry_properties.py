"""Properties of the registry ledger over random sequences of operations (issue 10: "hypothesis
properties over random sequences of operations (conservation of credits, no overlap)"): a
hypothesis state machine issues, transfers (FIFO or out of a chosen block), delivers, cancels
and retires through the services, refused moves included, and after every step checks against
its own model that

- credits are conserved: every account holds what the model says, and all blocks together hold
  exactly what was issued;
- the serials of each issuance are covered by its blocks exactly once (no overlap, no gap);
- finality: what entered a cancellation or retirement account is never moved again;
- the reconciliation (blocks = movements in − out; blocks = issued) holds."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from creditsfactories_registry import issuance_of, ledger, open_accounts
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from renkei.credits.models import Block, Issuance
from renkei.credits.services import registry as services
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

MOVABLE = ("goj", "jp", "ke")
FINAL = ("jp_cancel", "jp_retire", "ke_cancel", "ke_retire")


def test_random_sequences_conserve_credits_without_overlap_and_keep_finality() -> None:
    lg = ledger()
    accounts = open_accounts(lg)
    day = itertools.count()

    class Ledger(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.held = services.balances(accounts.values())  # the model, from where we start
            self.final_blocks = self._final_blocks()

        def _final_blocks(self) -> set:
            return set(
                Block.objects.filter(account__kind__in=("cancellation", "retirement")).values_list(
                    "issuance_id", "serial_start", "serial_end"
                )
            )

        @rule(n=st.integers(min_value=1, max_value=400))
        def issue(self, n: int) -> None:
            start = dt.date(2027, 1, 1) + dt.timedelta(days=3 * next(day))
            issuance = issuance_of(
                lg.project, lg.agreement, n, start.isoformat(), start.isoformat()
            )
            blocks = services.registry_issuance_record(actor=lg.registry, issuance=issuance)
            for b in blocks:
                self.held[b.account_id] += b.quantity

        @rule(
            source=st.sampled_from(MOVABLE + FINAL),
            destination=st.sampled_from(MOVABLE + FINAL),
            quantity=st.integers(min_value=1, max_value=300),
            chosen=st.booleans(),
        )
        def transfer(self, source: str, destination: str, quantity: int, chosen: bool) -> None:
            src, dst = accounts[source], accounts[destination]
            block = Block.objects.filter(account=src).order_by("?").first() if chosen else None
            available = block.quantity if block else self.held[src.pk]
            try:
                services.registry_transfer(
                    actor=lg.registry, source=src, destination=dst, quantity=quantity, block=block
                )
            except NotAllowed:
                assert source in FINAL  # only final accounts refuse the registry administrator
                return
            except ServiceError:
                assert src == dst or quantity > available
                return
            assert source not in FINAL and src != dst and quantity <= available
            self.held[src.pk] -= quantity
            self.held[dst.pk] += quantity

        @rule(
            source=st.sampled_from(("jp", "ke")),
            how=st.sampled_from(("deliver", "cancel", "retire")),
            quantity=st.integers(min_value=1, max_value=200),
        )
        def settle(self, source: str, how: str, quantity: int) -> None:
            src = accounts[source]
            service = getattr(services, f"registry_{how}")
            dst = {
                "deliver": accounts["goj"],
                "cancel": accounts[f"{source}_cancel"],
                "retire": accounts[f"{source}_retire"],
            }[how]
            try:
                service(actor=lg.registry, source=src, quantity=quantity)
            except ServiceError:
                assert quantity > self.held[src.pk]
                return
            self.held[src.pk] -= quantity
            self.held[dst.pk] += quantity

        @invariant()
        def conserved(self) -> None:
            assert services.balances(accounts.values()) == self.held
            issued = sum(i.issued_tco2 for i in Issuance.objects.exclude(recorded_at=None))
            assert sum(b.quantity for b in Block.objects.all()) == issued

        @invariant()
        def each_serial_once(self) -> None:
            for issuance in Issuance.objects.exclude(recorded_at=None):
                ranges = sorted(
                    issuance.blocks.values_list("serial_start", "serial_end"), key=lambda r: r[0]
                )
                expected = 1
                for start, end in ranges:
                    assert start == expected, (issuance.pk, ranges)
                    expected = end + 1
                assert expected == issuance.issued_tco2 + 1

        @invariant()
        def final_is_final(self) -> None:
            now = self._final_blocks()
            assert self.final_blocks <= now  # nothing left a final account, nothing changed
            self.final_blocks = now

        @invariant()
        def reconciles(self) -> None:
            assert services.reconcile().ok

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=12,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
