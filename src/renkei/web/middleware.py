"""A database that cannot answer in time gets a message, never a bare server error (issue 12).

SQLite allows one writer at a time: the settings make every transaction take the write lock when
it begins and wait up to 20 s for it, so under a deadline rush requests queue rather than fail.
Should a request still find the database locked or unavailable (SQLite past its timeout,
PostgreSQL restarting, the connection pool exhausted), this middleware answers 503 with a
``Retry-After`` and a message in the page's language (JSON on ``/api/``), and logs it. Nothing was
written: the failed request's transaction was rolled back, so trying again is safe.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import OperationalError
from django.db.utils import InterfaceError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist, loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger("renkei.database")

RETRY_AFTER_SECONDS = 10


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None  # anything else is a fault: Django's 500 page, logged with its traceback
        return database_busy(request, exception)


DATABASE_ERRORS = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database error raised outside a view (a session saved by its
    middleware, a user loaded for a template) gets the same 503 answer; anything else the 500
    page. Django calls this inside its ``except`` clause, so the exception is at hand."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_busy(request, exception)
    return server_fault(request)


def server_fault(request: HttpRequest) -> HttpResponse:
    """The 500 answer, with the request's id (``renkei.web.request_log``) for the user to quote
    to the office: the same id is on the error's log record, with its traceback. The page is
    rendered as Django renders its own (no context processors: nothing that needs the
    database), in Japanese and English as the page always was; the API gets its error body."""
    reference = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        detail = _(
            "Server error: the request could not be completed because of a fault on the server."
        )
        if reference:
            detail += " " + _reference_text(reference)
        return JsonResponse({"detail": detail, "errors": []}, status=500)
    try:
        template = loader.get_template("500.html")
    except TemplateDoesNotExist:
        return django_server_error(request)
    context = {"reference": reference}
    if reference:
        for language in ("ja", "en"):
            with translation.override(language):
                context[f"reference_{language}"] = _reference_text(reference)
    return HttpResponseServerError(template.render(context))


def _reference_text(reference: str) -> str:
    return _(
        "If you contact the program office about this error, quote this reference: %(reference)s"
    ) % {"reference": reference}


def database_busy(request: HttpRequest, exception: Exception) -> HttpResponse:
    logger.error(
        "database busy or unavailable: %s %s: %s",
        request.method,
        request.path,
        exception,
        exc_info=exception,
    )
    message = _(
        "The database is busy and could not answer in time. Nothing was changed. Please try "
        "again in a few seconds; what you typed is still in your browser (go back to it)."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "database_busy"}, status=503
        )
    else:  # a page that needs nothing from the database (no user, no session, no messages)
        response = render(request, "503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
