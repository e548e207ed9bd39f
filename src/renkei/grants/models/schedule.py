"""Due dates of a grant, computed by the rules core (``renkei.rules.jcm``), and the reminders
sent for them (each exactly once, even with several workers: the unique constraint on
``ReminderSent`` decides)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.grants.models.core import Grant

__all__ = ["GrantDeadline", "ReminderSent"]


class GrantDeadline(models.Model):
    """One due date of a grant: ``key`` names it within the grant (e.g. ``grant_application``,
    ``year_end_report:2024``, ``annual_report:2027``); ``done_at`` once what it asks for is
    done; ``cancelled_at`` once it no longer applies (rows are never deleted). Recomputed by
    ``services.schedule.refresh_deadlines`` whenever a fact it depends on changes.
    ``due_on`` is empty where the call sets no due date (the annual project report, spec A-21,
    unless the office sets its own rule, ``RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD``)."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="deadlines")
    key = models.CharField(max_length=60)
    event = models.CharField(max_length=40)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    clause = models.CharField(max_length=80)
    reading = models.CharField(max_length=80, blank=True)
    details = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("grant deadline")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "key"], name="deadline_unique_key"),
        ]


class ReminderSent(models.Model):
    """A reminder (``stage``: e.g. ``before_14``, ``before_3``, ``overdue``) sent for a due date:
    the unique constraint makes two workers send it once."""

    deadline = models.ForeignKey(GrantDeadline, on_delete=models.PROTECT, related_name="reminders")
    stage = models.CharField(max_length=20)
    due_on = models.DateField()  # the due date the reminder was about (a moved date reminds again)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("reminder sent")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "stage", "due_on"], name="reminder_once_per_stage"
            ),
        ]
