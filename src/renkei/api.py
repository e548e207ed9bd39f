"""The REST API (django-ninja, OpenAPI at /api/openapi.json): the same operations as the pages,
through the same services and the same access policy (``renkei.access``)."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Renkei API",
    version="0.1.0",
    description="Calls, pre-registrations and proposals of the JCM Model Project and C3P calls.",
    urls_namespace="api",
)


@api.get("/health", tags=["meta"], auth=None)
def health(request) -> dict[str, str]:
    """Liveness: answers while the application can serve requests."""
    return {"status": "ok"}
