"""How fast the rules core assesses a proposal: the live editor of the platform calls this on
every change, so a 20-site, 60-line proposal must assess well under a frame budget.

Run: .venv/bin/python benchmarks/assess_speed.py [--sites 20] [--runs 200]
Prints the median and p95 wall time per assessment and the conditions it ran under.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from renkei.rules import assess_proposal, load_rulebook, parse_proposal
from renkei.rules.jcm import JcmProposal, reconstructed_table

ROOT = Path(__file__).resolve().parents[1]


def big_proposal(sites: int) -> JcmProposal:
    """The bundled passing example, its sites repeated to ``sites`` sites (3 lines each)."""
    base = parse_proposal(ROOT / "examples" / "jcm-multi-site-pass.yaml").model_dump()
    template = base["sites"][0]
    extra = base["sites"][1]["technologies"]
    base["sites"] = [
        {**template, "id": f"site-{i:02d}", "technologies": template["technologies"] + extra}
        for i in range(sites)
    ]
    return JcmProposal.model_validate(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    load_rulebook("jcm-model-project/fy2024")
    reconstructed_table("jcm-model-project/fy2024")  # warm caches, as a server would be
    proposal = big_proposal(args.sites)
    lines = sum(len(s.technologies) for s in proposal.sites)
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = assess_proposal(proposal)
        result.to_dict("ja")
        timings.append(time.perf_counter() - start)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"assess + render (ja), {args.sites} sites / {lines} technology lines, {args.runs} runs")
    print(
        f"  median {statistics.median(timings) * 1000:.2f} ms   p95 {p95 * 1000:.2f} ms   "
        f"findings {len(result.findings)}"
    )
    print(
        f"  conditions: Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )


if __name__ == "__main__":
    main()
