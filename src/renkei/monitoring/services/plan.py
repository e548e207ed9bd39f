"""The monitoring plan of a project (JCM 2.(1)②, 2.(5)②(ウ)(エ); spec §2.3, A-19, A-21, A-22)
and the office's emission-factor table (annex 4 is an image in the seed, A-28).

The representative participant's applicants create the plan once the equipment is in operation
(``Grant.operation_started_on``, after completion), with a methodology version in force on that
day (``renkei.mrv.methodologies``), then add its sites, meters (with their calibration),
monitoring points (a parameter the methodology monitors, measured by a meter whose unit converts
to the parameter's) and the parameters fixed ex ante (the methodology's default offered with its
source). ``monitoring_end`` computes how long the project is monitored, each figure with its
clause; the reading applied where the call is open (A-22) is named.

The MRV core (``renkei.mrv``) is reached only through ``methodology``, ``catalogue`` and
``_convertible`` below: its messages are English, so its refusals are mapped by ``code`` to
messages in the request's language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import clock
from renkei.audit.services import audit_record
from renkei.grants.models import Grant

# the grant's states once the project is completed (the plan starts with operation, A-19)
from renkei.grants.services.closing import AFTER_COMPLETION, book_of
from renkei.monitoring.models import (
    EmissionFactor,
    FixedValue,
    Meter,
    MonitoringPlan,
    MonitoringPoint,
    Site,
)
from renkei.monitoring.policy import is_filer
from renkei.monitoring.services.core import locked, locked_plan, require
from renkei.mrv import factors
from renkei.mrv.types import Methodology, MrvError, Parameter, Quantity
from renkei.rules.jcm.schedule import period_end
from renkei.services import NotAllowed, ServiceError, clean_text

STATUS_TAGS = ("V", "D", "K")  # the reference README's tags; X (not found) is no value
FACTOR_COLUMNS = factors.COLUMNS  # the MRV core's table columns (MRV_API.md)
MAX_FACTOR_ROWS = 5_000
# the reference list names countries in English; the table holds ISO 3166-1 alpha-2 codes
COUNTRY_CODES = {
    "Indonesia": "ID",
    "Viet Nam": "VN",
    "Philippines": "PH",
    "Thailand": "TH",
    "Mongolia": "MN",
}

READINGS = {
    "plan.reading.bdv_cap": gettext_lazy(
        "The extension for days not measurable through the grantee's fault also stops at the end "
        "of the bilateral document's validity (BDV): monitoring ends on the earlier of E + those "
        "days and BDV. The call does not say whether the extension may run past BDV; this is "
        "the reading applied, to be confirmed (2.(1)②, spec A-22)."
    ),
    "plan.reading.operation_start": gettext_lazy(
        "Monitoring and the useful life count from the start of commercial operation recorded "
        "on the grant (O), not from completion or the test run (spec A-19)."
    ),
    "plan.reading.eco_lease": gettext_lazy(
        "For a JCM eco-lease the monitoring period is the lease term, at least 5 years "
        "(2.(1)③ なお書き, spec A-36): the lease end (the proposal's, or its lease years from O) "
        "replaces E."
    ),
}


class MeterInfo(NamedTuple):
    """A meter's calibration as ``renkei.mrv.quality`` takes it (``MeterInfo(serial,
    calibrated_on, calibration_valid_until)`` in MRV_API.md); the data helper's class replaces
    this one at integration when it has the same fields."""

    serial: str
    calibrated_on: dt.date | None
    calibration_valid_until: dt.date | None


# --- the MRV core, reached here only ------------------------------------------------------------
def catalogue() -> list[Methodology]:
    """Every methodology version the MRV core holds."""
    from renkei.mrv import methodologies

    return list(methodologies.all_methodologies())


def methodology(methodology_id: str, version: str | None = None) -> Methodology:
    """One methodology version; an unknown id or version refused, naming the known ones."""
    from renkei.mrv import methodologies

    try:
        return methodologies.load(methodology_id, version)
    except MrvError as exc:
        known = sorted({f"{m.id} {m.version}" for m in catalogue()})
        raise ServiceError(
            _("There is no methodology %(id)s version %(version)s; known: %(known)s.")
            % {"id": methodology_id, "version": version or "-", "known": ", ".join(known)}
        ) from exc


def in_force(m: Methodology, day: dt.date) -> bool:
    return (m.valid_from is None or m.valid_from <= day) and (
        m.valid_until is None or day <= m.valid_until
    )


def versions_in_force(methodology_id: str, day: dt.date) -> list[Methodology]:
    return [m for m in catalogue() if m.id == methodology_id and in_force(m, day)]


def _convertible(unit: str, to: str) -> bool:
    """Does a quantity in ``unit`` convert to ``to`` (``renkei.mrv.units``)?"""
    from renkei.mrv import units

    if unit == to:
        return True
    try:
        units.convert(Quantity(Decimal(1), unit), to)
    except MrvError:
        return False
    return True


def parameter_of(m: Methodology, name: str) -> Parameter | None:
    return next((p for p in m.parameters if p.name == name), None)


def plan_methodology(plan: MonitoringPlan) -> Methodology:
    return methodology(plan.methodology_id, plan.methodology_version)


# --- checks -----------------------------------------------------------------------------------
_text = clean_text


def _operating(grant: Grant) -> dt.date:
    """The start of operation O: the plan needs the project completed and in operation."""
    if grant.state not in AFTER_COMPLETION or grant.operation_started_on is None:
        raise ServiceError(
            _(
                "The monitoring plan is made once the equipment is in operation: the grant must "
                "be completed with its start of operation recorded (2.(1)②, spec A-19); it is "
                "“%(state)s”%(operation)s."
            )
            % {
                "state": grant.get_state_display(),
                "operation": ""
                if grant.operation_started_on
                else _(", without a start of operation"),
            }
        )
    if not grant.useful_life_years:
        raise ServiceError(
            _("The grant has no statutory useful life recorded; record it with the completion.")
        )
    return grant.operation_started_on


def _version_in_force(methodology_id: str, version: str, day: dt.date) -> Methodology:
    m = methodology(methodology_id, version)
    if not in_force(m, day):
        others = [f"{o.id} {o.version}" for o in versions_in_force(methodology_id, day)]
        raise ServiceError(
            _(
                "%(id)s version %(version)s is not in force on the start of operation %(day)s "
                "(it is valid %(start)s – %(end)s); in force on that day: %(others)s."
            )
            % {
                "id": m.id,
                "version": m.version,
                "day": day,
                "start": m.valid_from or "…",
                "end": m.valid_until or "…",
                "others": ", ".join(others) or _("none"),
            }
        )
    return m


def _day(value: Any, what: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise ServiceError(_("%(what)s is required.") % {"what": what})
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(
            _("%(what)s must be a date as YYYY-MM-DD (got %(value)r).")
            % {"what": what, "value": value}
        ) from None


def _calibration(calibrated_on: Any, valid_until: Any) -> tuple[dt.date, dt.date]:
    on = _day(calibrated_on, _("The calibration date"))
    until = _day(valid_until, _("The end of the calibration's validity"))
    if until < on:
        raise ServiceError(
            _(
                "The calibration is valid until %(until)s, before it was made on %(on)s; the end "
                "of its validity is on or after the calibration date."
            )
            % {"until": until, "on": on}
        )
    return on, until


def _bdv(value: Any, day: dt.date) -> dt.date | None:
    """The bilateral document's validity (BDV), on or after the start of operation O."""
    bdv = _day(value, _("The bilateral document's validity"), required=False)
    if bdv is not None and bdv < day:
        raise ServiceError(
            _(
                "The bilateral document is valid until %(bdv)s, before the start of "
                "operation %(day)s: nothing could be monitored. Check the date."
            )
            % {"bdv": bdv, "day": day}
        )
    return bdv


