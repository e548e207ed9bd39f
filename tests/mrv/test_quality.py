"""Monitoring data quality: each finding kind on each side of its threshold, each treatment the
methodology states (exclude / default / discount), every adjustment listed and measured."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from renkei.mrv import quality
from renkei.mrv.quality import MeterInfo
from renkei.mrv.types import Methodology, MrvError, Parameter, Quantity, Reading, Result

JST = dt.timezone(dt.timedelta(hours=9))


def methodology(**treatments: str) -> Methodology:
    return Methodology(
        id="ID_AM003",
        version="1.0",
        country="ID",
        title="COP ratio",
        status="approved",
        family="cop_ratio",
        provisional=False,
        source="",
        source_status="",
        valid_from=None,
        valid_until=None,
        eligibility=(),
        parameters=(
            Parameter(
                "EC_PJ",
                "monitored",
                "MWh",
                "electricity",
                maximum=Decimal(1000),
                default=Decimal(5),
            ),
            Parameter("COP_PJ", "fixed", "-", "COP"),
            Parameter("EF_elec", "fixed", "tCO2/MWh", "EF", per="project"),
        ),
        formulas={},
        rounding="ER_p",
        treatments=dict(treatments),
    )


def t(month: int, day: int = 1, hour: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, 0, second, tzinfo=JST)


def r(
    start, end, value, unit="MWh", *, site="A", point="1", parameter="EC_PJ", meter="", source=""
):
    return Reading(site, point, parameter, start, end, Decimal(value), unit, meter, source)


APRIL_JUNE = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


def months(*values, unit="MWh"):
    return [r(t(4 + i), t(5 + i), v, unit) for i, v in enumerate(values)]


def kinds(report):
    return [f.kind for f in report.findings]


def test_clean_data_has_no_finding_and_sums() -> None:
    report = quality.check(months(10, 20, 30), methodology=methodology(), period=APRIL_JUNE)
    assert report.findings == [] and not report.changes_result
    assert quality.period_totals(report.kept) == {("A", "1", "EC_PJ"): Quantity(Decimal(60), "MWh")}


def test_gap_each_side_of_threshold() -> None:
    contiguous = [r(t(4), t(5), 1), r(t(5), t(6), 1)]
    assert kinds(quality.check(contiguous, methodology=methodology())) == []
    one_second = [r(t(4), t(5), 1), r(t(5, second=1), t(6), 1)]
    report = quality.check(one_second, methodology=methodology())
    assert kinds(report) == ["gap"]
    assert report.findings[0].start == t(5) and report.findings[0].end == t(5, second=1)
    assert report.adjustments[0].treatment == "exclude"
    assert "no treatment stated for gap" in report.adjustments[0].note


def test_gap_filled_with_the_default_or_discounting_the_series() -> None:
    readings = [r(t(4), t(5), 10), r(t(6), t(7), 10)]
    filled = quality.check(readings, methodology=methodology(gap="default"), period=APRIL_JUNE)
    assert kinds(filled) == ["gap"] and filled.adjustments[0].treatment == "default"
    assert quality.period_totals(filled.kept)[("A", "1", "EC_PJ")].value == 25
    discounted = quality.check(
        readings, methodology=methodology(gap="discount:10"), period=APRIL_JUNE
    )
    assert quality.period_totals(discounted.kept)[("A", "1", "EC_PJ")].value == 18


def test_missing_period_at_either_end_and_missing_parameter() -> None:
    report = quality.check(months(1, 1), methodology=methodology(), period=APRIL_JUNE)
    assert kinds(report) == ["missing_period"]
    assert report.findings[0].start == t(6) and report.findings[0].end == t(7)
    late = quality.check(months(1, 1, 1)[1:], methodology=methodology(), period=APRIL_JUNE)
    assert kinds(late) == ["missing_period"] and late.findings[0].end == t(5)
    other = [r(t(4), t(7), 1, parameter="COP_PJ", unit="-")]
    report = quality.check(other, methodology=methodology())
    assert "missing_period" in kinds(report)
    assert any("no readings of EC_PJ" in f.message for f in report.findings)


def test_duplicate_and_overlap() -> None:
    twice = [r(t(4), t(5), 10, source="a"), r(t(4), t(5), 12, source="b")]
    report = quality.check(twice, methodology=methodology())
    assert kinds(report) == ["duplicate"] and report.findings[0].source == "b"
    assert quality.period_totals(report.kept)[("A", "1", "EC_PJ")].value == 10
    overlap = [r(t(4), t(5, 2), 10), r(t(5), t(6), 12)]
    report = quality.check(overlap, methodology=methodology())
    assert kinds(report) == ["overlap"]
    assert quality.period_totals(report.kept)[("A", "1", "EC_PJ")].value == 10
    touching = [r(t(4), t(5), 10), r(t(5), t(6), 12)]
    assert kinds(quality.check(touching, methodology=methodology())) == []


def test_negative_and_implausible_each_side() -> None:
    assert kinds(quality.check(months(0), methodology=methodology())) == []
    report = quality.check(months("-0.001"), methodology=methodology())
    assert kinds(report) == ["negative"] and report.kept == []
    assert kinds(quality.check(months(1000), methodology=methodology())) == []
    report = quality.check(months("1000.001"), methodology=methodology(implausible="default"))
    assert kinds(report) == ["implausible"]
    assert report.kept[0].value == 5  # the parameter's default


def test_implausible_against_a_capacity() -> None:
    # April has 720 h: a 1 MW point can give at most 720 MWh
    at = quality.check(months(720), methodology=methodology(), capacity={"A/1": Decimal(1)})
    assert kinds(at) == []
    over = quality.check(months("720.1"), methodology=methodology(), capacity={"A/1": Decimal(1)})
    assert kinds(over) == ["implausible"] and "capacity" in over.findings[0].message


def test_calibration_expired_each_side_and_unknown_meter() -> None:
    meters = {"M-1": MeterInfo("M-1", dt.date(2024, 4, 1), dt.date(2025, 4, 30))}
    inside = [r(t(4), t(5), 10, meter="M-1")]
    assert kinds(quality.check(inside, methodology=methodology(), meters=meters)) == []
    after = [r(t(4), t(5, 1, 0, 1), 10, meter="M-1")]
    report = quality.check(
        after, methodology=methodology(calibration_expired="discount:5"), meters=meters
    )
    assert kinds(report) == ["calibration_expired"]
    assert report.kept[0].value == Decimal("9.5")
    unknown = [r(t(4), t(5), 10, meter="M-9")]
    report = quality.check(unknown, methodology=methodology(), meters=meters)
    assert (
        kinds(report) == ["calibration_expired"]
        and "no calibration on record" in report.findings[0].message
    )


def test_outside_period() -> None:
    inside = quality.check(months(1, 1, 1), methodology=methodology(), period=APRIL_JUNE)
    assert kinds(inside) == []
    readings = [*months(1, 1, 1), r(t(7), t(8), 5), r(t(6, 15), t(7, 2), 5)]
    report = quality.check(readings, methodology=methodology(), period=APRIL_JUNE)
    assert kinds(report).count("outside_period") == 2
    assert quality.period_totals(report.kept)[("A", "1", "EC_PJ")].value == 3


def test_units_kwh_converted_mwh_kept_kw_refused() -> None:
    report = quality.check(
        [r(t(4), t(5), 120_000, "kWh"), r(t(5), t(6), 10, "MWh")], methodology=methodology()
    )
    assert report.findings == []
    assert quality.period_totals(report.kept)[("A", "1", "EC_PJ")] == Quantity(Decimal(130), "MWh")
    assert "converted to MWh" in report.notes[0]
    bad = quality.check([r(t(4), t(5), 10, "kW")], methodology=methodology())
    assert kinds(bad) == ["unit"] and "give it in MWh" in bad.findings[0].message
    unknown = quality.check([r(t(4), t(5), 10, parameter="EG_PJ")], methodology=methodology())
    assert kinds(unknown) == ["unknown_parameter"]


def test_a_bad_treatment_is_an_error() -> None:
    with pytest.raises(MrvError, match="discount:<pct>"):
        quality.check(months(-1), methodology=methodology(negative="halve"))
    with pytest.raises(MrvError, match="outside 0–100"):
        quality.check(months(-1), methodology=methodology(negative="discount:150"))


def test_period_totals_convert_to_the_first_unit() -> None:
    readings = [r(t(4), t(5), 1, "MWh"), r(t(5), t(6), 500, "kWh"), r(t(5), t(6), 2, site="B")]
    assert quality.period_totals(readings) == {
        ("A", "1", "EC_PJ"): Quantity(Decimal("1.5"), "MWh"),
        ("B", "1", "EC_PJ"): Quantity(Decimal(2), "MWh"),
    }


def fake_compute(m, *, fixed, points):
    """ER = EC_PJ × 0.5 summed over points (a stand-in for renkei.mrv.compute)."""
    ec = sum((p.values["EC_PJ"].value for p in points), Decimal(0))
    return Result(f"{m.id} {m.version}", False, ec, ec / 2, int(ec / 2))


def test_with_effects_measures_each_adjustment() -> None:
    readings = [*months(10, 20, 30), r(t(4), t(5), 10, source="dup"), r(t(7), t(8), 99)]
    readings[1] = replace(readings[1], value=Decimal(-20))
    report = quality.check(readings, methodology=methodology(), period=APRIL_JUNE)
    # the negative May left out leaves May without a reading: a gap, too
    assert kinds(report) == ["outside_period", "negative", "duplicate", "gap"]
    measured = quality.with_effects(report, methodology(), {}, fake_compute)
    effects = {a.finding.kind: a.effect_tco2 for a in measured.adjustments}
    # without excluding the negative reading, EC_PJ would be 40 - 20: excluding it adds 10 tCO2
    assert effects == {"negative": Decimal(10), "duplicate": Decimal(-5), "gap": Decimal(0)}
    assert [a.effect_tco2 for a in report.adjustments] == [0, 0, 0]  # the report itself unchanged


def test_default_without_a_default_value_excludes_and_says_so() -> None:
    m = methodology(negative="default")
    m = replace(m, parameters=(replace(m.parameters[0], default=None), *m.parameters[1:]))
    report = quality.check(months(-1), methodology=m)
    assert [a.treatment for a in report.adjustments] == ["exclude"]
    assert "sets no default for EC_PJ" in report.adjustments[0].note
    assert report.kept == []
