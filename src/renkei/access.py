"""Who may see and do what: the one place where permissions are decided (issue 3, 'Roles').

Selectors take the viewer and return only what that viewer may see; ``can`` answers yes or no
for an action on an object. Views, the API and services all ask here, and the permission-matrix
test walks every role through every page and operation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.calls.models import Program
from renkei.proposals.models import Attachment, Proposal, ProposalState
from renkei.reviews.models import Decision, ReviewAssignment

EDITABLE = (ProposalState.DRAFT, ProposalState.REVISION_OPEN)


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def proposals_for(user: Any) -> QuerySet[Proposal]:
    role = role_of(user)
    qs = Proposal.objects.select_related("call", "round", "organisation")
    if role == Role.APPLICANT:
        return qs.filter(organisation=user.organisation)
    if role == Role.OFFICE:
        return qs.exclude(state=ProposalState.DRAFT)
    if role == Role.REVIEWER:
        # only once assigned and after declaring no conflict of interest (別添2 3.(2))
        return qs.filter(review_assignments__reviewer=user, review_assignments__has_conflict=False)
    return qs.none()  # secretariat and Joint Committees: later stages of issue 3


def screening_passed(proposal: Proposal) -> bool:
    """A JCM proposal whose latest submitted version passed basic screening (別添2 3.(1))."""
    if proposal.state != ProposalState.SUBMITTED or proposal.call.program != Program.JCM:
        return False
    latest = proposal.versions.order_by("-number").first()
    if latest is None:
        return False
    return proposal.screenings.filter(
        version=latest, completed_at__isnull=False, outcome=Decision.PASS
    ).exists()


def can(user: Any, action: str, obj: Any = None) -> bool:
    role = role_of(user)
    if action == "preregister":
        return True  # public form (5.(1)①)
    if action == "request_account":
        return True  # public form (5.(1)②)
    if action == "issue_account":
        return role == Role.OFFICE
    if action == "create_proposal":
        return role == Role.APPLICANT
    if isinstance(obj, Proposal):
        visible = proposals_for(user).filter(pk=obj.pk).exists()
        if action == "view":
            return visible
        if action in ("edit", "submit", "attach"):
            return visible and role == Role.APPLICANT and obj.state in EDITABLE
        if action == "open_revision":
            return visible and role == Role.OFFICE and obj.state == ProposalState.SUBMITTED
        if action == "screen":
            return visible and role == Role.OFFICE and obj.state == ProposalState.SUBMITTED
        if action == "assign_reviewers":
            return visible and role == Role.OFFICE and screening_passed(obj)
        if action == "view_reviews":
            return visible and role == Role.OFFICE and obj.call.program == Program.JCM
    if isinstance(obj, ReviewAssignment):
        own = role == Role.REVIEWER and obj.reviewer_id == user.pk
        if action == "declare_conflict":
            return own and obj.has_conflict is None
        if action == "score":
            return own and obj.open_for_scoring
        if action == "view_review":
            return own and obj.has_conflict is False
    if isinstance(obj, Attachment) and action == "download":
        return proposals_for(user).filter(pk=obj.proposal_id).exists()
    return False
