"""A proposal cannot change after submission (issue 12, point 2): every write to a proposal is
decided under the submit's lock, on the fresh row. Receipt numbers are counted under the call's
lock, and submit keys of different organisations never meet (point 7).

The SQLite tests here run in every pass: a page's copy read before a submit committed must not let
a write through, and each write (and the receipt numbering) takes its row lock inside the
transaction before deciding. The racing tests need real row locks and run in the PostgreSQL pass
(marked like tests/web/test_concurrent_submit.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from webfactories import UserFactory, jst, link_partner, run_at_once

from renkei import access
from renkei.audit.models import AuditEvent
from renkei.calls.models import Call
from renkei.proposals import services
from renkei.proposals.models import Proposal, ProposalState, ProposalVersion

AT = "2024-05-10T09:00"
PDF = b"%PDF-1.7 x"
LOCKED = r"Nothing was changed: the proposal was submitted \(receipt JCM-20240510-0001\)"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks: runs in the PostgreSQL pass of `make test`",
)


def _draft(round_, document, title="integrity", applicant=None):
    applicant = applicant or UserFactory()
    proposal = services.proposal_create(actor=applicant, round=round_, title=title, country="KE")
    services.proposal_update_document(
        actor=applicant, proposal=proposal, document={**document, "title": title}
    )
    services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", PDF),
    )
    return applicant, proposal


def _submit(applicant, proposal, key="k"):
    return services.proposal_submit(
        actor=applicant, proposal=proposal, idempotency_key=key, now=jst(AT)
    )


# --- the page read the draft; the submit committed before the write -----------------------
def _writes(users, applicant, page_copy, attachment, link):
    """Each write the representative can make, on the page's copy of the proposal."""
    return {
        "save": lambda: services.proposal_update_document(
            actor=applicant, proposal=page_copy, document={"title": "changed after"}
        ),
        "upload": lambda: services.attachment_add(
            actor=applicant,
            proposal=page_copy,
            document_id="form2",
            upload=SimpleUploadedFile("2_b.pdf", PDF + b"2"),
        ),
        "remove": lambda: services.attachment_remove(actor=applicant, attachment=attachment),
        "replace": lambda: services.attachment_replace(
            actor=applicant, attachment=attachment, upload=SimpleUploadedFile("1_c.pdf", PDF + b"c")
        ),
        "partner_add": lambda: services.partner_add(
            actor=applicant, proposal=page_copy, email=users["other_applicant"].email
        ),
        "partner_remove": lambda: services.partner_remove(actor=applicant, partner=link),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write", ["save", "upload", "remove", "replace", "partner_add", "partner_remove"]
)
def test_a_write_read_before_the_submit_is_refused_and_writes_nothing(
    users, first_round, sample_document, write
) -> None:
    applicant, proposal = _draft(first_round, sample_document, applicant=users["applicant"])
    link = link_partner(applicant, proposal, users["partner"])
    # what the page read: the draft, its attachment and its partner link
    page_copy = Proposal.objects.get(pk=proposal.pk)
    attachment = page_copy.attachments.get()
    link = type(link).objects.select_related("proposal").get(pk=link.pk)
    assert attachment.proposal.state == link.proposal.state == ProposalState.DRAFT
    _submit(applicant, proposal)  # commits before the write is decided
    before = (
        Proposal.objects.values("document", "title", "state").get(pk=proposal.pk),
        list(proposal.attachments.values_list("pk", "version", "removed_at")),
        list(proposal.partners.values_list("pk", flat=True)),
        list(proposal.partner_invitations.values_list("pk", "state")),
        AuditEvent.objects.count(),
    )
    with pytest.raises(services.ProposalLocked, match=LOCKED):
        _writes(users, applicant, page_copy, attachment, link)[write]()
    after = (
        Proposal.objects.values("document", "title", "state").get(pk=proposal.pk),
        list(proposal.attachments.values_list("pk", "version", "removed_at")),
        list(proposal.partners.values_list("pk", flat=True)),
        list(proposal.partner_invitations.values_list("pk", "state")),
        AuditEvent.objects.count(),
    )
    assert after == before
    assert not proposal.attachments.filter(version__isnull=True).exists()


