"""Who may see and do what: the one place where permissions are decided (issue 3, 'Roles').

Selectors take the viewer and return only what that viewer may see; ``can`` answers yes or no
for an action on an object. Views, the API and services all ask here, and the permission-matrix
test walks every role through every page and operation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from renkei.accounts.models import Role
from renkei.adoption.models import (
    OPEN_STATES,
    PinQuery,
    ProjectIdeaNote,
    Selection,
    SelectionState,
)
from renkei.calls.models import Program
from renkei.proposals.models import Attachment, Proposal, ProposalPartner, ProposalState
from renkei.reviews.models import Decision, ReviewAssignment

EDITABLE = (ProposalState.DRAFT, ProposalState.REVISION_OPEN)
ADOPTION_ACTIONS = frozenset(
    {
        "schedule_hearing",
        "nominate",
        "adopt_c3p",
        "reject",
        "send_pin",
        "issue_naiji",
        "view_pin",
        "forward_pin",
        "respond_pin",
        "ask_query",
        "answer_query",
    }
)


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def _consortium_of(user: Any, prefix: str = "") -> Q:
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
    role = role_of(user)
    qs = Proposal.objects.select_related("call", "round", "organisation")
    if role == Role.APPLICANT:  # the representative's users and the partner participants'
        return qs.filter(_consortium_of(user))
    if role == Role.OFFICE:
        return qs.exclude(state=ProposalState.DRAFT)
    if role == Role.REVIEWER:
        # only once assigned and after declaring no conflict of interest (別添2 3.(2))
        return qs.filter(review_assignments__reviewer=user, review_assignments__has_conflict=False)
    return qs.none()  # secretariat and Joint Committees: later stages of issue 3


def pins_for(user: Any) -> QuerySet[ProjectIdeaNote]:
    """PINs (form 3-16): the office all, the JCM secretariat those sent to it, a Joint Committee
    contact only their country's once forwarded (issue 3, 'Roles'), applicants their own."""
    role = role_of(user)
    qs = ProjectIdeaNote.objects.select_related("selection__proposal")
    if role in (Role.OFFICE, Role.SECRETARIAT):  # a PIN exists only once sent to the secretariat
        return qs
    if role == Role.JOINT_COMMITTEE:
        return qs.filter(country=user.country, forwarded_at__isnull=False)
    if role == Role.APPLICANT:
        return qs.filter(_consortium_of(user, "selection__proposal__"))
    return qs.none()


def _adoption_can(user: Any, role: str | None, action: str, obj: Any) -> bool:
    """Hearing, candidates, PIN, no-objection, 内示 and non-selection (JCM call 3.(2)–(4))."""
    if isinstance(obj, Proposal):
        office = role == Role.OFFICE and obj.state == ProposalState.SUBMITTED
        undecided = not Selection.objects.filter(proposal=obj).exists()
        jcm = obj.call.program == Program.JCM
        if action in ("schedule_hearing", "nominate"):  # JCM call 3.(2)–(3)
            return office and jcm and screening_passed(obj) and undecided
        if action == "adopt_c3p":  # C3P: adopted directly after the evaluation
            return office and not jcm and screening_passed(obj) and undecided
        if action == "reject":
            return office and undecided
        return False
    if isinstance(obj, Selection):
        if action == "send_pin":
            return role == Role.OFFICE and obj.state == SelectionState.CANDIDATE
        if action == "issue_naiji":
            return role == Role.OFFICE and obj.state == SelectionState.NO_OBJECTION
        if action == "reject":
            return role == Role.OFFICE and obj.state in OPEN_STATES
        return False
    if isinstance(obj, PinQuery):
        if action == "answer_query":  # the applicants, or the office for them
            visible = pins_for(user).filter(pk=obj.pin_id).exists()
            return visible and role in (Role.APPLICANT, Role.OFFICE)  # once: the service
        return False
    if isinstance(obj, ProjectIdeaNote):
        visible = pins_for(user).filter(pk=obj.pk).exists()
        if action == "view_pin":
            return visible
        if action == "ask_query":  # the partner country's side, until the JC has answered
            return visible and role in (Role.SECRETARIAT, Role.JOINT_COMMITTEE) and not obj.response
        if action == "forward_pin":
            return visible and role == Role.SECRETARIAT and obj.forwarded_at is None
        if action == "respond_pin":
            return (
                visible
                and role == Role.JOINT_COMMITTEE
                and obj.selection.state == SelectionState.WITH_JOINT_COMMITTEE
            )
    return False


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
    if action in ADOPTION_ACTIONS:
        return _adoption_can(user, role, action, obj)
    if isinstance(obj, Proposal):
        visible = proposals_for(user).filter(pk=obj.pk).exists()
        if action == "view":
            return visible
        if action in ("edit", "submit", "attach", "manage_partners"):
            # the representative participant alone applies (JCM call 5.(1)④⑤, 2.(4)② 注2)
            return visible and is_representative(user, obj) and obj.state in EDITABLE
        if action == "open_revision":
            return visible and role == Role.OFFICE and obj.state == ProposalState.SUBMITTED
        if action == "screen":
            return visible and role == Role.OFFICE and obj.state == ProposalState.SUBMITTED
        if action == "assign_reviewers":
            return visible and role == Role.OFFICE and screening_passed(obj)
        if action == "view_reviews":
            return visible and role == Role.OFFICE
    if isinstance(obj, ReviewAssignment):
        own = role == Role.REVIEWER and obj.reviewer_id == user.pk
        if action == "declare_conflict":
            return own and obj.has_conflict is None
        if action == "score":
            return own and obj.open_for_scoring
        if action == "view_review":
            return own and obj.has_conflict is False
        if action in ("reset_conflict", "withdraw_assignment"):
            # the office's undo, only while nothing has been scored on the assignment
            unscored = obj.submitted_at is None and not obj.scores.exists()
            if role != Role.OFFICE or not unscored:
                return False
            if not proposals_for(user).filter(pk=obj.proposal_id).exists():
                return False
            return action == "withdraw_assignment" or obj.has_conflict is not None
    if isinstance(obj, Attachment) and action == "download":
        return proposals_for(user).filter(pk=obj.proposal_id).exists()
    return False