def _touch(plan: MonitoringPlan) -> None:
    MonitoringPlan.objects.filter(pk=plan.pk).update(updated_at=clock.now())


# --- the plan ---------------------------------------------------------------------------------
def plan_create(
    *,
    actor: Any,
    grant: Grant,
    methodology_id: str,
    methodology_version: str,
    bilateral_valid_until: dt.date | None = None,
) -> MonitoringPlan:
    """The project's monitoring plan, with a methodology version in force on O (2.(1)②)."""
    require(actor, "create_monitoring_plan", grant)
    methodology_id = _text(methodology_id, _("The methodology"), limit=40)
    methodology_version = _text(methodology_version, _("The methodology version"), limit=20)
    with transaction.atomic():
        grant = locked(grant)
        day = _operating(grant)
        if MonitoringPlan.objects.filter(grant=grant).exists():
            raise ServiceError(
                _("The grant %(number)s has its monitoring plan already; change that one.")
                % {"number": grant.number}
            )
        m = _version_in_force(methodology_id, methodology_version, day)
        country = (grant.selection.proposal.country or "").upper()
        if country and m.country and m.country.upper() != country:
            others = [
                f"{o.id} {o.version}"
                for o in catalogue()
                if o.country.upper() == country and in_force(o, day)
            ]
            raise ServiceError(
                _(
                    "%(id)s is a methodology of %(theirs)s; the project is in %(ours)s. "
                    "Methodologies of %(ours)s in force on %(day)s: %(others)s."
                )
                % {
                    "id": m.id,
                    "theirs": m.country,
                    "ours": country,
                    "day": day,
                    "others": ", ".join(others) or _("none"),
                }
            )
        bdv = _bdv(bilateral_valid_until, day)
        plan = MonitoringPlan.objects.create(
            grant=grant,
            methodology_id=m.id,
            methodology_version=m.version,
            bilateral_valid_until=bdv,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_plan_create",
            payload={
                "grant": grant.pk,
                "methodology": m.id,
                "version": m.version,
                "provisional": m.provisional,
                "bilateral_valid_until": str(bdv) if bdv else None,
            },
        )
    return plan


