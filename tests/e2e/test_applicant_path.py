"""The applicant path as a person walks it in a browser: pre-registration, account request, the
office issues the account, the emailed link, a password, a draft with the live assessment, the
twelve attachments, submission with a receipt and a notice, the lock, and who may see the result.

The walk runs in a Japanese browser and asserts what does not depend on the UI language (numbers,
dates, receipt numbers, names, addresses, message kinds), so it keeps passing once the Japanese
catalog arrives; the English strings are checked in the language-switcher test.
"""

from __future__ import annotations

import gettext
import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from renkei.accounts.models import AccountRequest, Notice, User
from renkei.accounts.services import account_issue
from renkei.proposals.models import Attachment, PreRegistration, Proposal, ProposalState
from renkei.rules import assess_proposal, validate_proposal

JST = ZoneInfo("Asia/Tokyo")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jcm-multi-site-pass.yaml"
PDF = b"%PDF-1.7\n% Renkei browser test\n%%EOF\n"
# the 12 documents 5.(3) always requires, named after form 6's numbers (5.(3) ※)
ATTACHMENTS = {
    "form1": "1_提案書.pdf",
    "form2": "2_届出書.pdf",
    "form3_00": "3-00_計画書.pdf",
    "form3_12": "3-12_根拠.pdf",
    "form3_16": "3-16_PIN.pdf",
    "form4": "4_経費.pdf",
    "quotations": "4-1_見積書.pdf",
    "company_profile": "4-2_企業パンフレット.pdf",
    "financial_statements": "4-3_財務諸表.pdf",
    "consortium_agreement": "4-4_コンソーシアム協定書.pdf",
    "form5": "5_Agreement.pdf",
    "form6": "6_チェックリスト.pdf",
}
ORGANISATION = "サンプル・エンジニアリング株式会社"
CONTACT = "連携 一郎"
EMAIL = "ichiro.renkei@example.org"
NEW_PASSWORD = "Kenya-tea-2024-boilers"


def money(amount: int) -> re.Pattern:
    """The amount as shown, with or without thousands separators."""
    groups = f"{amount:,}".split(",")
    return re.compile(r"[,.\s]?".join(groups))


def fill_preregistration(page, round_label: str) -> None:
    page.select_option("#id_round", label=round_label)
    page.fill("#id_organisation_name", ORGANISATION)
    page.fill("#id_contact_name", CONTACT)
    page.fill("#id_email", EMAIL)
    page.fill("#id_title", "ケニア茶工場への高効率ボイラ等の導入")
    page.fill("#id_country", "ke")
    page.fill("#id_technologies", "ボイラ, ヒートポンプ, solar_pv")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def proposal_text(round_) -> tuple[str, dict]:
    """The bundled passing example as the applicant would paste it, aimed at the round."""
    doc = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    doc.pop("documents")  # attachments come from the uploads
    doc["target_deadline"] = round_.deadline.astimezone(JST).isoformat()
    doc["pre_registered_on"] = "2024-05-01"  # the pre-registration made in this walk
    doc["assessed_on"] = "2024-05-01"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), doc


def test_preregistration_closes_two_weeks_before_the_targeted_deadline(
    new_page, settings, first_round, final_round
) -> None:
    """5.(1): the first round's deadline is 2024-05-13, so 2024-04-29 is the last day."""
    page = new_page()
    settings.RENKEI_DEMO_NOW = "2024-04-29T23:59:00+09:00"
    page.goto("/proposals/preregister/")
    fill_preregistration(page, str(first_round))
    expect(page.locator("ul.messages li.success")).to_be_visible()
    assert PreRegistration.objects.get().round == first_round

    settings.RENKEI_DEMO_NOW = "2024-04-30T00:00:00+09:00"
    page.goto("/proposals/preregister/")
    fill_preregistration(page, str(first_round))
    error = page.locator("main ul.errorlist")
    expect(error).to_contain_text("2024-05-13 12:00")
    expect(error).to_contain_text("2024-04-29")
    assert page.url.endswith("/proposals/preregister/")
    assert PreRegistration.objects.count() == 1


