"""Screening and review in the REST API (JCM 別添2 3.(1)–(2); C3P 3.2–3.4): basic screening
(start, decide each item, complete), reviewer assignment (balanced, withdraw, reopen after a
revision), the reviewers' conflict-of-interest declarations (and the office's reset), scores
with their justification and the submitted review, the review summary, and the ranking within
the round's budget.

The same services and permissions as the pages: what the caller may not see answers 404 (the
office's screening, assignments, summary and ranking to anyone but the office; an assignment to
anyone but its reviewer and the office); what they see but may not do answers 403; a refusal of
the workflow answers 422 with the service's message. Mounted by ``renkei.api``; shared helpers
from ``renkei.apikit``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from ninja import Path, Router, Schema
from pydantic import Field

from renkei import access
from renkei.access import assignments_for
from renkei.accounts.models import Role, User
from renkei.apikit import Id, Reason, jst, op, path_id, text, visible_or_404
from renkei.calls.models import Round
from renkei.proposals.api import ProposalId, visible_proposal
from renkei.proposals.models import Proposal
from renkei.reviews import reviewing, services
from renkei.reviews.models import ReviewAssignment, Screening, ScreeningItem
from renkei.reviews.selectors import round_ranking

router = Router(tags=["reviews"])

ScreeningId = path_id("Screening id.")
ItemId = path_id("Screening item id.")
AssignmentId = path_id("Review assignment id.")
RoundId = path_id("Round id.")
CriterionId = Annotated[
    str,
    Path(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="A reviewer item of the scoring sheet, e.g. `A1` (JCM) or an item of C3P "
        "Table 6; `GET .../review` lists them.",
    ),
]
Required = text(2000)
_OFFICE = (401, 404, 422)
_OFFICE_WRITE = (400, 401, 403, 404, 422)


# --- schemas -------------------------------------------------------------------------------------
class ScreeningItemOut(Schema):
    id: int = Field(description="Item id (for deciding it).")
    clause: str = Field(description="Clause of the call the requirement comes from.")
    check: str = Field(description="Stable name of the rule.")
    subject: str = Field(description="Site or technology it is about (may be empty).")
    machine_status: str = Field(
        description="The rules core's result: `pass`, `fail` or `needs_review`."
    )
    message: str = Field(description="The rules core's finding, in the request's language.")
    decision: Literal["", "pass", "fail"] = Field(
        description="The office's decision (empty until decided)."
    )
    reason: str = Field(description="The office's reason (required where it departs).")
    decided_at: dt.datetime | None = Field(description="When it was decided (+09:00).")


class ScreeningOut(Schema):
    id: int = Field(description="Screening id.")
    proposal_id: int = Field(description="The proposal.")
    version: int = Field(description="Number of the submitted version screened.")
    rulebook: str = Field(description="Rulebook id and version that produced the items.")
    started_at: dt.datetime = Field(description="Started (+09:00).")
    completed_at: dt.datetime | None = Field(description="Completed (+09:00), if it is.")
    outcome: Literal["", "pass", "fail"] = Field(
        description="Pass only if every item passes (empty until completed)."
    )
    items: list[ScreeningItemOut] = Field(description="The requirements screened, in order.")


class ReviewDecisionIn(Schema):
    decision: Literal["pass", "fail"] = Field(description="Whether the requirement is met.")
    reason: Reason = Field(
        default="",
        description="Required where the decision differs from the rules core's result or the "
        "item needed the office's confirmation.",
    )


class AssignIn(Schema):
    proposal_ids: list[Id] = Field(
        min_length=1, max_length=500, description="Proposals whose basic screening passed."
    )
    reviewer_ids: list[Id] = Field(
        min_length=1, max_length=500, description="Active users with the reviewer role."
    )
    per_proposal: int = Field(
        ge=1, le=100, description="Reviewers each proposal should have (without a conflict)."
    )


class AssignmentOut(Schema):
    id: int = Field(description="Assignment id.")
    proposal_id: int = Field(description="The proposal reviewed.")
    reviewer_id: int = Field(description="The reviewer.")
    reviewer: str = Field(description="The reviewer's name.")
    assigned_at: dt.datetime = Field(description="Assigned (+09:00).")
    declaration: Literal["undeclared", "conflict", "no_conflict"] = Field(
        description="The reviewer's conflict-of-interest declaration."
    )
    declared_at: dt.datetime | None = Field(description="Declared (+09:00).")
    scored: int = Field(description="Reviewer items scored so far.")
    submitted_at: dt.datetime | None = Field(description="Review submitted (+09:00).")
    reviewed_version: int | None = Field(
        description="Number of the proposal version the submitted review covers (null until "
        "submitted). Older than the latest version after a revision: such a review does not "
        "count until the office reopens it (`POST .../reopen`) and it is submitted again."
    )


class DeclarationIn(Schema):
    has_conflict: bool = Field(description="True if you have a conflict of interest.")
    note: Reason = Field(default="", description="What the conflict is (optional).")


class ReasonIn(Schema):
    reason: Required = Field(description="Why (recorded in the audit trail; told the reviewer).")


class ScoreIn(Schema):
    points: int = Field(ge=0, le=1000, description="Whole points, 0 to the item's maximum.")
    justification: Required = Field(description="Why these points (required).")


class ScoreOut(Schema):
    criterion: str = Field(description="The reviewer item.")
    points: int = Field(description="Points given.")
    justification: str = Field(description="The reviewer's justification.")
    scored_at: dt.datetime = Field(description="Scored (+09:00).")


class CriterionOut(Schema):
    id: str = Field(description="Item id, for `PUT .../scores/{criterion}`.")
    name: str = Field(description="Name of the item in the request's language.")
    clause: str = Field(description="Clause of the call.")
    max: int = Field(description="Maximum points.")


class ReviewOut(Schema):
    assignment: AssignmentOut = Field(description="The assignment.")
    criteria: list[CriterionOut] = Field(description="The items a reviewer scores, in order.")
    scores: list[ScoreOut] = Field(description="Your scores so far.")


class CriterionSummaryOut(Schema):
    criterion: CriterionOut = Field(description="The reviewer item.")
    points: list[int] = Field(description="Points of each submitted review.")
    mean: Decimal | None = Field(description="Mean (2 places, half up), once reviewed.")
    spread: int | None = Field(description="Highest minus lowest points.")
    divergent: bool = Field(description="The reviewers' points diverge widely.")


class ComputedItemOut(Schema):
    id: str = Field(description="Item id.")
    name: str = Field(description="Name in the request's language.")
    clause: str = Field(description="Clause of the call.")
    max: int = Field(description="Maximum points.")
    points: int = Field(description="Points computed by the rules core.")
    provisional: bool = Field(description="The figure needs the office's confirmation.")


class SummaryOut(Schema):
    proposal_id: int = Field(description="The proposal.")
    rulebook: str = Field(description="Rulebook that assessed the latest version.")
    criteria: list[CriterionSummaryOut] = Field(description="Reviewer items.")
    computed: list[ComputedItemOut] = Field(description="Items computed by the rules core.")
    reviewer_total: Decimal = Field(description="Sum of the reviewer items' means.")
    computed_total: int = Field(description="Sum of the computed items.")
    total: Decimal = Field(description="The proposal's total score.")
    submitted: int = Field(description="Number of submitted reviews.")
    assignments: list[AssignmentOut] = Field(description="Every assignment, with conflicts.")


class RankedOut(Schema):
    rank: int = Field(description="1 for the highest total score.")
    proposal_id: int = Field(description="The proposal.")
    receipt_number: str = Field(description="Its receipt number.")
    title: str = Field(description="Project title.")
    total_score: Decimal = Field(description="Total score (reviewers' means and computed).")
    amount_jpy: int = Field(
        description="JCM: the subsidy assessed; C3P: the contract total incl. tax (3.3 (3))."
    )
    cap_jpy: int | None = Field(description="The amount's cap per proposal (C3P), if any.")
    cumulative_jpy: int = Field(description="This amount and every amount ranked above it.")
    funded: bool = Field(description="Above the funding line.")
    fits_remaining: bool = Field(
        description="Below the line, but fits in what the funded proposals leave."
    )


class RankingOut(Schema):
    round_id: int = Field(description="The round.")
    budget_jpy: int | None = Field(
        description="The round's budget, else the call's; none: no funding line."
    )
    rows: list[RankedOut] = Field(description="Proposals with a submitted review, by rank.")


# --- conversions and visibility ------------------------------------------------------------------
def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def _screening_out(s: Screening) -> ScreeningOut:
    english = _english()
    return ScreeningOut(
        id=s.pk,
        proposal_id=s.proposal_id,
        version=s.version.number,
        rulebook=f"{s.rulebook_id} v{s.rulebook_version}",
        started_at=jst(s.started_at),
        completed_at=jst(s.completed_at),
        outcome=s.outcome,
        items=[
            ScreeningItemOut(
                id=i.pk,
                clause=i.clause,
                check=i.check_id,
                subject=i.subject,
                machine_status=i.machine_status,
                message=i.message_en if english else i.message_ja,
                decision=i.decision,
                reason=i.reason,
                decided_at=jst(i.decided_at),
            )
            for i in s.items.all()
        ],
    )


def _declaration(a: ReviewAssignment) -> str:
    if a.has_conflict is None:
        return "undeclared"
    return "conflict" if a.has_conflict else "no_conflict"


def _assignment_out(a: ReviewAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk,
        proposal_id=a.proposal_id,
        reviewer_id=a.reviewer_id,
        reviewer=a.reviewer.get_full_name() or a.reviewer.username,
        assigned_at=jst(a.assigned_at),
        declaration=_declaration(a),
        declared_at=jst(a.coi_declared_at),
        scored=a.scores.count(),
        submitted_at=jst(a.submitted_at),
        reviewed_version=a.version.number if a.version_id else None,
    )


def _criterion_out(c: reviewing.Criterion) -> CriterionOut:
    return CriterionOut(id=c.id, name=c.name, clause=c.clause, max=c.max)


def _score_out(s) -> ScoreOut:
    return ScoreOut(
        criterion=s.criterion,
        points=s.points,
        justification=s.justification,
        scored_at=jst(s.scored_at),
    )


def _office(request: HttpRequest) -> None:
    """The office's business: anyone else is answered 404, as on the pages."""
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


