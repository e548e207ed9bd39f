"""Evaluation by reviewers (JCM 別添2 3.(2); C3P Table 6): balanced assignment, the
conflict-of-interest declaration that gates access, per-criterion scores with justification,
submission and the office's summary. Criteria are the rulebook's ``scoring.items`` with
``source: reviewer``; the computed items (JCM E, F; C3P cost-effectiveness, GHG, engineer
workload, past collaboration, EMS, WLB, targets) come from the rules core's assessment, never
from a reviewer. A C3P item's maximum depends on the project's column of Table 6 (new or
ongoing), read from the latest submitted version; an item with "-" in that column is not scored.

The office may undo a reviewer's declaration or withdraw an assignment while nothing has been
scored on it. Each write is atomic and audited, and decides on fresh rows under
``select_for_update``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.calls.models import Program
from renkei.proposals.assessed import version_assessment
from renkei.proposals.models import Proposal, ProposalVersion
from renkei.reviews.models import ReviewAssignment, Score
from renkei.rules import load_rulebook
from renkei.services import NotAllowed, ServiceError

DIVERGENCE_SHARE = Decimal("0.30")
"""Reviewers' points on a criterion "diverge widely" when max − min exceeds this share of the
criterion's maximum (e.g. more than 3 of 10, more than 6 of 20). The issue gives no figure: this
is Renkei's reading, and the office may change it."""

_CENT = Decimal("0.01")
PROJECT_TYPES = ("new", "ongoing")


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


@dataclass(frozen=True)
class Criterion:
    """A scoring item as the platform shows it; ``name`` follows the UI language."""

    id: str
    name_ja: str
    name_en: str
    clause: str
    max: int

    @property
    def name(self) -> str:
        return self.name_en if _english() and self.name_en else self.name_ja


@dataclass(frozen=True)
class ScoringSheet:
    """The items of one proposal's evaluation, with their maxima for its program (and, for
    C3P, its project type)."""

    program: str
    project_type: str | None  # C3P: "new" or "ongoing"; None for JCM (one column)
    clause: str
    reviewer: tuple[Criterion, ...]
    computed: tuple[Criterion, ...]
    maximum: int | None  # the sheet's total where the rulebook gives one (C3P: 185)


def project_type(proposal: Proposal, version: ProposalVersion | None = None) -> str:
    """A C3P proposal's column of Table 6, from its latest submitted version (or the draft)."""
    version = version or proposal.versions.order_by("-number").first()
    document = version.document if version is not None else proposal.document
    value = (document.get("project") or {}).get("type") if isinstance(document, dict) else None
    return value if value in PROJECT_TYPES else "new"


def scoring_sheet(proposal: Proposal, version: ProposalVersion | None = None) -> ScoringSheet:
    book = load_rulebook(proposal.call.rulebook_id)
    scoring = getattr(book, "scoring", None)
    if scoring is None:
        raise ServiceError(_("This call has no reviewer scoring."))
    if proposal.call.program == Program.C3P:
        kind: str | None = project_type(proposal, version)
        maxima = {i.id: i.max_for(kind) for i in scoring.items}
        maximum: int | None = scoring.total_for(kind)
    else:
        kind, maximum = None, None
        maxima = {i.id: i.max for i in scoring.items}

    def criteria(source: str) -> tuple[Criterion, ...]:
        return tuple(
            Criterion(i.id, i.name_ja, i.name("en"), i.clause, maxima[i.id])
            for i in scoring.items
            if i.source == source and maxima[i.id] is not None
        )

    return ScoringSheet(
        program=proposal.call.program,
        project_type=kind,
        clause=scoring.clause,
        reviewer=criteria("reviewer"),
        computed=criteria("computed"),
        maximum=maximum,
    )


def reviewer_criteria(proposal: Proposal) -> list[Criterion]:
    """The items a reviewer scores, in the rulebook's order (JCM: A1, A2, B1, B2, B3, C, D;
    C3P: the committee's items of Table 6 in the proposal's column)."""
    return list(scoring_sheet(proposal).reviewer)


def _deny() -> NotAllowed:
    return NotAllowed(_("You are not allowed to do this."))