def plan_update(
    *,
    actor: Any,
    plan: MonitoringPlan,
    methodology_version: str | None = None,
    bilateral_valid_until: dt.date | None = None,
    unmeasurable_days: int | None = None,
    reason: str = "",
) -> MonitoringPlan:
    """Change the methodology version (one in force on O), the bilateral document's validity
    (BDV) or the days not measurable through the grantee's fault (2.(1)②); each change with its
    reason in the audit trail. ``None`` leaves a value as it is."""
    require(actor, "update_monitoring_plan", plan)
    reason = _text(reason, _("The reason"), limit=2000)
    if unmeasurable_days is not None and (
        isinstance(unmeasurable_days, bool)
        or not isinstance(unmeasurable_days, int)
        or not 0 <= unmeasurable_days <= 36_500
    ):
        raise ServiceError(
            _("The days not measurable are a whole number from 0 to 36,500 (got %(value)r).")
            % {"value": unmeasurable_days}
        )
    with transaction.atomic():
        plan = locked_plan(plan)
        day = _operating(plan.grant)
        changes: dict[str, Any] = {}
        if methodology_version is not None:
            version = _text(methodology_version, _("The methodology version"), limit=20)
            if version != plan.methodology_version:
                if not is_filer(actor, plan):
                    raise NotAllowed(
                        _(
                            "Only the representative participant's applicants change the "
                            "methodology version (2.(4)② 注2)."
                        )
                    )
                m = _version_in_force(plan.methodology_id, version, day)
                changes["methodology_version"] = (plan.methodology_version, m.version)
                plan.methodology_version = m.version
        if bilateral_valid_until is not None:
            bdv = _bdv(bilateral_valid_until, day)
            if bdv != plan.bilateral_valid_until:
                changes["bilateral_valid_until"] = (
                    str(plan.bilateral_valid_until) if plan.bilateral_valid_until else None,
                    str(bdv),
                )
                plan.bilateral_valid_until = bdv
        if unmeasurable_days is not None and unmeasurable_days != plan.unmeasurable_days:
            changes["unmeasurable_days"] = (plan.unmeasurable_days, unmeasurable_days)
            plan.unmeasurable_days = unmeasurable_days
        if not changes:
            raise ServiceError(_("Nothing changes: every value is the plan's already."))
        plan.updated_at = clock.now()
        plan.save()
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_plan_update",
            payload={"changes": changes, "reason": reason},
        )
    return plan


def site_add(*, actor: Any, plan: MonitoringPlan, code: str, name: str) -> Site:
    require(actor, "edit_monitoring_plan", plan)
    code = _text(code, _("The site code"), limit=40)
    name = _text(name, _("The site name"), limit=200)
    with transaction.atomic():
        plan = locked_plan(plan)
        if plan.sites.filter(code=code).exists():
            raise ServiceError(
                _("The plan has a site %(code)s already; give the new site another code.")
                % {"code": code}
            )
        site = Site.objects.create(plan=plan, code=code, name=name)
        _touch(plan)
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_site_add",
            payload={"site": site.pk, "code": code, "name": name},
        )
    return site


def _site_of(plan: MonitoringPlan, site: Site | int) -> Site:
    pk = site.pk if isinstance(site, Site) else site
    found = plan.sites.filter(pk=pk).first()
    if found is None:
        raise ServiceError(_("The site is not one of this plan's sites."))
    return found


