"""The credits portfolio and the public views walked in a browser (issue 10, "Japan's target and
public views"): the office opens the portfolio with no project and sees the targets with zero
figures and the empty tables; then, with project KE901 registered and two issuances delivered
(the portfolio tests' factories), sees the figures against the targets, the charts (SVG, no
console error under the content security policy), filters by a country that is not one
(warned, every country kept), and downloads the .xlsx; an applicant gets 404; a visitor with no
account reads the public page and follows its open-data links (JSON, CSV, IATI XML).
The browsers are Japanese: texts are asserted in the catalogue's Japanese."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from creditsfactories_portfolio import world
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

PASSWORD = "pw-for-tests-1"  # the factories' password
OFFICE_PASSWORD = "Renkei-e2e-passw0rd!"  # conftest's office


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def test_credits_portfolio_and_public_views(
    new_page, log_in, office, transactional_db, settings, screenshot
) -> None:
    settings.RENKEI_DEMO_NOW = "2026-12-01T10:00:00+09:00"
    errors: list[str] = []  # what the content security policy refused

    def refused(message) -> None:
        if "Content Security Policy" in message.text or "Refused" in message.text:
            errors.append(message.text)

    # --- 1. the office, with no project yet ---------------------------------------------------
    op = new_page()
    op.on("console", refused)
    log_in(op, office.username, OFFICE_PASSWORD)
    op.goto("/credits/portfolio/")
    expect(op.locator("h1")).to_have_text(ja("Credits portfolio"))
    expect(op.locator("#targets")).to_contain_text("2030")
    expect(op.locator("#years")).to_contain_text(
        ja(
            "No dated figure yet: no adopted project has a start of operation, a monitoring "
            "period or an issuance."
        )
    )
    screenshot(op, "credits-portfolio-empty")

    # --- 2. with KE901 registered, two issuances delivered --------------------------------------
    w = world()
    op.goto("/credits/portfolio/")
    expect(op.locator("#targets svg").first).to_be_visible()
    row = op.locator("main tr", has_text="KE901")
    expect(row).to_contain_text("1,230")  # issued
    expect(row).to_contain_text("615")  # delivered to the Government of Japan
    assert op.locator('#targets a[href^="https://www.newton-consulting.co.jp"]').count() == 1
    screenshot(op, "credits-portfolio")

    op.fill("#f-country", "K1")  # two characters: the field takes no more
    with op.expect_navigation():
        op.click("main form.card button[type=submit]")
    expect(op.locator("main")).to_contain_text("K1")  # the message names what was typed
    expect(op.locator("main tr", has_text="KE901")).to_have_count(1)

    with op.expect_download() as download:
        op.click("a[href$='export=xlsx']")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.active.max_row == 3  # the header and the two adopted projects

    # --- 3. an applicant: not the portfolio ---------------------------------------------------
    ap = new_page()
    log_in(ap, w["cast"].filer.username, PASSWORD)
    assert ap.goto("/credits/portfolio/").status == 404

    # --- 4. a visitor without an account: the public page and its open data --------------------
    vp = new_page()
    vp.on("console", refused)
    vp.goto("/credits/public/")
    expect(vp.locator("#projects")).to_contain_text("KE901")
    expect(vp.locator("#issuances tr")).to_have_count(3)  # the header and two issuances
    expect(vp.locator("#holdings")).to_contain_text("575")  # 375 + 200 held by the government
    screenshot(vp, "credits-public")
    with vp.expect_download() as download:
        vp.click("a[href$='/credits/public/issuances.csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("project_reference")
    response = vp.request.get("/credits/public/open-data.json")
    assert json.loads(response.text())["projects"][0]["reference"] == "KE901"
    xml = vp.request.get("/credits/public/iati-activities.xml")
    assert xml.ok and "<iati-activities" in xml.text()
    assert errors == []


pytestmark = pytest.mark.django_db(transaction=True)
