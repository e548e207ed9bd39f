"""The selection optimiser walked in a browser (issue 13): the office opens the board of the first
JCM round (the demo's six optimiser samples, submitted, screened and reviewed through the
services), types a limit on a country no candidate has and gets the message naming it with
everything typed kept, edits the constraints (at most one in Thailand, the heat pump fixed out),
runs the optimiser, sees what differs from the ranking and why and the charts, reopens the
stored run from the list (its constraints shown again) and re-runs its stored inputs (the same
result). A reviewer gets 404. The browser is Japanese: text is asserted in the catalogue's
Japanese."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from webfactories import UserFactory

from renkei.accounts.models import Role
from renkei.adoption.demo_optimiser import optimiser_samples
from renkei.adoption.models import OptimiserRun

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


@pytest.fixture
def board(first_round, office, settings):
    settings.RENKEI_DEMO_NOW = "2024-06-01T09:00:00+09:00"
    reviewer = UserFactory(role=Role.REVIEWER, organisation=None)
    made = optimiser_samples(
        round_=first_round,
        applicant=UserFactory(role=Role.APPLICANT),
        office=office,
        reviewers=[reviewer],
        examples=ROOT / "examples",
    )
    return {"round": first_round, "proposals": made, "reviewer": reviewer}


def _post(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_the_office_compares_the_optimiser_with_the_ranking(
    new_page, log_in, office, board, settings, screenshot
) -> None:
    settings.RENKEI_DEMO_NOW = "2024-06-01T10:00:00+09:00"
    chosen = board["round"]
    heat_pump = next(p for p in board["proposals"] if "ヒートポンプ" in p.title)
    page = new_page()
    page.set_default_timeout(60_000)  # a loaded machine: waiting longer asserts nothing on time
    log_in(page, office.username)
    page.goto(f"/office/selection/optimiser/?round={chosen.pk}")
    main = page.locator("main")
    expect(main.locator("#decision-aid")).to_contain_text(ja("A decision aid: the office decides."))
    expect(main.locator("#candidates tr")).to_have_count(7)  # the heading and six candidates
    expect(main.locator("#candidates")).to_contain_text(ja("failed"))  # Vietnam's boiler

    # a country no candidate has: named, and what was typed is kept
    page.select_option("#id_objective", "tco2")
    page.fill("#id_limits", "country FR max 1")
    page.select_option(f'select[name="fixed_{heat_pump.pk}"]', "out")
    _post(page, "#run")
    expect(main.locator("#refused")).to_contain_text("「country FR max 1」")
    expect(page.locator("#id_limits")).to_have_value("country FR max 1")
    expect(page.locator(f'select[name="fixed_{heat_pump.pk}"]')).to_have_value("out")
    expect(page.locator("#id_objective")).to_have_value("tco2")
    assert not OptimiserRun.objects.exists()

    # the constraints edited, run
    page.select_option("#id_objective", "score")
    page.fill("#id_limits", "country TH max 1")
    _post(page, "#run")
    run = OptimiserRun.objects.get()
    assert page.url.endswith(f"/office/selection/optimiser/runs/{run.pk}/")
    expect(main.locator("#status")).to_have_text(ja("optimal"))
    expect(main.locator("#only-ranking")).to_contain_text(heat_pump.receipt_number)
    expect(main.locator("#only-ranking")).to_contain_text(ja("fixed out by the office"))
    expect(main.locator("#only-optimiser li").first).not_to_have_text(ja("none"))
    expect(main.locator("#checks")).to_contain_text(
        ja("at most %(n)s in country %(key)s") % {"n": 1, "key": "TH"}
    )
    expect(main.locator("#charts svg")).to_have_count(3)
    expect(main.locator("#charts")).to_contain_text(
        ja("Balance by country (proposals and subsidy)")
    )
    screenshot(page, "selection-board-run")

    # the stored run reopened from the list, then re-run from its stored inputs
    page.goto(f"/office/selection/optimiser/?round={chosen.pk}")
    _post(page, f'#runs a[href="/office/selection/optimiser/runs/{run.pk}/"]')
    expect(page.locator("#id_limits")).to_have_value("country TH max 1")
    expect(page.locator(f'select[name="fixed_{heat_pump.pk}"]')).to_have_value("out")
    _post(page, "#rerun")
    again = OptimiserRun.objects.get(reproduces=run)
    assert again.same_result is True
    expect(page.locator("main")).to_contain_text(ja("the same result"))

    # the office's alone
    other = new_page()
    other.set_default_timeout(60_000)
    log_in(other, board["reviewer"].username, PASSWORD)
    assert other.goto(f"/office/selection/optimiser/?round={chosen.pk}").status == 404
