"""Readiness (issue 14, logs and health): ``GET /api/ready`` and ``GET /healthz`` check the
database, the uploads' storage and the worker; 200 while the database and the storage work,
503 naming the failed check and nothing internal (the details are logged)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from renkei.ops import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled() -> Schedule:
    """A schedule as ``manage.py renkei_reminders`` makes it, its next run in the future: a
    running worker keeps it so."""
    return Schedule.objects.create(
        func="renkei.grants.tasks.send_reminders",
        schedule_type=Schedule.MINUTES,
        minutes=60,
        repeats=-1,
        next_run=timezone.now() + dt.timedelta(minutes=30),
    )


def _storage():
    """The storage object behind ``default_storage`` (set up on first use)."""
    default_storage.exists("x")
    return default_storage._wrapped


def _probes_left() -> list[str]:
    if not default_storage.exists(health.PROBE_PREFIX):
        return []
    return default_storage.listdir(health.PROBE_PREFIX)[1]


def test_ready_when_every_check_passes(scheduled) -> None:
    for url in ("/api/ready", "/healthz"):
        response = Client().get(url)
        assert response.status_code == 200, response.content
        assert response.json() == {
            "status": "ok",
            "checks": {"database": "ok", "storage": "ok", "worker": "ok"},
        }
    assert _probes_left() == []  # every probe deleted
    assert "no-cache" in Client().get("/healthz")["Cache-Control"]


def test_a_database_that_does_not_answer_is_503_naming_it_without_details(
    scheduled, monkeypatch, caplog
) -> None:
    class Down:
        def __enter__(self):
            raise OperationalError("could not connect to server at /var/run/secret.sock")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: Down())
    api = Client().get("/api/ready", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 503
    body = api.json()
    assert body["detail"] == "Not ready: database failed."
    assert body["errors"] == ["database: failed", "storage: ok", "worker: unknown"]
    page = Client().get("/healthz")
    assert page.status_code == 503
    assert page.json() == {
        "status": "unavailable",
        "checks": {"database": "failed", "storage": "ok", "worker": "unknown"},
    }
    for response in (api, page):
        assert b"secret.sock" not in response.content and b"Operational" not in response.content
    logged = [r for r in caplog.records if r.name == "renkei.health"]
    assert logged and all(r.exc_info and r.exc_info[0] is OperationalError for r in logged)


@pytest.mark.parametrize("failing", ["save", "open", "delete"])
def test_a_storage_that_fails_is_503_naming_it_without_details(
    failing, scheduled, monkeypatch, caplog
) -> None:
    storage = _storage()

    def broken(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/srv/renkei/var/uploads/.health")

    monkeypatch.setattr(storage, failing, broken)
    response = Client().get("/api/ready")
    assert response.status_code == 503
    assert response.json()["errors"] == ["database: ok", "storage: failed", "worker: ok"]
    assert b"/srv" not in response.content and b"Permission" not in response.content
    [record] = [r for r in caplog.records if r.name == "renkei.health"]
    assert record.exc_info[0] is PermissionError
    monkeypatch.undo()
    if failing == "open":  # written, then deleted even though reading it failed
        assert _probes_left() == []


def test_a_storage_that_returns_other_bytes_is_failed(scheduled, monkeypatch, caplog) -> None:
    storage = _storage()

    def tampered(name, mode="rb"):
        return ContentFile(b"not what was written", name=name)

    monkeypatch.setattr(storage, "open", tampered)
    with caplog.at_level(logging.ERROR, logger="renkei.health"):
        assert health.check_storage() == health.FAILED
    assert "other bytes than were written" in caplog.text
    monkeypatch.undo()
    assert _probes_left() == []


def test_probes_at_once_do_not_collide(monkeypatch) -> None:
    results: list[str] = []
    names: list[str] = []
    storage = _storage()
    real_save = storage.save

    def recording(name, content, **kw):
        saved = real_save(name, content, **kw)
        names.append(saved)
        return saved

    monkeypatch.setattr(storage, "save", recording)
    threads = [
        threading.Thread(target=lambda: results.append(health.check_storage())) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [health.OK] * 4
    assert len(set(names)) == 4 and all(n.startswith(".health/") for n in names)
    assert _probes_left() == []


def test_a_dead_worker_is_degraded_not_unavailable(scheduled) -> None:
    """The pages work without the worker: a load balancer keeps this process, a monitor
    alerts (docs/ops/logs.md)."""
    Schedule.objects.filter(pk=scheduled.pk).update(
        next_run=timezone.now() - dt.timedelta(minutes=20)
    )
    response = Client().get("/api/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "storage": "ok", "worker": "late"},
    }
    assert Client().get("/healthz").status_code == 200


def test_the_worker_check_reads_the_schedule_and_the_queue(scheduled) -> None:
    now = timezone.now()
    assert health.check_worker(now) == health.OK
    # a task queued 10 minutes ago that no worker has taken
    OrmQ.objects.create(key="renkei", payload="x", lock=now - dt.timedelta(minutes=10))
    assert health.check_worker(now) == health.LATE
    OrmQ.objects.update(lock=now + dt.timedelta(minutes=10))  # taken: locked by a worker
    assert health.check_worker(now) == health.OK
    # a schedule that ran out of repeats is not waiting for anyone
    Schedule.objects.update(repeats=0, next_run=now - dt.timedelta(days=1))
    assert health.check_worker(now) == health.UNKNOWN


def test_without_any_schedule_the_worker_is_unknown_and_the_platform_degraded() -> None:
    response = Client().get("/api/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"] == "unknown"


def test_the_health_urls_are_not_redirected_to_https(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    for url in ("/healthz", "/api/ready", "/api/health"):
        assert client.get(url).status_code in (200, 503), url
    assert client.get("/accounts/login/").status_code == 301  # everything else is
