"""The C3P stage's matching services (issue 11; C3P §3.1 steps 2–4, §2.3): every state change
of this part, each with its permission check, fresh rows under lock, audit event and notices
after commit.

- ``need_publish`` (a partner city), ``solution_publish`` (a Japanese municipality or company),
  ``matching_record_close`` (its owner or the office);
- ``contact_request`` and ``contact_reply``: contacts only through the platform; the other
  organisation's applicants are told by notice, and nobody sees anybody's e-mail address.
  Limits: ``MAX_MESSAGE`` characters a message, ``MAX_OPEN_CONTACTS`` open requests per
  organisation, ``MAX_MESSAGES`` messages per conversation, ``MAX_OPEN_RECORDS`` open needs or
  solutions per organisation.
- ``suggestions_for``: the ranked solutions for a need, with their reasons
  (``renkei.c3p.matching_score``).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access
from renkei.accounts.models import Role, User
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.c3p import matching_score
from renkei.c3p.models import (
    CityPartnership,
    ContactMessage,
    ContactRequest,
    Need,
    Sector,
    Solution,
)
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "MAX_MESSAGE",
    "MAX_MESSAGES",
    "MAX_OPEN_CONTACTS",
    "MAX_OPEN_RECORDS",
    "contact_reply",
    "contact_request",
    "matching_record_close",
    "need_publish",
    "solution_publish",
    "suggestions_for",
]

MAX_MESSAGE = 2000
MAX_MESSAGES = 50
MAX_OPEN_CONTACTS = 20
MAX_OPEN_RECORDS = 30
MAX_TEXT = 5000


def require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _sector(value: str) -> str:
    if value not in Sector.values:
        raise ServiceError(
            _("%(value)s is not a sector; choose one of: %(sectors)s")
            % {"value": value or "—", "sectors": ", ".join(Sector.values)}
        )
    return value


def _open_records(model: type, organisation_id: int) -> None:
    if model.objects.filter(organisation_id=organisation_id, state="open").count() >= (
        MAX_OPEN_RECORDS
    ):
        raise ServiceError(
            _(
                "Your organisation has %(n)s open records of this kind, the most it can have: "
                "close one that is no longer current first (C3P §3.1 step 3: needs must be "
                "current)."
            )
            % {"n": MAX_OPEN_RECORDS}
        )


def need_publish(
    *, actor: Any, sector: str, title: str, problem: str, scale: str = "", priority: int = 1
) -> Need:
    """A partner city publishes a need: its sector, the problem and its scale, and its priority
    among the city's needs (C3P §3.1 step 3)."""
    require(actor, "publish_c3p_need", None)
    sector = _sector(sector)
    title = clean_text(title, _("Title"), limit=200)
    problem = clean_text(problem, _("Problem"), limit=MAX_TEXT)
    scale = clean_text(scale, _("Scale"), required=False, limit=300)
    if not 1 <= int(priority) <= 9:
        raise ServiceError(
            _("Priority %(p)s is out of range: give 1 (highest) to 9.") % {"p": priority}
        )
    with transaction.atomic():
        _open_records(Need, actor.organisation_id)
        need = Need.objects.create(
            organisation_id=actor.organisation_id,
            sector=sector,
            title=title,
            problem=problem,
            scale=scale,
            priority=priority,
            published_by=actor,
        )
        audit_record(actor=actor, obj=need, action="c3p_need_publish", to_state="open")
    return need


def _countries(values: list[str]) -> list[str]:
    out = []
    for value in values:
        code = (value or "").strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ServiceError(
                _(
                    "%(value)s is not a country code: give ISO 3166-1 alpha-2 codes, e.g. VN, "
                    "PH, TH."
                )
                % {"value": value}
            )
        out.append(code)
    return list(dict.fromkeys(out))


def solution_publish(
    *,
    actor: Any,
    title: str,
    sectors: list[str],
    technology: str,
    experience: str = "",
    past_projects: str = "",
    countries: list[str] | None = None,
    jcm_experience: bool = False,
) -> Solution:
    """A Japanese municipality or company publishes a solution (C3P §3.1 step 4)."""
    require(actor, "publish_c3p_solution", None)
    if not sectors:
        raise ServiceError(
            _("Choose at least one sector; one of: %(sectors)s")
            % {"sectors": ", ".join(Sector.values)}
        )
    sectors = list(dict.fromkeys(_sector(s) for s in sectors))
    title = clean_text(title, _("Title"), limit=200)
    technology = clean_text(technology, _("Technology"), limit=MAX_TEXT)
    experience = clean_text(experience, _("Experience"), required=False, limit=MAX_TEXT)
    past_projects = clean_text(past_projects, _("Past projects"), required=False, limit=MAX_TEXT)
    codes = _countries(countries or [])
    with transaction.atomic():
        _open_records(Solution, actor.organisation_id)
        solution = Solution.objects.create(
            organisation_id=actor.organisation_id,
            title=title,
            sectors=sectors,
            technology=technology,
            experience=experience,
            past_projects=past_projects,
            countries=codes,
            jcm_experience=jcm_experience,
            published_by=actor,
        )
        audit_record(actor=actor, obj=solution, action="c3p_solution_publish", to_state="open")
    return solution


def matching_record_close(*, actor: Any, record: Need | Solution) -> Need | Solution:
    """Its owner closes a need (met, or no longer current) or withdraws a solution."""
    require(actor, "close_c3p_matching_record", record)
    model = type(record)
    closed = "closed" if model is Need else "withdrawn"
    with transaction.atomic():
        fresh = model.objects.select_for_update().get(pk=record.pk)
        if fresh.state != "open":
            return fresh
        fresh.state = closed
        fresh.save(update_fields=["state"])
        audit_record(
            actor=actor,
            obj=fresh,
            action=f"c3p_{model.__name__.lower()}_close",
            from_state="open",
            to_state=closed,
        )
        for contact in ContactRequest.objects.select_for_update().filter(
            **{model.__name__.lower(): fresh}, state="open"
        ):
            contact.state = "closed"
            contact.save(update_fields=["state"])
    return fresh


