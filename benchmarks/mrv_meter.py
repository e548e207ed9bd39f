"""The MRV meter benchmark (issue 9): N sites × D days of 15-minute readings (1,000 × 365 ≈ 35 M
rows), generated as Parquet with DuckDB; times Renkei's quality checks + the period's totals for
every site (``renkei.mrv.meter.period_totals``) + the reductions per site, against a bare
``SELECT site, point, sum(value) … GROUP BY`` over the same Parquet with DuckDB alone, in the
same run (the ratio is the figure); prints the peak memory and the conditions. Each side is
timed in wall-clock time and in the process's CPU time (every thread's, ``time.process_time``):
on a machine shared with other work the wall-clock ratio swings with the load (from 1.0 to 4.0
between runs under load 5–7), the CPU-time ratio much less. Also times the
.xlsx monitoring sheet of one site (a year of daily readings) through
``renkei.mrv.datafile.read_readings`` and ``quality.check``.

    PYTHONPATH=src python benchmarks/mrv_meter.py                 # 1,000 sites × 365 days
    PYTHONPATH=src python benchmarks/mrv_meter.py --sites 3 --days 2 --runs 1   # a smoke run

Faults are seeded in 3 % of the sites (a missing day, negative readings, repeated intervals) so
that the checks have something to find; calibration dates and a plausibility bound are given
for every point."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from renkei.mrv import datafile, meter, quality
from renkei.mrv.quality import JST, MeterInfo

START = dt.datetime(2025, 4, 1, tzinfo=JST)
SLOTS_PER_DAY = 96
EF = Decimal("0.5")  # tCO2/MWh: the fallback factor when renkei.mrv.compute is not there
MAXIMUM = Decimal(100)  # kWh per 15 minutes: the plausibility bound given for every point


def generate(path: Path, sites: int, days: int) -> None:
    """The readings, in DuckDB alone, sorted by site, point and time and written with the same
    Parquet options and layout (``meter.LAYOUT``: the time as BIGINT microseconds) as
    ``meter.store_interval`` stores them: values 0–9.999 kWh; site s with
    s % 100 == 7 lacks its second day, == 8 has a negative reading every 97 intervals, == 9
    repeats its first 10."""
    slots = days * SLOTS_PER_DAY
    con = duckdb.connect(
        config={
            "memory_limit": "1GB",
            "threads": os.cpu_count() or 1,
            "temp_directory": str(path.parent / "duckdb-spill"),
        }
    )
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    # sorted on the integers (a cheap sort key), one site at a time is the order of the output
    keys = f"""SELECT s, k FROM range({sites}) a(s), range({slots}) b(k)
               WHERE NOT (s % 100 = 7 AND k >= {SLOTS_PER_DAY} AND k < {2 * SLOTS_PER_DAY})
               UNION ALL SELECT s, k FROM range({sites}) a(s), range(10) b(k) WHERE s % 100 = 9
               ORDER BY s, k"""
    con.execute(
        f"""COPY (SELECT 'S' || lpad(s::VARCHAR, 5, '0') AS site, '1' AS point,
                  epoch_us(TIMESTAMPTZ '{START.isoformat()}' + to_minutes(15 * k)) AS epoch_us,
                  (CASE WHEN s % 100 = 8 AND k % 97 = 5 THEN -1
                        ELSE (hash(s, k) % 10000) / 1000 END)::DECIMAL(18, 6) AS value
                FROM ({keys}))
            TO '{path}.part' ({meter.PARQUET_OPTIONS}, KV_METADATA {{unit: 'kWh'}})"""
    )
    os.replace(f"{path}.part", path)  # a run stopped half-way leaves no file taken for whole
    con.close()


def bare(parquet: Path) -> dict:
    con = meter.connect()
    try:
        rows = con.execute(
            "SELECT site, point, sum(value) FROM read_parquet(?) GROUP BY site, point",
            [str(parquet)],
        ).fetchall()
    finally:
        con.close()
    return {(s, p): v for s, p, v in rows}


def _reductions_fn():
    """Per-site reductions through renkei.mrv.compute (ID_AM003, the COP-ratio family) when the
    core helper's module is there; else the totals × a fixed factor."""
    try:
        from renkei.mrv import compute, methodologies
        from renkei.mrv.types import Quantity
    except ImportError:
        return "totals × 0.5 tCO2/MWh (renkei.mrv.compute not in this tree)", (
            lambda totals: {k: q.value / 1000 * EF for k, q in totals.items()}
        )
    m = methodologies.load("ID_AM003")
    fixed = {
        "COP_PJ": Quantity(Decimal("6.0"), "-"),
        "COP_RE": Quantity(Decimal("4.0"), "-"),
        "EF_elec": Quantity(Decimal("0.5"), "tCO2/MWh"),
    }

    def reductions(totals):
        points = [
            compute.PointValues(site, point, {"EC_PJ": Quantity(q.value / 1000, "MWh")})
            for (site, point), q in sorted(totals.items())
        ]
        result = compute.compute(m, fixed=fixed, points=points)
        return dict(result.per_site)

    return "renkei.mrv.compute, ID_AM003 (COP 6.0 vs 4.0, 0.5 tCO2/MWh)", reductions


