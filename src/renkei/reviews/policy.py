"""Who may screen and review (JCM 別添2 3.(1)–(2); C3P 3.2–3.4): the office screens submitted
proposals, assigns reviewers once screening has passed and reads the reviews; a reviewer
declares a conflict of interest on their assignment, then scores and submits it; the office
undoes a declaration or withdraws an assignment while nothing has been scored on it.

``RULES`` maps each action this stage decides to its rule ``(user, obj) -> bool``;
``renkei.access.can`` composes the stages' rules.
"""

from __future__ import annotations

from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.proposals.models import Proposal, ProposalState
from renkei.proposals.policy import proposals_for, visible
from renkei.reviews.models import Decision, ReviewAssignment


def screening_passed(proposal: Proposal) -> bool:
    """A proposal (JCM or C3P) whose latest submitted version passed basic screening (JCM
    別添2 3.(1); C3P eligibility 3.2 and documents 3.4)."""
    if proposal.state != ProposalState.SUBMITTED:
        return False
    latest = proposal.versions.order_by("-number").first()
    if latest is None:
        return False
    return proposal.screenings.filter(
        version=latest, completed_at__isnull=False, outcome=Decision.PASS
    ).exists()


def _office_on(user: Any, obj: Any) -> bool:
    return isinstance(obj, Proposal) and visible(user, obj) and role_of(user) == Role.OFFICE


def _screen(user: Any, obj: Any) -> bool:
    return _office_on(user, obj) and obj.state == ProposalState.SUBMITTED


def _assign_reviewers(user: Any, obj: Any) -> bool:
    return _office_on(user, obj) and screening_passed(obj)


def _own(user: Any, obj: Any) -> bool:
    return (
        isinstance(obj, ReviewAssignment)
        and role_of(user) == Role.REVIEWER
        and obj.reviewer_id == user.pk
    )


def _declare_conflict(user: Any, obj: Any) -> bool:
    return _own(user, obj) and obj.has_conflict is None


def _score(user: Any, obj: Any) -> bool:
    return _own(user, obj) and obj.open_for_scoring


def _view_review(user: Any, obj: Any) -> bool:
    return _own(user, obj) and obj.has_conflict is False


def _office_undo(user: Any, obj: Any) -> bool:
    """The office's undo, only while nothing has been scored on the assignment."""
    if not isinstance(obj, ReviewAssignment) or role_of(user) != Role.OFFICE:
        return False
    if obj.submitted_at is not None or obj.scores.exists():
        return False
    return proposals_for(user).filter(pk=obj.proposal_id).exists()


def _reset_conflict(user: Any, obj: Any) -> bool:
    return _office_undo(user, obj) and obj.has_conflict is not None


RULES: dict[str, Rule] = {
    "screen": _screen,
    "assign_reviewers": _assign_reviewers,
    "view_reviews": _office_on,
    "declare_conflict": _declare_conflict,
    "score": _score,
    "view_review": _view_review,
    "reset_conflict": _reset_conflict,
    "withdraw_assignment": _office_undo,
}
