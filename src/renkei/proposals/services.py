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
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from pydantic import ValidationError

from renkei import access, clock
from renkei.accounts.models import Notice, Organisation, Role
from renkei.audit.services import audit_record
from renkei.calls.models import Call, Program, Round
from renkei.errors import RenkeiError
from renkei.proposals.models import (
    Attachment,
    PreRegistration,
    Proposal,
    ProposalPartner,
    ProposalVersion,
)
from renkei.rules import assess_proposal, validate_proposal
from renkei.rules._registry import validation_errors
from renkei.services import NotAllowed, ServiceError
from renkei.web.input_guard import check_lengths

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
    ".csv": (),
}


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
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
    """Refused when it is less than two weeks before the deadline it targets (5.(1))."""
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


def proposal_create(
    *,
    actor: Any,
    round: Round,
    title: str,
    country: str,
    preregistration: PreRegistration | None = None,
    document: dict[str, Any] | None = None,
) -> Proposal:
    _require(actor, "create_proposal")
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
    proposal = Proposal.objects.get(pk=proposal.pk)  # decide on the current state, not a copy
    _require(actor, "edit", proposal)
    document = {**applicant_part(document), "call": proposal.call.rulebook_id}
    with transaction.atomic():
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


def attachment_add(
    *, actor: Any, proposal: Proposal, document_id: str, upload: UploadedFile
) -> Attachment:
    """Type allowlist (extension and content), size limit, SHA-256 of every byte."""
    proposal = Proposal.objects.get(pk=proposal.pk)
    _require(actor, "attach", proposal)
    check_lengths(Attachment, document_id=document_id)
    if proposal.call.program == Program.C3P:
        known = [d.id for d in required_documents(proposal.call)] + [OTHER_REFERENCES]
        if document_id not in known:
            raise ServiceError(
                _("%(doc)s is not a document of this call; choose one of: %(ids)s")
                % {"doc": document_id or "—", "ids": ", ".join(known)}
            )
    name = upload.name or "file"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    allowed = settings.RENKEI_UPLOAD_TYPES
    if ext not in allowed:
        raise ServiceError(
            _("%(name)s: files of this type are not accepted; use one of %(types)s")
            % {"name": name, "types": ", ".join(sorted(allowed))}
        )
    if upload.size > settings.RENKEI_UPLOAD_MAX_BYTES:
        raise ServiceError(
            _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes")
            % {"name": name, "size": upload.size, "limit": settings.RENKEI_UPLOAD_MAX_BYTES}
        )
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if not head:
            head = chunk[:16]
        digest.update(chunk)
    magics = _MAGIC.get(ext, ())
    if magics and not any(head.startswith(m) for m in magics):
        raise ServiceError(
            _("%(name)s does not look like a %(ext)s file; check the file")
            % {"name": name, "ext": ext}
        )
    upload.seek(0)
    with transaction.atomic():
        att = Attachment(
            proposal=proposal,
            document_id=document_id,
            original_name=name[:255],
            content_type=allowed[ext],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        att.file.save(f"{uuid.uuid4().hex}{ext}", upload, save=False)
        att.save()
        audit_record(
            actor=actor,
            obj=proposal,
            action="attachment_add",
            payload={"document_id": document_id, "name": name, "sha256": att.sha256},
        )
    return att


# --- ⑤ submit and ⑥ receipt -----------------------------------------------------------------
def document_with_uploads(proposal: Proposal, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` naming the proposal's uploads as its call's documents: C3P by id (3.4),
    JCM by form 6's id and file name. The editor's live assessment uses it too."""
    doc = dict(document)
    attachments = proposal.attachments.order_by("id")
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
    existing = ProposalVersion.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        _require(actor, "view", existing.proposal)
        if existing.proposal_id != proposal.pk:
            raise ServiceError(_("This submission key belongs to another proposal."))
        return existing
    with transaction.atomic():
        # the proposal's own lock: a double click or a retry waits here and finds the version
        # the first request made; other proposals of the call are validated and assessed
        # meanwhile (the call's lock is taken only to number the receipt, below)
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        call = proposal.call
        existing = ProposalVersion.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        _require(actor, "submit", proposal)
        now = now or clock.now()
        if proposal.call.program == Program.C3P and now < call.opens_at:
            raise ServiceError(
                _("The call opens on %(opens)s JST; proposals can be submitted from then.")
                % {"opens": call.opens_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")}
            )
        if now >= proposal.round.deadline:
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
        receipt, email, user_id = proposal.receipt_number, actor.email, actor.pk
        message = _("Proposal “%(title)s” was received. Receipt number: %(receipt)s") % {
            "title": proposal.title,
            "receipt": receipt,
        }
        transaction.on_commit(lambda: _notify(user_id, email, message, proposal.pk))
    return version


def _notify(user_id: int, email: str, message: str, proposal_id: int) -> None:
    Notice.objects.create(recipient_id=user_id, message=message, link=f"/proposals/{proposal_id}/")
    if email:
        send_mail(_("[Renkei] Proposal received"), message, None, [email])


def proposal_open_revision(*, actor: Any, proposal: Proposal, reason: str) -> Proposal:
    """Only staff reopen a submitted proposal, with a reason; the next submit is a new version."""
    _require(actor, "open_revision", proposal)
    if not reason.strip():
        raise ServiceError(_("Give the reason for allowing a revision."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
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
    return proposal


# --- the consortium's partner participants ---------------------------------------------------
def partner_add(*, actor: Any, proposal: Proposal, email: str) -> ProposalPartner:
    """The representative participant links a partner participant (共同事業者) by the e-mail
    address of one of its applicant accounts; that organisation's users then see the proposal,
    its attachments, its assessment and its selection, and are told so."""
    _require(actor, "manage_partners", proposal)
    email = email.strip()
    if not email:
        raise ServiceError(_("Give the e-mail address of the partner participant's account."))
    user = (
        get_user_model()
        .objects.filter(email__iexact=email, role=Role.APPLICANT, is_active=True)
        .select_related("organisation")
        .first()
    )
    if user is None:
        raise ServiceError(
            _(
                "No applicant account has the e-mail address %(email)s. The partner participant "
                "first requests an account (5.(1)②); add it here once the account is issued."
            )
            % {"email": email}
        )
    organisation = user.organisation
    if organisation.pk == proposal.organisation_id:
        raise ServiceError(
            _("%(org)s is the representative participant of this proposal already.")
            % {"org": organisation.name}
        )
    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.partners.filter(organisation=organisation).exists():
            raise ServiceError(
                _("%(org)s is a partner participant of this proposal already.")
                % {"org": organisation.name}
            )
        partner = ProposalPartner.objects.create(
            proposal=proposal, organisation=organisation, added_by=actor, added_at=clock.now()
        )
        audit_record(
            actor=actor,
            obj=proposal,
            action="partner_add",
            payload={"organisation": organisation.pk, "name": organisation.name},
        )
        _tell_organisation(
            organisation,
            _("[Renkei] You were added to a proposal"),
            _(
                "%(representative)s added %(org)s as a partner participant of the proposal "
                "“%(title)s”; you can now see it."
            )
            % _partner_values(proposal, organisation),
            f"/proposals/{proposal.pk}/",
        )
    return partner


def _partner_values(proposal: Proposal, organisation: Organisation) -> dict[str, str]:
    return {
        "representative": proposal.organisation.name,
        "org": organisation.name,
        "title": proposal.title,
    }


def _tell_organisation(organisation: Organisation, subject: str, message: str, link: str) -> None:
    """An in-app notice and an e-mail to every applicant of the organisation, after commit."""
    members = [
        (u.pk, u.email) for u in organisation.members.filter(role=Role.APPLICANT, is_active=True)
    ]

    def tell() -> None:
        for pk, address in members:
            Notice.objects.create(recipient_id=pk, message=message, link=link)
            if address:
                send_mail(subject, message, None, [address])

    transaction.on_commit(tell)


def partner_remove(*, actor: Any, partner: ProposalPartner) -> None:
    """The representative unlinks a partner participant; its users no longer see the proposal."""
    proposal = partner.proposal
    _require(actor, "manage_partners", proposal)
    with transaction.atomic():
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
            _("[Renkei] You were removed from a proposal"),
            _(
                "%(representative)s removed %(org)s from the partner participants of the "
                "proposal “%(title)s”; you no longer see it."
            )
            % _partner_values(proposal, organisation),
            "/",
        )


def new_idempotency_key() -> str:
    return uuid.uuid4().hex
