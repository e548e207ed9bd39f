"""The MRV meter benchmark at a tiny size: it runs, prints its figures, and they agree with each
other (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "mrv_meter.py"


def _load():
    spec = importlib.util.spec_from_file_location("mrv_meter", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mrv_meter"] = module
    spec.loader.exec_module(module)
    return module


def test_smoke_run_prints_consistent_figures(tmp_path, capsys) -> None:
    bench = _load()
    assert bench.main(["--sites", "10", "--days", "2", "--runs", "1", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    # 10 sites × 192 intervals, less site 7's second day (96), plus site 9's 10 repeated
    assert "1,834 rows (10 sites × 2 days × 96 intervals" in out
    assert re.search(r"bare aggregate \(DuckDB alone\): median \d+\.\d{3} s of 1 runs", out)
    bare = float(re.search(r"bare aggregate.*median (\d+\.\d+) s", out).group(1))
    ours = float(re.search(r"renkei period_totals.*median (\d+\.\d+) s", out).group(1))
    ratio = float(re.search(r"ratio renkei / bare: (\d+\.\d+)", out).group(1))
    # the ratio is of the unrounded times; the times are printed to the millisecond, so the
    # ratio lies between what the printed times allow (each ± 0.0005 s), up to its own rounding
    low = (ours - 0.0005) / (bare + 0.0005)
    high = (ours + 0.0005) / max(bare - 0.0005, 1e-9)
    assert low - 0.005 <= ratio <= high + 0.005, (low, ratio, high)
    # the same for the CPU times (every thread's): the figure that the machine's load moves less
    cpu = re.search(
        r"CPU time \(all threads\): bare median (\d+\.\d{3}) s, renkei median (\d+\.\d{3}) s; "
        r"ratio (\d+\.\d+)",
        out,
    )
    assert cpu, out
    b_cpu, r_cpu, cpu_ratio = map(float, cpu.groups())
    assert r_cpu > 0 and b_cpu > 0
    low = (r_cpu - 0.0005) / (b_cpu + 0.0005)
    high = (r_cpu + 0.0005) / max(b_cpu - 0.0005, 1e-9)
    assert low - 0.005 <= cpu_ratio <= high + 0.005, (low, cpu_ratio, high)
    assert re.search(
        r"of which the reductions: median \d+\.\d{3} s; period_totals alone / bare: \d", out
    )
    assert "96 missing intervals, 2 negative, 10 duplicates, 0 outside calibration" in out
    assert "totals equal the bare sums for the 7 sites without faults: yes" in out
    assert re.search(r"peak memory \(ru_maxrss\): \d+\.\d\d GiB", out)
    assert re.search(
        r"\.xlsx monitoring sheet of one site \(2 daily readings.*2 readings, "
        r"0 cell errors, 0 findings",
        out,
    )
