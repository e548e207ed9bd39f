"""Records retention (JCM 4.(5), spec §1.12, DL12, A-20) and the archive of a grant's records
(issue 14): the dates on each side of every threshold, the archive package and its checksums,
idempotence, the live rows kept, who sees the archive line, and refused runs with their reason.

A grant completed on 2025-03-20 (FY2024): its books are kept to 2030-03-20 counted from
completion, to 2030-03-31 counted from the end of the fiscal year (applied: the later); the last
day of a period is inside it (Civil Code Art. 141), so they are due on the day after."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from monitoringfactories import operating_grant, plan_for

from renkei.accounts.models import Role, User
from renkei.audit.models import AuditEvent
from renkei.grants.models import Grant, GrantDocument, PropertyItem
from renkei.ops.models import ArchiveRecord
from renkei.ops.retention import (
    ArchiveError,
    grant_archive,
    retention_of,
    verify_package,
)
from renkei.services import NotAllowed

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def _today(settings):
    settings.RENKEI_DEMO_NOW = "2045-01-10T10:00:00+09:00"


def _grant(life: int = 1, **kw) -> Grant:
    """Completed 2025-03-20, operating from 2025-04-01 with a useful life of ``life`` years."""
    return operating_grant(completed="2025-03-20", operation="2025-04-01", life=life, **kw)


def _document(grant: Grant, body: bytes = b"%PDF-1.7 invoice") -> GrantDocument:
    doc = GrantDocument(
        grant=grant,
        kind="invoice",
        original_name="invoice.pdf",
        content_type="application/pdf",
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        uploaded_by=grant.opened_by,
    )
    doc.file.save("invoice.pdf", ContentFile(body), save=False)
    doc.save()
    return doc


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def _attachment(grant: Grant, body: bytes = b"%PDF-1.7 form 1"):
    from renkei.proposals.models import Attachment

    proposal = grant.selection.proposal
    att = Attachment(
        proposal=proposal,
        document_id="form1",
        original_name="1_form.pdf",
        content_type="application/pdf",
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        uploaded_by=proposal.created_by,
        version=proposal.versions.first(),
    )
    att.file.save("1_form.pdf", ContentFile(body), save=False)
    att.save()
    return att


def _part(r, key):
    return next(p for p in r.parts if p.key == key)


# --- the dates ---------------------------------------------------------------------------------
def test_books_give_both_readings_and_apply_the_later() -> None:
    r = retention_of(_grant(), as_of=D("2030-01-01"))
    books = _part(r, "books")
    dates = {rd.code: (rd.until, rd.applied) for rd in books.readings}
    assert dates == {
        "jcm.reading.records_from_completion": (D("2030-03-20"), False),
        "jcm.reading.records_later_of_both": (D("2030-03-31"), True),
    }
    assert (r.keep_until, r.reading) == (D("2030-03-31"), "jcm.reading.records_later_of_both")
    assert "2030-03-20" in books.readings[1].text("en")  # the sentence names both dates


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        ("2030-03-19", False),  # C + 5 years − 1 day
        ("2030-03-20", False),  # C + 5 years: the last day counted from completion
        ("2030-03-21", False),  # after it, but the end-of-fiscal-year reading still runs
        ("2030-03-31", False),  # the fiscal-year reading's last day
        ("2030-04-01", True),  # the day after the later of both
    ],
)
def test_books_are_due_the_day_after_the_later_reading(as_of, due) -> None:
    r = retention_of(_grant(), as_of=D(as_of))
    assert r.due is due
    assert r.reason == ("" if due else "ops.retention.within_period")


@pytest.mark.parametrize(
    ("as_of", "due"), [("2041-03-30", False), ("2041-03-31", False), ("2041-04-01", True)]
)
def test_the_property_ledger_holds_the_grant_to_the_useful_life_end_plus_a_year(as_of, due) -> None:
    """Life 15 years from 2025-04-01: E = 2040-03-31, the ledger held to 2041-03-31."""
    r = retention_of(_grant(life=15), as_of=D(as_of))
    ledger = _part(r, "property_ledger")
    assert ledger.until == D("2041-03-31")
    assert ledger.readings[0].code == "jcm.reading.property_ledger_after_life_end"
    assert "2040-03-31" in ledger.readings[0].text("en")  # at least to E
    assert (r.keep_until, r.reading, r.due) == (
        D("2041-03-31"),
        "jcm.reading.property_ledger_after_life_end",
        due,
    )


def test_a_ledger_item_with_a_later_end_moves_the_date() -> None:
    grant = _grant(life=1)
    PropertyItem.objects.create(
        grant=grant,
        name="Chiller",
        unit_price_jpy=800_000,
        acquired_on=D("2025-03-01"),
        useful_life_years=8,
        restriction_ends=D("2033-03-31"),
        recorded_by=grant.opened_by,
    )
    r = retention_of(grant, as_of=D("2034-03-31"))
    assert (_part(r, "property_ledger").until, r.keep_until, r.due) == (
        D("2034-03-31"),
        D("2034-03-31"),
        False,
    )
    assert retention_of(grant, as_of=D("2034-04-01")).due


def test_monitoring_records_are_held_with_the_grant_and_the_gap_is_said() -> None:
    grant = _grant(life=1)
    plan_for(grant)
    part = _part(retention_of(grant, as_of=D("2031-01-01")), "monitoring")
    assert part.until == D("2027-03-31")  # E 2026-03-31 + 1 year (2.(1)③)
    assert part.readings[0].text("en").startswith("[Gap] The call sets no retention period")
    assert part.readings[0].text("ja").startswith("【定めなし】")


@pytest.mark.parametrize("state", ["implementing", "stopped", "cancelled", "naiji_revoked"])
def test_a_grant_never_completed_is_kept_and_never_due(state) -> None:
    grant = _grant()
    Grant.objects.filter(pk=grant.pk).update(completed_on=None, state=state)
    r = retention_of(Grant.objects.get(pk=grant.pk), as_of=D("2044-01-01"))
    assert (r.due, r.keep_until, r.reason) == (False, None, "ops.retention.not_completed")


def test_an_unknown_useful_life_end_keeps_the_grant() -> None:
    grant = _grant()
    Grant.objects.filter(pk=grant.pk).update(operation_started_on=None)
    r = retention_of(Grant.objects.get(pk=grant.pk), as_of=D("2044-01-01"))
    assert (r.due, r.reason) == (False, "ops.retention.life_end_unknown")


# --- the archive -------------------------------------------------------------------------------
def test_the_archive_package_holds_the_records_their_files_and_checksums() -> None:
    grant = _grant()
    plan_for(grant)
    doc = _document(grant)
    attachment = _attachment(grant)
    other = _grant()
    _document(other, b"%PDF-1.7 other grant")
    AuditEvent.objects.create(object_type="grants.grant", object_id=str(grant.pk), action="x")
    AuditEvent.objects.create(object_type="grants.grant", object_id=str(other.pk), action="y")
    record = grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))

    assert record.package.startswith(f"archive/{grant.pk}/")
    manifest_bytes = _read(f"{record.package}/manifest.json")
    assert hashlib.sha256(manifest_bytes).hexdigest() == record.sha256
    manifest = json.loads(manifest_bytes)
    for entry in manifest["files"]:
        data = _read(f"{record.package}/{entry['path']}")
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    copied = next(e for e in manifest["files"] if e.get("source") == doc.file.name)
    assert copied["sha256"] == doc.sha256
    records = json.loads(_read(f"{record.package}/records.json"))
    labels = {r["model"] for r in records}
    assert {
        "proposals.proposal",
        "proposals.proposalversion",
        "adoption.selection",
        "grants.grant",
        "grants.grantdocument",
        "monitoring.monitoringplan",
        "monitoring.meter",
        "audit.auditevent",
    } <= labels
    assert "proposals.attachment" in labels
    # only this grant's rows and files: not the other grant's, nor its audit events
    assert {r["pk"] for r in records if r["model"] == "grants.grant"} == {grant.pk}
    assert {r["pk"] for r in records if r["model"] == "proposals.proposal"} == {
        grant.selection.proposal.pk
    }
    assert not [
        r for r in records if r["model"] == "audit.auditevent" and r["fields"]["action"] == "y"
    ]
    assert record.counts["rows"]["grants.grant"] == 1
    assert record.counts["files"] == 2
    assert {e.get("source") for e in manifest["files"]} == {
        None,
        doc.file.name,
        attachment.file.name,
    }
    assert (record.keep_until, record.reading) == (
        D("2030-03-31"),
        "jcm.reading.records_later_of_both",
    )
    assert manifest["retention"]["keep_until"] == "2030-03-31"
    verify_package(record.package, record.sha256)  # raises on any difference
    event = AuditEvent.objects.get(action="grant_archive", object_id=str(grant.pk))
    assert event.payload["sha256"] == record.sha256


def test_archiving_never_deletes_or_changes_the_live_records() -> None:
    grant = _grant()
    doc = _document(grant)
    before = (Grant.objects.filter(pk=grant.pk).values().get(), GrantDocument.objects.count())
    grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))
    assert (Grant.objects.filter(pk=grant.pk).values().get(), GrantDocument.objects.count()) == (
        before
    )
    assert _read(doc.file.name) == b"%PDF-1.7 invoice"


def test_a_second_run_archives_nothing_new() -> None:
    grant = _grant()
    call_command("renkei_retention", "--archive", "--as-of", "2030-04-01", stdout=_Out())
    assert ArchiveRecord.objects.count() == 1
    out = _Out()
    call_command("renkei_retention", "--archive", "--as-of", "2030-04-01", "--json", stdout=out)
    report = json.loads(out.text)
    assert (report["archived"], report["due"], ArchiveRecord.objects.count()) == ([], [], 1)
    assert retention_of(grant, as_of=D("2030-04-01")).reason == "ops.retention.archived"
    with pytest.raises(ArchiveError, match="was archived on"):
        grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))


def test_a_damaged_file_is_not_archived_and_leaves_no_package() -> None:
    grant = _grant()
    doc = _document(grant)
    with default_storage.open(doc.file.name, "wb") as fh:
        fh.write(b"tampered")
    with pytest.raises(ArchiveError, match="does not match the SHA-256"):
        grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))
    assert not ArchiveRecord.objects.exists()
    _dirs, files = default_storage.listdir(f"archive/{grant.pk}")
    assert files == [] and all(
        not default_storage.listdir(f"archive/{grant.pk}/{d}")[1] for d in _dirs
    )


# --- the command -------------------------------------------------------------------------------
class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_the_dry_run_lists_what_is_due_and_changes_nothing() -> None:
    due, kept = _grant(), _grant(life=15)
    out = _Out()
    call_command("renkei_retention", "--as-of", "2030-04-01", stdout=out)
    assert due.number in out.text and kept.number not in out.text
    assert "dry run" in out.text
    assert "jcm.reading.records_later_of_both" in out.text
    assert "jcm.reading.records_from_completion" in out.text  # the other reading, named
    assert not ArchiveRecord.objects.exists()
    out = _Out()
    call_command("renkei_retention", "--as-of", "2030-04-01", "--json", "--all", stdout=out)
    report = json.loads(out.text)
    assert report["dry_run"] and report["due"] == [due.number]
    assert {g["grant"] for g in report["grants"]} == {due.number, kept.number}


def test_the_dry_run_may_look_ahead_but_archiving_refuses_a_future_date() -> None:
    _grant()
    out = _Out()
    call_command("renkei_retention", "--as-of", "2050-01-01", stdout=out)
    assert "DUE" in out.text
    with pytest.raises(CommandError, match=r"2050-01-01 is after today \(2045-01-10"):
        call_command("renkei_retention", "--archive", "--as-of", "2050-01-01", stdout=_Out())
    assert not ArchiveRecord.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2030-13-01"], "is not a date: give it as YYYY-MM-DD"),
        (["--grant", "G-NOPE"], "no grant numbered G-NOPE"),
    ],
)
def test_bad_options_are_refused_with_the_reason(args, message) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("renkei_retention", *args, stdout=_Out())


def test_archiving_a_named_grant_within_its_period_is_refused_with_its_date() -> None:
    grant = _grant()
    with pytest.raises(
        CommandError, match=r"not due for archiving on 2030-03-31.*until 2030-03-31"
    ):
        call_command(
            "renkei_retention",
            "--archive",
            "--as-of",
            "2030-03-31",
            "--grant",
            grant.number,
            stdout=_Out(),
        )
    assert not ArchiveRecord.objects.exists()


def test_the_command_names_proposals_without_a_grant_as_kept_without_a_period() -> None:
    from renkei.proposals.models import Proposal

    grant = _grant()
    proposal = grant.selection.proposal
    Proposal.objects.create(
        call=proposal.call,
        round=proposal.round,
        organisation=proposal.organisation,
        title="not adopted",
        country="KE",
        created_by=proposal.created_by,
    )
    out = _Out()
    call_command("renkei_retention", "--as-of", "2030-04-01", "--json", stdout=out)
    assert json.loads(out.text)["kept_without_period"] == {"proposals_without_grant": 1}
    out = _Out()
    call_command("renkei_retention", "--as-of", "2030-04-01", stdout=out)
    assert "Gap: 1 proposals without a grant" in out.text


def test_only_the_office_archives() -> None:
    grant = _grant()
    applicant = grant.selection.proposal.created_by
    with pytest.raises(NotAllowed):
        grant_archive(actor=applicant, grant=grant, as_of=D("2030-04-01"))
    office = User.objects.filter(role=Role.OFFICE).first()
    record = grant_archive(actor=office, grant=grant, as_of=D("2030-04-01"))
    assert record.created_by == office


# --- the grant's page --------------------------------------------------------------------------
def test_the_grant_page_shows_the_dates_to_its_members_and_the_archive_line_to_the_office(
    client,
) -> None:
    grant = _grant()
    record = grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))
    office = User.objects.filter(role=Role.OFFICE).first()
    applicant = grant.selection.proposal.created_by
    url = reverse("grants:detail", args=[grant.pk])

    client.force_login(office)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Records kept until 2030-03-31, reading jcm.reading.records_later_of_both" in page
    assert f"Archived on {record.created_at.date():%Y-%m-%d} (package {record.package})" in page
    client.force_login(applicant)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Records kept until 2030-03-31" in page
    assert 'id="retention-archive"' not in page and record.package not in page


def test_the_retention_panel_is_in_japanese_by_default(client) -> None:
    grant = _grant()
    client.force_login(User.objects.filter(role=Role.OFFICE).first())
    page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert "記録の保管" in page and "2030-03-31" in page


def test_naming_an_archived_grant_again_archives_nothing_and_is_not_an_error() -> None:
    grant = _grant()
    args = ("renkei_retention", "--archive", "--as-of", "2030-04-01", "--grant", grant.number)
    call_command(*args, stdout=_Out())
    out = _Out()
    call_command(*args, "--json", stdout=out)
    report = json.loads(out.text)
    assert (report["archived"], report["failed"]) == ([], [])
    assert report["grants"][0]["archived"]["package"] == ArchiveRecord.objects.get().package


def test_verify_reads_every_package_back_and_names_a_damaged_one() -> None:
    grant = _grant()
    _document(grant)
    record = grant_archive(actor=None, grant=grant, as_of=D("2030-04-01"))
    out = _Out()
    call_command("renkei_retention", "--verify", stdout=out)
    assert f"{grant.number}: {record.package}: OK" in out.text
    with default_storage.open(
        f"{record.package}/files/{GrantDocument.objects.get().file.name}", "wb"
    ) as fh:
        fh.write(b"damaged")
    with pytest.raises(CommandError, match="differs from its SHA-256 in the manifest"):
        call_command("renkei_retention", "--verify", stdout=_Out())
