"""Monitoring data as it arrives (issue 9, "Data intake"; JCM 2.(5)②(ウ)): the monitoring
spreadsheet (.xlsx/.csv, read by ``renkei.mrv.datafile``) and interval meter data for many sites
at once (CSV ``site,point,timestamp,value``, stored as Parquet by ``renkei.mrv.meter`` on the
task runner); and ``period_data``, what a monitoring period is computed from.

Nothing is lost: the original file is kept through Django's storage (``default_storage``); what
is valid is kept; every bad cell and every row left out is named on the upload with what would
be right. A spreadsheet row is left out when its site, point or parameter is not in the plan,
when it lies outside the plan's monitoring period, or when its unit is unknown or cannot be
converted to the unit the methodology states for the parameter. A value given in another unit of
the same dimension (kWh where the meter reads MWh) is converted to the meter's unit and the
upload says so. A reading of a meter whose calibration does not cover it is kept, and named:
the methodology's conservative treatment (``treatments``) is applied when a period is computed
(``renkei.mrv.quality``)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import clock
from renkei.audit.services import audit_record
from renkei.monitoring.models import DataUpload, MonitoringPlan, MonitoringPoint, Reading
from renkei.monitoring.services.core import locked_plan, require
from renkei.proposals.services import check_file
from renkei.services import ServiceError, check_lengths
from renkei.storage import LocalCopies

__all__ = [
    "INTERVALS",
    "PeriodData",
    "monitoring_window",
    "period_data",
    "upload_interval",
    "upload_sheet",
]

JST = ZoneInfo("Asia/Tokyo")
SHEET_TYPES = (".xlsx", ".csv")
INTERVALS = (1, 5, 10, 15, 30, 60)  # minutes an interval may last (chosen on upload)
FOLDER = "monitoring"  # where the platform's storage keeps the files of this part
# what a Reading row holds (DecimalField(max_digits=20, decimal_places=6))
STORED_STEP = Decimal("0.000001")
STORED_LIMIT = Decimal(10) ** 14


# --- what the plan says --------------------------------------------------------------------------
def methodology_or_none(plan: MonitoringPlan):
    """The plan's methodology, or None when it cannot be loaded (the plan part names why on the
    plan's page; the intake then checks units against the meters alone)."""
    from renkei.monitoring.services.plan import plan_methodology

    try:
        return plan_methodology(plan)
    except ServiceError:
        return None


def _parameter_unit(methodology, name: str) -> str | None:
    if methodology is None:
        return None
    for parameter in methodology.parameters:
        if parameter.name == name:
            return parameter.unit
    return None


def monitoring_window(plan: MonitoringPlan) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the plan monitors: the start of operation (O) and the monitoring
    end the plan part decides (``services.plan.monitoring_end``: min(E + gap, BDV), A-22)."""
    from renkei.monitoring.services.plan import monitoring_end

    return plan.grant.operation_started_on, monitoring_end(plan).get("monitor_end")


def meter_infos(points) -> dict[str, Any]:
    """``renkei.mrv.quality.MeterInfo`` per meter serial of the points."""
    from renkei.mrv.quality import MeterInfo

    return {
        p.meter.serial: MeterInfo(
            serial=p.meter.serial,
            calibrated_on=p.meter.calibrated_on,
            calibration_valid_until=p.meter.calibration_valid_until,
        )
        for p in points
        if p.meter is not None
    }


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=JST)


# --- the stored file -----------------------------------------------------------------------------
def _save(plan: MonitoringPlan, upload: UploadedFile, ext: str) -> str:
    """The file through the platform's storage (a name, no local path assumed)."""
    upload.seek(0)
    return default_storage.save(f"{FOLDER}/{plan.pk}/{uuid.uuid4().hex}{ext}", upload)


def _checked(upload: UploadedFile, types: tuple[str, ...]):
    checked = check_file(upload)  # type allow-list, content, size limit, SHA-256
    if checked.ext not in types:
        raise ServiceError(
            _("%(name)s: this upload takes %(types)s files")
            % {"name": checked.name, "types": ", ".join(types)}
        )
    return checked


