"""The JCM project cycle walked in a browser (issue 10): the representative participant's
applicant opens the JCM project of its monitored project from the credits list, saves the PDD
with its local stakeholder consultation, uploads the PDD (handing it to validation without the
consultation's record is refused, saying what is missing), uploads the record and hands it
over; records the credit allocation agreement (shares adding up to 70 % refused with the sum,
what was typed kept; then GoJ 50 / 30 / 20). The office assigns the TPE; the TPE's verifier finds
the project on its list, raises a clarification request; another TPE's verifier gets 404. The
applicant answers; the TPE closes the finding and issues the validation report. The applicant
requests registration (the due date from the completion shown); Kenya's Joint Committee contact
registers it with its reference; the registry administrator then finds it.

What comes before (a Kenyan project completed 2025-03-20 and monitored) is set up with the
cycle tests' factories. Every person logs in through the login form; the browsers are Japanese:
messages are asserted in the catalogue's Japanese.
"""

from __future__ import annotations

import pytest
from creditsfactories_cycle import NOW, monitored
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from renkei.credits.models import AllocationAgreement, JcmProject

PASSWORD = "pw-for-tests-1"  # the factories' password
OFFICE_PASSWORD = "Renkei-e2e-passw0rd!"  # conftest's office
PDF = b"%PDF-1.7\n" + b"x" * 100


def ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


def form(page, action_end: str):
    return page.locator(f'main form[action$="{action_end}"]')


def post(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def upload(page, pk: int, kind: str, name: str, body: bytes) -> None:
    f = form(page, f"/credits/{pk}/pdd/documents/")
    f.locator('[name="doc-kind"]').select_option(kind)
    f.locator('[name="doc-file"]').set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": body}
    )
    post(page, f.locator("button"))


@pytest.fixture
def story(transactional_db, office, settings):
    settings.RENKEI_DEMO_NOW = NOW
    return monitored()


