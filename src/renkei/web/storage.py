"""The object store behind ``RENKEI_STORAGE=s3`` (settings, docs/ops/storage.md).

django-storages' S3 backend, with one thing taken away: a stored file has no URL. Renkei serves
every file through a view that checks who may read it (``FileResponse`` over ``storage.open``);
a URL to the object, even a signed one for an hour, would be a way around that check, so asking
for one is an error rather than a link that works for whoever holds it."""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """S3 (or an S3-compatible store) holding private objects that are never linked to."""

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError(
            f"{name}: stored files have no URL; serve them through a view that checks "
            "permission (FileResponse over storage.open)"
        )
