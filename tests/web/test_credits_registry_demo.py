"""The registry part's demo steps (``renkei.credits.demo_registry``) on this part's fixtures: a
registered project with two issuances decided; the accounts opened, both issuances recorded and
the Japanese participant's credits delivered to the Government of Japan's account; each step
run twice does nothing more the second time."""

from __future__ import annotations

import pytest
from creditsfactories_registry import issuance_of, ledger

from renkei.credits import demo_registry as demo
from renkei.credits.models import Account, Block, Movement
from renkei.credits.services import registry as services

pytestmark = pytest.mark.django_db


def test_the_demo_steps_open_record_and_deliver_once() -> None:
    lg = ledger()
    second = issuance_of(lg.project, lg.agreement, 50, "2026-09-01", "2026-12-31")
    for _ in range(2):
        accounts = demo.open_accounts(lg.registry, lg.project)
    assert Account.objects.count() == 7  # GoJ, 2 × (cancel, retire), JP and KE holdings
    assert accounts["pp1"].registry == "JP" and accounts["pp2"].registry == "KE"
    recorded = demo.record_issuances(lg.registry, lg.project)
    assert recorded == [lg.issuance, second]
    assert demo.record_issuances(lg.registry, lg.project) == []
    moved = demo.deliver_to_goj(lg.filer, lg.project)
    assert {m.kind for m in moved} == {"delivery"}
    assert sum(m.quantity for m in moved) == 36 + 15  # 30 % of 120 and of 50
    assert demo.deliver_to_goj(lg.filer, lg.project) == []
    goj = services.government_account()
    assert services.balances([goj])[goj.pk] == 60 + 25 + 36 + 15
    assert not Block.objects.filter(account=accounts["pp1"]).exists()
    assert Block.objects.filter(account=accounts["pp2"]).exists()  # the Kenyan side's stays
    assert Movement.objects.filter(kind="delivery").count() == 2
    assert services.reconcile().ok
