"""Services of the applicant path (JCM call 5.(1) ①–⑥): each state change is atomic, audited,
and notifies only after commit. Nothing else changes a proposal's state.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as ValidationError_
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _
from pydantic import ValidationError

from renkei import access, clock
from renkei.accounts.models import Organisation, Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.calls.models import Call, Program, Round
from renkei.errors import RenkeiError
from renkei.proposals.assessed import snapshot
from renkei.proposals.models import (
    Attachment,
    PartnerInvitation,
    PreRegistration,
    Proposal,
    ProposalPartner,
    ProposalState,
    ProposalVersion,
)
from renkei.rules import assess_proposal, validate_proposal
from renkei.rules._registry import validation_errors
from renkei.services import NotAllowed, ServiceError, check_lengths

JST = ZoneInfo("Asia/Tokyo")

# magic numbers of the allowed types: office formats are zip containers
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".xlsx": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".csv": (),
}


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


class ProposalLocked(NotAllowed):
    """The representative tried to change a proposal that is submitted (and not reopened)."""


def _locked(proposal: Proposal, actor: Any, action: str) -> Proposal:
    """The proposal's row, locked until the transaction ends, with ``action`` decided on that
    fresh row. ``proposal_submit`` takes the same lock, so a write racing a submit is decided
    after it (and refused) or before it (and submitted): never both on a stale copy (issue 12,
    2). Every write to a proposal starts here, inside ``transaction.atomic()``."""
    fresh = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _decide(actor, action, fresh)
    return fresh


def _decide(actor: Any, action: str, proposal: Proposal) -> None:
    """Refuse ``action`` unless allowed, saying why when the proposal is locked."""
    if not access.can(actor, action, proposal):
        if access.is_representative(actor, proposal) and proposal.state not in access.EDITABLE:
            raise ProposalLocked(
                _(
                    "Nothing was changed: the proposal was submitted (receipt %(receipt)s) and "
                    "is locked. Only the office can open it for revision."
                )
                % {"receipt": proposal.receipt_number or "—"}
            )
        raise NotAllowed(_("You are not allowed to do this."))


# --- ① pre-registration ---------------------------------------------------------------------
def preregistration_create(
    *,
    actor: Any,
    round: Round,
    organisation_name: str,
    contact_name: str,
    email: str,
    title: str,
    country: str,
    technologies: list[str],
    needs_account: bool,
    now: dt.datetime | None = None,
) -> PreRegistration:
    """Refused when it is less than two weeks before the deadline it targets (5.(1)), or for a
    host country the call does not cover (2.(3))."""
    _require(actor, "preregister")
    check_lengths(
        PreRegistration,
        organisation_name=organisation_name,
        contact_name=contact_name,
        email=email,
        title=title,
        country=country,
    )
    now = now or clock.now()
    if round.call.program != "jcm-model-project":
        raise ServiceError(
            _(
                "Pre-registration is a step of the JCM Model Project call (5.(1)); "
                "C3P proposals are submitted directly."
            )
        )
    # a host country the call does not cover is refused as a proposal's is (issue 12, point 7):
    # the same check and message for the page, the API and every other caller
    country = check_call_country(round.call, country)
    book = round.call.rulebook()
    from renkei.rules.jcm import deadline

    due = deadline(book, "pre-registration", round.deadline.astimezone(JST).date()).due
    if now.astimezone(JST).date() > due:
        raise ServiceError(
            _(
                "Pre-registration for the %(deadline)s deadline closed on %(due)s (two weeks "
                "before the deadline, 5.(1)). Choose a later round."
            )
            % {
                "deadline": round.deadline.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
                "due": due.isoformat(),
            }
        )
    with transaction.atomic():
        reg = PreRegistration.objects.create(
            call=round.call,
            round=round,
            organisation_name=organisation_name,
            contact_name=contact_name,
            email=email,
            title=title,
            country=country,
            technologies=technologies,
            needs_account=needs_account,
        )
        audit_record(
            actor=actor,
            obj=reg,
            action="preregistration_create",
            to_state="registered",
            payload={"round": round.code, "title": title},
        )
    return reg


# --- the documents a call asks for ----------------------------------------------------------
OTHER_REFERENCES = "other_references"


@dataclass(frozen=True)
class DocumentChoice:
    """A document an applicant can upload, from the call's rulebook: JCM form 6's checklist, or
    C3P 3.4 (1)–(11) plus the agreements the guidebook names elsewhere (3.2 (7), BOX 6)."""

    id: str
    form: str  # the form number (JCM) or the item of the guidebook (C3P), shown before the name
    name_ja: str
    name_en: str
    required: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") else self.name_ja


def required_documents(call: Call) -> list[DocumentChoice]:
    """The documents of ``call`` in the rulebook's order (the upload form offers them)."""
    book = call.rulebook()
    if call.program == Program.C3P:
        return [
            DocumentChoice(d.id, d.item, d.name_ja, d.name_en, d.required)
            for d in book.documents.items
        ]
    return [
        DocumentChoice(d.id, d.form or "", d.name_ja, d.name_ja, d.required)
        for d in book.required_documents.documents
    ]


