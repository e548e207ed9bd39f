"""Who may act in the selection (JCM call 3.(2)–(4); C3P adoption): the office schedules the
hearing, nominates, sends the PIN (form 3-16), issues the 内示 or decides non-selection; the JCM
secretariat forwards the PIN to the partner country's Joint Committee, whose contact answers;
both may ask the applicant about the PIN, which the applicants (or the office) answer.

``RULES`` maps each action this stage decides to its rule ``(user, obj) -> bool``;
``renkei.access.can`` composes the stages' rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.adoption.models import (
    OPEN_STATES,
    PinQuery,
    ProjectIdeaNote,
    Selection,
    SelectionState,
)
from renkei.calls.models import Program, Round
from renkei.proposals.models import Proposal, ProposalState
from renkei.proposals.policy import consortium_of
from renkei.reviews.policy import screening_passed


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
        return qs.filter(consortium_of(user, "selection__proposal__"))
    return qs.none()


def _office_undecided(user: Any, proposal: Proposal) -> bool:
    """The office on a submitted proposal that has no selection decision yet."""
    return (
        role_of(user) == Role.OFFICE
        and proposal.state == ProposalState.SUBMITTED
        and not Selection.objects.filter(proposal=proposal).exists()
    )


def _hearing_or_nominate(user: Any, obj: Any) -> bool:  # JCM call 3.(2)–(3)
    return (
        isinstance(obj, Proposal)
        and _office_undecided(user, obj)
        and obj.call.program == Program.JCM
        and screening_passed(obj)
    )


def _adopt_c3p(user: Any, obj: Any) -> bool:  # C3P: adopted directly after the evaluation
    return (
        isinstance(obj, Proposal)
        and _office_undecided(user, obj)
        and obj.call.program != Program.JCM
        and screening_passed(obj)
    )


def _reject(user: Any, obj: Any) -> bool:
    if isinstance(obj, Proposal):
        return _office_undecided(user, obj)
    if isinstance(obj, Selection):
        return role_of(user) == Role.OFFICE and obj.state in OPEN_STATES
    return False


def _office_at(state: str) -> Rule:
    def rule(user: Any, obj: Any) -> bool:
        return isinstance(obj, Selection) and role_of(user) == Role.OFFICE and obj.state == state

    return rule


def _answer_query(user: Any, obj: Any) -> bool:  # the applicants, or the office for them
    return (
        isinstance(obj, PinQuery)
        and role_of(user) in (Role.APPLICANT, Role.OFFICE)
        and pins_for(user).filter(pk=obj.pin_id).exists()
    )  # once: the service


def _pin_visible(user: Any, obj: Any) -> bool:
    return isinstance(obj, ProjectIdeaNote) and pins_for(user).filter(pk=obj.pk).exists()


def _ask_query(user: Any, obj: Any) -> bool:  # the partner country's side, until the JC answers
    return (
        _pin_visible(user, obj)
        and role_of(user) in (Role.SECRETARIAT, Role.JOINT_COMMITTEE)
        and not obj.response
    )


def _forward_pin(user: Any, obj: Any) -> bool:
    return (
        _pin_visible(user, obj) and role_of(user) == Role.SECRETARIAT and obj.forwarded_at is None
    )


def _respond_pin(user: Any, obj: Any) -> bool:
    return (
        _pin_visible(user, obj)
        and role_of(user) == Role.JOINT_COMMITTEE
        and obj.selection.state == SelectionState.WITH_JOINT_COMMITTEE
    )


def _run_selection_optimiser(user: Any, obj: Any) -> bool:
    """The selection optimiser on a round (issue 13): the office's decision aid alone."""
    return isinstance(obj, Round) and role_of(user) == Role.OFFICE


RULES: dict[str, Rule] = {
    "schedule_hearing": _hearing_or_nominate,
    "nominate": _hearing_or_nominate,
    "adopt_c3p": _adopt_c3p,
    "reject": _reject,
    "send_pin": _office_at(SelectionState.CANDIDATE),
    "issue_naiji": _office_at(SelectionState.NO_OBJECTION),
    "view_pin": _pin_visible,
    "ask_query": _ask_query,
    "forward_pin": _forward_pin,
    "respond_pin": _respond_pin,
    "answer_query": _answer_query,
    "run_selection_optimiser": _run_selection_optimiser,
}
