"""Interval meter data (e.g. 15-minute readings of many sites): stored as Parquet and checked and
summed with DuckDB, in SQL, never row by row in Python (the issue's "large meter data is stored in
a columnar form and computed with a well-kept analytical engine"; benchmarks/README.md says why
DuckDB).

A reading at ``timestamp`` covers ``[timestamp, timestamp + interval)``. A timestamp without a UTC
offset is Japan time (the session's time zone is Asia/Tokyo). The stored layout (``LAYOUT``):
``site``, ``point``, ``epoch_us`` (the time as whole microseconds since 1970-01-01 UTC, a plain
``BIGINT``: exact, and cheaper for DuckDB to read than a ``TIMESTAMPTZ``) and ``value``,
stored as ``DECIMAL(18, 6)`` so that sums are exact; the unit is the file's, kept in the Parquet
metadata. A file in the earlier layout (a ``timestamp`` column, with or without a time zone:
datasets stored before, or written by another tool) is read all the same (``readings_sql``).

``period_totals`` works in two passes: one aggregate over the period's rows gives per (site,
point) the count, the sum and the smallest and largest of each reading's time less its row number
in the file × the interval (equal only when the times are evenly spaced by the interval, in
file order, with none repeated: an exact test, not a hash); the smallest and largest
value come from the file's row-group statistics (read from the rows only when the file lacks
them). A point whose figures show nothing wrong is done. Only the points that show something (a
negative or implausible value in their row groups, a duplicate, a missing interval, a timestamp
off the grid, a reading outside its meter's calibration) are read again, from their row groups
only: a point whose times passed and whose meter is calibrated throughout, suspect only for its
values, for its values alone (negatives and their sum, the largest); the others to count, name
and treat each fault exactly; only those with an interval read twice are regrouped per
interval. Clean data thus costs one aggregate that, beyond a plain sum, reads the
(delta-encoded) times; benchmarks/README.md has the figures."""

from __future__ import annotations

import bisect
import datetime as dt
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb

from renkei.mrv.formulas import EXACT
from renkei.mrv.quality import JST, MeterInfo, period_bounds
from renkei.mrv.types import Adjustment, Finding, MrvError, Quantity

__all__ = [
    "LAYOUT",
    "MeterOutcome",
    "StoreOutcome",
    "connect",
    "period_totals",
    "readings_sql",
    "store_interval",
]

MEMORY_LIMIT = "1GB"
"""DuckDB spills to disk beyond this (the benchmark's goal: peak under 2 GiB for a year of
15-minute readings of 1,000 sites)."""
SAMPLE = 20  # bad rows named in a StoreOutcome
GAP_RANGES = 10  # missing ranges named per point
_BITMAP_MAX = 1 << 22  # slots per point counted with a bitmap; beyond, count(DISTINCT)
_REPEATED_MAX = 4096  # intervals read again one by one for their repeats; beyond, all of them
_RUNS_MAX = 1 << 16  # runs of the recounted points; beyond (data not in time order), a bitmap
_US = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE")  # fmt: skip
PARQUET_OPTIONS = "FORMAT parquet, PARQUET_VERSION V2"
"""How meter data is stored. Parquet's version 2 data pages encode the sorted timestamps as
deltas (DELTA_BINARY_PACKED): a regular 15-minute series takes a few bits per row instead of
eight bytes, so the checks that read the times read ~1 MiB instead of ~200 MiB for a year of
1,000 sites. Files written with version 1 pages (or by other tools) are read all the same."""
LAYOUT = ("site", "point", "epoch_us", "value")
"""The stored columns: the time as a BIGINT of microseconds since the epoch (UTC), see above."""


@dataclass
class StoreOutcome:
    rows_read: int
    rows_kept: int
    errors: list[str]  # a sample of the bad rows, each named ("line 7: value 'abc' …")
    bad_rows: int = 0

    @property
    def rows_bad(self) -> int:
        return self.rows_read - self.rows_kept


@dataclass
class MeterOutcome:
    totals: dict[tuple[str, str], Quantity]
    findings: list[Finding]
    counts: dict[str, int]
    adjustments: list[Adjustment] = field(default_factory=list)
    unit: str = ""


def connect(*, memory_limit: str = MEMORY_LIMIT, threads: int | None = None) -> Any:
    """A DuckDB connection bounded in memory (spilling to a temporary directory), in JST."""
    threads = threads or max(1, min(os.cpu_count() or 1, 4))
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "preserve_insertion_order": False,
            "temp_directory": os.path.join(tempfile.gettempdir(), "renkei-duckdb"),
        }
    )
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    # a period's check reads one file's footer in each of its queries (schema, statistics, unit,
    # screen, recount): parsed once (DuckDB re-reads it when the file's modification time changes)
    con.execute("SET parquet_metadata_cache = true")
    return con


def _run_with_progress(
    con: Any, sql: str, params: list[Any], progress: Callable[[int], None] | None
) -> Any:
    """Runs ``sql``; meanwhile reports DuckDB's own progress estimate (percent) every 0.2 s."""
    if progress is None:
        return con.execute(sql, params).fetchall()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["rows"] = con.execute(sql, params).fetchall()
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    last = -1
    while worker.is_alive():
        worker.join(0.2)
        try:
            pct = int(con.query_progress())
        except duckdb.Error:
            pct = -1
        if 0 <= pct < 100 and pct > last:
            last = pct
            progress(pct)
    if "error" in result:
        raise result["error"]
    return result["rows"]


