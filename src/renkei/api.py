"""The REST API (django-ninja, OpenAPI at /api/openapi.json): the same operations as the pages,
through the same services and the same access policy (``renkei.access``).

This module only composes: it builds the ``NinjaAPI``, installs the shared error handlers and
mounts each stage's router (``renkei.<app>.api``); what the routers share (authentication, value
types, the error body, response documentation, conversions) is ``renkei.apikit``.

- Session authentication (the site's login cookie) for everything except the health and
  readiness checks (the operations router, ``renkei.ops.api``), the
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

from ninja import NinjaAPI, Schema
from pydantic import Field

from renkei.accounts.api import router as accounts_router
from renkei.adoption.api import router as adoption_router
from renkei.apikit import DecimalParser, django_auth, install_error_handlers, op
from renkei.c3p.api import router as c3p_router
from renkei.calls.api import router as calls_router
from renkei.credits.api import router as credits_router
from renkei.grants.api import router as grants_router
from renkei.monitoring.api import router as monitoring_router
from renkei.ops.api import router as ops_router
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


# One router per stage, in the order of the pipeline.
api.add_router("/", accounts_router)
api.add_router("/", calls_router)
api.add_router("/", proposals_router)
api.add_router("/", reviews_router)
api.add_router("/", adoption_router)
api.add_router("/", grants_router)
api.add_router("/", monitoring_router)
api.add_router("/", credits_router)
api.add_router("/", c3p_router)
# operations (not a stage): readiness beside the liveness above
api.add_router("/", ops_router)
