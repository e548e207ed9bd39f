"""The deadline-rush benchmark's own arithmetic and its integrity check, on fabricated data: the
benchmark itself needs PostgreSQL and gunicorn and is run by hand (make bench-rush)."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "deadline_rush.py"


def _load():
    spec = importlib.util.spec_from_file_location("deadline_rush", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["deadline_rush"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


rush = _load()


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unordered
    assert [rush.percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert rush.percentile([7.0], 99) == 7.0
    assert rush.percentile([1.0, 2.0], 50) == 1.0  # nearest rank, never interpolated
    assert rush.percentile([1.0, 2.0], 51) == 2.0
    with pytest.raises(ValueError):
        rush.percentile([], 50)
    assert "p99      3.0" in rush.summary_ms([0.001, 0.002, 0.003])


def test_five_mebibytes_split_over_the_twelve_documents() -> None:
    sizes = rush.split_bytes(5 * rush.MIB, len(rush.DOCUMENTS))
    assert len(sizes) == 12 and sum(sizes) == 5 * 1024 * 1024
    assert max(sizes) - min(sizes) <= 1
    with pytest.raises(ValueError):
        rush.split_bytes(3, 12)


def test_attachments_are_pdfs_that_differ_per_seed() -> None:
    a = rush.attachment_content("1-form1", 1000)
    assert a.startswith(b"%PDF-1.7\n") and len(a) == 1000
    assert a == rush.attachment_content("1-form1", 1000)
    assert a != rush.attachment_content("2-form1", 1000)


def _clean_run():
    sent, stored = [], {}
    for pk in (1, 2, 3):
        attachments, rows = {}, []
        for doc_id, name in list(rush.DOCUMENTS.items())[:3]:
            content = rush.attachment_content(f"{pk}-{doc_id}", 100)
            sha = hashlib.sha256(content).hexdigest()
            attachments[doc_id] = (name, 100, sha)
            rows.append(rush.StoredAttachment(doc_id, name, 100, sha, 100, sha, 1))
        receipt = f"JCM-20240513-{pk:04d}"
        sent.append(
            rush.Sent(
                proposal_id=pk,
                username=f"rush{pk}",
                key=f"key{pk}",
                attachments=attachments,
                submit_requests=2,  # a double click
                receipts_told=[receipt, receipt],
                receipt_seen=receipt,
            )
        )
        stored[pk] = rush.Stored(pk, "submitted", receipt, [(1, f"key{pk}")], rows, 1, 1)
    return sent, stored


def test_integrity_check_passes_a_clean_run() -> None:
    sent, stored = _clean_run()
    assert rush.integrity_problems(sent, stored) == []


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda sent, st: st[1].versions.append((2, "other")), "2 versions, expected exactly 1"),
        (lambda sent, st: setattr(st[2], "receipt_number", "JCM-20240513-0001"), "given 2 times"),
        (lambda sent, st: setattr(st[3], "state", "draft"), "not submitted (lost submission)"),
        (lambda sent, st: st.pop(3), "not in the database (lost)"),
        (lambda sent, st: setattr(st[1], "notices", 2), "2 receipt notices"),
        (lambda sent, st: setattr(st[1], "submit_events", 2), "2 proposal_submit audit events"),
        (lambda sent, st: setattr(sent[0], "receipt_seen", "JCM-x"), "applicant was shown"),
        (lambda sent, st: sent[1].receipts_told.pop(), "were answered with receipts"),
        (lambda sent, st: sent[1].receipts_told.__setitem__(1, ""), "were answered with"),
        (lambda sent, st: setattr(st[1], "versions", [(1, "wrong")]), "expected (1, 'key1')"),
        (lambda sent, st: st[1].attachments.pop(), "sent but not stored"),
        (lambda sent, st: st[1].attachments.append(st[1].attachments[0]), "stored 2 times"),
        (lambda sent, st: setattr(st[2].attachments[0], "file_sha256", "0" * 64), "file holds"),
        (lambda sent, st: setattr(st[2].attachments[0], "size", 99), "recorded as"),
        (lambda sent, st: setattr(st[2].attachments[1], "version_number", None), "version None"),
        (lambda sent, st: st.update({9: copy.deepcopy(st[1])}), "proposal 9 stored but no"),
    ],
)
def test_integrity_check_names_each_kind_of_damage(damage, expected) -> None:
    sent, stored = _clean_run()
    damage(sent, stored)
    problems = rush.integrity_problems(sent, stored)
    assert any(expected in p for p in problems), problems


def test_server_timings_are_read_from_the_access_log() -> None:
    log = "\n".join(
        [
            '"POST /proposals/12/submit/ HTTP/1.1" 302 41',
            '"POST /proposals/12/attach/ HTTP/1.1" 302 90',
            '"GET /proposals/12/edit/ HTTP/1.1" 500 12',
            "[noise]",
        ]
    )
    statuses, timings = rush.server_timings(log)
    assert statuses == {"302": 2, "500": 1}
    assert timings["submit (POST, every request)"] == [0.041]
    assert timings["upload (POST, one file)"] == [0.09]
