"""Permission rules of the C3P stage's matching part (issue 11; C3P §3.1 steps 2–4): every
applicant and the office read the published needs and solutions and their suggestions (they are
published to be found); a partner city's applicants publish its needs, a Japanese municipality's
or a company's applicants their solutions, and each closes its own (the office may close any).
An applicant contacts another organisation about one of its records only through the platform;
the two organisations' applicants read and answer the conversation, the office reads it. Other
roles (reviewers, the secretariat, Joint Committees, verifiers, the registry) have no part in
matching (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from renkei.accounts.models import Organisation, Role
from renkei.accounts.policy import Rule, role_of
from renkei.c3p.models import ContactRequest, Need, Solution

__all__ = ["RULES", "contacts_for", "may_publish_need", "may_publish_solution"]

#: who offers solutions (C3P §3.1 step 4: "Japanese municipalities", "Japanese private companies
#: and other organisations")
SOLUTION_KINDS = (
    Organisation.Kind.MUNICIPALITY,
    Organisation.Kind.COMPANY,
    Organisation.Kind.AGENCY,
    Organisation.Kind.OTHER,
)


def _kind(user: Any) -> str | None:
    if role_of(user) != Role.APPLICANT or not user.organisation_id:
        return None
    return user.organisation.kind


def may_publish_need(user: Any) -> bool:
    return _kind(user) == Organisation.Kind.PARTNER_CITY


def may_publish_solution(user: Any) -> bool:
    return _kind(user) in SOLUTION_KINDS


def contacts_for(user: Any) -> QuerySet[ContactRequest]:
    qs = ContactRequest.objects.select_related("sender", "recipient", "need", "solution")
    role = role_of(user)
    if role == Role.OFFICE:
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        org = user.organisation_id
        return qs.filter(Q(sender_id=org) | Q(recipient_id=org))
    return qs.none()


def _reads(user: Any, obj: Any = None) -> bool:
    return role_of(user) in (Role.OFFICE, Role.APPLICANT)


def _owns_or_office(user: Any, obj: Any) -> bool:
    if not isinstance(obj, Need | Solution):
        return False
    if role_of(user) == Role.OFFICE:
        return True
    return role_of(user) == Role.APPLICANT and user.organisation_id == obj.organisation_id


def _contacts(user: Any, obj: Any) -> bool:
    """An applicant of another organisation than the record's, about an open record."""
    return (
        isinstance(obj, Need | Solution)
        and obj.state == "open"
        and role_of(user) == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id != obj.organisation_id
    )


def _sees_contact(user: Any, obj: Any) -> bool:
    if not isinstance(obj, ContactRequest):
        return False
    if role_of(user) == Role.OFFICE:
        return True
    return role_of(user) == Role.APPLICANT and user.organisation_id in (
        obj.sender_id,
        obj.recipient_id,
    )


def _answers(user: Any, obj: Any) -> bool:
    return _sees_contact(user, obj) and role_of(user) == Role.APPLICANT and obj.state == "open"


RULES: dict[str, Rule] = {
    "view_c3p_matching": _reads,
    "publish_c3p_need": lambda user, obj=None: may_publish_need(user),
    "publish_c3p_solution": lambda user, obj=None: may_publish_solution(user),
    "close_c3p_matching_record": _owns_or_office,
    "contact_c3p_matching": _contacts,
    "view_c3p_contact": _sees_contact,
    "answer_c3p_contact": _answers,
}
