"""Structured logs (issue 14, logs and health): one JSON line per request with its id, server
errors logged with their traceback and the same id (shown on the 500 page), nothing personal in
any line, and no error swallowed without a trace (docs/ops/logs.md)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path
from webfactories import UserFactory

from renkei.accounts.models import Role
from renkei.web.request_log import REQUEST_ID_PATTERN, JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-1"  # webfactories.UserFactory's


def _boom(request: HttpRequest, pk: int):
    raise RuntimeError("a fault in a view")


# this module is also the URL configuration of the server-error tests: the platform's own URLs
# and one view that fails
urlpatterns = [path("boom/<int:pk>/", _boom), path("", include("renkei.web.urls"))]
handler500 = "renkei.web.middleware.server_error"


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """What the production handler would write (JSON formatter and request-id filter of the
    settings), one parsed object per line, from every logger the settings configure."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger(name) for name in ("renkei", "django", "axes", "django-q")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _requests(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "renkei.request"]


# --- the request line --------------------------------------------------------------------------
def test_one_line_per_request_with_the_route_the_user_id_and_role_and_the_id_header(
    log_lines,
) -> None:
    user = UserFactory(role=Role.APPLICANT)
    client = Client()
    client.force_login(user)
    response = client.get("/proposals/987654/?q=secret")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert REQUEST_ID_PATTERN.fullmatch(request_id)
    [line] = _requests(log_lines())
    assert line["request_id"] == request_id
    assert line["method"] == "GET"
    assert line["route"] == "/proposals/<int:pk>/"  # the pattern, never the id asked for
    assert line["status"] == 404
    assert line["user_id"] == user.pk and line["role"] == "applicant"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["size"] == len(response.content)
    assert line["time"].endswith("Z") and line["level"] == "INFO"
    assert "path" not in line and "client_ip" not in line
    # Django's own "Not Found" warning carries the same id and the route, not the path
    [warning] = [x for x in log_lines() if x["logger"] == "django.request"]
    assert warning["request_id"] == request_id and warning["status"] == 404
    assert warning["message"] == "Not Found: /proposals/<int:pk>/"
    assert "987654" not in json.dumps(log_lines()) and "secret" not in json.dumps(log_lines())


def test_an_anonymous_request_names_no_user_and_an_unknown_path_is_logged_without_its_query(
    log_lines,
) -> None:
    response = Client().get("/no/such/page/?email=someone@example.org")
    assert response.status_code == 404
    [line] = _requests(log_lines())
    assert line["route"] is None and line["path"] == "/no/such/page/"
    assert line["user_id"] is None and line["role"] is None
    assert "someone@example.org" not in json.dumps(log_lines())
    Client().get("/no/such%0AINFO%20forged%20line/")
    assert _requests(log_lines())[1]["path"] == "/no/such\\x0aINFO forged line/"


