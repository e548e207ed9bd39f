"""period_totals attacked: files in any order and layout, repeats across runs, per-point bounds
and calibration, the runs' and repeats' fallbacks forced; each compared with a plain-Python
reckoning of the rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renkei.mrv import meter
from renkei.mrv.quality import MeterInfo
from renkei.mrv.types import MrvError

JST = dt.timezone(dt.timedelta(hours=9))
US = 1_000_000
RUNS_MAX, REPEATED_MAX = meter._RUNS_MAX, meter._REPEATED_MAX  # (before any monkeypatch)

# per interval: a start such that the period crosses midnight (calibration windows are days)
STARTS = {
    15: dt.datetime(2025, 3, 31, 23, 0, tzinfo=JST),  # midnight at slot 4
    60: dt.datetime(2025, 3, 31, 20, 0, tzinfo=JST),  # midnight at slot 4
    1440: dt.datetime(2025, 3, 29, 0, 0, tzinfo=JST),  # midnight at every slot
}
CALIBRATIONS = {
    "none": None,  # no meter given: calibrated throughout
    "all": (dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
    "from_0401": (dt.date(2025, 4, 1), dt.date(2026, 1, 1)),
    "until_0331": (dt.date(2024, 1, 1), dt.date(2025, 3, 31)),
    "until_0330": (dt.date(2024, 1, 1), dt.date(2025, 3, 30)),
    "undated": (None, None),  # no calibration at all
}


def us(t: dt.datetime) -> int:
    return (t - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def write(path, rows, *, layout="epoch_us", value_type="DECIMAL(18, 6)", row_group=None):
    """``rows``: (site, point, epoch_us, value) written in the given order."""
    con = meter.connect()
    try:
        con.execute(
            f"CREATE TABLE t (i BIGINT, site VARCHAR, point VARCHAR, e BIGINT, value {value_type})"
        )
        if rows:
            con.executemany(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                [(i, s, p, e, v) for i, (s, p, e, v) in enumerate(rows)],
            )
        time = {
            "epoch_us": "e AS epoch_us",
            "timestamptz": "make_timestamptz(e) AS timestamp",
            "naive": "make_timestamptz(e)::TIMESTAMP AS timestamp",
        }[layout]
        size = f", ROW_GROUP_SIZE {row_group}" if row_group else ""
        con.execute(
            f"COPY (SELECT site, point, {time}, value FROM t ORDER BY i) TO '{path}' "
            f"(FORMAT parquet{size})"
        )
    finally:
        con.close()
    return path


def reckon(rows, *, s_us, step, slots, meters, maximum, factor):
    """The rules, plainly: per (site, point) the total, the counts and the missing slots."""
    keys = {(s, p) for s, p, _, _ in rows} | set(meters)
    counts = Counter()
    by_slot: dict = defaultdict(list)
    for s, p, e, v in rows:
        if not s_us <= e < s_us + slots * step:
            counts["outside_period"] += 1
            continue
        counts["in_period"] += 1
        d = e - s_us
        if d % step:
            counts["misaligned"] += 1
            continue
        by_slot[(s, p, d // step)].append(v)
    totals, missing = {}, {}
    for key in sorted(keys):
        cap = maximum.get(key) if isinstance(maximum, dict) else maximum
        info = meters.get(key)
        if info is None:
            lo, hi = -(10**18), 10**18
        elif info.calibrated_on is None:
            lo, hi = 1, 0
        else:
            lo = us(dt.datetime.combine(info.calibrated_on, dt.time(), JST))
            hi = us(dt.datetime.combine(info.calibration_valid_until, dt.time(), JST)) + 86400 * US
        total, gaps = Decimal(0), []
        for k in range(slots):
            values = by_slot.get((*key, k), [])
            if not values:
                gaps.append(k)
                continue
            counts["duplicates"] += len(values) - 1
            counts["negative"] += sum(v < 0 for v in values)
            counts["implausible"] += sum(v >= 0 and cap is not None and v > cap for v in values)
            valid = [v for v in values if v >= 0 and (cap is None or v <= cap)]
            if not valid:
                continue
            t = s_us + k * step
            if lo <= t and t + step <= hi:
                total += Decimal(min(valid))
            else:
                counts["calibration_expired"] += 1
                total += Decimal(min(valid)) * factor
        totals[key] = total
        missing[key] = gaps
        counts["missing_intervals"] += len(gaps)
    counts["points"] = len(keys)
    counts["rows"] = counts["in_period"] + counts["outside_period"]
    return totals, counts, missing


def check(parquet, rows, *, start, interval, slots, meters=None, maximum=None, treatment=None):
    meters = meters or {}
    step = interval * 60 * US
    factor = Decimal(0)
    treatments = {}
    if treatment is not None:
        treatments = {"calibration_expired": f"discount:{treatment}"}
        factor = 1 - Decimal(treatment) / 100
    result = meter.period_totals(
        parquet,
        start=start,
        end=start + dt.timedelta(minutes=interval * slots),
        interval_minutes=interval,
        meters=meters,
        maximum=maximum,
        treatments=treatments,
    )
    totals, counts, missing = reckon(
        rows, s_us=us(start), step=step, slots=slots, meters=meters, maximum=maximum,
        factor=factor,
    )  # fmt: skip
    assert {k: q.value for k, q in result.totals.items()} == totals
    got = {k: v for k, v in result.counts.items() if v}
    assert got == {k: v for k, v in counts.items() if v}
    # the gaps named: each point lacking some intervals has one finding starting at its first
    gaps = {
        (f.site, f.point): f.start for f in result.findings if f.kind in ("gap", "missing_period")
    }
    expected = {
        key: start + dt.timedelta(minutes=interval * ks[0]) for key, ks in missing.items() if ks
    }
    assert gaps == expected
    return result


SITES = ["A", "B", "C"]
POINTS = ["1", "2"]


@st.composite
def scenario(draw):
    interval = draw(st.sampled_from([15, 60, 1440]))
    slots = 6 if interval == 1440 else 8
    start = STARTS[interval]
    s_us, step = us(start), interval * 60 * US
    value_type = draw(
        st.sampled_from(["DECIMAL(18, 6)", "DECIMAL(18, 6)", "INTEGER", "BIGINT", "DOUBLE"])
    )
    if value_type == "DECIMAL(18, 6)":
        values = st.decimals(min_value=-3, max_value=20, places=2, allow_nan=False)
    elif value_type == "DOUBLE":  # quarters: every sum of them exact in a double
        values = st.integers(min_value=-12, max_value=80).map(lambda n: Decimal(n) / 4)
    else:
        values = st.integers(min_value=-3, max_value=20).map(Decimal)
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(SITES), st.sampled_from(POINTS)),
            min_size=1, max_size=4, unique=True,
        )
    )  # fmt: skip
    # mostly whole points with faults: each slot read 0..3 times, a few off the grid or outside
    shape = draw(st.sampled_from(["noisy", "chunks", "chunks", "repeats"]))
    # readings off the grid amid gaps merge runs with holes (the bitmap recount): mostly none
    offsets = [0] * 8 + (
        [1, 60 * US, step // 2] if shape == "noisy" and draw(st.booleans()) else [0]
    )
    per_key = {}
    for key in keys:
        rows = per_key[key] = []
        if shape == "chunks":
            # the point's series written as runs of consecutive intervals, one after another
            # (a day re-read and appended, say): repeats where two chunks overlap
            for a, b in draw(
                st.lists(st.tuples(st.integers(-1, slots), st.integers(0, slots)), min_size=1,
                         max_size=4)
            ):  # fmt: skip
                rows += [(*key, s_us + k * step, draw(values)) for k in range(a, max(a, b) + 1)]
            continue
        dense = shape == "repeats" or draw(st.booleans())
        for k in range(-1, slots + 1):
            if k < 0 or k >= slots:
                n = draw(st.integers(0, 1))
            elif shape == "repeats":
                n = draw(st.sampled_from([1, 1, 1, 2, 3]))
            elif dense:
                n = draw(st.sampled_from([1, 1, 1, 1, 0, 2, 3]))
            else:
                n = draw(st.integers(0, 3))
            for _ in range(n):
                off = draw(st.sampled_from(offsets))
                rows.append((*key, s_us + k * step + off, draw(values)))
    if shape == "noisy":
        rows = [row for key in keys for row in per_key[key]]
        extra = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(keys), st.integers(-1, slots), st.sampled_from(offsets),
                    values,
                ),
                max_size=6,
            )
        )  # fmt: skip
        rows += [(*key, s_us + k * step + off, v) for key, k, off, v in extra]
        order = draw(st.sampled_from(["sorted", "sorted", "by_time", "reversed", "shuffled"]))
        if order == "sorted":
            rows.sort(key=lambda r: (r[0], r[1], r[2]))
        elif order == "by_time":
            rows.sort(key=lambda r: r[2])
        elif order == "reversed":
            rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
        else:
            rows = draw(st.permutations(rows))
    elif draw(st.booleans()):  # the points one after another, as stored (by site and point)
        rows = [row for key in sorted(keys) for row in per_key[key]]
    else:  # the points' readings interleaved, each point's in its own order
        rows, queues = [], {key: list(per_key[key]) for key in keys}
        for turn in draw(st.permutations([key for key in keys for _ in per_key[key]])):
            rows.append(queues[turn].pop(0))
    meters = {}
    for key in set(keys) | set(
        draw(st.lists(st.sampled_from([("D", "1"), ("A", "3")]), max_size=1))
    ):
        name = draw(st.sampled_from(sorted(CALIBRATIONS)))
        if CALIBRATIONS[name] is not None:
            meters[key] = MeterInfo(f"M-{key}", *CALIBRATIONS[name])
    cap_kind = draw(st.sampled_from(["none", "one", "each"]))
    caps = st.sampled_from([Decimal(5), Decimal(10), Decimal("12.5"), Decimal(0)])
    if cap_kind == "none":
        maximum = None
    elif cap_kind == "one":
        maximum = draw(caps)
    else:
        maximum = {key: draw(caps) for key in keys if draw(st.booleans())}
    return dict(
        interval=interval, slots=slots, start=start, rows=rows, value_type=value_type,
        layout=draw(st.sampled_from(["epoch_us", "epoch_us", "timestamptz", "naive"])),
        row_group=draw(st.sampled_from([None, 1, 2, 3, 5, 8])),
        meters=meters, maximum=maximum,
        treatment=draw(st.sampled_from([None, 0, 25, 50, 100])),
        runs_max=draw(st.sampled_from([RUNS_MAX, RUNS_MAX, 0, 1, 3])),
        repeated_max=draw(st.sampled_from([REPEATED_MAX, REPEATED_MAX, 0, 1, 2])),
    )  # fmt: skip


@settings(
    max_examples=int(__import__("os").environ.get("ATTACK_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sc=scenario())
def test_any_file_equals_a_plain_python_reckoning(tmp_path, monkeypatch, sc) -> None:
    monkeypatch.setattr(meter, "_RUNS_MAX", sc["runs_max"])
    monkeypatch.setattr(meter, "_REPEATED_MAX", sc["repeated_max"])
    parquet = write(
        tmp_path / "m.parquet", sc["rows"], layout=sc["layout"], value_type=sc["value_type"],
        row_group=sc["row_group"],
    )  # fmt: skip
    check(
        parquet, sc["rows"], start=sc["start"], interval=sc["interval"], slots=sc["slots"],
        meters=sc["meters"], maximum=sc["maximum"], treatment=sc["treatment"],
    )  # fmt: skip


# A period of eight hourly intervals across midnight (20:00 to 04:00): a meter calibrated from
# 1 April is uncalibrated for the first four.
H_START = STARTS[60]
H = 3600 * US


def hourly(site, point, slots, values):
    return [
        (site, point, us(H_START) + k * H, Decimal(v)) for k, v in zip(slots, values, strict=True)
    ]


APPENDED = (
    # A/1: three runs written one after another (a day re-read and appended twice), with a
    # reading before the period and one after: intervals 2 and 5 read twice, 3 and 4 three times
    hourly("A", "1", range(-1, 6), ["9", "1", "2", "3", "-1", "4", "11"])
    + hourly("A", "1", range(2, 9), ["2.5", "0.5", "20", "6", "7", "8", "9"])
    + hourly("A", "1", range(3, 5), ["0.25", "-2"])
    # A/2 (its own bound, 5): interval 6 missing; interval 2 read twice, neither valid
    + hourly("A", "2", [0, 1, 2, 3, 4, 5], ["1", "1", "6", "1", "1", "1"])
    + hourly("A", "2", [7], ["1"])
    + hourly("A", "2", [2], ["-1"])
    # B/1 clean; B/2 with a reading off the grid after its last
    + hourly("B", "1", range(8), ["1"] * 8)
    + hourly("B", "2", range(8), ["2"] * 8)
    + [("B", "2", us(H_START) + 7 * H + 30 * 60 * US, Decimal(1))]
)
EXPECTED_TOTALS = {
    # uncalibrated 1 + 2 + 2.5 + 0.25, halved; calibrated 4 + 6 + 7 + 8
    ("A", "1"): Decimal("27.875"),
    ("A", "2"): Decimal(6),
    ("B", "1"): Decimal(8),
    ("B", "2"): Decimal(16),
}
EXPECTED_COUNTS = {
    "rows": 41, "in_period": 39, "outside_period": 2, "misaligned": 1, "duplicates": 7,
    "negative": 3, "implausible": 3, "missing_intervals": 1, "calibration_expired": 4,
    "points": 4,
}  # fmt: skip


@pytest.mark.parametrize("order", ["appended", "stored"])
@pytest.mark.parametrize("layout", ["epoch_us", "timestamptz", "naive"])
@pytest.mark.parametrize(
    "limits", [(RUNS_MAX, REPEATED_MAX), (RUNS_MAX, 0), (0, REPEATED_MAX), (2, 1)]
)
def test_repeats_across_runs_with_invalid_copies_bounds_and_calibration(
    tmp_path, monkeypatch, order, layout, limits
) -> None:
    """Repeats spanning several runs (three copies of an interval), a copy negative or above
    the bound and another valid, every copy invalid, repeats in uncalibrated intervals
    discounted, points of one site with their own bounds and calibration (the numbered join),
    readings outside the period between the runs; in the order appended or as stored (sorted:
    A/2's gap after its repeat gives a run with holes, the bitmap recount), with the runs' and
    the repeats' fallbacks forced."""
    monkeypatch.setattr(meter, "_RUNS_MAX", limits[0])
    monkeypatch.setattr(meter, "_REPEATED_MAX", limits[1])
    runs = []
    real = meter._Query._runs
    monkeypatch.setattr(
        meter._Query, "_runs", lambda self, d: runs.append(real(self, d)) or runs[-1]
    )
    rows = list(APPENDED)
    if order == "stored":
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
    parquet = write(tmp_path / "m.parquet", rows, layout=layout, row_group=3)
    meters = {("A", "1"): MeterInfo("M-1", dt.date(2025, 4, 1), dt.date(2026, 1, 1))}
    maximum = {("A", "1"): Decimal(10), ("A", "2"): Decimal(5)}
    result = check(
        parquet, rows, start=H_START, interval=60, slots=8, meters=meters, maximum=maximum,
        treatment=50,
    )  # fmt: skip
    assert {k: q.value for k, q in result.totals.items()} == EXPECTED_TOTALS
    assert result.counts == EXPECTED_COUNTS
    kinds = Counter((f.kind, f.site, f.point) for f in result.findings)
    assert kinds == Counter(
        [("outside_period", "A", "1"), ("negative", "A", "1"), ("implausible", "A", "1"),
         ("duplicate", "A", "1"), ("calibration_expired", "A", "1"), ("negative", "A", "2"),
         ("implausible", "A", "2"), ("duplicate", "A", "2"), ("gap", "A", "2"),
         ("misaligned", "B", "2")]
    )  # fmt: skip
    gap = next(f for f in result.findings if f.kind == "gap")
    assert "[2025-04-01T02:00:00+09:00, 2025-04-01T03:00:00+09:00)" in gap.message
    if limits[0] == RUNS_MAX:  # the runs' recount taken where every run is whole
        assert (runs[0] is not None) == (order == "appended")


def xor_free_intervals(start, step, slots):
    """An even number of the period's intervals whose times' DuckDB hashes XOR to zero (found by
    Gaussian elimination over GF(2): any 66 64-bit hashes have such a subset)."""
    con = meter.connect()
    try:
        hashes = [
            con.execute(f"SELECT hash({us(start) + k * step}::BIGINT)").fetchone()[0]
            for k in range(slots)
        ]
    finally:
        con.close()
    basis: dict[int, tuple[int, frozenset]] = {}
    for k, h in enumerate(hashes):
        vector, used = h | 1 << 64, frozenset([k])  # bit 64: the parity of the subset's size
        while vector:
            top = vector.bit_length() - 1
            if top not in basis:
                basis[top] = (vector, used)
                break
            vector, used = vector ^ basis[top][0], used ^ basis[top][1]
        else:
            return sorted(used)
    raise AssertionError("no dependent subset")  # pragma: no cover


def test_a_chosen_set_of_gaps_and_triplicates_does_not_pass_the_screen(tmp_path) -> None:
    """An attack on the screen as it was (count + XOR of 64-bit time hashes, linear over GF(2)):
    intervals dropped whose hashes XOR to zero, as many others read three times to keep the
    count, passed it as clean and inflated the total. The screen now tests the times exactly
    (one run of readings evenly spaced in file order), so this is recounted and found."""
    start, step, slots = STARTS[15], 15 * 60 * US, 96
    dropped = xor_free_intervals(start, step, slots)
    assert dropped and len(dropped) % 2 == 0
    kept = [k for k in range(slots) if k not in dropped]
    tripled = kept[: len(dropped) // 2]
    rows = [("A", "1", us(start) + k * step, Decimal(1)) for k in kept]
    rows += [("A", "1", us(start) + k * step, Decimal(5)) for k in tripled for _ in range(2)]
    rows.sort(key=lambda r: r[2])
    parquet = write(tmp_path / "m.parquet", rows)
    assert len(rows) == slots
    # every interval kept counts once, at its smallest value (1); the dropped ones are gaps
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(days=1), interval_minutes=15
    )
    assert result.totals[("A", "1")].value == len(kept)  # not len(kept) + 10 × len(tripled)
    assert (result.counts["duplicates"], result.counts["missing_intervals"]) == (
        len(dropped),
        len(dropped),
    )


@pytest.mark.parametrize("how", ["double", "runs_max_0"])
def test_a_point_read_only_off_the_grid_has_its_missing_range_named(
    tmp_path, monkeypatch, how
) -> None:
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    rows = [("A", "1", us(start) + 60 * US, 1), ("A", "1", us(start) + 20 * 60 * US, 2)]
    # B, read on the grid with a gap, is recounted too: its floating-point values (DOUBLE)
    # send every point to the bitmap recount, as does a limit of no runs
    rows += [("B", "1", us(start) + k * 15 * 60 * US, 1) for k in (0, 1, 3)]
    if how == "runs_max_0":
        monkeypatch.setattr(meter, "_RUNS_MAX", 0)
    value_type = "DOUBLE" if how == "double" else "DECIMAL(18, 6)"
    parquet = write(tmp_path / "m.parquet", rows, value_type=value_type)
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
    )
    assert {k: q.value for k, q in result.totals.items()} == {("A", "1"): 0, ("B", "1"): 3}
    assert (result.counts["misaligned"], result.counts["missing_intervals"]) == (2, 4 + 1)
    (gap,) = [f for f in result.findings if f.kind == "missing_period"]
    assert gap.start == start  # as the runs' recount gives it, and a point with no reading
    assert "[2025-04-01T00:00:00+09:00, 2025-04-01T01:00:00+09:00)" in gap.message


