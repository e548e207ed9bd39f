"""The REST API (django-ninja, OpenAPI at /api/openapi.json): the same operations as the pages,
through the same services and the same access policy (``renkei.access``).

- Session authentication (the site's login cookie) for everything except the health check, the
  list of calls and the public pre-registration form (5.(1)①); ninja checks CSRF for
  session-authenticated requests (send the ``csrftoken`` cookie's value as ``X-CSRFToken``).
- A proposal the caller may not see answers 404, exactly as one that does not exist; a visible
  proposal the caller may not act on answers 403.
- Every error has the same body, ``{"detail": "...", "errors": ["where: what", ...]}``.
- Money is integer yen; decimals are strings (the request body is read with ``Decimal`` for
  non-integers, so nothing passes through a float); times are ISO 8601 in JST (+09:00).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from decimal import Decimal, DecimalException
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Body, File, Form, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.parser import Parser
from ninja.security import SessionAuth as _NinjaSessionAuth
from ninja.utils import check_csrf
from pydantic import AfterValidator, Field, StringConstraints

from renkei import access, clock
from renkei.calls.models import Call, Program, Round
from renkei.errors import RenkeiError
from renkei.proposals import services
from renkei.proposals.models import Attachment, Proposal, ProposalVersion
from renkei.rules import assess_proposal, validate_proposal
from renkei.services import NotAllowed, ServiceError

JST = ZoneInfo("Asia/Tokyo")
logger = logging.getLogger(__name__)
MAX_ID = 2**63 - 1  # the largest primary key the databases store
IDEMPOTENCY_KEY_MAX = 80  # ProposalVersion.idempotency_key


class _DecimalParser(Parser):
    """JSON bodies with non-integer numbers read as ``Decimal`` (never ``float``); the
    non-standard constants NaN and Infinity are refused (400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_float=Decimal, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number; write a finite number")


class SessionAuth(_NinjaSessionAuth):
    """ninja's session authentication (``django_auth``: the session cookie, CSRF checked for
    unsafe methods), except that a caller without a session is told to log in (401) rather
    than about a CSRF token (403): there is no session to protect."""

    def __call__(self, request: HttpRequest) -> Any:
        if not getattr(request.user, "is_authenticated", False):
            return None
        return super().__call__(request)


django_auth = SessionAuth()


def public_form(request: HttpRequest) -> bool:
    """Anyone may post a public form; but a logged-in caller's session is on the request, so
    CSRF is checked as for session authentication (a forged post would be recorded in their
    name)."""
    if getattr(request.user, "is_authenticated", False) and check_csrf(request):
        raise HttpError(403, "CSRF check Failed")
    return True


api = NinjaAPI(
    title="Renkei API",
    version="0.1.0",
    description=(
        "Calls, pre-registrations and proposals of the JCM Model Project and C3P calls: the same "
        "operations as the web pages, under the same permissions.\n\n"
        "**Authentication**: the site's session cookie (log in at `/accounts/login/`). Unsafe "
        "methods also need the CSRF token: the `csrftoken` cookie's value in an `X-CSRFToken` "
        "header. `GET /api/health`, `GET /api/calls` and `POST /api/preregistrations` are "
        "public.\n\n"
        '**Errors** always have the body `{"detail": "...", "errors": ["..."]}`: '
        "400 malformed request, 401 not logged in, 403 not allowed (or CSRF token missing), "
        "404 not found or not visible to you, 422 refused by validation, the rules or the "
        "workflow (the message says why and what would work).\n\n"
        "**Values**: money is integer yen; decimals are strings; times are ISO 8601 in Japan "
        "Standard Time (+09:00)."
    ),
    urls_namespace="api",
    auth=django_auth,
    parser=_DecimalParser(),
)


# --- shared value types ------------------------------------------------------------------------
def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\x00) characters")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError(f"{value!r} is not a valid email address") from exc
    return value


