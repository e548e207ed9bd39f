"""Office pages (intake list, basic screening, reviewer assignment, review summary) and reviewer
pages (assignments with the conflict declaration, scoring). Writes go through services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import Role, User
from renkei.calls.models import Call, Program
from renkei.proposals.assessed import failures, latest_versions, version_assessment
from renkei.proposals.models import Proposal, ProposalState, ProposalVersion
from renkei.reviews import reviewing, services
from renkei.reviews.models import Decision, ReviewAssignment, Screening, ScreeningItem
from renkei.reviews.selectors import round_ranking
from renkei.services import ServiceError
from renkei.web.lists import Column, OfficeList, chosen_round


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


def _proposal_text(p: Proposal) -> str:
    """What an office list finds a proposal by."""
    return f"{p.receipt_number or ''} {p.title} {p.organisation.name} {p.country}"


def _screening_state(s: Screening | None) -> str:
    if s is None:
        return _("Not started")
    return s.get_outcome_display() if s.outcome else _("In progress")


_INTAKE_COLUMNS = (
    Column(gettext_lazy("Receipt number"), lambda r: r.p.receipt_number),
    Column(gettext_lazy("Title"), lambda r: r.p.title),
    Column(gettext_lazy("Representative participant"), lambda r: r.p.organisation.name),
    Column(gettext_lazy("Country"), lambda r: r.p.country),
    Column(gettext_lazy("Submitted at (JST)"), lambda r: r.p.submitted_at),
    Column(
        gettext_lazy("Rules assessment"),
        lambda r: "; ".join(r.verdict.failures) or r.verdict.status if r.verdict else "",
    ),
    Column(gettext_lazy("Basic screening"), lambda r: _screening_state(r.screening)),
)


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    _office(request)
    qs = access.proposals_for(request.user).select_related("organisation").order_by("submitted_at")
    filters = {k: request.GET.get(k, "") for k in ("call", "round", "country", "state")}
    if filters["call"]:
        qs = qs.filter(call__rulebook_id=filters["call"])
    if filters["round"]:
        qs = qs.filter(round__code=filters["round"])
    if filters["country"]:
        qs = qs.filter(country=filters["country"].upper())
    if filters["state"]:
        qs = qs.filter(state=filters["state"])
    rows = intake_rows(list(qs))
    listing = OfficeList(
        request, rows, columns=_INTAKE_COLUMNS, text=lambda r: _proposal_text(r.p), name="intake"
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "reviews/intake.html",
        {
            "rows": listing.rows,
            "listing": listing,
            "filters": filters,
            "calls": Call.objects.all(),
            "states": [s for s in ProposalState.choices if s[0] != ProposalState.DRAFT],
        },
    )


def intake_rows(proposals: list[Proposal]) -> list[SimpleNamespace]:
    """Each proposal with the rules core's verdict on its latest version (stored at submission)
    and that version's screening, in a fixed number of queries."""
    latest = latest_versions(proposals)
    screenings = {
        s.version_id: s
        for s in Screening.objects.filter(
            version__in=[v.pk for v in latest.values()]
        ).prefetch_related("items")
    }
    rows = []
    for p in proposals:
        version = latest.get(p.pk)
        screening = screenings.get(version.pk) if version else None
        rows.append(
            SimpleNamespace(
                p=p,
                version=version,
                verdict=verdict(version),
                screening=screening,
                overrides=[i for i in screening.items.all() if i.overrides_machine]
                if screening
                else [],
            )
        )
    return rows


def verdict(version: ProposalVersion | None) -> SimpleNamespace | None:
    """The rules core's verdict on a version: its status and what it fails, in the page's
    language."""
    if version is None:
        return None
    stored = version_assessment(version)
    english = (get_language() or "ja").startswith("en")
    fails = [f"{f['clause']}: {f['en'] if english else f['ja']}" for f in failures(stored)]
    return SimpleNamespace(status=stored.get("status", ""), failures=fails)


