"""Settlement reports of one C3P contract year filed at the same moment (issue 11): each is
checked against the contract amount with the settlements before it, so the year's row is
locked while it is checked; two reports that together exceed the amount cannot both pass.
Threads need real row locks, so this runs on PostgreSQL (the PostgreSQL pass of `make test`, as
tests/web/test_concurrent_submit.py); SQLite serialises writers on its own."""

from __future__ import annotations

import pytest
from c3pfactories_project import adopted_proposal, cast, contracted_year
from django.db import connection
from webfactories import run_at_once

from renkei.c3p.models import C3pSettlement
from renkei.c3p.services.project import c3p_project_create, c3p_settlement_submit
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def test_two_settlements_at_once_never_exceed_the_contract_amount(settings) -> None:
    people = cast()
    project = c3p_project_create(actor=people.office, proposal=adopted_proposal(people, settings))
    year = contracted_year(people, project.years.get(), amount=18_000_000)
    # each 10,000,000 + 1,000,000 tax = 11,000,000: one fits in 18,000,000, two do not
    lines = [{"category": "personnel", "description": "Staff", "amount_jpy": 10_000_000}]

    def file():
        return c3p_settlement_submit(actor=people.lead, year=year, kind="interim", lines=lines)

    results = run_at_once([file, file])
    filed = [r for r in results if isinstance(r, C3pSettlement)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(filed) == 1 and len(refused) == 1, results
    assert "above the contract amount" in str(refused[0]) or "契約額" in str(refused[0])
    assert C3pSettlement.objects.count() == 1