def _keep(
    *,
    actor: Any,
    plan: MonitoringPlan,
    upload: UploadedFile,
    checked,
    action: str,
    then=None,
    **fields,
) -> DataUpload:
    """The upload's row and its file, under the plan's lock: the same bytes twice are refused
    (a failed import excepted); ``then(record)`` stores what goes with it; a failure after the
    file was written deletes it again, so no file is left without its row."""
    with transaction.atomic():
        plan = locked_plan(plan)
        same = plan.uploads.filter(sha256=checked.sha256).exclude(status=DataUpload.Status.FAILED)
        if (earlier := same.first()) is not None:
            raise ServiceError(
                _("%(name)s was already uploaded on %(when)s as %(earlier)s (the same bytes).")
                % {
                    "name": checked.name,
                    "when": timezone.localtime(earlier.uploaded_at, JST).strftime("%Y-%m-%d %H:%M"),
                    "earlier": earlier.original_name,
                }
            )
        stored = _save(plan, upload, checked.ext)
        try:
            record = DataUpload.objects.create(
                plan=plan,
                original_name=checked.name[:255],
                stored_name=stored,
                sha256=checked.sha256,
                size=checked.size,
                uploaded_by=actor,
                **fields,
            )
            if then is not None:
                then(record)
            audit_record(
                actor=actor,
                obj=plan,
                action=action,
                payload={
                    "upload": record.pk,
                    "name": record.original_name,
                    "sha256": record.sha256,
                    **{
                        k: fields[k]
                        for k in ("rows_read", "rows_kept", "unit", "interval_minutes")
                        if k in fields
                    },
                    **({"errors": len(fields["errors"])} if "errors" in fields else {}),
                },
            )
        except BaseException:
            default_storage.delete(stored)
            raise
    return record


def _error(where: str, message: str) -> dict[str, str]:
    return {"where": where, "message": message}


# the MRV core's cell errors (``renkei.mrv.datafile.CellError.code``) in the reader's language
CELL_MESSAGES = {
    "empty": gettext_lazy("The %(column)s is empty: %(example)s."),
    "time_empty": gettext_lazy(
        "The %(column)s time is empty: give it as ISO 8601, e.g. 2025-04-01T00:00+09:00."
    ),
    "not_time": gettext_lazy(
        "%(value)s is not an ISO 8601 time: give e.g. 2025-04-01T00:00+09:00 or 2025-04-01."
    ),
    "end_not_after_start": gettext_lazy(
        "The end %(end)s is not after the start %(start)s: a reading covers [start, end)."
    ),
    "value_empty": gettext_lazy(
        "The value is empty: give the reading in the unit of %(unit_column)s, e.g. 1234.5."
    ),
    "not_number": gettext_lazy(
        "%(value)s is not a number: give the reading in the unit of %(unit_column)s, e.g. 1234.5."
    ),
}
CELL_EXAMPLES = {
    "site": gettext_lazy("give the site's code as in the monitoring plan, e.g. A"),
    "point": gettext_lazy("give the monitoring point's code as in the monitoring plan, e.g. 1"),
    "parameter": gettext_lazy(
        "give the monitored parameter as the methodology writes it, e.g. EC_PJ"
    ),
    "unit": gettext_lazy("give the value's unit, e.g. MWh"),
}


def cell_message(error: Any) -> str:
    """A cell error of the MRV core's reader in the reader's language (its English message when
    the code is not one known here)."""
    template = CELL_MESSAGES.get(getattr(error, "code", ""))
    if template is None:
        return error.message
    values = dict(error.values)
    values["example"] = str(CELL_EXAMPLES.get(values.get("column", ""), ""))
    letter = values.get("unit_letter", "")
    values["unit_column"] = (
        _("column %(letter)s") % {"letter": letter} if letter else _("the unit column")
    )
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return error.message


def finding_json(finding: Any) -> dict[str, Any]:
    """A ``renkei.mrv.types.Finding`` as stored on an upload (times in ISO 8601)."""
    out = asdict(finding)
    for key in ("start", "end"):
        if isinstance(out.get(key), dt.datetime):
            out[key] = out[key].isoformat()
    return out


