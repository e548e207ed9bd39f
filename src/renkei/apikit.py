"""What every stage's REST API router shares: authentication, the JSON parser that keeps decimals
exact, the request value types, the one error body and its handlers, the response documentation
helpers, and the conversions of answers (times in JST, decimals as strings).

Each stage app has its own ninja ``Router`` in ``<app>/api.py`` that imports this module;
``renkei.api`` only builds the ``NinjaAPI`` (``install_error_handlers``) and mounts the routers.
This module imports no stage app, so any router may import it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal, DecimalException
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import SessionAuth as _NinjaSessionAuth
from ninja.utils import check_csrf
from pydantic import AfterValidator, Field, StringConstraints

from renkei.errors import RenkeiError
from renkei.services import NotAllowed, ServiceError
from renkei.web.middleware import DATABASE_ERRORS, database_busy

JST = ZoneInfo("Asia/Tokyo")
MAX_ID = 2**63 - 1  # the largest primary key the databases store
logger = logging.getLogger("renkei.api")


# --- parsing and authentication ----------------------------------------------------------------
class DecimalParser(Parser):
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


# --- request value types -----------------------------------------------------------------------
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


def text(max_length: int, min_length: int = 1) -> Any:
    """Text stripped of surrounding blanks, within its length, without NUL characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def path_id(description: str) -> Any:
    """A primary key in the path: 1 to the largest the databases store (else 422, never 500)."""
    return Annotated[int, Path(..., ge=1, le=MAX_ID, description=description)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = text(200)
Title = text(300)
Technology = text(100)
Reason = text(2000, min_length=0)
EmailText = text(254)
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]


def email(max_length: int = 254) -> Any:
    """An e-mail address (validated as Django's forms do), stripped, at most ``max_length``
    characters: 254 for an address, fewer for an account's (its login: accounts.EMAIL_MAX)."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(_email)
    ]


Email = email()


# --- the error body and the documentation of responses -----------------------------------------
class ErrorOut(Schema):
    detail: str = Field(description="What was wrong (and, where it helps, what would be right).")
    errors: list[str] = Field(
        description="Every individual problem, one line each as `where: what` (may be empty)."
    )


ERROR_TEXT = {
    400: "Malformed request: the body cannot be parsed (JSON or multipart), a required header "
    "is missing or malformed, or a parameter or the body holds a NUL character or is too long "
    "(refused for every operation, before it runs).",
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
    responses.update({code: {"description": ERROR_TEXT[code]} for code in errors})
    return {"responses": responses, **(extra or {})}


def op(ok: dict[int, tuple[Any, str]], *errors: int, extra: dict | None = None) -> dict:
    """``response=`` and ``openapi_extra=`` for an operation: its success and error bodies, each
    with its description (``ERROR_TEXT`` for the errors). 400 is always among them: the input
    guard (``renkei.web.input_guard``) refuses a NUL character or an over-long value in any
    request's query or body before the operation runs."""
    errors = tuple(sorted({400, *errors}))
    return {
        "response": _responses({c: schema for c, (schema, _t) in ok.items()}, *errors),
        "openapi_extra": _docs(
            {c: text for c, (_schema, text) in ok.items()}, *errors, extra=extra
        ),
    }


def visible_or_404(queryset: QuerySet, pk: int) -> Model:
    """The row if the caller's selector returns it; otherwise 404, as if it did not exist."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


# --- error handlers: one body for every error --------------------------------------------------
def arithmetic_message(exc: DecimalException) -> str:
    """A figure the rules core cannot compute with (e.g. 1e-400 tCO2): the document's validation
    lets it through, so say so instead of failing with a server error."""
    logger.error("rules core arithmetic failed: %r", exc, exc_info=exc)
    return _(
        "The rules could not compute with a figure in the document (%(error)s); check that "
        "every number is of a realistic size."
    ) % {"error": type(exc).__name__}


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body":  # ("body", <parameter name>, field, ...)
        parts = [parts[0], *parts[2:]]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error with ``ErrorOut``: 403 not allowed, 422 refused by a service, the
    rules or validation, 400 unreadable, 401 not logged in, 404 not found or not visible; a
    database that cannot answer (locked, unavailable) 503 with ``Retry-After``, as the
    middleware answers it (``renkei.web.middleware.database_busy``), in debug mode too."""

    def error(request: HttpRequest, status: int, detail: str, errors: list[str] | None = None):
        return api.create_response(
            request, {"detail": detail, "errors": errors or []}, status=status
        )

    def not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
        return error(request, 403, str(exc), exc.errors)

    def refused(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error(request, 422, str(exc), exc.errors)

    def rules_refused(request: HttpRequest, exc: RenkeiError) -> HttpResponse:
        return error(request, 422, str(exc), [str(e) for e in getattr(exc, "errors", [])])

    def bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(
            request,
            400,
            _("The request body cannot be read: %(why)s") % {"why": exc or "malformed"},
        )

    def arithmetic(request: HttpRequest, exc: DecimalException) -> HttpResponse:
        return error(request, 422, arithmetic_message(exc))

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(request, 404, _("Not found."))

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(request, 401, _("Log in first: this operation needs the session cookie."))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and "CSRF" in exc.message:
            return error(
                request,
                403,
                _("CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header."),
            )
        if exc.status_code == 400 and exc.__cause__ is not None:  # ninja could not parse the body
            return error(
                request,
                400,
                _("The request body is not valid JSON: %(why)s") % {"why": exc.__cause__},
            )
        return error(request, exc.status_code, exc.message)

    def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # the middleware's answer (503, Retry-After, the same message), which ninja would
        # otherwise pre-empt in debug mode with a traceback 500; outside debug the exception
        # reached the middleware anyway, so both modes answer alike
        return database_busy(request, exc)

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        lines = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in exc.errors]
        detail = _("The request is not valid: %(first)s") % {"first": lines[0] if lines else "?"}
        return error(request, 422, detail, lines)

    api.add_exception_handler(NotAllowed, not_allowed)
    api.add_exception_handler(ServiceError, refused)
    api.add_exception_handler(RenkeiError, rules_refused)
    api.add_exception_handler(BadRequest, bad_request)
    api.add_exception_handler(MultiPartParserError, bad_request)
    api.add_exception_handler(SuspiciousOperation, bad_request)  # e.g. too many form fields
    api.add_exception_handler(DecimalException, arithmetic)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(ValidationError, invalid)
    for database_error in DATABASE_ERRORS:  # SQLite "database is locked", a lost connection
        api.add_exception_handler(database_error, database_unavailable)


# --- conversions of answers --------------------------------------------------------------------
def jst(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(JST) if value is not None else None


def plain(value: Any) -> Any:
    """JSON values without floats: a float (from a draft saved by a page) becomes its shortest
    decimal string, as a ``Decimal`` would."""
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