def test_an_incoming_request_id_is_kept_only_in_the_strict_shape(log_lines) -> None:
    client = Client()
    kept = client.get("/api/health", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    for forged in ('x" "admin', "short", "a" * 65, "abc def ghi", "ok-id-\n{json}"):
        answer = client.get("/api/health", HTTP_X_REQUEST_ID=forged)
        assert answer["X-Request-ID"] != forged
        assert REQUEST_ID_PATTERN.fullmatch(answer["X-Request-ID"])
    ids = [line["request_id"] for line in _requests(log_lines())]
    assert ids[0] == "lb-0123456789abcdef" and len(set(ids)) == 6  # each request its own


def test_the_client_address_is_logged_only_when_asked(log_lines, settings) -> None:
    Client().get("/api/health", REMOTE_ADDR="198.51.100.7")
    settings.RENKEI_LOG_CLIENT_IP = True  # RENKEI_LOG_CLIENT_IP=1; read when the server starts
    Client().get("/api/health", REMOTE_ADDR="198.51.100.8")
    first, second = _requests(log_lines())
    assert "198.51.100.7" not in json.dumps(first) and "client_ip" not in first
    assert second["client_ip"] == "198.51.100.8"


# --- no personal data --------------------------------------------------------------------------
def test_a_login_and_a_search_leave_no_password_e_mail_or_username_in_the_log(log_lines) -> None:
    user = UserFactory(role=Role.APPLICANT, username="hanako-yamada", email="hanako@example.jp")
    office = UserFactory(role=Role.OFFICE, organisation=None, is_staff=True)
    client = Client()
    wrong = client.post(
        "/accounts/login/", {"username": "hanako@example.jp", "password": "Wr0ng-Secret-Pass"}
    )
    assert wrong.status_code == 200  # the form again, with its message
    right = client.post("/accounts/login/", {"username": "hanako@example.jp", "password": PASSWORD})
    assert right.status_code == 302
    office_client = Client()
    office_client.force_login(office)
    found = office_client.get("/accounts/requests/", {"q": "hanako@example.jp"})
    assert found.status_code == 200
    reset = Client().get("/accounts/password-reset/MTIz/set-by-token-a1b2c3/")
    lines = log_lines()
    text = json.dumps(lines)
    for secret in (
        "Wr0ng-Secret-Pass",
        PASSWORD,
        "hanako@example.jp",
        "hanako-yamada",
        "hanako",
        "set-by-token-a1b2c3",
    ):
        assert secret not in text, secret
    routes = [line["route"] for line in _requests(lines)]
    assert routes == [
        "/accounts/login/",
        "/accounts/login/",
        "/accounts/requests/",
        "/accounts/password-reset/<uidb64>/<token>/",
    ], routes
    assert _requests(lines)[1]["user_id"] == user.pk  # the one who has just logged in
    assert reset["X-Request-ID"] == _requests(lines)[3]["request_id"]


def test_a_throttled_login_is_logged_with_its_request_id_and_without_the_login(
    log_lines, settings
) -> None:
    """django-axes masks the login and the address in its lines (AXES_SENSITIVE_PARAMETERS, its
    default); the request's id ties them to the request line."""
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(role=Role.APPLICANT, email="taro@example.jp")
    client = Client()
    for _ in range(3):
        client.post(
            "/accounts/login/",
            {"username": "taro@example.jp", "password": "nope-nope"},
            REMOTE_ADDR="203.0.113.9",
        )
    lines = log_lines()
    axes = [line for line in lines if line["logger"].startswith("axes")]
    assert any("Locking out" in line["message"] for line in axes), lines
    assert "taro" not in json.dumps(lines) and "203.0.113.9" not in json.dumps(lines)
    request_ids = {line["request_id"] for line in _requests(lines)}
    assert {line["request_id"] for line in axes} <= request_ids


# --- server errors -----------------------------------------------------------------------------
@pytest.mark.urls(__name__)
def test_a_server_error_is_logged_with_its_traceback_and_the_id_the_500_page_shows(
    log_lines, settings
) -> None:
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/42/?name=Hanako")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    page = response.content.decode()
    assert request_id in page
    assert "お問い合わせの際は" in page and "quote this reference" in page  # both languages
    lines = log_lines()
    [error] = [line for line in lines if line["logger"] == "django.request"]
    assert error["level"] == "ERROR" and error["status"] == 500
    assert error["request_id"] == request_id
    assert error["message"] == "Internal Server Error: /boom/<int:pk>/"
    assert "RuntimeError: a fault in a view" in error["traceback"]
    [line] = _requests(lines)
    assert line["status"] == 500 and line["level"] == "ERROR"
    assert line["request_id"] == request_id
    assert "Hanako" not in json.dumps(lines)


def test_an_api_server_error_answers_the_error_body_with_the_reference(
    log_lines, settings, monkeypatch
) -> None:
    settings.DEBUG = False

    def broken():
        raise RuntimeError("a fault in the readiness check")

    monkeypatch.setattr("renkei.ops.health.readiness", broken)
    response = Client(raise_request_exception=False).get("/api/ready")
    assert response.status_code == 500
    body = response.json()
    assert body["errors"] == []
    assert response["X-Request-ID"] in body["detail"]
    assert "a fault" not in body["detail"]  # no internal detail to the caller
    [error] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert "RuntimeError: a fault in the readiness check" in error["traceback"]
    assert error["request_id"] == response["X-Request-ID"]


# --- the settings: format and level ------------------------------------------------------------
PROBE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('renkei.request').info('GET /x 200', extra={'status': 200}); "
    "logging.getLogger('django.db.backends').debug('SELECT secret'); "
    "logging.getLogger('renkei.probe').debug('debug line')"
)


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RENKEI_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "renkei.web.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "RENKEI_HOME": str(tmp_path),
            "RENKEI_SECRET_KEY": "x" * 50,
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_logs_json_lines_and_a_developer_plain_ones(tmp_path) -> None:
    production = _start({}, tmp_path)
    assert production.returncode == 0, production.stderr
    [line] = [json.loads(x) for x in production.stderr.splitlines()]
    assert line["logger"] == "renkei.request" and line["status"] == 200
    assert line["request_id"] == "-"  # logged outside a request
    developer = _start({"RENKEI_DEBUG": "1"}, tmp_path)
    assert developer.returncode == 0, developer.stderr
    assert developer.stderr.strip().endswith("INFO renkei.request [-] GET /x 200")
    plain = _start({"RENKEI_LOG_FORMAT": "plain"}, tmp_path)
    assert "INFO renkei.request [-] GET /x 200" in plain.stderr