def meter_add(
    *,
    actor: Any,
    plan: MonitoringPlan,
    site: Site | int,
    serial: str,
    unit: str,
    calibrated_on: dt.date,
    calibration_valid_until: dt.date,
) -> Meter:
    """A meter at one of the plan's sites, with the unit it reads in and its calibration."""
    require(actor, "edit_monitoring_plan", plan)
    serial = _text(serial, _("The meter's serial number"), limit=80)
    unit = _text(unit, _("The unit"), limit=20)
    on, until = _calibration(calibrated_on, calibration_valid_until)
    if not _convertible(unit, unit):
        raise ServiceError(_("The unit %(unit)s is not known.") % {"unit": unit})
    with transaction.atomic():
        plan = locked_plan(plan)
        site = _site_of(plan, site)
        if plan.meters.filter(serial=serial).exists():
            raise ServiceError(
                _("The plan has a meter %(serial)s already; each serial number once.")
                % {"serial": serial}
            )
        meter = Meter.objects.create(
            plan=plan,
            site=site,
            serial=serial,
            unit=unit,
            calibrated_on=on,
            calibration_valid_until=until,
        )
        _touch(plan)
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_meter_add",
            payload={
                "meter": meter.pk,
                "site": site.code,
                "serial": serial,
                "unit": unit,
                "calibrated_on": str(on),
                "calibration_valid_until": str(until),
            },
        )
    return meter


def meter_calibrate(
    *, actor: Any, meter: Meter, calibrated_on: dt.date, calibration_valid_until: dt.date
) -> Meter:
    """A new calibration of a meter: on or after its last one."""
    require(actor, "edit_monitoring_plan", meter.plan)
    on, until = _calibration(calibrated_on, calibration_valid_until)
    with transaction.atomic():
        locked_plan(meter.plan)
        meter = locked(meter)
        if meter.calibrated_on is not None and on < meter.calibrated_on:
            raise ServiceError(
                _(
                    "The meter %(serial)s was last calibrated on %(last)s; a new calibration is "
                    "on or after that day (got %(on)s)."
                )
                % {"serial": meter.serial, "last": meter.calibrated_on, "on": on}
            )
        before = (str(meter.calibrated_on), str(meter.calibration_valid_until))
        meter.calibrated_on, meter.calibration_valid_until = on, until
        meter.save(update_fields=["calibrated_on", "calibration_valid_until"])
        _touch(meter.plan)
        audit_record(
            actor=actor,
            obj=meter.plan,
            action="monitoring_meter_calibrate",
            payload={
                "meter": meter.pk,
                "serial": meter.serial,
                "before": before,
                "after": (str(on), str(until)),
            },
        )
    return meter


def point_add(
    *,
    actor: Any,
    plan: MonitoringPlan,
    site: Site | int,
    code: str,
    parameter: str,
    meter: Meter | int | None = None,
) -> MonitoringPoint:
    """Where a parameter the methodology monitors is measured; its meter (at the same site)
    reads in a unit that converts to the parameter's."""
    require(actor, "edit_monitoring_plan", plan)
    code = _text(code, _("The monitoring point"), limit=40)
    parameter = _text(parameter, _("The parameter"), limit=40)
    m = plan_methodology(plan)
    p = parameter_of(m, parameter)
    monitored = [q.name for q in m.parameters if q.kind == "monitored"]
    if p is None or p.kind != "monitored":
        raise ServiceError(
            _("%(methodology)s does not monitor %(parameter)s; it monitors: %(names)s.")
            % {
                "methodology": f"{m.id} {m.version}",
                "parameter": parameter,
                "names": ", ".join(monitored) or _("none"),
            }
        )
    with transaction.atomic():
        plan = locked_plan(plan)
        site = _site_of(plan, site)
        meter_row = None
        if meter is not None:
            pk = meter.pk if isinstance(meter, Meter) else meter
            meter_row = plan.meters.filter(pk=pk).first()
            if meter_row is None:
                raise ServiceError(_("The meter is not one of this plan's meters."))
            if meter_row.site_id != site.pk:
                raise ServiceError(
                    _("The meter %(serial)s is at site %(other)s, not at %(site)s.")
                    % {"serial": meter_row.serial, "other": meter_row.site.code, "site": site.code}
                )
            if not _convertible(meter_row.unit, p.unit):
                raise ServiceError(
                    _(
                        "The meter %(serial)s reads in %(unit)s, which does not convert to "
                        "%(parameter)s's unit %(want)s; use a meter reading in %(want)s or a "
                        "unit convertible to it."
                    )
                    % {
                        "serial": meter_row.serial,
                        "unit": meter_row.unit,
                        "parameter": parameter,
                        "want": p.unit,
                    }
                )
        if MonitoringPoint.objects.filter(site=site, code=code, parameter=parameter).exists():
            raise ServiceError(
                _("Site %(site)s has point %(code)s measuring %(parameter)s already.")
                % {"site": site.code, "code": code, "parameter": parameter}
            )
        point = MonitoringPoint.objects.create(
            plan=plan, site=site, code=code, parameter=parameter, meter=meter_row
        )
        _touch(plan)
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_point_add",
            payload={
                "point": point.pk,
                "site": site.code,
                "code": code,
                "parameter": parameter,
                "meter": meter_row.serial if meter_row else None,
            },
        )
    return point


