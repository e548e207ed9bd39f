"""The screen of period_totals attacked (``_Query.screen`` and the ``times_clean`` test in
``_outcome``): readings outside the period interleaved with those inside, files in any order and
row-group size, the HUGEINT runs forced, periods not at midnight, before 1970, and intervals of
1, 15, 60 and 1440 minutes, each compared with a plain-Python reckoning of the rules; and the
files the screen wrongly clears or crashes on (xfail, strict)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_meter_attack import JST, US, check, us, write

from renkei.mrv import meter
from renkei.mrv.types import MrvError

UTC = dt.UTC


def exact_us(t: dt.datetime) -> int:
    """Microseconds since the epoch, exactly (no float, no truncation toward zero)."""
    return (t - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1)


def force_hugeint(monkeypatch) -> None:
    """The file's row count made huge, so that the runs are reckoned in HUGEINT."""
    init = meter._Query.__init__

    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        assert self.row_count is not None
        self.row_count = 1 << 62

    monkeypatch.setattr(meter._Query, "__init__", patched)


# whole seconds only (see test_a_period_starting_before_1970_with_microseconds_is_exact)
SCREEN_STARTS = [
    dt.datetime(2025, 4, 1, 0, 0, tzinfo=JST),
    dt.datetime(2025, 4, 1, 7, 13, tzinfo=JST),  # not at midnight, nor on a quarter hour
    dt.datetime(1969, 12, 31, 23, 50, tzinfo=UTC),  # before 1970, the period crossing it
    dt.datetime(1960, 6, 1, 8, 59, 59, tzinfo=JST),  # well before, at an odd second
]


@st.composite
def screen_case(draw):
    interval = draw(st.sampled_from([1, 15, 60, 1440]))
    slots = draw(st.integers(1, 6))
    start = draw(st.sampled_from(SCREEN_STARTS))
    s_us, step = us(start), interval * 60 * US
    assert s_us == exact_us(start)
    keys = draw(st.lists(st.sampled_from([("A", "1"), ("A", "2"), ("B", "1")]), min_size=1,
                         max_size=3, unique=True))  # fmt: skip
    rows = []
    for key in keys:
        # near-clean series: every slot once, then a few faults that could still keep the count
        ks = list(range(slots))
        for fault in draw(
            st.lists(st.sampled_from(["drop", "repeat", "outside", "off", "shift"]), max_size=3)
        ):
            if fault == "drop" and ks:
                ks.remove(draw(st.sampled_from(ks)))
            elif fault == "repeat" and ks:
                ks.append(draw(st.sampled_from(ks)))
            elif fault == "outside":
                ks.append(draw(st.sampled_from([-1, slots, -2])))
            elif fault == "off":
                ks.append(draw(st.sampled_from(ks or [0])) + Decimal(1) / 2)
            elif ks:  # a whole run moved by one interval
                ks = [k + 1 for k in ks]
        values = st.integers(-1, 9).map(Decimal)
        rows += [(*key, s_us + int(k * step), draw(values)) for k in ks]
    order = draw(st.sampled_from(["sorted", "by_time", "shuffled", "as_drawn"]))
    if order == "sorted":
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
    elif order == "by_time":
        rows.sort(key=lambda r: r[2])
    elif order == "shuffled":
        rows = draw(st.permutations(rows))
    return dict(
        interval=interval, slots=slots, start=start, rows=rows,
        layout=draw(st.sampled_from(["epoch_us", "timestamptz", "naive"])),
        row_group=draw(st.sampled_from([None, 1, 2, 3])),
        maximum=draw(st.sampled_from([None, Decimal(8)])),
        hugeint=draw(st.booleans()),
    )  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sc=screen_case())
def test_the_screen_clears_only_what_a_plain_reckoning_would(tmp_path, monkeypatch, sc) -> None:
    with monkeypatch.context() as m:
        if sc["hugeint"]:
            force_hugeint(m)
        parquet = write(
            tmp_path / "m.parquet", sc["rows"], layout=sc["layout"], row_group=sc["row_group"]
        )
        check(
            parquet, sc["rows"], start=sc["start"], interval=sc["interval"], slots=sc["slots"],
            maximum=sc["maximum"],
        )  # fmt: skip