def _office_proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    _office(request)
    return visible_proposal(request, proposal_id)


def _screening(request: HttpRequest, screening_id: int) -> Screening:
    _office(request)
    screening = visible_or_404(Screening.objects.select_related("version"), screening_id)
    visible_proposal(request, screening.proposal_id)  # the office sees submitted proposals
    return screening


def _assignment(request: HttpRequest, assignment_id: int) -> ReviewAssignment:
    """An assignment its reviewer or the office may see (404 for anyone else)."""
    return visible_or_404(assignments_for(request.user), assignment_id)


def _own_review(request: HttpRequest, assignment_id: int) -> ReviewAssignment:
    """The reviewer's own assignment once they declared no conflict (as the scoring page)."""
    assignment = _assignment(request, assignment_id)
    if not access.can(request.user, "view_review", assignment):
        raise Http404
    return assignment


# --- basic screening (別添2 3.(1); C3P 3.2, 3.4) -------------------------------------------------
@router.get(
    "/proposals/{proposal_id}/screening",
    summary="The basic screening of the latest version (office)",
    **op({200: (ScreeningOut, "The screening with its items.")}, *_OFFICE),
)
def screening_detail(request, proposal_id: ProposalId) -> ScreeningOut:
    """The screening of the proposal's latest submitted version; 404 when none was started."""
    proposal = _office_proposal(request, proposal_id)
    version = proposal.versions.order_by("-number").first()
    screening = Screening.objects.filter(proposal=proposal, version=version).first()
    if screening is None:
        raise Http404
    return _screening_out(screening)