def review_assign_balanced(
    *,
    actor: Any,
    proposals: Iterable[Proposal],
    reviewers: Iterable[Any],
    per_proposal: int,
) -> list[ReviewAssignment]:
    """Give each proposal ``per_proposal`` distinct reviewers, always choosing the least-loaded.

    A reviewer's load counts their assignments without a declared conflict; ties go to the lower
    id, and proposals are taken in id order, so the result is deterministic. Reviewers already on
    a proposal are skipped, and they (if not conflicted) count towards its ``per_proposal``: run it
    again after a conflict is declared to assign a replacement. Starting from loads that differ
    by at most one, they still do afterwards."""
    if access.role_of(actor) != Role.OFFICE:
        raise _deny()
    reviewer_ids = sorted({r.pk for r in reviewers})
    if per_proposal < 1:
        raise ServiceError(_("Assign at least one reviewer to each proposal."))
    if per_proposal > len(reviewer_ids):
        raise ServiceError(
            _("%(n)s reviewers per proposal need at least %(n)s reviewers; %(m)s were chosen.")
            % {"n": per_proposal, "m": len(reviewer_ids)}
        )
    created: list[ReviewAssignment] = []
    with transaction.atomic():
        locked = list(
            Proposal.objects.select_for_update()
            .select_related("call")
            .filter(pk__in=[p.pk for p in proposals])
            .order_by("pk")
        )
        for proposal in locked:
            if not access.can(actor, "assign_reviewers", proposal):
                raise ServiceError(
                    _("Reviewers can be assigned only once basic screening has passed: %(p)s")
                    % {"p": proposal.receipt_number or proposal.title}
                )
        pool = list(
            get_user_model()
            .objects.filter(pk__in=reviewer_ids, role=Role.REVIEWER, is_active=True)
            .annotate(
                load=Count(
                    "review_assignments",
                    filter=~Q(review_assignments__has_conflict=True),
                )
            )
            .order_by("pk")
        )
        if len(pool) != len(reviewer_ids):
            raise ServiceError(_("Only active users with the reviewer role can be assigned."))
        load = {u.pk: u.load for u in pool}
        users = {u.pk: u for u in pool}
        now = clock.now()
        for proposal in locked:
            existing = dict(
                ReviewAssignment.objects.filter(proposal=proposal).values_list(
                    "reviewer_id", "has_conflict"
                )
            )
            needed = per_proposal - sum(1 for c in existing.values() if c is not True)
            candidates = sorted(
                (pk for pk in reviewer_ids if pk not in existing), key=lambda pk: (load[pk], pk)
            )
            chosen = candidates[: max(needed, 0)]
            for pk in chosen:
                a = ReviewAssignment.objects.create(
                    proposal=proposal, reviewer=users[pk], assigned_by=actor, assigned_at=now
                )
                load[pk] += 1
                created.append(a)
            if chosen:
                audit_record(
                    actor=actor,
                    obj=proposal,
                    action="review_assign",
                    payload={"reviewers": chosen, "per_proposal": per_proposal},
                )
    return created


def review_declare_conflict(
    *, actor: Any, assignment: ReviewAssignment, has_conflict: bool, note: str = ""
) -> ReviewAssignment:
    """The reviewer's declaration, once, before anything of the proposal is shown to them."""
    with transaction.atomic():
        assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
        if access.role_of(actor) != Role.REVIEWER or assignment.reviewer_id != actor.pk:
            raise _deny()
        if assignment.has_conflict is not None:
            raise ServiceError(
                _("You have already declared; ask the program office to change the declaration.")
            )
        assignment.has_conflict = bool(has_conflict)
        assignment.coi_note = note.strip()
        assignment.coi_declared_at = clock.now()
        assignment.save()
        audit_record(
            actor=actor,
            obj=assignment.proposal,
            action="review_declare_conflict",
            to_state="conflict" if assignment.has_conflict else "no_conflict",
            payload={"assignment": assignment.pk, "note": assignment.coi_note},
        )
    return assignment


def _open_assignment(actor: Any, assignment: ReviewAssignment) -> ReviewAssignment:
    fresh = (
        ReviewAssignment.objects.select_for_update()
        .select_related("proposal__call")
        .get(pk=assignment.pk)
    )
    if access.role_of(actor) != Role.REVIEWER or fresh.reviewer_id != actor.pk:
        raise _deny()
    if fresh.has_conflict is not False:
        raise NotAllowed(
            _("Declare that you have no conflict of interest before scoring this proposal.")
            if fresh.has_conflict is None
            else _("You declared a conflict of interest: this proposal is not yours to score.")
        )
    if fresh.submitted_at is not None:
        raise ServiceError(_("This review has been submitted; it can no longer be changed."))
    return fresh