def _decimal(value: Any, what: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ServiceError(_("%(what)s is required.") % {"what": what})
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ServiceError(
            _("%(what)s must be a number (got %(value)r).") % {"what": what, "value": value}
        ) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ServiceError(
            _("%(what)s must be a finite number below 10^12 (got %(value)s).")
            % {"what": what, "value": value}
        )
    if number != number.quantize(Decimal("1e-8")):
        raise ServiceError(
            _("%(what)s has more than eight decimals (got %(value)s).")
            % {"what": what, "value": value}
        )
    return number


def fixed_set(
    *,
    actor: Any,
    plan: MonitoringPlan,
    parameter: str,
    value: Any,
    unit: str,
    source: str,
    point: MonitoringPoint | int | None = None,
    factor: EmissionFactor | int | None = None,
) -> FixedValue:
    """A parameter the methodology fixes ex ante, for the project or one point, with its source;
    its unit converts to the methodology's. Set again, it replaces the value (audited). With
    ``factor`` (a row of the office's emission-factor table) the value, unit and source are the
    factor's, and every period computed with it must lie within its validity."""
    require(actor, "edit_monitoring_plan", plan)
    factor_row = None
    if factor is not None:
        pk = factor.pk if isinstance(factor, EmissionFactor) else factor
        factor_row = EmissionFactor.objects.filter(pk=pk).first()
        if factor_row is None:
            raise ServiceError(
                _("The emission factor is not in the office's table; choose one it lists.")
            )
        value, unit, source = factor_row.value, "tCO2/MWh", factor_source(factor_row)
    parameter = _text(parameter, _("The parameter"), limit=40)
    number = _decimal(value, _("The value"))
    unit = _text(unit, _("The unit"), limit=20)
    source = _text(source, _("The source"), limit=2000)
    m = plan_methodology(plan)
    p = parameter_of(m, parameter)
    if p is None or p.kind != "fixed":
        raise ServiceError(
            _("%(methodology)s does not fix %(parameter)s ex ante; it fixes: %(names)s.")
            % {
                "methodology": f"{m.id} {m.version}",
                "parameter": parameter,
                "names": ", ".join(q.name for q in m.parameters if q.kind == "fixed") or _("none"),
            }
        )
    if not _convertible(unit, p.unit):
        raise ServiceError(
            _("%(parameter)s is in %(want)s; %(unit)s does not convert to it.")
            % {"parameter": parameter, "want": p.unit, "unit": unit}
        )
    if number < 0:
        raise ServiceError(
            _("%(parameter)s cannot be negative (got %(value)s).")
            % {"parameter": parameter, "value": number}
        )
    with transaction.atomic():
        plan = locked_plan(plan)
        point_row = None
        if point is not None:
            pk = point.pk if isinstance(point, MonitoringPoint) else point
            point_row = plan.points.select_related("site").filter(pk=pk).first()
            if point_row is None:
                raise ServiceError(_("The monitoring point is not one of this plan's points."))
        row = FixedValue.objects.filter(plan=plan, point=point_row, parameter=parameter).first()
        before = (str(row.value), row.unit, row.source) if row else None
        if row is None:
            row = FixedValue(plan=plan, point=point_row, parameter=parameter)
        row.value, row.unit, row.source, row.factor = number, unit, source, factor_row
        row.save()
        _touch(plan)
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_fixed_set",
            payload={
                "parameter": parameter,
                "point": str(point_row) if point_row else None,
                "value": str(number),
                "unit": unit,
                "source": source,
                "factor": factor_row.pk if factor_row else None,
                "before": before,
            },
        )
    return row


def factor_source(factor: EmissionFactor) -> str:
    """How a fixed value taken from the office's table names its source."""
    until = factor.valid_until.isoformat() if factor.valid_until else "…"
    return (
        f"{factor.country} {factor.system} ({factor.case}): {factor.source} "
        f"[{factor.status}; {factor.valid_from.isoformat()}–{until}]"
    )


def factors_not_covering(plan: MonitoringPlan, start: dt.date, end: dt.date) -> list[str]:
    """The plan's fixed values taken from the emission-factor table whose factor is not valid
    for the whole of [start, end], each said with its validity and what would be right."""
    out = []
    for row in plan.fixed.select_related("factor").filter(factor__isnull=False):
        f = row.factor
        if f.valid_from <= start and (f.valid_until is None or f.valid_until >= end):
            continue
        out.append(
            _(
                "%(parameter)s = %(value)s is the emission factor %(factor)s, valid from "
                "%(from)s to %(until)s, which does not cover %(start)s–%(end)s: load the factor "
                "valid for the period into the office's table and set %(parameter)s from it, or "
                "split the period at the factor's validity."
            )
            % {
                "parameter": row.parameter,
                "value": row.value.normalize(),
                "factor": f"{f.country} {f.system} ({f.case})",
                "from": f.valid_from,
                "until": f.valid_until or "—",
                "start": start,
                "end": end,
            }
        )
    return out


