"""Browser end-to-end tests: Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by
Playwright against pytest-django's live server, on loopback only. No browser is downloaded."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright

from renkei.accounts.models import Organisation, Role, User
from renkei.calls.models import Call, Round
from renkei.calls.services import call_open_from_rulebook

# the web tests' set-up helpers (tests/web/webfactories.py) serve the walks' set-up too
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

JST = ZoneInfo("Asia/Tokyo")
CHROMIUM = Path(os.environ.get("RENKEI_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/e2e-shots")  # copies of the screenshots for people to look at
DEMO_NOW = "2024-05-01T10:00:00+09:00"  # inside the JCM call; its first round is open
PASSWORD = "Renkei-e2e-passw0rd!"


def jst(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless chromium per module. Missing chromium is a failure, not a skip: CI installs
    it with apt (.ci/run)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install chromium; .ci/run installs it). Playwright's own browser "
            "downloads are not used.",
            pytrace=False,
        )
    # Playwright's sync API keeps an asyncio loop alive in this thread; Django would then refuse
    # the test's own ORM calls (SynchronousOnlyOperation) although nothing runs concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """Password hashing is not under test here; the default hasher costs seconds per login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def platform(settings, live_server, tmp_path) -> str:
    """The live server's base URL, with the demo clock set and uploads kept in tmp_path. Settings
    are process-wide, so the server thread sees them too."""
    settings.RENKEI_DEMO_NOW = DEMO_NOW
    settings.RENKEI_BASE_URL = live_server.url  # login links in emails point at this server
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads"), "base_url": None},
        },
    }
    return live_server.url


@pytest.fixture
def new_page(browser, platform) -> Iterator[Callable]:
    """Open a page in a fresh browser context (its own cookies: one person). Japanese browsers
    by default, like the applicants'."""
    contexts = []

    def open_page(locale: str = "ja-JP"):
        context = browser.new_context(
            base_url=platform, locale=locale, timezone_id="Asia/Tokyo", accept_downloads=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # irreversible actions ask first (data-confirm); the person says yes, and the question
        # is kept so that a test can check it was asked
        page.confirmed = []

        def accept(dialog) -> None:
            page.confirmed.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def jcm_call(transactional_db) -> Call:
    return call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024",
        title_ja="令和6年度から令和8年度 JCM設備補助事業 公募",
        title_en="JCM Model Project call FY2024–FY2026",
    )


@pytest.fixture
def first_round(jcm_call: Call) -> Round:
    return jcm_call.rounds.get(code="first")


@pytest.fixture
def final_round(jcm_call: Call) -> Round:
    return jcm_call.rounds.get(code="final")


@pytest.fixture
def office(transactional_db) -> User:
    return User.objects.create_user(
        username="office-e2e",
        email="office-e2e@example.org",
        password=PASSWORD,
        role=Role.OFFICE,
        is_staff=True,
        first_name="事務局 太郎",
    )


@pytest.fixture
def other_applicant(transactional_db) -> User:
    org = Organisation.objects.create(name="別会社株式会社", country="JP")
    return User.objects.create_user(
        username="other-e2e",
        email="other-e2e@example.org",
        password=PASSWORD,
        role=Role.APPLICANT,
        organisation=org,
        first_name="他社 花子",
    )


@pytest.fixture
def log_in() -> Callable:
    """Log a page in through the login form, as a person does."""

    def go(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        expect(page.locator('header form[action="/accounts/logout/"]')).to_be_visible()

    return go


@pytest.fixture
def screenshot(tmp_path) -> Callable:
    """Save a full-page PNG into tmp_path, copy it to /tmp/e2e-shots/, return the tmp_path one."""

    def take(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SHOTS / path.name)
        return path

    return take
