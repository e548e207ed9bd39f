"""Errors raised by the web platform's services; views and the API turn them into messages."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

NUL = "\x00"


class ServiceError(Exception):
    """A request the rules or the workflow refuse; the message says why and what would work."""

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


class NotAllowed(ServiceError):
    """The actor may not do this (``renkei.access`` decided)."""


def clean_text(value: Any, what: str, *, required: bool = True, limit: int = 10_000) -> str:
    """A text a person typed, stripped; refused, saying which and why, when required and empty,
    longer than ``limit`` or holding a NUL character (which no database column stores)."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        raise ServiceError(_("%(what)s is required.") % {"what": what})
    if len(value) > limit:
        raise ServiceError(
            _("%(what)s is %(length)s characters long; at most %(limit)s are accepted.")
            % {"what": what, "length": len(value), "limit": limit}
        )
    if NUL in value:
        raise ServiceError(
            _("%(what)s contains a NUL character (U+0000), which cannot be stored.")
            % {"what": what}
        )
    return value


def check_lengths(model: type, **values: Any) -> None:
    """Refuse a text longer than the column of ``model`` that stores it, saying which, how long
    it is and how long it may be (a PostgreSQL column refuses it with a server error)."""
    errors = []
    for name, value in values.items():
        field = model._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            errors.append(
                _("%(field)s is %(length)s characters long; at most %(limit)s are accepted.")
                % {"field": capfirst(field.verbose_name), "length": len(value), "limit": limit}
            )
        if isinstance(value, str) and NUL in value:
            errors.append(
                _("%(field)s contains a NUL character (U+0000), which cannot be stored.")
                % {"field": capfirst(field.verbose_name)}
            )
    if errors:
        raise ServiceError(errors[0], errors=errors)
