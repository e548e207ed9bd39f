"""Monitoring data as it arrives: each upload (the monitoring spreadsheet, or interval meter data
for many sites) with its progress, what it kept and what it left out; the readings of a
spreadsheet. Interval data is not stored row by row here: it goes to a Parquet file read with
DuckDB (``renkei.mrv.meter``), ``dataset`` names it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.monitoring.models.plan import MonitoringPlan, MonitoringPoint


class DataUpload(models.Model):
    class Kind(models.TextChoices):
        SHEET = "sheet", _("Monitoring spreadsheet")
        INTERVAL = "interval", _("Interval meter data")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.PROTECT, related_name="uploads")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255)  # the file, through Django's storage
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    progress_percent = models.PositiveSmallIntegerField(default=0)
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_kept = models.PositiveBigIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"where": "Sheet!C7", "message": "..."}]
    findings = models.JSONField(default=list)  # data-quality findings (renkei.mrv.quality)
    dataset = models.CharField(max_length=255, blank=True)  # Parquet of interval data
    # interval data: the unit of its values and the length of one interval, chosen on upload
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    interval_minutes = models.PositiveSmallIntegerField(_("interval (minutes)"), null=True)
    # interval data: per "site/point" the first and last timestamp read (ISO 8601), so that two
    # datasets covering the same point and time are seen (period_data uses the later one)
    coverage = models.JSONField(default=dict)
    failure = models.TextField(blank=True)  # why a failed import failed
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="upload_progress_le_100"
            ),
            models.CheckConstraint(
                condition=Q(rows_kept__lte=models.F("rows_read")), name="upload_kept_le_read"
            ),
        ]


class Reading(models.Model):
    """One value of a spreadsheet: a monitored parameter at a point for [start, end)."""

    upload = models.ForeignKey(DataUpload, on_delete=models.CASCADE, related_name="readings")
    point = models.ForeignKey(MonitoringPoint, on_delete=models.PROTECT, related_name="readings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    value = models.DecimalField(max_digits=20, decimal_places=6)
    unit = models.CharField(max_length=20)
    source = models.CharField(max_length=80)  # "Sheet!D7"

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="reading_order")
        ]
