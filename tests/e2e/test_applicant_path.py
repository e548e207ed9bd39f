"""The whole path as people walk it in a browser: pre-registration, account request, the office
issues the account, the emailed link, a password, a draft with the live assessment, the twelve
attachments, submission with a receipt and a notice, the lock, and who may see the result; then
basic screening, the reviewer's conflict declaration and scores, the hearing, the candidate, the
PIN to the JCM secretariat, the Joint Committee's no-objection, 内示 and the public page.

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
SUBSIDY = 93_000_000  # the example's requests with the boilers' lowered to 40 million JPY
STAFF_PASSWORD = "Selection-e2e-passw0rd"  # the reviewer, secretariat and Joint Committee


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


def test_the_whole_path_from_pre_registration_to_the_public_page(
    new_page,
    log_in,
    screenshot,
    settings,
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

    # 3. the office issues the account on its page; the link comes by email
    office_page = new_page()
    log_in(office_page, office.username)
    office_page.click('header a[href="/accounts/requests/"]')
    row = office_page.locator(f"#request-{request.pk}")
    expect(row).to_contain_text(EMAIL)
    expect(row).to_contain_text(final_round.name_ja)  # the pre-registration beside it
    with office_page.expect_navigation():
        row.locator('button[value="issue"]').click()
    expect(office_page.locator("ul.messages li.success")).to_contain_text(EMAIL)
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
    form_url, detail_url = f"{platform}/proposals/{pk}/edit/", f"{platform}/proposals/{pk}/"
    edit_url = form_url + "yaml/"
    expect(page.locator("#proposal-form")).to_be_visible()  # the structured editor (form 4)
    page.click('nav.tabs a[href$="/edit/yaml/"]')  # the advanced tab: the document as YAML
    assert page.url == edit_url
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
        page.click('form[action$="/edit/yaml/"] button[type=submit]')
    assert page.url == edit_url
    expect(page.locator("ul.messages li.success")).to_be_visible()
    expect(page.locator("#assessment")).to_contain_text(money(max_subsidy))
    expect(page.locator("#doc")).to_have_value(re.compile("kericho-factory"))
    saved = Proposal.objects.get(pk=pk)
    assert saved.document["sites"][1]["id"] == "nandi-factory"
    assert saved.title == doc["title"]

    # 5b. the form editor: a lower subsidy request for the boilers, live, then saved
    page.click('nav.tabs a[href$="/edit/"]')
    assert page.url == form_url
    request_field = page.locator('[name="sites-0-lines-0-requested_subsidy_jpy"]')
    expect(request_field).to_have_value(re.compile(r"^45,?000,?000$"))
    request_field.fill("40,000,000")
    expect(page.locator("#assessment")).to_contain_text(money(SUBSIDY))  # 40 + 15 + 38 million
    with page.expect_navigation():
        page.click("#save-draft")
    expect(page.locator("ul.messages li.success")).to_be_visible()
    saved = Proposal.objects.get(pk=pk).document
    assert saved["sites"][0]["technologies"][0]["requested_subsidy_jpy"] == 40_000_000
    assert saved["sites"][1]["id"] == "nandi-factory"  # the rest is as pasted
    shot = screenshot(page, "editor")
    assert shot.stat().st_size > 0

    # 6. the 12 required attachments, through the upload form; a fake PDF is refused first
    fake = tmp_path / "偽物.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    page.select_option("#document_id", "form1")
    page.set_input_files('form[action$="/attach/"] input[name="file"]', str(fake))
    with page.expect_navigation():
        page.click('form[action$="/attach/"] button[type=submit]')
    expect(page.locator("ul.messages li.error")).to_contain_text("偽物.pdf")
    assert not Attachment.objects.filter(proposal_id=pk).exists()
    for document_id, name in ATTACHMENTS.items():
        path = tmp_path / name
        path.write_bytes(PDF)
        page.select_option("#document_id", document_id)
        page.set_input_files('form[action$="/attach/"] input[name="file"]', str(path))
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
    assert len(page.confirmed) == 1  # the browser asked before locking the proposal
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
    notice = page.locator("main ul.notices li.unread", has_text=receipt)
    expect(notice).to_be_visible()
    expect(page.locator("header .notices-link .badge")).to_have_text("1")
    assert receipt in Notice.objects.get(recipient=applicant).message
    with page.expect_navigation():  # opening the notice marks it read and shows the proposal
        notice.locator("button").click()
    assert page.url == detail_url
    assert Notice.objects.get(recipient=applicant).read_at is not None
    expect(page.locator("header .notices-link .badge")).to_have_count(0)
    assert any(receipt in m.body and m.to == [EMAIL] for m in mail.outbox[1:])

    page.goto(edit_url)
    assert page.url == detail_url  # the editor sends a locked proposal back to its page
    expect(page.locator("ul.messages li.error")).to_be_visible()
    expect(page.locator("#doc")).to_have_count(0)

    # 8. the office sees the submitted proposal; another applicant does not
    office_page.click("header a.brand")
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

    # 9.–16. the office's half: screening, conflict declaration, scoring, selection, PIN,
    # no-objection, 内示 and the public page
    walk_selection(new_page, log_in, screenshot, settings, office_page, page, pk, receipt)


def walk_selection(
    new_page, log_in, screenshot, settings, office_page, applicant_page, pk, receipt
):
    """From basic screening to the public page, each person on their own pages."""
    from renkei.adoption.models import ProjectIdeaNote, Selection, SelectionState
    from renkei.reviews.models import ReviewAssignment, Screening

    proposal = Proposal.objects.get(pk=pk)
    proposal.round.budget_jpy = 500_000_000  # the round's budget, as the office announced it
    proposal.round.save()
    reviewer = User.objects.create_user(
        username="reviewer-e2e", password=STAFF_PASSWORD, role="reviewer", first_name="審査 次郎"
    )
    secretariat = User.objects.create_user(
        username="secretariat-e2e",
        password=STAFF_PASSWORD,
        role="secretariat",
        email="s@example.org",
    )
    contact = User.objects.create_user(
        username="jc-ke-e2e", password=STAFF_PASSWORD, role="joint_committee", country="KE"
    )

    # 9. basic screening: every item the machine could not decide gets a decision and a reason
    office = office_page
    office.click('header a[href="/office/proposals/"]')
    office.click(f'main a[href="/office/proposals/{pk}/screening/"]')
    with office.expect_navigation():
        office.click("main form button[type=submit]")  # start
    undecided = """() => [...document.querySelectorAll(
        'form[action*="/office/screening-items/"] select')].findIndex(s => s.value === '')"""
    while (index := office.evaluate(undecided)) >= 0:
        form = office.locator('form[action*="/office/screening-items/"]').nth(index)
        form.locator("select").select_option("pass")
        form.locator('input[name="reason"]').fill("提出書類で確認")
        with office.expect_navigation():
            form.locator("button").click()
    with office.expect_navigation():
        office.click('form[action$="/complete/"] button')
    assert Screening.objects.get(proposal_id=pk).outcome == "pass"

    # 10. one reviewer assigned on the assignment page
    office.goto("/office/reviewers/")
    office.check(f'input[name="proposal"][value="{pk}"]')
    office.fill("#per-proposal", "1")
    with office.expect_navigation():
        office.click("main form button[type=submit]")
    assignment = ReviewAssignment.objects.get(proposal_id=pk)
    assert assignment.reviewer == reviewer

    # 11. the reviewer cannot open the proposal before declaring no conflict, then scores it
    review = new_page()
    log_in(review, reviewer.username, STAFF_PASSWORD)
    assert review.goto(f"/proposals/{pk}/").status == 404
    review.click('header a[href="/office/reviews/"]')
    review.check('input[name="has_conflict"][value="no"]')
    with review.expect_navigation():
        review.click(f'form[action="/office/reviews/{assignment.pk}/declare/"] button')
    assert review.goto(f"/proposals/{pk}/").status == 200
    review.goto(f"/office/reviews/{assignment.pk}/")
    for field in review.locator('input[name^="points_"]').all():
        field.fill(str(int(field.get_attribute("max")) * 7 // 10))
    for text in review.locator('textarea[name^="justification_"]').all():
        text.fill("計画書と根拠資料で確認した。")
    with review.expect_navigation():
        review.click('main form:has(input[name^="points_"]) button')  # save the scores
    with review.expect_navigation():
        review.click('button[formaction$="/submit/"]')  # the scoring form's submit button
    assert ReviewAssignment.objects.get(pk=assignment.pk).submitted_at is not None

    # 12. the office: hearing scheduled, held and recorded; candidate; PIN to the secretariat
    office.click('header a[href="/office/selection/"]')
    office.select_option("#f-round", str(proposal.round.pk))
    with office.expect_navigation():
        office.click("main form[method=get] button")
    expect(office.locator("main")).to_contain_text(receipt)
    expect(office.locator("main")).to_contain_text(money(SUBSIDY))
    office.click(f'main a[href="/office/proposals/{pk}/selection/"]')
    office.fill("#id_at", "2024-05-08T10:00")
    with office.expect_navigation():
        office.click("main form:has(#id_at) button")
    assert (
        "東京" in Notice.objects.filter(recipient__username=proposal.created_by.username)[0].message
    )
    settings.RENKEI_DEMO_NOW = "2024-05-08T12:00:00+09:00"  # the hearing has been held
    office.reload()
    office.fill("#f-record", "代表事業者が出席。設備の調達計画を確認した。")
    with office.expect_navigation():
        office.click('form[action$="/hearing/record/"] button')
    with office.expect_navigation():
        office.click('form[action$="/nominate/"] button')
    with office.expect_navigation():
        office.click('form[action$="/pin/"] button')
    selection = Selection.objects.get(proposal_id=pk)
    assert selection.state == SelectionState.PIN_SENT
    pin = ProjectIdeaNote.objects.get(selection=selection)
    screenshot(office, "selection")

    # 13. the JCM secretariat finds the PIN on its home page and forwards it
    sec = new_page("en-GB")
    log_in(sec, secretariat.username, STAFF_PASSWORD)
    sec.click(f'main a[href="/pins/{pin.pk}/"]')
    expect(sec.locator("main")).to_contain_text("Project Idea Note for the JCM Project")
    expect(sec.locator("main")).to_contain_text("Kenya (KE)")
    expect(sec.locator("main")).to_contain_text("2500 tCO2eq/year")
    with sec.expect_download() as download:
        sec.click(f'a[href="/pins/{pin.pk}/docx/"]')
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # a Word document
    with sec.expect_navigation():
        sec.click(f'form[action="/pins/{pin.pk}/forward/"] button')

    # 14. the Joint Committee contact of Kenya records no objection
    jc = new_page("en-GB")
    log_in(jc, contact.username, STAFF_PASSWORD)
    jc.click(f'main a[href="/pins/{pin.pk}/"]')
    jc.check('input[name="answer"][value="no_objection"]')
    with jc.expect_navigation():
        jc.click(f'form[action="/pins/{pin.pk}/respond/"] button')
    assert Selection.objects.get(pk=selection.pk).state == SelectionState.NO_OBJECTION

    # 15. 内示: the office issues it within the budget; the applicant is told
    office.goto(f"/office/proposals/{pk}/selection/")
    with office.expect_navigation():
        office.click('form[action$="/naiji/"] button')
    adopted = Selection.objects.get(pk=selection.pk)
    assert adopted.state == SelectionState.ADOPTED and adopted.naiji_amount_jpy == SUBSIDY
    expect(office.locator("#selection-state")).to_contain_text(
        japanese("Adopted (内示 issued)") or "Adopted"
    )
    applicant_page.goto("/")
    expect(applicant_page.locator("main")).to_contain_text(adopted.naiji_number)
    applicant_page.goto(f"/proposals/{pk}/")
    expect(applicant_page.locator("#selection")).to_contain_text(adopted.naiji_number)

    # 16. the public page: country, project name, company and expected reductions; no money
    public = new_page()
    public.goto("/")
    public.click('header a[href="/adopted/"]')
    row = public.locator("main table tr", has_text=ORGANISATION)
    expect(row).to_contain_text("ケニア")
    expect(row).to_contain_text("2500")
    expect(row).to_contain_text("31300")
    expect(public.locator("main")).not_to_contain_text(receipt)
    expect(public.locator("main")).not_to_contain_text(money(SUBSIDY))
    screenshot(public, "adopted")


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
