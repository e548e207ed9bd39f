"""Records of the operations part (issue 14).

``ArchiveRecord``: one archive package written for a grant whose records' retention period has
ended (JCM 4.(5), ``renkei.ops.retention``). It is written once and never changed; the live
records it copies stay where they are (deleting them is the office's decision, not the call's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock


class ArchiveRecord(models.Model):
    """An archive package of a grant's records: where it is (``package``, a folder of the
    default storage under ``archive/<grant id>/``), the SHA-256 of its manifest, how many rows
    and files it holds (``counts``), the retention date it was made after and the reading that
    gave that date."""

    grant = models.OneToOneField(
        "grants.Grant", on_delete=models.PROTECT, related_name="archive_record"
    )
    created_at = models.DateTimeField(_("archived at"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    as_of = models.DateField(_("as of"))
    package = models.CharField(_("archive package"), max_length=255, unique=True)
    sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64)
    counts = models.JSONField(default=dict)  # {"rows": {label: n}, "files": n, "bytes": n}
    keep_until = models.DateField(_("kept until"))
    reading = models.CharField(_("reading applied"), max_length=80)

    class Meta:
        verbose_name = _("archive record")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="archive_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(as_of__gt=models.F("keep_until")), name="archive_after_retention"
            ),
        ]

    def __str__(self) -> str:
        return self.package