@router.post(
    "/proposals/{proposal_id}/screening",
    summary="Start the basic screening of the latest version (office)",
    **op({200: (ScreeningOut, "Started, or the one already started.")}, *_OFFICE_WRITE),
)
def screening_start(request, proposal_id: ProposalId) -> ScreeningOut:
    """Items from the rules core's assessment of the latest submitted version (JCM: the
    eligibility section; C3P: eligibility and documents); starting twice returns the same one."""
    proposal = _office_proposal(request, proposal_id)
    return _screening_out(services.screening_start(actor=request.user, proposal=proposal))


@router.post(
    "/screening-items/{item_id}/decision",
    summary="Decide a screening item (office)",
    **op({200: (ScreeningOut, "Decided.")}, *_OFFICE_WRITE),
)
def screening_item_decide(request, item_id: ItemId, body: ReviewDecisionIn) -> ScreeningOut:
    """Pass or fail; a reason is required where the decision departs from the rules core or
    the item needed the office's confirmation. Refused (422) once the screening is complete."""
    _office(request)
    item = visible_or_404(ScreeningItem.objects.all(), item_id)
    screening = _screening(request, item.screening_id)
    services.screening_item_decide(
        actor=request.user, item=item, decision=body.decision, reason=body.reason
    )
    return _screening_out(screening)


