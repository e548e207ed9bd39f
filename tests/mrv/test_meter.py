"""Interval meter data: CSV → Parquet with every bad row counted and named, and the period's
totals and quality checks in DuckDB equal to a plain-Python reckoning."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from renkei.mrv import meter
from renkei.mrv.quality import MeterInfo
from renkei.mrv.types import MrvError, Quantity

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2025, 4, 1, tzinfo=JST)


def stamp(k: int) -> str:
    return (START + dt.timedelta(minutes=15 * k)).strftime("%Y-%m-%d %H:%M:%S")


def write(tmp_path, rows, name="m.csv"):
    path = tmp_path / name
    path.write_text(
        "site,point,timestamp,value\n" + "".join(f"{','.join(map(str, r))}\n" for r in rows)
    )
    return path


def stored(tmp_path, rows, unit="kWh"):
    out = meter.store_interval(write(tmp_path, rows), tmp_path / "m.parquet", unit=unit)
    return out, tmp_path / "m.parquet"


def totals(parquet, hours=1, **kw):
    return meter.period_totals(
        parquet, start=START, end=START + dt.timedelta(hours=hours), interval_minutes=15, **kw
    )


def test_store_counts_and_names_bad_rows_keeps_the_rest(tmp_path) -> None:
    seen = []
    out = meter.store_interval(
        write(
            tmp_path,
            [
                ("A", 1, stamp(0), "1.5"),
                ("A", 1, stamp(1), "abc"),
                ("", 1, stamp(2), 2),
                ("A", 1, stamp(3), ""),
            ],
        ),
        tmp_path / "m.parquet",
        unit="kWh",
        progress=seen.append,
    )
    assert (out.rows_read, out.rows_kept, out.bad_rows) == (4, 1, 3)
    assert out.errors[0].startswith("line 3: value") and "abc" in out.errors[0]
    assert any("has no site" in e for e in out.errors) and any(
        "has no value" in e for e in out.errors
    )
    assert seen[-1] == 100
    result = totals(tmp_path / "m.parquet")
    assert result.totals == {("A", "1"): Quantity(Decimal("1.5"), "kWh")} and result.unit == "kWh"


def test_store_refuses_a_wrong_header(tmp_path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("site,timestamp,value\nA,2025-04-01 00:00,1\n")
    with pytest.raises(MrvError, match="site,point,timestamp,value") as exc:
        meter.store_interval(path, tmp_path / "m.parquet", unit="kWh")
    assert exc.value.code == "missing_column"


def test_clean_hour(tmp_path) -> None:
    _, parquet = stored(tmp_path, [("A", 1, stamp(k), k + 1) for k in range(4)])
    result = totals(parquet)
    assert result.totals == {("A", "1"): Quantity(Decimal(10), "kWh")}
    assert result.findings == [] and result.counts["missing_intervals"] == 0


def test_a_connection_reads_a_rewritten_file_afresh(tmp_path) -> None:
    # connect() keeps each file's Parquet footer between queries (parquet_metadata_cache): a
    # file written again at the same path is read as it now is, not from the cached footer
    con = meter.connect()
    assert con.execute("SELECT current_setting('parquet_metadata_cache')").fetchone() == (True,)
    try:
        _, parquet = stored(tmp_path, [("A", 1, stamp(k), k + 1) for k in range(4)])
        first = totals(parquet, connection=con)
        _, again = stored(
            tmp_path, [("A", 1, stamp(k), 2) for k in range(3)] + [("B", 1, stamp(0), 5)]
        )
        assert again == parquet
        second = totals(parquet, connection=con)
    finally:
        con.close()
    assert first.totals == {("A", "1"): Quantity(Decimal(10), "kWh")}
    assert second.totals == {
        ("A", "1"): Quantity(Decimal(6), "kWh"),
        ("B", "1"): Quantity(Decimal(5), "kWh"),
    }
    assert second.counts["missing_intervals"] == 1 + 3


def test_gaps_duplicates_negatives_misaligned_outside(tmp_path) -> None:
    rows = [
        ("A", 1, stamp(0), 1),
        ("A", 1, stamp(0), 3),  # a duplicate: the smaller counts
        ("A", 1, stamp(1), -2),  # negative
        ("A", 1, "2025-04-01 00:31:00", 5),  # off the grid
        ("A", 1, stamp(4), 7),  # after the period
    ]
    _, parquet = stored(tmp_path, rows)
    result = totals(parquet)
    assert result.totals[("A", "1")].value == 1
    kinds = sorted(f.kind for f in result.findings)
    assert kinds == ["duplicate", "gap", "misaligned", "negative", "outside_period"]
    c = result.counts
    assert (c["duplicates"], c["negative"], c["misaligned"], c["outside_period"]) == (1, 1, 1, 1)
    assert c["missing_intervals"] == 2  # 00:30 and 00:45 (00:15 has its negative reading)
    gap = next(f for f in result.findings if f.kind == "gap")
    assert "[2025-04-01T00:30:00+09:00, 2025-04-01T01:00:00+09:00)" in gap.message


def test_implausible_each_side(tmp_path) -> None:
    _, parquet = stored(tmp_path, [("A", 1, stamp(k), v) for k, v in enumerate([1, 2, 3, 4])])
    assert totals(parquet, maximum=Decimal(4)).findings == []
    result = totals(parquet, maximum={("A", "1"): Decimal("3.999")})
    assert [f.kind for f in result.findings] == ["implausible"]
    assert result.totals[("A", "1")].value == 6


def test_calibration_per_meter(tmp_path) -> None:
    _, parquet = stored(
        tmp_path,
        [("A", 1, stamp(k), 1) for k in range(4)] + [("B", 1, stamp(k), 1) for k in range(4)],
    )
    good = {("A", "1"): MeterInfo("M-1", dt.date(2025, 1, 1), dt.date(2025, 4, 1))}
    assert totals(parquet, meters=good).findings == []
    expired = {
        ("A", "1"): MeterInfo("M-1", dt.date(2024, 1, 1), dt.date(2025, 3, 31)),
        ("C", "1"): MeterInfo("M-3", dt.date(2024, 1, 1), dt.date(2026, 3, 31)),
    }
    result = totals(parquet, meters=expired, treatments={"calibration_expired": "discount:10"})
    assert result.totals[("A", "1")].value == Decimal("3.6")
    assert result.totals[("B", "1")].value == 4
    assert result.totals[("C", "1")].value == 0
    assert sorted(f.kind for f in result.findings) == ["calibration_expired", "missing_period"]
    assert result.counts["calibration_expired"] == 4


def test_a_bad_period_is_refused(tmp_path) -> None:
    _, parquet = stored(tmp_path, [("A", 1, stamp(0), 1)])
    with pytest.raises(MrvError, match="whole number of 15-minute"):
        meter.period_totals(
            parquet, start=START, end=START + dt.timedelta(minutes=20), interval_minutes=15
        )
    with pytest.raises(MrvError, match="not after"):
        meter.period_totals(parquet, start=START, end=START, interval_minutes=15)


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.sampled_from(["1", "2"]),
        st.integers(min_value=-2, max_value=9),  # the slot; outside [0, 8) is outside the period
        st.decimals(min_value=-5, max_value=1000, places=3, allow_nan=False),
    ),
    max_size=40,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS)
def test_totals_equal_a_plain_python_reckoning(tmp_path, rows) -> None:
    _, parquet = stored(tmp_path, [(s, p, stamp(k), v) for s, p, k, v in rows])
    result = totals(parquet, hours=2)
    by_slot: dict = defaultdict(list)
    for s, p, k, v in rows:
        if 0 <= k < 8:
            by_slot[(s, p, k)].append(v)
    expected: dict = defaultdict(Decimal)
    duplicates = negatives = 0
    for (s, p, _k), values in by_slot.items():
        duplicates += len(values) - 1
        negatives += sum(v < 0 for v in values)
        valid = [v for v in values if v >= 0]
        expected[(s, p)] += min(valid) if valid else Decimal(0)
    points = {(s, p) for s, p, _, _ in rows}
    assert {k: q.value for k, q in result.totals.items()} == {k: expected[k] for k in points}
    assert result.counts["duplicates"] == duplicates
    assert result.counts["negative"] == negatives
    filled = {(s, p, k) for s, p, k in by_slot}
    assert result.counts["missing_intervals"] == 8 * len(points) - len(filled)
    assert result.counts["outside_period"] == sum(not 0 <= k < 8 for _, _, k, _ in rows)


def test_a_duplicate_hiding_a_gap_is_found(tmp_path) -> None:
    # four readings for four intervals: the count alone would pass; 00:15 is missing, 00:00 twice
    rows = [("A", 1, stamp(0), 2), ("A", 1, stamp(0), 1), ("A", 1, stamp(2), 1),
            ("A", 1, stamp(3), 1)]  # fmt: skip
    _, parquet = stored(tmp_path, rows)
    result = totals(parquet)
    assert sorted(f.kind for f in result.findings) == ["duplicate", "gap"]
    assert result.totals[("A", "1")].value == 3
    gap = next(f for f in result.findings if f.kind == "gap")
    assert gap.start == START + dt.timedelta(minutes=15)


def test_an_off_grid_reading_in_place_of_one_on_it_is_found(tmp_path) -> None:
    rows = [("A", 1, stamp(0), 1), ("A", 1, stamp(1), 1), ("A", 1, "2025-04-01 00:31:00", 1),
            ("A", 1, stamp(3), 1)]  # fmt: skip
    result = totals(stored(tmp_path, rows)[1])
    assert sorted(f.kind for f in result.findings) == ["gap", "misaligned"]
    assert result.totals[("A", "1")].value == 3 and result.counts["misaligned"] == 1


def test_zero_is_not_negative_and_a_point_with_no_reading_in_the_period(tmp_path) -> None:
    _, parquet = stored(
        tmp_path, [("A", 1, stamp(k), 0) for k in range(4)] + [("B", 1, stamp(9), 1)]
    )
    result = totals(parquet)
    assert [(f.kind, f.site) for f in result.findings] == [
        ("outside_period", "B"),
        ("missing_period", "B"),
    ]
    assert result.totals == {
        ("A", "1"): Quantity(Decimal(0), "kWh"),
        ("B", "1"): Quantity(Decimal(0), "kWh"),
    }


def test_parquet_with_naive_times_is_read_as_jst(tmp_path) -> None:
    # written by another tool, without a time zone: the times are Japan time, as in the CSV
    parquet = tmp_path / "naive.parquet"
    con = meter.connect()
    con.execute(
        f"""COPY (SELECT 'A' AS site, '1' AS point,
                  TIMESTAMP '2025-04-01 00:00:00' + to_minutes(15 * k) AS timestamp,
                  1::DECIMAL(18, 6) AS value FROM range(3) t(k))
            TO '{parquet}' (FORMAT parquet)"""
    )
    con.close()
    result = totals(parquet)
    assert result.totals[("A", "1")].value == 3
    gap = [f for f in result.findings if f.kind == "gap"]
    assert len(gap) == 1 and gap[0].start == START + dt.timedelta(minutes=45)


def test_stored_with_delta_encoded_times(tmp_path) -> None:
    # the layout: the time as BIGINT microseconds since the epoch; version 2 pages: the sorted
    # times are stored as deltas, a few bits a row, not 8 bytes
    _, parquet = stored(tmp_path, [("A", 1, stamp(k), 1) for k in range(4)])
    con = meter.connect()
    columns = con.execute(
        "SELECT name, type FROM parquet_schema(?) WHERE name <> 'duckdb_schema'", [str(parquet)]
    ).fetchall()
    encodings = con.execute(
        "SELECT encodings FROM parquet_metadata(?) WHERE path_in_schema = 'epoch_us'",
        [str(parquet)],
    ).fetchall()
    times = con.execute("SELECT epoch_us FROM read_parquet(?)", [str(parquet)]).fetchall()
    con.close()
    assert [name for name, _t in columns] == list(meter.LAYOUT)
    assert dict(columns)["epoch_us"] == "INT64"
    assert times == [
        (int((START + dt.timedelta(minutes=15 * k)).timestamp()) * 10**6,) for k in range(4)
    ]
    assert encodings and all("DELTA_BINARY_PACKED" in e for (e,) in encodings)


def test_a_sub_second_time_is_kept_exact(tmp_path) -> None:
    # microseconds: a reading 0.5 s off the grid is off the grid, not rounded onto it
    rows = [("A", 1, stamp(k), 1) for k in range(4)] + [("A", 1, stamp(1) + ".5", 9)]
    _, parquet = stored(tmp_path, rows)
    result = totals(parquet)
    assert result.totals[("A", "1")].value == 4 and result.counts["misaligned"] == 1


N = 2048  # intervals a site: DuckDB writes row groups of whole 2,048-row vectors


@pytest.fixture(params=["epoch_us", "timestamp"])
def layout(request):
    """The stored layout (``epoch_us``), and the earlier one (a ``timestamp`` column), which
    datasets stored before still have: each is read to the same result."""
    return request.param


def many_row_groups(tmp_path, faults, layout="epoch_us"):
    """Ten sites × N intervals, 2 × N rows a row group (so two sites a group, A-B, C-D, …), with
    ``faults``: {site: {interval: [values read in it]}}; every other interval is read once, 1.
    ``layout``: the time stored as ``epoch_us`` (BIGINT) or, as before, ``timestamp``."""
    parquet = tmp_path / "groups.parquet"
    con = meter.connect()
    time = f"TIMESTAMPTZ '{START.isoformat()}' + to_minutes(15 * k)"
    time = f"epoch_us({time})" if layout == "epoch_us" else time
    con.execute("CREATE TABLE t (site VARCHAR, point VARCHAR, k INT, value DECIMAL(18, 6))")
    con.execute(f"INSERT INTO t SELECT s, '1', k, 1 FROM unnest(?) a(s), range({N}) b(k)",
                [list("ABCDEFGHIJ")])  # fmt: skip
    for site, slots in faults.items():
        for k, values in slots.items():
            con.execute("DELETE FROM t WHERE site = ? AND k = ?", [site, k])
            for v in values:
                con.execute("INSERT INTO t VALUES (?, '1', ?, ?)", [site, k, v])
    con.execute(
        f"""COPY (SELECT site, point, {time} AS {layout}, value FROM t ORDER BY site, point, k)
            TO '{parquet}' ({meter.PARQUET_OPTIONS}, ROW_GROUP_SIZE {2 * N})"""
    )
    groups = con.execute(
        "SELECT stats_min_value, stats_max_value FROM parquet_metadata(?) "
        "WHERE path_in_schema = 'site' ORDER BY row_group_id",
        [str(parquet)],
    ).fetchall()
    con.close()
    assert groups == [("A", "B"), ("C", "D"), ("E", "F"), ("G", "H"), ("I", "J")]
    return parquet


def test_values_bounds_from_row_groups_name_only_the_faulty_point(tmp_path, layout) -> None:
    # a negative in C and an implausible value in H: their row groups (C with D, G with H) are
    # read again, and D's and G's readings, all valid, stay as they are
    parquet = many_row_groups(
        tmp_path,
        {"C": {3: [-1]}, "H": {0: [50]}, "E": {0: [1, 2], N - 1: []}},  # E: 00:00 twice, last gone
        layout,
    )
    result = totals(parquet, hours=N // 4, maximum=Decimal(10))
    assert sorted((f.kind, f.site) for f in result.findings) == [
        ("duplicate", "E"),
        ("gap", "E"),
        ("implausible", "H"),
        ("negative", "C"),
    ]
    expected = dict.fromkeys("ABCDEFGHIJ", N) | {"C": N - 1, "E": N - 1, "H": N - 1}
    assert {k[0]: q.value for k, q in result.totals.items()} == expected
    c = result.counts
    assert (c["negative"], c["implausible"], c["duplicates"], c["missing_intervals"]) == (
        1,
        1,
        1,
        1,
    )


def test_points_read_again_for_their_values_with_bounds_of_their_own(tmp_path) -> None:
    # the row group C-D is read again for its values alone (times clean, calibrated); only the
    # readings that are negative or above the smaller bound (C's 2) are aggregated: C's 3 is
    # above its own bound, D's -1 is negative; E-F's readings are all 1, below both bounds, so
    # E and F come back from that pass with nothing and keep the screen's totals
    parquet = many_row_groups(tmp_path, {"C": {3: [3]}, "D": {2: [-1]}, "F": {0: [-2]}})
    bounds = {("C", "1"): Decimal(2), ("D", "1"): Decimal(5), ("E", "1"): Decimal("0.5")}
    result = totals(parquet, hours=N // 4, maximum=bounds)
    assert sorted((f.kind, f.site) for f in result.findings) == [
        ("implausible", "C"),
        ("implausible", "E"),
        ("negative", "D"),
        ("negative", "F"),
    ]
    values = {k[0]: q.value for k, q in result.totals.items()}
    assert values == dict.fromkeys("ABCDEFGHIJ", N) | {"C": N - 1, "D": N - 1, "E": 0, "F": N - 1}
    assert (result.counts["negative"], result.counts["implausible"]) == (2, 1 + N)


def test_without_row_group_statistics_the_values_bounds_are_read(
    tmp_path, monkeypatch, layout
) -> None:
    parquet = many_row_groups(tmp_path, {"C": {3: [-1]}}, layout)
    with_stats = totals(parquet, hours=N // 4, maximum=Decimal(10))
    monkeypatch.setattr(meter, "_value_bounds", lambda rows: None)
    without = totals(parquet, hours=N // 4, maximum=Decimal(10))
    assert [(f.kind, f.site) for f in without.findings] == [("negative", "C")]
    assert without.totals == with_stats.totals and without.counts == with_stats.counts


def test_row_group_statistics_that_cannot_be_used() -> None:
    ok = (16, 0, 1, "A", "B", True, "0.000000", "9.000000")
    assert meter._value_bounds([ok]) == [("A", "B", Decimal(0), Decimal(9))]
    for bad in (
        (16, 0, 1, None, "B", True, "0", "9"),  # no site statistics
        (16, 0, 1, "A", "B", False, "0", "9"),  # the sites' truncated: not exact bounds
        (16, 0, 1, "A", "B", True, None, "9"),  # no value statistics
        (16, 0, 1, "A", "B", True, "0", "nan"),
    ):
        assert meter._value_bounds([ok, bad]) is None
    keys = [("A", "1"), ("B", "1"), ("B", "2"), ("C", "1")]
    groups = [("A", "B", Decimal(0), Decimal(5)), ("B", "C", Decimal(-1), Decimal(5))]
    assert meter._suspect(keys, groups, None) == {("B", "1"), ("B", "2"), ("C", "1")}
    assert meter._suspect(keys, groups[:1], {("B", "2"): Decimal(4)}) == {("B", "2")}


HOURS = 72  # a period of three days of hourly readings
POINT = st.fixed_dictionaries(
    {
        "values": st.lists(
            st.decimals(min_value=0, max_value=10, places=2, allow_nan=False),
            min_size=HOURS,
            max_size=HOURS,
        ),
        "negative": st.sets(st.integers(min_value=0, max_value=HOURS - 1), max_size=2),
        "high": st.sets(st.integers(min_value=0, max_value=HOURS - 1), max_size=2),
        "dropped": st.sets(st.integers(min_value=0, max_value=HOURS - 1), max_size=3),
        "again": st.dictionaries(
            st.integers(min_value=0, max_value=HOURS - 1),
            st.decimals(min_value=-1, max_value=12, places=2, allow_nan=False),
            max_size=3,
        ),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(points=st.lists(POINT, min_size=1, max_size=4))
@example(  # every path at least once: clean; a negative alone; above the bound; calibrated late
    points=[
        {"values": [Decimal(1)] * HOURS, "negative": set(), "high": set(), "dropped": set(),
         "again": {}},
        {"values": [Decimal(2)] * HOURS, "negative": {3}, "high": set(), "dropped": set(),
         "again": {}},
        {"values": [Decimal(3)] * HOURS, "negative": set(), "high": {5}, "dropped": set(),
         "again": {7: Decimal(1)}},
        {"values": [Decimal(4)] * HOURS, "negative": {1}, "high": set(), "dropped": {9},
         "again": {}},
    ]
)  # fmt: skip
def test_whole_points_with_bounds_and_calibration_equal_a_plain_python_reckoning(
    tmp_path, points
) -> None:
    """Points read at (nearly) every interval, each faulty or not: values above the bound or
    negative (read again for their values alone when their times are clean), an interval
    dropped or read twice, a meter calibrated from the second day only (discounted 25 %)."""
    cap = Decimal(10)
    rows, expected = [], {}
    negatives = implausible = duplicates = missing = 0
    first_day = START.date()
    meters = {}
    for i, p in enumerate(points):
        site = f"S{i}"
        late = i % 2 == 1  # calibrated from the second day: the first day's intervals discounted
        meters[(site, "1")] = MeterInfo(
            f"M-{i}", first_day + dt.timedelta(days=1 if late else -1), dt.date(2026, 1, 1)
        )
        total = Decimal(0)
        for k in range(HOURS):
            value = -p["values"][k] - 1 if k in p["negative"] else p["values"][k]
            value = value + cap if k in p["high"] else value
            read = [] if k in p["dropped"] else [value]
            if k in p["again"]:
                read.append(p["again"][k])
            rows += [(site, 1, (START + dt.timedelta(hours=k)).isoformat(), v) for v in read]
            negatives += sum(v < 0 for v in read)
            implausible += sum(v > cap for v in read)
            duplicates += max(0, len(read) - 1)
            missing += not read
            valid = [v for v in read if 0 <= v <= cap]
            if valid:
                total += min(valid) * (Decimal("0.75") if late and k < 24 else 1)
        expected[(site, "1")] = total
    _, parquet = stored(tmp_path, rows)
    result = meter.period_totals(
        parquet,
        start=START,
        end=START + dt.timedelta(hours=HOURS),
        interval_minutes=60,
        meters=meters,
        maximum=cap,
        treatments={"calibration_expired": "discount:25"},
    )
    assert {k: q.value for k, q in result.totals.items()} == expected
    c = result.counts
    assert (c["negative"], c["implausible"], c["duplicates"], c["missing_intervals"]) == (
        negatives,
        implausible,
        duplicates,
        missing,
    )


def test_readings_sql_gives_one_shape_for_either_layout(tmp_path, layout) -> None:
    parquet = many_row_groups(tmp_path, {}, layout)
    con = meter.connect()
    first = con.execute(
        f"SELECT site, point, epoch_us, value FROM {meter.readings_sql(con, parquet)} "
        "ORDER BY site, epoch_us LIMIT 2"
    ).fetchall()
    con.close()
    start = int(START.timestamp()) * 10**6
    assert first == [("A", "1", start, Decimal(1)), ("A", "1", start + 900 * 10**6, Decimal(1))]


def test_a_file_without_a_time_column_is_refused(tmp_path) -> None:
    parquet = tmp_path / "odd.parquet"
    con = meter.connect()
    con.execute(
        f"COPY (SELECT 'A' AS site, '1' AS point, 1 AS value) TO '{parquet}' (FORMAT parquet)"
    )
    con.close()
    with pytest.raises(MrvError, match="no time column") as exc:
        totals(parquet)
    assert exc.value.code == "bad_file"


def test_overlaps_are_the_times_in_more_than_one_span() -> None:
    assert meter._overlaps([(0, 9)]) == []
    assert meter._overlaps([(0, 9), (9, 20)]) == [(9, 9)]
    assert meter._overlaps([(5, 6), (0, 9), (8, 12), (30, 31)]) == [(5, 6), (8, 9)]
    assert meter._overlaps([(0, 100), (10, 20), (15, 30)]) == [(10, 30)]


UNORDERED = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.integers(min_value=-1, max_value=8),  # the slot; -1 and 8 are outside the period
        st.decimals(min_value=-2, max_value=20, places=2, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=UNORDERED, order=st.randoms(use_true_random=False), limit=st.sampled_from([0, 4096]))
@example(  # a repeat in a run of its own, in file order: run spans overlap without a repeat
    rows=[("A", 0, Decimal(1)), ("A", 5, Decimal(2)), ("A", 3, Decimal(3)), ("A", 3, Decimal(4)),
          ("A", 2, Decimal(5)), ("A", 1, Decimal(6)), ("A", 2, Decimal(7))],
    order=None, limit=4096,
)  # fmt: skip
def test_repeats_in_a_file_in_any_order_equal_a_plain_python_reckoning(
    tmp_path, monkeypatch, rows, order, limit
) -> None:
    """Another tool's file, its readings in any order (store_interval sorts; this file is not):
    each interval counts once with its smallest valid value, whichever way the repeats are found
    (runs of consecutive rows, or every reading grouped by its interval: ``limit`` 0)."""
    monkeypatch.setattr(meter, "_REPEATED_MAX", limit)
    rows = list(rows)
    if order is not None:
        order.shuffle(rows)
    parquet = tmp_path / "any-order.parquet"
    con = meter.connect()
    con.execute(
        "CREATE TABLE t (site VARCHAR, point VARCHAR, epoch_us BIGINT, value DECIMAL(18, 6))"
    )
    s_us = int(START.timestamp()) * 1_000_000
    con.executemany(
        "INSERT INTO t VALUES (?, '1', ?, ?)",
        [(s, s_us + k * 900_000_000, v) for s, k, v in rows],
    )
    con.execute(f"COPY t TO '{parquet}' (FORMAT parquet, ROW_GROUP_SIZE 7)")
    con.close()
    cap = Decimal(10)
    meters = {  # B's meter calibrated from the next day only: its intervals discounted 50 %
        ("A", "1"): MeterInfo("M-A", START.date(), dt.date(2026, 1, 1)),
        ("B", "1"): MeterInfo("M-B", START.date() + dt.timedelta(days=1), dt.date(2026, 1, 1)),
    }
    result = totals(
        parquet, hours=2, maximum=cap, meters=meters,
        treatments={"calibration_expired": "discount:50"},
    )  # fmt: skip
    by_slot: dict = defaultdict(list)
    for s, k, v in rows:
        if 0 <= k < 8:
            by_slot[(s, k)].append(v)
    expected: dict = defaultdict(Decimal)
    duplicates = 0
    for (s, _k), values in by_slot.items():
        duplicates += len(values) - 1
        valid = [v for v in values if 0 <= v <= cap]
        expected[s] += (min(valid) if valid else Decimal(0)) * (Decimal("0.5") if s == "B" else 1)
    assert {k[0]: q.value for k, q in result.totals.items()} == {s: expected[s] for s in "AB"}
    assert result.counts["duplicates"] == duplicates
    assert result.counts["missing_intervals"] == sum(
        8 - len({k for s2, k in by_slot if s2 == s}) for s in "AB"
    )


@pytest.mark.parametrize("layout", ["sorted", "reversed", "double"])
def test_an_off_grid_reading_is_misaligned_whatever_its_value(tmp_path, layout) -> None:
    # stored sorted (the reading off the grid takes a row number amid the others: a run with a
    # hole, recounted with a bitmap), in reverse (runs of one reading each) or with the values as
    # floating point (not exact decimals: a bitmap): a negative reading off the grid is left out
    # once, as misaligned, not also as negative
    rows = [("A", 1, stamp(0), 1), ("A", 1, "2025-04-01 00:31:00", -1), ("A", 1, stamp(1), 2),
            ("A", 1, stamp(1), 1), ("A", 1, stamp(3), 1)]  # fmt: skip
    _, parquet = stored(tmp_path, rows)
    if layout != "sorted":
        value, order = ("value::DOUBLE", "") if layout == "double" else ("value", " DESC")
        con = meter.connect()
        con.execute(
            f"COPY (SELECT site, point, epoch_us, {value} AS value FROM read_parquet('{parquet}') "
            f"ORDER BY epoch_us{order}) TO '{tmp_path / 'other.parquet'}' (FORMAT parquet)"
        )
        con.close()
        parquet = tmp_path / "other.parquet"
    result = totals(parquet)
    c = result.counts
    assert (c["misaligned"], c["negative"], c["duplicates"], c["missing_intervals"]) == (1, 0, 1, 1)
    assert result.totals[("A", "1")].value == 3
