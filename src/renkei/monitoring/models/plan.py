"""The monitoring plan of a project (JCM 2.(1)②, 2.(5)②(ウ)): methodology and version, sites,
monitoring points, meters with their calibration, parameters fixed ex ante; and the office's
emission-factor table. The useful life and the start of operation are the grant's
(``Grant.useful_life_years``, ``Grant.operation_started_on``), never copied here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.grants.models import Grant


class MonitoringPlan(models.Model):
    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="monitoring_plan")
    methodology_id = models.CharField(_("methodology"), max_length=40)
    methodology_version = models.CharField(_("methodology version"), max_length=20)
    # BDV: the bilateral JCM document's validity ends (2.(1)②); blank while not known
    bilateral_valid_until = models.DateField(_("bilateral document valid until"), null=True)
    # days in which reductions could not be measured through the grantee's fault (2.(1)②)
    unmeasurable_days = models.PositiveIntegerField(_("days not measurable"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("monitoring plan")

    def __str__(self) -> str:
        return f"{self.grant.number} {self.methodology_id} {self.methodology_version}"


class Site(models.Model):
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(_("site code"), max_length=40)
    name = models.CharField(_("site name"), max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="monitoring_site_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class Meter(models.Model):
    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="meters")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="meters")
    serial = models.CharField(_("meter serial number"), max_length=80)
    unit = models.CharField(_("unit"), max_length=20)
    calibrated_on = models.DateField(_("calibrated on"), null=True)
    calibration_valid_until = models.DateField(_("calibration valid until"), null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "serial"], name="monitoring_meter_unique"),
            models.CheckConstraint(
                condition=Q(calibrated_on__isnull=True)
                | Q(calibration_valid_until__isnull=True)
                | Q(calibration_valid_until__gte=models.F("calibrated_on")),
                name="monitoring_meter_calibration_order",
            ),
        ]

    def __str__(self) -> str:
        return self.serial


class MonitoringPoint(models.Model):
    """Where a monitored parameter is measured: ``EC_PJ`` at refrigerator 1 of site A."""

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="points")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="points")
    code = models.CharField(_("monitoring point"), max_length=40)
    parameter = models.CharField(_("parameter"), max_length=40)
    meter = models.ForeignKey(
        Meter, on_delete=models.PROTECT, null=True, blank=True, related_name="points"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "code", "parameter"], name="monitoring_point_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site.code}/{self.code}/{self.parameter}"


class FixedValue(models.Model):
    """A parameter fixed ex ante, for the project or one point (``COP_RE`` = 2.3, source)."""

    plan = models.ForeignKey(MonitoringPlan, on_delete=models.CASCADE, related_name="fixed")
    point = models.ForeignKey(
        MonitoringPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="fixed"
    )
    parameter = models.CharField(_("parameter"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=8)
    unit = models.CharField(_("unit"), max_length=20)
    source = models.TextField(_("source"))
    # an emission factor taken from the office's table: its validity must cover every period
    # computed with it (renkei.monitoring.services.period)
    factor = models.ForeignKey(
        "EmissionFactor", on_delete=models.PROTECT, null=True, blank=True, related_name="uses"
    )

    class Meta:
        # one value per parameter for the project, and one per parameter and point (two
        # partial constraints: SQLite cannot hold NULLS NOT DISTINCT)
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "parameter"],
                condition=Q(point__isnull=True),
                name="monitoring_fixed_unique_project",
            ),
            models.UniqueConstraint(
                fields=["plan", "point", "parameter"],
                condition=Q(point__isnull=False),
                name="monitoring_fixed_unique_point",
            ),
        ]


class EmissionFactor(models.Model):
    """One row of the office's emission-factor table (annex 4 is an image in the seed, A-28:
    the office loads the values with their source; none is invented)."""

    country = models.CharField(_("country"), max_length=2)
    system = models.CharField(_("grid or system"), max_length=300)
    case = models.CharField(_("case"), max_length=80)  # e.g. "grid", "captive", "JCM Case 1"
    value = models.DecimalField(_("tCO2/MWh"), max_digits=10, decimal_places=6)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.TextField(_("source"))
    status = models.CharField(_("status tag"), max_length=1)  # V / D / K (reference README)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="emission_factor_nonneg"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="emission_factor_validity_order",
            ),
        ]