# --- ④ drafting -----------------------------------------------------------------------------
_C3P_LEAD_KINDS = {
    Organisation.Kind.COMPANY: "company",
    Organisation.Kind.MUNICIPALITY: "municipality",
}


def _c3p_skeleton(call: Call, title: str, country: str, organisation: Any) -> dict[str, Any]:
    """A C3P draft pre-filled from what the platform knows: the contract year (3.3 (3)), the
    lead organisation, the partner country and, for a Japanese municipality, the Japanese city
    (3.2 (8)). The rest is left for the applicant: the editor lists what is still missing."""
    kind = _C3P_LEAD_KINDS.get(getattr(organisation, "kind", None))
    applicant: dict[str, Any] = {"name": organisation.name}
    if kind:
        applicant["kind"] = kind
    document: dict[str, Any] = {
        "call": call.rulebook_id,
        "title": title,
        "fiscal_year": call.rulebook().fiscal_year.value,
        "applicant": applicant,
        "partner_city": {"country": country},
        "project": {"title_ja": title, "type": "new", "phase": 1, "year_in_phase": 1},
    }
    if kind == "municipality":
        document["japanese_city"] = {
            "name_ja": organisation.name,
            "name_en": organisation.name_en or organisation.name,
        }
    return document


def _skeleton(call: Call, round: Round, title: str, country: str) -> dict[str, Any]:
    return {
        "call": call.rulebook_id,
        "title": title,
        "country": country,
        "target_deadline": round.deadline.astimezone(JST).isoformat(),
        "assessed_on": clock.now().astimezone(JST).date().isoformat(),
    }


def call_country_codes(book: Any) -> set[str]:
    """The country codes a call covers: the JCM partner countries (2.(3)), or the C3P
    guidebook's Table 3 (partner and candidate countries)."""
    jcm = getattr(book, "partner_countries", None)
    if jcm is not None:
        return {c.code for c in jcm.countries}
    c3p = getattr(book, "countries", None)
    if c3p is not None:
        return {c.code for c in (*c3p.partners, *c3p.candidates)}
    return set()


def check_call_country(call: Call, country: str) -> str:
    """``country`` as a code (blanks dropped, upper case) if ``call`` covers it; otherwise the
    refusal that names the codes that would be right (``errors`` points at ``country``)."""
    country = (country or "").strip().upper()
    codes = call_country_codes(call.rulebook())
    if codes and country not in codes:
        message = _("%(code)s is not a country of this call; choose one of: %(codes)s") % {
            "code": country,
            "codes": ", ".join(sorted(codes)),
        }
        raise ServiceError(message, errors=[f"country: {message}"])
    return country


def proposal_create(
    *,
    actor: Any,
    round: Round,
    title: str,
    country: str,
    preregistration: PreRegistration | None = None,
    document: dict[str, Any] | None = None,
) -> Proposal:
    """A new draft for ``round``, owned by the actor's organisation. The country must be one the
    call covers (JCM 2.(3) partner countries; C3P Table 3), or the editor could not show it: the
    page, the API and every other caller are refused here, with the codes that would be right."""
    _require(actor, "create_proposal")
    country = check_call_country(round.call, country)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            call=round.call,
            round=round,
            organisation=actor.organisation,
            title=title,
            country=country,
            preregistration=preregistration,
            created_by=actor,
            document=document
            or (
                _c3p_skeleton(round.call, title, country, actor.organisation)
                if round.call.program == Program.C3P
                else _skeleton(round.call, round, title, country)
            ),
        )
        audit_record(actor=actor, obj=proposal, action="proposal_create", to_state="draft")
    return proposal


