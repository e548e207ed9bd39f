"""The demo's selection story builds through the services, with its own dates, once."""

from __future__ import annotations

import pytest
from webfactories import JST, ROOT, UserFactory

from renkei.accounts.models import Role
from renkei.adoption.demo import selection_story
from renkei.adoption.models import Hearing, Selection, SelectionState
from renkei.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_story_waits_for_the_clock_then_builds_once(users, first_round, settings) -> None:
    reviewers = [users["reviewer"], UserFactory(role=Role.REVIEWER, organisation=None)]
    args = dict(
        round=first_round,
        applicant=users["applicant"],
        office=users["office"],
        reviewers=reviewers,
        examples=ROOT / "examples",
        secretariat=users["secretariat"],
        partner=users["partner"],
    )
    settings.RENKEI_DEMO_NOW = "2024-05-01T10:00:00+09:00"
    assert selection_story(**{"round_": args.pop("round"), **args}) == []
    settings.RENKEI_DEMO_NOW = "2024-06-20T10:00:00+09:00"
    made = selection_story(round_=first_round, **args)
    assert len(made) == 2
    first, second = made
    assert first.selection.state == SelectionState.PIN_SENT
    assert first.selection.pin.content["missing"] == []  # the sample PIN covers everything
    [query] = first.selection.pin.queries.all()  # waiting for the applicant's answer
    assert [p.organisation for p in first.partners.all()] == [users["partner"].organisation]
    assert query.asked_by == users["secretariat"] and query.answered_at is None
    held = Hearing.objects.get(proposal=second).held_at.astimezone(JST)
    assert held.isoformat() == "2024-06-04T14:00:00+09:00"
    assert not Selection.objects.filter(proposal=second).exists()  # left for the office
    dates = {e.at.date().isoformat() for e in AuditEvent.objects.all()}
    assert dates <= {
        "2024-05-10",
        "2024-05-14",
        "2024-05-15",
        "2024-05-20",
        "2024-05-21",
        "2024-06-03",
        "2024-06-04",
        "2024-06-05",
        "2024-06-06",
    }
    assert selection_story(round_=first_round, **args) == []  # idempotent
