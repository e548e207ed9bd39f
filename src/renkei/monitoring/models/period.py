"""A monitoring period and its monitoring report (JCM 2.(1)③ 「モニタリングレポートの作成」):
computed from the data and the methodology, submitted by the project participant, verified by
a TPE. A verified period never changes; a correction is a new version with its reason.

What the database holds on its own (whatever code writes): the dates in order, one row per
(plan, dates, version), a correction names its origin and its reason, and (migration
``0002_verified_period_frozen``) a trigger refuses any change to a verified or superseded
period's row other than verified → superseded, and its deletion.
That periods of a plan never overlap is checked by ``services.period.period_create`` under the
plan's row lock (an exclusion constraint would need PostgreSQL's btree_gist; the demo runs on
SQLite)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from renkei import clock
from renkei.monitoring.models.plan import MonitoringPlan


class PeriodState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for verification")
    IN_VERIFICATION = "in_verification", _("In verification")
    RETURNED = "returned", _("Returned with findings")
    VERIFIED = "verified", _("Verified")
    SUPERSEDED = "superseded", _("Superseded by a correction")


S = PeriodState


class MonitoringPeriod(models.Model):
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.PROTECT, related_name="periods")
    start = models.DateField(_("period start"))
    end = models.DateField(_("period end"))  # inclusive
    version = models.PositiveSmallIntegerField(default=1)
    correction_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    correction_reason = models.TextField(blank=True)
    state = FSMField(default=S.DRAFT, choices=PeriodState.choices, protected=True)
    # the computation (renkei.mrv.compute): totals, per site/point, steps, adjustments
    result = models.JSONField(default=dict)
    reference_emissions_tco2 = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True
    )
    project_emissions_tco2 = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True
    )
    emission_reductions_tco2 = models.PositiveBigIntegerField(null=True, blank=True)
    provisional = models.BooleanField(default=False)
    computed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_order"),
            models.UniqueConstraint(
                fields=["plan", "start", "end", "version"], name="period_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(version=1, correction_of__isnull=True)
                | Q(version__gt=1, correction_of__isnull=False),
                name="period_correction_has_origin",
            ),
            models.CheckConstraint(
                condition=Q(correction_of__isnull=True) | ~Q(correction_reason=""),
                name="period_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end} v{self.version}"

    @property
    def frozen(self) -> bool:
        """Verified (or superseded): nothing about it changes any more."""
        return self.state in (S.VERIFIED, S.SUPERSEDED)

    @transition(field=state, source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def _submit(self) -> None: ...

    @transition(field=state, source=S.SUBMITTED, target=S.IN_VERIFICATION)
    def _start_verification(self) -> None: ...

    @transition(field=state, source=S.IN_VERIFICATION, target=S.RETURNED)
    def _return(self) -> None: ...

    @transition(field=state, source=S.IN_VERIFICATION, target=S.VERIFIED)
    def _verify(self) -> None: ...

    @transition(field=state, source=S.VERIFIED, target=S.SUPERSEDED)
    def _supersede(self) -> None: ...
