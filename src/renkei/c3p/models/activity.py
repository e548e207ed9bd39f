"""The C3P stage's activity part (issue 11): the yearly activities of Table 3 planned and done,
monthly reports and their due dates, reminders and the office's calendar.

- ``C3pActivity`` (in ``models/project.py``, where the project part first recorded done
  activities) carries a ``state`` since this part: planned (with its planned date, or only its
  month), done (held on, an optional note and evidence) or cancelled (with its reason). Rows
  recorded before are done.
- ``C3pMonthlyDue``: the office's recorded decision of the day by which a month's report is due
  (C3P Table 3(2) and §2.3 say "monthly" and give no day: spec §5 B-11). Until it is recorded,
  a missing report is "not received", never "overdue".
- ``C3pMonthlyReport``: one per month of the contract year from the month the contract was
  signed (Table 3(2): "approximately one A4-size page", electronic), submitted by the lead
  organisation (text and/or a file) and acknowledged by the office.
- ``C3pActivityReminderSent``: one row per reminder sent (thing, kind, day), so the task runner
  sends each once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock

__all__ = ["C3pActivityReminderSent", "C3pMonthlyDue", "C3pMonthlyReport"]


class C3pMonthlyDue(models.Model):
    """The day of the following month by which a month's report is due, as the office decided
    it for a contract year (the guidebook does not set a due day: spec §5 B-11)."""

    year = models.OneToOneField(
        "c3p.C3pProjectYear", on_delete=models.PROTECT, related_name="monthly_due"
    )
    #: day of the month after the reported month (1–31; a shorter month: its last day)
    due_day = models.PositiveSmallIntegerField(_("due day of the following month"))
    basis = models.CharField(_("basis of the decision"), max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("C3P monthly report due day")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=31), name="c3p_monthly_due_day_range"
            )
        ]


class C3pMonthlyReport(models.Model):
    """The monthly report of one month (Table 3(2); §2.3)."""

    year = models.ForeignKey(
        "c3p.C3pProjectYear", on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("month"))  # its first day
    text = models.TextField(_("report"), blank=True)
    file = models.FileField(upload_to="c3p/monthly/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=clock.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("C3P monthly report")
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="c3p_monthly_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="c3p_monthly_first_day"),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(file=""), name="c3p_monthly_has_content"
            ),
        ]


class C3pActivityReminderSent(models.Model):
    """A reminder the task runner sent: ``key`` names the thing (``activity-<pk>``,
    ``monthly-<YYYY-MM>``), ``kind`` the reminder (``before_N``, ``overdue``, ``not_received``);
    each is sent once, on the day ``sent_on`` (so never two notices of one thing on one day)."""

    year = models.ForeignKey("c3p.C3pProjectYear", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "key", "kind"], name="c3p_activity_reminder_once"
            )
        ]