@router.post(
    "/screenings/{screening_id}/complete",
    summary="Complete the basic screening (office)",
    **op({200: (ScreeningOut, "Completed, with its outcome.")}, *_OFFICE_WRITE),
)
def screening_complete(request, screening_id: ScreeningId) -> ScreeningOut:
    """Once every item is decided: the outcome is pass only if every item passes (別添2 3.(1))."""
    screening = _screening(request, screening_id)
    return _screening_out(services.screening_complete(actor=request.user, screening=screening))


# --- reviewer assignment (別添2 3.(2)) ---------------------------------------------------------
@router.get(
    "/review-assignments",
    summary="Review assignments visible to you (reviewers: yours; the office: all)",
    **op({200: (list[AssignmentOut], "By proposal, then reviewer.")}, 401),
)
def assignments_list(request) -> list[AssignmentOut]:
    """A reviewer sees their own assignments (a proposal opens once they declare no conflict);
    the office sees every assignment; anyone else an empty list."""
    qs = assignments_for(request.user).select_related("reviewer", "version")
    qs = qs.order_by("proposal_id", "pk")
    return [_assignment_out(a) for a in qs]


@router.post(
    "/review-assignments",
    summary="Assign reviewers, balancing their loads (office)",
    **op({200: (list[AssignmentOut], "The assignments made.")}, *_OFFICE_WRITE),
)
def assignments_create(request, body: AssignIn) -> list[AssignmentOut]:
    """Give each proposal `per_proposal` distinct reviewers, always the least-loaded; reviewers
    already on a proposal count towards it (run it again after a conflict to replace one).
    Refused (422) for a proposal whose basic screening has not passed."""
    _office(request)
    proposals = [visible_proposal(request, pk) for pk in dict.fromkeys(body.proposal_ids)]
    made = reviewing.review_assign_balanced(
        actor=request.user,
        proposals=proposals,
        reviewers=User.objects.filter(pk__in=body.reviewer_ids),
        per_proposal=body.per_proposal,
    )
    return [_assignment_out(a) for a in made]