def review_score(
    *,
    actor: Any,
    assignment: ReviewAssignment,
    criterion: str,
    points: int,
    justification: str,
) -> Score:
    with transaction.atomic():
        assignment = _open_assignment(actor, assignment)
        criteria = {c.id: c for c in reviewer_criteria(assignment.proposal)}
        item = criteria.get(criterion)
        if item is None:
            raise ServiceError(
                _("%(c)s is not a reviewer item; score one of %(ids)s.")
                % {"c": criterion, "ids": ", ".join(criteria)}
            )
        if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= item.max:
            raise ServiceError(
                _("%(id)s (%(clause)s) takes whole points from 0 to %(max)s; %(got)s was given.")
                % {"id": item.id, "clause": item.clause, "max": item.max, "got": points}
            )
        justification = (justification or "").strip()
        if not justification:
            raise ServiceError(
                _("Give the justification for %(id)s (%(clause)s).")
                % {"id": item.id, "clause": item.clause}
            )
        previous = Score.objects.filter(assignment=assignment, criterion=item.id).first()
        score, _created = Score.objects.update_or_create(
            assignment=assignment,
            criterion=item.id,
            defaults={"points": points, "justification": justification, "scored_at": clock.now()},
        )
        audit_record(
            actor=actor,
            obj=assignment.proposal,
            action="review_score",
            from_state="" if previous is None else str(previous.points),
            to_state=str(points),
            payload={"assignment": assignment.pk, "criterion": item.id, "clause": item.clause},
        )
    return score


def review_submit(*, actor: Any, assignment: ReviewAssignment) -> ReviewAssignment:
    """Submit once every reviewer item is scored; the scores are then final."""
    with transaction.atomic():
        assignment = _open_assignment(actor, assignment)
        scored = set(assignment.scores.values_list("criterion", flat=True))
        missing = [c for c in reviewer_criteria(assignment.proposal) if c.id not in scored]
        if missing:
            raise ServiceError(
                _("Score every item before submitting; still open: %(items)s")
                % {"items": ", ".join(f"{c.id} ({c.clause})" for c in missing)}
            )
        version = assignment.proposal.versions.order_by("-number").first()
        assignment.submitted_at, assignment.version = clock.now(), version
        assignment.save()
        audit_record(
            actor=actor,
            obj=assignment.proposal,
            action="review_submit",
            to_state="submitted",
            payload={"assignment": assignment.pk, "version": version.number if version else None},
        )
    return assignment


def _office_assignment(actor: Any, assignment: ReviewAssignment, reason: str) -> ReviewAssignment:
    """The office's undo steps: a fresh, locked assignment with nothing scored, and a reason."""
    fresh = (
        ReviewAssignment.objects.select_for_update()
        .select_related("proposal", "reviewer")
        .get(pk=assignment.pk)
    )
    if access.role_of(actor) != Role.OFFICE or not access.can(actor, "view", fresh.proposal):
        raise _deny()
    if fresh.submitted_at is not None or fresh.scores.exists():
        raise ServiceError(
            _("Scores have been given on this assignment; it can no longer be changed.")
        )
    if not (reason or "").strip():
        raise ServiceError(_("Give the reason."))
    return fresh


def _declaration_state(assignment: ReviewAssignment) -> str:
    if assignment.has_conflict is None:
        return "undeclared"
    return "conflict" if assignment.has_conflict else "no_conflict"


def _tell_reviewer(assignment: ReviewAssignment, message: str, **values: Any) -> None:
    """An in-app notice to the reviewer, in the reviewer's language, after commit."""
    notify(
        [assignment.reviewer],
        subject="",
        message=message,
        link="/reviews/",
        values=values,
        email=False,
    )


def review_reset_conflict(
    *, actor: Any, assignment: ReviewAssignment, reason: str
) -> ReviewAssignment:
    """The office undoes a reviewer's conflict-of-interest declaration (e.g. declared by
    mistake): the assignment is back to undeclared, the proposal hidden from the reviewer until
    they declare again. Only while nothing has been scored on it; the reason is audited."""
    with transaction.atomic():
        assignment = _office_assignment(actor, assignment, reason)
        before = _declaration_state(assignment)
        if before == "undeclared":
            raise ServiceError(_("The reviewer has not declared yet; there is nothing to reset."))
        note = assignment.coi_note
        assignment.has_conflict = None
        assignment.coi_declared_at = None
        assignment.coi_note = ""
        assignment.save()
        audit_record(
            actor=actor,
            obj=assignment.proposal,
            action="review_reset_conflict",
            from_state=before,
            to_state="undeclared",
            payload={
                "assignment": assignment.pk,
                "reviewer": assignment.reviewer_id,
                "reason": reason.strip(),
                "previous_note": note,
            },
        )
        _tell_reviewer(
            assignment,
            gettext_noop(
                "The program office reset your conflict-of-interest declaration for %(p)s; "
                "declare again before reviewing it."
            ),
            p=assignment.proposal.receipt_number or assignment.proposal.title,
        )
    return assignment


