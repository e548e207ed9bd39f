"""The operations router: ``GET /api/ready``, the readiness check (``renkei.ops.health``),
mounted by ``renkei.api`` beside the liveness check ``GET /api/health``. Public (``auth=None``):
a load balancer or a monitor polls it without a session; it tells nothing internal."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from renkei.apikit import ErrorOut, op
from renkei.ops import health

router = Router()


class ReadyChecks(Schema):
    database: Literal["ok", "failed"] = Field(
        description="`ok` when the database answered a trivial query."
    )
    storage: Literal["ok", "failed"] = Field(
        description="`ok` when a small probe was written, read back and deleted in the "
        "uploads' storage (under the reserved prefix `.health/`)."
    )
    worker: Literal["ok", "late", "unknown"] = Field(
        description="The task runner (`manage.py qcluster`): `ok` when no scheduled or queued "
        "work has waited more than 5 minutes, `late` when some has (no worker is taking it), "
        "`unknown` when nothing is scheduled (`manage.py renkei_reminders` not run) or the "
        "database cannot say."
    )


class ReadyOut(Schema):
    status: Literal["ok", "degraded"] = Field(
        description="`ok` when every check is ok; `degraded` when the database and the storage "
        "are ok but the worker is not (pages and the API work; reminders and imports wait)."
    )
    checks: ReadyChecks = Field(description="Each check's state.")


_ready_docs = op(
    {
        200: (
            ReadyOut,
            "The database and the storage work: this process can serve (`status` says whether "
            "the worker is keeping up too).",
        )
    }
)
_ready_docs["response"][503] = ErrorOut
_ready_docs["openapi_extra"]["responses"][503] = {
    "description": "Not ready: the database or the storage failed (take this process out of "
    "service). `errors` lists every check as `name: state`; the details are in the server's log."
}


@router.get("/ready", tags=["meta"], auth=None, summary="Readiness", **_ready_docs)
def ready(request):
    """Readiness, for a load balancer or a monitor (cheap enough to poll every 10 seconds):
    checks the database, the uploads' storage and the worker. 200 while the database and the
    storage work (`status` `ok`, or `degraded` when only the worker is late); 503 when either
    fails, with each check's state and no internal details (they are logged with the request's
    id)."""
    result = health.readiness()
    if result.http_status == 503:
        failed = ", ".join(name for name, state in result.checks.items() if state == "failed")
        return Status(
            503,
            {
                "detail": _("Not ready: %(checks)s failed.") % {"checks": failed},
                "errors": [f"{name}: {state}" for name, state in result.checks.items()],
            },
        )
    return Status(200, result.as_dict())
