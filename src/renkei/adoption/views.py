"""Selection pages: the office's board per round and decision page per proposal (hearing,
candidate, PIN, 内示, non-selection), the PIN pages of the JCM secretariat and the Joint
Committee contact, and the public list of adopted projects. Writes go through services."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import Role
from renkei.adoption import services
from renkei.adoption.models import Hearing, PinQuery, ProjectIdeaNote, Selection, SelectionState
from renkei.adoption.pin import pin_docx, pin_missing
from renkei.adoption.selectors import naiji_for, review_total
from renkei.audit.services import audit_trail
from renkei.calls.models import Round
from renkei.proposals.assessed import latest_versions
from renkei.proposals.models import Proposal, ProposalState
from renkei.reviews.models import Decision, Screening
from renkei.reviews.reviewing import review_totals
from renkei.rules.countries import country_name_en
from renkei.selection import Candidate, rank_within_budget
from renkei.services import ServiceError
from renkei.web.lists import Column, OfficeList, chosen_round

JST = ZoneInfo("Asia/Tokyo")


def _office(request: HttpRequest) -> None:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Every submitted proposal of a round with its screening, hearing, evaluation, rank within
    the budget and selection state: where the office works the round to its decisions."""
    _office(request)
    rounds = Round.objects.select_related("call").order_by("call__program", "deadline")
    chosen = chosen_round(request, rounds)
    rows, budget = [], None
    if chosen is not None:
        budget = services.budget_of(chosen)
        proposals = list(
            access.proposals_for(request.user)
            .filter(round=chosen, state=ProposalState.SUBMITTED)
            .select_related("hearing", "selection", "organisation")
            .order_by("receipt_number")
        )
        # a fixed number of queries for the whole round (the ranking page's way)
        latest = latest_versions(proposals)
        totals = review_totals(proposals, latest)
        subsidies = {p.pk: services._subsidy(latest[p.pk]) for p in proposals}
        passed = set(
            Screening.objects.filter(
                version__in=[v.pk for v in latest.values()],
                completed_at__isnull=False,
                outcome=Decision.PASS,
            ).values_list("proposal_id", flat=True)
        )
        ranked = {
            r.candidate.id: r
            for r in rank_within_budget(
                [
                    Candidate(str(p.pk), totals[p.pk], subsidies[p.pk], p.receipt_number or "")
                    for p in proposals
                    if totals[p.pk] is not None
                ],
                budget.budget_jpy or 0,
            )
        }
        rows = [
            {
                "p": p,
                "screened": p.pk in passed,
                "hearing": getattr(p, "hearing", None) if _has(p, "hearing") else None,
                "selection": p.selection if _has(p, "selection") else None,
                "total": totals[p.pk],
                "subsidy": subsidies[p.pk],
                "rank": ranked.get(str(p.pk)),
            }
            for p in proposals
        ]
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"].rank if r["rank"] else 0))
    listing = OfficeList(
        request,
        rows,
        columns=_board_columns(budget is not None and budget.budget_jpy is not None),
        text=lambda r: (
            f"{r['p'].receipt_number or ''} {r['p'].title} "
            f"{r['p'].organisation.name} {r['p'].country}"
        ),
        name="selection",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "adoption/board.html",
        {
            "rounds": rounds,
            "chosen": chosen,
            "rows": listing.rows,
            "listing": listing,
            "budget": budget,
            "typed_budget": request.GET.get("budget"),
        },
    )


def _hearing(row: dict[str, Any]) -> Any:
    hearing = row["hearing"]
    if hearing is None:
        return ""
    return _("held") if hearing.held_at else hearing.scheduled_at


def _funding(row: dict[str, Any]) -> str:
    rank = row["rank"]
    if rank is None:
        return ""
    if rank.funded:
        return _("within the budget")
    if rank.fits_remaining:
        return _("below the line; fits the remaining budget")
    return _("below the funding line")


