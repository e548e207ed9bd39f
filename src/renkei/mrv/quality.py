"""Monitoring data quality: findings on a period's readings and the methodology's conservative
treatment of each (JCM call 2.(1)③: monitoring under a JC-approved methodology; the issue's
"monitoring data quality").

Findings (``Finding.kind``): ``gap`` (a hole between a series' readings), ``duplicate`` (the same
span read twice), ``overlap`` (spans that overlap without being the same), ``missing_period``
(the start or the end of the monitoring period not covered, or a monitored parameter with no
readings at a point that has others), ``outside_period`` (a reading not wholly inside the
period), ``negative``, ``implausible`` (outside the parameter's ``minimum``/``maximum`` or above
a capacity given), ``calibration_expired`` (the reading's meter had no valid calibration over
the reading's span), ``unit`` (a unit the parameter cannot take), ``unknown_parameter``.

Each finding is treated as the methodology's ``treatments`` say: ``exclude`` (the reading is left
out; for a gap nothing is counted), ``default`` (the parameter's default value replaces the
reading; a gap is filled with it), ``discount:<pct>`` (the value is lowered by pct %; for a gap,
the series' readings). Where the methodology states no treatment for a kind, the reading is
excluded and the adjustment says so: [INTERP] excluding is the conservative choice for the
monitored quantities the families use (electricity generated or consumed), the call does not set
it. Every adjustment is listed; :func:`with_effects` measures each one's effect on the emission
reductions by computing again without it. Only ``types`` is imported: compute is a callable
passed in."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from renkei.mrv.types import (
    Adjustment,
    Finding,
    Methodology,
    MrvError,
    Parameter,
    Quantity,
    Reading,
)

__all__ = [
    "MeterInfo",
    "QualityReport",
    "check",
    "period_bounds",
    "period_totals",
    "with_effects",
]

JST = dt.timezone(dt.timedelta(hours=9), "JST")
_ZERO = Decimal(0)
_ENERGY_WH = {
    "Wh": Decimal(1),
    "kWh": Decimal(10) ** 3,
    "MWh": Decimal(10) ** 6,
    "GWh": Decimal(10) ** 9,
}


@dataclass(frozen=True)
class MeterInfo:
    serial: str
    calibrated_on: dt.date | None
    calibration_valid_until: dt.date | None  # inclusive


@dataclass(frozen=True)
class _Op:
    """What an adjustment does to the readings, so that it can be undone to measure it."""

    action: str  # exclude | replace | scale | add | scale_series
    index: int = -1  # the reading (in QualityReport.readings) it applies to
    value: Decimal = _ZERO  # replace: the new value; scale: the factor
    series: tuple[str, str, str] = ("", "", "")
    reading: Reading | None = None  # add: the reading added


@dataclass
class QualityReport:
    findings: list[Finding]
    kept: list[Reading]
    adjustments: list[Adjustment]
    notes: list[str] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)  # as read, units converted
    ops: list[_Op] = field(default_factory=list, repr=False)  # ops[i] does adjustments[i]
    excluded: list[int] = field(default_factory=list, repr=False)  # left out, not adjustments

    @property
    def changes_result(self) -> bool:
        """Whether what would be computed differs from the readings as they were: every finding
        either changes the readings kept or marks data the computation lacks."""
        return bool(self.findings)


def period_bounds(period: tuple[dt.date, dt.date]) -> tuple[dt.datetime, dt.datetime]:
    """A monitoring period of inclusive dates → [start, end) in JST."""
    first, last = period
    return (
        dt.datetime(first.year, first.month, first.day, tzinfo=JST),
        dt.datetime(last.year, last.month, last.day, tzinfo=JST) + dt.timedelta(days=1),
    )


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``to``, through ``renkei.mrv.units`` when it is there
    (the core helper's module), else for the energy units alone. Raises MrvError."""
    if unit == to:
        return value
    try:
        from renkei.mrv import units
    except ImportError:  # pragma: no cover - the core's units module not merged yet
        if unit in _ENERGY_WH and to in _ENERGY_WH:
            return value * _ENERGY_WH[unit] / _ENERGY_WH[to]
        raise MrvError(f"a value in {unit} cannot be given in {to}", code="unit_mismatch") from None
    return units.convert(Quantity(value, unit), to).value