def store_interval(
    src: str | Path,
    dest_parquet: str | Path,
    *,
    unit: str,
    progress: Callable[[int], None] | None = None,
) -> StoreOutcome:
    """A CSV of interval readings (``site,point,timestamp,value``) → Parquet, sorted by site,
    point and time. Bad rows (a value that is not a number, a time that is not ISO 8601, an empty
    field) are counted and the first few named; every other row is kept. ``progress`` gets the
    percentage done."""
    src = Path(src)
    if not unit.strip():
        raise MrvError("the meter data's unit is empty: give it, e.g. kWh", code="unit_mismatch")
    con = connect()
    try:
        try:
            header = con.execute(
                "SELECT * FROM read_csv(?, header=false, all_varchar=true) LIMIT 1", [str(src)]
            ).fetchall()
        except duckdb.Error as exc:
            raise MrvError(f"{src.name} cannot be read as CSV: {exc}", code="bad_file") from None
        names = [str(c).strip().lower() for c in (header[0] if header else ())]
        if names != ["site", "point", "timestamp", "value"]:
            raise MrvError(
                f"{src.name}: the header is {', '.join(names) or 'empty'}; interval meter data "
                "has the columns site,point,timestamp,value (timestamp ISO 8601, e.g. "
                "2025-04-01 00:15:00+09:00; value in the file's unit)",
                code="missing_column",
            )
        _run_with_progress(
            con,
            """CREATE TEMP TABLE staged AS SELECT * FROM read_csv(?, header=true,
                auto_detect=false, store_rejects=true,
                columns={'site': 'VARCHAR', 'point': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ',
                         'value': 'DECIMAL(18,6)'})""",
            [str(src)],
            progress,
        )
        rejects = con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
        sample = [
            f"line {line}: {column} — {message.split('. ', 1)[-1] if message else error}; "
            "give site, point, an ISO 8601 timestamp (e.g. 2025-04-01 00:15:00+09:00) and a number"
            for line, column, error, message in con.execute(
                "SELECT line, column_name, error_type, error_message FROM reject_errors "
                "ORDER BY line LIMIT ?",
                [SAMPLE],
            ).fetchall()
        ]
        empty = "site IS NULL OR point IS NULL OR timestamp IS NULL OR value IS NULL"
        staged, nulls = con.execute(
            f"SELECT count(*), count(*) FILTER ({empty}) FROM staged"
        ).fetchone()
        for site, point, ts, value in con.execute(
            f"SELECT site, point, strftime(timestamp, '%Y-%m-%dT%H:%M:%S%z'), value FROM staged "
            f"WHERE {empty} LIMIT ?",
            [max(0, SAMPLE - len(sample))],
        ).fetchall():
            missing = [
                n
                for n, v in (("site", site), ("point", point), ("timestamp", ts), ("value", value))
                if v is None
            ]
            sample.append(
                f"the row site={site!r}, point={point!r}, timestamp={ts!r}, value={value!r} "
                f"has no {', no '.join(missing)} (empty or unreadable): give each field"
            )
        dest = Path(dest_parquet)
        dest.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT site, point, epoch_us(timestamp) AS epoch_us, value FROM staged "
            f"WHERE NOT ({empty}) ORDER BY site, point, epoch_us) TO '{_sql_path(dest)}' "
            f"({PARQUET_OPTIONS}, KV_METADATA {{unit: '{_sql_text(unit)}'}})"
        )
        kept = staged - nulls
        if progress is not None:
            progress(100)
        return StoreOutcome(
            rows_read=staged + rejects, rows_kept=kept, errors=sample, bad_rows=nulls + rejects
        )
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return _sql_text(str(path))


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


@dataclass(frozen=True)
class _Source:
    """How one stored file is read: ``file`` (the Parquet scan), ``time`` (an expression giving
    each reading's time as BIGINT microseconds since the epoch), ``column`` (the stored time
    column, on which a filter is pushed into the scan) and ``kinds`` (each column's type)."""

    file: str
    time: str
    column: str
    kinds: dict[str, str]
    compared: str = "timestamp"  # what ``inside`` compares when the column is a timestamp

    @property
    def numbered(self) -> str:
        """The Parquet scan with each reading's row number in the file (``file_row_number``)."""
        return f"{self.file[:-1]}, file_row_number = true)"

    def inside(self, s_us: int, e_us: int) -> str:
        """A filter on the stored column itself, so that DuckDB pushes it into the Parquet scan
        (row groups outside ``[s_us, e_us)`` are skipped on their statistics)."""
        if self.column == "epoch_us":
            return f"epoch_us >= {s_us} AND epoch_us < {e_us}"
        t = self.compared
        return f"{t} >= make_timestamptz({s_us}) AND {t} < make_timestamptz({e_us})"

    def stat(self, value: str) -> str:
        """A row group's statistic of the time column (text) as microseconds since the epoch."""
        if self.column == "epoch_us":
            return f"TRY_CAST({value} AS BIGINT)"
        return f"epoch_us(TRY_CAST({value} AS TIMESTAMPTZ))"


def _source(con: Any, parquet: str | Path) -> _Source:
    file = f"read_parquet('{_sql_path(Path(parquet))}')"
    kinds = {
        name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {file}").fetchall()
    }
    if "epoch_us" in kinds:
        return _Source(file, "epoch_us", "epoch_us", kinds)
    if "timestamp" in kinds:  # the earlier layout, or another tool's file
        kind = kinds["timestamp"]
        if kind in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"):
            return _Source(file, "epoch_us(timestamp::TIMESTAMPTZ)", "timestamp", kinds)
        # another precision (e.g. TIMESTAMP_NS, as pandas writes it): compared once converted
        # (DuckDB does not compare it with a TIMESTAMPTZ as it is), read to the microsecond
        if kind == "TIMESTAMP_NS":
            finer = con.execute(
                f"SELECT count(*), min(timestamp)::VARCHAR FROM {file} "
                "WHERE epoch_ns(timestamp) % 1000 <> 0"
            ).fetchone()
            if finer[0]:
                raise MrvError(
                    f"{finer[0]:,} readings of {Path(parquet).name} have a time finer than a "
                    f"microsecond (e.g. {finer[1]}): meter times are read to the microsecond; "
                    "round them to it, or upload the readings as CSV",
                    code="bad_file",
                )
        return _Source(
            file, "epoch_us(timestamp::TIMESTAMPTZ)", "timestamp", kinds, "timestamp::TIMESTAMPTZ"
        )
    raise MrvError(
        f"{Path(parquet).name} has no time column: stored meter data has the columns "
        f"{', '.join(LAYOUT)} (or timestamp instead of epoch_us)",
        code="bad_file",
    )


def readings_sql(con: Any, parquet: str | Path) -> str:
    """A subquery of the stored readings as ``site, point, epoch_us, value`` whichever layout the
    file has (for the callers that read the file themselves)."""
    source = _source(con, parquet)
    if source.column == "epoch_us":
        return source.file
    return f"(SELECT site, point, {source.time} AS epoch_us, value FROM {source.file})"


