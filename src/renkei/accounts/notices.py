"""Notices and their e-mails, each in its reader's language.

Every service that tells someone something calls ``notify`` (or ``email_address`` for a person
without an account yet, e.g. an account requester). A notice keeps its untranslated message id
and values, so it is rendered in the language of whoever reads it, when it is read: a Kenyan
partner participant reads English, the program office Japanese, from the same event. The
e-mail goes out in the recipient's preferred language (``User.preferred_language``).

Values may be plain text and numbers (kept as given: titles, receipt numbers, what a person
typed), ``Msg`` (a message id translated when read, e.g. a state label), or dates and
datetimes (written in the reader's date format, datetimes in JST).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from renkei import clock
from renkei.accounts.models import Notice
from renkei.audit.services import audit_record

JST = ZoneInfo("Asia/Tokyo")
LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class Msg:
    """A value translated when the notice is read, e.g. ``Msg(Response.OBJECTION.label)``."""

    msgid: str | Promise

    def stored(self) -> dict[str, str]:
        with translation.override(None):  # no catalogue: a lazy label yields its message id
            return {"msgid": str(self.msgid)}


def _store(values: Mapping[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Msg):
            stored[key] = value.stored()
        elif isinstance(value, Promise):
            stored[key] = Msg(value).stored()
        elif isinstance(value, dt.datetime):
            stored[key] = {"datetime": value.isoformat()}
        elif isinstance(value, dt.date):
            stored[key] = {"date": value.isoformat()}
        elif value is None or isinstance(value, int | str):
            stored[key] = "" if value is None else value
        else:
            stored[key] = str(value)
    return stored


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        if "msgid" in value:
            return gettext(value["msgid"])
        if "datetime" in value:
            moment = dt.datetime.fromisoformat(value["datetime"]).astimezone(JST)
            return f"{formats.date_format(moment, 'DATE_FORMAT')} {moment:%H:%M} JST"
        if "date" in value:
            return formats.date_format(dt.date.fromisoformat(value["date"]), "DATE_FORMAT")
    return value


def render(msgid: str, params: Mapping[str, Any], lang: str | None = None) -> str:
    """The message in ``lang`` (default: the active language) with its values filled in."""
    with translation.override(lang) if lang else nullcontext():
        text = gettext(msgid)
        if not params:
            return text
        try:
            return text % {key: _value(value) for key, value in params.items()}
        except (KeyError, TypeError, ValueError):  # a catalogue entry that lost a placeholder
            return msgid % {key: _value(value) for key, value in params.items()}


def notify(
    recipients: Iterable[Any],
    *,
    subject: str,
    message: str,
    link: str = "",
    values: Mapping[str, Any] | None = None,
    email: bool = True,
) -> None:
    """Tell each recipient: an in-app notice and (``email``) an e-mail in their language, once
    the caller's transaction commits. ``subject`` and ``message`` are untranslated message ids
    (``gettext_noop``) with %-placeholders for ``values``."""
    params = _store(values or {})
    people = [(u.pk, u.email, u.preferred_language) for u in recipients]

    def deliver() -> None:
        Notice.objects.bulk_create(
            Notice(
                recipient_id=pk,
                subject=subject[:200],
                msgid=message,
                params=params,
                message=render(message, params, lang)[:500],
                link=link,
            )
            for pk, _address, lang in people
        )
        if email:
            for _pk, address, lang in people:
                if address:
                    send_mail(
                        render(subject, {}, lang), render(message, params, lang), None, [address]
                    )

    transaction.on_commit(deliver)


def email_address(
    address: str,
    *,
    subject: str,
    message: str,
    values: Mapping[str, Any] | None = None,
    lang: str = "ja",
) -> None:
    """An e-mail, after commit, to someone who has no account (yet) to read notices in."""
    params = _store(values or {})
    lang = lang if lang in LANGUAGES else "ja"
    transaction.on_commit(
        lambda: send_mail(render(subject, {}, lang), render(message, params, lang), None, [address])
    )


# --- reading them ------------------------------------------------------------------------------
def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_open(*, actor: Any, notice_id: int) -> Notice:
    """The recipient opens one of their notices: it is read from now on. Someone else's notice
    is not found (``Notice.DoesNotExist``), never marked."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id, recipient=actor)
        if notice.read_at is None:
            notice.read_at = clock.now()
            notice.save(update_fields=["read_at"])
            audit_record(actor=actor, obj=notice, action="notice_open", to_state="read")
    return notice


def notice_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notice of the actor read; returns how many were."""
    with transaction.atomic():
        unread = Notice.objects.select_for_update().filter(recipient=actor, read_at__isnull=True)
        ids = list(unread.values_list("pk", flat=True))
        count = Notice.objects.filter(pk__in=ids).update(read_at=clock.now())
        if count:
            audit_record(
                actor=actor, obj=actor, action="notice_mark_all_read", payload={"notices": ids}
            )
    return count


def user_set_language(*, actor: Any, language: str) -> None:
    """The user's preferred language for pages, notices and e-mails ("" = decided by role)."""
    if language not in ("", *LANGUAGES):
        raise ValueError(language)
    from renkei.accounts.models import User

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if user.language != language:
            before = user.language
            user.language = language
            user.save(update_fields=["language"])
            audit_record(
                actor=actor,
                obj=user,
                action="user_set_language",
                from_state=before,
                to_state=language,
            )
    actor.language = language