def test_applicant_path_from_pre_registration_to_receipt(
    new_page,
    log_in,
    screenshot,
    platform,
    first_round,
    final_round,
    office,
    other_applicant,
    tmp_path,
) -> None:
    page = new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("main")).to_contain_text("2024-05-01")  # the demo-clock banner

    # 1. pre-registration (public): the first round is too late on 2024-05-01, the final one is not
    page.click('header a[href="/proposals/preregister/"]')
    fill_preregistration(page, str(first_round))
    error = page.locator("main ul.errorlist")
    expect(error).to_contain_text("2024-05-13 12:00")
    expect(error).to_contain_text("2024-04-29")
    assert not PreRegistration.objects.exists()
    expect(page.locator("#id_title")).to_have_value("ケニア茶工場への高効率ボイラ等の導入")
    page.select_option("#id_round", label=str(final_round))  # the rest was kept
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("ul.messages li.success")).to_be_visible()
    reg = PreRegistration.objects.get()
    assert (reg.round, reg.country, reg.email) == (final_round, "KE", EMAIL)
    assert reg.technologies == ["ボイラ", "ヒートポンプ", "solar_pv"]

    # 2. account request (public): needs_account was ticked, so the form comes next
    assert page.url.endswith("/accounts/request/")
    page.fill("#id_organisation_name", ORGANISATION)
    expect(page.locator("#id_organisation_country")).to_have_value("JP")
    page.fill("#id_contact_name", CONTACT)
    page.fill("#id_email", EMAIL)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == f"{platform}/"
    expect(page.locator("ul.messages li.success")).to_be_visible()
    request = AccountRequest.objects.get(email=EMAIL)
    assert request.status == AccountRequest.Status.PENDING

    # 3. the office issues the account (no office page for it yet); the link comes by email
    account_issue(actor=office, request=request)
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = re.search(r"https?://\S+/accounts/set-password/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith(f"{platform}/")

    # 4. the applicant opens the link, sets a password and is logged in
    page.goto(link)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == f"{platform}/"
    expect(page.locator("header")).to_contain_text(CONTACT)
    expect(page.locator('header form[action="/accounts/logout/"]')).to_be_visible()
    applicant = User.objects.get(email=EMAIL)
    assert applicant.check_password(NEW_PASSWORD)
    assert page.request.get(link).status == 400  # the link works once

    # 5. a new proposal, the example pasted into the editor, the live assessment, saved
    page.click('header a[href="/proposals/new/"]')
    page.select_option("#id_round", label=str(final_round))
    page.fill("#id_title", "ケニア茶工場への高効率ボイラ等の導入")
    page.fill("#id_country", "KE")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    pk = int(re.search(r"/proposals/(\d+)/edit/$", page.url).group(1))
    edit_url, detail_url = f"{platform}/proposals/{pk}/edit/", f"{platform}/proposals/{pk}/"
    expect(page.locator("#doc")).to_have_value(re.compile(r"2024-11-29T12:00:00\+09:00"))
    expect(page.locator("#assessment .errorlist")).to_contain_text("consortium")

    text, doc = proposal_text(final_round)
    figures = assess_proposal(validate_proposal(doc)).to_dict("ja")["figures"]
    max_subsidy = figures["max_subsidy_jpy"]
    assert max_subsidy == 119_050_000  # the example: 61.5 + 18.25 + 39.3 million JPY
    editor = page.locator("#doc")
    editor.fill(text)
    editor.press("End")
    page.keyboard.type("\n# typed in the browser\n")  # keystrokes drive the live assessment
    panel = page.locator("#assessment")
    expect(panel).to_contain_text(money(max_subsidy))
    expect(panel).to_contain_text(re.compile(r"(円|JPY)/tCO2eq"))
    expect(panel.locator(".errorlist")).to_have_count(0)
    assert "sites" not in Proposal.objects.get(pk=pk).document  # live, not saved yet

    with page.expect_navigation():
        page.click('form[action$="/edit/"] button[type=submit]')
    assert page.url == edit_url
    expect(page.locator("ul.messages li.success")).to_be_visible()
    expect(page.locator("#assessment")).to_contain_text(money(max_subsidy))
    expect(page.locator("#doc")).to_have_value(re.compile("kericho-factory"))
    saved = Proposal.objects.get(pk=pk)
    assert saved.document["sites"][1]["id"] == "nandi-factory"
    assert saved.title == doc["title"]
    shot = screenshot(page, "editor")
    assert shot.stat().st_size > 0

    # 6. the 12 required attachments, through the upload form; a fake PDF is refused first
    fake = tmp_path / "偽物.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    page.select_option("#document_id", "form1")
    page.set_input_files('input[name="file"]', str(fake))
    with page.expect_navigation():
        page.click('form[action$="/attach/"] button[type=submit]')
    expect(page.locator("ul.messages li.error")).to_contain_text("偽物.pdf")
    assert not Attachment.objects.filter(proposal_id=pk).exists()
    for document_id, name in ATTACHMENTS.items():
        path = tmp_path / name
        path.write_bytes(PDF)
        page.select_option("#document_id", document_id)
        page.set_input_files('input[name="file"]', str(path))
        with page.expect_navigation():
            page.click('form[action$="/attach/"] button[type=submit]')
        expect(page.locator("ul.messages li.success")).to_be_visible()
        expect(page.locator("main")).to_contain_text(name)
    stored = {a.document_id: a for a in Attachment.objects.filter(proposal_id=pk)}
    assert {d: a.original_name for d, a in stored.items()} == ATTACHMENTS
    digest = hashlib.sha256(PDF).hexdigest()
    assert all(a.sha256 == digest for a in stored.values())
    expect(page.locator("main")).to_contain_text(digest)
    with page.expect_download() as download:
        page.click("a:text-is('1_提案書.pdf')")
    assert Path(download.value.path()).read_bytes() == PDF

    # 7. submit: receipt on the detail page, notice on the home page, the proposal locked
    with page.expect_navigation():
        page.click("#submit-proposal")
    assert page.url == detail_url
    proposal = Proposal.objects.get(pk=pk)
    receipt = proposal.receipt_number
    assert proposal.state == ProposalState.SUBMITTED
    assert re.fullmatch(r"JCM-20240501-\d{4}", receipt)
    expect(page.locator("ul.messages li.success")).to_contain_text(receipt)
    expect(page.locator("main .figures").first).to_contain_text(receipt)
    expect(page.locator("main")).to_contain_text(money(max_subsidy))
    assert proposal.versions.get().attachments.count() == 12
    shot = screenshot(page, "submitted")
    assert shot.stat().st_size > 0
    expect(page.locator('a[href$="/edit/"]')).to_have_count(0)
    expect(page.locator("#submit-proposal")).to_have_count(0)

    page.click("header a.brand")
    notice = page.locator(f'main li:has(a[href="/proposals/{pk}/"])')
    expect(notice).to_contain_text(receipt)
    assert receipt in Notice.objects.get(recipient=applicant).message
    assert any(receipt in m.body and m.to == [EMAIL] for m in mail.outbox[1:])

    page.goto(edit_url)
    assert page.url == detail_url  # the editor sends a locked proposal back to its page
    expect(page.locator("ul.messages li.error")).to_be_visible()
    expect(page.locator("#doc")).to_have_count(0)

    # 8. the office sees the submitted proposal; another applicant does not
    office_page = new_page()
    log_in(office_page, office.username)
    office_page.click(f'main a[href="/proposals/{pk}/"]')
    assert office_page.url == detail_url
    expect(office_page.locator("main .figures").first).to_contain_text(receipt)
    expect(office_page.locator(f'form[action="/proposals/{pk}/revision/"]')).to_be_visible()

    other_page = new_page()
    log_in(other_page, other_applicant.username)
    expect(other_page.locator(f'a[href="/proposals/{pk}/"]')).to_have_count(0)
    expect(other_page.locator("main")).not_to_contain_text(receipt)
    assert other_page.goto(detail_url).status == 404
    assert other_page.goto(edit_url).status == 404
    attachment = stored["form1"].pk
    assert other_page.request.get(f"/proposals/attachments/{attachment}/").status == 404


def japanese(msgid: str) -> str | None:
    """The Japanese catalog's translation of a UI string, if the catalog is compiled."""
    catalog = Path(settings.LOCALE_PATHS[0]) / "ja" / "LC_MESSAGES" / "django.mo"
    if not catalog.exists():
        return None
    text = gettext.translation("django", str(catalog.parents[2]), ["ja"]).gettext(msgid)
    return text if text != msgid else None


def test_language_switcher_shows_the_english_interface(new_page, final_round) -> None:
    page = new_page()  # a Japanese browser
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    for msgid in ("Open rounds", "Pre-registration"):  # Japanese first, when the catalog exists
        if japanese(msgid):
            expect(page.locator("body")).to_contain_text(japanese(msgid))
            expect(page.locator("body")).not_to_contain_text(msgid)

    with page.expect_navigation():
        page.select_option('header select[name="language"]', "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for text in ("JCM Model Project and C3P calls", "Open rounds", "Pre-registration", "Log in"):
        expect(page.locator("body")).to_contain_text(text)
    page.click('header a[href="/accounts/login/"]')  # the choice is kept from page to page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text("Request an application account")

    with page.expect_navigation():
        page.select_option('header select[name="language"]', "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    if japanese("Request an application account"):
        expect(page.locator("main")).to_contain_text(japanese("Request an application account"))
