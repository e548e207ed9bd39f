"""Upload bandwidth (issue 12, point 27): the attach path against the disk and against a server
that does nothing, measured in the same run.

Run: .venv/bin/python benchmarks/uploads.py [--size-mib 16] [--runs 10]
(needs gunicorn and requests: `pip install -e '.[bench]'`).

Four things, interleaved run by run so that a busy moment of the (shared) machine hits all:
1. raw disk: the same bytes written to a new file on the file system the uploads go to, in
   1 MiB writes, then closed (no fsync, as Django's file storage does not fsync either; the
   fsync'd figure is printed too, for context);
2. null app: gunicorn (same workers) serving a WSGI app that reads the request body in 1 MiB
   reads and throws it away, receiving the same multipart upload (it does not parse it);
3. parsing null app: the same, but the body is parsed as the attach form's is (a WSGIRequest's
   FILES: Django's multipart parser and the platform's upload handler, which counts, hashes and
   writes the file to the temporary directory), and the temporary file is then deleted: what
   any Django view receiving the file would pay, with nothing of the application;
4. attach: gunicorn serving renkei.web.wsgi (DEBUG off, a throw-away SQLite database and upload
   directory), an applicant logged in, posting the file to its draft's attach form (the page's
   form: CSRF token, document id, file), answered 302 with "File uploaded".
The client builds each multipart body before timing it and sends it over loopback with requests;
the figure is the file's size over the request's wall time (median of the runs). The ratios
attach / raw disk and null app / raw disk are what to compare between machines and commits.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deadline_rush import stop_gunicorn as stop  # this folder is on the path: a script here

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
PASSWORD = "uploads-Nairobi-2024-boilers"

NULL_APP = '''
def application(environ, start_response):
    """Reads the whole body and does nothing with it."""
    stream, n = environ["wsgi.input"], 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        n += len(chunk)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(n).encode()]
'''

PARSING_APP = '''
import django

django.setup()

from django.core.handlers.wsgi import WSGIRequest


def application(environ, start_response):
    """Parses the multipart body as the attach form does (Django's parser, the platform's
    upload handler: counted, hashed and written to a temporary file), then deletes the file."""
    request = WSGIRequest(environ)
    sizes = [f.size for f in request.FILES.values()]
    for f in request.FILES.values():
        f.close()  # a temporary file goes with it
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(sum(sizes)).encode()]
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, env: dict[str, str], home: Path, workers: int, probe: str):
    import requests

    port = free_port()
    log = (home / f"gunicorn-{app.split(':')[0]}.log").open("wb")
    cmd = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--no-control-socket", app,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {log.name}")
        try:
            requests.get(base + probe, timeout=30)
            return proc, base
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 120 s")


def seed() -> int:
    """A JCM call, an applicant with a password and its draft; the draft's id."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from renkei.accounts.models import Organisation, Role, User
    from renkei.calls.services import call_open_from_rulebook
    from renkei.proposals import services

    call_command("migrate", verbosity=0)
    call = call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024", title_ja="JCM", title_en="JCM"
    )
    organisation = Organisation.objects.create(name="アップロード・サンプル株式会社", country="JP")
    user = User.objects.create(
        username="uploader",
        email="uploader@example.org",
        role=Role.APPLICANT,
        organisation=organisation,
        password=make_password(PASSWORD),
    )
    proposal = services.proposal_create(
        actor=user, round=call.rounds.get(code="first"), title="uploads", country="KE"
    )
    return proposal.pk


def content(size: int, run: int) -> bytes:
    """A PDF-looking file of ``size`` bytes, different for every run (no duplicate refusal)."""
    head = b"%PDF-1.7\n%" + f"run {run:06d}\n".encode()
    return head + os.urandom(size - len(head))


def multipart(fields: dict[str, str], data: bytes, name: str) -> tuple[bytes, str]:
    from urllib3 import encode_multipart_formdata

    return encode_multipart_formdata({**fields, "file": (name, data, "application/pdf")})


def timed_post(session, url: str, body: bytes, content_type: str, **kwargs):
    t0 = time.perf_counter()
    response = session.post(
        url, data=body, headers={"Content-Type": content_type}, allow_redirects=False, **kwargs
    )
    return time.perf_counter() - t0, response


