"""What every stage's form views share: a service run from a valid form, its refusal shown on
the form as typed (never a 500, nothing lost), a permission refusal as 403."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from renkei import access
from renkei.services import NotAllowed, ServiceError

__all__ = ["refused", "require_can", "run_form"]


def require_can(request: HttpRequest, action: str, obj: Any) -> None:
    """403 unless ``renkei.access.can`` allows the viewer ``action`` on ``obj``."""
    if not access.can(request.user, action, obj):
        raise PermissionDenied


def refused(form: forms.Form, exc: ServiceError) -> None:
    """The service's refusal on the form: its message, then each further reason once."""
    message = str(exc)
    form.add_error(None, message)
    for line in exc.errors:
        if line != message:
            form.add_error(None, line)


def run_form(
    request: HttpRequest,
    form: forms.Form,
    run: Callable[[dict[str, Any]], Any],
    *,
    done: str,
    then: Callable[[Any], HttpResponse],
) -> HttpResponse | None:
    """Run ``run(form.cleaned_data)`` if the form is valid: on success the message ``done`` and
    ``then(result)`` (a redirect); on a refusal ``None``, the reasons added to the form, for the
    caller to show its page again with the form as typed."""
    if not form.is_valid():
        return None
    try:
        result = run(form.cleaned_data)
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except ServiceError as exc:
        refused(form, exc)
        return None
    messages.success(request, done)
    return then(result)