def _text(max_length: int, min_length: int = 1) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = _text(200)
Title = _text(300)
Technology = _text(100)
Reason = _text(2000, min_length=0)
EmailText = _text(254)
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)
]
State = Literal["draft", "submitted", "revision_open"]
FindingStatus = Literal["pass", "fail", "needs_review", "info"]


# --- schemas -----------------------------------------------------------------------------------
class ErrorOut(Schema):
    detail: str = Field(description="What was wrong (and, where it helps, what would be right).")
    errors: list[str] = Field(
        description="Every individual problem, one line each as `where: what` (may be empty)."
    )


class HealthOut(Schema):
    status: Literal["ok"] = Field(description="Always `ok` while the application serves.")


class RoundOut(Schema):
    id: int = Field(description="Round id; use it as `round_id` when creating.")
    code: str = Field(description="Stable code of the round within its call, e.g. `first`.")
    name_ja: str = Field(description="Name in Japanese.")
    name_en: str = Field(description="Name in English.")
    deadline: dt.datetime = Field(
        description="Proposal deadline (ISO 8601, +09:00); a submission at or after it is refused."
    )
    budget_jpy: int | None = Field(description="Budget of the round in yen, if announced.")
    accepting_proposals: bool = Field(description="True while the deadline is in the future.")


class CallOut(Schema):
    id: int = Field(description="Call id.")
    rulebook_id: str = Field(description="The rulebook the call runs, e.g. `c3p/fy2025`.")
    program: Literal["jcm-model-project", "c3p"] = Field(description="The programme.")
    title_ja: str = Field(description="Title in Japanese.")
    title_en: str = Field(description="Title in English.")
    opens_at: dt.datetime = Field(description="Opening of the call (ISO 8601, +09:00).")
    closes_at: dt.datetime = Field(description="Closing of the call (ISO 8601, +09:00).")
    budget_jpy: int | None = Field(description="Budget of the call in yen, if announced.")
    is_open: bool = Field(description="True between `opens_at` (inclusive) and `closes_at`.")
    rounds: list[RoundOut] = Field(description="Rounds in deadline order.")


class PreRegistrationIn(Schema):
    round_id: Id = Field(description="The round (deadline) targeted; from `GET /api/calls`.")
    organisation_name: Name = Field(description="Representative participant (company name).")
    contact_name: Name = Field(description="Contact person.")
    email: Email = Field(
        description="Contact email address.", json_schema_extra={"format": "email"}
    )
    title: Title = Field(description="Project title.")
    country: Country = Field(description="Host country, ISO 3166-1 alpha-2 code (e.g. `KE`).")
    technologies: list[Technology] = Field(
        default_factory=list, max_length=20, description="Technologies to be introduced."
    )
    needs_account: bool = Field(
        default=True, description="The organisation needs an application account."
    )


class PreRegistrationOut(Schema):
    id: int = Field(description="Pre-registration id.")
    round_id: int = Field(description="The round targeted.")
    title: str = Field(description="Project title as registered.")
    registered_at: dt.datetime = Field(description="When it was received (ISO 8601, +09:00).")
    account_request_url: str | None = Field(
        description="Where to request an application account, when one is needed."
    )


class ProposalCreateIn(Schema):
    round_id: Id = Field(description="An open round (deadline in the future) of any call.")
    title: Title = Field(description="Project title.")
    country: Country = Field(description="Host country, ISO 3166-1 alpha-2 code (e.g. `KE`).")


