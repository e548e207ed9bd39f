"""Render time of the proposal editor for a 20-site proposal with its live assessment.

Run: .venv/bin/python benchmarks/editor_page.py [--sites 20] [--runs 100]
Uses a throw-away SQLite database (or DATABASE_URL if set) and Django's test client, so the
figures are server-side: view, forms, assessment, template rendering; no network, no browser.
Three requests are timed: the editor page (form 4's structure, GET), one live assessment of the
form as typed (the htmx POST each pause in typing sends), and the advanced YAML editor (GET).
Production settings (debug off, as a served site runs).

``--gc`` compares, in the same run, the editor page with and without ``gc.freeze()`` after
start-up (what renkei.web.wsgi does): blocks of runs alternate between frozen and unfrozen, so
that both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--gc", action="store_true", help="compare the editor page with and without gc.freeze()"
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEMO_NOW"] = "2024-05-01T10:00:00+09:00"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renkei.web.settings"
    os.environ["RENKEI_DEBUG"] = "0"
    os.environ.setdefault("RENKEI_SECRET_KEY", "renkei-benchmark-only-" + os.urandom(16).hex())
    os.environ["RENKEI_HTTPS"] = "0"  # the test client speaks plain HTTP
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import django

    django.setup()
    from assess_speed import big_proposal
    from django.core.management import call_command
    from django.test import Client

    from renkei.accounts.models import Organisation, Role, User
    from renkei.calls.models import Call, Round
    from renkei.proposals import editor, services

    call_command("migrate", verbosity=0)
    call_command("renkei_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    applicant = User.objects.get(username="applicant")
    round_ = Round.objects.get(
        call=Call.objects.get(rulebook_id="jcm-model-project/fy2024"), code="first"
    )
    document = big_proposal(args.sites).model_dump(mode="json")
    document["target_deadline"] = round_.deadline.isoformat()
    proposal = services.proposal_create(
        actor=applicant,
        round=round_,
        title=document["title"],
        country=document["country"],
        document=document,
    )
    assert Organisation.objects.exists() and applicant.role == Role.APPLICANT
    client = Client()
    client.force_login(applicant)
    edit = f"/proposals/{proposal.pk}/edit/"
    page = client.get(edit)  # warm caches, as a running server would be
    assert page.status_code == 200 and b'name="editor" value="jcm"' in page.content
    form, dropped = editor.document_to_data(proposal.document)
    assert not dropped
    lines = sum(len(s["technologies"]) for s in document["sites"])
    print(f"{args.sites} sites / {lines} technology lines, {args.runs} runs each, language ja")
    if args.gc:
        compare_gc_freeze(lambda: client.get(edit), args.runs)
        _conditions()
        return
    for label, send in (
        ("editor page (GET)", lambda: client.get(edit)),
        (
            "live assessment (POST form)",
            lambda: client.post(  # urlencoded, as htmx sends it
                f"/proposals/{proposal.pk}/assessment/",
                urlencode({**form, "editor": "jcm"}),
                content_type="application/x-www-form-urlencoded",
            ),
        ),
        ("YAML editor (GET)", lambda: client.get(f"{edit}yaml/")),
    ):
        response = send()
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = send()
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        print(
            f"  {label:<28} median {statistics.median(timings) * 1000:6.1f} ms   "
            f"p95 {p95 * 1000:6.1f} ms   {len(response.content) // 1024} KiB"
        )
    _conditions()


def _conditions() -> None:
    import django.db

    print(
        f"  conditions: Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, database {django.db.connection.vendor}, "
        f"load average {os.getloadavg()[0]:.1f}, {platform.platform()}"
    )


def _figures(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings) * 1000, timings[int(0.95 * (len(timings) - 1))] * 1000


def compare_gc_freeze(send, runs: int, block: int = 10) -> None:
    """The editor page with and without gc.freeze(), in alternating blocks of ``block`` runs."""
    import gc

    timings: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}  # less sensitive to a shared machine
    collections = {False: 0, True: 0}
    for i in range(2 * max(1, runs // block)):
        frozen = i % 2 == 1
        gc.unfreeze()
        gc.collect()
        if frozen:
            gc.freeze()  # everything made so far: start-up, the data, the warm caches
        before = gc.get_stats()[2]["collections"]
        for _ in range(block):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = send()
            timings[frozen].append(time.perf_counter() - start)
            cpu[frozen].append(time.process_time() - start_cpu)
            assert response.status_code == 200
        collections[frozen] += gc.get_stats()[2]["collections"] - before
    gc.unfreeze()
    for frozen in (False, True):
        median, p95 = _figures(timings[frozen])
        cpu_median, cpu_p95 = _figures(cpu[frozen])
        label = "editor page, gc.freeze()" if frozen else "editor page, no freeze"
        print(
            f"  {label:<28} median {median:6.1f} ms   p95 {p95:6.1f} ms   "
            f"(CPU median {cpu_median:6.1f} ms, p95 {cpu_p95:6.1f} ms)   "
            f"{len(timings[frozen])} runs, {collections[frozen]} full collections"
        )
    for name, series in (("wall", timings), ("CPU", cpu)):
        (m0, p0), (m1, p1) = _figures(series[False]), _figures(series[True])
        print(f"  frozen / not frozen, {name} time: median {m1 / m0:.2f}, p95 {p1 / p0:.2f}")


if __name__ == "__main__":
    main()