@router.post(
    "/review-assignments/{assignment_id}/withdraw",
    summary="Withdraw an assignment nothing was scored on (office)",
    **op({200: (list[AssignmentOut], "The proposal's remaining assignments.")}, *_OFFICE_WRITE),
)
def assignment_withdraw(
    request, assignment_id: AssignmentId, body: ReasonIn
) -> list[AssignmentOut]:
    """Only while nothing has been scored on it; the reason is audited and the reviewer told."""
    _office(request)
    assignment = _assignment(request, assignment_id)
    proposal_id = assignment.proposal_id
    reviewing.review_withdraw(actor=request.user, assignment=assignment, reason=body.reason)
    qs = assignments_for(request.user).filter(proposal_id=proposal_id).select_related("reviewer")
    return [_assignment_out(a) for a in qs.order_by("pk")]


@router.post(
    "/review-assignments/{assignment_id}/reopen",
    summary="Reopen a review submitted on an earlier version, for the latest (office)",
    **op(
        {200: (AssignmentOut, "Open again; the reviewer is asked to review the latest version.")},
        *_OFFICE_WRITE,
    ),
)
def assignment_reopen(request, assignment_id: AssignmentId, body: ReasonIn) -> AssignmentOut:
    """After a revision, a review submitted on an earlier version no longer counts: reopen it
    with a reason (audited, with the scores submitted) and the reviewer is asked to review the
    latest version, starting from their earlier scores. Refused (422) for a review that is not
    submitted or already covers the latest version."""
    _office(request)
    assignment = _assignment(request, assignment_id)
    if not access.can(request.user, "view_reviews", assignment.proposal):
        raise Http404  # as the page: the summary's proposal must be the office's to see
    done = reviewing.review_reopen(actor=request.user, assignment=assignment, reason=body.reason)
    return _assignment_out(done)


# --- conflict of interest ----------------------------------------------------------------------
@router.post(
    "/review-assignments/{assignment_id}/declaration",
    summary="Declare whether you have a conflict of interest (the assigned reviewer)",
    **op({200: (AssignmentOut, "Declared.")}, 400, 401, 403, 404, 422),
)
def assignment_declare(request, assignment_id: AssignmentId, body: DeclarationIn):
    """Once, before anything of the proposal is shown; to change it, ask the office."""
    assignment = _assignment(request, assignment_id)
    if access.role_of(request.user) != Role.REVIEWER:
        raise Http404  # the declaration is the reviewer's own
    done = reviewing.review_declare_conflict(
        actor=request.user, assignment=assignment, has_conflict=body.has_conflict, note=body.note
    )
    return _assignment_out(done)


@router.post(
    "/review-assignments/{assignment_id}/reset-conflict",
    summary="Reset a reviewer's declaration (office)",
    **op({200: (AssignmentOut, "Back to undeclared.")}, *_OFFICE_WRITE),
)
def assignment_reset_conflict(request, assignment_id: AssignmentId, body: ReasonIn):
    """Only while nothing has been scored on it; the reviewer is asked to declare again."""
    _office(request)
    assignment = _assignment(request, assignment_id)
    done = reviewing.review_reset_conflict(
        actor=request.user, assignment=assignment, reason=body.reason
    )
    return _assignment_out(done)


# --- scores and the submitted review -----------------------------------------------------------
@router.get(
    "/review-assignments/{assignment_id}/review",
    summary="Your review: the items to score and your scores (the assigned reviewer)",
    **op({200: (ReviewOut, "The scoring sheet and your scores.")}, 401, 404, 422),
)
def review_detail(request, assignment_id: AssignmentId) -> ReviewOut:
    """Once you declared no conflict of interest (404 before, as the scoring page)."""
    assignment = _own_review(request, assignment_id)
    return ReviewOut(
        assignment=_assignment_out(assignment),
        criteria=[_criterion_out(c) for c in reviewing.reviewer_criteria(assignment.proposal)],
        scores=[_score_out(s) for s in assignment.scores.order_by("pk")],
    )


@router.put(
    "/review-assignments/{assignment_id}/scores/{criterion}",
    summary="Score a reviewer item with its justification (the assigned reviewer)",
    **op({200: (ScoreOut, "Saved.")}, 400, 401, 403, 404, 422),
)
def review_score(
    request, assignment_id: AssignmentId, criterion: CriterionId, body: ScoreIn
) -> ScoreOut:
    """Whole points from 0 to the item's maximum and a justification; until the review is
    submitted, scoring again replaces the score."""
    assignment = _own_review(request, assignment_id)
    score = reviewing.review_score(
        actor=request.user,
        assignment=assignment,
        criterion=criterion,
        points=body.points,
        justification=body.justification,
    )
    return _score_out(score)


@router.post(
    "/review-assignments/{assignment_id}/submit",
    summary="Submit your review (the assigned reviewer)",
    **op({200: (AssignmentOut, "Submitted; the scores are final.")}, 401, 403, 404, 422),
)
def review_submit(request, assignment_id: AssignmentId) -> AssignmentOut:
    """Once every reviewer item is scored (422 lists those still open)."""
    assignment = _own_review(request, assignment_id)
    return _assignment_out(reviewing.review_submit(actor=request.user, assignment=assignment))


# --- what the office reads ---------------------------------------------------------------------
@router.get(
    "/proposals/{proposal_id}/reviews",
    summary="The review summary of a proposal (office)",
    **op({200: (SummaryOut, "Means per item, computed items and the total.")}, *_OFFICE),
)
def review_summary(request, proposal_id: ProposalId) -> SummaryOut:
    """Means of the submitted reviews per reviewer item (2 places, half up), with their spread,
    the items computed by the rules core, and every assignment with its declaration."""
    proposal = _office_proposal(request, proposal_id)
    if not access.can(request.user, "view_reviews", proposal):
        raise Http404
    s = reviewing.review_summary(proposal)
    return SummaryOut(
        proposal_id=proposal.pk,
        rulebook=s.rulebook,
        criteria=[
            CriterionSummaryOut(
                criterion=_criterion_out(r.criterion),
                points=list(r.points),
                mean=r.mean,
                spread=r.spread,
                divergent=r.divergent,
            )
            for r in s.criteria
        ],
        computed=[
            ComputedItemOut(
                id=i.id,
                name=i.name,
                clause=i.clause,
                max=i.max,
                points=i.points,
                provisional=i.provisional,
            )
            for i in s.computed
        ],
        reviewer_total=s.reviewer_total,
        computed_total=s.computed_total,
        total=s.total,
        submitted=s.submitted,
        assignments=[_assignment_out(a) for a in s.assignments],
    )


@router.get(
    "/rounds/{round_id}/ranking",
    summary="The ranking within the round's budget, with the funding line (office)",
    **op({200: (RankingOut, "Proposals with a submitted review, by rank.")}, *_OFFICE),
)
def ranking(request, round_id: RoundId) -> RankingOut:
    """The proposals of the round with at least one submitted review, by total score, within
    the round's budget (else the call's; without one, no funding line), as the ranking page."""
    _office(request)
    chosen = Round.objects.select_related("call").filter(pk=round_id).first()
    if chosen is None:
        raise Http404
    ranking = round_ranking(request.user, chosen)  # the ranking page's selector
    return RankingOut(
        round_id=chosen.pk,
        budget_jpy=ranking.budget_jpy,
        rows=[
            RankedOut(
                rank=row.ranked.rank,
                proposal_id=row.proposal.pk,
                receipt_number=row.ranked.candidate.receipt,
                title=row.proposal.title,
                total_score=row.ranked.candidate.score,
                amount_jpy=row.ranked.candidate.subsidy_jpy,
                cap_jpy=row.cap_jpy,
                cumulative_jpy=row.ranked.cumulative_jpy,
                funded=row.ranked.funded,
                fits_remaining=row.ranked.fits_remaining,
            )
            for row in ranking.rows
        ],
    )