def test_cycle_walk_from_pdd_to_registration(new_page, log_in, office, story, screenshot) -> None:
    plan, who = story

    # --- 1. the filer opens the project, writes the PDD and hands it to validation -----------
    ap = new_page()
    log_in(ap, who.filer.username, PASSWORD)
    ap.goto("/credits/")
    post(ap, form(ap, f"/credits/plans/{plan.pk}/open/").locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The JCM project is open."))
    project = JcmProject.objects.get(plan=plan)
    pk = project.pk
    f = form(ap, f"/credits/{pk}/pdd/")
    f.locator('[name="pdd-title"]').fill("ナイロビ冷凍倉庫の高効率冷凍機")
    f.locator('[name="pdd-lsc_held_on"]').fill("2025-11-20")
    f.locator('[name="pdd-lsc_summary"]').fill("住民と従業員に説明し、反対意見はなかった。")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The PDD is saved as a new version."))
    upload(ap, pk, "pdd", "pdd-v1.pdf", PDF)
    post(ap, form(ap, f"/credits/{pk}/validation/request/").locator("button"))
    expect(ap.locator("#cycle .error")).to_contain_text(
        ja("Upload the %(what)s to version %(version)s of the PDD.")
        % {"what": ja("Local stakeholder consultation record"), "version": 1}
    )
    assert JcmProject.objects.get(pk=pk).state == "preparing"
    upload(ap, pk, "lsc", "lsc.pdf", PDF + b"lsc")
    post(ap, form(ap, f"/credits/{pk}/validation/request/").locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The PDD is handed to validation."))

    # the allocation agreement: 70 % refused, what was typed kept; then 50 / 30 / 20
    f = form(ap, f"/credits/{pk}/agreement/")
    f.locator('[name="ag-goj"]').fill("50")
    f.locator(f'[name="ag-share_{who.partner.organisation_id}"]').fill("20")
    post(ap, f.locator("button"))
    expect(ap.locator("#cycle-agreement")).to_contain_text("70 %")
    f = form(ap, f"/credits/{pk}/agreement/")
    expect(f.locator(f'[name="ag-share_{who.partner.organisation_id}"]')).to_have_value("20")
    assert not AllocationAgreement.objects.exists()
    screenshot(ap, "credits-agreement-refused")
    f.locator(f'[name="ag-share_{who.filer.organisation_id}"]').fill("30")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("The credit allocation agreement is recorded as a new version.")
    )
    shares = {s.key: s.percent for s in AllocationAgreement.objects.get().shares.all()}
    assert shares["goj"] == 50 and sum(shares.values()) == 100

    # --- 2. the office assigns the TPE; its verifier raises a CL; another TPE's gets 404 -------
    op = new_page()
    log_in(op, office.username, OFFICE_PASSWORD)
    op.goto(f"/credits/{pk}/")
    f = form(op, f"/credits/{pk}/validation/assign/")
    f.locator('[name="tpe-tpe"]').select_option(str(who.tpe.pk))
    post(op, f.locator("button"))
    expect(op.locator(".messages")).to_contain_text(ja("The validation is assigned to the TPE."))

    vp = new_page()
    log_in(vp, who.verifier.username, PASSWORD)
    vp.goto("/credits/")
    with vp.expect_navigation():
        vp.click(f'main a[href="/credits/{pk}/"]')
    f = form(vp, f"/credits/{pk}/validation/findings/")
    f.locator('[name="fnd-kind"]').select_option("cl")
    f.locator('[name="fnd-text"]').fill("協議の参加者名簿を示してください。")
    post(vp, f.locator("button"))
    expect(vp.locator(".messages")).to_contain_text(ja("The finding is raised."))
    finding = project.validation_findings.get()
    other = new_page()
    log_in(other, who.other_verifier.username, PASSWORD)
    assert other.goto(f"/credits/{pk}/").status == 404

    # --- 3. the filer answers; the TPE closes the finding and issues the report ---------------
    ap.goto(f"/credits/{pk}/")
    f = form(ap, f"/credits/validation-findings/{finding.pk}/answer/")
    f.locator(f'[name="a{finding.pk}-answer"]').fill("名簿(23名)を添付しました。")
    post(ap, f.locator("button"))
    expect(ap.locator(".messages")).to_contain_text(ja("The answer is saved."))
    vp.goto(f"/credits/{pk}/")
    post(vp, form(vp, f"/credits/validation-findings/{finding.pk}/close/").locator("button"))
    f = form(vp, f"/credits/{pk}/validation/report/")
    f.locator('[name="val-opinion"]').fill("PDDは方法論の要件を満たしている。")
    post(vp, f.locator("button"))
    expect(vp.locator(".messages")).to_contain_text(ja("The validation report is issued."))
    assert JcmProject.objects.get(pk=pk).state == "validated"

    # --- 4. registration: requested with its due date, registered by Kenya's JC ---------------
    ap.goto(f"/credits/{pk}/")
    expect(ap.locator("#cycle-registration")).to_contain_text("2026-03-20")
    post(ap, form(ap, f"/credits/{pk}/registration/request/").locator("button"))
    expect(ap.locator(".messages")).to_contain_text(
        ja("Registration is requested from the Joint Committee.")
    )
    jp = new_page()
    log_in(jp, who.jc.username, PASSWORD)
    jp.goto("/credits/")
    with jp.expect_navigation():
        jp.click(f'main a[href="/credits/{pk}/"]')
    f = form(jp, f"/credits/{pk}/registration/decision/")
    f.locator('[name="dec-decision"][value="register"]').check()
    f.locator('[name="dec-registered_on"]').fill("2026-01-15")
    f.locator('[name="dec-reference"]').fill("KE009")
    post(jp, f.locator("button"))
    expect(jp.locator(".messages")).to_contain_text(
        ja("The Joint Committee's decision is recorded.")
    )
    project = JcmProject.objects.get(pk=pk)
    assert (project.state, project.reference) == ("registered", "KE009")
    screenshot(jp, "credits-registered")
    rp = new_page()
    log_in(rp, who.registry.username, PASSWORD)
    rp.goto("/credits/")
    expect(rp.locator("main table").first).to_contain_text("KE009")