_BOARD_COLUMNS = (
    Column(gettext_lazy("Rank"), lambda r: r["rank"].rank if r["rank"] else None),
    Column(gettext_lazy("Receipt number"), lambda r: r["p"].receipt_number),
    Column(gettext_lazy("Title"), lambda r: r["p"].title),
    Column(gettext_lazy("Representative participant"), lambda r: r["p"].organisation.name),
    Column(gettext_lazy("Country"), lambda r: r["p"].country),
    Column(gettext_lazy("Basic screening"), lambda r: _("passed") if r["screened"] else ""),
    Column(gettext_lazy("Hearing"), _hearing),
    Column(gettext_lazy("Total"), lambda r: r["total"]),
    Column(gettext_lazy("Subsidy"), lambda r: r["subsidy"]),
    Column(gettext_lazy("Funding line"), _funding),
    Column(
        gettext_lazy("Selection"),
        lambda r: r["selection"].display_state if r["selection"] else _("undecided"),
    ),
)


def _board_columns(has_budget: bool) -> tuple[Column, ...]:
    """Without a budget there is no funding line (the page shows —)."""
    return (
        _BOARD_COLUMNS
        if has_budget
        else tuple(c for c in _BOARD_COLUMNS if c.value is not _funding)
    )


def _has(obj, related: str) -> bool:
    try:
        getattr(obj, related)
    except (Hearing.DoesNotExist, Selection.DoesNotExist):
        return False
    return True


class HearingForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("Date and time (JST)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=gettext_lazy("Place"), initial="東京", max_length=200)


@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view", proposal):
        raise Http404
    hearing = Hearing.objects.filter(proposal=proposal).first()
    selection = Selection.objects.filter(proposal=proposal).first()
    pin = ProjectIdeaNote.objects.filter(selection=selection).first() if selection else None
    initial = {}
    if hearing is not None:
        initial = {
            "at": hearing.scheduled_at.astimezone(JST).strftime("%Y-%m-%dT%H:%M"),
            "place": hearing.place,
        }
    form = HearingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        at = form.cleaned_data["at"]
        at = at.replace(tzinfo=JST) if at.tzinfo is None else at.astimezone(JST)
        try:
            done = services.hearing_schedule(
                actor=request.user, proposal=proposal, at=at, place=form.cleaned_data["place"]
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Hearing scheduled; the applicant was notified."))
            for warning in done.warnings:
                messages.warning(request, warning)
            return redirect("adoption:decide", pk=proposal.pk)
    trail = list(audit_trail(proposal))
    for obj in (hearing, selection, pin):
        if obj is not None:
            trail += list(audit_trail(obj))
    trail.sort(key=lambda e: e.pk)
    return render(
        request,
        "adoption/decide.html",
        {
            "p": proposal,
            "form": form,
            "hearing": hearing,
            "selection": selection,
            "pin": pin,
            "total": review_total(proposal),
            "window_end": services.hearing_window_end(proposal),
            "can_hearing": access.can(request.user, "schedule_hearing", proposal),
            "can_nominate": access.can(request.user, "nominate", proposal),
            "can_adopt_c3p": access.can(request.user, "adopt_c3p", proposal),
            "can_send_pin": selection is not None
            and access.can(request.user, "send_pin", selection),
            "pin_gaps": pin_missing(services.pin_preview(selection), get_language() or "ja")
            if selection is not None and access.can(request.user, "send_pin", selection)
            else [],
            "can_naiji": selection is not None
            and access.can(request.user, "issue_naiji", selection),
            "can_reject": access.can(request.user, "reject", selection or proposal),
            "budget": services.budget_of(proposal.round),
            "country_marks": services.country_marks(proposal),
            "trail": trail,
        },
    )


def _office_action(model, lookup: str, act, success: Any):
    """A POST-only office page that runs one service on the object found by ``lookup`` = pk
    and goes back to the proposal's decision page with the outcome as a message."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        _office(request)
        obj = get_object_or_404(model, **{lookup: pk})
        try:
            act(request, obj)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, str(success))
        return redirect("adoption:decide", pk=pk)

    return view


hearing_record = _office_action(
    Hearing,
    "proposal_id",
    lambda request, hearing: services.hearing_record(
        actor=request.user, hearing=hearing, record=request.POST.get("record", "")
    ),
    gettext_lazy("The hearing was recorded."),
)
nominate = _office_action(
    Proposal,
    "pk",
    lambda request, proposal: services.selection_nominate(
        actor=request.user, proposal=proposal, total_score=review_total(proposal)
    ),
    gettext_lazy("The proposal is a selection candidate; the applicant was notified."),
)
adopt_c3p = _office_action(
    Proposal,
    "pk",
    lambda request, proposal: services.selection_adopt_c3p(actor=request.user, proposal=proposal),
    gettext_lazy("The proposal was adopted; the applicant was notified."),
)
send_pin = _office_action(
    Selection,
    "proposal_id",
    lambda request, selection: services.pin_send(actor=request.user, selection=selection),
    gettext_lazy("The PIN was sent to the JCM secretariat."),
)
naiji = _office_action(
    Selection,
    "proposal_id",
    lambda request, selection: services.naiji_issue(actor=request.user, selection=selection),
    gettext_lazy("内示 issued; the applicant was notified."),
)
reject = _office_action(
    Proposal,
    "pk",
    lambda request, proposal: services.selection_reject(
        actor=request.user, proposal=proposal, reason=request.POST.get("reason", "")
    ),
    gettext_lazy("The proposal was not adopted; the applicant was notified."),
)


@login_required
@require_POST
def round_budget(request: HttpRequest, pk: int) -> HttpResponse:
    """The office sets the round's budget (digits, commas allowed; empty clears it)."""
    from renkei.calls.services import BUDGET_MAX_JPY, budget_too_large, round_set_budget

    _office(request)
    round = get_object_or_404(Round, pk=pk)
    text = request.POST.get("budget_jpy", "").replace(",", "").replace("円", "").strip()
    try:
        # whole yen in decimal digits ('²' is a digit to str.isdigit, not to int), within the
        # column's range
        if text and not text.isdecimal():
            raise ServiceError(_("Give the budget as whole yen, 0 or more (e.g. 300000000)."))
        if len(text.lstrip("0")) > len(str(BUDGET_MAX_JPY)) or (
            text and int(text) > BUDGET_MAX_JPY
        ):
            raise ServiceError(budget_too_large())
        budget = int(text) if text else None
        round_set_budget(actor=request.user, round=round, budget_jpy=budget)
    except ServiceError as exc:
        messages.error(request, str(exc))
        typed = urlencode({"round": round.pk, "budget": request.POST.get("budget_jpy", "")})
        return redirect(f"/office/selection/?{typed}")  # the form shows what was typed
    messages.success(request, _("The round's budget was saved."))
    return redirect(f"/office/selection/?round={round.pk}")


@login_required
@require_POST
def reject_remaining(request: HttpRequest, pk: int) -> HttpResponse:
    _office(request)
    round = get_object_or_404(Round, pk=pk)
    try:
        done = services.selection_reject_remaining(
            actor=request.user, round=round, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d non-selection notices were sent.") % {"n": len(done)})
    return redirect(f"/office/selection/?round={round.pk}")


# --- PIN pages (office, JCM secretariat, Joint Committee contact, applicant) -----------------
@login_required
def pins(request: HttpRequest) -> HttpResponse:
    qs = access.pins_for(request.user).select_related("selection__proposal").order_by("-sent_at")
    if access.role_of(request.user) not in (
        Role.OFFICE,
        Role.SECRETARIAT,
        Role.JOINT_COMMITTEE,
        Role.APPLICANT,
    ):
        raise Http404
    return render(request, "adoption/pins.html", {"pins": qs})


def _visible_pin(request: HttpRequest, pk: int) -> ProjectIdeaNote:
    pin = get_object_or_404(ProjectIdeaNote, pk=pk)
    if not access.can(request.user, "view_pin", pin):
        raise Http404
    return pin


@login_required
def pin(request: HttpRequest, pk: int) -> HttpResponse:
    pin = _visible_pin(request, pk)
    return render(
        request,
        "adoption/pin.html",
        {
            "pin": pin,
            "c": pin.content,
            "can_forward": access.can(request.user, "forward_pin", pin),
            "can_respond": access.can(request.user, "respond_pin", pin),
            "can_ask": access.can(request.user, "ask_query", pin),
            "queries": [
                (q, access.can(request.user, "answer_query", q))
                for q in pin.queries.select_related("asked_by", "answered_by")
            ],
        },
    )


@login_required
@require_POST
def pin_query_ask(request: HttpRequest, pk: int) -> HttpResponse:
    pin = _visible_pin(request, pk)
    try:
        query = services.pin_query_ask(
            actor=request.user, pin=pin, question=request.POST.get("question", "")
        )
    except ServiceError as exc:  # NotAllowed included: the page says why
        messages.error(request, str(exc))
        return redirect("adoption:pin", pk=pin.pk)
    messages.success(request, _("The query was sent to the office and the applicant."))
    return redirect(f"{reverse('adoption:pin', args=[pin.pk])}#query-{query.pk}")


@login_required
@require_POST
def pin_query_answer(request: HttpRequest, pk: int) -> HttpResponse:
    query = get_object_or_404(PinQuery, pk=pk)
    pin = _visible_pin(request, query.pin_id)
    try:
        services.pin_query_answer(
            actor=request.user, query=query, answer=request.POST.get("answer", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The answer was sent to the JCM secretariat."))
    return redirect(f"{reverse('adoption:pin', args=[pin.pk])}#query-{query.pk}")


@login_required
def pin_download(request: HttpRequest, pk: int) -> HttpResponse:
    pin = _visible_pin(request, pk)
    response = HttpResponse(
        pin_docx(pin.content),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"3-16_PIN_{pin.content.get('receipt_number') or pin.pk}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def naiji_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice of selection (交付内示通知, 3.(4)) of an adopted JCM proposal, for the office
    and the proposal's consortium (who see the proposal), once the 内示 is issued."""
    from renkei.adoption.naiji import naiji_docx

    proposal = get_object_or_404(Proposal, pk=pk)
    selection = naiji_for(request.user, proposal)  # the API's check too
    if selection is None:
        raise Http404
    response = HttpResponse(
        naiji_docx(selection),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="naiji_{selection.naiji_number}.docx"'
    return response


@login_required
@require_POST
def pin_forward(request: HttpRequest, pk: int) -> HttpResponse:
    pin = _visible_pin(request, pk)
    try:
        services.pin_forward(actor=request.user, pin=pin)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The PIN was forwarded to the Joint Committee."))
    return redirect("adoption:pin", pk=pin.pk)


@login_required
@require_POST
def pin_respond(request: HttpRequest, pk: int) -> HttpResponse:
    pin = _visible_pin(request, pk)
    answer = request.POST.get("answer", "")
    if answer not in ("no_objection", "objection"):
        messages.error(request, _("Choose “no objection” or “objection”."))
        return redirect("adoption:pin", pk=pin.pk)
    try:
        services.pin_respond(
            actor=request.user,
            pin=pin,
            objection=answer == "objection",
            comment=request.POST.get("comment", ""),
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The Joint Committee's answer was recorded."))
    return redirect("adoption:pin", pk=pin.pk)


# --- public ---------------------------------------------------------------------------------
def public(request: HttpRequest) -> HttpResponse:
    """3.(4): adopted projects are published with country, project name, company and expected
    reductions (the record frozen at 内示); nothing else of a proposal is public."""
    english = (get_language() or "ja").startswith("en")
    rows: dict[str, list[dict]] = {"jcm": [], "c3p": []}
    for s in Selection.objects.filter(state=SelectionState.ADOPTED).order_by("naiji_at", "pk"):
        pub = s.published
        rows[pub.get("program", "jcm")].append(
            {
                "country": country_name_en(pub["country"]) if english else _country_ja(pub),
                "title": (pub.get("title_en") or pub["title"]) if english else pub["title"],
                "company": (pub.get("company_en") or pub["company"]) if english else pub["company"],
                "partners": pub.get("partners_en" if english else "partners")
                or pub.get("partners", []),
                "annual": pub["annual_reduction_tco2"],
                "lifetime": pub["lifetime_reduction_tco2"],
                "published_on": dt.date.fromisoformat(pub["published_on"]),
            }
        )
    return render(request, "adoption/public.html", {"rows": rows["jcm"], "c3p": rows["c3p"]})


def _country_ja(pub: dict) -> str:
    """The call's own Japanese name of the partner country (2.(3)), else the English name."""
    from renkei.rules import load_rulebook

    book = load_rulebook(pub["call"])
    for c in getattr(getattr(book, "partner_countries", None), "countries", ()):
        if c.code == pub["country"]:
            return c.name_ja
    c3p = getattr(book, "countries", None)  # the C3P guidebook's Table 3
    for c in (*getattr(c3p, "partners", ()), *getattr(c3p, "candidates", ())):
        if c.code == pub["country"]:
            return c.name_ja
    return country_name_en(pub["country"])
