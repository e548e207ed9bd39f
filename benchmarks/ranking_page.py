"""The office's ranking page against the way it was computed before issue 12 (point 26).

Run: .venv/bin/python benchmarks/ranking_page.py [--proposals 50] [--runs 20]
Uses a throw-away SQLite database (or DATABASE_URL if set). One JCM proposal (the bundled
passing sample with its 12 documents) is submitted, screened, reviewed and scored through the
services; the others are row copies of it (proposal, version with its stored assessment,
assignment, scores), so every row costs what a real one does.

Two things are timed in the same process, on the same rows, alternately:

- ``page``: GET /office/ranking/ through Django's test client (view, queries, template);
- ``before``: the rows as the view computed them before (per proposal: a query for its reviews,
  ``review_summary`` with its own queries and a full assessment of the version for the computed
  items, and a second full assessment for the amount), without rendering the page.

The ratio before/page is the figure to read; the milliseconds depend on the machine. The number
of queries of each is printed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _before(user, chosen):
    """The ranking rows as computed before: two full assessments and ~5 queries a row."""
    from django.db.models import Count

    from renkei import access
    from renkei.reviews.models import Score
    from renkei.reviews.reviewing import scoring_sheet
    from renkei.rules import assess_proposal, validate_proposal
    from renkei.selection import Candidate, rank_within_budget

    proposals = {
        str(p.pk): p
        for p in access.proposals_for(user).filter(round=chosen)
        if p.review_assignments.filter(submitted_at__isnull=False).exists()
    }
    candidates = []
    for pk, p in proposals.items():
        sheet = scoring_sheet(p)
        assignments = list(p.review_assignments.annotate(n=Count("scores")))
        ids = [a.pk for a in assignments if a.submitted_at is not None]
        points: dict[str, list[int]] = {}
        for c, v in Score.objects.filter(assignment_id__in=ids).values_list("criterion", "points"):
            points.setdefault(c, []).append(v)
        total = Decimal(0)
        for c in sheet.reviewer:
            pts = points.get(c.id)
            if pts:
                total += (Decimal(sum(pts)) / len(pts)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        version = p.versions.order_by("-number").first()
        figures = assess_proposal(validate_proposal(version.document)).figures
        total += sum(int(figures["score_items"].get(c.id, 0)) for c in sheet.computed)
        version = p.versions.order_by("-number").first()
        amount = assess_proposal(validate_proposal(version.document)).figures["subsidy_jpy"]
        candidates.append(Candidate(pk, total, int(amount or 0), p.receipt_number or ""))
    return rank_within_budget(candidates, chosen.call.budget_jpy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--proposals", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="renkei-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["RENKEI_HOME"] = tmp
    os.environ["RENKEI_DEMO_NOW"] = "2024-05-10T09:00:00+09:00"
    os.environ["DJANGO_SETTINGS_MODULE"] = "renkei.web.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import yaml
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from renkei.accounts.models import User
    from renkei.adoption.demo import DOCUMENTS
    from renkei.calls.models import Call, Round
    from renkei.proposals import services as ps
    from renkei.proposals.models import Proposal, ProposalVersion
    from renkei.reviews import services as rs
    from renkei.reviews.models import ReviewAssignment, Score

    call_command("migrate", verbosity=0)
    call_command("renkei_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    office = User.objects.get(username="office")
    reviewer = User.objects.get(username="reviewer")
    applicant = User.objects.get(username="applicant")
    call = Call.objects.get(rulebook_id="jcm-model-project/fy2024")
    round_ = Round.objects.create(
        call=call,
        code="bench",
        name_ja="bench",
        name_en="bench",
        deadline=Round.objects.get(call=call, code="first").deadline,
    )
    doc = yaml.safe_load((ROOT / "examples/jcm-multi-site-pass.yaml").read_text("utf-8"))
    doc.pop("documents"), doc.pop("reviewer_scores")
    doc["target_deadline"] = round_.deadline.isoformat()
    p = ps.proposal_create(actor=applicant, round=round_, title=doc["title"], country="KE")
    ps.proposal_update_document(actor=applicant, proposal=p, document=doc)
    for doc_id, name in DOCUMENTS:
        ps.attachment_add(
            actor=applicant,
            proposal=p,
            document_id=doc_id,
            upload=SimpleUploadedFile(name, b"%PDF"),
        )
    ps.proposal_submit(actor=applicant, proposal=p, idempotency_key="bench-0")
    p.refresh_from_db()
    screening = rs.screening_start(actor=office, proposal=p)
    for item in screening.items.all():
        rs.screening_item_decide(actor=office, item=item, decision="pass", reason="bench")
    rs.screening_complete(actor=office, screening=screening)
    (a,) = rs.review_assign_balanced(
        actor=office, proposals=[p], reviewers=[reviewer], per_proposal=1
    )
    rs.review_declare_conflict(actor=reviewer, assignment=a, has_conflict=False)
    for c, mx in {"A1": 10, "A2": 10, "B1": 10, "B2": 10, "B3": 10, "C": 20, "D": 20}.items():
        rs.review_score(
            actor=reviewer, assignment=a, criterion=c, points=mx // 2, justification="j"
        )
    rs.review_submit(actor=reviewer, assignment=a)
    version, a = p.versions.get(), ReviewAssignment.objects.get(pk=a.pk)
    scores = list(a.scores.all())
    for i in range(1, args.proposals):
        q = Proposal.objects.get(pk=p.pk)
        q.pk = q.id = None
        q.receipt_number = f"BENCH-{i:04d}"
        q.save()
        v = ProposalVersion.objects.get(pk=version.pk)
        v.pk = v.id = None
        v.proposal, v.idempotency_key = q, f"bench-{i}"
        v.save()
        b = ReviewAssignment.objects.get(pk=a.pk)
        b.pk = b.id = None
        b.proposal, b.version = q, v
        b.save()
        Score.objects.bulk_create(
            [
                Score(
                    assignment=b,
                    criterion=s.criterion,
                    points=s.points,
                    justification="j",
                    scored_at=s.scored_at,
                )
                for s in scores
            ]
        )
    client = Client()
    client.force_login(office)
    url = f"/office/ranking/?round={round_.pk}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as page_q:
        client.get(url)
    with CaptureQueriesContext(connection) as before_q:
        _before(office, round_)
    page_t, before_t = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        client.get(url)
        page_t.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _before(office, round_)
        before_t.append((time.perf_counter() - t) * 1000)
    pm, bm = statistics.median(page_t), statistics.median(before_t)
    print(f"{args.proposals} reviewed proposals, {args.runs} runs each, alternating")
    print(f"page (GET, rendered):     median {pm:8.1f} ms, {len(page_q)} queries")
    print(f"before (rows, no render): median {bm:8.1f} ms, {len(before_q)} queries")
    print(f"before/page: {bm / pm:.1f}x; page per row {pm / args.proposals:.2f} ms")
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{connection.vendor}"
    )


if __name__ == "__main__":
    main()