@login_required
def screening(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view", proposal):
        raise Http404
    if request.method == "POST":
        try:
            services.screening_start(actor=request.user, proposal=proposal)
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("reviews:screening", pk=pk)
    version = services.latest_version(proposal)
    current = services.current_screening(proposal)
    english = (get_language() or "ja").startswith("en")
    return render(
        request,
        "reviews/screening.html",
        {
            "c3p": proposal.call.program == Program.C3P,
            "proposal": proposal,
            "version": version,
            "verdict": verdict(version),
            "screening": current,
            "earlier": proposal.screenings.exclude(pk=current.pk if current else None)
            .select_related("version")
            .order_by("-version__number"),
            "english": english,
            "items": current.items.all() if current else [],
            "decisions": Decision.choices,
            "can_screen": access.can(request.user, "screen", proposal),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    item = get_object_or_404(ScreeningItem, pk=pk)
    try:
        services.screening_item_decide(
            actor=request.user,
            item=item,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:screening", pk=item.screening.proposal_id)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    screening = get_object_or_404(Screening, pk=pk)
    try:
        done = services.screening_complete(actor=request.user, screening=screening)
        messages.success(
            request,
            _("Basic screening completed: %(outcome)s") % {"outcome": done.get_outcome_display()},
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:screening", pk=screening.proposal_id)


# --- evaluation by reviewers (別添2 3.(2)) -------------------------------------------------


def _reviewer(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.REVIEWER:
        raise Http404


@login_required
def assign(request: HttpRequest) -> HttpResponse:
    """Office: proposals whose basic screening passed, their reviewers and conflicts."""
    _office(request)
    eligible = [
        p
        for p in access.proposals_for(request.user).order_by("submitted_at")
        if access.can(request.user, "assign_reviewers", p)
    ]
    reviewers = User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk")
    if request.method == "POST":
        chosen = set(request.POST.getlist("proposal"))
        try:
            per = int(request.POST.get("per_proposal", ""))
            made = reviewing.review_assign_balanced(
                actor=request.user,
                proposals=[p for p in eligible if str(p.pk) in chosen],
                reviewers=reviewers.filter(pk__in=request.POST.getlist("reviewer")),
                per_proposal=per,
            )
            messages.success(request, _("%(n)s assignment(s) made.") % {"n": len(made)})
        except ValueError:
            messages.error(request, _("Give the number of reviewers per proposal."))
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("reviews:assign")
    rows = [(p, list(p.review_assignments.select_related("reviewer"))) for p in eligible]
    listing = OfficeList(
        request,
        rows,
        columns=_ASSIGN_COLUMNS,
        text=lambda r: _proposal_text(r[0]),
        name="reviewers",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "reviews/assign.html",
        {"rows": listing.rows, "listing": listing, "reviewers": reviewers},
    )


def _assignment_state(a: ReviewAssignment) -> str:
    if a.has_conflict:
        return _("Conflict of interest") + (f" ({a.coi_note})" if a.coi_note else "")
    if a.has_conflict is None:
        return _("Not yet declared")
    return _("Review submitted") if a.submitted_at else _("Scoring")


_ASSIGN_COLUMNS = (
    Column(gettext_lazy("Receipt number"), lambda r: r[0].receipt_number),
    Column(gettext_lazy("Title"), lambda r: r[0].title),
    Column(gettext_lazy("Representative participant"), lambda r: r[0].organisation.name),
    Column(
        gettext_lazy("Reviewers"),
        lambda r: "; ".join(f"{a.reviewer.get_username()}: {_assignment_state(a)}" for a in r[1]),
    ),
)


@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view_reviews", proposal):
        raise Http404
    result = reviewing.review_summary(proposal)
    user = request.user
    return render(
        request,
        "reviews/summary.html",
        {
            "summary": result,
            "c3p": proposal.call.program == Program.C3P,
            "threshold": int(reviewing.DIVERGENCE_SHARE * 100),
            "rows": [
                (
                    a,
                    access.can(user, "reset_conflict", a),
                    access.can(user, "withdraw_assignment", a),
                )
                for a in result.assignments
            ],
        },
    )


@login_required
@require_POST
def reset_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    """Office: undo a reviewer's conflict-of-interest declaration, with a reason."""
    _office(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk)
    if not access.can(request.user, "view_reviews", assignment.proposal):
        raise Http404
    try:
        reviewing.review_reset_conflict(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
        messages.success(
            request, _("The declaration was reset; the reviewer is asked to declare again.")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:summary", pk=assignment.proposal_id)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Office: withdraw an assignment on which nothing has been scored, with a reason."""
    _office(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk)
    proposal_id = assignment.proposal_id
    if not access.can(request.user, "view_reviews", assignment.proposal):
        raise Http404
    try:
        reviewing.review_withdraw(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The assignment was withdrawn."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:summary", pk=proposal_id)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Office: ask a reviewer to review the proposal's latest version, with a reason."""
    _office(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk)
    if not access.can(request.user, "view_reviews", assignment.proposal):
        raise Http404
    try:
        reviewing.review_reopen(
            actor=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The reviewer is asked to review the latest version."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:summary", pk=assignment.proposal_id)


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    """Reviewer home: their assignments; a proposal opens only after declaring no conflict."""
    _reviewer(request)
    assignments = ReviewAssignment.objects.filter(reviewer=request.user).select_related(
        "proposal__organisation"
    )
    rows = [(a, parties(a.proposal.document)) for a in assignments]
    return render(request, "reviews/my_reviews.html", {"rows": rows})


def parties(document: dict) -> list[str]:
    """Who takes part in a proposal, as its document names them, so that a reviewer can declare
    a conflict of interest before opening it: JCM's consortium; C3P's lead organisation,
    Japanese municipality and partner city."""

    def name(value: object, *keys: str) -> str:
        if not isinstance(value, dict):
            return ""
        return next((str(value[k]) for k in keys if value.get(k)), "")

    consortium = document.get("consortium")
    if isinstance(consortium, dict):
        partners = consortium.get("partners")
        names = [name(consortium.get("representative"), "name")]
        names += (
            [name(p, "name") for p in partners if isinstance(p, dict)]
            if isinstance(partners, list)
            else []
        )
    else:
        names = [
            name(document.get("applicant"), "name"),
            name(document.get("japanese_city"), "name_ja", "name_en"),
            name(document.get("partner_city"), "name_ja", "name", "name_en"),
        ]
    return [n for n in names if n]


@login_required
@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    _reviewer(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk, reviewer=request.user)
    answer = request.POST.get("has_conflict", "")
    if answer not in ("yes", "no"):
        messages.error(request, _("Say whether you have a conflict of interest."))
        return redirect("reviews:my_reviews")
    try:
        reviewing.review_declare_conflict(
            actor=request.user,
            assignment=assignment,
            has_conflict=answer == "yes",
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:my_reviews")


def _save_posted(
    request: HttpRequest, assignment: ReviewAssignment, criteria: list
) -> tuple[int, dict[str, SimpleNamespace]]:
    """Save every row typed on the scoring page; the refused rows come back as typed, with
    their message."""
    saved, typed = 0, {}
    for c in criteria:
        raw = request.POST.get(f"points_{c.id}", "").strip()
        text = request.POST.get(f"justification_{c.id}", "")
        if raw == "" and not text.strip():
            continue  # not filled in this time
        try:
            points = int(raw)
            reviewing.review_score(
                actor=request.user,
                assignment=assignment,
                criterion=c.id,
                points=points,
                justification=text,
            )
            saved += 1
        except ValueError:
            error = _("%(id)s (%(clause)s) takes whole points from 0 to %(max)s.") % {
                "id": c.id,
                "clause": c.clause,
                "max": c.max,
            }
            typed[c.id] = SimpleNamespace(points=raw, justification=text, error=error)
        except ServiceError as exc:
            typed[c.id] = SimpleNamespace(points=raw, justification=text, error=str(exc))
    return saved, typed


def _score_page(
    request: HttpRequest, assignment: ReviewAssignment, sheet, typed: dict[str, SimpleNamespace]
) -> HttpResponse:
    scores = {s.criterion: s for s in assignment.scores.all()}
    return render(
        request,
        "reviews/score.html",
        {
            "assignment": assignment,
            "sheet": sheet,
            "rows": [(c, typed.get(c.id) or scores.get(c.id)) for c in sheet.reviewer],
            "can_score": access.can(request.user, "score", assignment),
        },
        status=400 if typed else 200,
    )


@login_required
def score(request: HttpRequest, pk: int) -> HttpResponse:
    _reviewer(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk, reviewer=request.user)
    if not access.can(request.user, "view_review", assignment):
        raise Http404
    sheet = reviewing.scoring_sheet(assignment.proposal)
    typed: dict[str, SimpleNamespace] = {}  # refused rows, shown again as typed
    if request.method == "POST":
        saved, typed = _save_posted(request, assignment, list(sheet.reviewer))
        if saved:
            messages.success(request, _("%(n)s score(s) saved.") % {"n": saved})
        for row in typed.values():
            messages.error(request, row.error)
        if not typed:
            return redirect("reviews:score", pk=pk)
    return _score_page(request, assignment, sheet, typed)


@login_required
@require_POST
def submit_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the review with what is on the page: the rows typed are saved first (a reviewer
    who types every score and presses "submit" without saving loses nothing); if a row is
    refused, nothing is submitted and the page comes back as typed."""
    _reviewer(request)
    assignment = get_object_or_404(ReviewAssignment, pk=pk, reviewer=request.user)
    if not access.can(request.user, "view_review", assignment):
        raise Http404
    sheet = reviewing.scoring_sheet(assignment.proposal)
    saved, typed = 0, {}
    if access.can(request.user, "score", assignment):
        saved, typed = _save_posted(request, assignment, list(sheet.reviewer))
    if typed:
        messages.error(
            request, _("The review was not submitted: correct the rows marked below and submit.")
        )
        for row in typed.values():
            messages.error(request, row.error)
        return _score_page(request, assignment, sheet, typed)
    if saved:
        messages.success(request, _("%(n)s score(s) saved.") % {"n": saved})
    try:
        reviewing.review_submit(actor=request.user, assignment=assignment)
        messages.success(request, _("Your review has been submitted."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:score", pk=pk)


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    """Proposals with submitted reviews, ranked within the round's (or the call's) budget, with
    the funding line (renkei.selection) and the rules core's verdict on each. Read-only:
    recording the selection is the next step.

    The amount is the JCM subsidy, or the C3P contract total incl. tax (3.3 (3)), as assessed at
    submission. Without a budget (the C3P guidebook gives none) the ranking has no funding line.
    The page makes the same number of queries whatever the number of proposals: the totals come
    from ``review_totals`` and the amounts and verdicts from the versions' stored assessments."""
    _office(request)
    from renkei.calls.models import Round

    rounds = Round.objects.select_related("call").order_by("deadline")
    chosen = chosen_round(request, rounds)
    rows, budget, c3p = [], None, False
    if chosen is not None:
        ranking = round_ranking(request.user, chosen)
        budget, c3p = ranking.budget_jpy, ranking.c3p
        rows = [
            (row.ranked, row.proposal, row.first_below, row.cap_jpy, verdict(row.version))
            for row in ranking.rows
        ]
    listing = OfficeList(
        request,
        rows,
        columns=_ranking_columns(budget is not None),
        text=lambda r: _proposal_text(r[1]),
        name="ranking",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "reviews/ranking.html",
        {
            "rounds": rounds,
            "chosen": chosen,
            "rows": listing.rows,
            "listing": listing,
            "budget": budget,
            "c3p": c3p,
        },
    )


def _funding(row: Any) -> str:
    r = row[0]
    if r.funded:
        return _("within the budget")
    return (
        _("below the line; fits the remaining budget")
        if r.fits_remaining
        else _("below the funding line")
    )


def _ranking_columns(has_budget: bool) -> tuple[Column, ...]:
    return _RANKING_COLUMNS if has_budget else _RANKING_COLUMNS[:-1]  # no line without a budget


_RANKING_COLUMNS = (
    Column(gettext_lazy("Rank"), lambda r: r[0].rank),
    Column(gettext_lazy("Receipt number"), lambda r: r[1].receipt_number),
    Column(gettext_lazy("Title"), lambda r: r[1].title),
    Column(gettext_lazy("Representative participant"), lambda r: r[1].organisation.name),
    Column(gettext_lazy("Total"), lambda r: r[0].candidate.score),
    Column(gettext_lazy("Amount (yen)"), lambda r: r[0].candidate.subsidy_jpy),
    Column(gettext_lazy("Cumulative"), lambda r: r[0].cumulative_jpy),
    Column(gettext_lazy("Funding line"), _funding),
)
