"""The JCM project cycle (JCM call 2.(1)①③, 2.(5)②(オ); spec §2.2, §2.5): the project as the
Joint Committee knows it, from PDD through TPE validation to registration, and the credit
allocation agreement among its participants (form 5 at application; spec A-24)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.monitoring.models import MonitoringPlan


class ProjectState(models.TextChoices):
    PREPARING = "preparing", _("Preparing the PDD")
    IN_VALIDATION = "in_validation", _("In validation")
    VALIDATED = "validated", _("Validated")
    REGISTRATION_REQUESTED = "registration_requested", _("Registration requested")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Registration refused")


class JcmProject(models.Model):
    """One per monitored project (its monitoring plan, hence its grant and adopted proposal)."""

    plan = models.OneToOneField(
        MonitoringPlan, on_delete=models.PROTECT, related_name="jcm_project"
    )
    state = models.CharField(
        _("state"), max_length=30, choices=ProjectState.choices, default=ProjectState.PREPARING
    )
    registration_requested_on = models.DateField(_("registration requested on"), null=True)
    registered_on = models.DateField(_("registered on"), null=True)  # R
    # the Joint Committee's project reference, e.g. "KE001"
    reference = models.CharField(_("JCM project reference"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("JCM project")
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="jcm_project_reference"
            ),
            models.CheckConstraint(
                condition=~Q(state=ProjectState.REGISTERED)
                | (Q(registered_on__isnull=False) & ~Q(reference="")),
                name="jcm_project_registered_has_date_and_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.plan.grant.number}"


class AgreementState(models.TextChoices):
    CURRENT = "current", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class AllocationAgreement(models.Model):
    """The credit allocation agreement among the project participants, the Government of Japan's
    share included (form 5; JCM 2.(5)②(カ)). A change is a new version; the old one is kept."""

    project = models.ForeignKey(JcmProject, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(
        max_length=20, choices=AgreementState.choices, default=AgreementState.CURRENT
    )
    agreed_on = models.DateField(_("agreed on"))
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("credit allocation agreement")
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="agreement_version"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state=AgreementState.CURRENT),
                name="agreement_one_current",
            ),
        ]


class AllocationShare(models.Model):
    """One party's share of the credits, in percent. The Government of Japan has no organisation
    (``is_government``); every other party is an organisation of the consortium."""

    agreement = models.ForeignKey(
        AllocationAgreement, on_delete=models.CASCADE, related_name="shares"
    )
    # a short key used by the allocation arithmetic (renkei.rules.jcm.credits.allocate), e.g. "goj"
    key = models.SlugField(max_length=40)
    is_government = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    percent = models.DecimalField(_("share (%)"), max_digits=7, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="share_key"),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(is_government=True), name="share_one_government"
            ),
            models.CheckConstraint(
                condition=Q(is_government=True, organisation__isnull=True)
                | Q(is_government=False, organisation__isnull=False),
                name="share_party",
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="share_percent_range"
            ),
        ]