# --- selectors --------------------------------------------------------------------------------
def plan_fixed(
    plan: MonitoringPlan,
) -> tuple[dict[str, Quantity], dict[tuple[str, str], dict[str, Quantity]]]:
    """The plan's fixed values: project-level ``{parameter: Quantity}`` and per
    ``(site code, point code)`` ``{parameter: Quantity}`` (what ``renkei.mrv.compute`` takes)."""
    project: dict[str, Quantity] = {}
    per_point: dict[tuple[str, str], dict[str, Quantity]] = {}
    for row in plan.fixed.select_related("point__site").order_by("pk"):
        quantity = Quantity(row.value.normalize() if row.value else row.value, row.unit)
        if row.point is None:
            project[row.parameter] = quantity
        else:
            key = (row.point.site.code, row.point.code)
            per_point.setdefault(key, {})[row.parameter] = quantity
    return project, per_point


def plan_meters(plan: MonitoringPlan) -> dict[tuple[str, str], MeterInfo]:
    """The calibration of the meter of each ``(site code, point code)`` that has one."""
    out: dict[tuple[str, str], MeterInfo] = {}
    for point in plan.points.select_related("site", "meter").filter(meter__isnull=False):
        out[(point.site.code, point.code)] = MeterInfo(
            point.meter.serial, point.meter.calibrated_on, point.meter.calibration_valid_until
        )
    return out


def eco_lease(grant: Grant) -> dict[str, Any] | None:
    """The adopted proposal's eco-lease terms (``kind`` ``eco_lease`` and its ``lease``), or
    None for an equipment subsidy."""
    document = grant.selection.version.document or {}
    if document.get("kind") != "eco_lease":
        return None
    lease = document.get("lease") or {}
    years = lease.get("lease_years")
    ends = lease.get("ends_on")
    try:
        ends_on = dt.date.fromisoformat(ends) if ends else None
    except (TypeError, ValueError):
        ends_on = None
    return {"lease_years": years if isinstance(years, int) else None, "ends_on": ends_on}


def monitoring_end(plan: MonitoringPlan) -> dict[str, Any]:
    """How long the project is monitored (2.(1)②, spec §2.3):

    E = the last day of L years counted from O (its first day counted, as the rules core's
    ``schedule.period_end``); E + the days not measurable through the grantee's fault; capped
    at the bilateral document's validity BDV (the reading ``plan.reading.bdv_cap``, A-22).
    For an eco-lease the lease end replaces E (≥ 5 years, 2.(1)③). ``lines`` lists each figure
    with its clause for the page; ``monitor_end`` is None while O or L is missing."""
    grant = plan.grant
    o, life = grant.operation_started_on, grant.useful_life_years
    gap = plan.unmeasurable_days
    bdv = plan.bilateral_valid_until
    lines: list[dict[str, Any]] = []
    out: dict[str, Any] = {
        "operation_start": o,
        "useful_life_years": life,
        "life_end": None,
        "eco_lease": None,
        "unmeasurable_days": gap,
        "extended_end": None,
        "bilateral_valid_until": bdv,
        "monitor_end": None,
        "capped": False,
        "readings": {},
        "gaps": [],
        "lines": lines,
    }
    lines.append(
        {"label": _("Start of operation (O)"), "value": o or _("not recorded"), "clause": "A-19"}
    )
    out["readings"]["plan.reading.operation_start"] = READINGS["plan.reading.operation_start"]
    if o is None or not life:
        out["gaps"].append(_("O or L is not recorded on the grant: no monitoring end yet."))
        return out
    lines.append(
        {
            "label": _("Statutory useful life (L)"),
            "value": _("%s years") % life,
            "clause": "2.(1)② ※",
        }
    )
    end = period_end(o, life)
    out["life_end"] = end
    lines.append({"label": _("E = O + L years"), "value": end, "clause": "2.(1)②"})
    lease = eco_lease(grant)
    if lease is not None:
        out["readings"]["plan.reading.eco_lease"] = READINGS["plan.reading.eco_lease"]
        years = lease["lease_years"]
        if lease["ends_on"] is None and years is None:
            out["gaps"].append(
                _(
                    "An eco-lease without its lease term in the adopted proposal: the lease end "
                    "is not known, so E is kept."
                )
            )
            out["eco_lease"] = {"lease_end": None, "short": None}
        else:
            lease_end = lease["ends_on"] or period_end(o, years)
            # 2.(1)③ なお書き 「リース期間とし、その期間は5年以上」 (NJ26), as the rulebook cites it
            minimum = book_of(grant).subsidy.eco_lease_min_lease_years.value
            short = lease_end < period_end(o, minimum)
            out["eco_lease"] = {"lease_end": lease_end, "short": short, "years": years}
            end = lease_end
            lines.append(
                {
                    "label": _("Eco-lease: the lease term ends (replaces E)"),
                    "value": lease_end,
                    "clause": "2.(1)③",
                }
            )
            if short:
                out["gaps"].append(
                    _(
                        "The lease term ends on %(end)s, less than %(years)s years after O: an "
                        "eco-lease is monitored for at least %(years)s years (2.(1)③)."
                    )
                    % {"end": lease_end, "years": minimum}
                )
    extended = end + dt.timedelta(days=gap)
    out["extended_end"] = extended
    lines.append(
        {
            "label": _("+ days not measurable through the grantee's fault"),
            "value": _("%(days)s days → %(end)s") % {"days": gap, "end": extended},
            "clause": "2.(1)②",
        }
    )
    lines.append(
        {
            "label": _("Bilateral document valid until (BDV)"),
            "value": bdv or _("not recorded"),
            "clause": "2.(1)②",
        }
    )
    if bdv is None:
        out["monitor_end"] = extended
        out["gaps"].append(
            _("The bilateral document's validity is not recorded: the end is not capped yet.")
        )
    else:
        out["monitor_end"] = min(extended, bdv)
        out["capped"] = bdv < extended
        out["readings"]["plan.reading.bdv_cap"] = READINGS["plan.reading.bdv_cap"]
    lines.append(
        {
            "label": _("Monitoring ends"),
            "value": out["monitor_end"],
            "clause": "2.(1)②; A-22" if bdv else "2.(1)②",
        }
    )
    return out


