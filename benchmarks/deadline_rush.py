"""The deadline rush (issue 3): many applicants submitting at once, each with 5 MiB of attachments,
against PostgreSQL behind a multi-worker gunicorn on loopback.

Run: make bench-rush RUSH_ARGS="--proposals 200 --clients 50"
  or .venv/bin/python benchmarks/deadline_rush.py --database-url postgres://…/renkei_bench
(needs `pip install -e '.[bench]'` for gunicorn, and a PostgreSQL role with CREATEDB, as
`.ci/run` sets up). The database named in the URL is dropped and created afresh, so its name must
contain "bench"; it is dropped again at the end unless --keep.

What happens:
1. set-up (not timed): migrate; open the JCM call from its rulebook; per applicant an account
   request issued by the office (the services), a password, and a draft proposal made from the
   bundled passing sample (examples/jcm-multi-site-pass.yaml), as `make demo` makes its samples;
2. gunicorn serves renkei.web.wsgi (DEBUG off, uploads in a temporary directory, the platform's
   clock set one hour before the first round's 12:00 JST deadline);
3. upload phase: C client threads, one applicant at a time each, log in with the password form,
   open the editor page and upload the 12 documents form 6 requires (5 MiB in all) through the
   attach form (multipart, with the page's CSRF token);
4. submit phase (the rush): the C threads start together and press "submit" for every proposal
   with the key the editor page gave; some proposals are double-clicked (two requests at once) or
   retried after the answer, with the same key;
5. the receipt number each submit request was answered with (the message it left) and the one
   the proposal page shows afterwards are compared with the database, which is checked: one
   version and one unique receipt number per proposal, with the key the client sent; every
   attachment stored once with the size and SHA-256 the client sent (as recorded, and re-read
   from the stored file); one notice and one audit event per submission; nothing lost.

Latencies are client-side wall times of single requests (redirects not followed), nearest-rank
percentiles. The clients run on the same machine as the server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import os
import platform
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "jcm-multi-site-pass.yaml"
MIB = 1024 * 1024
JST = ZoneInfo("Asia/Tokyo")
# the 12 documents 5.(3) always requires, named after form 6's numbers (5.(3) ※)
DOCUMENTS = {
    "form1": "1_提案書.pdf",
    "form2": "2_届出書.pdf",
    "form3_00": "3-00_計画書.pdf",
    "form3_12": "3-12_根拠.pdf",
    "form3_16": "3-16_PIN.pdf",
    "form4": "4_経費.pdf",
    "quotations": "4-1_見積書.pdf",
    "company_profile": "4-2_企業パンフレット.pdf",
    "financial_statements": "4-3_財務諸表.pdf",
    "consortium_agreement": "4-4_コンソーシアム協定書.pdf",
    "form5": "5_Agreement.pdf",
    "form6": "6_チェックリスト.pdf",
}
PASSWORD = "rush-Kericho-2024-boilers"
RECEIPT = re.compile(r"(?:JCM|C3P)-\d{8}-\d{4}")


# --- pure helpers (tested in tests/benchmarks/test_deadline_rush_smoke.py) --------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below."""
    if not values:
        raise ValueError("no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def summary_ms(values: list[float]) -> str:
    """'n=…  p50 … p95 … p99 … max … ms' of timings given in seconds."""
    if not values:
        return "n=0"
    p = {q: percentile(values, q) * 1000 for q in (50, 95, 99)}
    return (
        f"n={len(values):<5} p50 {p[50]:8.1f}  p95 {p[95]:8.1f}  p99 {p[99]:8.1f}  "
        f"max {max(values) * 1000:8.1f} ms"
    )


def split_bytes(total: int, parts: int) -> list[int]:
    """``total`` bytes over ``parts`` files, as even as can be (the first ones take the rest)."""
    if parts <= 0 or total < parts:
        raise ValueError("need at least one byte per file")
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def attachment_content(seed: str, size: int) -> bytes:
    """A file that passes the PDF check (magic number) and whose bytes differ per seed."""
    head = b"%PDF-1.7\n"
    if size < len(head):
        raise ValueError("a PDF needs at least 9 bytes")
    return head + random.Random(seed).randbytes(size - len(head))


@dataclass
class Sent:
    """What one applicant's browser sent and was shown."""

    proposal_id: int
    username: str
    key: str = ""  # the idempotency key of every submit request for this proposal
    attachments: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # id: name,size,sha
    submit_requests: int = 0
    receipts_told: list[str] = field(default_factory=list)  # by the message after each submit
    receipt_seen: str = ""  # on the proposal page afterwards


@dataclass
class StoredAttachment:
    document_id: str
    name: str
    size: int
    sha256: str  # as recorded at upload
    file_size: int  # as read back from storage now
    file_sha256: str
    version_number: int | None


@dataclass
class Stored:
    """What the database holds for one proposal after the rush."""

    proposal_id: int
    state: str
    receipt_number: str | None
    versions: list[tuple[int, str]]  # (number, idempotency key)
    attachments: list[StoredAttachment]
    notices: int
    submit_events: int


def integrity_problems(sent: list[Sent], stored: dict[int, Stored]) -> list[str]:
    """Every way the stored result differs from what the applicants sent; [] when none."""
    problems: list[str] = []
    for s in sent:
        p = stored.get(s.proposal_id)
        where = f"proposal {s.proposal_id} ({s.username})"
        if p is None:
            problems.append(f"{where}: not in the database (lost)")
            continue
        if p.state != "submitted":
            problems.append(f"{where}: state {p.state!r}, not submitted (lost submission)")
        if len(p.versions) != 1:
            problems.append(f"{where}: {len(p.versions)} versions, expected exactly 1")
        elif p.versions[0] != (1, s.key):
            problems.append(f"{where}: version {p.versions[0]}, expected (1, {s.key!r})")
        if not p.receipt_number:
            problems.append(f"{where}: no receipt number")
        elif s.receipt_seen != p.receipt_number:
            problems.append(
                f"{where}: applicant was shown {s.receipt_seen!r}, stored {p.receipt_number!r}"
            )
        if len(s.receipts_told) != s.submit_requests or any(
            r != p.receipt_number for r in s.receipts_told
        ):
            problems.append(
                f"{where}: the {s.submit_requests} submit requests were answered with receipts "
                f"{s.receipts_told}, stored {p.receipt_number!r}"
            )
        if p.notices != 1:
            problems.append(f"{where}: {p.notices} receipt notices, expected 1")
        if p.submit_events != 1:
            problems.append(f"{where}: {p.submit_events} proposal_submit audit events, expected 1")
        per_doc = Counter(a.document_id for a in p.attachments)
        for doc_id, n in sorted(per_doc.items()):
            if n != 1:
                problems.append(f"{where}: {doc_id} stored {n} times")
            if doc_id not in s.attachments:
                problems.append(f"{where}: {doc_id} stored but never sent")
        for doc_id in sorted(set(s.attachments) - set(per_doc)):
            problems.append(f"{where}: {doc_id} sent but not stored")
        for a in p.attachments:
            if a.document_id not in s.attachments:
                continue
            name, size, sha = s.attachments[a.document_id]
            if (a.name, a.size, a.sha256) != (name, size, sha):
                problems.append(
                    f"{where}: {a.document_id} recorded as {(a.name, a.size, a.sha256)}, "
                    f"sent {(name, size, sha)}"
                )
            if (a.file_size, a.file_sha256) != (size, sha):
                problems.append(
                    f"{where}: {a.document_id} file holds {a.file_size} bytes "
                    f"sha256 {a.file_sha256}, sent {size} bytes sha256 {sha}"
                )
            if a.version_number != 1:
                problems.append(f"{where}: {a.document_id} belongs to version {a.version_number}")
    receipts = Counter(p.receipt_number for p in stored.values() if p.receipt_number)
    problems += [f"receipt number {r} given {n} times" for r, n in receipts.items() if n > 1]
    keys = Counter(k for p in stored.values() for _, k in p.versions)
    problems += [f"idempotency key {k} on {n} versions" for k, n in keys.items() if n > 1]
    unexpected = sorted(set(stored) - {s.proposal_id for s in sent})
    problems += [f"proposal {pk} stored but no applicant sent it" for pk in unexpected]
    return problems


# --- the database ---------------------------------------------------------------------------
def _database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise SystemExit(f"no database name in {url}")
    return name


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    """Drop (and create) the bench database through the server's maintenance database."""
    import psycopg
    from psycopg import sql

    name = _database_name(url)
    if "bench" not in name:
        raise SystemExit(
            f"refusing to drop and recreate {name!r}: the bench database's name must contain "
            "'bench' (e.g. renkei_bench), so that a development or test database is never touched"
        )
    parts = urlsplit(url)
    admin = urlunsplit(
        (parts.scheme.replace("postgresql", "postgres"), parts.netloc, "/postgres", parts.query, "")
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def seed(proposals: int) -> tuple[list[Sent], Any]:
    """The call, the office, and per applicant an issued account and a draft proposal."""
    import yaml
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from renkei.accounts.models import Role, User
    from renkei.accounts.services import account_issue, account_request_create
    from renkei.calls.services import call_open_from_rulebook
    from renkei.proposals import services

    call_command("migrate", verbosity=0)
    call = call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024",
        title_ja="令和6年度から令和8年度 JCM設備補助事業 公募",
        title_en="JCM Model Project call FY2024–FY2026",
    )
    round_ = call.rounds.get(code="first")
    office = User.objects.create(
        username="rush-office", role=Role.OFFICE, is_staff=True, email="office@example.org"
    )
    template = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    template.pop("documents", None)  # attachments come from the uploads
    template["target_deadline"] = round_.deadline.isoformat()
    errors = services.document_errors(template)
    if errors:
        raise SystemExit(f"the sample proposal does not validate: {errors}")
    hashed = make_password(PASSWORD)  # one hash for all: set-up would otherwise take minutes
    sent = []
    for i in range(1, proposals + 1):
        req = account_request_create(
            actor=None,
            organisation_name=f"ラッシュ・サンプル株式会社{i:04d}",
            organisation_country="JP",
            contact_name=f"申請 太郎{i:04d}",
            email=f"rush{i:04d}@example.org",
        )
        user = account_issue(actor=office, request=req)
        User.objects.filter(pk=user.pk).update(password=hashed)
        document = {**template, "title": f"【サンプル】締切直前の提案 {i:04d}"}
        document["consortium"] = {
            **template["consortium"],
            "representative": {
                **template["consortium"]["representative"],
                "name": user.organisation.name,
            },
        }
        proposal = services.proposal_create(
            actor=user,
            round=round_,
            title=document["title"],
            country=document["country"],
            document=document,
        )
        sent.append(Sent(proposal_id=proposal.pk, username=user.username))
    return sent, round_


def stored_state() -> dict[int, Stored]:
    """Every proposal in the (fresh) bench database, with its files re-read from storage."""
    from django.core.files.storage import default_storage

    from renkei.accounts.models import Notice
    from renkei.audit.models import AuditEvent
    from renkei.proposals.models import Proposal

    notices = Counter(
        int(link.strip("/").split("/")[-1])
        for link in Notice.objects.filter(link__startswith="/proposals/").values_list(
            "link", flat=True
        )
    )
    events = Counter(
        int(pk)
        for pk in AuditEvent.objects.filter(
            action="proposal_submit", object_type="proposals.proposal"
        ).values_list("object_id", flat=True)
    )
    out = {}
    for p in Proposal.objects.prefetch_related("versions", "attachments__version"):
        attachments = []
        for a in p.attachments.all():
            digest, size = hashlib.sha256(), 0
            with default_storage.open(a.file.name, "rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(MIB), b""):
                    digest.update(chunk)
                    size += len(chunk)
            attachments.append(
                StoredAttachment(
                    document_id=a.document_id,
                    name=a.original_name,
                    size=a.size,
                    sha256=a.sha256,
                    file_size=size,
                    file_sha256=digest.hexdigest(),
                    version_number=a.version.number if a.version else None,
                )
            )
        out[p.pk] = Stored(
            proposal_id=p.pk,
            state=p.state,
            receipt_number=p.receipt_number,
            versions=[(v.number, v.idempotency_key) for v in p.versions.all()],
            attachments=attachments,
            notices=notices[p.pk],
            submit_events=events[p.pk],
        )
    return out


# --- the server -----------------------------------------------------------------------------
GUNICORN_CONF = """
import logging, sys

def post_worker_init(worker):
    # DEBUG is off, so Django would log a 500's traceback nowhere: send it to the error log
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] %(name)s: %(message)s"))
    logging.getLogger("django").addHandler(handler)
"""


ACCESS_FORMAT = '"%(r)s" %(s)s %(M)s'  # request line, status, milliseconds in the server
SERVER_KINDS = {  # access-log request to the kind it is reported as
    re.compile(r"POST /accounts/login/ "): "log in (POST)",
    re.compile(r"POST /proposals/\d+/attach/ "): "upload (POST, one file)",
    re.compile(r"POST /proposals/\d+/submit/ "): "submit (POST, every request)",
}


def server_timings(access_log: str) -> tuple[Counter, dict[str, list[float]]]:
    """HTTP statuses and the server's own duration (seconds) per kind, from the access log."""
    statuses: Counter = Counter()
    timings: dict[str, list[float]] = defaultdict(list)
    for line in access_log.splitlines():
        match = re.fullmatch(r'"(.*)" (\d{3}) (\d+)', line.strip())
        if not match:
            continue
        request, status, ms = match.groups()
        statuses[status] += 1
        for pattern, kind in SERVER_KINDS.items():
            if pattern.match(request):
                timings[kind].append(int(ms) / 1000)
    return statuses, timings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int, threads: int, home: Path):
    port = free_port()
    conf = home / "gunicorn_conf.py"
    conf.write_text(GUNICORN_CONF, encoding="utf-8")
    log = (home / "gunicorn.log").open("wb")
    cmd = [
        sys.executable, "-m", "gunicorn", "-c", str(conf),
        "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "10",
        "--access-logfile", str(home / "access.log"), "--access-logformat", ACCESS_FORMAT,
        "--no-control-socket",
        "renkei.web.wsgi:application",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {home}/gunicorn.log")
        try:
            if requests.get(f"{base}/accounts/login/", timeout=5).status_code == 200:
                return proc, base
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_gunicorn(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- CPU accounting: the machine may be shared, so say who used it during the rush ------------
def machine_busy_seconds() -> float:
    """CPU-seconds all CPUs spent not idle since boot (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def process_seconds(pids: set[int]) -> float:
    """CPU-seconds used so far by these processes (those that have exited count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def family(pid: int) -> set[int]:
    """The process and its children (gunicorn's master and workers)."""
    pids = {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                pids.add(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return pids


def own_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def database_backends() -> set[int]:
    """The PostgreSQL backends serving the bench database, this script's own excepted."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = {row[0] for row in cur.fetchall()}
    connection.close()
    return pids


# --- the applicants -------------------------------------------------------------------------
class StepFailed(Exception):
    pass


class Recorder:
    def __init__(self) -> None:
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def timed(self, kind: str, fn, *args, **kwargs):
        start = time.perf_counter()
        response = fn(*args, **kwargs)
        elapsed = time.perf_counter() - start
        with self.lock:
            self.timings[kind].append(elapsed)
        return response

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def _expect(response, status: int, what: str, location: str | None = None) -> None:
    ok = response.status_code == status
    if ok and location is not None:
        target = response.headers.get("Location", "").split("#")[0]  # e.g. …/edit/#attachments
        ok = target.rstrip("/").endswith(location.rstrip("/"))
    if not ok:
        raise StepFailed(
            f"{what}: HTTP {response.status_code} (expected {status}"
            f"{' to ' + location if location else ''}), Location "
            f"{response.headers.get('Location')!r}, body {response.text[:200]!r}"
        )


def _token(html: str, what: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise StepFailed(f"{what}: no CSRF token in the page")
    return match.group(1)


SUCCESS = 25  # django.contrib.messages.constants.SUCCESS


def _last_message(response) -> tuple[int, str]:
    """The newest message the response left for the next page (the messages cookie, which
    keeps the newest ones): what the applicant is told after a redirect."""
    from django.contrib.messages.storage.cookie import MessageSerializer
    from django.core import signing

    raw = response.cookies.get("messages")
    if not raw:
        return 0, "(no message)"
    signer = signing.get_cookie_signer(salt="django.contrib.messages")
    messages = signer.unsign_object(raw.strip('"'), serializer=MessageSerializer)
    messages = [m for m in messages if not isinstance(m, str)]  # drop the 'more in session' flag
    return (messages[-1].level, str(messages[-1].message)) if messages else (0, "(no message)")


def prepare(base: str, s: Sent, sizes: list[int], rec: Recorder):
    """Log in, open the editor, upload the attachments; returns the logged-in session."""
    import requests

    session = requests.Session()
    page = rec.timed("login page (GET)", session.get, f"{base}/accounts/login/")
    _expect(page, 200, "login page")
    response = rec.timed(
        "log in (POST)",
        session.post,
        f"{base}/accounts/login/",
        data={
            "username": s.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _token(page.text, "login page"),
        },
        allow_redirects=False,
    )
    _expect(response, 302, f"log in as {s.username}", "/")
    edit_url = f"{base}/proposals/{s.proposal_id}/edit/"
    page = rec.timed("editor page (GET)", session.get, edit_url)
    _expect(page, 200, "editor page")
    key = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    if not key:
        raise StepFailed("editor page: no submit key")
    s.key = key.group(1)
    token = _token(page.text, "editor page")
    for (doc_id, name), size in zip(DOCUMENTS.items(), sizes, strict=True):
        content = attachment_content(f"{s.proposal_id}-{doc_id}", size)
        s.attachments[doc_id] = (name, size, hashlib.sha256(content).hexdigest())
        response = rec.timed(
            "upload (POST, one file)",
            session.post,
            f"{base}/proposals/{s.proposal_id}/attach/",
            data={"document_id": doc_id, "csrfmiddlewaretoken": token},
            files={"file": (name, content, "application/pdf")},
            allow_redirects=False,
        )
        _expect(response, 302, f"upload {doc_id}", f"/proposals/{s.proposal_id}/edit/")
    return session, token


def submit(base: str, s: Sent, session, token: str, repeat: str, rec: Recorder) -> None:
    """Press submit; 'double' presses twice at once (two connections), 'retry' again after."""
    import requests

    url = f"{base}/proposals/{s.proposal_id}/submit/"
    data = {"key": s.key, "csrfmiddlewaretoken": token}
    detail = f"/proposals/{s.proposal_id}/"

    def press(sess, kind: str) -> None:
        response = rec.timed(kind, sess.post, url, data=data, allow_redirects=False)
        _expect(response, 302, f"{kind} of proposal {s.proposal_id}", detail)
        level, text = _last_message(response)
        found = RECEIPT.search(text)
        with rec.lock:
            s.receipts_told.append(found.group(0) if found and level == SUCCESS else "")
        if level != SUCCESS:
            raise StepFailed(f"{kind} of proposal {s.proposal_id}: told {text!r}")

    if repeat == "double":
        twin = requests.Session()
        twin.cookies.update(session.cookies)
        gate = threading.Barrier(2)
        errors: list[BaseException] = []

        def second() -> None:
            try:
                gate.wait()
                press(twin, "submit, repeated (same key)")
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        gate.wait()
        try:
            press(session, "submit (POST)")
        finally:
            thread.join()
        s.submit_requests += 2
        if errors:
            raise errors[0]
    else:
        press(session, "submit (POST)")
        s.submit_requests += 1
        if repeat == "retry":
            press(session, "submit, repeated (same key)")
            s.submit_requests += 1


def run_pool(clients: int, items: list, work, rec: Recorder, *, together: bool) -> float:
    """Run ``work(item)`` for every item on ``clients`` threads; returns the wall time."""
    todo: queue.Queue = queue.Queue()
    for item in items:
        todo.put(item)
    n = min(clients, len(items))
    gate = threading.Barrier(n + 1)

    def loop() -> None:
        if together:
            gate.wait()
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                work(item)
            except Exception as exc:
                detail = "".join(traceback.format_exception_only(exc)).strip()
                rec.fail(f"{getattr(item, 'username', item)}: {detail}")

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    if together:
        gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


# --- main -----------------------------------------------------------------------------------
def main() -> int:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("RENKEI_BENCH_DATABASE_URL", ""),
        help="PostgreSQL URL of the bench database (or RENKEI_BENCH_DATABASE_URL); its name "
        "must contain 'bench': it is dropped and created afresh",
    )
    parser.add_argument("--proposals", type=int, default=50)
    parser.add_argument("--clients", type=int, default=25, help="concurrent applicants")
    parser.add_argument("--workers", type=int, default=2 * cpus + 1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--mib", type=float, default=5.0, help="MiB of attachments per proposal")
    parser.add_argument(
        "--repeat-every",
        type=int,
        default=10,
        help="of every K proposals one is double-clicked and one retried with the same key",
    )
    parser.add_argument(
        "--now",
        default="2024-05-13T11:00:00+09:00",
        help="the platform's clock (RENKEI_DEMO_NOW): the first round closes 2024-05-13 12:00",
    )
    parser.add_argument(
        "--mode",
        choices=("phased", "mixed"),
        default="phased",
        help="phased: everyone uploads, then everyone presses submit together; mixed: each "
        "applicant submits right after its own uploads, while others are still uploading",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the uploads")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give --database-url postgres://… (or RENKEI_BENCH_DATABASE_URL)")
    total = int(args.mib * MIB)
    sizes = split_bytes(total, len(DOCUMENTS))

    home = Path(tempfile.mkdtemp(prefix="renkei-rush-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "RENKEI_HOME": str(home),
        "RENKEI_DEBUG": "0",
        "RENKEI_SECRET_KEY": "renkei-benchmark-only-" + os.urandom(16).hex(),
        "RENKEI_HTTPS": "0",  # gunicorn on loopback, plain HTTP
        "RENKEI_DEMO_NOW": args.now,
        "RENKEI_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "RENKEI_BASE_URL": "http://127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "renkei.web.settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    recreate_database(args.database_url)
    import django

    django.setup()
    import gunicorn
    from django.db import connection, connections

    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    t0 = time.perf_counter()
    sent, round_ = seed(args.proposals)
    setup_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit')"
        )
        pg_version, sync_commit = cur.fetchone()
    connections.close_all()

    every = max(args.repeat_every, 1)
    repeats = {
        s.proposal_id: ("double" if i % every == 0 else "retry" if i % every == 1 else "")
        for i, s in enumerate(sent)
    }
    if every < 2:
        repeats = dict.fromkeys(repeats, "double")
    rec = Recorder()
    sessions: dict[int, tuple[Any, str]] = {}
    proc, base = start_gunicorn(env, args.workers, args.threads, home)
    try:

        def upload_one(s: Sent) -> None:
            sessions[s.proposal_id] = prepare(base, s, sizes, rec)

        def submit_one(s: Sent) -> None:
            session, token = sessions[s.proposal_id]
            submit(base, s, session, token, repeats[s.proposal_id], rec)

        cpu_start = (machine_busy_seconds(), own_seconds(), process_seconds(family(proc.pid)))
        if args.mode == "phased":
            upload_s = run_pool(args.clients, sent, upload_one, rec, together=True)
            ready = [s for s in sent if s.proposal_id in sessions]
            submit_s = run_pool(args.clients, ready, submit_one, rec, together=True)
        else:  # each applicant uploads and submits at once, while others are still uploading
            both = lambda s: (upload_one(s), submit_one(s))  # noqa: E731
            upload_s = submit_s = run_pool(args.clients, sent, both, rec, together=True)
            ready = [s for s in sent if s.proposal_id in sessions]
        gunicorn_pids = family(proc.pid)
        cpu = {
            "machine": machine_busy_seconds() - cpu_start[0],
            "clients": own_seconds() - cpu_start[1],
            "gunicorn": process_seconds(gunicorn_pids) - cpu_start[2],
            "PostgreSQL (backends still open)": process_seconds(database_backends()),
        }
        # other: the rest, e.g. other users of the machine, PostgreSQL's background processes
        # and the backends of connections closed meanwhile (CONN_MAX_AGE)
        cpu["other processes"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")

        def read_receipt(s: Sent) -> None:
            session, _ = sessions[s.proposal_id]
            page = session.get(f"{base}/proposals/{s.proposal_id}/")
            _expect(page, 200, "proposal page")
            found = RECEIPT.search(page.text)
            s.receipt_seen = found.group(0) if found else ""

        run_pool(args.clients, ready, read_receipt, rec, together=False)
    finally:
        stop_gunicorn(proc)

    stored = stored_state()
    problems = integrity_problems(sent, stored)
    log = (home / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    statuses, in_server = server_timings((home / "access.log").read_text(encoding="utf-8"))
    submitted = sum(1 for p in stored.values() if p.state == "submitted")
    uploads = len(rec.timings["upload (POST, one file)"])
    doubles = sum(1 for r in repeats.values() if r == "double")
    retries = sum(1 for r in repeats.values() if r == "retry")

    print(
        f"deadline rush: {args.proposals} proposals x {len(DOCUMENTS)} files = "
        f"{total:,} bytes each ({args.mib:g} MiB), {args.clients} concurrent applicants, "
        f"gunicorn {args.workers} {'gthread' if args.threads > 1 else 'sync'} workers x "
        f"{args.threads} thread(s), PostgreSQL, {args.mode}"
    )
    print(f"  set-up (migrate, accounts, drafts; not timed below): {setup_s:.1f} s")
    sent_mib = sum(size for s in sent for _, size, _ in s.attachments.values()) / MIB
    repeated = (
        f"{doubles} double-clicked, {retries} retried with the same key; "
        f"{sum(s.submit_requests for s in sent)} submit requests"
    )
    if args.mode == "phased":
        print(
            f"  upload phase: {upload_s:.1f} s for {len(sent)} log-ins, editor pages and "
            f"{uploads} files: {uploads / upload_s:.1f} uploads/s, {sent_mib / upload_s:.1f} MiB/s"
        )
        print(
            f"  submit phase (all applicants press submit together): {submit_s:.2f} s, "
            f"{submitted} submitted, {submitted / submit_s:.1f} submissions/s ({repeated})"
        )
    else:
        print(
            f"  mixed rush (log in, editor, {len(DOCUMENTS)} uploads, submit per applicant): "
            f"{submit_s:.1f} s, {submitted} submitted, {submitted / submit_s:.2f} submissions/s "
            f"end to end, {sent_mib / submit_s:.1f} MiB/s uploaded ({repeated})"
        )
    print("  latency per request (client side):")
    for kind, values in rec.timings.items():
        print(f"    {kind:<30} {summary_ms(values)}")
    print("  time in the server (gunicorn access log, excludes waiting for a free worker):")
    for kind, values in in_server.items():
        print(f"    {kind:<30} {summary_ms(values)}")
    print(f"  HTTP statuses at the server: {dict(sorted(statuses.items()))}")
    print(
        f"  integrity: {len(stored)} proposals in the database, {submitted} submitted, "
        f"{sum(len(p.versions) for p in stored.values())} versions, "
        f"{len({p.receipt_number for p in stored.values() if p.receipt_number})} distinct "
        f"receipt numbers, {sum(len(p.attachments) for p in stored.values())} attachments "
        f"re-hashed from storage"
    )
    if problems or rec.failures:
        print(f"  FAILED: {len(rec.failures)} client errors, {len(problems)} integrity problems")
        for line in (rec.failures + problems)[:40]:
            print(f"    {line}")
    else:
        print(
            "  OK: every proposal submitted exactly once (one version with the key sent, one\n"
            "      unique receipt); every submit request, repeats included, was answered with\n"
            "      that receipt, and the proposal page shows it; every attachment stored once\n"
            "      with the size and SHA-256 sent; one notice and one audit event per proposal"
        )
    if "Traceback" in log or "ERROR" in log:
        print("  server log (errors):")
        print("    " + "\n    ".join(log.splitlines()[-60:]))
    timed_s = upload_s + submit_s if args.mode == "phased" else submit_s
    print(
        f"  CPU during the timed phases: {cpu['machine']:.0f} CPU-s used of "
        f"{timed_s * cpus:.0f} ({cpu['machine'] / timed_s / cpus:.0%}): "
        + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items() if k != "machine")
    )
    print(
        f"  conditions: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {cpus} CPUs "
        f"(clients, server and database on the same machine, loopback; 1-min load average "
        f"{load_before:.1f} before), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB; "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}, PostgreSQL {pg_version} "
        f"(synchronous_commit {sync_commit}); {platform.platform()}; platform clock {args.now} "
        f"(the round closes {round_.deadline.astimezone(JST):%Y-%m-%d %H:%M} JST)"
    )

    connections.close_all()
    if args.keep:
        print(f"  kept: database {_database_name(args.database_url)}, uploads and logs in {home}")
    else:
        recreate_database(args.database_url, drop_only=True)
        shutil.rmtree(home, ignore_errors=True)
    return 1 if problems or rec.failures else 0


if __name__ == "__main__":
    sys.exit(main())