# --- the monitoring spreadsheet ------------------------------------------------------------------
_ROW = re.compile(r"(?:!([A-Z]+)?(\d+)$)|(?::(\d+)(?::|$))")


def _row_of(where: str) -> str:
    """The row a cell error is in (``Readings!D7`` → ``Readings!7``), to count rows read."""
    m = _ROW.search(where)
    if m is None:
        return where
    return where[: m.start()] + "#" + (m.group(2) or m.group(3))


def _check_reading(reading, *, points, window, methodology) -> tuple[Any, list, list]:
    """One reading against the plan: (the reading as kept or None, errors, notes)."""
    from renkei.mrv import units
    from renkei.mrv.types import MrvError, Quantity
    from renkei.mrv.types import Reading as MrvReading

    where = reading.source or f"{reading.site}/{reading.point}"
    sites = sorted({s for s, _p, _n in points})
    if reading.site not in sites:
        return (
            None,
            [
                _error(
                    where,
                    _("site %(site)s is not in the monitoring plan; its sites are: %(sites)s")
                    % {"site": reading.site or "—", "sites": ", ".join(sites) or "—"},
                )
            ],
            [],
        )
    here = sorted({p for s, p, _n in points if s == reading.site})
    if reading.point not in here:
        return (
            None,
            [
                _error(
                    where,
                    _(
                        "%(point)s is not a monitoring point of site %(site)s; its points are: "
                        "%(points)s"
                    )
                    % {
                        "point": reading.point or "—",
                        "site": reading.site,
                        "points": ", ".join(here),
                    },
                )
            ],
            [],
        )
    point = points.get((reading.site, reading.point, reading.parameter))
    if point is None:
        measured = sorted(n for s, p, n in points if s == reading.site and p == reading.point)
        return (
            None,
            [
                _error(
                    where,
                    _(
                        "%(parameter)s is not measured at %(site)s/%(point)s; it measures: "
                        "%(params)s"
                    )
                    % {
                        "parameter": reading.parameter or "—",
                        "site": reading.site,
                        "point": reading.point,
                        "params": ", ".join(measured),
                    },
                )
            ],
            [],
        )
    first, last = window
    if (first is not None and reading.start < _day_start(first)) or (
        last is not None and reading.end > _day_start(last + dt.timedelta(days=1))
    ):
        return (
            None,
            [
                _error(
                    where,
                    _(
                        "the reading (%(start)s – %(end)s) is outside the plan's monitoring "
                        "period %(first)s – %(last)s; readings must lie within it"
                    )
                    % {
                        "start": reading.start.isoformat(),
                        "end": reading.end.isoformat(),
                        "first": first or "—",
                        "last": last or _("(not set)"),
                    },
                )
            ],
            [],
        )
    target = (point.meter.unit if point.meter else None) or _parameter_unit(
        methodology, reading.parameter
    )
    notes: list = []
    value, unit = reading.value, reading.unit
    if not target:  # neither a meter nor the methodology says: a known unit at least
        try:
            units.dimension(unit)
            if len(unit) > Reading._meta.get_field("unit").max_length:
                raise MrvError(unit, code="unit_mismatch")
        except MrvError:
            return (
                None,
                [
                    _error(
                        where,
                        _("unit %(unit)s is not a known unit; give the value in e.g. MWh or kWh")
                        % {"unit": unit or "—"},
                    )
                ],
                [],
            )
    elif unit != target:
        stated = _parameter_unit(methodology, reading.parameter) or target
        try:
            units.convert(Quantity(value, unit), stated)  # the methodology's unit allows it
            converted = units.convert(Quantity(value, unit), target)
        except MrvError:
            return (
                None,
                [
                    _error(
                        where,
                        _(
                            "unit %(unit)s cannot be used for %(parameter)s: the methodology "
                            "states it in %(stated)s and the meter reads %(target)s; give the "
                            "value in %(target)s"
                        )
                        % {
                            "unit": unit or "—",
                            "parameter": reading.parameter,
                            "stated": stated,
                            "target": target,
                        },
                    )
                ],
                [],
            )
        notes.append(
            {
                "kind": "unit",
                "message": _("%(where)s: %(value)s %(unit)s converted to %(new)s %(target)s")
                % {
                    "where": where,
                    "value": value,
                    "unit": unit,
                    "new": converted.value,
                    "target": target,
                },
                "site": reading.site,
                "point": reading.point,
                "parameter": reading.parameter,
                "source": where,
            }
        )
        value, unit = converted.value, target
    value = Decimal(value)
    if not value.is_finite() or abs(value) >= STORED_LIMIT:
        return (
            None,
            [
                _error(
                    where,
                    _(
                        "the value %(value)s is too large to be a reading; give at most 14 "
                        "digits before the decimal point, in %(unit)s"
                    )
                    % {"value": value, "unit": unit},
                )
            ],
            [],
        )
    stored = value.quantize(STORED_STEP)
    if stored != value:
        notes.append(
            {
                "kind": "note",
                "message": _("%(where)s: %(value)s %(unit)s kept to 6 decimal places: %(kept)s")
                % {"where": where, "value": value, "unit": unit, "kept": stored},
                "site": reading.site,
                "point": reading.point,
                "parameter": reading.parameter,
                "source": where,
            }
        )
        value = stored
    meter = point.meter
    if meter is not None:
        start_day, end_day = reading.start.astimezone(JST).date(), reading.end.astimezone(JST)
        end_day = (end_day - dt.timedelta(microseconds=1)).date()
        if (
            meter.calibrated_on is None
            or meter.calibration_valid_until is None
            or start_day < meter.calibrated_on
            or end_day > meter.calibration_valid_until
        ):
            notes.append(
                {
                    "kind": "calibration_expired",
                    "message": _(
                        "%(where)s: meter %(meter)s is calibrated for %(from)s – %(until)s, "
                        "which does not cover the reading; kept, and the methodology's treatment "
                        "applies when the period is computed; record a valid calibration of "
                        "the meter"
                    )
                    % {
                        "where": where,
                        "meter": meter.serial,
                        "from": meter.calibrated_on or "—",
                        "until": meter.calibration_valid_until or "—",
                    },
                    "site": reading.site,
                    "point": reading.point,
                    "parameter": reading.parameter,
                    "source": where,
                }
            )
    kept = MrvReading(
        site=reading.site,
        point=reading.point,
        parameter=reading.parameter,
        start=reading.start,
        end=reading.end,
        value=Decimal(value),
        unit=unit,
        meter=meter.serial if meter else reading.meter,
        source=reading.source,
    )
    return kept, [], notes