def _members(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(organisation_id=organisation_id, role=Role.APPLICANT, is_active=True)
    )


def _message(text: str) -> str:
    return clean_text(text, _("Message"), limit=MAX_MESSAGE)


def contact_request(*, actor: Any, record: Need | Solution, message: str) -> ContactRequest:
    """Ask the organisation of ``record`` to talk, with a first message: its applicants are told
    by notice; the conversation stays on the platform."""
    require(actor, "contact_c3p_matching", record)
    text = _message(message)
    is_need = isinstance(record, Need)
    with transaction.atomic():
        fresh = type(record).objects.select_for_update().get(pk=record.pk)
        require(actor, "contact_c3p_matching", fresh)
        sender = actor.organisation_id
        if ContactRequest.objects.filter(sender_id=sender, state="open").count() >= (
            MAX_OPEN_CONTACTS
        ):
            raise ServiceError(
                _(
                    "Your organisation has %(n)s open contact requests, the most it can have: "
                    "close one that has ended first."
                )
                % {"n": MAX_OPEN_CONTACTS}
            )
        key = {"need": fresh} if is_need else {"solution": fresh}
        existing = ContactRequest.objects.filter(sender_id=sender, state="open", **key).first()
        if existing is not None:
            raise ServiceError(
                _(
                    "Your organisation is already in contact about “%(title)s”: write in that "
                    "conversation."
                )
                % {"title": fresh.title}
            )
        try:
            with transaction.atomic():
                contact = ContactRequest.objects.create(
                    sender_id=sender,
                    recipient_id=fresh.organisation_id,
                    created_by=actor,
                    **key,
                )
        except IntegrityError as exc:  # a concurrent request of the same organisation
            raise ServiceError(
                _("Your organisation is already in contact about “%(title)s”.")
                % {"title": fresh.title}
            ) from exc
        ContactMessage.objects.create(
            request=contact, author=actor, organisation_id=sender, text=text
        )
        audit_record(actor=actor, obj=contact, action="c3p_contact_request", to_state="open")
        notify(
            _members(fresh.organisation_id),
            subject=gettext_noop("A contact request on the C3P matching"),
            message=gettext_noop("%(org)s would like to talk about “%(title)s”."),
            values={"org": str(actor.organisation), "title": fresh.title},
            link=reverse("c3p:matching_contact", args=[contact.pk]),
        )
    return contact


def contact_reply(
    *, actor: Any, contact: ContactRequest, message: str = "", close: bool = False
) -> ContactRequest:
    """Write in the conversation (either organisation's applicants), and/or close it."""
    require(actor, "answer_c3p_contact", contact)
    text = "" if close and not (message or "").strip() else _message(message)
    with transaction.atomic():
        fresh = ContactRequest.objects.select_for_update().get(pk=contact.pk)
        require(actor, "answer_c3p_contact", fresh)
        if text:
            if fresh.messages.count() >= MAX_MESSAGES:
                raise ServiceError(
                    _(
                        "This conversation has %(n)s messages, the most one can have: start a "
                        "new contact request if you need to go on."
                    )
                    % {"n": MAX_MESSAGES}
                )
            check_lengths(ContactMessage, text=text)
            ContactMessage.objects.create(
                request=fresh, author=actor, organisation_id=actor.organisation_id, text=text
            )
        if close:
            fresh.state = "closed"
            fresh.save(update_fields=["state"])
        audit_record(
            actor=actor,
            obj=fresh,
            action="c3p_contact_reply",
            to_state=fresh.state,
            payload={"message": bool(text)},
        )
        other = fresh.recipient_id if actor.organisation_id == fresh.sender_id else fresh.sender_id
        notify(
            _members(other),
            subject=gettext_noop("A reply on the C3P matching"),
            message=gettext_noop("%(org)s wrote about “%(title)s”."),
            values={"org": str(actor.organisation), "title": fresh.subject.title},
            link=reverse("c3p:matching_contact", args=[fresh.pk]),
        )
    return fresh


def _pure_need(need: Need) -> matching_score.Need:
    return matching_score.Need(
        id=need.pk,
        sector=need.sector,
        country=need.organisation.country,
        partner_city_id=need.organisation_id,
        problem=f"{need.title} {need.problem} {need.scale}",
    )


def _pure_solution(solution: Solution) -> matching_score.Solution:
    return matching_score.Solution(
        id=solution.pk,
        sectors=frozenset(solution.sectors),
        countries=frozenset(solution.countries),
        organisation_id=solution.organisation_id,
        jcm_experience=solution.jcm_experience,
        text=" ".join(
            (solution.title, solution.technology, solution.experience, solution.past_projects)
        ),
    )


def suggestions_for(need: Need, *, limit: int = 10) -> list[tuple[Solution, Any]]:
    """The open solutions that fit the need, best first, each with its scored suggestion."""
    solutions = {
        s.pk: s
        for s in Solution.objects.filter(state="open")
        .exclude(organisation_id=need.organisation_id)
        .select_related("organisation")
    }
    partnered = frozenset(
        CityPartnership.objects.filter(partner_city_id=need.organisation_id).values_list(
            "japanese_city_id", "partner_city_id"
        )
    )
    ranked = matching_score.rank(
        _pure_need(need),
        [_pure_solution(s) for s in solutions.values()],
        partnered=partnered,
        limit=limit,
    )
    return [(solutions[s.solution_id], s) for s in ranked]