def review_withdraw(*, actor: Any, assignment: ReviewAssignment, reason: str) -> None:
    """The office withdraws an assignment on which nothing has been scored; the audit trail
    keeps who was assigned, their declaration and the reason."""
    with transaction.atomic():
        assignment = _office_assignment(actor, assignment, reason)
        proposal, pk = assignment.proposal, assignment.pk
        before = _declaration_state(assignment)
        audit_record(
            actor=actor,
            obj=proposal,
            action="review_withdraw",
            from_state=before,
            to_state="withdrawn",
            payload={
                "assignment": pk,
                "reviewer": assignment.reviewer_id,
                "reason": reason.strip(),
                "note": assignment.coi_note,
            },
        )
        _tell_reviewer(
            assignment,
            gettext_noop("The program office withdrew your review of %(p)s."),
            p=proposal.receipt_number or proposal.title,
        )
        assignment.delete()


def review_reopen(*, actor: Any, assignment: ReviewAssignment, reason: str) -> ReviewAssignment:
    """The office asks a reviewer to review the proposal's new version: a review submitted on
    an earlier version (before a revision) opens again, with its scores kept as the starting
    point; the submitted scores stay in the audit trail. Until it is submitted again it does not
    count in the summary or the ranking."""
    with transaction.atomic():
        fresh = (
            ReviewAssignment.objects.select_for_update()
            .select_related("proposal")  # not the nullable version: PostgreSQL refuses
            .get(pk=assignment.pk)
        )
        if access.role_of(actor) != Role.OFFICE or not access.can(actor, "view", fresh.proposal):
            raise _deny()
        latest = fresh.proposal.versions.order_by("-number").first()
        if fresh.submitted_at is None or fresh.version_id == getattr(latest, "pk", None):
            raise ServiceError(
                _("Only a review submitted on an earlier version of the proposal can be reopened.")
            )
        if not (reason or "").strip():
            raise ServiceError(_("Give the reason."))
        old = fresh.version.number if fresh.version else None
        scores = dict(fresh.scores.values_list("criterion", "points"))
        fresh.submitted_at, fresh.version = None, None
        fresh.save()
        audit_record(
            actor=actor,
            obj=fresh.proposal,
            action="review_reopen",
            from_state="submitted",
            to_state="open",
            payload={
                "assignment": fresh.pk,
                "reviewed_version": old,
                "new_version": latest.number if latest else None,
                "scores": scores,
                "reason": reason.strip(),
            },
        )
        _tell_reviewer(
            fresh,
            _(
                "The proposal %(p)s was revised (version %(n)s); the program office asks you to "
                "review it again. Your earlier scores are kept as a starting point."
            )
            % {"p": fresh.proposal.receipt_number or fresh.proposal.title, "n": latest.number},
        )
    return fresh


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSummary:
    criterion: Criterion
    points: tuple[int, ...]
    mean: Decimal | None
    spread: int | None
    divergent: bool


@dataclass(frozen=True)
class ComputedItem:
    id: str
    name_ja: str
    name_en: str
    clause: str
    max: int
    points: int
    provisional: bool

    @property
    def name(self) -> str:
        return self.name_en if _english() and self.name_en else self.name_ja


@dataclass(frozen=True)
class ReviewSummary:
    proposal: Proposal
    criteria: tuple[CriterionSummary, ...]
    computed: tuple[ComputedItem, ...]
    reviewer_total: Decimal
    computed_total: int
    total: Decimal
    submitted: int
    assignments: tuple[ReviewAssignment, ...]
    rulebook: str
    sheet: ScoringSheet | None = None
    stale: tuple[ReviewAssignment, ...] = ()

    @property
    def conflicts(self) -> tuple[ReviewAssignment, ...]:
        return tuple(a for a in self.assignments if a.has_conflict)


def is_divergent(points: Sequence[int], maximum: int) -> bool:
    return bool(points) and (max(points) - min(points)) > DIVERGENCE_SHARE * maximum