def _plan_points(plan: MonitoringPlan) -> dict[tuple[str, str, str], MonitoringPoint]:
    return {
        (p.site.code, p.code, p.parameter): p
        for p in MonitoringPoint.objects.filter(plan=plan).select_related("site", "meter")
    }


def _already_uploaded(plan: MonitoringPlan, kept, points) -> list[dict[str, Any]]:
    """Readings of a span an earlier spreadsheet already gave for the same point: kept, and
    named (a period's computation treats the duplicate as the methodology says)."""
    if not kept:
        return []
    earlier = {
        (r.point_id, r.start, r.end): r.upload.original_name
        for r in Reading.objects.filter(
            upload__plan=plan,
            upload__status=DataUpload.Status.DONE,
            start__lt=max(k.end for k in kept),
            end__gt=min(k.start for k in kept),
        ).select_related("upload")
    }
    out = []
    for r in kept:
        name = earlier.get((points[(r.site, r.point, r.parameter)].pk, r.start, r.end))
        if name is not None:
            out.append(
                {
                    "kind": "duplicate",
                    "message": _(
                        "%(where)s: %(site)s/%(point)s %(parameter)s for this span was already "
                        "uploaded in %(name)s; when a period is computed the methodology's "
                        "treatment of duplicates applies"
                    )
                    % {
                        "where": r.source,
                        "site": r.site,
                        "point": r.point,
                        "parameter": r.parameter,
                        "name": name,
                    },
                    "site": r.site,
                    "point": r.point,
                    "parameter": r.parameter,
                    "source": r.source,
                }
            )
    return out


