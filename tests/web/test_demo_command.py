"""`make demo`'s data command: reference data, samples, one login per role, the selection
story when the demo clock is past it; running it twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from renkei.accounts.models import Role, User
from renkei.adoption.models import Selection, SelectionState
from renkei.proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = io.StringIO()
    call_command("renkei_demo", stdout=out)
    return out.getvalue()


def test_demo_data_on_the_default_clock_and_twice(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-06-20T10:00:00+09:00"  # the Makefile's default
    text = _run()
    for name in ("applicant", "office", "reviewer", "secretariat", "jc-kenya"):
        assert f"renkei-demo-{name}" in text
        assert User.objects.get(username=name).check_password(f"renkei-demo-{name}")
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    drafts = Proposal.objects.filter(sample=True, state="draft", call__program="jcm-model-project")
    assert drafts.exists()
    assert all(p.round.deadline.isoformat() > "2024-06-20" for p in drafts)  # an open round
    pin_sent = Selection.objects.get(state=SelectionState.PIN_SENT)
    assert pin_sent.proposal.sample and pin_sent.pin.country == "KE"
    assert "Selection sample" in text
    counts = (Proposal.objects.count(), Selection.objects.count(), User.objects.count())
    _run()
    assert (Proposal.objects.count(), Selection.objects.count(), User.objects.count()) == counts


def test_before_the_story_the_demo_says_how_to_see_it(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-01T10:00:00+09:00"
    assert "DEMO_NOW=2024-06-20" in _run()
    assert not Selection.objects.exists()