def _means(sheet: ScoringSheet, points: dict[str, list[int]]) -> list[CriterionSummary]:
    rows = []
    for c in sheet.reviewer:
        pts = tuple(points.get(c.id, ()))
        mean = (Decimal(sum(pts)) / len(pts)).quantize(_CENT, ROUND_HALF_UP) if pts else None
        rows.append(
            CriterionSummary(
                c, pts, mean, max(pts) - min(pts) if pts else None, is_divergent(pts, c.max)
            )
        )
    return rows


def _computed(sheet: ScoringSheet, version: ProposalVersion | None) -> list[ComputedItem]:
    """The computed items' points as assessed at the version's submission."""
    if version is None:
        return []
    figures = version_assessment(version).get("figures", {})
    points = figures.get("score_items", {})
    provisional = set(figures.get("score_provisional_items", ()))
    return [
        ComputedItem(
            c.id,
            c.name_ja,
            c.name_en,
            c.clause,
            c.max,
            int(points.get(c.id, 0)),
            c.id in provisional,
        )
        for c in sheet.computed
    ]


def counts(assignment: ReviewAssignment, latest: ProposalVersion | None) -> bool:
    """A submitted review counts for the proposal's latest version only."""
    return assignment.submitted_at is not None and (
        latest is None or assignment.version_id in (None, latest.pk)
    )


def review_summary(proposal: Proposal) -> ReviewSummary:
    """Means of the reviews submitted on the latest version per criterion (2 places,
    half-up), plus the computed items' points of that version's assessment (JCM E/F, C3P
    Table 6's computed items). Reviews of an earlier version are listed (``stale``), not
    counted. Permission is the caller's check (``access.can(user, "view_reviews", proposal)``)."""
    version = proposal.versions.order_by("-number").first()
    sheet = scoring_sheet(proposal, version)
    assignments = tuple(
        proposal.review_assignments.select_related("reviewer", "version")
        .annotate(n_scores=Count("scores"))
        .order_by("reviewer_id")
    )
    submitted_ids = [a.pk for a in assignments if counts(a, version)]
    by_criterion: dict[str, list[int]] = {}
    for criterion, pts in (
        Score.objects.filter(assignment_id__in=submitted_ids)
        .order_by("assignment_id")
        .values_list("criterion", "points")
    ):
        by_criterion.setdefault(criterion, []).append(pts)
    rows = _means(sheet, by_criterion)
    computed = _computed(sheet, version)
    rulebook = f"{version.rulebook_id} v{version.rulebook_version}" if version else ""
    reviewer_total = sum((r.mean for r in rows if r.mean is not None), Decimal("0.00"))
    computed_total = sum(i.points for i in computed)
    return ReviewSummary(
        proposal=proposal,
        criteria=tuple(rows),
        computed=tuple(computed),
        reviewer_total=reviewer_total,
        computed_total=computed_total,
        total=reviewer_total + computed_total,
        submitted=len(submitted_ids),
        assignments=assignments,
        rulebook=rulebook,
        sheet=sheet,
        stale=tuple(
            a for a in assignments if a.submitted_at is not None and not counts(a, version)
        ),
    )


def review_totals(
    proposals: Sequence[Proposal], latest: dict[int, ProposalVersion]
) -> dict[int, Decimal | None]:
    """``review_summary(p).total`` for many proposals in two queries (the ranking and the
    selection board): None where no review of the latest version is submitted."""
    by_proposal: dict[int, list[int]] = {}
    for pk, proposal_id, version_id in ReviewAssignment.objects.filter(
        proposal__in=[p.pk for p in proposals], submitted_at__isnull=False
    ).values_list("pk", "proposal_id", "version_id"):
        version = latest.get(proposal_id)
        if version_id is None or version is None or version_id == version.pk:
            by_proposal.setdefault(proposal_id, []).append(pk)
    points: dict[int, dict[str, list[int]]] = {}
    owner = {a: p for p, ids in by_proposal.items() for a in ids}
    for assignment_id, criterion, pts in (
        Score.objects.filter(assignment_id__in=list(owner))
        .order_by("assignment_id")
        .values_list("assignment_id", "criterion", "points")
    ):
        points.setdefault(owner[assignment_id], {}).setdefault(criterion, []).append(pts)
    out: dict[int, Decimal | None] = {}
    for p in proposals:
        if p.pk not in by_proposal:
            out[p.pk] = None
            continue
        version = latest.get(p.pk)
        sheet = scoring_sheet(p, version)
        rows = _means(sheet, points.get(p.pk, {}))
        reviewer = sum((r.mean for r in rows if r.mean is not None), Decimal("0.00"))
        out[p.pk] = reviewer + sum(i.points for i in _computed(sheet, version))
    return out
