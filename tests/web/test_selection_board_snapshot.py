"""The selection optimiser solves outside any transaction and lock (issue 13's follow-up): the
round's inputs are read in a short transaction, solved, and the run is stored only if a second
short transaction finds the same inputs (their fingerprint). A round changed while the solve
ran (a budget, a decision) is refused, naming each change, and nothing is stored. The
concurrency test (another connection changes the round while a solve runs) needs row locks,
so it runs on PostgreSQL (see ``tests/web/test_concurrent_submit.py``)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from adoptionfactories_optimiser import board_round  # noqa: F401 (fixtures)
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from test_api import client_for

from renkei.adoption import optimiser
from renkei.adoption.models import OptimiserRun
from renkei.adoption.services import selection_reject
from renkei.audit.models import AuditEvent
from renkei.calls.models import Call
from renkei.calls.services import round_set_budget

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks: runs in the PostgreSQL pass of `make test`",
)


def _solve_after(monkeypatch, change):
    """The solve step, with ``change`` made first (as another actor would while it runs)."""
    real = optimiser._solve

    def solve(problem):
        change()
        return real(problem)

    monkeypatch.setattr(optimiser, "_solve", solve)


def test_a_budget_changed_during_the_solve_is_refused_and_nothing_stored(
    board_round,  # noqa: F811
    monkeypatch,
):
    chosen, office = board_round["round"], board_round["office"]
    _solve_after(
        monkeypatch,
        lambda: round_set_budget(actor=office, round=chosen, budget_jpy=250_000_000),
    )
    with pytest.raises(optimiser.RoundChanged) as refused:
        optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert "was not stored" in str(refused.value)
    assert refused.value.errors == [
        "The round's remaining budget changed from 300,000,000 to 250,000,000 yen."
    ]
    assert not OptimiserRun.objects.exists()
    assert not AuditEvent.objects.filter(action="optimiser_run").exists()
    # run again on the round's data of now: stored, with the new budget
    monkeypatch.undo()
    run = optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert run.inputs["constraints"]["round_budget_jpy"] == 250_000_000


def test_a_decision_during_the_solve_is_named(board_round, monkeypatch):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    rows = optimiser.round_rows(office, chosen)
    decided = rows[0].proposal
    _solve_after(
        monkeypatch,
        lambda: selection_reject(actor=office, proposal=decided, reason="Outside the scope."),
    )
    with pytest.raises(optimiser.RoundChanged) as refused:
        optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert refused.value.errors == [
        f"Proposal {decided.receipt_number} is no longer a candidate (decided, withdrawn or "
        "without a submitted review)."
    ]
    assert not OptimiserRun.objects.exists()


def test_settings_that_no_longer_fit_after_a_change_are_named(
    board_round,  # noqa: F811
    monkeypatch,
):
    chosen, office = board_round["round"], board_round["office"]
    decided = optimiser.round_rows(office, chosen)[0].proposal
    _solve_after(
        monkeypatch,
        lambda: selection_reject(actor=office, proposal=decided, reason="Outside the scope."),
    )
    settings = optimiser.Settings(fixed={str(decided.pk): "in"})
    with pytest.raises(optimiser.RoundChanged) as refused:
        optimiser.optimiser_run(actor=office, round=chosen, settings=settings)
    assert f"Proposal {decided.pk} is fixed in but is not a candidate of this round." in (
        refused.value.errors
    )
    assert not OptimiserRun.objects.exists()


def test_changes_name_scores_and_candidates(board_round):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    rows = optimiser.round_rows(office, chosen)
    budgets = optimiser.budgets_of(chosen)
    before = optimiser.problem_for_round(chosen, optimiser.Settings(), rows, budgets)
    first, second = rows[0], rows[1]
    changed = [
        optimiser.Row(first.proposal, replace(first.candidate, score=first.candidate.score + 1)),
        *rows[2:],
    ]
    after = optimiser.problem_for_round(chosen, optimiser.Settings(), changed, budgets)
    name = second.candidate.receipt
    assert optimiser.changes(before, after) == [
        f"Proposal {name} is no longer a candidate (decided, withdrawn or without a submitted "
        "review).",
        f"Proposal {first.candidate.receipt}: its score changed.",
    ]
    assert optimiser.changes(after, before)[0] == f"Proposal {name} became a candidate."


def test_the_board_and_the_api_say_the_round_changed_and_keep_what_was_typed(
    board_round,  # noqa: F811
    monkeypatch,
):
    chosen, office = board_round["round"], board_round["office"]
    budgets = iter((250_000_000, 240_000_000))
    _solve_after(
        monkeypatch,
        lambda: round_set_budget(actor=office, round=chosen, budget_jpy=next(budgets)),
    )
    client = client_for(office)
    url = reverse("adoption:selection_board") + f"?round={chosen.pk}"
    typed = {"objective": "score", "limits": "country TH max 1", "time_limit_s": "5"}
    page = client.post(url, typed)
    assert page.status_code == 400
    text = page.content.decode()
    assert "The round changed while the optimiser was solving" in text
    assert "from 300,000,000 to 250,000,000 yen" in text
    assert "country TH max 1</textarea>" in text
    api = client.post(
        f"/api/rounds/{chosen.pk}/selection-optimiser/runs",
        {"objective": "score"},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert api.json()["errors"] == [
        "The round's remaining budget changed from 250,000,000 to 240,000,000 yen."
    ]
    assert not OptimiserRun.objects.exists()


def test_a_serialization_failure_while_reading_reads_again_once(
    board_round,  # noqa: F811
    monkeypatch,
):
    """Reading caches a version's assessment (a write): under REPEATABLE READ two first readings
    at once conflict (SQLSTATE 40001); the reading is done again, once, and nothing else is."""
    chosen, office = board_round["round"], board_round["office"]
    real, calls = optimiser._inputs, []

    def conflict(sqlstate):  # as Django wraps the driver's error: the driver's is the cause
        error = OperationalError("could not serialize access")
        error.__cause__ = type("DriverError", (Exception,), {"sqlstate": sqlstate})()
        return error

    def flaky(*args, **kwargs):
        calls.append(kwargs["lock"])
        if len(calls) <= failures:
            raise conflict(sqlstate)
        return real(*args, **kwargs)

    monkeypatch.setattr(optimiser, "_inputs", flaky)
    failures, sqlstate = 1, "40001"
    run = optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert calls == [False, False, True] and run.status == "optimal"
    calls.clear()
    failures = 2  # twice: said as it is (the middleware answers 503, try again)
    with pytest.raises(OperationalError):
        optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert calls == [False, False]
    calls.clear()
    failures, sqlstate = 1, "40P01"  # another database error: not read again
    with pytest.raises(OperationalError):
        optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    assert calls == [False]


@pytest.mark.django_db(transaction=True)
def test_the_solve_runs_outside_any_transaction(board_round, monkeypatch):  # noqa: F811
    chosen, office = board_round["round"], board_round["office"]
    seen = []
    real = optimiser._solve

    def solve(problem):
        seen.append(connection.in_atomic_block)
        return real(problem)

    monkeypatch.setattr(optimiser, "_solve", solve)
    run = optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
    again = optimiser.optimiser_rerun(actor=office, run=run)
    assert seen == [False, False]  # neither the run's solve nor the re-run's holds a transaction
    assert again.same_result is True


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_round_can_be_changed_while_the_optimiser_solves(board_round, monkeypatch):  # noqa: F811
    """A slow solve (it waits for the test) in one thread; meanwhile this connection changes the
    round's budget and locks the call (as a submission does) under a 2-second lock_timeout:
    before the fix the solve held both rows and these writes timed out."""
    chosen, office = board_round["round"], board_round["office"]
    solving, release = threading.Event(), threading.Event()
    real = optimiser._solve

    def slow_solve(problem):
        solving.set()
        release.wait(timeout=30)
        return real(problem)

    monkeypatch.setattr(optimiser, "_solve", slow_solve)
    outcome: list = []

    def run():
        try:
            outcome.append(
                optimiser.optimiser_run(actor=office, round=chosen, settings=optimiser.Settings())
            )
        except Exception as exc:  # reported to the test
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert solving.wait(timeout=30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            Call.objects.select_for_update().get(pk=chosen.call_id)
            round_set_budget(actor=office, round=chosen, budget_jpy=200_000_000)
    finally:
        release.set()
        thread.join(timeout=60)
    chosen.refresh_from_db()
    assert chosen.budget_jpy == 200_000_000  # the change went through during the solve
    (result,) = outcome
    assert isinstance(result, optimiser.RoundChanged), result  # and the stale run was refused
    assert not OptimiserRun.objects.exists()
