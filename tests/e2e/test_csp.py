"""The pages work under the content security policy (issue 12, point 8): Chromium loads each
kind of page (public, the applicant's form editor with its htmx and inline script, the office's
account requests and ranking, the admin, the API docs) and reports no script or style the
policy refused; the language switcher, which used an inline handler, still switches."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from renkei.accounts.models import Organisation, Role, User
from renkei.proposals import services

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Csp-e2e-passw0rd!"


def _watch(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    return refused


def test_pages_work_under_the_policy(new_page, log_in, office, first_round) -> None:
    org = Organisation.objects.create(name="CSP株式会社", country="JP")
    applicant = User.objects.create_user(
        username="csp-e2e",
        email="csp-e2e@example.org",
        password=PASSWORD,
        role=Role.APPLICANT,
        organisation=org,
    )
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="CSP", country="KE"
    )

    page = new_page()
    refused = _watch(page)
    page.goto("/")
    page.select_option("header select[name=language]", "en")  # the switcher: static JS now
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/accounts/login/")
    page.goto("/api/docs")
    # rendered from local files once the OpenAPI description is built (seconds on a busy CI)
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=30_000)
    log_in(page, applicant.username, PASSWORD)
    page.goto(f"/proposals/{proposal.pk}/edit/")
    page.fill("input[name$='title']", "CSP changed")  # htmx posts the live assessment
    page.wait_for_timeout(1500)
    assert refused == []

    office_page = new_page()
    refused = _watch(office_page)
    log_in(office_page, office.username)
    for path in (
        "/accounts/requests/",
        "/office/ranking/",
        "/proposals/preregistrations/",
        "/grants/portfolio/",
        "/grants/calendar/",
        "/grants/",
        "/admin/",
    ):
        office_page.goto(path)
        expect(office_page.locator("body")).to_be_visible()
    assert refused == []
