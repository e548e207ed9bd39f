"""Attachments (issue 12, points 3, 6 and 12): the size is decided while the file streams in, a
proposal has at most RENKEI_UPLOAD_MAX_FILES, no refused upload leaves a file in storage, and an
attachment can be removed or replaced while the proposal is editable; the upload form says what
it accepts before a file is chosen."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from webfactories import jst, link_partner

from renkei.audit.services import audit_trail
from renkei.proposals import services
from renkei.proposals.models import Attachment, ProposalState
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"x" * 100
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"j" * 50


@pytest.fixture
def storage(settings) -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def stored_files(storage: Path) -> list[Path]:
    return sorted(p for p in storage.rglob("*") if p.is_file()) if storage.exists() else []


@pytest.fixture
def draft(applicant, first_round, sample_document):
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="attachments", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    return proposal


def add(actor, proposal, name="1_a.pdf", content=PDF, document_id="form1"):
    return services.attachment_add(
        actor=actor,
        proposal=proposal,
        document_id=document_id,
        upload=SimpleUploadedFile(name, content),
    )


def client_for(user, lang: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- streaming: the size is decided as the bytes arrive -------------------------------------
def test_an_upload_through_the_page_is_hashed_while_it_streams(
    applicant, draft, storage, settings, tmp_path
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # a temporary file, moved into storage
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()
    content = PDF * 500
    response = client_for(applicant).post(
        reverse("proposals:attach", args=[draft.pk]),
        {"document_id": "form1", "file": SimpleUploadedFile("1_a.pdf", content)},
        follow=True,
    )
    assert "File uploaded." in messages_of(response)
    [att] = draft.attachments.all()
    assert att.sha256 == hashlib.sha256(content).hexdigest() and att.size == len(content)
    assert [p.read_bytes() for p in stored_files(storage)] == [content]
    assert list((tmp_path / "incoming").iterdir()) == []  # moved, not left behind


def test_large_uploads_are_received_next_to_the_storage_which_need_not_exist_yet(
    applicant, draft, storage, settings, tmp_path
) -> None:
    """By default the temporary files go to var/incoming, beside var/uploads (one file system,
    so saving is a rename, not a second copy), and the directory is made on first use."""
    import os

    from renkei.web import settings as defaults

    location = Path(defaults.STORAGES["default"]["OPTIONS"]["location"])
    expected = os.environ.get("RENKEI_UPLOAD_TEMP_DIR") or str(location.parent / "incoming")
    assert expected == defaults.FILE_UPLOAD_TEMP_DIR
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "var" / "incoming")  # not made yet
    response = client_for(applicant).post(
        reverse("proposals:attach", args=[draft.pk]),
        {"document_id": "form1", "file": SimpleUploadedFile("1_a.pdf", PDF * 50)},
        follow=True,
    )
    assert "File uploaded." in messages_of(response)
    assert [p.read_bytes() for p in stored_files(storage)] == [PDF * 50]
    assert list((tmp_path / "var" / "incoming").iterdir()) == []


@pytest.mark.parametrize("size", [2_000, 200_000])  # over the limit; over it by Content-Length
def test_an_oversized_upload_is_refused_as_it_streams_and_nothing_is_kept(
    applicant, draft, storage, settings, tmp_path, size
) -> None:
    settings.RENKEI_UPLOAD_MAX_BYTES = 1_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    (tmp_path / "incoming").mkdir()
    response = client_for(applicant).post(
        reverse("proposals:attach", args=[draft.pk]),
        {"document_id": "form1", "file": SimpleUploadedFile("big.pdf", PDF + b"y" * size)},
        follow=True,
    )
    [message] = messages_of(response)
    shown = services.human_size(len(PDF) + size)
    assert message == f"big.pdf is {shown}; the limit is 1000 bytes per file"
    assert not draft.attachments.exists() and stored_files(storage) == []
    assert list((tmp_path / "incoming").iterdir()) == []


def test_the_handler_stops_keeping_bytes_past_the_limit(settings) -> None:
    from django.core.files.uploadhandler import StopFutureHandlers

    from renkei.proposals.uploads import AttachmentUploadHandler

    settings.RENKEI_UPLOAD_MAX_BYTES = 100
    handler = AttachmentUploadHandler()
    handler.handle_raw_input(None, {}, 300, b"b")
    with pytest.raises(StopFutureHandlers):  # it alone keeps the file
        handler.new_file("file", "a.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF" + b"x" * 60, 0)
    kept = handler.file
    handler.receive_data_chunk(b"x" * 64, 64)  # crosses 100 bytes
    assert handler.file is None and kept.closed
    refused = handler.file_complete(128)
    assert refused.refused and refused.size == 128 and refused.read() == b""


# --- the count of attachments -----------------------------------------------------------
def test_a_proposal_has_at_most_the_configured_number_of_attachments(
    applicant, draft, storage, settings
) -> None:
    settings.RENKEI_UPLOAD_MAX_FILES = 2
    first = add(applicant, draft, "1_a.pdf", PDF + b"1")
    add(applicant, draft, "1_b.pdf", PDF + b"2")
    with pytest.raises(ServiceError, match="2 attachments, the most it can have"):
        add(applicant, draft, "1_c.pdf", PDF + b"3")
    assert draft.attachments.count() == 2 and len(stored_files(storage)) == 2
    # replacing one keeps the count: allowed at the limit
    services.attachment_replace(
        actor=applicant, attachment=first, upload=SimpleUploadedFile("1_d.pdf", PDF + b"4")
    )
    assert sorted(draft.attachments.values_list("original_name", flat=True)) == [
        "1_b.pdf",
        "1_d.pdf",
    ]


# --- no refused upload leaves its file ---------------------------------------------------
def _submitted(applicant, draft):
    add(applicant, draft, "1_a.pdf", PDF)
    services.proposal_submit(
        actor=applicant, proposal=draft, idempotency_key="s", now=jst("2024-05-10T09:00")
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("type", "not accepted"),
        ("content", "does not look like a .pdf"),
        ("size", "the limit is"),
        ("count", "the most it can have"),
        ("duplicate", "already attached"),
        ("state", "submitted .* and is locked"),
        ("permission", "not allowed"),
        ("race", "submitted .* and is locked"),
        ("failure after writing", "audit unavailable"),
    ],
)
def test_every_refused_upload_leaves_no_file_in_storage(
    users, draft, storage, settings, monkeypatch, case, message
) -> None:
    applicant = users["applicant"]
    actor, proposal, name, content = applicant, draft, "1_new.pdf", PDF + b"new"
    if case == "type":
        name = "run.exe"
    elif case == "content":
        content = b"<html>"
    elif case == "size":
        settings.RENKEI_UPLOAD_MAX_BYTES = 50
    elif case == "count":
        settings.RENKEI_UPLOAD_MAX_FILES = 1
        add(applicant, draft, "1_a.pdf")
    elif case == "duplicate":
        add(applicant, draft, "1_a.pdf", content)
    elif case == "state":
        _submitted(applicant, draft)
        draft.refresh_from_db()
    elif case == "permission":
        link_partner(applicant, draft, users["partner"])
        actor = users["partner"]
    elif case == "race":  # the page read the draft; the submit committed before the upload
        _submitted(applicant, draft)
        assert proposal.state == ProposalState.DRAFT  # the page's copy
    elif case == "failure after writing":

        def fail(**kwargs):
            raise RuntimeError("audit unavailable")

        monkeypatch.setattr(services, "audit_record", fail)
    before = stored_files(storage)
    rows = Attachment.objects.count()
    with pytest.raises((ServiceError, RuntimeError), match=message):
        add(actor, proposal, name, content)
    assert stored_files(storage) == before
    assert Attachment.objects.count() == rows


# --- removing and replacing --------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # the file is deleted once the removal commits
def test_a_draft_attachment_is_removed_with_its_file(applicant, draft, storage) -> None:
    att = add(applicant, draft)
    duplicate = add(applicant, draft, "1_a (1).pdf", PDF + b"again")
    services.attachment_remove(actor=applicant, attachment=duplicate)
    assert list(draft.attachments.all()) == [att]
    assert [p.read_bytes() for p in stored_files(storage)] == [PDF]
    [event] = [e for e in audit_trail(draft) if e.action == "attachment_remove"]
    assert event.actor == applicant
    assert event.payload["name"] == "1_a (1).pdf" and event.payload["file_deleted"] is True
    with pytest.raises(ServiceError, match="removed already"):
        services.attachment_remove(actor=applicant, attachment=duplicate)


@pytest.mark.django_db(transaction=True)
def test_a_replaced_draft_attachment_gives_way_to_the_new_file(applicant, draft, storage) -> None:
    old = add(applicant, draft, "4_経費.pdf", PDF, document_id="form4")
    new = services.attachment_replace(
        actor=applicant, attachment=old, upload=SimpleUploadedFile("4_経費_v2.pdf", PDF + b"2")
    )
    assert (new.document_id, new.original_name) == ("form4", "4_経費_v2.pdf")
    assert list(draft.attachments.all()) == [new]
    assert [p.read_bytes() for p in stored_files(storage)] == [PDF + b"2"]
    [event] = [e for e in audit_trail(draft) if e.action == "attachment_replace"]
    assert event.payload["replaced"] == "4_経費.pdf" and event.payload["name"] == "4_経費_v2.pdf"
    # a refused replacement changes nothing: the old file stays
    with pytest.raises(ServiceError, match="not accepted"):
        services.attachment_replace(
            actor=applicant, attachment=new, upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    assert list(draft.attachments.all()) == [new] and len(stored_files(storage)) == 1


def test_a_submitted_attachment_stays_in_the_history_when_removed_in_a_revision(
    users, draft, storage
) -> None:
    applicant = users["applicant"]
    submitted = add(applicant, draft, "1_a.pdf")
    services.proposal_submit(
        actor=applicant, proposal=draft, idempotency_key="v1", now=jst("2024-05-10T09:00")
    )
    with pytest.raises(NotAllowed, match="locked"):  # not while submitted
        services.attachment_remove(actor=applicant, attachment=submitted)
    services.proposal_open_revision(actor=users["office"], proposal=draft, reason="form 1")
    services.attachment_replace(
        actor=applicant, attachment=submitted, upload=SimpleUploadedFile("1_b.pdf", PDF + b"b")
    )
    submitted.refresh_from_db()
    assert submitted.removed_at is not None and submitted.removed_by == applicant
    assert len(stored_files(storage)) == 2  # version 1's file is kept with version 1
    assert [a.original_name for a in draft.attachments.current()] == ["1_b.pdf"]
    version = services.proposal_submit(
        actor=applicant, proposal=draft, idempotency_key="v2", now=jst("2024-05-11T09:00")
    )
    assert version.document["documents"] == [{"id": "form1", "file": "1_b.pdf"}]
    assert draft.versions.get(number=1).document["documents"] == [
        {"id": "form1", "file": "1_a.pdf"}
    ]


def test_only_the_representative_removes_and_replaces(users, draft) -> None:
    applicant, partner = users["applicant"], users["partner"]
    att = add(applicant, draft)
    link_partner(applicant, draft, partner)
    with pytest.raises(NotAllowed):
        services.attachment_remove(actor=partner, attachment=att)
    with pytest.raises(NotAllowed):
        services.attachment_replace(
            actor=partner, attachment=att, upload=SimpleUploadedFile("1_b.pdf", PDF + b"b")
        )
    assert list(draft.attachments.all()) == [att]


# --- what the pages show -----------------------------------------------------------------
def test_jpeg_files_are_accepted_under_both_extensions(applicant, draft) -> None:
    for name in ("photo.jpg", "photo.jpeg", "PHOTO.JPEG"):
        att = add(applicant, draft, name, JPEG + name.encode(), document_id="other_references")
        assert att.content_type == "image/jpeg"
    with pytest.raises(ServiceError, match=r"does not look like a \.jpeg"):
        add(applicant, draft, "fake.jpeg", PDF, document_id="other_references")


def test_the_upload_form_says_what_it_accepts_in_the_page_language(
    applicant, draft, settings
) -> None:
    settings.RENKEI_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    settings.RENKEI_UPLOAD_MAX_FILES = 60
    client = client_for(applicant, "ja")
    url = reverse("proposals:edit", args=[draft.pk])
    ja = client.get(url).content.decode()
    assert ".jpeg" in ja and "20.0 MB" in ja and "60" in ja
    assert "1ファイル" in ja  # the limits, in Japanese (the default language)
    client.cookies["django_language"] = "en"
    en = client.get(url).content.decode()
    assert "Accepted types: .csv, .docx, .jpeg, .jpg, .pdf, .png, .pptx, .xlsx, .zip." in en
    assert "Up to 20.0 MB per file and 60 files per proposal." in en
    assert 'accept=".csv,.docx,.jpeg,.jpg,.pdf,.png,.pptx,.xlsx,.zip"' in en


def test_sizes_read_as_kilobytes_and_megabytes(applicant, draft) -> None:
    add(applicant, draft, "1_a.pdf", PDF * 30)  # 3,270 bytes
    client = client_for(applicant)
    for page in ("proposals:detail", "proposals:edit"):
        body = client.get(reverse(page, args=[draft.pk])).content.decode()
        assert "3.2\xa0KB" in body and "3270" not in body


def test_remove_and_replace_from_the_editor_page(applicant, draft) -> None:
    att = add(applicant, draft)
    client = client_for(applicant)
    page = client.get(reverse("proposals:edit", args=[draft.pk])).content.decode()
    assert reverse("proposals:attachment_remove", args=[att.pk]) in page
    assert reverse("proposals:attachment_replace", args=[att.pk]) in page
    replaced = client.post(
        reverse("proposals:attachment_replace", args=[att.pk]),
        {"file": SimpleUploadedFile("1_b.pdf", PDF + b"b")},
    )
    assert replaced.status_code == 302 and replaced.headers["Location"].endswith("#attachments")
    [new] = draft.attachments.all()
    assert new.original_name == "1_b.pdf"
    client.post(reverse("proposals:attachment_remove", args=[new.pk]))
    assert not draft.attachments.exists()


# --- the attach path's fixed cost (issue 12, point 27) --------------------------------------
def test_the_attach_form_decides_permission_with_one_query(applicant, draft) -> None:
    """Who may attach is decided on the proposal's row: the only permission query left on the
    attach path is the page's visibility check (before: one more for each of the service's two
    decisions and the redirect's, so four)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(applicant)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("proposals:attach", args=[draft.pk]),
            {"document_id": "form1", "file": SimpleUploadedFile("1_a.pdf", PDF)},
        )
    assert response.status_code == 302
    assert draft.attachments.count() == 1
    permission = [q["sql"] for q in queries.captured_queries if "proposalpartner" in q["sql"]]
    assert len(permission) == 1, permission