# --- each write takes the lock inside its transaction before deciding ----------------------
class _Recorder:
    """What the services do, in order: row locks asked for (and the number of queries run so
    far, to find the locking query) and permission decisions, each with whether it happened
    inside a transaction."""

    def __init__(self, monkeypatch, queries: CaptureQueriesContext):
        self.events: list[tuple] = []
        lock, can = QuerySet.select_for_update, access.can

        def select_for_update(qs, *args, **kwargs):
            at = len(queries.captured_queries)
            self.events.append(("lock", qs.model, connection.in_atomic_block, at))
            return lock(qs, *args, **kwargs)

        def recording_can(user, action, obj=None):
            self.events.append(("decide", action, connection.in_atomic_block, obj))
            return can(user, action, obj)

        monkeypatch.setattr(QuerySet, "select_for_update", select_for_update)
        monkeypatch.setattr(access, "can", recording_can)

    def locks(self, model) -> list[int]:
        return [i for i, e in enumerate(self.events) if e[0] == "lock" and e[1] is model]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("write", "action"),
    [
        ("save", "edit"),
        ("upload", "attach"),
        ("remove", "attach"),
        ("replace", "attach"),
        ("partner_add", "manage_partners"),
        ("partner_remove", "manage_partners"),
    ],
)
def test_every_write_decides_on_the_locked_row_inside_its_transaction(
    users, first_round, sample_document, monkeypatch, write, action
) -> None:
    applicant, proposal = _draft(first_round, sample_document, applicant=users["applicant"])
    link = link_partner(applicant, proposal, users["partner"])
    attachment = proposal.attachments.get()
    job = _writes(users, applicant, proposal, attachment, link)[write]
    with CaptureQueriesContext(connection) as queries:
        recorder = _Recorder(monkeypatch, queries)
        job()
    [lock] = recorder.locks(Proposal)
    assert recorder.events[lock][2], "the proposal's lock is taken inside the transaction"
    decided = [
        e for e in recorder.events[lock + 1 :] if e[0] == "decide" and e[1] == action and e[2]
    ]
    assert decided, f"{action} is decided after the lock, in the same transaction"
    assert decided[-1][3] is not proposal, "decided on the fresh row, not the caller's copy"
    if connection.vendor == "postgresql":  # where FOR UPDATE is SQL (SQLite locks the file)
        sql = queries.captured_queries[recorder.events[lock][3]]["sql"]
        assert '"proposals_proposal"' in sql and sql.rstrip().endswith("FOR UPDATE")


@pytest.mark.django_db
def test_receipt_numbers_are_counted_under_the_call_lock(
    applicant, first_round, sample_document, monkeypatch
) -> None:
    """Removing the call's lock (or counting before it) lets two submits of the call take the
    same number; the PostgreSQL pass races them too (test_concurrent_submit.py)."""
    _, proposal = _draft(first_round, sample_document, applicant=applicant)
    with CaptureQueriesContext(connection) as queries:
        recorder = _Recorder(monkeypatch, queries)
        _submit(applicant, proposal)
    [call_lock] = recorder.locks(Call)
    _, _, in_transaction, at = recorder.events[call_lock]
    assert in_transaction
    sql = [q["sql"] for q in queries.captured_queries]
    assert '"calls_call"' in sql[at]  # the next query run is the call's lock
    if connection.vendor == "postgresql":
        assert sql[at].rstrip().endswith("FOR UPDATE")
    numbering = [
        i for i, q in enumerate(sql) if "COUNT(" in q and '"receipt_number" IS NOT NULL' in q
    ]
    assert numbering and min(numbering) > at, "receipts are counted after the call is locked"
    assert Proposal.objects.get(pk=proposal.pk).receipt_number == "JCM-20240510-0001"


# --- submit keys are the proposal's own -------------------------------------------------------
@pytest.mark.django_db
def test_two_organisations_submitting_with_the_same_key_never_meet(
    first_round, sample_document
) -> None:
    first, a = _draft(first_round, sample_document, title="first org")
    second, b = _draft(first_round, sample_document, title="second org")
    assert first.organisation != second.organisation
    va = _submit(first, a, key="same-key")
    vb = _submit(second, b, key="same-key")
    assert (va.proposal_id, vb.proposal_id) == (a.pk, b.pk) and va.pk != vb.pk
    assert _submit(first, a, key="same-key").pk == va.pk  # a retry still yields its version
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        ProposalVersion.objects.create(
            proposal=a,
            number=2,
            document={},
            submitted_by=first,
            submitted_at=jst(AT),
            rulebook_id="x",
            rulebook_version=1,
            assessment_status="pass",
            idempotency_key="same-key",
        )


# --- real races (PostgreSQL) ----------------------------------------------------------------


TRIES = 10


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["save", "upload"])
def test_a_write_racing_the_submit_never_changes_the_submitted_proposal(
    first_round, sample_document, write
) -> None:
    outcomes = []
    for n in range(TRIES):
        applicant, proposal = _draft(first_round, sample_document, title=f"race-{write}-{n}")
        page_copy = Proposal.objects.get(pk=proposal.pk)
        if write == "save":

            def job(page_copy=page_copy, applicant=applicant, n=n):
                return services.proposal_update_document(
                    actor=applicant,
                    proposal=page_copy,
                    document={**sample_document, "title": f"changed-{n}"},
                )
        else:

            def job(page_copy=page_copy, applicant=applicant, n=n):
                return services.attachment_add(
                    actor=applicant,
                    proposal=page_copy,
                    document_id="form2",
                    upload=SimpleUploadedFile(f"2_{n}.pdf", PDF + str(n).encode()),
                )

        submitted, written = run_at_once(
            [lambda a=applicant, p=page_copy, n=n: _submit(a, p, key=f"race-{n}"), job]
        )
        assert isinstance(submitted, ProposalVersion), submitted
        assert not isinstance(written, Exception) or isinstance(written, services.ProposalLocked)
        proposal.refresh_from_db()
        version = proposal.versions.get()
        # the invariant, every time: the proposal says what its submitted version says
        assert proposal.state == ProposalState.SUBMITTED
        assert proposal.document == version.document
        assert proposal.title == version.document["title"]
        assert not proposal.attachments.filter(version__isnull=True).exists()
        names = [d["file"] for d in version.document["documents"]]
        assert (f"2_{n}.pdf" in names or f"changed-{n}" == proposal.title) == (
            not isinstance(written, Exception)
        )
        outcomes.append(isinstance(written, Exception))
    assert len(outcomes) == TRIES
