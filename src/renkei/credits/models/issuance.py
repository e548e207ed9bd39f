"""Issuance of credits (JCM call 2.(5)②(カ); spec §2.5 I1–I6): a request covering verified
monitoring periods, the Joint Committee's decision, the issuance. The registry ledger
(``models.registry``) then holds the credits issued as serial-numbered blocks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.credits.models.cycle import AllocationAgreement, JcmProject
from renkei.monitoring.models import MonitoringPeriod


class RequestState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the Joint Committee")
    APPROVED = "approved", _("Issuance decided")
    REJECTED = "rejected", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# a request in one of these states holds its periods (a period is in at most one of them)
ACTIVE_REQUEST_STATES = (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.APPROVED)


class IssuanceRequest(models.Model):
    project = models.ForeignKey(
        JcmProject, on_delete=models.PROTECT, related_name="issuance_requests"
    )
    state = models.CharField(
        max_length=20, choices=RequestState.choices, default=RequestState.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("issuance request")


class IssuanceRequestPeriod(models.Model):
    """A verified monitoring period covered by a request, with its verified reductions as the
    verification fixed them (the ceiling of what may be issued for it)."""

    request = models.ForeignKey(IssuanceRequest, on_delete=models.CASCADE, related_name="periods")
    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="+")
    # a request holding this period is active (draft, submitted or approved); cleared when the
    # request is refused or withdrawn, so the period may be requested again
    active = models.BooleanField(default=True)
    verified_tco2 = models.PositiveBigIntegerField()
    issued_tco2 = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period"], condition=Q(active=True), name="issuance_period_once"
            ),
            models.UniqueConstraint(fields=["request", "period"], name="issuance_request_period"),
            models.CheckConstraint(
                condition=Q(issued_tco2__isnull=True)
                | Q(issued_tco2__lte=models.F("verified_tco2")),
                name="issuance_not_above_verified",
            ),
        ]


class Issuance(models.Model):
    """The Joint Committee's decision to issue ``issued_tco2`` credits for a request's periods,
    split by the allocation agreement in force (recorded, so a later change does not rewrite it)."""

    request = models.OneToOneField(
        IssuanceRequest, on_delete=models.PROTECT, related_name="issuance"
    )
    agreement = models.ForeignKey(AllocationAgreement, on_delete=models.PROTECT, related_name="+")
    issued_tco2 = models.PositiveBigIntegerField()
    decided_on = models.DateField()
    # the vintage: the first period's start and the last period's end
    vintage_start = models.DateField()
    vintage_end = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    # set once the registry has created this issuance's blocks (renkei.credits.services.registry)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("issuance")
        constraints = [
            models.CheckConstraint(condition=Q(issued_tco2__gt=0), name="issuance_positive"),
            models.CheckConstraint(
                condition=Q(vintage_end__gte=models.F("vintage_start")), name="issuance_vintage"
            ),
        ]


class IssuanceReminderSent(models.Model):
    """A reminder of an issuance due date (``key``: ``first-issuance``, ``issuance-2030``,
    ``last-issuance``; ``stage``: ``before_14``, ``before_3``, ``overdue``) sent for a project:
    the unique constraint makes two workers send it once (as the grant stage's
    ``ReminderSent``); a moved due date reminds again."""

    project = models.ForeignKey(JcmProject, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=40)
    stage = models.CharField(max_length=20)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("issuance reminder sent")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "key", "stage", "due_on"], name="issuance_reminder_once"
            ),
        ]
