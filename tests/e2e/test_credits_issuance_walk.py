"""The issuance of credits walked in a browser (issue 10): the representative participant's
applicant opens the registered project's issuance page, reads the due dates with their clauses
(the first request a year after registration, the reductions up to 2030 during 2031, the last a
year after the useful life ends), drafts a request without choosing a period (refused, saying
what to choose), then for both verified periods, and submits it to the Joint Committee. Another
country's Joint Committee contact gets 404; Kenya's opens the request, types more than the
verified reductions for a period (refused by the browser, and by the server when the browser
does not check: the typed amount kept), then issues 100 + 55 tCO2.
The registry administrator sees the issuance waiting for the registry; the applicant sees it
on the project's page, the first due date done.

What comes before (a Kenyan project in operation from 2025-04-01, registered on 2026-03-01 with
its allocation agreement, two verified periods) is set up with the part's factories. Every
person logs in through the login form; the browsers are Japanese: messages are asserted in the
catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from creditsfactories_issuance import issuance_project
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.credits.models import Issuance, IssuanceRequest, RequestState

PASSWORD = "pw-for-tests-1"  # the factories' password


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


@pytest.fixture
def x(transactional_db, settings):
    settings.RENKEI_DEMO_NOW = "2026-09-15T10:00:00+09:00"
    return issuance_project()


def test_issuance_walk_from_verified_periods_to_issued_credits(
    new_page, log_in, x, screenshot
) -> None:
    who, project = x["cast"], x["project"]
    p1, p2 = x["periods"]

    # --- 1. the filer: the due dates, a draft, the submission ---------------------------------
    ap = new_page()
    log_in(ap, who.filer.username, PASSWORD)
    ap.goto(f"/credits/projects/{project.pk}/issuance/")
    expect(ap.locator("#issuance-due-first-issuance")).to_contain_text("2027-03-01")
    expect(ap.locator("#issuance-due-first-issuance")).to_contain_text("2.(1)③")
    expect(ap.locator("#issuance-due-issuance-2030")).to_contain_text("2031-12-31")
    expect(ap.locator("#issuance-due-last-issuance")).to_contain_text("2041-03-31")
    screenshot(ap, "credits-issuance-due-dates")
    new = ap.locator("#issuance-new")
    post(ap, new.locator("button"))  # no period chosen
    expect(ap.locator("#issuance-new")).to_contain_text(
        ja("Choose at least one verified monitoring period for the issuance request.")
    )
    assert not IssuanceRequest.objects.exists()
    new = ap.locator("#issuance-new")
    new.locator(f'input[name="periods"][value="{p1.pk}"]').check()
    new.locator(f'input[name="periods"][value="{p2.pk}"]').check()
    post(ap, new.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The issuance request is drafted; submit it when it is complete.")
    )
    req = IssuanceRequest.objects.get()
    assert ap.url.endswith(f"/credits/issuance/requests/{req.pk}/")
    expect(ap.locator("#verified-total")).to_have_text("160")
    post(ap, ap.locator("#submit-request button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The issuance request is submitted to the Joint Committee.")
    )
    assert IssuanceRequest.objects.get().state == RequestState.SUBMITTED

    # --- 2. another country's Joint Committee contact: nothing to see ---------------------------
    other = new_page()
    log_in(other, who.other_jc.username, PASSWORD)
    answer = other.goto(f"/credits/issuance/requests/{req.pk}/")
    assert answer.status == 404

    # --- 3. Kenya's Joint Committee contact issues ----------------------------------------------
    jc = new_page()
    log_in(jc, who.jc.username, PASSWORD)
    jc.goto(f"/credits/issuance/requests/{req.pk}/")
    decide = jc.locator("#approve form")
    amount = decide.locator(f'[name="p{p1.pk}"]')
    amount.fill("101")  # above the verified 100: the browser says so first (max="100")
    assert amount.evaluate("e => e.validity.rangeOverflow") is True
    amount.evaluate("e => e.removeAttribute('max')")  # and the server, to a browser that did not
    post(jc, decide.locator("button"))
    expect(jc.locator(f'#approve [name="p{p1.pk}"]')).to_have_value("101")
    expect(jc.locator("#approve .errorlist")).to_be_visible()
    screenshot(jc, "credits-issuance-above-verified")
    assert not Issuance.objects.exists()
    decide = jc.locator("#approve form")
    decide.locator(f'[name="p{p1.pk}"]').fill("100")
    decide.locator(f'[name="p{p2.pk}"]').fill("55")
    post(jc, decide.locator("button"))
    expect(jc.locator(".messages")).to_contain_text(ja("The credits are issued."))
    expect(jc.locator("#issued-total")).to_have_text("155")
    issuance = Issuance.objects.get()
    assert issuance.issued_tco2 == 155 and issuance.recorded_at is None

    # --- 4. the registry administrator and the filer see it -------------------------------------
    reg = new_page()
    log_in(reg, who.registry.username, PASSWORD)
    reg.goto(f"/credits/issuance/requests/{req.pk}/")
    expect(reg.locator("#issuance-record")).to_contain_text("2025-04-01")
    expect(reg.locator("#approve")).to_have_count(0)
    ap.goto(f"/credits/projects/{project.pk}/issuance/")
    expect(ap.locator("#issuance-requests")).to_contain_text("155")
    expect(ap.locator("#issuance-due-first-issuance")).to_contain_text(ja("Done"))
    screenshot(ap, "credits-issuance-issued")
