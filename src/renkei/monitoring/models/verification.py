"""Verification by a third-party entity (TPE, JCM 2.(1)③, 2.(5)②(イ)): the TPE assigned to a
period, its findings (corrective action / clarification requests) and the participant's answers,
and the verification with the verified amount, which the credit stage reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_fsm.signals import post_transition

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.monitoring.models.period import MonitoringPeriod


class VerificationAssignment(models.Model):
    period = models.OneToOneField(
        MonitoringPeriod, on_delete=models.PROTECT, related_name="assignment"
    )
    tpe = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=clock.now)


class Finding(models.Model):
    class Kind(models.TextChoices):
        CAR = "car", _("Corrective action request (CAR)")
        CL = "cl", _("Clarification request (CL)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.PROTECT, related_name="findings")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=clock.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)


class Verification(models.Model):
    """The TPE's verification of one period (version): the verified amount is fixed from then."""

    period = models.OneToOneField(
        MonitoringPeriod, on_delete=models.PROTECT, related_name="verification"
    )
    verified_tco2 = models.PositiveBigIntegerField(_("verified reductions (tCO2)"))
    verified_on = models.DateField(_("verified on"))
    statement = models.TextField(_("verification statement"))
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(verified_tco2__gte=0), name="verified_nonneg")
        ]

    def save(self, *args, **kwargs) -> None:
        """Issued once, never changed: the verified reductions are fixed for the period."""
        if self.pk is not None and type(self).objects.filter(pk=self.pk).exists():
            raise ValueError("a verification is fixed once issued; it cannot be changed")
        super().save(*args, **kwargs)


@receiver(post_transition, sender=MonitoringPeriod)
def _resubmitted(sender, instance, name, source, target, **kwargs) -> None:
    """A returned period resubmitted (by whichever service calls ``_submit``): its TPE is told."""
    if name == "_submit" and source == "returned":
        from renkei.monitoring.services.verification import tell_resubmitted

        tell_resubmitted(instance)