def renkei(parquet: Path, sites: int, days: int, reductions) -> tuple:
    meters = {
        (f"S{s:05d}", "1"): MeterInfo(f"M-{s}", dt.date(2024, 1, 1), dt.date(2026, 12, 31))
        for s in range(sites)
    }
    outcome = meter.period_totals(
        parquet,
        start=START,
        end=START + dt.timedelta(days=days),
        interval_minutes=15,
        meters=meters,
        maximum=MAXIMUM,
    )
    t0 = time.perf_counter()
    per_site = reductions(outcome.totals)
    return outcome, per_site, time.perf_counter() - t0


def timed(fn, *args):
    """(wall-clock seconds, value); the CPU seconds of the call are in ``timed.cpu``."""
    c0, t0 = time.process_time(), time.perf_counter()
    value = fn(*args)
    timed.cpu = time.process_time() - c0
    return time.perf_counter() - t0, value


def xlsx_sheet(path: Path, days: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("Readings")
    ws.append(["site", "point", "parameter", "start", "end", "value", "unit", "meter"])
    for d in range(days):
        day = START + dt.timedelta(days=d)
        ws.append(
            ["A", "1", "EC_PJ", day.isoformat(), (day + dt.timedelta(days=1)).isoformat(),
             round(1.5 + (d % 7) / 10, 3), "MWh", "M-1"]
        )  # fmt: skip
    book.save(path)


def read_sheet(path: Path, days: int):
    outcome = datafile.read_readings(path, name=path.name)
    last = (START + dt.timedelta(days=days - 1)).date()
    report = quality.check(
        outcome.readings,
        methodology=None,
        period=(START.date(), last),
        meters={"M-1": MeterInfo("M-1", dt.date(2024, 1, 1), dt.date(2026, 12, 31))},
    )
    return outcome, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--dir", type=Path, default=None, help="where the Parquet is kept")
    parser.add_argument("--generate", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate:  # in a child process, so that its memory is not the measured process's
        generate(args.generate, args.sites, args.days)
        return 0
    work = args.dir or Path(tempfile.gettempdir()) / "renkei-mrv-bench"
    work.mkdir(parents=True, exist_ok=True)
    # "v3": Parquet version 2 pages and the time as BIGINT microseconds (meter.LAYOUT), as
    # store_interval writes them (a file left by an older run of this script is not reused)
    parquet = work / f"meter_{args.sites}x{args.days}_v3.parquet"
    if not parquet.exists():
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate", str(parquet), "--sites", str(args.sites),
             "--days", str(args.days)],
            check=True,
            env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        print(f"generated {parquet} in {time.perf_counter() - t0:.1f} s")
    size = parquet.stat().st_size
    con = duckdb.connect()
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()[0]
    con.close()
    how, reductions = _reductions_fn()

    bare(parquet)  # warm the file cache and DuckDB's start-up: neither run pays for it first
    bare_times, renkei_times, compute_times, bare_cpu, renkei_cpu = [], [], [], [], []
    for _ in range(args.runs):  # alternated, so that load on the machine falls on both alike
        seconds, sums = timed(bare, parquet)
        bare_times.append(seconds)
        bare_cpu.append(timed.cpu)
        seconds, (outcome, per_site, in_compute) = timed(
            renkei, parquet, args.sites, args.days, reductions
        )
        renkei_times.append(seconds)
        renkei_cpu.append(timed.cpu)
        compute_times.append(in_compute)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    clean = [k for k in sums if int(k[0][1:]) % 100 not in (7, 8, 9)]
    consistent = all(outcome.totals[k].value == sums[k] for k in clean)
    b, r = statistics.median(bare_times), statistics.median(renkei_times)
    print(
        f"conditions: {rows:,} rows ({args.sites:,} sites × {args.days} days × 96 intervals, "
        f"seeded faults), Parquet {size / 2**20:.1f} MiB; DuckDB {duckdb.__version__}, "
        f"memory_limit {meter.MEMORY_LIMIT}, threads {meter.connect().execute('SELECT current_setting(?)', ['threads']).fetchone()[0]}; "  # noqa: E501
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; Python "
        f"{platform.python_version()}, {platform.machine()}"
    )
    print(f"bare aggregate (DuckDB alone): median {b:.3f} s of {args.runs} runs")
    print(f"renkei period_totals + checks + reductions: median {r:.3f} s of {args.runs} runs")
    print(f"ratio renkei / bare: {r / b:.2f}")
    b_cpu, r_cpu = statistics.median(bare_cpu), statistics.median(renkei_cpu)
    print(
        f"CPU time (all threads): bare median {b_cpu:.3f} s, renkei median {r_cpu:.3f} s; "
        f"ratio {r_cpu / b_cpu:.2f}"
    )
    c_t = statistics.median(compute_times)
    print(
        f"of which the reductions: median {c_t:.3f} s; "
        f"period_totals alone / bare: {(r - c_t) / b:.2f}"
    )
    print(f"reductions: {how}; {len(per_site):,} sites, total {sum(per_site.values()):.3f} tCO2")
    c = outcome.counts
    print(
        f"findings: {len(outcome.findings)} ({c['missing_intervals']:,} missing intervals, "
        f"{c['negative']:,} negative, {c['duplicates']:,} duplicates, "
        f"{c['calibration_expired']:,} outside calibration); points {c['points']:,}; "
        f"rows in period {c['in_period']:,}"
    )
    print(f"totals equal the bare sums for the {len(clean):,} sites without faults: "
          f"{'yes' if consistent else 'NO'}")  # fmt: skip
    print(f"peak memory (ru_maxrss): {peak_kib / 2**20:.2f} GiB ({peak_kib:,} KiB)")

    sheet = work / "monitoring_one_site.xlsx"
    xlsx_sheet(sheet, args.days)
    sheet_times = []
    for _ in range(max(args.runs, 3)):
        seconds, (read, report) = timed(read_sheet, sheet, args.days)
        sheet_times.append(seconds)
    print(
        f".xlsx monitoring sheet of one site ({args.days} daily readings, "
        f"{sheet.stat().st_size / 1024:.0f} KiB): read + checked, median "
        f"{statistics.median(sheet_times) * 1000:.1f} ms; {len(read.readings)} readings, "
        f"{len(read.errors)} cell errors, {len(report.findings)} findings"
    )
    return 0 if consistent else 1


if __name__ == "__main__":
    sys.exit(main())
