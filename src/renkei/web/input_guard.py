"""Input the platform refuses before any view reads it, and the length limits of stored text.

NUL characters (U+0000) cannot be stored in a PostgreSQL text column or a JSON document, and no
one types them: a NUL in a query string, a form field or a JSON body is refused with a 400 and a
message, on the pages and on the API alike, instead of reaching the database as a server error.

``renkei.services.check_lengths`` says, in the page's language, which value is longer than its
database column allows; services call it so that a page, the API and the CLI refuse the same
values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

NUL = "\x00"
# a JSON string's escaped NUL (\u0000) that is not itself an escaped backslash (\\u0000)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def nul_message() -> str:
    return _(
        "The request contains a NUL character (U+0000), which cannot be stored; remove it "
        "(it is often left by copying from a binary file) and send again."
    )


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        # parsed once; the views read the same. Multipart bodies (uploads) are left to the
        # view, which may choose how the upload is streamed; their text fields are checked by
        # the services (``check_lengths``)
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return True
        return False
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        return b"\x00" in body or bool(_JSON_NUL.search(body))
    return False


class InputGuardMiddleware:
    """Refuse a request that carries a NUL character, with a message in the page's language
    (the API gets its error body, ``{"detail": ..., "errors": [...]}``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            message = nul_message()
            if request.path.startswith("/api/"):
                return HttpResponse(
                    json.dumps({"detail": message, "errors": [message]}, ensure_ascii=False),
                    status=400,
                    content_type="application/json",
                )
            return HttpResponse(
                f'<!doctype html><meta charset="utf-8"><title>400</title>'
                f'<p role="alert">{escape(message)}</p>'
                f'<p><a href="javascript:history.back()">{escape(_("Back"))}</a></p>',
                status=400,
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)