def test_the_log_level_reaches_renkei_only_and_bad_values_are_refused(tmp_path) -> None:
    debug = _start({"RENKEI_LOG_LEVEL": "debug"}, tmp_path)
    assert debug.returncode == 0, debug.stderr
    assert "debug line" in debug.stderr
    assert "SELECT secret" not in debug.stderr  # Django's SQL log stays off: it has values
    for name, value in (("RENKEI_LOG_FORMAT", "xml"), ("RENKEI_LOG_LEVEL", "loud")):
        refused = _start({name: value}, tmp_path)
        assert refused.returncode != 0
        assert f"{name} is {value!r}" in refused.stderr


# --- errors that were swallowed ----------------------------------------------------------------
def test_an_unknown_status_label_shows_as_is_but_a_broken_catalogue_is_not_hidden(
    monkeypatch,
) -> None:
    from renkei.proposals.templatetags import renkei as tags

    assert tags.status_label("no_such_status") == "no_such_status"

    def broken(code, params, lang):
        raise KeyError(lang)

    monkeypatch.setattr(tags, "render", broken)
    with pytest.raises(KeyError):
        tags.status_label("pass")


def test_an_unknown_pin_technology_shows_its_key_but_a_broken_table_is_not_hidden(
    monkeypatch,
) -> None:
    from renkei.adoption import pin

    assert pin._technology_en("no-such-technology") == "no-such-technology"

    def broken():
        raise OSError("annex table unreadable")

    monkeypatch.setattr(pin, "reconstructed_table", broken)
    with pytest.raises(OSError, match="annex table unreadable"):
        pin._technology_en("solar-pv")


def test_an_unknown_methodology_is_not_flagged_but_a_broken_one_is_not_hidden(
    monkeypatch,
) -> None:
    from renkei.errors import InvalidDocument
    from renkei.monitoring import selectors
    from renkei.mrv import methodologies

    selectors._methodology_provisional.cache_clear()
    assert selectors._methodology_provisional("no-such-methodology", "1.0") is False

    def broken(*args, **kwargs):
        raise InvalidDocument("methodology x", ["a field is missing"])

    monkeypatch.setattr(methodologies, "load", broken)
    selectors._methodology_provisional.cache_clear()
    with pytest.raises(InvalidDocument):
        selectors._methodology_provisional("other-methodology", "1.0")
    selectors._methodology_provisional.cache_clear()


def test_a_fault_in_the_meter_data_import_is_logged_with_its_traceback(monkeypatch, caplog) -> None:
    """The upload says the import failed (only the fault's kind: its text is not the user's);
    the traceback was lost. A fault in the file itself (a ValueError) is the user's to read and
    not logged."""
    from monitoringfactories import cast, operating_grant, plan_for
    from test_monitoring_intake import interval_csv, queue_interval

    from renkei.monitoring import tasks
    from renkei.monitoring.models import DataUpload

    grant = operating_grant()
    world = {"plan": plan_for(grant), "people": cast(grant)}
    upload = queue_interval(world, interval_csv(1))

    def broken(upload):
        raise KeyError("an internal fault")

    monkeypatch.setattr(tasks, "_import", broken)
    with caplog.at_level(logging.ERROR, logger="renkei.monitoring.tasks"):
        assert tasks.run_interval_import(upload.pk) == "failed"
    assert DataUpload.objects.get(pk=upload.pk).failure.count("KeyError") == 1
    [record] = [r for r in caplog.records if r.name == "renkei.monitoring.tasks"]
    assert record.exc_info[0] is KeyError and str(upload.pk) in record.getMessage()
    other = queue_interval(world, "this is not,a meter file\n1,2\n")
    monkeypatch.undo()
    caplog.clear()
    assert tasks.run_interval_import(other.pk) == "failed"
    assert not [r for r in caplog.records if r.name == "renkei.monitoring.tasks"]
