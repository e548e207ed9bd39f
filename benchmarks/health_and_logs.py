"""Logs and health (issue 14): what the request-log middleware adds to a request, and what one
readiness probe costs, each against a baseline measured in the same run.

- ``GET /api/health`` (liveness: checks nothing) through the whole middleware stack, with and
  without ``renkei.web.request_log.RequestLogMiddleware`` (its JSON line written to a null
  stream): the ratio is the middleware's cost;
- ``GET /healthz`` and ``GET /api/ready`` (database query, storage probe written, read and
  deleted, worker tables read) against ``GET /api/health``: the probe a load balancer sends every
  10 seconds.

Run: .venv/bin/python benchmarks/health_and_logs.py [--requests 500]
Uses a throw-away SQLite database and upload folder (or DATABASE_URL if set), in-process through
Django's test client (no network, no WSGI server).
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEBUG"] = "1"
    os.environ["RENKEI_LOG_FORMAT"] = "json"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renkei.web.settings"
    sys.path[:0] = [str(ROOT / "src")]
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    # the JSON lines are formatted as in production, then thrown away
    for handler in logging.getLogger("renkei").handlers:
        handler.setStream(io.StringIO())  # type: ignore[attr-defined]
    without = [m for m in settings.MIDDLEWARE if not m.endswith("RequestLogMiddleware")]
    n = args.requests
    client = Client()
    _timed(client, "/api/health", 50)  # warm-up
    with override_settings(MIDDLEWARE=without):
        bare_client = Client()
        _timed(bare_client, "/api/health", 50)
        bare = _timed(bare_client, "/api/health", n)
    logged = _timed(client, "/api/health", n)
    healthz = _timed(client, "/healthz", n)
    ready = _timed(client, "/api/ready", n)

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(f"{platform.python_version()} {platform.machine()} {os.cpu_count()} CPUs, {n} requests")
    print(f"/api/health without the request log  median {med(bare):.3f} ms")
    print(
        f"/api/health with the request log     median {med(logged):.3f} ms"
        f"  ({med(logged) / med(bare):.2f}x)"
    )
    print(
        f"/healthz (readiness)                 median {med(healthz):.3f} ms"
        f"  ({med(healthz) / med(logged):.2f}x liveness)"
    )
    print(
        f"/api/ready (readiness)               median {med(ready):.3f} ms"
        f"  ({med(ready) / med(logged):.2f}x liveness)"
    )
    left = list(Path(tmp, "var", "uploads", ".health").glob("*"))
    print(f"probes left in the storage: {len(left)}")


if __name__ == "__main__":
    main()
