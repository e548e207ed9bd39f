"""Permission rules of the C3P stage's partnership part (issue 11): the office sees and records
every city partnership; an applicant of the Japanese municipality or of the partner city sees and
records its own (agreements, renewals, letters of interest). Belonging to a city is the
account's organisation, which an account joins only with the organisation's consent or the
office's recorded decision (``accounts.MembershipConsent``): nothing here adds a member.

A C3P proposal's representative participant picks the partnership of its proposal while the
proposal is editable (``proposals.policy``: the representative alone edits); the list it picks
from shows each partnership's public facts only (the two cities, the agreement: BOX 8 publishes
them), never the letters. Nobody else sees a partnership (404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.c3p.models import CityPartnership, LetterOfInterest, PartnershipLink
from renkei.calls.models import Program
from renkei.proposals.models import Proposal
from renkei.proposals.policy import EDITABLE, is_representative

__all__ = ["RULES", "is_party", "partnerships_for"]

C3P = Program.C3P


def partnerships_for(user: Any) -> QuerySet[CityPartnership]:
    """The partnerships the user may see whole (letters, history)."""
    qs = CityPartnership.objects.select_related("japanese_city", "partner_city")
    role = role_of(user)
    if role == Role.OFFICE:
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        org = user.organisation_id
        return qs.filter(Q(japanese_city_id=org) | Q(partner_city_id=org))
    return qs.none()


def is_party(user: Any, partnership: CityPartnership) -> bool:
    """An applicant of one of the two cities."""
    return (
        role_of(user) == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id in (partnership.japanese_city_id, partnership.partner_city_id)
    )


def _office(user: Any, obj: Any = None) -> bool:
    return role_of(user) == Role.OFFICE


def _lists(user: Any, obj: Any = None) -> bool:
    return role_of(user) in (Role.OFFICE, Role.APPLICANT)


def _sees(user: Any, obj: Any) -> bool:
    if isinstance(obj, LetterOfInterest):
        obj = obj.partnership
    return isinstance(obj, CityPartnership) and (_office(user) or is_party(user, obj))


def _records(user: Any, obj: Any) -> bool:
    return _sees(user, obj)


def _picks(user: Any, obj: Any) -> bool:
    """The representative participant of an editable C3P proposal."""
    return (
        isinstance(obj, Proposal)
        and obj.call.program == C3P
        and obj.state in EDITABLE
        and is_representative(user, obj)
    )


def _decides_link(user: Any, obj: Any) -> bool:
    """A member (applicant) of the partnership's Japanese municipality: its consent to be named
    in a C3P proposal (the office and the partner city see the request, but do not answer)."""
    return (
        isinstance(obj, PartnershipLink)
        and role_of(user) == Role.APPLICANT
        and user.organisation_id is not None
        and user.organisation_id == obj.partnership.japanese_city_id
    )


RULES: dict[str, Rule] = {
    "view_c3p_partnership_list": _lists,
    "view_c3p_partnership": _sees,
    "create_c3p_partnership": _office,
    "record_c3p_partnership": _records,
    "pick_c3p_partnership": _picks,
    "decide_c3p_partnership_link": _decides_link,
}
