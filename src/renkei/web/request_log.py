"""One structured log line per request, and the request id that ties a user's report, the
request's line and any error logged while it ran together (issue 14, logs and health).

``RequestLogMiddleware`` gives every request an id (``request.request_id``, the ``X-Request-ID``
response header; an incoming ``X-Request-ID`` is kept only if it looks like one, so that a proxy
or load balancer can pass its own), and after the response logs one line to ``renkei.request``:
method, route, status, duration, size, the user's numeric id and role.

What is never logged, because the platform holds applicants' personal data (APPI) and their
documents: query strings (searches hold names and e-mail addresses), request or response bodies,
usernames, names and e-mail addresses, cookies and headers, and the client's IP address unless
``RENKEI_LOG_CLIENT_IP=1``. A URL is logged as its route pattern (``proposals/<int:pk>/``, never
``proposals/17/`` and never a login link's token); only a path that matches no route is logged
as it was asked for (without its query string, cut to ``PATH_MAX`` characters).

``RequestIdFilter`` (installed on the log handler by the settings) puts the current request's id
on every record logged while the request runs (``django.request``'s server errors with their
traceback among them) and replaces the path in ``django.request``'s messages by the route.
``docs/ops/logs.md`` describes the format.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

logger = logging.getLogger("renkei.request")

REQUEST_ID_HEADER = "X-Request-ID"
# an incoming id is trusted only in this shape (no spaces, quotes or control characters that
# could forge a log line, nothing long enough to carry data)
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{8,64}")
PATH_MAX = 200
NO_REQUEST = "-"

_current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "renkei_request_id", default=NO_REQUEST
)


def current_request_id() -> str:
    """The id of the request being served in this thread or task, or ``-`` outside one."""
    return _current_request_id.get()


def _request_id(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if REQUEST_ID_PATTERN.fullmatch(given):
        return given
    return uuid.uuid4().hex


def route_of(request: HttpRequest) -> str | None:
    """The URL pattern the request matched (``/proposals/<int:pk>/``), or None when it matched
    none. A request answered before its URL was resolved (a redirect to HTTPS, a refused NUL
    character) is resolved here, so that its line carries the pattern too."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    route = match.route or ""
    return "/" + route.lstrip("^")


def _loaded_user(request: HttpRequest) -> Any:
    """The request's user if something already loaded it; never loads it for the log (that
    would read the session and the user for requests that did not need them)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:  # not evaluated: nothing used the user
            return None
        user = user._wrapped
    return user if getattr(user, "is_authenticated", False) else None


def _size(response: HttpResponse) -> int | None:
    if getattr(response, "streaming", False):  # a file: its length if declared, never read
        length = response.get("Content-Length")
        return int(length) if length and length.isdigit() else None
    return len(response.content)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _escaped(match: re.Match) -> str:
    """A control character of a path (``%0A`` decodes to a line break) written as ``\\x0a``, so
    that a plain-text log line cannot be forged."""
    return f"\\x{ord(match.group()):02x}"


def log_client_ip() -> bool:
    return bool(getattr(settings, "RENKEI_LOG_CLIENT_IP", False))


class RequestLogMiddleware:
    """Times the request (it stands near the top of ``MIDDLEWARE``), gives it its id and logs
    its line when the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.with_ip = log_client_ip()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response, started)
            return response
        finally:
            _current_request_id.reset(token)

    def _log(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        route = route_of(request)
        user = _loaded_user(request)
        fields: dict[str, Any] = {
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "size": _size(response),
            "user_id": user.pk if user is not None else None,
            "role": getattr(user, "role", None) if user is not None else None,
        }
        if route is None:  # matched nothing: the path as asked, without its query string
            fields["path"] = _CONTROL.sub(_escaped, request.path[:PATH_MAX])
        if self.with_ip:
            fields["client_ip"] = request.META.get("REMOTE_ADDR", "")
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            route or fields["path"],
            response.status_code,
            duration_ms,
            extra=fields,
        )


class RequestIdFilter(logging.Filter):
    """On every record: ``request_id`` (the request's it was logged in, ``-`` outside one). On
    Django's own request records (``django.request``, ``django.security.*``), which carry the
    request and name its raw path in the message, the path is replaced by the route pattern:
    a path can hold a login link's or a password reset's token."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = None
        if not hasattr(record, "request_id"):
            # Django logs a 4xx answer after the middleware returned: the request has its id
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        if request is not None and isinstance(record.args, tuple):
            route = route_of(request)
            if route is not None:
                record.args = tuple(route if arg == request.path else arg for arg in record.args)
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with Renkei's field names: ``time`` (UTC, ISO 8601, first),
    ``level``, ``logger``, ``message``, ``request_id``, then the record's own fields
    (``renkei.request``'s, ``status`` on Django's request errors) and ``traceback`` for an
    exception. The ``request`` object Django puts on its records is left out: its text is the
    full URL with the query string."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={
                "levelname": "level",
                "name": "logger",
                "exc_info": "traceback",
                "status_code": "status",
            },
            reserved_attrs=[*RESERVED_ATTRS, "request"],
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        when = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        log_data["time"] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        super().add_fields(log_data, record, message_dict)
