"""The live assessment panel beside the JCM form editor, at a laptop's 1280 px (issue 12, 18):
every column of the per-line table is inside the window, a subsidy above its cap is marked, the
failures come first and apart from the items the office confirms, and no command-line hint."""

from __future__ import annotations

from pathlib import Path

import yaml
from playwright.sync_api import expect

from renkei.accounts.models import Organisation, Role, User
from renkei.proposals import services

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Renkei-e2e-passw0rd!"


def _applicant() -> User:
    org = Organisation.objects.create(name="パネル確認株式会社", country="JP")
    return User.objects.create_user(
        username="panel-e2e",
        email="panel-e2e@example.org",
        password=PASSWORD,
        role=Role.APPLICANT,
        organisation=org,
    )


def test_the_panel_fits_1280px_marks_the_cap_and_lists_failures_first(
    new_page, log_in, screenshot, final_round
) -> None:
    applicant = _applicant()
    doc = yaml.safe_load(
        (ROOT / "examples/jcm-fails-cost-effectiveness.yaml").read_text(encoding="utf-8")
    )
    doc.pop("documents", None)
    doc.pop("reviewer_scores", None)
    doc["target_deadline"] = final_round.deadline.isoformat()
    # the line's maximum is 100,000,000 yen (50 % of 200,000,000): ask for more
    doc["sites"][0]["technologies"][0]["requested_subsidy_jpy"] = 120_000_000
    proposal = services.proposal_create(
        actor=applicant, round=final_round, title=doc["title"], country="LA", document=doc
    )

    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "panel-e2e")
    page.goto(f"/proposals/{proposal.pk}/edit/")
    panel = page.locator("#assessment")
    expect(panel.locator("table.lines")).to_be_visible()
    screenshot(page, "assessment-panel-1280")

    # the cost-effectiveness column ends inside the panel and the window, without scrolling
    side = page.locator("aside.side").bounding_box()
    for cell in (panel.locator("th.ce"), panel.locator("td.ce").first):
        box = cell.bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] + box["width"] <= min(side["x"] + side["width"], 1280) + 1
    scroller = panel.locator("div.scroll")
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth")

    # a subsidy above its cap is marked, on the line and in the figures
    expect(panel.locator("tr.over-cap")).to_contain_text("120,000,000")
    expect(panel.locator(".figures .over-cap")).to_be_visible()

    # the failures come first (before the figures and the items to confirm), apart from them
    order = panel.evaluate(
        """e => [...e.querySelectorAll('section.failures, .figures, details.to-confirm')]
                 .map(n => n.className)"""
    )
    assert order[0] == "failures", order
    assert "to-confirm" in order[-1], order
    failures = panel.locator("section.failures")
    expect(failures).to_contain_text("費用対効果")
    assert failures.locator("li").count() >= 1
    confirm = set(panel.locator("details.to-confirm li").all_text_contents())
    assert confirm, "the sample has items for the office to confirm"
    assert not confirm & set(failures.locator("li").all_text_contents())

    # web users get no command-line hint
    expect(page.locator("main")).not_to_contain_text("renkei rules")
