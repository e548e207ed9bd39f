"""The demo's optimiser samples (issue 13): with the selection story's two samples, the first JCM
round has eight proposals at the default demo moment (2024-06-20), enough for the optimiser's
portfolio to differ from the ranking's; built only once the reviews are in, and only once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from webfactories import ROOT, UserFactory

from renkei.accounts.models import Role
from renkei.adoption import optimiser
from renkei.adoption.demo import selection_story
from renkei.adoption.demo_optimiser import SAMPLES, optimiser_samples
from renkei.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_round_shows_the_optimiser_beside_the_ranking(users, first_round, settings):
    reviewers = [users["reviewer"], UserFactory(role=Role.REVIEWER, organisation=None)]
    people = dict(
        round_=first_round,
        applicant=users["applicant"],
        office=users["office"],
        reviewers=reviewers,
        examples=ROOT / "examples",
    )
    settings.RENKEI_DEMO_NOW = "2024-05-01T10:00:00+09:00"  # before the reviews
    assert optimiser_samples(**people) == []

    settings.RENKEI_DEMO_NOW = "2024-06-20T10:00:00+09:00"  # the demo's selection moment
    assert len(selection_story(**people)) == 2
    made = optimiser_samples(**people)
    assert len(made) == len(SAMPLES) == 6
    assert all(p.sample and p.title.startswith("【サンプル】") for p in made)
    before = AuditEvent.objects.count()
    assert optimiser_samples(**people) == []  # idempotent
    assert AuditEvent.objects.count() == before

    first_round.refresh_from_db()
    rows = optimiser.round_rows(users["office"], first_round)
    assert len(rows) == 8 and sum(r.candidate.eco_lease for r in rows) == 1
    run = optimiser.optimiser_run(
        actor=users["office"], round=first_round, settings=optimiser.Settings()
    )
    result = run.result
    assert result["budget_jpy"] == 300_000_000  # the demo's sample budget
    assert result["only_optimiser"] and result["only_ranking"]  # a real trade, not a top-up
    assert Decimal(result["optimiser"]["score"]) > Decimal(result["ranking"]["score"])
    assert result["optimiser"]["subsidy_jpy"] > result["ranking"]["subsidy_jpy"]
    assert len(result["excluded"]) == 1  # the sample that failed basic screening
    titles = {str(r.proposal.pk): r.proposal.title for r in rows}
    (traded,) = result["only_ranking"]  # the Thai boiler, ranked second, blocks smaller ones
    assert "タイ化学工場の高効率ボイラ" in titles[traded["id"]]
    added = sorted(titles[d["id"]] for d in result["only_optimiser"])
    assert len(added) == 3, added
    assert any("エコリース" in t for t in added), added
