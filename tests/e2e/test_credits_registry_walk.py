"""The registry ledger walked in a browser (issue 10, "The registry ledger"): the registry
administrator opens the Government of Japan's account through the form (a holding account
without its holder refused first, the registry typed kept) and records the issuance the Joint
Committee decided; the Japanese participant's applicant sees its account's serial-numbered
blocks and delivers its credits to the Government of Japan's account (more than it holds
refused first, with what it holds); the Kenyan partner's applicant retires some of its credits;
Kenya's Joint Committee contact sees Kenya's registry read-only; the office sees the
reconciliation and downloads the ledger as CSV; a TPE verifier gets 404.

What comes before (a registered Kenyan project, its allocation agreement 50/30/20 and an
issuance of 120 credits decided, the participants' accounts) is set up with this part's
factories. Browsers are Japanese: messages are asserted in the catalogue's Japanese."""

from __future__ import annotations

from pathlib import Path

import pytest
from creditsfactories_registry import ledger
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.credits.models import Account
from renkei.credits.services import registry as services

PASSWORD = "pw-for-tests-1"  # the factories' password
OFFICE_PASSWORD = "Renkei-e2e-passw0rd!"  # conftest's office


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def world(transactional_db, office):
    lg = ledger()
    for registry, kind, holder in (
        ("JP", "holding", lg.japanese),
        ("KE", "holding", lg.kenyan),
        ("KE", "retirement", None),
    ):
        services.registry_account_open(
            actor=lg.registry, registry=registry, kind=kind, holder=holder
        )
    return lg


def test_registry_walk_from_issuance_to_delivery(new_page, log_in, office, world, screenshot):
    lg = world
    jp = Account.objects.get(registry="JP", kind="holding")
    ke = Account.objects.get(registry="KE", kind="holding")

    # --- 1. the registry administrator opens the Government of Japan's account ----------------
    rp = new_page()
    log_in(rp, lg.registry.username, PASSWORD)
    rp.goto("/credits/registry/")
    opening = rp.locator('main form[action$="/accounts/open/"]')
    opening.locator('[name="registry"]').fill("JP")
    opening.locator('[name="kind"]').select_option("holding")
    post(rp, opening.locator("button[type=submit]"))
    expect(rp.locator("main")).to_contain_text(
        ja("A holding account needs its holder: choose the organisation.")
    )
    opening = rp.locator('main form[action$="/accounts/open/"]')
    expect(opening.locator('[name="registry"]')).to_have_value("JP")  # kept as typed
    opening.locator('[name="kind"]').select_option("government")
    post(rp, opening.locator("button[type=submit]"))
    expect(rp.locator("main")).to_contain_text(ja("The account is open."))
    goj = services.government_account()
    assert goj is not None and goj.number == "JP-GOV-000002"

    # --- 2. it records the issuance -------------------------------------------------------------
    rp.goto("/credits/registry/issuances/")
    post(rp, rp.locator('#issuances form[action$="/record/"] button'))
    expect(rp.locator("main")).to_contain_text(ja("The issuance is recorded in the registry."))
    screenshot(rp, "credits-registry-issuances")
    assert services.balances([goj, jp, ke]) == {goj.pk: 60, jp.pk: 36, ke.pk: 24}

    # --- 3. the Japanese participant delivers its credits to the Government of Japan ------------
    ap = new_page()
    log_in(ap, lg.filer.username, PASSWORD)
    ap.goto("/credits/registry/")
    expect(ap.locator("#accounts")).to_contain_text(jp.number)
    expect(ap.locator("#accounts")).not_to_contain_text(ke.number)
    with ap.expect_navigation():
        ap.click(f"#accounts a:text('{jp.number}')")
    expect(ap.locator("#blocks")).to_contain_text(
        f"KE-{lg.project.reference}-20260216-20260831-000061-000096"
    )
    move = ap.locator('main form[action$="/move/"]')
    move.locator('[name="action"]').select_option("deliver")
    move.locator('[name="quantity"]').fill("40")
    post(ap, move.locator("button[type=submit]"))
    expect(ap.locator("main")).to_contain_text("36")
    move = ap.locator('main form[action$="/move/"]')
    expect(move.locator('[name="quantity"]')).to_have_value("40")  # kept as typed
    move.locator('[name="quantity"]').fill("36")
    post(ap, move.locator("button[type=submit]"))
    expect(ap.locator("main")).to_contain_text(ja("The credits are moved."))
    expect(ap.locator("#held")).to_have_text("0")
    screenshot(ap, "credits-registry-delivered")
    assert services.balances([goj])[goj.pk] == 96

    # --- 4. the Kenyan partner retires some of its credits --------------------------------------
    kp = new_page("en-GB")
    log_in(kp, lg.partner.username, PASSWORD)
    kp.goto(f"/credits/registry/accounts/{ke.pk}/")
    move = kp.locator('main form[action$="/move/"]')
    move.locator('[name="action"]').select_option("retire")
    move.locator('[name="quantity"]').fill("4")
    post(kp, move.locator("button[type=submit]"))
    expect(kp.locator("#held")).to_have_text("20")

    # --- 5. Kenya's Joint Committee contact sees Kenya's registry, read-only --------------------
    jc = new_page()
    log_in(jc, lg.joint_committee.username, PASSWORD)
    jc.goto(f"/credits/registry/accounts/{ke.pk}/")
    expect(jc.locator("#blocks")).to_contain_text("000101-000120")
    expect(jc.locator('main form[action$="/move/"]')).to_have_count(0)
    assert jc.goto(f"/credits/registry/accounts/{jp.pk}/").status == 404

    # --- 6. the office: the reconciliation and the ledger as CSV --------------------------------
    op = new_page()
    log_in(op, office.username, OFFICE_PASSWORD)
    op.goto("/credits/registry/reconciliation/")
    expect(op.locator("#verdict")).to_contain_text(
        ja(
            "The ledger reconciles: every account's blocks equal its movements in less out, and "
            "every recorded issuance's blocks add up to what was issued."
        )
    )
    op.goto("/credits/registry/ledger/")
    with op.expect_download() as download:
        op.click("a:text('CSV')")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert f"KE-{lg.project.reference}-20260216-20260831-000061-000096" in text
    screenshot(op, "credits-registry-ledger")

    # --- 7. a TPE verifier sees nothing of the registry -----------------------------------------
    vp = new_page()
    log_in(vp, lg.verifier.username, PASSWORD)
    assert vp.goto("/credits/registry/").status == 404