def _treatment(methodology: Methodology | None, kind: str) -> tuple[str, str]:
    """The methodology's treatment of a finding kind, and a note when it states none."""
    stated = (methodology.treatments if methodology else {}).get(kind)
    if stated:
        return stated, ""
    whose = f"{methodology.id} {methodology.version}" if methodology else "no methodology given"
    return "exclude", (
        f"{whose}: no treatment stated for {kind}; excluded, the conservative choice "
        "[INTERP] (the call does not set this)"
    )


def _discount(treatment: str) -> Decimal:
    try:
        pct = Decimal(treatment.split(":", 1)[1])
    except (IndexError, ArithmeticError):
        raise MrvError(
            f"the treatment {treatment!r} is not understood: write exclude, default or "
            "discount:<pct> (e.g. discount:10)",
            code="bad_treatment",
        ) from None
    if not 0 <= pct <= 100:
        raise MrvError(f"discount {pct} % is outside 0–100", code="bad_treatment")
    return 1 - pct / 100


class _Checker:
    def __init__(
        self,
        readings: list[Reading],
        methodology: Methodology | None,
        period: tuple[dt.datetime, dt.datetime] | None,
        meters: Mapping[str, MeterInfo],
        capacity: Mapping[str, Decimal],
    ) -> None:
        self.methodology = methodology
        self.period = period
        self.meters = meters
        self.capacity = capacity
        self.params: dict[str, Parameter] = (
            {p.name: p for p in methodology.parameters} if methodology else {}
        )
        self.readings = readings
        self.findings: list[Finding] = []
        self.adjustments: list[Adjustment] = []
        self.ops: list[_Op] = []
        self.notes: list[str] = []
        self.out: set[int] = set()  # readings no longer considered (excluded / unusable)
        self.excluded: list[int] = []  # left out without an adjustment (outside the period)

    def finding(
        self, kind: str, message: str, reading: Reading | None = None, **kw: Any
    ) -> Finding:
        if reading is not None:
            kw = {
                "site": reading.site,
                "point": reading.point,
                "parameter": reading.parameter,
                "source": reading.source,
                "start": reading.start,
                "end": reading.end,
            } | kw
        found = Finding(kind=kind, message=message, **kw)
        self.findings.append(found)
        return found

    def treat(self, found: Finding, index: int, *, fixed: str | None = None) -> None:
        """Apply the methodology's treatment of ``found`` to reading ``index``."""
        treatment, note = (fixed, "") if fixed else _treatment(self.methodology, found.kind)
        reading = self.readings[index]
        if treatment == "default":
            param = self.params.get(reading.parameter)
            if param is None or param.default is None:
                note = f"the methodology sets no default for {reading.parameter}: excluded instead"
                treatment = "exclude"
            else:
                self._add(found, "default", _Op("replace", index, param.default), note)
                return
        if treatment == "exclude":
            self.out.add(index)
            self._add(found, "exclude", _Op("exclude", index), note)
        elif treatment.startswith("discount:"):
            self._add(found, treatment, _Op("scale", index, _discount(treatment)), note)
        else:
            raise MrvError(
                f"the treatment {treatment!r} of {found.kind} is not understood: write exclude, "
                "default or discount:<pct>",
                code="bad_treatment",
            )

    def _add(self, found: Finding, treatment: str, op: _Op, note: str) -> None:
        self.adjustments.append(Adjustment(found, treatment, _ZERO, note))
        self.ops.append(op)

    # the checks, in an order where a reading left out by one is not judged by the next
    def run(self) -> None:
        self.units()
        self.outside_period()
        self.calibration()
        self.bounds()
        self.series()

    def units(self) -> None:
        if not self.params:
            return
        known = ", ".join(sorted(p.name for p in self.params.values() if p.kind == "monitored"))
        for i, r in enumerate(self.readings):
            param = self.params.get(r.parameter)
            if param is None:
                found = self.finding(
                    "unknown_parameter",
                    f"{r.parameter} is not a parameter of {self.methodology.id} "  # type: ignore[union-attr]
                    f"{self.methodology.version}: its monitored parameters are {known}",  # type: ignore[union-attr]
                    r,
                )
                self.treat(found, i, fixed="exclude")
                continue
            if r.unit == param.unit:
                continue
            try:
                value = convert(r.value, r.unit, param.unit)
            except MrvError:
                found = self.finding(
                    "unit",
                    f"{r.unit!r} is not a unit {r.parameter} can be given in: give it in "
                    f"{param.unit} (or a unit that converts to it, e.g. kWh for MWh)",
                    r,
                )
                self.treat(found, i, fixed="exclude")
                continue
            self.readings[i] = replace(r, value=value, unit=param.unit)
            note = f"Readings of {r.parameter} in {r.unit} were converted to {param.unit}."
            if note not in self.notes:
                self.notes.append(note)

    def outside_period(self) -> None:
        if self.period is None:
            return
        start, end = self.period
        for i, r in enumerate(self.readings):
            if i in self.out or (r.start >= start and r.end <= end):
                continue
            wholly = r.end <= start or r.start >= end
            what = "lies outside" if wholly else "crosses the boundary of"
            found = self.finding(
                "outside_period",
                f"the reading [{r.start.isoformat()}, {r.end.isoformat()}) {what} the monitoring "
                f"period [{start.isoformat()}, {end.isoformat()}): "
                + ("it is left out" if wholly else "split it at the period's boundary"),
                r,
            )
            if wholly:
                self.out.add(i)
                self.excluded.append(i)
            else:
                self.treat(found, i)

    def calibration(self) -> None:
        if not self.meters:
            return
        for i, r in enumerate(self.readings):
            if i in self.out or not r.meter:
                continue
            info = self.meters.get(r.meter)
            if info is None or info.calibrated_on is None or info.calibration_valid_until is None:
                message = (
                    f"meter {r.meter} has no calibration on record: record its calibration dates"
                )
            else:
                valid = period_bounds((info.calibrated_on, info.calibration_valid_until))
                if r.start >= valid[0] and r.end <= valid[1]:
                    continue
                message = (
                    f"meter {r.meter} was calibrated for {info.calibrated_on.isoformat()} to "
                    f"{info.calibration_valid_until.isoformat()}; the reading "
                    f"[{r.start.isoformat()}, {r.end.isoformat()}) is not wholly inside it"
                )
            self.treat(self.finding("calibration_expired", message, r), i)

    def bounds(self) -> None:
        for i, r in enumerate(self.readings):
            if i in self.out:
                continue
            if r.value < 0:
                found = self.finding(
                    "negative",
                    f"the reading {r.value} {r.unit} is negative: a meter reading is ≥ 0",
                    r,
                )
                self.treat(found, i)
                continue
            param = self.params.get(r.parameter)
            message = ""
            if param is not None and param.maximum is not None and r.value > param.maximum:
                message = (
                    f"the reading {r.value} {r.unit} is above the methodology's maximum "
                    f"{param.maximum} {param.unit}"
                )
            elif param is not None and param.minimum is not None and r.value < param.minimum:
                message = (
                    f"the reading {r.value} {r.unit} is below the methodology's minimum "
                    f"{param.minimum} {param.unit}"
                )
            else:
                cap = self.capacity.get(f"{r.site}/{r.point}", self.capacity.get(r.site))
                if cap is not None:
                    hours = Decimal((r.end - r.start).total_seconds()) / 3600
                    limit = cap * hours
                    if r.value > limit:
                        message = (
                            f"the reading {r.value} {r.unit} over {hours} h is above the capacity "
                            f"{cap} {r.unit}/h × {hours} h = {limit} {r.unit}"
                        )
            if message:
                self.treat(self.finding("implausible", message, r), i)

    def series(self) -> None:
        groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, r in enumerate(self.readings):
            if i not in self.out:
                groups[(r.site, r.point, r.parameter)].append(i)
        for key, indexes in sorted(groups.items()):
            indexes.sort(key=lambda i: (self.readings[i].start, self.readings[i].end, i))
            covered_until: dt.datetime | None = None
            first_start: dt.datetime | None = None
            previous: int | None = None
            for i in indexes:
                r = self.readings[i]
                if previous is not None:
                    p = self.readings[previous]
                    if (r.start, r.end) == (p.start, p.end):
                        same = (
                            "the same value" if r.value == p.value else f"{p.value} then {r.value}"
                        )
                        found = self.finding(
                            "duplicate",
                            f"[{r.start.isoformat()}, {r.end.isoformat()}) is read twice ({same}; "
                            f"first at {p.source or 'an earlier row'}): the later one is left out",
                            r,
                        )
                        self.treat(found, i, fixed="exclude")
                        continue
                    if covered_until is not None and r.start < covered_until:
                        found = self.finding(
                            "overlap",
                            f"[{r.start.isoformat()}, {r.end.isoformat()}) overlaps the reading "
                            f"that covers up to {covered_until.isoformat()} "
                            f"({p.source or 'an earlier row'}): each span is read once",
                            r,
                        )
                        self.treat(found, i)
                        if i in self.out:
                            continue
                    elif covered_until is not None and r.start > covered_until:
                        self.gap(key, covered_until, r.start)
                first_start = r.start if first_start is None else first_start
                covered_until = r.end if covered_until is None else max(covered_until, r.end)
                previous = i
            if self.period is not None and first_start is not None and covered_until is not None:
                start, end = self.period
                if first_start > start:
                    self.gap(key, start, first_start, kind="missing_period")
                if covered_until < end:
                    self.gap(key, covered_until, end, kind="missing_period")
        self.missing_parameters(groups)

    def missing_parameters(self, groups: Mapping[tuple[str, str, str], list[int]]) -> None:
        monitored = sorted(
            p.name for p in self.params.values() if p.kind == "monitored" and p.per == "point"
        )
        points = sorted({(s, p) for s, p, _ in groups})
        for site, point in points:
            for name in monitored:
                if (site, point, name) not in groups:
                    self.finding(
                        "missing_period",
                        f"no readings of {name} at site {site}, point {point}: "
                        f"give {name} in {self.params[name].unit} for the whole period",
                        site=site,
                        point=point,
                        parameter=name,
                    )

    def gap(
        self,
        key: tuple[str, str, str],
        start: dt.datetime,
        end: dt.datetime,
        *,
        kind: str = "gap",
    ) -> None:
        site, point, parameter = key
        hours = Decimal((end - start).total_seconds()) / 3600
        found = self.finding(
            kind,
            f"no reading of {parameter} at site {site}, point {point} for "
            f"[{start.isoformat()}, {end.isoformat()}) ({hours.normalize()} h)",
            site=site,
            point=point,
            parameter=parameter,
            start=start,
            end=end,
        )
        treatment, note = _treatment(self.methodology, kind)
        if treatment == "default":
            param = self.params.get(parameter)
            if param is not None and param.default is not None:
                added = Reading(
                    site, point, parameter, start, end, param.default, param.unit, source="default"
                )
                self._add(found, "default", _Op("add", reading=added), note)
                return
            treatment, note = (
                "exclude",
                f"the methodology sets no default for {parameter}: nothing counted for the gap",
            )
        if treatment.startswith("discount:"):
            self._add(
                found,
                treatment,
                _Op("scale_series", value=_discount(treatment), series=key),
                note + " [INTERP] the discount applies to the series' readings of the period",
            )
            return
        self._add(found, "exclude", _Op("exclude"), note or "nothing is counted for the gap")