def upload_sheet(*, actor: Any, plan: MonitoringPlan, upload: UploadedFile) -> DataUpload:
    """The monitoring spreadsheet: the file kept, its valid readings stored as ``Reading`` rows
    of the plan's points, every bad cell and every row left out named on the upload."""
    from renkei.mrv import datafile, quality
    from renkei.mrv.types import MrvError

    require(actor, "upload_monitoring_data", plan)
    checked = _checked(upload, SHEET_TYPES)
    upload.seek(0)
    data = upload.read()
    try:
        outcome = datafile.read_readings(data, name=checked.name)
    except MrvError as exc:
        raise ServiceError(
            _("%(name)s could not be read: %(why)s") % {"name": checked.name, "why": exc}
        ) from None
    points = _plan_points(plan)
    window = monitoring_window(plan)
    methodology = methodology_or_none(plan)
    errors = [_error(e.where, cell_message(e)) for e in outcome.errors]
    notes: list = []
    kept = []
    for reading in outcome.readings:
        good, errs, more = _check_reading(
            reading, points=points, window=window, methodology=methodology
        )
        errors += errs
        notes += more
        if good is not None:
            kept.append(good)
    notes += _already_uploaded(plan, kept, points)
    report = quality.check(kept, methodology=methodology, meters=meter_infos(points.values()))
    # calibration is named above in the reader's language, with what would be right
    findings = (
        [
            {"kind": "note", "message": n, "site": "", "point": "", "source": ""}
            for n in outcome.notes
        ]
        + notes
        + [finding_json(f) for f in report.findings if f.kind != "calibration_expired"]
    )
    # the reader counts the data rows it saw; else the rows kept and those with a bad cell
    rows_read = outcome.rows or len(outcome.readings) + len(
        {_row_of(e.where) for e in outcome.errors}
    )

    def readings(record: DataUpload) -> None:
        Reading.objects.bulk_create(
            Reading(
                upload=record,
                point=points[(r.site, r.point, r.parameter)],
                start=r.start,
                end=r.end,
                value=r.value,
                unit=r.unit,
                source=(r.source or "")[:80],
            )
            for r in kept
        )

    return _keep(
        actor=actor,
        plan=plan,
        upload=upload,
        checked=checked,
        action="monitoring_sheet_upload",
        then=readings,
        kind=DataUpload.Kind.SHEET,
        status=DataUpload.Status.DONE,
        progress_percent=100,
        rows_read=rows_read,
        rows_kept=len(kept),
        errors=errors,
        findings=findings,
        finished_at=clock.now(),
    )


# --- interval meter data -------------------------------------------------------------------------
def upload_interval(
    *, actor: Any, plan: MonitoringPlan, upload: UploadedFile, unit: str, interval_minutes: int
) -> DataUpload:
    """Interval readings (CSV ``site,point,timestamp,value``) for many sites at once: the file
    kept, the import queued for the task runner (``renkei.monitoring.tasks``)."""
    from renkei.mrv import units
    from renkei.mrv.types import MrvError, Quantity

    require(actor, "upload_monitoring_data", plan)
    check_lengths(DataUpload, unit=unit)
    if interval_minutes not in INTERVALS:
        raise ServiceError(
            _("An interval of %(n)s minutes is not offered; choose one of %(choices)s minutes")
            % {"n": interval_minutes, "choices": ", ".join(map(str, INTERVALS))}
        )
    targets = sorted(
        {p.meter.unit for p in _plan_points(plan).values() if p.meter is not None and p.meter.unit}
    )
    if not targets:
        raise ServiceError(
            _("The plan has no metered monitoring point; add a meter to a point first")
        )
    try:
        units.convert(Quantity(Decimal(1), unit), targets[0])
    except MrvError:
        raise ServiceError(
            _("%(unit)s is not a unit the plan's meters can be read in; use %(units)s")
            % {"unit": unit or "—", "units": ", ".join(targets)}
        ) from None
    checked = _checked(upload, (".csv",))
    record = _keep(
        actor=actor,
        plan=plan,
        upload=upload,
        checked=checked,
        action="monitoring_interval_upload",
        then=lambda record: transaction.on_commit(lambda: _queue(record.pk)),
        kind=DataUpload.Kind.INTERVAL,
        status=DataUpload.Status.QUEUED,
        unit=unit,
        interval_minutes=interval_minutes,
    )
    return record


