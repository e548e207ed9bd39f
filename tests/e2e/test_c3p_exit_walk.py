"""The C3P exit part walked in a browser (issue 11): the lead organisation's applicant opens its C3P
project, starts the linked JCM Model Project proposal from it, sees what is prefilled and from
where, lands in the JCM editor with the partner city and the study's reduction filled in, and
reads "prepared under the C3P project" on the proposal's page; a second start is refused with a
link to the open draft; an exit into a scheme the tables do not list with a bad link is refused,
what was typed kept, then recorded. The office sees the funnel with the project and the draft
counted, and drills down to the JCM proposals.

The C3P project is set up with the part's factories (tests/web/c3pfactories_exit.py); every person
logs in through the login form. The browsers are Japanese: the platform's messages are asserted
in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from c3pfactories_exit import exit_world
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.c3p.models import C3pExit
from renkei.proposals.models import Proposal

PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def world(transactional_db, settings):
    return exit_world(settings)  # the clock at 2025-02-20, a JCM round open until 2025-05-12


def test_c3p_exit_walk_from_the_project_to_the_funnel(new_page, log_in, world, screenshot) -> None:
    w = world
    # --- 1. the lead starts the linked JCM proposal from the C3P project ------------------
    lp = new_page()
    log_in(lp, w.people.lead.username, PASSWORD)
    lp.goto(f"/c3p/projects/{w.project.pk}/")
    panel = lp.locator("#exits")
    expect(panel).to_contain_text(ja("Exits (guidebook §1.2; Ref. Tables 7 and 8)"))
    post(lp, panel.get_by_text(ja("Start a JCM Model Project proposal from this project")))
    prefill = lp.locator("#prefill")
    expect(prefill).to_contain_text(ja("What is prefilled, and from where"))
    expect(prefill).to_contain_text("Ben Tre Province")
    expect(prefill).to_contain_text("12000")
    expect(prefill).to_contain_text(w.proposal.receipt_number)
    screenshot(lp, "c3p-exit-prefill")
    f = lp.locator("main form")
    f.locator('[name="round"]').select_option(str(w.round.pk))
    f.locator('[name="title"]').fill("JCM: ベンチェー省 水産加工のヒートポンプ")
    f.locator('[name="technologies"]').select_option(["heat_pump"])
    post(lp, f.locator("button"))
    proposal = Proposal.objects.get(c3p_origin=w.project)
    assert lp.url.endswith(f"/proposals/{proposal.pk}/edit/")
    expect(lp.locator(".messages")).to_contain_text(
        ja(
            "The JCM Model Project proposal is started, linked to the C3P project and "
            "prefilled from it; complete it in the editor."
        )
    )
    expect(lp.locator("main")).to_contain_text("Ben Tre Province")
    lp.goto(f"/proposals/{proposal.pk}/")
    origin = lp.locator("#c3p-origin")
    expect(origin).to_contain_text(ja("Prepared under the C3P project"))
    expect(origin.locator("a")).to_have_attribute("href", f"/c3p/projects/{w.project.pk}/")

    # --- 2. a second start names the open draft, keeping what was typed ----------------------
    lp.goto(f"/c3p/projects/{w.project.pk}/exits/jcm/")
    f = lp.locator("main form")
    f.locator('[name="title"]').fill("JCM: もう一件")
    post(lp, f.locator("button"))
    expect(lp.locator("main form")).to_contain_text("表7 1行目")
    expect(lp.locator('main form [name="title"]')).to_have_value("JCM: もう一件")
    expect(lp.locator("#existing-draft a")).to_have_attribute("href", f"/proposals/{proposal.pk}/")
    assert Proposal.objects.filter(c3p_origin=w.project).count() == 1

    # --- 3. an exit into a scheme the tables do not list: a bad link refused, then recorded ---
    lp.goto(f"/c3p/projects/{w.project.pk}/exits/new/")
    f = lp.locator("main form")
    f.locator('[name="other_name"]').fill("ASEAN都市基金")
    f.locator('[name="link"]').fill("asean fund page")
    post(lp, f.locator("button"))
    f = lp.locator("main form")
    expect(f).to_contain_text("ウェブアドレスではありません")
    expect(f.locator('[name="other_name"]')).to_have_value("ASEAN都市基金")
    assert not C3pExit.objects.filter(kind="scheme").exists()
    f.locator('[name="link"]').fill("https://example.org/asean-fund")
    post(lp, f.locator("button"))
    expect(lp.locator(".messages")).to_contain_text(ja("The exit is recorded."))
    expect(lp.locator("#exits")).to_contain_text("ASEAN都市基金")

    # --- 4. the office's funnel ---------------------------------------------------------------
    op = new_page()
    log_in(op, w.people.office.username, PASSWORD)
    op.goto("/c3p/funnel/")
    expect(op.locator('[data-stage="projects"]')).to_have_text("1")
    expect(op.locator('[data-stage="jcm_proposals"]')).to_have_text("1")
    expect(op.locator('[data-stage="adopted"]')).to_have_text("0")
    post(op, op.get_by_role("link", name=ja("JCM proposals prepared under them")))
    expect(op.locator("main")).to_contain_text(ja("(a draft, not yet submitted)"))
    expect(op.locator("main")).to_contain_text(w.people.lead.organisation.name)
    screenshot(op, "c3p-exit-funnel")
