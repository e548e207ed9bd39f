"""The C3P partnership and matching parts walked in a browser (issue 11): the Japanese
municipality's applicant opens its partnership, records a renewal (an expiry before the date
refused with its message, the title typed kept); the partner city's applicant adds its letter of
interest (refused without its Japanese translation first); the company leading a C3P draft asks
to name the partnership from the editor, which stays pending until the municipality confirms it
on the partnership's page (a decline without a reason refused first), then finds the cities
filled in; the partner city publishes a
need, the company a solution; the need's page suggests the solution with its reasons; the company
contacts the partner city through the platform and the partner city answers; a reviewer has no
part in it (404). The browsers are Japanese: messages are asserted in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from c3pfactories_partnership import PDF, c3p_draft, cast
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.c3p.models import CollaborationAgreement, ContactMessage, LetterOfInterest, Need
from renkei.proposals.models import Proposal

PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


@pytest.fixture
def story(transactional_db, settings):
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"  # inside the C3P FY2025 call
    c = cast()
    c.proposal = c3p_draft(c.company_user)
    return c


def test_c3p_partnership_and_matching_walk(new_page, log_in, story, tmp_path, screenshot):
    c = story
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    translated = tmp_path / "letter-ja.pdf"
    translated.write_bytes(PDF)

    # --- 1. the municipality records a renewal of its MOU ----------------------------------
    mp = new_page()
    log_in(mp, c.municipality.username, PASSWORD)
    mp.goto("/c3p/partnerships/")
    with mp.expect_navigation():
        mp.click(f'a[href="/c3p/partnerships/{c.partnership.pk}/"]')
    expect(mp.locator("#agreements")).to_contain_text("MOU on a low-carbon city")
    form = mp.locator("#agreement-form")
    form.locator("#id_kind").select_option("mou")
    form.locator("#id_title").fill("MOU on a low-carbon city (renewed)")
    form.locator("#id_event").select_option("renewed")
    form.locator("#id_signed_on").fill("2025-04-01")
    form.locator("#id_expires_on").fill("2025-03-01")
    with mp.expect_navigation():
        form.locator("button[type=submit]").click()
    form = mp.locator("#agreement-form")
    expect(form).to_contain_text(
        ja(
            "The agreement would expire on %(exp)s, not after it was signed or renewed on "
            "%(signed)s: give a later expiry date, or none."
        )
        % {"exp": "2025-03-01", "signed": "2025-04-01"}
    )
    expect(form.locator("ul.errorlist li")).to_have_count(1)  # said once
    expect(form.locator("#id_title")).to_have_value("MOU on a low-carbon city (renewed)")
    form.locator("#id_expires_on").fill("2028-03-31")
    with mp.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(mp.locator("#agreements")).to_contain_text("2025-04-01")
    assert CollaborationAgreement.objects.filter(event="renewed").count() == 1

    # --- 2. the partner city adds its letter, with its Japanese translation ---------------
    pp = new_page("en-US")
    log_in(pp, c.partner_user.username, PASSWORD)
    pp.goto(f"/c3p/partnerships/{c.partnership.pk}/")
    form = pp.locator("#letter-form")
    form.locator("#id_side").select_option("partner_city")
    form.locator("#id_signatory").fill("Mayor of Sample Partner City")
    form.locator("#id_dated").fill("2025-01-20")
    form.locator("#id_file").set_input_files(str(letter))
    with pp.expect_navigation():
        form.locator("button[type=submit]").click()
    form = pp.locator("#letter-form")
    expect(form).to_contain_text("must be accompanied by a Japanese translation")
    expect(form.locator("#id_signatory")).to_have_value("Mayor of Sample Partner City")
    form.locator("#id_file").set_input_files(str(letter))
    form.locator("#id_translation").set_input_files(str(translated))
    with pp.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(pp.locator("#letters")).to_contain_text("Mayor of Sample Partner City")
    assert LetterOfInterest.objects.get().translation_name == "letter-ja.pdf"

    # --- 3. the company's C3P draft picks the partnership from the editor ------------------
    cp = new_page()
    log_in(cp, c.company_user.username, PASSWORD)
    cp.goto(f"/proposals/{c.proposal.pk}/edit/")
    with cp.expect_navigation():
        cp.click(f'#partnership-link a[href="/c3p/partnerships/pick/{c.proposal.pk}/"]')
    cp.locator("#id_partnership").select_option(str(c.partnership.pk))
    with cp.expect_navigation():
        cp.click("#pick")
    expect(cp.locator("main")).to_contain_text(
        ja(
            "Asked: the Japanese municipality confirms or declines naming its partnership; "
            "until then the proposal keeps the cities as typed."
        )
    )
    assert Proposal.objects.get(pk=c.proposal.pk).c3p_partnership is None  # pending
    cp.goto(f"/c3p/partnerships/pick/{c.proposal.pk}/")
    expect(cp.locator("#link-state")).to_contain_text(
        ja("Awaiting the municipality's confirmation")
    )

    # the municipality answers on its partnership's page: a decline needs its reason
    mp.goto(f"/c3p/partnerships/{c.partnership.pk}/")
    request = mp.locator("#link-requests")
    expect(request).to_contain_text(c.proposal.title)
    request.locator('input[value="decline"]').check()
    with mp.expect_navigation():
        request.locator("button[type=submit]").click()
    request = mp.locator("#link-requests")
    expect(request).to_contain_text(ja("Say why the municipality declines, for the applicant."))
    request.locator('input[value="confirm"]').check()
    with mp.expect_navigation():
        request.locator("button[type=submit]").click()
    expect(mp.locator("#link-requests")).to_contain_text(ja("Confirmed by the municipality"))
    screenshot(mp, "c3p-partnership-link-confirmed")

    cp.goto(f"/proposals/{c.proposal.pk}/edit/")
    expect(cp.locator("#partnership-link")).to_contain_text(str(c.partnership))
    expect(cp.locator('input[name="city-name_ja"]')).to_have_value("サンプル市")
    document = Proposal.objects.get(pk=c.proposal.pk).document
    assert document["partner_city"]["letter_japanese_translation"] is True
    screenshot(cp, "c3p-partnership-picked")

    # --- 4. a need, a solution, the suggestion and a contact through the platform ----------
    pp.goto("/c3p/matching/needs/new/")
    pp.locator("#id_sector").select_option("energy_efficiency")
    pp.locator("#id_title").fill("Efficient street lighting")
    pp.locator("#id_problem").fill("Old street lighting wastes electricity.")
    pp.locator("#id_scale").fill("12,000 lamps")
    with pp.expect_navigation():
        pp.locator("#publish button[type=submit]").click()
    need = Need.objects.get()
    cp.goto("/c3p/matching/solutions/new/")
    cp.locator("#id_title").fill("LED street lighting")
    cp.locator('input[name="sectors"][value="energy_efficiency"]').check()
    cp.locator("#id_technology").fill("LED street lighting with dimming")
    cp.locator("#id_countries").fill("VN TH")
    cp.locator("#id_jcm_experience").check()
    with cp.expect_navigation():
        cp.locator("#publish button[type=submit]").click()
    cp.goto(f"/c3p/matching/needs/{need.pk}/")
    expect(cp.locator("#suggestions")).to_contain_text("LED street lighting")
    expect(cp.locator("#suggestions")).to_contain_text(ja("Experience with the JCM"))
    screenshot(cp, "c3p-matching-suggestions")
    cp.locator("#contact-form textarea").fill("We make LED lamps; can we talk?")
    with cp.expect_navigation():
        cp.locator("#contact-form button[type=submit]").click()
    expect(cp.locator("#thread")).to_contain_text("We make LED lamps")
    assert "@example.org" not in cp.content()

    pp.goto("/c3p/matching/contacts/")
    with pp.expect_navigation():
        pp.click("main table a")
    pp.locator("#reply-form textarea").fill("Yes, on Monday.")
    with pp.expect_navigation():
        pp.locator("#reply-form button[type=submit]").click()
    expect(pp.locator("#thread")).to_contain_text("Yes, on Monday.")
    assert ContactMessage.objects.count() == 2

    # --- 5. a reviewer has no part in it ---------------------------------------------------
    rp = new_page()
    log_in(rp, c.reviewer.username, PASSWORD)
    assert rp.goto("/c3p/matching/").status == 404
    assert rp.goto(f"/c3p/partnerships/{c.partnership.pk}/").status == 404
