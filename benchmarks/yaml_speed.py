"""How fast Renkei reads YAML, three loaders in the same run:

- before: the strict loader as it was until issue 12 (a subclass of PyYAML's pure-Python
  SafeLoader with duplicate-key and Decimal constructors; copied below as the baseline);
- the strict loader now, on PyYAML's pure-Python parser (the fallback without libyaml);
- the strict loader now, on libyaml's C parser (what Renkei uses).

Three measures:
  1. parsing a generated N-site JCM proposal (default 500 sites, 1,500 technology lines);
  2. `renkei assess` of that proposal in-process (parse, validate, assess, render JSON);
  3. the CLI's start-up: `python -m renkei.cli rules technologies --json` in a fresh process
     (imports plus loading the rulebook, the annex-3 table and the message catalogue).

Run: PYTHONPATH=src .venv/bin/python benchmarks/yaml_speed.py [--sites 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from renkei.rules import _yaml, assess_proposal, parse_proposal
from renkei.rules._result import jsonable

ROOT = Path(__file__).resolve().parents[1]

# --- the loader before issue 12 (src/renkei/rules/_yaml.py at commit bc39cde) -----------------
OLD_LOADER = """
from decimal import Decimal, InvalidOperation
from typing import Any
import yaml


class OldStrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in result:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


def _construct_decimal(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(None, None, "not finite", node.start_mark)
    return value


OldStrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
OldStrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
"""
_old: dict = {}
exec(OLD_LOADER, _old)  # our own code, kept verbatim as the baseline
LOADERS = {
    "before (pure Python)": _old["OldStrictLoader"],
    "now, pure-Python fallback": _yaml.PythonStrictLoader,
    "now, libyaml": _yaml.StrictLoader,
}
STARTUP = """
import sys, runpy
import renkei.rules._yaml as y
kind = sys.argv.pop(1)
if kind == "old":
    ns = {}
    exec(sys.argv.pop(1), ns)
    y.StrictLoader = ns["OldStrictLoader"]
elif kind == "python":
    y.StrictLoader = y.PythonStrictLoader
sys.argv = ["renkei", "rules", "technologies", "--json"]
runpy.run_module("renkei.cli", run_name="__main__")
"""


def big_proposal_text(sites: int) -> str:
    """The bundled passing example, its sites repeated to ``sites`` sites (3 lines each)."""
    base = _yaml.load_yaml_file(ROOT / "examples" / "jcm-multi-site-pass.yaml")
    template, extra = base["sites"][0], base["sites"][1]["technologies"]
    base["sites"] = [
        {**template, "id": f"site-{i:03d}", "technologies": template["technologies"] + extra}
        for i in range(sites)
    ]
    return yaml.dump(jsonable(base), allow_unicode=True, sort_keys=False)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = big_proposal_text(args.sites)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    times: dict[str, dict[str, list[float]]] = {
        name: {"parse": [], "assess": [], "startup": []} for name in LOADERS
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(text, encoding="utf-8")
        print(f"proposal: {args.sites} sites, {len(text) / 1024:.0f} KiB of YAML")

        def assess(loader) -> None:
            saved = _yaml.StrictLoader
            _yaml.StrictLoader = loader
            try:
                result = assess_proposal(parse_proposal(path))
                json.dumps(jsonable(result.to_dict("ja")), ensure_ascii=False)
            finally:
                _yaml.StrictLoader = saved

        assess(_yaml.StrictLoader)  # warm the rulebook caches, as a running server would be
        # the loaders take turns within each run, so a change in the machine's load hits all
        for _ in range(args.runs):
            for name, loader in LOADERS.items():
                kind = {_yaml.PythonStrictLoader: "python", _yaml.StrictLoader: "c"}.get(
                    loader, "old"
                )
                cmd = [
                    sys.executable,
                    "-c",
                    STARTUP,
                    kind,
                    *([OLD_LOADER] if kind == "old" else []),
                ]
                t = times[name]
                t["parse"].append(_time(lambda loader=loader: _yaml.parse_yaml(text, loader)))
                t["assess"].append(_time(lambda loader=loader: assess(loader)))
                t["startup"].append(
                    _time(
                        lambda cmd=cmd: subprocess.run(
                            cmd, env=env, check=True, capture_output=True
                        )
                    )
                )
    results = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    best = {name: {k: min(v) for k, v in t.items()} for name, t in times.items()}
    base = results["before (pure Python)"]
    print(f"median of {args.runs} (best in brackets)")
    print(f"{'':28} {'parse':>18} {'assess (CLI)':>18} {'CLI start-up':>18}")
    for name, r in results.items():
        b = best[name]
        print(
            f"{name:28} "
            + " ".join(
                f"{r[k] * 1000:7.0f} ({b[k] * 1000:5.0f}) ms"
                for k in ("parse", "assess", "startup")
            )
        )
    for name, r in list(results.items())[1:]:
        print(
            f"before / {name}: parse {base['parse'] / r['parse']:.1f}x, "
            f"assess {base['assess'] / r['assess']:.1f}x, "
            f"start-up {base['startup'] / r['startup']:.1f}x"
        )
    print(
        f"conditions: Python {platform.python_version()}, PyYAML {yaml.__version__} "
        f"(libyaml {'yes' if _yaml.LIBYAML else 'no'}), {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