def stored_unit(con: Any, parquet: str | Path) -> str:
    rows = con.execute(
        "SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'unit'",
        [str(parquet)],
    ).fetchall()
    return rows[0][0] if rows else ""


def _aware(value: dt.datetime | dt.date, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=JST)
    return period_bounds((value, value))[0]


def _us(value: dt.datetime) -> int:
    """Whole microseconds since the epoch, exactly (``timestamp()`` is a float, and truncating
    it is a second off before 1970)."""
    return (value - _EPOCH) // dt.timedelta(microseconds=1)


def _time(us: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(us // _US, JST) + dt.timedelta(microseconds=us % _US)


def period_totals(
    parquet: str | Path,
    *,
    start: dt.datetime,
    end: dt.datetime,
    interval_minutes: int,
    meters: Mapping[tuple[str, str], MeterInfo] = {},
    maximum: Mapping[tuple[str, str], Decimal] | Decimal | None = None,
    treatments: Mapping[str, str] = {},
    connection: Any = None,
) -> MeterOutcome:
    """Per (site, point): the period's total of the readings in ``[start, end)`` (a naive time is
    JST) and the quality findings. Negative and implausible readings (above ``maximum``, a value
    per interval in the stored unit) and timestamps off the interval grid are left out;
    duplicates of one interval count once (the smallest valid value, the conservative choice);
    readings outside the meter's calibration are treated as ``treatments["calibration_expired"]``
    says (``exclude``, the default, or ``discount:<pct>``)."""
    if interval_minutes <= 0:
        raise MrvError(
            "the interval is a whole number of minutes > 0, e.g. 15", code="bad_interval"
        )
    start, end = _aware(start, "start"), _aware(end, "end")
    step = interval_minutes * 60 * _US
    s_us, e_us = _us(start), _us(end)
    if e_us <= s_us:
        raise MrvError("the period's end is not after its start", code="bad_period")
    slots = (e_us - s_us) // step
    if (e_us - s_us) % step:
        raise MrvError(
            f"the period [{start.isoformat()}, {end.isoformat()}) is not a whole number of "
            f"{interval_minutes}-minute intervals",
            code="bad_period",
        )
    if not Path(parquet).exists():
        raise MrvError(f"no stored meter data at {parquet}", code="bad_file")
    calibration = treatments.get("calibration_expired", "exclude")
    if calibration == "exclude":
        cal_factor = Decimal(0)
    elif calibration.startswith("discount:"):
        from renkei.mrv.quality import _discount

        cal_factor = _discount(calibration)
    else:
        raise MrvError(
            f"meter data's calibration treatment is exclude or discount:<pct>, not {calibration!r}",
            code="bad_treatment",
        )
    con = connection or connect()
    try:
        q = _Query(con, Path(parquet), s_us, e_us, step, slots)
        _check_columns(con, q, Path(parquet).name)
        return _outcome(
            q, start=start, unit=stored_unit(con, parquet), meters=meters, maximum=maximum,
            cal_factor=cal_factor, calibration=calibration,
        )  # fmt: skip
    finally:
        if connection is None:
            con.close()


class _Query:
    """The SQL over one Parquet file and one period."""

    def __init__(self, con: Any, parquet: Path, s_us: int, e_us: int, step: int, slots: int):
        self.con, self.s_us, self.e_us, self.step, self.slots = con, s_us, e_us, step, slots
        source = _source(con, parquet)
        self.file, self.time = source.file, source.time
        self.source = source
        self.inside = source.inside(s_us, e_us)
        # from the file's own statistics (its footer, read once): when they put every time
        # inside the period, no row is tested; per row group the sites and the values' bounds
        self.all_inside = False
        self.row_count: int | None = None  # the file's rows, from its footer
        self.unnamed: int | None = None  # readings lacking a site, point, time or value
        self.value_bounds: list[tuple[str, str, Decimal, Decimal]] | None = None
        try:
            rows = con.execute(
                f"""SELECT any_value(row_group_num_rows),
                     {source.stat("any_value(stats_min_value) FILTER (path_in_schema = ?)")},
                     {source.stat("any_value(stats_max_value) FILTER (path_in_schema = ?)")},
                     any_value(stats_min_value) FILTER (path_in_schema = 'site'),
                     any_value(stats_max_value) FILTER (path_in_schema = 'site'),
                     bool_and(coalesce(min_is_exact AND max_is_exact, false))
                       FILTER (path_in_schema = 'site'),
                     any_value(stats_min_value) FILTER (path_in_schema = 'value'),
                     any_value(stats_max_value) FILTER (path_in_schema = 'value'),
                     sum(stats_null_count)
                       FILTER (path_in_schema IN ('site', 'point', 'value', ?))
                   FROM parquet_metadata(?) GROUP BY row_group_id""",
                [source.column, source.column, source.column, str(parquet)],
            ).fetchall()
        except duckdb.Error:
            return  # no usable statistics: every row is tested, the values' bounds are read
        rows = [row for row in rows if row[0]]
        self.row_count = sum(row[0] for row in rows)
        if all(row[-1] is not None for row in rows):
            self.unnamed = sum(row[-1] for row in rows)
        rows = [row[:-1] for row in rows]
        self.all_inside = bool(rows) and all(
            first is not None and last is not None and s_us <= first and last < e_us
            for _, first, last, *_ in rows
        )
        self.value_bounds = _value_bounds(rows)

    def run(self, time: str, row: str) -> str:
        """A reading's run: its time (``time``, microseconds) less its row number in the file
        (``row``) × the interval. Two readings of one run have different row numbers, hence
        different times, evenly spaced by the interval; in BIGINT unless the file has so many
        rows that row × interval could overflow it."""
        if self.row_count is not None and self.row_count * self.step < 1 << 62:
            return f"{time} - {row} * {self.step}"
        return f"{time}::HUGEINT - {row}::HUGEINT * {self.step}"

    def screen(self, with_bounds: bool) -> list[tuple]:
        """One aggregate over the period's rows: per point the count, the sum, the smallest and
        the largest run (``run``) of its readings and (``with_bounds``) the smallest and largest
        value. A point whose readings are all in one run on the period's grid, as many as the
        period's intervals, has every interval exactly once and nothing off the grid: its times
        are distinct (their row numbers are), all on the grid and inside the period, and there
        are as many as there are intervals. That is exact (no hash: no set of times can be
        chosen to pass it), and it holds for data stored sorted by time, as store_interval
        stores it. Every other point is read again, exactly."""
        bounds = "min(value), max(value)" if with_bounds else "NULL, NULL"
        run = self.run(self.time, "file_row_number")
        return self.con.execute(
            f"""SELECT site, point, count(*), sum(value), min({run}), max({run}), {bounds}
                FROM {self.source.numbered} WHERE {"true" if self.all_inside else self.inside}
                GROUP BY site, point"""
        ).fetchall()

    def outside(self) -> list[tuple]:
        if self.all_inside:
            return []
        return self.con.execute(
            f"SELECT site, point, count(*) FROM {self.file} WHERE NOT ({self.inside}) "
            "GROUP BY site, point"
        ).fetchall()

    def values(
        self, points: set[tuple[str, str]], above: Decimal | None
    ) -> dict[tuple[str, str], tuple]:
        """For ``points`` (whose times passed the screen): per point with some reading negative
        or above ``above`` (the smallest of their bounds; None: no bound), the number of
        negative readings, their sum, and the largest of those readings (above the point's
        bound if any of its readings is). A point not returned has no negative reading and none
        above ``above``. Only those readings are aggregated: the test on the value is pushed
        into the scan, and only the row groups of their sites are read (the sites given as
        literals, which DuckDB prunes on); no join: the other points of those sites are read too
        and left out here."""
        sites = ", ".join(sorted({"'" + _sql_text(site) + "'" for site, _ in points}))
        inside = "" if self.all_inside else f"{self.inside} AND "
        odd = "value < 0" + ("" if above is None else f" OR value > {_decimal(above)}")
        rows = self.con.execute(
            f"""SELECT site, point, count_if(value < 0), coalesce(sum(least(value, 0)), 0),
                  max(value)
                FROM {self.file} WHERE ({odd}) AND {inside}site IN ({sites})
                GROUP BY site, point"""
        ).fetchall()
        return {(site, point): rest for site, point, *rest in rows if (site, point) in points}

    def recount(
        self,
        dirty: Mapping[tuple[str, str], tuple[int, int, Decimal | None]],
        full: frozenset[tuple[str, str]] = frozenset(),
    ) -> list:
        """Exact counts and totals of the points the screen did not clear. When they all have
        the same calibration and bound, the readings are grouped by their names with the
        parameters as literals; else each point gets a number and its readings are joined to
        their parameters and grouped by that integer (see ``_base``).

        First one aggregate per point: readings off the grid, on it, the distinct intervals read
        (a bitmap), the negative and implausible ones, and the totals as if no interval were
        read twice. Only the points where some interval was read twice are then regrouped per
        interval, to count each interval once with its smallest valid value.

        The points of ``full`` passed the screen's test of the times (every interval once, none
        off the grid: the same test that clears a point) and are here only for their values or
        their meter's calibration: when the points are numbered, no bitmap is built for them
        (they are numbered first).

        Data stored sorted (as store_interval stores it) is recounted from its runs instead, in
        one smaller aggregate (``_runs``); this is the way for data in another order."""
        if self.slots <= _BITMAP_MAX:
            counted = self._runs(dirty)
            if counted is not None:
                return counted
        order = sorted(dirty, key=lambda key: key not in full)
        ids = {key: n for n, key in enumerate(order)}
        # every dirty point with the same calibration and bound (the usual case): no join, the
        # readings grouped by their names; else numbered and joined to their own parameters
        uniform = len(set(dirty.values())) == 1
        n_full = 0 if uniform else sum(key in full for key in dirty)
        key = "site, point" if uniform else "id"
        step, slots = self.step, self.slots
        if slots <= _BITMAP_MAX:
            bits = (
                f"bitstring_agg(k, 0, {slots - 1}) FILTER (on_grid AND {n_full} <= {_id(uniform)})"
            )
            distinct = (
                f"CASE WHEN {_id(uniform, 'a.')} < {n_full} THEN a.on_grid "
                "ELSE coalesce(bit_count(bits), 0) END"
            )
            bits_text = "bits::VARCHAR"
        else:
            bits = f"count(DISTINCT k) FILTER (on_grid AND {n_full} <= {_id(uniform)})"
            distinct = f"CASE WHEN {_id(uniform, 'a.')} < {n_full} THEN a.on_grid ELSE bits END"
            bits_text = "''"
        valid = "on_grid AND NOT neg AND NOT impl"
        first = self.con.execute(
            f"""WITH {self._base(dirty, ids, uniform)},
                flagged AS (
                  SELECT {key}, value, d // {step} AS k, d % {step} = 0 AS on_grid,
                         d >= lo AND d + {step} <= hi AS cal, value < 0 AS neg,
                         cap IS NOT NULL AND value > cap AS impl
                  FROM base),
                agg AS (
                  SELECT {key}, count_if(NOT on_grid) AS misaligned,
                         count_if(on_grid) AS on_grid, {bits} AS bits,
                         count_if(on_grid AND neg) AS neg,
                         count_if(on_grid AND impl) AS impl,
                         count_if({valid} AND NOT cal) AS uncal,
                         sum(CASE WHEN {valid} AND cal THEN value ELSE 0 END) AS ok_total,
                         sum(CASE WHEN {valid} AND NOT cal THEN value ELSE 0 END) AS uncal_total
                  FROM flagged GROUP BY {key})
                SELECT {_names(uniform)}, a.misaligned, {distinct} AS slots,
                       a.on_grid - {distinct} AS dups, a.neg, a.impl, a.uncal, a.ok_total,
                       a.uncal_total, {bits_text}
                FROM agg a {"" if uniform else "JOIN dirty x USING (id)"}"""
        ).fetchall()
        # (grouped by names, the other points of the same sites come too: left out here)
        first = sorted(row for row in first if (row[0], row[1]) in dirty)
        repeated = {(row[0], row[1]): dirty[(row[0], row[1])] for row in first if row[4]}
        if not repeated:
            return first
        exact = self._repeated(repeated, ids, uniform, first)
        return [
            (*row[:7], *exact[(row[0], row[1])], row[10]) if (row[0], row[1]) in exact else row
            for row in first
        ]

    def _runs(
        self, dirty: Mapping[tuple[str, str], tuple[int, int, Decimal | None]]
    ) -> list | None:
        """``recount``'s rows from the runs of each point: its readings grouped by their time
        less their row number in the file × the interval. The readings of one run have
        different row numbers, hence different times, all on the grid or all off it; a run on
        the grid whose count is the number of intervals from its first time to its last holds
        every one of them once. When every run is so (in data stored sorted by time, a point
        whose faults are gaps only, or repeats only, has one run per fault; a gap after a
        repeat brings a run's key back, which leaves a hole), a point's distinct intervals are
        the union of its runs' ranges, and the intervals read twice lie where two ranges
        overlap: only those are read again (``_repeated``). None when some run has holes (data
        in another order, a reading off the grid amid readings on it: it takes a row number, or
        a gap after a repeat), when the values are not exact decimals, or when there are more
        runs than ``_RUNS_MAX``: the bitmap recount then does it."""
        step, slots = self.step, self.slots
        ids = {key: n for n, key in enumerate(sorted(dirty))}
        uniform = len(set(dirty.values())) == 1
        key = "site, point" if uniform else "id"
        valid = "NOT neg AND NOT impl"
        found = self.con.execute(
            f"""WITH {self._base(dirty, ids, uniform, numbered=True)},
                flagged AS (
                  SELECT {key}, value, d, {self.run("d", "rn")} AS g,
                         d >= lo AND d + {step} <= hi AS cal, value < 0 AS neg,
                         cap IS NOT NULL AND value > cap AS impl
                  FROM base),
                runs AS (
                  SELECT {key}, g, count(*) AS n, min(d) AS low, max(d) AS high,
                         count_if(neg) AS neg, count_if(impl) AS impl,
                         count_if({valid} AND NOT cal) AS uncal,
                         sum(CASE WHEN {valid} AND cal THEN value ELSE 0 END) AS ok_total,
                         sum(CASE WHEN {valid} AND NOT cal THEN value ELSE 0 END) AS uncal_total
                  FROM flagged GROUP BY {key}, g)
                SELECT {_names(uniform)}, a.g % {step} = 0, a.n, a.low, a.high, a.neg, a.impl,
                       a.uncal, a.ok_total, a.uncal_total
                FROM runs a {"" if uniform else "JOIN dirty x USING (id)"}
                LIMIT {_RUNS_MAX + 1}"""
        ).fetchall()
        if len(found) > _RUNS_MAX:
            return None
        per: dict[tuple[str, str], list[tuple]] = {}
        for site, point, *run in found:
            if (site, point) in dirty:  # (grouped by names, the other points of the same sites)
                per.setdefault((site, point), []).append(tuple(run))
        rows, spans = [], {}
        with localcontext(EXACT):  # sums of stored values: exact, never rounded
            for point_key in sorted(dirty):
                runs = per.get(point_key, [])
                grid = [run for run in runs if run[0]]
                if any(n != (high - low) // step + 1 for _, n, low, high, *_ in grid):
                    return None  # a run with holes: not in time order
                totals = [Decimal(0), Decimal(0)]
                for *_, ok_total, uncal_total in grid:
                    if not (
                        isinstance(ok_total, Decimal | int)
                        and isinstance(uncal_total, Decimal | int)
                    ):
                        return None  # not exact decimals
                    totals[0] += ok_total
                    totals[1] += uncal_total
                spans[point_key] = [(low, high) for _, _, low, high, *_ in grid]
                union = _union(spans[point_key])
                distinct = sum((b - a) // step + 1 for a, b in union)
                bits = None
                if distinct < slots:
                    mask = bytearray(b"0" * slots)
                    for a, b in union:
                        mask[a // step : b // step + 1] = b"1" * ((b - a) // step + 1)
                    bits = mask.decode()
                rows.append(
                    (
                        *point_key,
                        sum(run[1] for run in runs if not run[0]),
                        distinct,
                        sum(run[1] for run in grid) - distinct,
                        sum(run[4] for run in grid),
                        sum(run[5] for run in grid),
                        sum(run[6] for run in grid),
                        totals[0],
                        totals[1],
                        bits,
                    )
                )
        repeated = {(row[0], row[1]): dirty[(row[0], row[1])] for row in rows if row[4]}
        if not repeated:
            return rows
        exact_totals = self._corrected(repeated, ids, uniform, rows, spans)
        return [
            (*row[:7], *exact_totals[(row[0], row[1])], row[10]) if row[4] else row for row in rows
        ]

    def _repeated(
        self,
        repeated: Mapping[tuple[str, str], tuple[int, int, Decimal | None]],
        ids: Mapping,
        uniform: bool,
        first: list,
    ) -> dict[tuple[str, str], tuple]:
        """(uncalibrated intervals, calibrated total, uncalibrated total) of each point of
        ``repeated`` with every interval counted once, at its smallest valid value.

        Which intervals were read twice is found without grouping every reading by its interval:
        the on-grid readings of each point are grouped by their time less their row number in the
        file × the interval (a "run"). Two readings of one run have different row numbers, hence
        different times: an interval read twice has its readings in two runs whose ranges of
        time overlap. Stored data is sorted by time, so a point has a run per gap or repeat and
        the overlaps are the repeated intervals themselves; only their readings are grouped
        per interval, and ``first``'s totals (every reading counted) corrected by them. Data in
        another order (many overlaps), or with values that are not exact decimals, is regrouped
        per interval in full."""
        key = "site, point" if uniform else "id"
        step = self.step
        runs: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for site, point, low, high in self.con.execute(
            f"""WITH {self._base(repeated, ids, uniform, numbered=True)},
                runs AS (
                  SELECT {key}, min(d) AS low, max(d) AS high FROM base
                  WHERE d % {step} = 0 GROUP BY {key}, {self.run("d", "rn")})
                SELECT {_names(uniform)}, a.low, a.high
                FROM runs a {"" if uniform else "JOIN dirty x USING (id)"}"""
        ).fetchall():
            if (site, point) in repeated:
                runs.setdefault((site, point), []).append((low, high))
        return self._corrected(repeated, ids, uniform, first, runs)

    def _corrected(
        self,
        repeated: Mapping[tuple[str, str], tuple[int, int, Decimal | None]],
        ids: Mapping,
        uniform: bool,
        first: list,
        runs: Mapping[tuple[str, str], list[tuple[int, int]]],
    ) -> dict[tuple[str, str], tuple]:
        """``_repeated``'s result from the ranges of time of each point's runs: the readings
        where two ranges overlap grouped per interval, ``first``'s totals corrected by them."""
        key = "site, point" if uniform else "id"
        step = self.step
        overlaps = {point_key: _overlaps(spans) for point_key, spans in runs.items()}
        if (
            sum((b - a) // step + 1 for spans in overlaps.values() for a, b in spans)
            > _REPEATED_MAX
        ):
            return self._regroup(repeated, ids, uniform)
        times = sorted(
            {d for spans in overlaps.values() for a, b in spans for d in range(a, b + step, step)}
        )
        per: dict[tuple[str, str], list[tuple]] = {}
        if times:
            for site, point, d, n, total, least, cal in self.con.execute(
                f"""WITH {self._base(repeated, ids, uniform, within=(times[0], times[-1]))},
                    valid AS (
                      SELECT {key}, d, value, d >= lo AND d + {step} <= hi AS cal FROM base
                      WHERE d IN ({", ".join(map(str, times))})
                        AND value >= 0 AND (cap IS NULL OR value <= cap)),
                    per AS (
                      SELECT {key}, d, count(*) AS n, sum(value) AS total, min(value) AS least,
                             any_value(cal) AS cal
                      FROM valid GROUP BY {key}, d)
                    SELECT {_names(uniform)}, a.d, a.n, a.total, a.least, a.cal
                    FROM per a {"" if uniform else "JOIN dirty x USING (id)"}"""
            ).fetchall():
                if any(a <= d <= b for a, b in overlaps.get((site, point), ())):
                    per.setdefault((site, point), []).append((n, total, least, cal))
        exact = {}
        with localcontext(EXACT):  # sums of stored values: exact, never rounded
            for row in first:
                point_key = (row[0], row[1])
                if point_key not in repeated:
                    continue
                uncal, ok_total, uncal_total = row[7], row[8], row[9]
                for n, total, least, cal in per.get(point_key, ()):
                    values = (total, least, ok_total, uncal_total)
                    if not all(isinstance(v, Decimal | int) for v in values):
                        return self._regroup(repeated, ids, uniform)  # not exact decimals
                    if cal:
                        ok_total -= total - least
                    else:
                        uncal_total -= total - least
                        uncal -= n - 1
                exact[point_key] = (uncal, ok_total, uncal_total)
        return exact

    def _regroup(
        self,
        repeated: Mapping[tuple[str, str], tuple[int, int, Decimal | None]],
        ids: Mapping,
        uniform: bool,
    ) -> dict[tuple[str, str], tuple]:
        """``_repeated``'s result with every reading of the points grouped by its interval."""
        key = "site, point" if uniform else "id"
        step = self.step
        return {
            (site, point): rest
            for site, point, *rest in self.con.execute(
                f"""WITH {self._base(repeated, ids, uniform)},
                    per AS (
                      SELECT {key}, d,
                             min(CASE WHEN value >= 0 AND (cap IS NULL OR value <= cap)
                                      THEN value END) AS v,
                             any_value(d >= lo AND d + {step} <= hi) AS cal
                      FROM base WHERE d % {step} = 0 GROUP BY {key}, d),
                    agg AS (
                      SELECT {key}, count_if(v IS NOT NULL AND NOT cal) AS uncal,
                             coalesce(sum(CASE WHEN cal THEN v ELSE 0 END), 0) AS ok_total,
                             coalesce(sum(CASE WHEN NOT cal THEN v ELSE 0 END), 0) AS uncal_total
                      FROM per GROUP BY {key})
                    SELECT {_names(uniform)}, a.uncal, a.ok_total, a.uncal_total
                    FROM agg a {"" if uniform else "JOIN dirty x USING (id)"}"""
            ).fetchall()
        }

    def _base(
        self,
        points: Mapping[tuple[str, str], Any],
        ids: Mapping,
        uniform: bool,
        *,
        numbered: bool = False,
        within: tuple[int, int] | None = None,
    ) -> str:
        """The table ``base``: the period's readings of ``points``, as offsets from the period's
        start, with their point's calibration (``lo``, ``hi``) and bound (``cap``). The sites are
        given as literals, which DuckDB checks against each row group's statistics: in data
        stored sorted by site (store_interval sorts it) only the row groups of these sites are
        read. ``uniform`` (every point with the same parameters): the parameters as literals and
        the rows of every point of these sites; else each row joined to its point's number and
        parameters (the table ``dirty``). ``numbered``: with each reading's row number in the
        file (``rn``). ``within``: only the readings from that offset to that one (both
        included), a filter pushed into the scan."""
        sites = ", ".join(sorted({"'" + _sql_text(site) + "'" for site, _ in points}))
        inside = "" if self.all_inside else f"{self.inside} AND "
        if within is not None:
            first, last = within
            inside += f"{self.source.inside(self.s_us + first, self.s_us + last + 1)} AND "
        where = f"WHERE {inside}r.site IN ({sites})"
        d = f"{self.time} - {self.s_us} AS d" + (", r.file_row_number AS rn" if numbered else "")
        file = self.source.numbered if numbered else self.file
        if uniform:
            lo, hi, cap = next(iter(points.values()))
            return (
                f"base AS (SELECT r.site, r.point, r.value, {d}, {lo} AS lo, {hi} AS hi, "
                f"{_decimal(cap)} AS cap FROM {file} r {where})"
            )
        return (
            f"{_points(points, ids)}, base AS (SELECT x.id, r.value, {d}, x.lo, x.hi, x.cap "
            f"FROM {file} r JOIN dirty x USING (site, point) {where})"
        )


def _check_columns(con: Any, q: _Query, name: str) -> None:
    """Refuses, with the reason, a file that the checks cannot read as meter data: a reading
    without a site, point, time or value (counted from the file's statistics when it has them), a
    time or value that is not a number, a value that is NaN or infinite. (store_interval never
    writes such a file: these come from other tools.)"""
    kinds = q.source.kinds
    absent = [column for column in ("site", "point", "value") if column not in kinds]
    if absent:
        raise MrvError(
            f"{name} has no column {', '.join(absent)}: stored meter data has the columns "
            f"{', '.join(LAYOUT)}",
            code="bad_file",
        )
    numeric = [c for c in ("value", "epoch_us") if c in kinds]
    for column in numeric:
        if not (kinds[column] in _NUMERIC or kinds[column].startswith("DECIMAL")):
            raise MrvError(
                f"the column {column} of {name} is {kinds[column]}: meter data has numbers there "
                "(the value as DECIMAL(18, 6), the time as whole microseconds since 1970, or a "
                "timestamp column)",
                code="bad_file",
            )
    unnamed = q.unnamed
    if unnamed is None:  # no statistics to say: counted
        (unnamed,) = con.execute(
            f"SELECT count(*) FROM {q.file} WHERE site IS NULL OR point IS NULL "
            f"OR {q.source.column} IS NULL OR value IS NULL"
        ).fetchone()
    if unnamed:
        raise MrvError(
            f"{unnamed:,} readings of {name} lack a site, a point, a time or a value: give each "
            "reading all four (an upload through the platform refuses such rows and names them)",
            code="bad_file",
        )
    if kinds["value"] in ("FLOAT", "DOUBLE"):
        (odd,) = con.execute(
            f"SELECT count(*) FROM {q.file} WHERE isnan(value) OR isinf(value)"
        ).fetchone()
        if odd:
            raise MrvError(
                f"{odd:,} readings of {name} have a value that is not a number (NaN or "
                "infinite): give each reading a number",
                code="bad_file",
            )


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` ([first, last] ranges of whole intervals) merged where they overlap."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The times (as [first, last] ranges) that lie in more than one of ``spans``."""
    found: list[tuple[int, int]] = []
    reach = None  # the latest end of the spans before
    for low, high in sorted(spans):
        if reach is not None and low <= reach:
            end = min(high, reach)
            if found and low <= found[-1][1]:
                found[-1] = (found[-1][0], max(found[-1][1], end))
            else:
                found.append((low, end))
        reach = high if reach is None else max(reach, high)
    return found


def _id(uniform: bool, prefix: str = "") -> str:
    """A point's number in the recount's SQL (0 for all when the points are not numbered)."""
    return "0" if uniform else f"{prefix}id"


def _names(uniform: bool) -> str:
    return "a.site, a.point" if uniform else "x.site, x.point"


def _decimal(value: Decimal | None) -> str:
    return f"{'NULL' if value is None else repr(str(Decimal(value)))}::DECIMAL(18, 6)"


def _points(points: Mapping[tuple[str, str], tuple[int, int, Decimal | None]], ids: Mapping) -> str:
    """The table ``dirty`` (id, site, point, calibration from/to, bound) of ``points``, written
    out as SQL literals (one statement, where inserting row by row costs ~1 ms a row)."""
    rows = ", ".join(
        f"({ids[(site, point)]}, '{_sql_text(site)}', '{_sql_text(point)}', {lo}, {hi}, "
        f"{_decimal(cap)})"
        for (site, point), (lo, hi, cap) in points.items()
    )
    return f"dirty (id, site, point, lo, hi, cap) AS (VALUES {rows})"


def _value_bounds(rows: list[tuple]) -> list[tuple[str, str, Decimal, Decimal]] | None:
    """Per row group, from its statistics: the first and last site and the smallest and largest
    value; None when a row group lacks them (or the sites' are not exact): the screen then reads
    the values' bounds from the rows themselves."""
    bounds = []
    for *_, first, last, exact, vmin, vmax in rows:
        if first is None or last is None or not exact or vmin is None or vmax is None:
            return None
        try:
            low, high = Decimal(vmin), Decimal(vmax)
        except ArithmeticError:
            return None
        if not (low.is_finite() and high.is_finite()):
            return None
        bounds.append((first, last, low, high))
    return bounds


def _limit(maximum: Any, key: tuple[str, str]) -> Decimal | None:
    if maximum is None or isinstance(maximum, Decimal | int):
        return maximum
    return maximum.get(key)


def _outcome(
    q: _Query,
    *,
    start: dt.datetime,
    unit: str,
    meters: Mapping[tuple[str, str], MeterInfo],
    maximum: Any,
    cal_factor: Decimal,
    calibration: str,
) -> MeterOutcome:
    step, slots = q.step, q.slots
    totals: dict[tuple[str, str], Quantity] = {}
    findings: list[Finding] = []
    adjustments: list[Adjustment] = []
    counts = dict.fromkeys(
        (
            "rows", "in_period", "outside_period", "misaligned", "duplicates", "negative",
            "implausible", "missing_intervals", "calibration_expired", "points",
        ),
        0,
    )  # fmt: skip
    row_groups = q.value_bounds
    screened = {(s, p): rest for s, p, *rest in q.screen(with_bounds=row_groups is None)}
    outside = {(s, p): n for s, p, n in q.outside()}
    dirty: dict[tuple[str, str], tuple[int, int, Decimal | None]] = {}
    full: set[tuple[str, str]] = set()
    values_only: set[tuple[str, str]] = set()
    missing: dict[tuple[str, str], int] = {}
    keys = sorted(set(screened) | set(outside) | set(meters))
    suspect = None if row_groups is None else _suspect(keys, row_groups, maximum)
    for key in keys:
        site, point = key
        counts["points"] += 1
        n_out = outside.get(key, 0)
        counts["outside_period"] += n_out
        if n_out:
            findings.append(
                Finding(
                    "outside_period",
                    f"{n_out:,} readings of site {site}, point {point} lie outside the period "
                    f"[{start.isoformat()}, {_time(q.e_us).isoformat()}): not counted",
                    site=site,
                    point=point,
                )
            )
        if key not in screened:
            missing[key] = slots
            totals[key] = Quantity(Decimal(0), unit)
            continue
        n, total, first_run, last_run, vmin, vmax = screened[key]
        # every interval once, none off the grid (``_Query.screen``)
        times_clean = n == slots and first_run == last_run and (first_run - q.s_us) % step == 0
        counts["in_period"] += n
        window = _window(meters.get(key), q.s_us, step, slots)
        cap = _limit(maximum, key)
        if (
            times_clean
            and (
                key not in suspect
                if suspect is not None
                else vmin >= 0 and (cap is None or vmax <= cap)
            )
            and (window is None or (window[0] <= 0 and window[1] >= slots * step))
        ):
            totals[key] = Quantity(Decimal(total), unit)
            continue
        lo, hi = window if window is not None else (0, slots * step)
        dirty[key] = (lo, hi, cap)
        if times_clean:
            full.add(key)
            if lo <= 0 and hi >= slots * step:
                values_only.add(key)
    rows, exact = [], dict(dirty)
    if values_only:
        # times clean and calibrated throughout: only their values are in doubt (a row group of
        # theirs has a negative or implausible value); read again for their values alone
        bounds = [dirty[key][2] for key in values_only if dirty[key][2] is not None]
        found = q.values(values_only, min(bounds) if bounds else None)
        for key in sorted(values_only):
            negatives, below_zero, largest = found.get(key, (0, 0, None))
            cap = dirty[key][2]
            if cap is not None and largest is not None and largest > cap:
                continue  # an implausible reading: counted exactly below, with the rest
            total = Decimal(screened[key][1]) - Decimal(below_zero)
            rows.append((*key, 0, slots, 0, negatives, 0, 0, total, Decimal(0), None))
            del exact[key]
    rows += q.recount(exact, frozenset(full)) if exact else []
    maps: dict[tuple[str, str], str] = {}
    for row in sorted(rows, key=lambda row: (row[0], row[1])):
        site, point, off_grid, distinct, dups, neg, impl, uncal, ok_total, uncal_total, bits = row
        key = (site, point)
        if distinct < slots:
            missing[key] = slots - distinct
            # (no bitmap for a point with no reading on the grid: every interval is missing)
            maps[key] = bits if bits is not None else "0" * slots if distinct == 0 else ""
        where = f"site {site}, point {point}"
        for kind, n, message in (
            ("misaligned", off_grid, f"are not on the {step // 60 // _US}-minute grid from "
             f"{start.isoformat()}: left out"),
            ("negative", neg, "are negative: left out"),
            ("implausible", impl, f"are above {dirty[key][2]} {unit} per interval: left out"),
            ("duplicate", dups, "repeat an interval already read: each interval counts once, "
             "with its smallest valid value"),
        ):  # fmt: skip
            if n:
                counts["duplicates" if kind == "duplicate" else kind] += int(n)
                _adjust(
                    findings,
                    adjustments,
                    Finding(
                        kind, f"{int(n):,} readings of {where} {message}", site=site, point=point
                    ),
                    "exclude",
                )
        total = Decimal(ok_total)
        if uncal:
            counts["calibration_expired"] += int(uncal)
            _adjust(
                findings,
                adjustments,
                Finding(
                    "calibration_expired",
                    f"{int(uncal):,} intervals of {where} were read outside the meter's "
                    f"calibration ({uncal_total} {unit}): {calibration}",
                    site=site,
                    point=point,
                ),
                calibration,
            )
            total += Decimal(uncal_total) * cal_factor
        totals[key] = Quantity(total, unit)
    counts["rows"] = counts["in_period"] + counts["outside_period"]
    counts["missing_intervals"] = sum(missing.values())
    if missing:
        _gaps(q, missing, maps, findings, adjustments, start=start)
    return MeterOutcome(dict(sorted(totals.items())), findings, counts, adjustments, unit)


def _suspect(
    keys: list[tuple[str, str]],
    row_groups: list[tuple[str, str, Decimal, Decimal]],
    maximum: Any,
) -> set[tuple[str, str]]:
    """The points that may hold a negative or implausible value: those whose site lies within
    a row group whose smallest value is negative, or whose largest is above the point's bound.
    (The file's statistics bound every row, so a point outside this set has no such value; a
    point inside it is only read again, exactly.)"""
    suspect: set[tuple[str, str]] = set()
    for first, last, vmin, vmax in row_groups:
        if vmin >= 0 and maximum is None:
            continue
        i = bisect.bisect_left(keys, (first,))
        while i < len(keys) and keys[i][0] <= last:
            cap = _limit(maximum, keys[i])
            if vmin < 0 or (cap is not None and vmax > cap):
                suspect.add(keys[i])
            i += 1
    return suspect


def _window(info: MeterInfo | None, s_us: int, step: int, slots: int) -> tuple[int, int] | None:
    """The meter's calibration as offsets from the period's start, [from, to)."""
    if info is None:
        return None
    if info.calibrated_on is None or info.calibration_valid_until is None:
        return (slots * step + 1, slots * step + 1)  # no calibration: no reading inside it
    lo, hi = period_bounds((info.calibrated_on, info.calibration_valid_until))
    return (_us(lo) - s_us, _us(hi) - s_us)


def _adjust(
    findings: list[Finding],
    adjustments: list[Adjustment],
    finding: Finding,
    treatment: str,
    note: str = "",
) -> None:
    findings.append(finding)
    adjustments.append(Adjustment(finding, treatment, Decimal(0), note))


def _gaps(
    q: _Query,
    missing: Mapping[tuple[str, str], int],
    maps: Mapping[tuple[str, str], str],
    findings: list,
    adjustments: list,
    *,
    start: dt.datetime,
) -> None:
    """Names the missing intervals of each point that lacks some: the first ranges, and how many."""
    slots, minutes = q.slots, q.step // 60 // _US
    for key, n_missing in sorted(missing.items()):
        site, point = key
        bits = maps.get(key, "0" * slots)
        ranges: list[tuple[int, int]] = []
        i = 0
        while len(ranges) < GAP_RANGES:
            i = bits.find("0", i)
            if i < 0:
                break
            j = bits.find("1", i)
            j = len(bits) if j < 0 else j
            ranges.append((i, j))
            i = j
        named = "; ".join(
            f"[{(start + dt.timedelta(minutes=minutes * a)).isoformat()}, "
            f"{(start + dt.timedelta(minutes=minutes * b)).isoformat()})"
            for a, b in ranges
        )
        more = " …" if len(ranges) == GAP_RANGES else ""
        kind = "missing_period" if n_missing == slots else "gap"
        first = start + dt.timedelta(minutes=minutes * ranges[0][0]) if ranges else None
        _adjust(
            findings,
            adjustments,
            Finding(
                kind,
                f"{n_missing:,} of {slots:,} {minutes}-minute intervals of site {site}, "
                f"point {point} have no reading: {named or 'see the data'}{more}; nothing is "
                "counted for them",
                site=site,
                point=point,
                start=first,
            ),
            "exclude",
        )
