"""Who may see and do what on the proposal path (JCM call 5.(1)①–⑥; the consortium of
2.(4)② 注1–2): the representative participant's applicants edit, attach and submit while the
proposal is editable; the partner participants it links see it; the office sees what is
submitted and opens revisions; an assigned reviewer without a conflict sees what they review.

``RULES`` maps each action this stage decides to its rule ``(user, obj) -> bool``;
``renkei.access.can`` composes the stages' rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, anyone, role_of
from renkei.proposals.models import (
    Attachment,
    PreRegistration,
    Proposal,
    ProposalPartner,
    ProposalState,
)

EDITABLE = (ProposalState.DRAFT, ProposalState.REVISION_OPEN)


def consortium_of(user: Any, prefix: str = "") -> Q:
    """Proposals whose consortium includes the user's organisation: as the representative
    participant, or as a partner participant the representative linked (ProposalPartner)."""
    partner_of = ProposalPartner.objects.filter(organisation=user.organisation_id)
    return Q(**{f"{prefix}organisation": user.organisation_id}) | Q(
        **{f"{prefix}pk__in": partner_of.values("proposal")}
    )


def is_representative(user: Any, proposal: Proposal) -> bool:
    """The user is an applicant of the proposal's representative participant (代表事業者)."""
    return role_of(user) == Role.APPLICANT and user.organisation_id == proposal.organisation_id


def proposals_for(user: Any) -> QuerySet[Proposal]:
    """The proposals the user may see (the selector every page and operation starts from)."""
    role = role_of(user)
    qs = Proposal.objects.select_related("call", "round", "organisation")
    if role == Role.APPLICANT:  # the representative's users and the partner participants'
        return qs.filter(consortium_of(user))
    if role == Role.OFFICE:
        return qs.exclude(state=ProposalState.DRAFT)
    if role == Role.REVIEWER:
        # only once assigned and after declaring no conflict of interest (別添2 3.(2))
        return qs.filter(review_assignments__reviewer=user, review_assignments__has_conflict=False)
    return qs.none()  # the secretariat and Joint Committees see PINs, not proposals


def preregistrations_for(user: Any) -> QuerySet[PreRegistration]:
    """Pre-registrations (5.(1)①) are read by the office alone: the public form gives no
    account, and a registration names people who may not have one."""
    qs = PreRegistration.objects.select_related("call", "round")
    return qs if role_of(user) == Role.OFFICE else qs.none()


def visible(user: Any, proposal: Proposal) -> bool:
    return proposals_for(user).filter(pk=proposal.pk).exists()


def _applicant(user: Any, obj: Any) -> bool:
    return role_of(user) == Role.APPLICANT


def _view(user: Any, obj: Any) -> bool:
    return isinstance(obj, Proposal) and visible(user, obj)


def _representative(user: Any, obj: Any) -> bool:
    # the representative participant alone applies (JCM call 5.(1)④⑤, 2.(4)② 注2). Decided on
    # the row without a query: a representative's applicant always sees its own organisation's
    # proposals (``proposals_for``), so asking the database whether it is visible added a query
    # to every decision (four per upload) and could not change the answer.
    return isinstance(obj, Proposal) and is_representative(user, obj) and obj.state in EDITABLE


def _open_revision(user: Any, obj: Any) -> bool:
    # no visibility query either: the office sees every proposal past the draft
    return (
        isinstance(obj, Proposal)
        and role_of(user) == Role.OFFICE
        and obj.state == ProposalState.SUBMITTED
    )


def _download(user: Any, obj: Any) -> bool:
    return isinstance(obj, Attachment) and proposals_for(user).filter(pk=obj.proposal_id).exists()


RULES: dict[str, Rule] = {
    "preregister": anyone,  # public form (5.(1)①)
    "create_proposal": _applicant,
    "view": _view,
    "edit": _representative,
    "submit": _representative,
    "attach": _representative,
    "manage_partners": _representative,
    "open_revision": _open_revision,
    "download": _download,
}
