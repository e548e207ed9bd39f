"""Basic screening: one item per finding of the rules core's eligibility section, as the machine
judged it, and the office's decision with its reason. The screening records the rulebook id and
version and the proposal version it judged, so a later rulebook never rewrites history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei.proposals.models import Proposal, ProposalVersion


class Decision(models.TextChoices):
    PASS = "pass", _("Meets the requirement")
    FAIL = "fail", _("Does not meet the requirement")


class Screening(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="screenings")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    rulebook_id = models.CharField(max_length=60)
    rulebook_version = models.PositiveIntegerField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Decision.choices, blank=True)

    class Meta:
        verbose_name = _("basic screening")
        constraints = [
            models.UniqueConstraint(fields=["version"], name="one_screening_per_version"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True, outcome="")
                | Q(completed_at__isnull=False) & ~Q(outcome=""),
                name="completed_screening_has_outcome",
            ),
        ]


class ScreeningItem(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    check_id = models.CharField(max_length=60)
    clause = models.CharField(max_length=120)
    subject = models.CharField(max_length=120, blank=True)
    machine_status = models.CharField(max_length=20)
    message_ja = models.TextField()
    message_en = models.TextField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "position"], name="item_position"),
        ]

    @property
    def overrides_machine(self) -> bool:
        return (
            bool(self.decision)
            and self.machine_status in ("pass", "fail")
            and (self.decision != self.machine_status)
        )