# --- the emission-factor table ------------------------------------------------------------------
def _need(cell: dict[str, str], bad: list, column: str, limit: int) -> str:
    value = cell.get(column, "")
    if not value:
        bad.append((column, _("required")))
    elif len(value) > limit:
        bad.append((column, _("at most %(limit)s characters") % {"limit": limit}))
    elif "\x00" in value:
        bad.append((column, _("contains a NUL character")))
    return value


def _factor_rows(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of the office's CSV checked: ``(rows, errors)`` with every bad cell named as
    ``row N, column: what is wrong and what would be right``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in FACTOR_COLUMNS if c not in header]
    if missing:
        raise ServiceError(
            _("The table lacks the columns %(missing)s; its first line names: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(FACTOR_COLUMNS)}
        )
    rows, errors = [], []
    for n, raw in enumerate(reader, start=2):
        if n - 1 > MAX_FACTOR_ROWS:
            errors.append(_("More than %(max)s rows; split the table.") % {"max": MAX_FACTOR_ROWS})
            break
        cell = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cell.values()):
            continue
        bad = []

        country = _need(cell, bad, "country", 2).upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            bad.append(("country", _("an ISO 3166 two-letter code, e.g. ID")))
        system, case = _need(cell, bad, "system", 300), _need(cell, bad, "case", 80)
        source, status = _need(cell, bad, "source", 2000), _need(cell, bad, "status", 1).upper()
        if status and status not in STATUS_TAGS:
            bad.append(("status", _("one of V, D, K (got %(value)s)") % {"value": status}))
        value = None
        if cell.get("ef_tco2_per_mwh"):
            try:
                value = Decimal(cell["ef_tco2_per_mwh"])
                if not value.is_finite() or not 0 < value < 10:
                    raise InvalidOperation
                if value != value.quantize(Decimal("0.000001")):
                    bad.append(("ef_tco2_per_mwh", _("at most six decimals")))
            except InvalidOperation:
                bad.append(
                    (
                        "ef_tco2_per_mwh",
                        _("a positive number of tCO2/MWh below 10, e.g. 0.533 (got %(value)s)")
                        % {"value": cell["ef_tco2_per_mwh"]},
                    )
                )
        else:
            bad.append(("ef_tco2_per_mwh", _("required")))
        days = {}
        for column in ("valid_from", "valid_until"):
            if not cell.get(column):
                days[column] = None
                bad.append((column, _("required: the office sets each factor's validity")))
                continue
            try:
                days[column] = dt.date.fromisoformat(cell[column])
            except ValueError:
                days[column] = None
                bad.append(
                    (column, _("a date as YYYY-MM-DD (got %(value)s)") % {"value": cell[column]})
                )
        if days["valid_from"] and days["valid_until"] and days["valid_until"] < days["valid_from"]:
            bad.append(("valid_until", _("on or after valid_from")))
        for column, what in bad:
            errors.append(
                _("row %(row)s, %(column)s: %(what)s") % {"row": n, "column": column, "what": what}
            )
        if not bad:
            rows.append(
                {
                    "country": country,
                    "system": system,
                    "case": case,
                    "value": value,
                    "valid_from": days["valid_from"],
                    "valid_until": days["valid_until"],
                    "source": source,
                    "status": status,
                }
            )
    return rows, errors


