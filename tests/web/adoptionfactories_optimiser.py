"""The selection board's round: the demo's optimiser samples (six proposals in four partner
countries, one failing basic screening) submitted, screened and reviewed through the services,
with the demo's sample budget of 300,000,000 yen on the round."""

from __future__ import annotations

import pytest
from webfactories import ROOT

from renkei.adoption.demo_optimiser import optimiser_samples


@pytest.fixture
def board_round(users, first_round, settings):
    settings.RENKEI_DEMO_NOW = "2024-06-01T09:00:00+09:00"
    made = optimiser_samples(
        round_=first_round,
        applicant=users["applicant"],
        office=users["office"],
        reviewers=[users["reviewer"]],
        examples=ROOT / "examples",
    )
    first_round.refresh_from_db()
    return {"round": first_round, "proposals": made, "office": users["office"], "users": users}


@pytest.fixture
def small_round(users, first_round, settings):
    """Two of the samples (both in Mongolia): enough for the permission matrices."""
    from renkei.adoption.demo_optimiser import SAMPLES

    settings.RENKEI_DEMO_NOW = "2024-06-01T09:00:00+09:00"
    made = optimiser_samples(
        round_=first_round,
        applicant=users["applicant"],
        office=users["office"],
        reviewers=[users["reviewer"]],
        examples=ROOT / "examples",
        samples=(SAMPLES[0], SAMPLES[4]),
    )
    first_round.refresh_from_db()
    return {"round": first_round, "proposals": made, "office": users["office"], "users": users}