@pytest.mark.parametrize("hugeint", [False, True])
@pytest.mark.parametrize("layout", ["epoch_us", "naive"])
def test_a_reading_outside_the_period_in_a_gaps_row_does_not_fill_the_gap(
    tmp_path, monkeypatch, hugeint, layout
) -> None:
    """In file order: 00:00, (the day before), 00:30, 00:45 and a repeat of 00:30 at the end.
    The readings inside have the count of the period (4) and the first three one run; the
    reading outside takes the row of the missing 00:15: not cleared, 00:15 missing, the repeat
    counted once at its smaller value."""
    if hugeint:
        force_hugeint(monkeypatch)
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    s, step = us(start), 15 * 60 * US
    rows = [
        ("A", "1", s, Decimal(1)),
        ("A", "1", s - 86400 * US + step, Decimal(100)),
        ("A", "1", s + 2 * step, Decimal(3)),
        ("A", "1", s + 3 * step, Decimal(4)),
        ("A", "1", s + 2 * step, Decimal(50)),
    ]
    parquet = write(tmp_path / "m.parquet", rows, layout=layout, row_group=2)
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
    )
    assert result.totals[("A", "1")].value == 1 + 3 + 4
    counts = {k: v for k, v in result.counts.items() if v}
    assert counts == {
        "rows": 5, "in_period": 4, "outside_period": 1, "duplicates": 1,
        "missing_intervals": 1, "points": 1,
    }  # fmt: skip
    (gap,) = [f for f in result.findings if f.kind == "gap"]
    assert gap.start == start + dt.timedelta(minutes=15)


def test_a_series_one_interval_late_is_not_cleared_though_one_run(tmp_path) -> None:
    """Every reading evenly spaced in file order, as many as the intervals, but the whole series
    30 seconds late (a run off the grid): nothing counted, all misaligned."""
    start = dt.datetime(2025, 4, 1, 7, 13, tzinfo=JST)
    s, step = us(start), 60 * US
    rows = [("A", "1", s + 30 * US + k * step, Decimal(1)) for k in range(5)]
    parquet = write(tmp_path / "m.parquet", rows)
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(minutes=5), interval_minutes=1
    )
    assert result.totals[("A", "1")].value == 0
    assert (result.counts["misaligned"], result.counts["missing_intervals"]) == (5, 5)


def test_a_reading_without_a_time_neither_fills_a_gap_nor_adds_its_value(tmp_path) -> None:
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    s, step = us(start), 15 * 60 * US
    rows = [("A", "1", s + k * step, Decimal(1)) for k in range(3)]
    rows.append(("A", "1", None, Decimal(100)))  # another tool's file: a reading with no time
    parquet = write(tmp_path / "m.parquet", rows)
    try:
        result = meter.period_totals(
            parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
        )
    except MrvError as exc:  # refused, as a reading without a site or point is: fine
        assert "time" in str(exc)
        return
    # else left out: 00:45 has no reading (today: 103 and no gap)
    assert result.totals[("A", "1")].value == 3
    assert result.counts["missing_intervals"] == 1


def test_a_nan_value_is_not_counted(tmp_path) -> None:
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    s, step = us(start), 15 * 60 * US
    rows = [("A", "1", s + k * step, float("nan") if k == 1 else 1.0) for k in range(4)]
    parquet = write(tmp_path / "m.parquet", rows, value_type="DOUBLE")
    try:
        result = meter.period_totals(
            parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
        )
    except MrvError:  # refused: fine
        return
    # NaN is not 0 <= value: left out as invalid (today: Decimal('NaN'))
    assert result.totals[("A", "1")].value == 3


def test_a_period_starting_before_1970_with_microseconds_is_exact(tmp_path) -> None:
    start = dt.datetime(1969, 12, 31, 23, 57, 58, 500000, tzinfo=UTC)
    s = exact_us(start)
    assert s == -121_500_000
    rows = [("A", "1", s + k * 60 * US, Decimal(1)) for k in range(2)]
    parquet = write(tmp_path / "m.parquet", rows)
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(minutes=2), interval_minutes=1
    )
    # today: total 0, one reading outside, one misaligned, both intervals missing
    assert result.totals[("A", "1")].value == 2
    assert {k: v for k, v in result.counts.items() if v} == {
        "rows": 2, "in_period": 2, "points": 1,
    }  # fmt: skip


@pytest.mark.parametrize("column", ["epoch_us", "value"])
def test_a_file_with_a_text_column_is_refused_with_its_reason(tmp_path, column) -> None:
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    s, step = us(start), 15 * 60 * US
    path = tmp_path / "m.parquet"
    time = "e::VARCHAR" if column == "epoch_us" else "e"
    value = "v::VARCHAR" if column == "value" else "v"
    con = meter.connect()
    try:
        con.execute(
            f"COPY (SELECT 'A' AS site, '1' AS point, {time} AS epoch_us, {value} AS value "
            f"FROM (SELECT {s} + i * {step} AS e, 1::DECIMAL(18, 6) AS v FROM range(4) t(i))) "
            f"TO '{path}' (FORMAT parquet)"
        )
    finally:
        con.close()
    with pytest.raises(MrvError):
        meter.period_totals(
            path, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
        )
