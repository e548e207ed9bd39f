"""Readiness: can this web process serve the platform now? (issue 14, logs and health)

Three checks, cheap enough for a monitor or a load balancer to run every 10 seconds:

- ``database``: one trivial query (``SELECT 1``) on the default connection;
- ``storage``: a small probe object written, read back and deleted through ``default_storage``
  (the file system or the object store, whichever the settings chose), under the reserved prefix
  ``.health/`` with a random name, so that two probes at once never collide and none is left
  behind;
- ``worker``: the task runner (django-q2, ``manage.py qcluster``). Its clusters keep their
  heartbeat in Django's cache, which is per process unless a shared cache is configured, so the
  web process judges by the database instead: a scheduled job whose run is more than
  ``WORKER_LATE`` overdue, or a queued task that has waited that long, means no worker is taking
  work (``late``); no schedule at all (``manage.py renkei_reminders`` never run) is ``unknown``.

The database and storage are needed for every page: if either fails the platform is
``unavailable`` (HTTP 503, take this process out of service). The worker only sends reminders
and imports meter data in the background: pages and the API work without it, so a late or
unknown worker makes the platform ``degraded`` (HTTP 200: a load balancer keeps the web process
in service, a monitor alerts someone to start the worker). The answer names each check's state,
never an exception's text or a path; the details are logged (``renkei.health``) with the
traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("renkei.health")

PROBE_PREFIX = ".health/"  # reserved in the storage: nothing else is kept under it
# the scheduler of a running cluster looks every 30 s; 5 minutes leaves room for a busy worker
WORKER_LATE = dt.timedelta(minutes=5)

OK = "ok"
FAILED = "failed"
LATE = "late"
UNKNOWN = "unknown"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Readiness:
    status: str  # ok | degraded | unavailable
    checks: dict[str, str]

    @property
    def http_status(self) -> int:
        return 503 if self.status == UNAVAILABLE else 200

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "checks": dict(self.checks)}


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
        if row is None or row[0] != 1:
            logger.error("readiness: the database answered SELECT 1 with %r", row)
            return FAILED
    except Exception:  # any fault is "not ready": logged with its traceback, answered 503
        logger.exception("readiness: the database check failed")
        return FAILED
    return OK


def check_storage() -> str:
    name = f"{PROBE_PREFIX}{uuid.uuid4().hex}.probe"
    payload = secrets.token_bytes(32)
    try:
        saved = default_storage.save(name, ContentFile(payload))
    except Exception:  # logged with its traceback, answered 503
        logger.exception("readiness: the storage check could not write its probe %s", name)
        return FAILED
    try:
        with default_storage.open(saved, "rb") as probe:
            same = probe.read() == payload
        if not same:
            logger.error("readiness: the storage returned other bytes than were written")
    except Exception:
        logger.exception("readiness: the storage check could not read its probe %s", saved)
        same = False
    deleted = _delete(saved)  # a probe left behind is a failure too
    return OK if same and deleted else FAILED


def _delete(name: str) -> bool:
    try:
        default_storage.delete(name)
    except Exception:
        logger.exception("readiness: the storage check could not delete its probe %s", name)
        return False
    return True


def check_worker(now: dt.datetime | None = None) -> str:
    from django_q.models import OrmQ, Schedule

    now = now or timezone.now()
    overdue = now - WORKER_LATE
    try:
        schedules = Schedule.objects.exclude(repeats=0)
        if not schedules.exists():
            return UNKNOWN
        if (
            schedules.filter(next_run__lt=overdue).exists()
            or OrmQ.objects.filter(lock__lt=overdue).exists()
        ):
            logger.warning(
                "readiness: the worker is late: scheduled or queued work has waited more than "
                "%s minutes (is manage.py qcluster running?)",
                int(WORKER_LATE.total_seconds() // 60),
            )
            return LATE
    except Exception:
        logger.exception("readiness: the worker check could not read the task runner's tables")
        return UNKNOWN
    return OK


def readiness() -> Readiness:
    """Every check's state and the platform's: ``ok``, ``degraded`` (only the worker is not
    ok) or ``unavailable`` (the database or the storage failed)."""
    database = check_database()
    storage = check_storage()
    worker = check_worker() if database == OK else UNKNOWN
    checks = {"database": database, "storage": storage, "worker": worker}
    if database != OK or storage != OK:
        status = UNAVAILABLE
    elif worker != OK:
        status = DEGRADED
    else:
        status = OK
    return Readiness(status=status, checks=checks)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``GET /healthz``: the same readiness outside the API, for a load balancer: 200 or 503
    with ``{"status": ..., "checks": {...}}`` both ways."""
    result = readiness()
    return JsonResponse(result.as_dict(), status=result.http_status)
