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


@pytest.mark.django_db(transaction=True)  # the samples' e-mails go out on commit
def test_the_output_is_short_with_the_login_url_and_the_readmes_logins(settings, tmp_path) -> None:
    """Issue 12, 19: the samples' e-mails go to a file (counted), not before the logins; the
    URL is the login page; every login printed is in the README's table and vice versa."""
    import re

    from django.core import mail
    from webfactories import ROOT

    from renkei.calls.management.commands.renkei_demo import USERS

    settings.RENKEI_DEMO_NOW = "2024-06-20T10:00:00+09:00"
    settings.VAR_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # as in the demo
    mail.outbox = []
    text = _run()
    assert len(text.splitlines()) <= 20, text
    assert "Content-Type:" not in text and "Subject:" not in text
    kept = (tmp_path / "demo-emails.txt").read_text(encoding="utf-8")
    count = int(re.search(r"^(\d+) e-mails of the samples: ", text, re.M).group(1))
    assert count > 0 and kept.count("Subject:") == count
    assert f"{settings.RENKEI_BASE_URL}/accounts/login/" in text
    assert mail.outbox == []  # the console backend is back for the server
    assert settings.EMAIL_BACKEND.endswith("console.EmailBackend")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| login (password `renkei-demo-<login>`) | finds |")[1].split("\n\n")[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.M)
    listed = {name for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}
    assert {name for name, *_ in USERS} == listed