def _overlaps(a: dict[str, Any], b_from: dt.date, b_until: dt.date | None) -> bool:
    far = dt.date.max  # a factor loaded before validity was required may be open-ended
    return a["valid_from"] <= (b_until or far) and b_from <= (a["valid_until"] or far)


FACTOR_LOCK = 0x4D5256  # "MRV": the advisory lock of the factor table's loaders


def _one_loader_at_a_time() -> None:
    """Serialise loads so the overlap check sees what another load committed, even into an
    empty table: a transaction-scoped advisory lock on PostgreSQL; SQLite serialises writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FACTOR_LOCK])


def factor_table_load(*, actor: Any, csv_text: str) -> list[EmissionFactor]:
    """The office loads emission factors (columns ``FACTOR_COLUMNS``; the validity is the
    office's, the source and the status tag required). All or nothing: when any cell is bad,
    or a row's validity overlaps another row for the same country, system and case (in the file
    or already loaded), nothing is loaded and every problem is named."""
    require(actor, "load_emission_factors", None)
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise ServiceError(_("The table is empty; paste or upload the CSV with its header line."))
    if "\x00" in csv_text:
        raise ServiceError(_("The table contains a NUL character (U+0000); it is not a CSV text."))
    try:
        rows, errors = _factor_rows(csv_text)
    except csv.Error as exc:
        raise ServiceError(_("The table cannot be read as CSV: %(why)s") % {"why": exc}) from exc
    with transaction.atomic():
        _one_loader_at_a_time()
        for i, row in enumerate(rows):
            key = (row["country"], row["system"], row["case"])
            for other in rows[:i]:
                same = (other["country"], other["system"], other["case"]) == key
                if same and _overlaps(other, row["valid_from"], row["valid_until"]):
                    errors.append(
                        _(
                            "%(country)s / %(system)s / %(case)s: two rows of the file overlap in "
                            "validity (%(a)s and %(b)s); one factor per day."
                        )
                        % {**row, "a": other["valid_from"], "b": row["valid_from"]}
                    )
            for old in EmissionFactor.objects.filter(
                country=row["country"], system=row["system"], case=row["case"]
            ):
                if _overlaps(row, old.valid_from, old.valid_until):
                    errors.append(
                        _(
                            "%(country)s / %(system)s / %(case)s from %(start)s overlaps the "
                            "factor loaded for %(old_start)s – %(old_end)s; one factor per day."
                        )
                        % {
                            **row,
                            "start": row["valid_from"],
                            "old_start": old.valid_from,
                            "old_end": old.valid_until or "…",
                        }
                    )
        if errors:
            raise ServiceError(
                _("Nothing was loaded: %(count)s problem(s) in the table.")
                % {"count": len(errors)},
                errors=errors,
            )
        if not rows:
            raise ServiceError(_("The table has a header but no rows; nothing was loaded."))
        created = EmissionFactor.objects.bulk_create(
            [EmissionFactor(loaded_by=actor, **row) for row in rows]
        )
        audit_record(
            actor=actor,
            obj=created[0],
            action="emission_factors_load",
            payload={"rows": len(created), "ids": [f.pk for f in created]},
        )
    return created


def reference_template() -> str:
    """The MRV core's reference factors (``renkei.mrv.factors.reference_rows``, each with its
    source and status tag) as a CSV in the loader's columns, with the validity left blank for
    the office to set: a template, never loaded as it is (the loader requires the validity).
    Rows tagged X (not found) are left out; the country is written as its ISO code where the
    reference names one of these countries, and left blank for the office otherwise."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FACTOR_COLUMNS)
    for row in factors.reference_rows():
        if row.status == "X":
            continue
        note = "; ".join(x for x in (row.basis, row.year, row.note) if x)
        writer.writerow(
            [
                COUNTRY_CODES.get(row.country, ""),
                row.system,
                row.case,
                row.value,
                "",
                "",
                row.source + (f" ({note})" if note else ""),
                row.status,
            ]
        )
    return out.getvalue()
