"""The selection optimiser benchmark at a tiny size: it runs, prints its figures for every
objective, and they agree with each other (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "selection_optimiser.py"


def _load():
    spec = importlib.util.spec_from_file_location("selection_optimiser", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["selection_optimiser"] = module
    spec.loader.exec_module(module)
    return module


def test_smoke_run_prints_consistent_figures(capsys) -> None:
    bench = _load()
    assert bench.main(["--proposals", "60", "--runs", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"conditions: Python \S+, .*\d+ CPUs, load average .* HiGHS \d+\.\d+", out)
    assert "60 proposals (seed 3)" in out
    for name in ("score", "tco2", "tco2_per_yen", "score_with_tco2_floor"):
        assert re.search(rf"objective {name}: optimal, gap 0, \d+ MILP", out), name
    sections = out.split("\nobjective ")[1:]
    assert len(sections) == 4
    for section in sections:
        figures = r"(\d+) proposals, score ([\d.]+), ([\d,]+) tCO2, budget used ([\d,]+) yen"
        rank = re.search(r"ranking \(greedy walk\): " + figures, section)
        opt = re.search(r"optimiser: +" + figures, section)
        gain = re.search(r"tCO2 ([+-][\d,]+) .*budget used ([+-][\d,]+) yen", section)
        assert rank and opt and gain, section

        def n(text: str) -> int:
            return int(text.replace(",", ""))

        assert n(gain.group(1)) == n(opt.group(3)) - n(rank.group(3))
        assert n(gain.group(2)) == n(opt.group(4)) - n(rank.group(4))
    # the tCO2 objective reaches at least the ranking's tCO2 when the ranking is feasible
    tco2 = next(s for s in sections if s.startswith("tco2:"))
    if "meets every constraint: yes" in tco2:
        assert re.search(r"gain over the ranking: score [+-][\d.]+, tCO2 \+", tco2)
    assert re.search(r"slowest objective: median \d+\.\d{3} s \(goal ≤ 10 s\)", out)
    assert re.search(r"infeasible on purpose .*: infeasible in \d+\.\d{3} s, \d+ constraints", out)
    assert "named: 'at least 3 in VN/boiler' cannot hold" in out, out
