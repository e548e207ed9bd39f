"""How fast the rules core assesses a proposal: the live editor of the platform calls this on
every change, so a 20-site, 60-line proposal must assess well under a frame budget.

Run: PYTHONPATH=src .venv/bin/python benchmarks/assess_speed.py [--sites 20] [--runs 200]
     [--baseline REF]
Prints the median and p95 wall time of the assessment alone and of assessment + rendering (the
finding sentences in Japanese and the JSON-ready dict), and the conditions it ran under.

With ``--baseline REF`` (a git commit), the same measurement runs on that commit's ``src`` (taken
with ``git archive``) and on this tree, in child processes taking turns in several rounds, so a
change in the machine's load hits both; it prints both and their ratio, and checks that both
trees give the same assessment (a SHA-256 of the rendered result).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def big_proposal(sites: int):
    """The bundled passing example, its sites repeated to ``sites`` sites (3 lines each)."""
    from renkei.rules import parse_proposal
    from renkei.rules.jcm import JcmProposal

    base = parse_proposal(ROOT / "examples" / "jcm-multi-site-pass.yaml").model_dump()
    template = base["sites"][0]
    extra = base["sites"][1]["technologies"]
    base["sites"] = [
        {**template, "id": f"site-{i:02d}", "technologies": template["technologies"] + extra}
        for i in range(sites)
    ]
    return JcmProposal.model_validate(base)


def measure(sites: int, runs: int) -> dict:
    """Timings (seconds) of ``runs`` assessments in this process, with the result's digest."""
    from renkei.rules import assess_proposal, load_rulebook
    from renkei.rules.jcm import reconstructed_table

    load_rulebook("jcm-model-project/fy2024")
    reconstructed_table("jcm-model-project/fy2024")  # warm caches, as a server would be
    proposal = big_proposal(sites)
    for _ in range(3):
        assess_proposal(proposal).to_dict("ja")
    assess, whole = [], []
    for _ in range(runs):
        start = time.perf_counter()
        result = assess_proposal(proposal)
        middle = time.perf_counter()
        rendered = result.to_dict("ja")
        end = time.perf_counter()
        assess.append(middle - start)
        whole.append(end - start)
    text = json.dumps(rendered, ensure_ascii=False, sort_keys=True, default=str)
    return {
        "assess": assess,
        "whole": whole,
        "findings": len(result.findings),
        "lines": sum(len(s.technologies) for s in proposal.sites),
        "digest": hashlib.sha256(text.encode()).hexdigest()[:16],
    }


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))]


def _line(name: str, m: dict) -> str:
    return (
        f"  {name:<22} assess + render median {statistics.median(m['whole']) * 1000:6.2f} ms, "
        f"p95 {_p95(m['whole']) * 1000:6.2f} ms; assessment alone median "
        f"{statistics.median(m['assess']) * 1000:6.2f} ms"
    )


def _baseline_src(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def compare(ref: str, sites: int, runs: int, rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trees = {f"baseline {ref}": _baseline_src(ref, Path(tmp)), "this tree": ROOT / "src"}
        results: dict[str, dict] = {}
        for _ in range(rounds):
            for name, src in trees.items():
                each = str(max(1, runs // rounds))
                child = subprocess.run(
                    [sys.executable, __file__, "--child", "--sites", str(sites), "--runs", each],
                    env={**os.environ, "PYTHONPATH": str(src)},
                    check=True,
                    capture_output=True,
                    text=True,
                )
                m = json.loads(child.stdout)
                r = results.setdefault(name, {**m, "assess": [], "whole": []})
                r["assess"] += m["assess"]
                r["whole"] += m["whole"]
                assert r["digest"] == m["digest"]
    base, new = results.values()
    print(f"assess + render (ja), {sites} sites / {new['lines']} technology lines, ", end="")
    print(f"{len(new['whole'])} runs each in {rounds} alternating rounds")
    for name, m in results.items():
        print(_line(name, m))
    ratio = statistics.median(base["whole"]) / statistics.median(new["whole"])
    ratio_a = statistics.median(base["assess"]) / statistics.median(new["assess"])
    print(f"  baseline / this tree: assess + render {ratio:.2f}x, assessment alone {ratio_a:.2f}x")
    same = base["digest"] == new["digest"] and base["findings"] == new["findings"]
    print(
        f"  same result: {'yes' if same else 'NO'} ({new['findings']} findings, "
        f"digest {new['digest']} / {base['digest']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", help="a git commit to measure against in the same run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.sites, args.runs)))
        return
    if args.baseline:
        compare(args.baseline, args.sites, args.runs)
    else:
        m = measure(args.sites, args.runs)
        print(f"assess + render (ja), {args.sites} sites / {m['lines']} technology lines")
        print(_line("this tree", m) + f"; findings {m['findings']}")
    print(
        f"  conditions: Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