class ProposalSummaryOut(Schema):
    id: int = Field(description="Proposal id.")
    title: str = Field(description="Project title.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    state: State = Field(description="Workflow state (stable identifier).")
    call: str = Field(description="Rulebook id of the call.")
    round_id: int = Field(description="The round (deadline) targeted.")
    round_code: str = Field(description="Code of that round.")
    organisation: str = Field(description="Representative participant.")
    receipt_number: str | None = Field(description="Receipt number, once first submitted.")
    created_at: dt.datetime = Field(description="Created (ISO 8601, +09:00).")
    updated_at: dt.datetime = Field(description="Last change (ISO 8601, +09:00).")
    submitted_at: dt.datetime | None = Field(description="Last submission (ISO 8601, +09:00).")


class VersionOut(Schema):
    number: int = Field(description="1 for the first submission, 2 after a revision, ...")
    submitted_at: dt.datetime = Field(description="When it was submitted (ISO 8601, +09:00).")
    rulebook_id: str = Field(description="Rulebook that assessed it.")
    rulebook_version: int = Field(description="Version of that rulebook.")
    assessment_status: str = Field(description="Overall status of the assessment at submission.")


class AttachmentOut(Schema):
    id: int = Field(description="Attachment id.")
    document_id: str = Field(description="Which required document it is (e.g. `form1`).")
    name: str = Field(description="Original file name.")
    content_type: str = Field(description="Media type, from the allow-list of file types.")
    size: int = Field(description="Size in bytes.")
    sha256: str = Field(description="SHA-256 of every byte, 64 lower-case hex digits.")
    uploaded_at: dt.datetime = Field(description="When it was uploaded (ISO 8601, +09:00).")
    version: int | None = Field(description="Number of the version it was submitted with.")


class AllowedOut(Schema):
    edit: bool = Field(description="You may save the document (`PUT .../document`).")
    attach: bool = Field(description="You may upload attachments.")
    submit: bool = Field(description="You may submit.")
    open_revision: bool = Field(description="You may open it for revision (office).")
    manage_partners: bool = Field(
        description="You may link or unlink partner participants (the representative)."
    )


class PartnerOut(Schema):
    id: int = Field(description="Id of the link (for removing it).")
    organisation: str = Field(description="The partner participant (共同事業者).")
    country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    added_at: dt.datetime = Field(description="Linked (ISO 8601, +09:00).")


class ProposalOut(ProposalSummaryOut):
    document: dict[str, Any] = Field(
        description="The proposal document as saved (decimals as strings)."
    )
    versions: list[VersionOut] = Field(description="Every submitted version, oldest first.")
    attachments: list[AttachmentOut] = Field(description="Uploaded files.")
    partners: list[PartnerOut] = Field(
        description="Partner participants whose users see it (linked by the representative)."
    )
    allowed: AllowedOut = Field(description="What you may do with it now.")


class DocumentSavedOut(Schema):
    valid: bool = Field(description="True when the document has no validation errors.")
    errors: list[str] = Field(
        description="Every validation error of the saved document, as `path: message`."
    )


class NoteOut(Schema):
    code: str = Field(description="Stable code of the note.")
    clauses: list[str] = Field(description="The clauses it concerns.")
    message: str = Field(description="The note as a sentence.")


class FindingOut(Schema):
    check: str = Field(description="Stable name of the rule.")
    clause: str = Field(description="Clause of the call the rule implements.")
    status: FindingStatus = Field(description="Outcome of the rule.")
    message: str = Field(description="The outcome as a sentence a program officer can read.")
    subject: str | None = Field(default=None, description="Site or technology it is about.")
    values: dict[str, Any] | None = Field(
        default=None, description="The figures behind it (decimals as strings)."
    )
    notes: list[NoteOut] | None = Field(default=None, description="Caveats.")


class SectionOut(Schema):
    id: str = Field(description="Stable id of the section.")
    title: str = Field(description="Title of the section.")
    status: FindingStatus = Field(description="Worst status of its findings.")
    findings: list[FindingOut] = Field(description="One result per rule.")


class RulebookRef(Schema):
    id: str = Field(description="Rulebook id.")
    version: int = Field(description="Rulebook version.")


class AssessmentResultOut(Schema):
    rulebook: RulebookRef = Field(description="The rulebook that produced the assessment.")
    subject: str = Field(description="What was assessed (the project title).")
    status: FindingStatus = Field(description="Overall status: the worst of every finding.")
    figures: dict[str, Any] = Field(
        description="Computed figures: money as integer yen, decimals as strings."
    )
    sections: list[SectionOut] = Field(description="Findings grouped by section.")


class AssessmentOut(Schema):
    lang: Literal["ja", "en"] = Field(description="Language of the messages.")
    valid: bool = Field(description="False when the document could not be assessed.")
    errors: list[str] = Field(description="Why it could not be assessed (validation errors).")
    assessment: AssessmentResultOut | None = Field(
        description="The rules core's assessment, when the document is valid."
    )


class SubmitOut(Schema):
    proposal_id: int = Field(description="Proposal id.")
    receipt_number: str = Field(description="Receipt number (受付番号) of the proposal.")
    version: int = Field(description="Number of the version this submission made.")
    submitted_at: dt.datetime = Field(description="When it was received (ISO 8601, +09:00).")
    rulebook_id: str = Field(description="Rulebook that assessed it.")
    rulebook_version: int = Field(description="Version of that rulebook.")
    assessment_status: str = Field(description="Overall status of the assessment.")


class PartnerIn(Schema):
    email: EmailText = Field(
        description="E-mail address of an applicant account of the partner participant."
    )


class RevisionIn(Schema):
    reason: Reason = Field(description="Why a revision is allowed (recorded in the audit trail).")


# --- responses and their documentation ---------------------------------------------------------
_ERROR_TEXT = {
    400: "Malformed request: the body cannot be parsed (JSON or multipart), or a required header "
    "is missing or malformed.",
    401: "Not logged in: this operation needs the session cookie.",
    403: "Not allowed for your role or in the proposal's state, or the CSRF token is missing.",
    404: "No such proposal, or it is not visible to you (the two are not distinguished).",
    422: "Refused: a parameter is not valid, or the rules or the workflow refuse the request; "
    "`detail` says why and `errors` lists every problem.",
}


def _responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    return {**ok, **{code: ErrorOut for code in errors}}


def _docs(ok: dict[int, str], *errors: int, extra: dict[str, Any] | None = None) -> dict:
    responses: dict[int, Any] = {code: {"description": text} for code, text in ok.items()}
    responses.update({code: {"description": _ERROR_TEXT[code]} for code in errors})
    return {"responses": responses, **(extra or {})}


def _op(ok: dict[int, tuple[Any, str]], *errors: int, extra: dict | None = None) -> dict:
    """``response=`` and ``openapi_extra=`` for an operation: its success and error bodies."""
    return {
        "response": _responses({c: schema for c, (schema, _t) in ok.items()}, *errors),
        "openapi_extra": _docs(
            {c: text for c, (_schema, text) in ok.items()}, *errors, extra=extra
        ),
    }


_DOCUMENT_TEXT = (
    "The whole proposal document (see the rules core's proposal schema). Saved even when "
    "incomplete or invalid, so nothing typed is lost; `call` is set from the proposal and "
    "`reviewer_scores` (the reviewers' part, which comes from the reviews) is not kept."
)
ProposalId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Proposal id.")]
PartnerId = Annotated[int, Path(..., ge=1, le=MAX_ID, description="Id of the partner link.")]


# --- error handlers: one body for every error --------------------------------------------------
def _error(request: HttpRequest, status: int, detail: str, errors: list[str] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return _error(request, 403, str(exc), exc.errors)


@api.exception_handler(ServiceError)
def _refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _error(request, 422, str(exc), exc.errors)


@api.exception_handler(RenkeiError)
def _rules_refused(request: HttpRequest, exc: RenkeiError) -> HttpResponse:
    return _error(request, 422, str(exc), [str(e) for e in getattr(exc, "errors", [])])


@api.exception_handler(BadRequest)
def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 400, _("The request body cannot be read: %(why)s") % {"why": exc or "malformed"}
    )


api.add_exception_handler(MultiPartParserError, _bad_request)
api.add_exception_handler(SuspiciousOperation, _bad_request)  # e.g. too many form fields


def _arithmetic_message(exc: DecimalException) -> str:
    """A figure the rules core cannot compute with (e.g. 1e-400 tCO2): the document's validation
    lets it through, so say so instead of failing with a server error."""
    logger.error("rules core arithmetic failed: %r", exc, exc_info=exc)
    return _(
        "The rules could not compute with a figure in the document (%(error)s); check that "
        "every number is of a realistic size."
    ) % {"error": type(exc).__name__}


@api.exception_handler(DecimalException)
def _arithmetic(request: HttpRequest, exc: DecimalException) -> HttpResponse:
    return _error(request, 422, _arithmetic_message(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Log in first: this operation needs the session cookie."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in exc.message:
        return _error(
            request,
            403,
            _("CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header."),
        )
    if exc.status_code == 400 and exc.__cause__ is not None:  # ninja could not parse the body
        return _error(
            request,
            400,
            _("The request body is not valid JSON: %(why)s") % {"why": exc.__cause__},
        )
    return _error(request, exc.status_code, exc.message)


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body":  # ("body", <parameter name>, field, ...)
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    lines = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors]
    detail = _("The request is not valid: %(first)s") % {"first": lines[0] if lines else "?"}
    return _error(request, 422, detail, lines)


# --- conversions -------------------------------------------------------------------------------
def _jst(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(JST) if value is not None else None


def _plain(value: Any) -> Any:
    """JSON values without floats: a float (from a draft saved by a page) becomes its shortest
    decimal string, as a ``Decimal`` would."""
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def _not_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) that JSON allows and UTF-8 cannot hold
        return True
    return False


def _round_out(r: Round, now: dt.datetime) -> RoundOut:
    return RoundOut(
        id=r.pk,
        code=r.code,
        name_ja=r.name_ja,
        name_en=r.name_en,
        deadline=_jst(r.deadline),
        budget_jpy=r.budget_jpy,
        accepting_proposals=r.deadline > now,
    )


def _summary_fields(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "country": p.country,
        "state": p.state,
        "call": p.call.rulebook_id,
        "round_id": p.round_id,
        "round_code": p.round.code,
        "organisation": p.organisation.name,
        "receipt_number": p.receipt_number,
        "created_at": _jst(p.created_at),
        "updated_at": _jst(p.updated_at),
        "submitted_at": _jst(p.submitted_at),
    }


def _version_out(v: ProposalVersion) -> VersionOut:
    return VersionOut(
        number=v.number,
        submitted_at=_jst(v.submitted_at),
        rulebook_id=v.rulebook_id,
        rulebook_version=v.rulebook_version,
        assessment_status=v.assessment_status,
    )


def _attachment_out(a: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=a.pk,
        document_id=a.document_id,
        name=a.original_name,
        content_type=a.content_type,
        size=a.size,
        sha256=a.sha256,
        uploaded_at=_jst(a.uploaded_at),
        version=a.version.number if a.version_id else None,
    )


def _proposal_out(user: Any, p: Proposal) -> ProposalOut:
    return ProposalOut(
        **_summary_fields(p),
        document=_plain(p.document),
        versions=[_version_out(v) for v in p.versions.all()],
        attachments=[
            _attachment_out(a)
            for a in p.attachments.select_related("version").order_by("document_id", "id")
        ],
        partners=[
            PartnerOut(
                id=x.pk,
                organisation=x.organisation.name,
                country=x.organisation.country,
                added_at=_jst(x.added_at),
            )
            for x in p.partners.select_related("organisation")
        ],
        allowed=AllowedOut(
            edit=access.can(user, "edit", p),
            attach=access.can(user, "attach", p),
            submit=access.can(user, "submit", p),
            open_revision=access.can(user, "open_revision", p),
            manage_partners=access.can(user, "manage_partners", p),
        ),
    )


def _visible(request: HttpRequest, proposal_id: int) -> Proposal:
    """The proposal if the caller may see it; otherwise 404, as if it did not exist."""
    proposal = access.proposals_for(request.user).filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404
    return proposal


# --- meta ----------------------------------------------------------------------------------------
@api.get(
    "/health",
    tags=["meta"],
    auth=None,
    summary="Liveness",
    **_op({200: (HealthOut, "The application is serving.")}),
)
def health(request) -> dict[str, str]:
    """Liveness: answers while the application can serve requests."""
    return {"status": "ok"}


# --- calls (public) ------------------------------------------------------------------------------
@api.get(
    "/calls",
    tags=["calls"],
    auth=None,
    summary="Calls and their rounds",
    **_op({200: (list[CallOut], "Every call with its rounds.")}, 422),
)
def calls_list(
    request,
    open_only: Annotated[
        bool, Query(description="Only calls with at least one round still accepting proposals.")
    ] = False,
) -> list[CallOut]:
    """The calls with their rounds and deadlines (12:00 JST). Public: no login needed."""
    now = clock.now()
    result = []
    for call in Call.objects.prefetch_related("rounds").order_by("opens_at", "pk"):
        rounds = [_round_out(r, now) for r in call.rounds.all()]
        if open_only and not any(r.accepting_proposals for r in rounds):
            continue
        result.append(
            CallOut(
                id=call.pk,
                rulebook_id=call.rulebook_id,
                program=call.program,
                title_ja=call.title_ja,
                title_en=call.title_en,
                opens_at=_jst(call.opens_at),
                closes_at=_jst(call.closes_at),
                budget_jpy=call.budget_jpy,
                is_open=call.opens_at <= now < call.closes_at,
                rounds=rounds,
            )
        )
    return result


# --- ① pre-registration (public) -----------------------------------------------------------------
@api.post(
    "/preregistrations",
    tags=["proposals"],
    auth=public_form,
    summary="Pre-register a proposal (5.(1)①)",
    **_op({201: (PreRegistrationOut, "Pre-registration received.")}, 400, 403, 422),
)
def preregistration_create(request, body: PreRegistrationIn) -> Status:
    """Public form: no login needed (a logged-in caller sends the CSRF token, 403 without).
    Refused (422) less than two weeks before the deadline it targets."""
    round = Round.objects.select_related("call").filter(pk=body.round_id).first()
    if round is None:
        raise ServiceError(
            _("There is no round %(id)s; choose one from GET /api/calls.") % {"id": body.round_id}
        )
    if round.call.program != Program.JCM:
        # the C3P rulebook has no pre-registration step (and the service would fail on it)
        raise ServiceError(
            _(
                "Pre-registration (5.(1)①) is a step of the JCM Model Project call only; %(call)s "
                "has none. Choose a JCM round."
            )
            % {"call": round.call.rulebook_id}
        )
    reg = services.preregistration_create(
        actor=request.user,
        round=round,
        organisation_name=body.organisation_name,
        contact_name=body.contact_name,
        email=body.email,
        title=body.title,
        country=body.country.upper(),
        technologies=body.technologies,
        needs_account=body.needs_account,
    )
    return Status(
        201,
        PreRegistrationOut(
            id=reg.pk,
            round_id=round.pk,
            title=reg.title,
            registered_at=_jst(reg.registered_at),
            account_request_url=reverse("accounts:request") if reg.needs_account else None,
        ),
    )


# --- ④ proposals ---------------------------------------------------------------------------------
@api.get(
    "/proposals",
    tags=["proposals"],
    summary="Proposals visible to you",
    **_op({200: (list[ProposalSummaryOut], "The proposals you may see.")}, 401, 422),
)
def proposals_list(
    request,
    state: Annotated[State | None, Query(description="Only proposals in this state.")] = None,
) -> list[ProposalSummaryOut]:
    """Applicants see their organisation's proposals; the office sees every submitted one."""
    qs = access.proposals_for(request.user).order_by("-updated_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    return [ProposalSummaryOut(**_summary_fields(p)) for p in qs]


@api.post(
    "/proposals",
    tags=["proposals"],
    summary="Start a proposal (applicants)",
    **_op({201: (ProposalOut, "The new draft.")}, 400, 401, 403, 422),
)
def proposal_create(request, body: ProposalCreateIn) -> Status:
    """A new draft for an open round, owned by your organisation."""
    if not access.can(request.user, "create_proposal"):
        raise NotAllowed(_("Only applicants start proposals."))
    round = (
        Round.objects.select_related("call")
        .filter(pk=body.round_id, deadline__gt=clock.now())
        .first()
    )
    if round is None:
        raise ServiceError(
            _(
                "Round %(id)s does not exist or no longer accepts proposals; choose an open round "
                "from GET /api/calls."
            )
            % {"id": body.round_id}
        )
    proposal = services.proposal_create(
        actor=request.user, round=round, title=body.title, country=body.country.upper()
    )
    return Status(201, _proposal_out(request.user, _visible(request, proposal.pk)))


@api.get(
    "/proposals/{proposal_id}",
    tags=["proposals"],
    summary="One proposal",
    **_op({200: (ProposalOut, "The proposal.")}, 401, 404, 422),
)
def proposal_detail(request, proposal_id: ProposalId) -> ProposalOut:
    """The proposal with its document, versions, attachments and what you may do with it."""
    return _proposal_out(request.user, _visible(request, proposal_id))


@api.put(
    "/proposals/{proposal_id}/document",
    tags=["proposals"],
    summary="Save the draft document",
    **_op(
        {200: (DocumentSavedOut, "Saved as given; its validation errors are listed.")},
        400,
        401,
        403,
        404,
        422,
    ),
)
def proposal_update_document(
    request,
    proposal_id: ProposalId,
    document: Annotated[dict[str, Any], Body(description=_DOCUMENT_TEXT)],
) -> DocumentSavedOut:
    """Save the draft as given and return every validation error (200 even when invalid)."""
    proposal = _visible(request, proposal_id)
    texts = list(_texts(document))
    if any("\x00" in t for t in texts):
        raise ServiceError(_("The document must not contain NUL (\\x00) characters."))
    if any(_not_unicode(t) for t in texts):
        raise ServiceError(
            _(
                "The document contains text that is not valid Unicode (a lone surrogate such as "
                "\\ud800); correct it and save again."
            )
        )
    errors = services.proposal_update_document(
        actor=request.user, proposal=proposal, document=document
    )
    return DocumentSavedOut(valid=not errors, errors=errors)


@api.get(
    "/proposals/{proposal_id}/assessment",
    tags=["proposals"],
    summary="Assessment of the saved document",
    **_op({200: (AssessmentOut, "The assessment, or why there is none.")}, 401, 404, 422),
)
def proposal_assessment(
    request,
    proposal_id: ProposalId,
    lang: Annotated[
        Literal["ja", "en"] | None,
        Query(description="Language of the messages; default: the request's language."),
    ] = None,
) -> AssessmentOut:
    """The rules core's clause-by-clause assessment of the saved document, after validation."""
    proposal = _visible(request, proposal_id)
    lang = lang or ("en" if (translation.get_language() or "ja").startswith("en") else "ja")
    document = proposal.document
    errors = services.document_errors(document)
    result = None
    if not errors:
        try:
            result = assess_proposal(validate_proposal(document)).to_dict(lang)
        except RenkeiError as exc:
            errors = [str(exc)]
        except DecimalException as exc:
            errors = [_arithmetic_message(exc)]
    return AssessmentOut(
        lang=lang, valid=not errors, errors=errors, assessment=_plain(result) if result else None
    )


@api.post(
    "/proposals/{proposal_id}/attachments",
    tags=["proposals"],
    summary="Upload an attachment",
    **_op({201: (AttachmentOut, "Stored, with its SHA-256.")}, 400, 401, 403, 404, 422),
)
def attachment_add(
    request,
    proposal_id: ProposalId,
    file: Annotated[UploadedFile, File(description="The file (allowed types; size limit).")],
    document_id: Annotated[
        str,
        Form(
            min_length=1,
            max_length=40,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="Which required document this file is, e.g. `form1` or `quotations`.",
        ),
    ],
) -> Status:
    """Type allow-list (extension and content), size limit, SHA-256 of every byte."""
    proposal = _visible(request, proposal_id)
    att = services.attachment_add(
        actor=request.user, proposal=proposal, document_id=document_id, upload=file
    )
    return Status(201, _attachment_out(att))


@api.post(
    "/proposals/{proposal_id}/submit",
    tags=["proposals"],
    summary="Submit (⑤) and receive the receipt number (⑥)",
    **_op(
        {200: (SubmitOut, "Submitted, or the result of the earlier submit with this key.")},
        400,
        401,
        403,
        404,
        422,
        extra={
            "parameters": [
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": True,
                    "description": (
                        "A key you choose for this submission (e.g. a UUID): repeating the request "
                        "with the same key returns the same result and never makes a second "
                        "version. 1–80 printable ASCII characters."
                    ),
                    "schema": {"type": "string", "pattern": "^[!-~]{1,80}$"},
                }
            ]
        },
    ),
)
def proposal_submit(request, proposal_id: ProposalId) -> SubmitOut:
    """All or nothing, once per key. Refused (422) at or after the deadline (12:00 JST), with
    every problem when the proposal is incomplete."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise HttpError(400, _("The Idempotency-Key header is required (for example a UUID)."))
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise HttpError(
            400, _("The Idempotency-Key header must be 1–80 printable ASCII characters.")
        )
    proposal = _visible(request, proposal_id)
    version = services.proposal_submit(actor=request.user, proposal=proposal, idempotency_key=key)
    return SubmitOut(
        proposal_id=version.proposal_id,
        receipt_number=version.proposal.receipt_number,
        version=version.number,
        submitted_at=_jst(version.submitted_at),
        rulebook_id=version.rulebook_id,
        rulebook_version=version.rulebook_version,
        assessment_status=version.assessment_status,
    )


@api.post(
    "/proposals/{proposal_id}/revision",
    tags=["proposals"],
    summary="Open a submitted proposal for revision (office)",
    **_op({200: (ProposalOut, "Open for revision.")}, 400, 401, 403, 404, 422),
)
def proposal_open_revision(request, proposal_id: ProposalId, body: RevisionIn) -> ProposalOut:
    """The office reopens a submitted proposal, with a reason; the next submit is a new version."""
    proposal = _visible(request, proposal_id)
    services.proposal_open_revision(actor=request.user, proposal=proposal, reason=body.reason)
    return _proposal_out(request.user, _visible(request, proposal_id))


@api.post(
    "/proposals/{proposal_id}/partners",
    tags=["proposals"],
    summary="Link a partner participant (the representative participant)",
    **_op({200: (ProposalOut, "Linked; its users see the proposal.")}, 400, 401, 403, 404, 422),
)
def proposal_partner_add(request, proposal_id: ProposalId, body: PartnerIn) -> ProposalOut:
    """The representative participant links a partner participant of its consortium by the
    e-mail address of one of its applicant accounts, while the proposal is editable."""
    proposal = _visible(request, proposal_id)
    services.partner_add(actor=request.user, proposal=proposal, email=body.email)
    return _proposal_out(request.user, _visible(request, proposal_id))


@api.delete(
    "/proposals/{proposal_id}/partners/{partner_id}",
    tags=["proposals"],
    summary="Unlink a partner participant (the representative participant)",
    **_op({200: (ProposalOut, "Unlinked.")}, 401, 403, 404, 422),
)
def proposal_partner_remove(request, proposal_id: ProposalId, partner_id: PartnerId) -> ProposalOut:
    """Its users no longer see the proposal."""
    proposal = _visible(request, proposal_id)
    partner = proposal.partners.filter(pk=partner_id).first()
    if partner is None:
        raise Http404
    services.partner_remove(actor=request.user, partner=partner)
    return _proposal_out(request.user, _visible(request, proposal_id))


# --- selection: hearing, candidates, PIN, Joint Committee, 内示, public list ---------------------
from renkei.adoption.api import router as _selection_router  # noqa: E402 (needs the helpers above)

api.add_router("/", _selection_router)
