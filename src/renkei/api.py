"""The REST API (django-ninja, OpenAPI at /api/openapi.json): the same operations as the pages,
through the same services and the same access policy (``renkei.access``).

This module only composes: it builds the ``NinjaAPI``, installs the shared error handlers and
mounts each stage's router (``renkei.<app>.api``); what the routers share (authentication, value
types, the error body, response documentation, conversions) is ``renkei.apikit``.

- Session authentication (the site's login cookie) for everything except the health check, the
  list of calls, the public pre-registration form (5.(1)①) and the public list of adopted
  projects; ninja checks CSRF for session-authenticated requests (send the ``csrftoken``
  cookie's value as ``X-CSRFToken``).
- A proposal the caller may not see answers 404, exactly as one that does not exist; a visible
  proposal the caller may not act on answers 403.
- Every error has the same body, ``{"detail": "...", "errors": ["where: what", ...]}``.
- Money is integer yen; decimals are strings (the request body is read with ``Decimal`` for
  non-integers, so nothing passes through a float); times are ISO 8601 in JST (+09:00).
"""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from pydantic import Field

from renkei.accounts.api import router as accounts_router
from renkei.adoption.api import router as adoption_router
from renkei.apikit import DecimalParser, ErrorOut, django_auth, install_error_handlers, op
from renkei.calls.api import router as calls_router
from renkei.grants.api import router as grants_router
from renkei.monitoring.api import router as monitoring_router
from renkei.ops import health as ops_health
from renkei.proposals.api import router as proposals_router
from renkei.reviews.api import router as reviews_router

api = NinjaAPI(
    title="Renkei API",
    version="0.1.0",
    description=(
        "Calls, pre-registrations and proposals of the JCM Model Project and C3P calls, their "
        "basic screening, review and selection, and the office's account requests: the same "
        "operations as the web pages, under the same permissions.\n\n"
        "**Authentication**: the site's session cookie (log in at `/accounts/login/`). Unsafe "
        "methods also need the CSRF token: the `csrftoken` cookie's value in an `X-CSRFToken` "
        "header. `GET /api/health`, `GET /api/ready`, `GET /api/calls`, "
        "`POST /api/preregistrations` and `GET /api/adopted` are public.\n\n"
        '**Errors** always have the body `{"detail": "...", "errors": ["..."]}`: '
        "400 malformed request, 401 not logged in, 403 not allowed (or CSRF token missing), "
        "404 not found or not visible to you, 422 refused by validation, the rules or the "
        "workflow (the message says why and what would work).\n\n"
        "**Values**: money is integer yen; decimals are strings; times are ISO 8601 in Japan "
        "Standard Time (+09:00)."
    ),
    urls_namespace="api",
    auth=django_auth,
    parser=DecimalParser(),
)
install_error_handlers(api)


class HealthOut(Schema):
    status: Literal["ok"] = Field(description="Always `ok` while the application serves.")


@api.get(
    "/health",
    tags=["meta"],
    auth=None,
    summary="Liveness",
    **op({200: (HealthOut, "The application is serving.")}),
)
def health(request) -> dict[str, str]:
    """Liveness: answers while the application can serve requests."""
    return {"status": "ok"}


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


@api.get("/ready", tags=["meta"], auth=None, summary="Readiness", **_ready_docs)
def ready(request):
    """Readiness, for a load balancer or a monitor (cheap enough to poll every 10 seconds):
    checks the database, the uploads' storage and the worker. 200 while the database and the
    storage work (`status` `ok`, or `degraded` when only the worker is late); 503 when either
    fails, with each check's state and no internal details (they are logged with the request's
    id)."""
    result = ops_health.readiness()
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


# One router per stage, in the order of the pipeline.
api.add_router("/", accounts_router)
api.add_router("/", calls_router)
api.add_router("/", proposals_router)
api.add_router("/", reviews_router)
api.add_router("/", adoption_router)
api.add_router("/", grants_router)
api.add_router("/", monitoring_router)
