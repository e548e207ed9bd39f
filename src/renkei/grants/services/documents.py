"""Files uploaded to a grant (the signed consortium agreement, invoices and receipts, …): one
way to keep them for every part of the stage. The file itself is checked as every upload of
the platform is (``renkei.proposals.services.check_file``: type, content, size, SHA-256 taken
while it streamed in); here it is kept with its row, under the caller's lock on the grant."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from renkei.audit.services import audit_record
from renkei.grants.models import Grant, GrantDocument
from renkei.proposals.services import CheckedUpload
from renkei.services import ServiceError

MAX_DOCUMENTS = 50  # per record (or per grant for the files not yet tied to a record)


def store_document(
    *,
    actor: Any,
    grant: Grant,
    kind: str,
    upload: Any,
    checked: CheckedUpload,
    record: models.Model | None = None,
    action: str = "grant_document_add",
) -> GrantDocument:
    """Keep the file and its row (inside the caller's transaction, the grant locked), tied to
    ``record`` if given; the same bytes twice for one kind and record are refused. A failure
    after the file was written deletes it again, so no file is left without its row."""
    record_type = f"{record._meta.app_label}.{record._meta.model_name}" if record else ""
    existing = GrantDocument.objects.filter(
        grant=grant, record_type=record_type, record_id=record.pk if record else None
    )
    if existing.count() >= MAX_DOCUMENTS:
        raise ServiceError(
            _("This record has %(n)s files, the most it can have.") % {"n": MAX_DOCUMENTS}
        )
    same = existing.filter(kind=kind, sha256=checked.sha256).first()
    if same is not None:
        raise ServiceError(
            _("%(name)s is already uploaded as %(existing)s (the same bytes).")
            % {"name": checked.name, "existing": same.original_name}
        )
    doc = GrantDocument(
        grant=grant,
        kind=kind,
        record_type=record_type,
        record_id=record.pk if record else None,
        original_name=checked.name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    doc.file.save(f"{uuid.uuid4().hex}{checked.ext}", upload, save=False)
    try:
        doc.save()
        audit_record(
            actor=actor,
            obj=grant,
            action=action,
            payload={
                "kind": kind,
                "name": checked.name,
                "record": f"{record_type}:{record.pk}" if record else "",
                "sha256": checked.sha256,
            },
        )
    except BaseException:
        doc.file.storage.delete(doc.file.name)
        raise
    return doc