def _queue(upload_id: int) -> None:
    from django_q.tasks import async_task

    async_task("renkei.monitoring.tasks.run_interval_import", upload_id)


# --- what a period is computed from --------------------------------------------------------------
@dataclass
class PeriodData:
    """What ``renkei.mrv.compute.compute`` takes for one period of a plan, and where it came
    from: ``points`` (``PointValues``: monitored totals and point-level fixed values),
    ``fixed`` (the project-level fixed values), the quality ``findings`` and ``adjustments``,
    ``sources`` (the uploads used: id, kind, name)."""

    points: list[Any]
    fixed: dict[str, Any]
    findings: list[Any] = field(default_factory=list)
    adjustments: list[Any] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)


def _to(quantity: Any, unit: str | None) -> Any:
    from renkei.mrv import units

    if not unit or quantity.unit == unit:
        return quantity
    return units.convert(quantity, unit)


def _finding(kind: str, message: str, *, site: str = "", point: str = "", source: str = ""):
    from renkei.mrv.types import Finding

    return Finding(kind=kind, message=message, site=site, point=point, source=source)


def meter_treatments(methodology) -> dict[str, str]:
    """The methodology's treatment of readings outside a meter's calibration, as interval data
    takes it (exclude or discount:<pct>; another treatment: exclude, the conservative one)."""
    treatment = (methodology.treatments if methodology else {}).get("calibration_expired", "")
    if treatment == "exclude" or treatment.startswith("discount:"):
        return {"calibration_expired": treatment}
    return {}


def _overlaps(span: list[str] | None, begin: dt.datetime, stop: dt.datetime) -> bool:
    if not span:
        return False
    first, last = (dt.datetime.fromisoformat(t) for t in span)
    return first < stop and last >= begin


def period_data(plan: MonitoringPlan, start: dt.date, end: dt.date) -> PeriodData:
    """The monitored totals per point over [start, end] (see ``_gather``). The interval
    datasets are read by DuckDB from a local path: the storage's own, or a copy downloaded from
    an object store for this computation only (each dataset once, deleted after)."""
    with LocalCopies() as local:
        return _gather(plan, start, end, local)


