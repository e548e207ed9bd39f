"""The grant's award part in the browser (issue 8): the representative completes the grant
application opened from its adopted proposal (plan, the signed consortium agreement) and submits
it; the office accepts it and decides the grant; the representative downloads the decision
notice. Every page works under the content security policy (no script or style refused)."""

from __future__ import annotations

import pytest
from grantfactories import adopted_selection, no_deadline_refresh, opened_grant  # noqa: F401
from playwright.sync_api import expect
from webfactories import example_document

from renkei.accounts.models import Organisation, Role, User
from renkei.grants.models import GrantDecision, GrantState

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_deadline_refresh"),
]

PASSWORD = "Award-e2e-passw0rd!"


def _watch(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    return refused


def test_application_to_decision_in_the_browser(
    new_page, log_in, office, first_round, settings, tmp_path
) -> None:
    org = Organisation.objects.create(name="サンプル・エンジニアリング株式会社", country="JP")
    rep = User.objects.create_user(
        username="rep-award-e2e",
        email="rep-award-e2e@example.org",
        password=PASSWORD,
        role=Role.APPLICANT,
        organisation=org,
    )
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    selection = adopted_selection(
        rep, office, first_round, example_document("jcm-multi-site-pass.yaml")
    )
    grant = opened_grant(selection, rep, settings)
    url = f"/grants/{grant.pk}/award/"
    settings.RENKEI_DEMO_NOW = "2024-08-01T10:00:00+09:00"

    page = new_page("en-US")
    refused = _watch(page)
    log_in(page, rep.username, PASSWORD)
    page.goto(url)
    expect(page.locator("main")).to_contain_text("2024-08-15")  # due: 30 days after the 内示
    page.fill("form[action$='/award/save/'] textarea[name=plan]", "Boilers, heat pumps, PV.")
    with page.expect_navigation():
        page.click("form[action$='/award/save/'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("version 2")
    agreement = tmp_path / "consortium_agreement_signed.pdf"
    agreement.write_bytes(b"%PDF-1.7 signed by every member")
    form = "form[action$='/award/documents/']"
    page.select_option(f"{form} select[name=kind]", "consortium_agreement")
    page.set_input_files(f"{form} input[type=file]", str(agreement))
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    expect(page.locator("main")).to_contain_text("consortium_agreement_signed.pdf")
    with page.expect_navigation():
        page.click("form[action$='/award/submit/'] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("submitted")

    office_page = new_page("en-US")
    refused_office = _watch(office_page)
    log_in(office_page, office.username)
    office_page.goto(url)
    with office_page.expect_navigation():
        office_page.click("form[action$='/award/accept/'] button[type=submit]")
    settings.RENKEI_DEMO_NOW = "2024-08-20T10:00:00+09:00"
    office_page.goto(url)
    decide = "form[action$='/award/decide/']"
    office_page.fill(f"{decide} input[name=decided_on]", "2024-08-20")
    office_page.fill(f"{decide} input[name=rate]", "0.5")
    with office_page.expect_navigation():
        office_page.click(f"{decide} button[type=submit]")
    expect(office_page.locator(".messages")).to_contain_text("decided")
    decision = GrantDecision.objects.get(grant=grant)
    assert decision.amount_jpy == 98_000_000 and str(decision.rate) == "0.5000"
    assert type(grant).objects.get(pk=grant.pk).state == GrantState.IMPLEMENTING

    page.goto(url)
    link = page.locator(f"a[href='{url}notice.docx']")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"decision_{decision.number}.docx"
    assert refused == [] and refused_office == []