# what a validation error of each kind asks for, in the page's language (pydantic speaks
# English; the rules core's own checks keep their message)
_FIX = {
    "missing": gettext_lazy("required field is missing"),
    "extra_forbidden": gettext_lazy("unknown field; remove it or check its spelling"),
    "int_parsing": gettext_lazy("should be a whole number"),
    "int_type": gettext_lazy("should be a whole number"),
    "int_from_float": gettext_lazy("should be a whole number"),
    "decimal_parsing": gettext_lazy("should be a number"),
    "decimal_type": gettext_lazy("should be a number"),
    "float_parsing": gettext_lazy("should be a number"),
    "bool_parsing": gettext_lazy("should be true or false"),
    "bool_type": gettext_lazy("should be true or false"),
    "date_parsing": gettext_lazy("should be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": gettext_lazy("should be a date (YYYY-MM-DD)"),
    "date_type": gettext_lazy("should be a date (YYYY-MM-DD)"),
    "string_type": gettext_lazy("should be text"),
    "list_type": gettext_lazy("should be a list"),
    "dict_type": gettext_lazy("should be a mapping of fields"),
    "model_type": gettext_lazy("should be a mapping of fields"),
    "greater_than_equal": gettext_lazy("should be at least %(ge)s"),
    "greater_than": gettext_lazy("should be greater than %(gt)s"),
    "less_than_equal": gettext_lazy("should be at most %(le)s"),
    "less_than": gettext_lazy("should be less than %(lt)s"),
    "literal_error": gettext_lazy("should be one of: %(expected)s"),
    "enum": gettext_lazy("should be one of: %(expected)s"),
}


def document_errors(document: dict[str, Any]) -> list[str]:
    """Every validation error of a proposal document, as 'path: message' lines, in the
    active language where the kind of error is known."""
    try:
        validate_proposal(document)
    except ValidationError as exc:
        call = str(document.get("call", ""))
        lines = []
        for err, e in zip(exc.errors(), validation_errors(exc), strict=True):
            fix = _FIX.get(err["type"])
            try:
                message = str(fix) % err.get("ctx", {}) if fix is not None else e.message
            except (KeyError, TypeError, ValueError):  # a context the message did not expect
                message = e.message
            lines.append(f"{e.path.removeprefix(call + '.') or _('(document)')}: {message}")
        return lines
    return []


def proposal_update_document(
    *, actor: Any, proposal: Proposal, document: dict[str, Any]
) -> list[str]:
    """Save the draft as given (nothing typed is lost) and return its validation errors."""
    with transaction.atomic():
        proposal = _locked(proposal, actor, "edit")
        document = {**applicant_part(document), "call": proposal.call.rulebook_id}
        Proposal.objects.filter(pk=proposal.pk).update(
            document=document,
            title=str(document.get("title") or proposal.title)[:300],
            country=document_country(proposal.call, document) or proposal.country,
            updated_at=clock.now(),
        )
        proposal.refresh_from_db()
        audit_record(
            actor=actor,
            obj=proposal,
            action="proposal_update_document",
            from_state=proposal.state,
            to_state=proposal.state,
        )
    return document_errors(document)


def human_size(size: int) -> str:
    """A size as people read it (KB, MB: 1,024-based, as file managers show them), with the
    active language's decimal mark."""
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size)).replace("\xa0", " ")


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    ext: str
    content_type: str
    size: int
    sha256: str


def check_file(upload: UploadedFile) -> CheckedUpload:
    """What can be decided from an uploaded file alone, for every upload of the platform (a
    proposal's attachments, a grant's documents): its type (extension and content) and size.
    The SHA-256 and first bytes were taken while the upload streamed in
    (``renkei.proposals.uploads``); a file made in code is read here, once."""
    name = upload.name or "file"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    allowed = settings.RENKEI_UPLOAD_TYPES
    if ext not in allowed:
        raise ServiceError(
            _("%(name)s: files of this type are not accepted; use one of %(types)s")
            % {"name": name, "types": ", ".join(sorted(allowed))}
        )
    limit = settings.RENKEI_UPLOAD_MAX_BYTES
    if getattr(upload, "refused", False) or upload.size > limit:
        raise ServiceError(
            _("%(name)s is %(size)s; the limit is %(limit)s per file")
            % {"name": name, "size": human_size(upload.size), "limit": human_size(limit)}
        )
    sha256 = getattr(upload, "renkei_sha256", None)
    head = getattr(upload, "renkei_head", None)
    if sha256 is None or head is None:
        digest = hashlib.sha256()
        head = b""
        for chunk in upload.chunks():
            if len(head) < 16:
                head += chunk[: 16 - len(head)]
            digest.update(chunk)
        sha256 = digest.hexdigest()
        upload.seek(0)
    magics = _MAGIC.get(ext, ())
    if magics and not any(head.startswith(m) for m in magics):
        raise ServiceError(
            _("%(name)s does not look like a %(ext)s file; check the file")
            % {"name": name, "ext": ext}
        )
    return CheckedUpload(
        name=name, ext=ext, content_type=allowed[ext], size=upload.size, sha256=sha256
    )