def _gather(plan: MonitoringPlan, start: dt.date, end: dt.date, local: LocalCopies) -> PeriodData:
    """The monitored totals per point over [start, end] (whole days, JST) from the spreadsheet
    readings and the interval datasets of the plan, with the plan's fixed values, the quality
    findings and the methodology's adjustments, and the uploads used.

    Where two sources cover the same point in the period, one is used and a finding says which:
    the spreadsheet's readings before interval data, a later interval dataset before an earlier
    one (the same readings are never counted twice). A monitored point without data in the
    period is left out of the result (conservative: no reduction is claimed for it) and named."""
    from renkei.monitoring.services.plan import plan_fixed
    from renkei.mrv import meter, quality
    from renkei.mrv.compute import PointValues
    from renkei.mrv.types import Reading as MrvReading

    if end < start:
        raise ServiceError(
            _("The period ends (%(end)s) before it starts (%(start)s)")
            % {"start": start, "end": end}
        )
    methodology = methodology_or_none(plan)
    points = _plan_points(plan)
    meters = meter_infos(points.values())
    begin, stop = _day_start(start), _day_start(end + dt.timedelta(days=1))
    rows = (
        Reading.objects.filter(
            upload__plan=plan,
            upload__status=DataUpload.Status.DONE,
            start__lt=stop,
            end__gt=begin,
        )
        .select_related("point__site", "point__meter", "upload")
        .order_by("point_id", "start", "pk")
    )
    readings, used = [], {}
    for r in rows:
        readings.append(
            MrvReading(
                site=r.point.site.code,
                point=r.point.code,
                parameter=r.point.parameter,
                start=r.start,
                end=r.end,
                value=r.value,
                unit=r.unit,
                meter=r.point.meter.serial if r.point.meter else "",
                source=r.source or r.upload.original_name,  # the reader's names the file
            )
        )
        used[r.upload_id] = r.upload
    report = quality.check(readings, methodology=methodology, period=(start, end), meters=meters)
    findings, adjustments = list(report.findings), list(report.adjustments)
    totals: dict[tuple[str, str, str], Any] = {}
    for key, q in quality.period_totals(report.kept).items():
        target = _parameter_unit(methodology, key[2]) or q.unit
        totals[key] = _to(q, target)
    from_sheet = {(s, p) for s, p, _n in totals}
    metered = {(s, p): (n, pt) for (s, p, n), pt in points.items() if pt.meter is not None}
    claimed: dict[tuple[str, str], DataUpload] = {}
    datasets = plan.uploads.filter(
        kind=DataUpload.Kind.INTERVAL, status=DataUpload.Status.DONE
    ).order_by("-uploaded_at", "-pk")
    for upload in datasets:
        take = set()
        for key, span in (upload.coverage or {}).items():
            site, _sep, code = key.partition("/")
            if (site, code) not in metered or not _overlaps(span, begin, stop):
                continue
            if (site, code) in from_sheet:
                findings.append(
                    _finding(
                        "overlap",
                        _(
                            "%(site)s/%(point)s: the spreadsheet's readings are used for this "
                            "period; the interval data of %(name)s for the same point is not"
                        )
                        % {"site": site, "point": code, "name": upload.original_name},
                        site=site,
                        point=code,
                        source=upload.original_name,
                    )
                )
            elif (site, code) in claimed:
                findings.append(
                    _finding(
                        "overlap",
                        _(
                            "%(site)s/%(point)s: %(later)s, uploaded later, is used for this "
                            "period; %(name)s covers the same point and is not"
                        )
                        % {
                            "site": site,
                            "point": code,
                            "later": claimed[(site, code)].original_name,
                            "name": upload.original_name,
                        },
                        site=site,
                        point=code,
                        source=upload.original_name,
                    )
                )
            else:
                take.add((site, code))
        if not take:
            continue
        outcome = meter.period_totals(
            local.path(upload.dataset),
            start=begin,
            end=stop,
            interval_minutes=upload.interval_minutes,
            meters={k: meters[pt.meter.serial] for k, (_n, pt) in metered.items() if k in take},
            treatments=meter_treatments(methodology),
        )
        adjustments += [a for a in outcome.adjustments if (a.finding.site, a.finding.point) in take]
        for (site, code), q in outcome.totals.items():
            if (site, code) not in take:
                continue
            name, _pt = metered[(site, code)]
            totals[(site, code, name)] = _to(q, _parameter_unit(methodology, name) or q.unit)
            claimed[(site, code)] = upload
            used[upload.pk] = upload
        findings += [f for f in outcome.findings if (f.site, f.point) in take]
    project_fixed, point_fixed = plan_fixed(plan)
    values: dict[tuple[str, str], dict[str, Any]] = {}
    for (site, code, name), q in totals.items():
        values.setdefault((site, code), {})[name] = q
    for site, code, name in sorted(points):
        if points[(site, code, name)].meter is None and (site, code) not in values:
            continue
        if name not in values.get((site, code), {}):
            findings.append(
                _finding(
                    "missing_period",
                    _(
                        "%(site)s/%(point)s: no %(parameter)s data in %(start)s – %(end)s; the "
                        "point is left out of this period's reductions; upload its readings"
                    )
                    % {"site": site, "point": code, "parameter": name, "start": start, "end": end},
                    site=site,
                    point=code,
                )
            )
    complete = {
        key: vals
        for key, vals in values.items()
        if all(n in vals for s, p, n in points if (s, p) == key)
    }
    return PeriodData(
        points=[
            PointValues(site=site, point=code, values=vals, fixed=point_fixed.get((site, code), {}))
            for (site, code), vals in sorted(complete.items())
        ],
        fixed=project_fixed,
        findings=findings,
        adjustments=adjustments,
        sources=[
            {"id": u.pk, "kind": u.kind, "name": u.original_name}
            for u in sorted(used.values(), key=lambda u: u.pk)
        ],
    )