def nanosecond_file(path, extra):
    """Another tool's file with its times in nanoseconds (pandas writes datetime64[ns] so):
    DuckDB reads the column as TIMESTAMP_NS. Four readings 00:00-00:45, valued 1 to 4, and
    ``extra`` (time as text, value)."""
    rows = " UNION ALL ".join(
        f"SELECT 'A' AS site, '1' AS point, TIMESTAMP_NS '{t}' AS timestamp, "
        f"{v}::DECIMAL(18, 6) AS value"
        for t, v in [(f"2025-04-01 00:{15 * k:02d}:00", k + 1) for k in range(4)] + extra
    )
    con = meter.connect()
    try:
        con.execute(f"COPY ({rows}) TO '{path}' (FORMAT parquet)")
        (kind,) = con.execute(
            f"SELECT typeof(timestamp) FROM read_parquet('{path}') LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert kind == "TIMESTAMP_NS"
    return path


@pytest.mark.parametrize(
    "extra, expected",
    [
        # 00:15 read again (9): counted once, at 2; every reading inside the period
        ([("2025-04-01 00:15:00", 9)], {"duplicates": 1, "outside_period": 0}),
        # a reading after the period
        ([("2025-04-01 01:15:00", 9)], {"duplicates": 0, "outside_period": 1}),
    ],
)
def test_a_file_with_nanosecond_times_is_read(tmp_path, extra, expected) -> None:
    parquet = nanosecond_file(tmp_path / "ns.parquet", extra)
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    result = meter.period_totals(
        parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
    )
    assert result.totals[("A", "1")].value == 1 + 2 + 3 + 4
    assert {k: result.counts[k] for k in expected} == expected


def test_a_time_finer_than_a_microsecond_is_refused_with_its_reason(tmp_path) -> None:
    # read to the microsecond it would pass for a repeat of 00:15 (or as on the grid): refused,
    # with the count, an example and what to do
    parquet = nanosecond_file(tmp_path / "ns.parquet", [("2025-04-01 00:15:00.0000005", 9)])
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    with pytest.raises(MrvError, match="finer than a microsecond") as exc:
        meter.period_totals(
            parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
        )
    assert exc.value.code == "bad_file" and "1 readings" in str(exc.value)
    assert "2025-04-01 00:15:00.0000005" in str(exc.value)


@pytest.mark.parametrize("column", ["site", "point", "value"])
def test_a_reading_without_a_site_point_or_value_is_refused_with_its_reason(
    tmp_path, column
) -> None:
    # another tool's file (store_interval refuses such rows): refused whole, not a TypeError
    start = dt.datetime(2025, 4, 1, tzinfo=JST)
    rows = [("A", "1", us(start), 1), ("A", "1", us(start) + 15 * 60 * US, 2)]
    rows += [{"site": (None, "1", us(start), 3), "point": ("B", None, us(start), 3),
              "value": ("B", "1", us(start), None)}[column]]  # fmt: skip
    parquet = write(tmp_path / "m.parquet", rows)
    with pytest.raises(
        MrvError, match=r"1 readings of m\.parquet lack a site, a point, a time"
    ) as exc:
        meter.period_totals(
            parquet, start=start, end=start + dt.timedelta(hours=1), interval_minutes=15
        )
    assert exc.value.code == "bad_file"