def _check_upload(proposal: Proposal, document_id: str, upload: UploadedFile) -> CheckedUpload:
    """The file's document among the call's, then the file itself (``check_file``)."""
    check_lengths(Attachment, document_id=document_id)  # length and NUL, said as such
    known = [d.id for d in required_documents(proposal.call)] + [OTHER_REFERENCES]
    if proposal.call.program == Program.C3P and document_id not in known:
        raise ServiceError(
            _("%(doc)s is not a document of this call; choose one of: %(ids)s")
            % {"doc": document_id or "—", "ids": ", ".join(known)}
        )
    if not document_id or len(document_id) > Attachment._meta.get_field("document_id").max_length:
        raise ServiceError(
            _("Choose the document this file is for; one of: %(ids)s") % {"ids": ", ".join(known)}
        )
    return check_file(upload)


def _store(
    *,
    actor: Any,
    proposal: Proposal,
    document_id: str,
    upload: UploadedFile,
    checked: CheckedUpload,
    replacing: Attachment | None = None,
) -> Attachment:
    """Keep the file and its row, under the proposal's lock (``_locked``). The limits that
    depend on the proposal's other attachments are decided here; a refusal or a failure after
    the file was written deletes it again, so no file is left without its row."""
    current = proposal.attachments.current()
    if replacing is not None:
        current = current.exclude(pk=replacing.pk)
    if current.count() >= settings.RENKEI_UPLOAD_MAX_FILES:
        raise ServiceError(
            _(
                "This proposal has %(n)s attachments, the most it can have. Remove one you no "
                "longer need, or replace it with the new file."
            )
            % {"n": settings.RENKEI_UPLOAD_MAX_FILES}
        )
    same = current.filter(document_id=document_id, sha256=checked.sha256).first()
    if same is not None:
        raise ServiceError(
            _("%(name)s is already attached to this document as %(existing)s (the same bytes).")
            % {"name": checked.name, "existing": same.original_name}
        )
    att = Attachment(
        proposal=proposal,
        document_id=document_id,
        original_name=checked.name[:255],
        content_type=settings.RENKEI_UPLOAD_TYPES[checked.ext],
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    att.file.save(f"{uuid.uuid4().hex}{checked.ext}", upload, save=False)
    try:
        att.save()
        audit_record(
            actor=actor,
            obj=proposal,
            action="attachment_replace" if replacing is not None else "attachment_add",
            payload={
                "document_id": document_id,
                "name": checked.name,
                "sha256": att.sha256,
                **({"replaced": replacing.original_name} if replacing is not None else {}),
            },
        )
    except BaseException:
        att.file.storage.delete(att.file.name)
        raise
    return att


def attachment_add(
    *, actor: Any, proposal: Proposal, document_id: str, upload: UploadedFile
) -> Attachment:
    """Type allowlist (extension and content), size and count limits, SHA-256 of every byte;
    decided on the proposal's locked row, like every write to it."""
    _decide(actor, "attach", proposal)  # early: no work for who may not (decided again below)
    checked = _check_upload(proposal, document_id, upload)
    with transaction.atomic():
        proposal = _locked(proposal, actor, "attach")
        return _store(
            actor=actor, proposal=proposal, document_id=document_id, upload=upload, checked=checked
        )


def _current_attachment(proposal: Proposal, attachment: Attachment) -> Attachment:
    att = (
        Attachment.objects.select_for_update()
        .filter(pk=attachment.pk, proposal=proposal, removed_at__isnull=True)
        .first()
    )
    if att is None:
        raise ServiceError(_("This attachment was removed already."))
    return att


def _take_out(actor: Any, att: Attachment) -> bool:
    """Take ``att`` out of the proposal's current attachments: a draft attachment goes with its
    file (once the transaction commits); one that was part of a submitted version stays with
    that version in the history. True when the file is deleted."""
    if att.version_id is None:
        name = att.file.name
        Attachment.objects.filter(pk=att.pk).delete()
        transaction.on_commit(lambda: default_storage.delete(name))
        return True
    Attachment.objects.filter(pk=att.pk).update(removed_at=clock.now(), removed_by=actor)
    return False


def attachment_remove(*, actor: Any, attachment: Attachment) -> None:
    """The representative removes an attachment while the proposal is editable."""
    with transaction.atomic():
        proposal = _locked(attachment.proposal, actor, "attach")
        att = _current_attachment(proposal, attachment)
        deleted = _take_out(actor, att)
        audit_record(
            actor=actor,
            obj=proposal,
            action="attachment_remove",
            payload={
                "document_id": att.document_id,
                "name": att.original_name,
                "sha256": att.sha256,
                "file_deleted": deleted,
            },
        )


def attachment_replace(*, actor: Any, attachment: Attachment, upload: UploadedFile) -> Attachment:
    """A new file for the same document in place of ``attachment``, in one step: both happen or
    neither does."""
    proposal = attachment.proposal
    _decide(actor, "attach", proposal)
    checked = _check_upload(proposal, attachment.document_id, upload)
    with transaction.atomic():
        proposal = _locked(proposal, actor, "attach")
        old = _current_attachment(proposal, attachment)
        _take_out(actor, old)
        return _store(
            actor=actor,
            proposal=proposal,
            document_id=old.document_id,
            upload=upload,
            checked=checked,
            replacing=old,
        )


# --- ⑤ submit and ⑥ receipt -----------------------------------------------------------------
def document_with_uploads(proposal: Proposal, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` naming the proposal's uploads as its call's documents: C3P by id (3.4),
    JCM by form 6's id and file name. The editor's live assessment uses it too."""
    doc = dict(document)
    attachments = proposal.attachments.current().order_by("id")
    if proposal.call.program == Program.C3P:
        known = {d.id for d in required_documents(proposal.call)}
        ids = attachments.values_list("document_id", flat=True)
        doc["documents_submitted"] = list(dict.fromkeys(i for i in ids if i in known))
    else:
        doc["documents"] = [{"id": a.document_id, "file": a.original_name} for a in attachments]
    return doc


# The reviewers' part of a proposal document (別添2: the reviewers' items; C3P Table 6): on the
# platform those scores come from the reviews themselves, never from what an applicant typed.
REVIEWERS_PART = ("reviewer_scores",)


def applicant_part(document: dict[str, Any]) -> dict[str, Any]:
    """The document without the reviewers' part, which an applicant does not give."""
    return {k: v for k, v in document.items() if k not in REVIEWERS_PART}


def document_country(call: Call, document: dict[str, Any]) -> str:
    """The host country the document names (JCM: ``country``; C3P: the partner city's), so the
    office's lists, the PIN and the Joint Committee's view follow what the applicant wrote."""
    if call.program == Program.C3P:
        city = document.get("partner_city")
        value = city.get("country") if isinstance(city, dict) else None
    else:
        value = document.get("country")
    return value.strip().upper() if isinstance(value, str) and len(value.strip()) == 2 else ""


def _document_with_attachments(proposal: Proposal, today: dt.date) -> dict[str, Any]:
    doc = applicant_part(document_with_uploads(proposal, proposal.document))
    if proposal.call.program == Program.C3P:
        # C3P documents carry the submission date, which the rules core checks against the
        # call's period
        doc["submitted_on"] = today.isoformat()
    else:
        doc["assessed_on"] = today.isoformat()
    return doc


class NeedsConfirmation(ServiceError):
    """The assessment finds points the call does not allow or documents missing: the applicant
    is shown them (``failing``, the findings in the active language) before the proposal locks."""

    def __init__(self, failing: list[dict[str, Any]]):
        super().__init__(_("Confirm the submission: the assessment finds problems."))
        self.failing = failing


def proposal_submit(
    *,
    actor: Any,
    proposal: Proposal,
    idempotency_key: str,
    now: dt.datetime | None = None,
    confirmed: bool = True,
) -> ProposalVersion:
    """All or nothing, once per key: a repeated submit returns the version already made. With
    ``confirmed=False`` a submission whose assessment fails somewhere is not made: it raises
    NeedsConfirmation with the failing findings (the submit page asks before locking)."""
    if not idempotency_key:
        raise ServiceError(_("The submission key is missing; reload the page and submit again."))
    limit = ProposalVersion._meta.get_field("idempotency_key").max_length
    if len(idempotency_key) > limit or "\x00" in idempotency_key:
        raise ServiceError(
            _(
                "The submission key is %(length)s characters long or has a character that is "
                "not allowed; a key is at most %(limit)s letters and digits. Reload the page and "
                "submit again."
            )
            % {"length": len(idempotency_key), "limit": limit}
        )
    # the key is the proposal's own: another proposal's (another organisation's) submit with
    # the same key is another submission
    same_key = ProposalVersion.objects.filter(proposal=proposal.pk, idempotency_key=idempotency_key)
    existing = same_key.first()
    if existing is not None:
        _require(actor, "view", existing.proposal)
        return existing
    with transaction.atomic():
        # the proposal's own lock: a double click or a retry waits here and finds the version
        # the first request made; other proposals of the call are validated and assessed
        # meanwhile (the call's lock is taken only to number the receipt, below)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        call = proposal.call
        existing = same_key.first()
        if existing is not None:
            return existing
        _require(actor, "submit", proposal)
        now = now or clock.now()
        if now < call.opens_at:  # JCM 5.(2) 公募期間 from 2024-04-05; C3P: its call period
            raise ServiceError(
                _("The call opens on %(opens)s JST; proposals can be submitted from then.")
                % {"opens": call.opens_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")}
            )
        # a revision the office opened (3.(2): 追加資料の提出等) is resubmitted after the deadline
        if now >= proposal.round.deadline and proposal.state != ProposalState.REVISION_OPEN:
            raise ServiceError(
                _(
                    "The deadline of %(round)s was %(deadline)s JST; submissions are no longer "
                    "accepted for it."
                )
                % {
                    "round": proposal.round.name_ja,
                    "deadline": proposal.round.deadline.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
                }
            )
        document = _document_with_attachments(proposal, now.astimezone(JST).date())
        errors = document_errors(document)
        if errors:
            raise ServiceError(
                _("The proposal is not complete; correct these and submit again."), errors=errors
            )
        try:
            parsed = validate_proposal(document)
            result = assess_proposal(parsed)
        except RenkeiError as exc:
            raise ServiceError(str(exc)) from exc
        if not confirmed:
            failing = [
                f
                for section in result.to_dict(get_language() or "ja")["sections"]
                for f in section["findings"]
                if f["status"] == "fail"
            ]
            if failing:
                raise NeedsConfirmation(failing)
        number = ProposalVersion.objects.filter(proposal=proposal).count() + 1
        if proposal.receipt_number is None:
            # receipts are numbered one at a time per call; nothing else locks the call row, so
            # the order proposal → call cannot deadlock
            Call.objects.select_for_update().only("pk").get(pk=call.pk)
            seq = Proposal.objects.filter(call=call, receipt_number__isnull=False).count() + 1
            prefix = "JCM" if call.program == "jcm-model-project" else "C3P"
            proposal.receipt_number = f"{prefix}-{now.astimezone(JST):%Y%m%d}-{seq:04d}"
        version = ProposalVersion.objects.create(
            proposal=proposal,
            number=number,
            document=document,
            submitted_by=actor,
            submitted_at=now,
            rulebook_id=result.rulebook_id,
            rulebook_version=result.rulebook_version,
            assessment_status=str(result.status),
            assessment=snapshot(result),  # read by screening, intake and ranking
            idempotency_key=idempotency_key,
        )
        proposal.attachments.filter(version__isnull=True).update(version=version)
        before = proposal.state
        proposal._submit()
        proposal.document = document
        proposal.submitted_at = now
        proposal.save()
        audit_record(
            actor=actor,
            obj=proposal,
            action="proposal_submit",
            from_state=before,
            to_state=proposal.state,
            payload={"receipt": proposal.receipt_number, "version": number},
        )
        notify(
            [actor],
            subject=gettext_noop("[Renkei] Proposal received"),
            message=gettext_noop("Proposal “%(title)s” was received. Receipt number: %(receipt)s"),
            values={"title": proposal.title, "receipt": proposal.receipt_number},
            link=f"/proposals/{proposal.pk}/",
        )
    return version


def proposal_open_revision(*, actor: Any, proposal: Proposal, reason: str) -> Proposal:
    """Only staff reopen a submitted proposal, with a reason; the next submit is a new version."""
    if not reason.strip():
        raise ServiceError(_("Give the reason for allowing a revision."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _require(actor, "open_revision", proposal)  # decided on the locked row
        before = proposal.state
        proposal._open_revision()
        proposal.save()
        audit_record(
            actor=actor,
            obj=proposal,
            action="proposal_open_revision",
            from_state=before,
            to_state=proposal.state,
            payload={"reason": reason},
        )
        # the whole consortium is told: the representative revises, the partners see it
        message = gettext_noop(
            "The program office opened “%(title)s” (receipt %(receipt)s) for revision: "
            "%(reason)s. Revise it and submit it again; the new version is screened again."
        )
        values = {
            "title": proposal.title,
            "receipt": proposal.receipt_number,
            "reason": reason.strip(),
        }
        for organisation in [
            proposal.organisation,
            *(p.organisation for p in proposal.partners.all()),
        ]:
            _tell_organisation(
                organisation,
                gettext_noop("[Renkei] Your proposal is open for revision"),
                message,
                values,
                f"/proposals/{proposal.pk}/",
            )
    return proposal


# --- the consortium's partner participants ---------------------------------------------------
def partner_add(*, actor: Any, proposal: Proposal, email: str) -> PartnerInvitation:
    """The representative participant invites a partner participant (共同事業者) by the e-mail
    address of one of its applicant accounts. The answer is the same whether or not an account
    has that address (nothing tells who has an account, or which organisation it belongs to);
    the account's users are told and accept (``partner_accept``: the link is made, its users
    see the proposal, and only then does the representative see the organisation) or decline."""
    _decide(actor, "manage_partners", proposal)
    email = email.strip().lower()
    if not email:
        raise ServiceError(_("Give the e-mail address of the partner participant's account."))
    max_length = PartnerInvitation._meta.get_field("email").max_length
    try:
        validate_email(email)
        if len(email) > max_length:
            raise ValidationError_("too long")
    except ValidationError_:
        raise ServiceError(
            _("%(email)s is not an e-mail address; give one like name@example.org.")
            % {"email": email[:max_length]}
        ) from None
    with transaction.atomic():
        proposal = _locked(proposal, actor, "manage_partners")
        waiting = proposal.partner_invitations.filter(
            email=email, state=PartnerInvitation.State.PENDING
        )
        if waiting.exists():
            raise ServiceError(
                _("An invitation to %(email)s is already waiting for an answer.") % {"email": email}
            )
        invitation = PartnerInvitation.objects.create(
            proposal=proposal, email=email, invited_by=actor, invited_at=clock.now()
        )
        audit_record(actor=actor, obj=proposal, action="partner_invite", payload={"email": email})
        invitees = (
            get_user_model()
            .objects.filter(email__iexact=email, role=Role.APPLICANT, is_active=True)
            .exclude(organisation=proposal.organisation_id)
        )
        notify(
            invitees,
            subject=gettext_noop("[Renkei] An invitation to a proposal"),
            message=gettext_noop(
                "%(representative)s invites your organisation to be a partner participant of "
                "the proposal “%(title)s”: accept to see it, or decline."
            ),
            values={"representative": proposal.organisation.name, "title": proposal.title},
            link=f"/proposals/invitations/{invitation.pk}/",
        )
    return invitation


def _invitee(actor: Any, invitation: PartnerInvitation) -> PartnerInvitation:
    """The invitation, locked, if ``actor`` is the account it was sent to."""
    fresh = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not may_answer(actor, fresh):
        raise NotAllowed(_("You are not allowed to do this."))
    if fresh.state != PartnerInvitation.State.PENDING:
        raise ServiceError(
            _("This invitation is %(state)s already.") % {"state": fresh.get_state_display()}
        )
    return fresh


def may_answer(actor: Any, invitation: PartnerInvitation) -> bool:
    """The invited address is the actor's own (an active applicant account)."""
    return (
        access.role_of(actor) == Role.APPLICANT
        and actor.is_active
        and (actor.email or "").strip().lower() == invitation.email
    )


def partner_accept(*, actor: Any, invitation: PartnerInvitation) -> ProposalPartner:
    """The invited account accepts for its organisation: the link is made while the proposal is
    editable; the representative's users are told which organisation it is."""
    with transaction.atomic():
        invitation = _invitee(actor, invitation)
        proposal = Proposal.objects.select_for_update().get(pk=invitation.proposal_id)
        if proposal.state not in access.EDITABLE:
            raise ServiceError(
                _(
                    "The proposal was submitted meanwhile and its consortium is fixed; the "
                    "representative participant can invite you again if the office opens it "
                    "for revision."
                )
            )
        organisation = actor.organisation
        if organisation is None or organisation.pk == proposal.organisation_id:
            raise ServiceError(
                _("Your organisation is this proposal's representative participant already.")
            )
        partner = proposal.partners.filter(organisation=organisation).first()
        if partner is None:
            partner = ProposalPartner.objects.create(
                proposal=proposal,
                organisation=organisation,
                added_by=invitation.invited_by,
                added_at=clock.now(),
            )
        PartnerInvitation.objects.filter(pk=invitation.pk).update(
            state=PartnerInvitation.State.ACCEPTED, answered_by=actor, answered_at=clock.now()
        )
        audit_record(
            actor=actor,
            obj=proposal,
            action="partner_add",
            payload={
                "organisation": organisation.pk,
                "name": organisation.name,
                "email": invitation.email,
            },
        )
        values = _partner_values(proposal, organisation)
        _tell_organisation(
            organisation,
            gettext_noop("[Renkei] You were added to a proposal"),
            gettext_noop(
                "%(representative)s added %(org)s as a partner participant of the proposal "
                "“%(title)s”; you can now see it."
            ),
            values,
            f"/proposals/{proposal.pk}/",
        )
        _tell_organisation(
            proposal.organisation,
            gettext_noop("[Renkei] A partner participant accepted"),
            gettext_noop(
                "%(org)s accepted the invitation to %(email)s and is now a partner participant "
                "of “%(title)s”."
            ),
            {**values, "email": invitation.email},
            f"/proposals/{proposal.pk}/#consortium",
        )
    return partner


def partner_decline(*, actor: Any, invitation: PartnerInvitation) -> None:
    """The invited account declines; the representative is told the address declined."""
    with transaction.atomic():
        invitation = _invitee(actor, invitation)
        proposal = invitation.proposal
        PartnerInvitation.objects.filter(pk=invitation.pk).update(
            state=PartnerInvitation.State.DECLINED, answered_by=actor, answered_at=clock.now()
        )
        audit_record(
            actor=actor, obj=proposal, action="partner_decline", payload={"email": invitation.email}
        )
        _tell_organisation(
            proposal.organisation,
            gettext_noop("[Renkei] An invitation was declined"),
            gettext_noop(
                "The invitation to %(email)s to be a partner participant of “%(title)s” was "
                "declined."
            ),
            {"email": invitation.email, "title": proposal.title},
            f"/proposals/{proposal.pk}/#consortium",
        )


def partner_invitation_withdraw(*, actor: Any, invitation: PartnerInvitation) -> None:
    """The representative withdraws an invitation still waiting for an answer."""
    with transaction.atomic():
        proposal = _locked(invitation.proposal, actor, "manage_partners")
        updated = PartnerInvitation.objects.filter(
            pk=invitation.pk, proposal=proposal, state=PartnerInvitation.State.PENDING
        ).update(
            state=PartnerInvitation.State.WITHDRAWN, answered_by=actor, answered_at=clock.now()
        )
        if not updated:
            raise ServiceError(_("This invitation is no longer waiting for an answer."))
        audit_record(
            actor=actor,
            obj=proposal,
            action="partner_invitation_withdraw",
            payload={"email": invitation.email},
        )


def _partner_values(proposal: Proposal, organisation: Organisation) -> dict[str, str]:
    return {
        "representative": proposal.organisation.name,
        "org": organisation.name,
        "title": proposal.title,
    }


def _tell_organisation(
    organisation: Organisation, subject: str, message: str, values: dict[str, str], link: str
) -> None:
    """An in-app notice and an e-mail to every applicant of the organisation, after commit,
    each in the reader's language."""
    members = organisation.members.filter(role=Role.APPLICANT, is_active=True)
    notify(
        members.select_related("organisation"),
        subject=subject,
        message=message,
        values=values,
        link=link,
    )


def partner_remove(*, actor: Any, partner: ProposalPartner) -> None:
    """The representative unlinks a partner participant; its users no longer see the proposal."""
    with transaction.atomic():
        proposal = _locked(partner.proposal, actor, "manage_partners")
        deleted, _rows = ProposalPartner.objects.filter(pk=partner.pk).delete()
        if not deleted:
            raise ServiceError(_("This partner participant was removed already."))
        organisation = partner.organisation
        audit_record(
            actor=actor,
            obj=proposal,
            action="partner_remove",
            payload={"organisation": organisation.pk, "name": organisation.name},
        )
        _tell_organisation(
            organisation,
            gettext_noop("[Renkei] You were removed from a proposal"),
            gettext_noop(
                "%(representative)s removed %(org)s from the partner participants of the "
                "proposal “%(title)s”; you no longer see it."
            ),
            _partner_values(proposal, organisation),
            "/",
        )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex
