"""Submissions at the same moment (issue 3, 'Integrity'): proposals of one call submitted at once
get distinct, consecutive receipt numbers; a double click and a retry with the same key yield
one submission. Threads need real row locks, so this runs on PostgreSQL: `make test` runs it in
its PostgreSQL pass (`.ci/run` sets RENKEI_TEST_POSTGRES_URL); SQLite serialises writers on its
own and has no row locks to test."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from webfactories import UserFactory, jst, run_at_once

from renkei.proposals import services
from renkei.proposals.models import Proposal, ProposalVersion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]

AT = "2024-05-10T09:00"


def _draft(round_, document, title):
    applicant = UserFactory()
    proposal = services.proposal_create(actor=applicant, round=round_, title=title, country="KE")
    services.proposal_update_document(
        actor=applicant, proposal=proposal, document={**document, "title": title}
    )
    services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    return applicant, proposal


def test_simultaneous_submissions_get_distinct_consecutive_receipts(
    first_round, sample_document
) -> None:
    drafts = [_draft(first_round, sample_document, f"rush-{n}") for n in range(6)]
    double_applicant, double = drafts[0]
    jobs = [
        (
            lambda a=a, p=p: services.proposal_submit(
                actor=a, proposal=p, idempotency_key=f"key-{p.pk}", now=jst(AT)
            )
        )
        for a, p in drafts
    ]
    # the first proposal is also double-clicked: a second request with the same key
    jobs.append(
        lambda: services.proposal_submit(
            actor=double_applicant, proposal=double, idempotency_key=f"key-{double.pk}", now=jst(AT)
        )
    )
    results = run_at_once(jobs)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert results[0].pk == results[-1].pk  # the double click answered with the same version
    assert ProposalVersion.objects.filter(proposal=double).count() == 1
    receipts = sorted(Proposal.objects.values_list("receipt_number", flat=True))
    assert receipts == [f"JCM-20240510-{n:04d}" for n in range(1, 7)]
    assert ProposalVersion.objects.count() == 6