def write_raw(path: Path, data: bytes, fsync: bool) -> float:
    view = memoryview(data)
    t0 = time.perf_counter()
    with path.open("wb") as fh:
        for i in range(0, len(data), MIB):
            fh.write(view[i : i + MIB])
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    elapsed = time.perf_counter() - t0
    path.unlink()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=float, default=16, help="file size (limit: 20 MiB)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, both apps")
    parser.add_argument("--dir", default=None, help="where the throw-away home goes")
    args = parser.parse_args()
    size = int(args.size_mib * MIB)

    home = Path(tempfile.mkdtemp(prefix="renkei-uploads-", dir=args.dir))
    (home / "var" / "incoming").mkdir(parents=True)
    (home / "null_app.py").write_text(NULL_APP, encoding="utf-8")
    (home / "parsing_app.py").write_text(PARSING_APP, encoding="utf-8")
    env = {
        **os.environ,
        "RENKEI_HOME": str(home),
        "RENKEI_DEBUG": "0",
        "RENKEI_HTTPS": "0",  # gunicorn on loopback, plain HTTP
        "RENKEI_SECRET_KEY": os.urandom(24).hex(),
        "RENKEI_DEMO_NOW": "2024-05-10T09:00:00+09:00",
        "RENKEI_UPLOAD_TEMP_DIR": str(home / "var" / "incoming"),
        "RENKEI_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "renkei.web.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), str(home)])),
    }
    env.pop("DATABASE_URL", None)  # a throw-away SQLite database in the home
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import gunicorn
    import requests
    from django.db import connections

    proposal_id = seed()
    connections.close_all()
    load_before = os.getloadavg()
    null_proc, null_base = start_gunicorn("null_app:application", env, home, args.workers, "/")
    parse_proc, parse_base = start_gunicorn("parsing_app:application", env, home, args.workers, "/")
    app_proc, app_base = start_gunicorn(
        "renkei.web.wsgi:application", env, home, args.workers, "/accounts/login/"
    )
    figures: dict[str, list[float]] = {
        "raw": [],
        "raw_fsync": [],
        "null": [],
        "null_parse": [],
        "attach": [],
    }
    try:
        browser = requests.Session()
        login = browser.get(f"{app_base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        done = browser.post(
            f"{app_base}/accounts/login/",
            data={"username": "uploader", "password": PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
        )
        if done.status_code != 302:
            raise SystemExit(f"log-in failed: {done.status_code}")
        edit = browser.get(f"{app_base}/proposals/{proposal_id}/edit/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', edit.text).group(1)
        attach_url = f"{app_base}/proposals/{proposal_id}/attach/"
        raw_dir = home / "var" / "uploads"
        raw_dir.mkdir(parents=True, exist_ok=True)
        null = requests.Session()
        for run in range(args.runs + 1):  # run 0 warms up and is not counted
            data = content(size, run)
            raw = write_raw(raw_dir / "raw.bin", data, fsync=False)
            raw_fsync = write_raw(raw_dir / "raw.bin", data, fsync=True)
            body, ctype = multipart({"document_id": "other_references"}, data, f"n{run}.pdf")
            null_s, response = timed_post(null, f"{null_base}/", body, ctype)
            assert response.status_code == 200 and int(response.text) == len(body), response.text
            parse_s, response = timed_post(null, f"{parse_base}/", body, ctype)
            assert response.status_code == 200 and int(response.text) == size, response.text
            fields = {"csrfmiddlewaretoken": token, "document_id": "other_references"}
            body, ctype = multipart(fields, data, f"6_参考資料_{run:03d}.pdf")
            attach_s, response = timed_post(browser, attach_url, body, ctype)
            if response.status_code != 302:
                raise SystemExit(f"upload {run}: HTTP {response.status_code}")
            if run:
                for key, seconds in (
                    ("raw", raw),
                    ("raw_fsync", raw_fsync),
                    ("null", null_s),
                    ("null_parse", parse_s),
                    ("attach", attach_s),
                ):
                    figures[key].append(size / MIB / seconds)
    finally:
        stop(null_proc)
        stop(parse_proc)
        stop(app_proc)
    load_after = os.getloadavg()

    from renkei.proposals.models import Attachment

    stored = list(Attachment.objects.filter(proposal_id=proposal_id))
    problems = [a.original_name for a in stored if a.size != size]
    if len(stored) != args.runs + 1 or problems:
        print(f"CHECK FAILED: {len(stored)} attachments stored, wrong sizes: {problems}")
        return 1
    leftovers = list((home / "var" / "incoming").iterdir())

    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"uploads of {size / MIB:.1f} MiB, {args.runs} runs each (median MiB/s; min–max)")
    labels = {
        "raw": "raw disk write (no fsync, as the storage writes)",
        "raw_fsync": "raw disk write + fsync (for context)",
        "null": "null WSGI app under gunicorn (reads the body, does nothing)",
        "null_parse": "null app parsing it as the attach form does (parser, handler)",
        "attach": "the attach form (renkei.web.wsgi under gunicorn)",
    }
    for key, label in labels.items():
        lo, hi = min(figures[key]), max(figures[key])
        print(f"  {label:62} {med[key]:8.1f}  ({lo:.1f}–{hi:.1f})")
    print("ratios (medians):")
    print(f"  null app / raw disk   {med['null'] / med['raw']:6.1%}")
    print(f"  attach   / raw disk   {med['attach'] / med['raw']:6.1%}")
    print(f"  attach   / null app   {med['attach'] / med['null']:6.1%}")
    print(f"  parsing null app / null app   {med['null_parse'] / med['null']:6.1%}")
    print(f"  attach   / parsing null app   {med['attach'] / med['null_parse']:6.1%}")
    same_fs = os.stat(home / "var" / "incoming").st_dev == os.stat(raw_dir).st_dev
    print(
        f"check: {len(stored)} attachments stored with the size sent; temporary files left: "
        f"{len(leftovers)}; temporary directory on the storage's file system: {same_fs}"
    )
    print(
        f"conditions: {platform.python_implementation()} {platform.python_version()}, "
        f"Django {django.get_version()}, gunicorn {gunicorn.__version__} "
        f"({args.workers} sync workers each), SQLite, {os.cpu_count()} CPUs, "
        f"{platform.machine()} {platform.system()}, load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after; home {home}"
    )
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