def _apply(report: QualityReport, skip: int | None = None) -> list[Reading]:
    """The readings kept once every adjustment but ``skip`` is applied."""
    values: dict[int, Decimal] = {}
    out = set(report.excluded)
    added: list[Reading] = []
    series_scale: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: Decimal(1))
    for n, op in enumerate(report.ops):
        if n == skip:
            continue
        if op.action == "exclude" and op.index >= 0:
            out.add(op.index)
        elif op.action == "replace":
            values[op.index] = op.value
        elif op.action == "scale":
            values[op.index] = values.get(op.index, report.readings[op.index].value) * op.value
        elif op.action == "add" and op.reading is not None:
            added.append(op.reading)
        elif op.action == "scale_series":
            series_scale[op.series] *= op.value
    kept = []
    for i, r in enumerate(report.readings):
        if i in out:
            continue
        value = values.get(i, r.value)
        scale = series_scale.get((r.site, r.point, r.parameter))
        if scale is not None:
            value *= scale
        kept.append(r if value == r.value else replace(r, value=value))
    for r in added:
        scale = series_scale.get((r.site, r.point, r.parameter))
        kept.append(r if scale is None else replace(r, value=r.value * scale))
    return kept


def check(
    readings: Sequence[Reading],
    *,
    methodology: Methodology | None,
    period: tuple[dt.date, dt.date] | None = None,
    meters: Mapping[str, MeterInfo] = {},
    capacity: Mapping[str, Decimal] = {},
) -> QualityReport:
    """Findings on ``readings`` and the readings kept once each is treated as ``methodology``
    says. ``meters`` by serial (``Reading.meter``); ``capacity`` by ``"site/point"`` (or site)
    in the reading's unit per hour (e.g. MWh/h = MW for energy)."""
    checker = _Checker(
        list(readings), methodology, period_bounds(period) if period else None, meters, capacity
    )
    checker.run()
    report = QualityReport(
        findings=checker.findings,
        kept=[],
        adjustments=checker.adjustments,
        notes=checker.notes,
        readings=checker.readings,
        ops=checker.ops,
        excluded=checker.excluded,
    )
    report.kept = _apply(report)
    return report


def period_totals(readings: Iterable[Reading]) -> dict[tuple[str, str, str], Quantity]:
    """The sums ``compute()`` takes: per (site, point, parameter), in the unit of the series'
    first reading (others converted to it)."""
    totals: dict[tuple[str, str, str], Quantity] = {}
    for r in readings:
        key = (r.site, r.point, r.parameter)
        have = totals.get(key)
        if have is None:
            totals[key] = Quantity(r.value, r.unit)
        else:
            totals[key] = Quantity(have.value + convert(r.value, r.unit, have.unit), have.unit)
    return totals


class _Point(NamedTuple):
    """What ``compute.PointValues`` holds, for a compute callable that reads it by name."""

    site: str
    point: str
    values: Mapping[str, Quantity]
    fixed: Mapping[str, Quantity] = {}


def points_from(readings: Iterable[Reading], make: Callable[..., Any] = _Point) -> list[Any]:
    """The readings' period totals as one point value per (site, point)."""
    by_point: dict[tuple[str, str], dict[str, Quantity]] = defaultdict(dict)
    for (site, point, parameter), q in period_totals(readings).items():
        by_point[(site, point)][parameter] = q
    return [make(site, point, values) for (site, point), values in sorted(by_point.items())]


def _reductions(result: Any) -> Decimal:
    return Decimal(result.reference_emissions_tco2) - Decimal(result.project_emissions_tco2)


def with_effects(
    report: QualityReport,
    methodology: Methodology,
    fixed: Mapping[str, Quantity],
    compute: Callable[..., Any],
    *,
    point: Callable[..., Any] = _Point,
) -> QualityReport:
    """The report with each adjustment's ``effect_tco2``: the emission reductions (unrounded)
    with every adjustment applied, minus those with every adjustment but that one. ``compute``
    is called as ``compute(methodology, fixed=fixed, points=[...])`` (``renkei.mrv.compute``);
    ``point`` builds a point value from ``(site, point, values)``."""

    def reductions(kept: list[Reading]) -> Decimal:
        return _reductions(compute(methodology, fixed=fixed, points=points_from(kept, point)))

    full = reductions(report.kept)
    adjustments = [
        replace(a, effect_tco2=full - reductions(_apply(report, skip=n)))
        for n, a in enumerate(report.adjustments)
    ]
    return replace(report, adjustments=adjustments)
