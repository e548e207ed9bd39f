"""The grant's award pages: the application (交付申請) with its versions, uploads and the
office's pre-check, the decision (交付決定) and its notice, and implementation (procurement,
changes, suspension or abolition, interim inspections, year-end reports); and the award panel
on the grant's page. Writes go through ``renkei.grants.services.award``; a refused or invalid
form comes back with what was typed and the reason (400), a request the viewer may not make
answers 403, a grant the viewer may not see 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkei import access
from renkei.grants.models import (
    CATEGORIES,
    Category,
    ChangeKind,
    ChangeRequest,
    Grant,
    GrantDocument,
    ProcurementRecord,
    RequestState,
    StopRequest,
)
from renkei.grants.services import award as services
from renkei.services import NotAllowed, ServiceError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
YES_NO = [("", "—"), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _visible(request: HttpRequest, pk: int) -> Grant:
    grant = access.grants_for(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


# --- forms -------------------------------------------------------------------------------------
def _budget_fields(form: forms.Form, years: list[int], initial: dict | None) -> None:
    for fy in years:
        for cat in CATEGORIES:
            form.fields[f"b_{fy}_{cat}"] = forms.IntegerField(
                label=f"FY{fy} {Category(cat).label}",
                min_value=0,
                max_value=10**13 - 1,
                required=True,
                initial=((initial or {}).get(fy) or {}).get(cat, 0),
            )


def _budget_from(form: forms.Form, years: list[int]) -> dict[int, dict[str, int]]:
    return {
        fy: {cat: int(form.cleaned_data.get(f"b_{fy}_{cat}") or 0) for cat in CATEGORIES}
        for fy in years
    }


class ApplicationForm(forms.Form):
    plan = forms.CharField(
        label=gettext_lazy("Plan and content of the project"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )
    planned_completion_on = forms.DateField(
        label=gettext_lazy("Planned completion date"), required=False
    )

    def __init__(self, *args: Any, years: list[int], budget: dict | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.years = years
        _budget_fields(self, years, budget)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=[
            ("consortium_agreement", gettext_lazy("Signed consortium agreement (5.(3)①(ク))")),
            ("implementation_plan", gettext_lazy("Implementation plan")),
            ("quotations", gettext_lazy("Quotations")),
            ("other", gettext_lazy("Other")),
        ],
    )
    file = forms.FileField(label=gettext_lazy("File"))


class XlsxForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))


class MessageForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("What must be corrected"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    decided_on = forms.DateField(label=gettext_lazy("Decision date"))
    amount_jpy = forms.IntegerField(
        label=gettext_lazy("Decided amount (JPY)"), min_value=1, max_value=10**13 - 1
    )
    rate = forms.DecimalField(
        label=gettext_lazy("Subsidy rate (e.g. 0.5)"), max_digits=5, decimal_places=4
    )
    completion_due = forms.DateField(label=gettext_lazy("Completion due"))
    allocations = forms.FileField(
        label=gettext_lazy(
            "Allocations by fiscal year and category (.xlsx; optional: without it, the accepted "
            "application's budget)"
        ),
        required=False,
    )


class ProcurementForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    description = forms.CharField(label=gettext_lazy("What was ordered"), max_length=300)
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200)
    method = forms.ChoiceField(
        label=gettext_lazy("How the supplier was chosen"),
        choices=ProcurementRecord.Method.choices,
    )
    method_reason = forms.CharField(
        label=gettext_lazy("Reason (required for a single supplier, 4.(3)②)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ordered_on = forms.DateField(label=gettext_lazy("Order date"))
    amount_jpy = forms.IntegerField(
        label=gettext_lazy("Amount (JPY)"), min_value=1, max_value=10**13 - 1
    )
    paid_on = forms.DateField(label=gettext_lazy("Payment date"), required=False)


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of change"), choices=ChangeKind.choices)
    description = forms.CharField(
        label=gettext_lazy("The change and why it is needed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )
    amount_jpy = forms.IntegerField(
        label=gettext_lazy("New subsidy amount (JPY; amount change)"),
        min_value=1,
        max_value=10**13 - 1,
        required=False,
    )
    changes_purpose = forms.ChoiceField(
        label=gettext_lazy("Does it change the purpose of the subsidy?"),
        choices=YES_NO,
        required=False,
    )
    own_initiative_efficiency = forms.ChoiceField(
        label=gettext_lazy(
            "Is it the grantee's own initiative that helps achieve the purpose efficiently? (ア)"
        ),
        choices=YES_NO,
        required=False,
    )
    detail_only = forms.ChoiceField(
        label=gettext_lazy(
            "Is it only a detail of the plan, unrelated to purpose and efficiency? (イ)"
        ),
        choices=YES_NO,
        required=False,
    )
    reductions_unchanged = forms.ChoiceField(
        label=gettext_lazy("Are the GHG reductions and expected JCM credits unchanged? (ウ)"),
        choices=YES_NO,
        required=False,
    )
    members = forms.CharField(
        label=gettext_lazy("Consortium members after the change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args: Any, years: list[int], budget: dict | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.years = years
        _budget_fields(self, years, budget)

    def arguments(self) -> dict[str, Any]:
        d = self.cleaned_data
        kind = d["kind"]
        details: dict[str, Any] = {}
        if kind == ChangeKind.CONTENT:
            for q in services.MINOR_QUESTIONS:
                if d.get(q) in ("yes", "no"):
                    details[q] = d[q] == "yes"
        if kind == ChangeKind.CONSORTIUM:
            details["members"] = d.get("members", "")
        budget = (
            _budget_from(self, self.years)
            if kind in (ChangeKind.REALLOCATION, ChangeKind.AMOUNT)
            else None
        )
        return {
            "kind": kind,
            "description": d["description"],
            "budget": budget,
            "amount_jpy": d.get("amount_jpy") if kind == ChangeKind.AMOUNT else None,
            "details": details,
        }


class DecideRequestForm(forms.Form):
    approve = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("yes", gettext_lazy("Approve")), ("no", gettext_lazy("Refuse"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StopForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Request"), choices=StopRequest.Kind.choices)
    whole = forms.BooleanField(
        label=gettext_lazy("The whole project"), required=False, initial=True
    )
    late_completion = forms.BooleanField(
        label=gettext_lazy("Because the project cannot be completed in time"), required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class InterimForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100
    )
    inspected_on = forms.DateField(label=gettext_lazy("Inspection date"))
    on_site = forms.BooleanField(label=gettext_lazy("On site"), required=False)
    representative_attended = forms.BooleanField(
        label=gettext_lazy("The representative participant attended"), required=False
    )
    attendees = forms.CharField(
        label=gettext_lazy("Attendees"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class YearEndForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year"), min_value=2000, max_value=2100
    )
    narrative = forms.CharField(
        label=gettext_lazy("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label=gettext_lazy("Or the spending as a workbook (.xlsx)"), required=False
    )

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        for cat in CATEGORIES:
            self.fields[f"s_{cat}"] = forms.IntegerField(
                label=Category(cat).label, min_value=0, max_value=10**13 - 1, required=False
            )


# --- the page ----------------------------------------------------------------------------------
def _years(grant: Grant) -> list[int]:
    current = services.current_allocation(grant)
    if current is not None:
        return sorted(services.budget_of(current.budget))
    version = services.latest_version(grant)
    return sorted(services.budget_of(version.budget)) if version else []


def _rows(budget: dict[int, dict[str, int]]) -> dict[str, Any]:
    """A budget as table rows: the categories with their yen per year and total."""
    years = sorted(budget)
    rows = [
        {
            "label": Category(cat).label,
            "cells": [budget[fy].get(cat, 0) for fy in years],
            "total": sum(budget[fy].get(cat, 0) for fy in years),
        }
        for cat in CATEGORIES
    ]
    return {
        "years": years,
        "rows": rows,
        "totals": [sum(budget[fy].values()) for fy in years],
        "total": sum(sum(r.values()) for r in budget.values()),
    }


def _verdict_text(verdict: dict[str, Any]) -> dict[str, Any]:
    """A stored verdict in the page's language."""
    lang = _lang()
    shown = verdict.get(lang) or {}
    return {
        "approval_required": verdict.get("approval_required"),
        "clause": verdict.get("clause"),
        "reading": verdict.get("reading"),
        "threshold_jpy": verdict.get("threshold_jpy"),
        "detail": shown,
        "findings": [
            {"status": f["status"], **(f.get(lang) or {})} for f in verdict.get("findings", ())
        ],
    }


def _context(request: HttpRequest, grant: Grant, **bound: Any) -> dict[str, Any]:
    user = request.user
    app = getattr(grant, "application", None)
    lang = _lang()
    ctx: dict[str, Any] = {"grant": grant, "proposal": grant.selection.proposal, "app": app}
    years = _years(grant)
    latest = services.latest_version(grant)
    latest_budget = services.budget_of(latest.budget) if latest else {}
    can = {
        action: access.can(user, action, grant)
        for action in (
            "edit_grant_application",
            "submit_grant_application",
            "review_grant_application",
            "revoke_naiji",
            "decide_grant",
            "download_decision_notice",
            "record_procurement",
            "submit_change_request",
            "submit_stop_request",
            "record_interim_inspection",
            "submit_year_end_report",
        )
    }
    ctx["can"] = can
    if app is not None:
        deadline = services.application_deadline(grant)
        ctx["deadline"] = deadline
        ctx["today"] = services._today()
        ctx["versions"] = list(app.versions.order_by("-number"))
        ctx["latest"] = latest
        ctx["latest_budget"] = _rows(latest_budget) if latest_budget else None
        ctx["prechecks"] = list(app.prechecks.select_related("version", "answered_by_version"))
        kinds = dict(UploadForm.base_fields["kind"].choices)
        ctx["documents"] = list(services.application_documents(grant))
        for d in ctx["documents"]:
            d.kind_label = kinds.get(d.kind, d.kind)
        ctx["has_agreement"] = any(
            d.kind == services.CONSORTIUM_AGREEMENT for d in ctx["documents"]
        )
        accepted_late = app.accepted_at is not None and (
            app.accepted_at.astimezone(services.JST).date() > deadline.due
        )
        ctx["accepted_late"] = accepted_late
        ctx["first_late"] = app.first_submitted_at is not None and (
            app.first_submitted_at.astimezone(services.JST).date() > deadline.due
        )
    if can["edit_grant_application"]:
        version_years = sorted(latest_budget)
        ctx["application_form"] = bound.get("application_form") or ApplicationForm(
            years=version_years,
            budget=latest_budget,
            initial={
                "plan": (latest.content or {}).get("plan", ""),
                "planned_completion_on": (latest.content or {}).get("planned_completion_on")
                or None,
            },
        )
        ctx["upload_form"] = bound.get("upload_form") or UploadForm()
        ctx["xlsx_form"] = bound.get("xlsx_form") or XlsxForm()
    if can["review_grant_application"]:
        ctx["return_form"] = bound.get("return_form") or MessageForm()
    if can["revoke_naiji"]:
        ctx["revoke_form"] = bound.get("revoke_form") or ReasonForm()
    if can["decide_grant"] and app is not None and app.accepted_at is not None:
        ctx["decide_form"] = bound.get("decide_form") or DecideForm(
            initial={
                "decided_on": services._today(),
                "amount_jpy": grant.selection.naiji_amount_jpy,
                "completion_due": (latest.content or {}).get("planned_completion_on") or None,
            }
        )
    decision = getattr(grant, "decision", None)
    if decision is not None:
        ctx["decision"] = decision
        ctx["decision_findings"] = [
            {"status": f["status"], **(f.get(lang) or {})} for f in decision.findings
        ]
        current = services.current_allocation(grant)
        ctx["allocation"] = current
        ctx["allocation_rows"] = _rows(services.budget_of(current.budget)) if current else None
        ctx["procurements"] = list(grant.procurements.all())
        for p in ctx["procurements"]:
            p.shown_flags = [f"{f['clause']}: {f.get(lang) or f.get('en')}" for f in p.flags]
        changes = list(grant.changes.all())
        for c in changes:
            c.shown = _verdict_text(c.verdict)
            c.can_decide = access.can(user, "decide_change_request", c)
            c.can_withdraw = access.can(user, "withdraw_change_request", c)
            c.budget_rows = _rows(services.budget_of(c.budget)) if c.budget else None
        ctx["changes"] = changes
        stops = list(grant.stop_requests.all())
        for s in stops:
            s.can_decide = access.can(user, "decide_stop_request", s)
        ctx["stops"] = stops
        ctx["inspections"] = list(grant.interim_inspections.all())
        ctx["reports"] = list(grant.year_end_reports.all())
        ctx["report_years"] = _report_years(grant)
        ctx["decide_request_form"] = DecideRequestForm()
        if can["record_procurement"]:
            ctx["procurement_form"] = bound.get("procurement_form") or ProcurementForm()
        if can["submit_change_request"]:
            ctx["change_form"] = bound.get("change_form") or ChangeForm(
                years=years, budget=services.budget_of(current.budget) if current else {}
            )
            ctx["change_preview"] = bound.get("change_preview")
        if can["submit_stop_request"]:
            ctx["stop_form"] = bound.get("stop_form") or StopForm()
        if can["record_interim_inspection"]:
            ctx["interim_form"] = bound.get("interim_form") or InterimForm()
        if can["submit_year_end_report"]:
            ctx["year_end_form"] = bound.get("year_end_form") or YearEndForm()
    ctx["error"] = bound.get("error")
    ctx["errors"] = bound.get("errors") or []
    return ctx


def _report_years(grant: Grant) -> list[dict[str, Any]]:
    """The fiscal years of the budget with their year-end report's due date and state."""
    done = {r.fiscal_year: r for r in grant.year_end_reports.all()}
    # the fiscal year of completion has no year-end report: the completion report covers it
    # (spec A-38, as the grant's due dates say)
    end = grant.completed_on or grant.completion_due
    last = services.fiscal_year_of(end) if end else None
    out = []
    for fy in _years(grant):
        if last is not None and fy >= last and fy not in done:
            continue
        due, clause = services.year_end_due(grant, fy)
        report = done.get(fy)
        spending = (
            [(Category(c).label, report.spending.get(c, 0)) for c in CATEGORIES] if report else []
        )
        out.append({"fy": fy, "due": due, "clause": clause, "report": report, "spending": spending})
    return out


def _page(request: HttpRequest, grant: Grant, status: int = 200, **bound: Any) -> HttpResponse:
    return render(
        request, "grants/award/page.html", _context(request, grant, **bound), status=status
    )


def _refused(request: HttpRequest, grant: Grant, exc: ServiceError, **bound: Any) -> HttpResponse:
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(str(exc))
    return _page(request, grant, status=400, error=str(exc), errors=exc.errors, **bound)


def _done(request: HttpRequest, grant: Grant, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("grants:award", pk=grant.pk)


def _may(request: HttpRequest, action: str, obj: Any) -> None:
    if not access.can(request.user, action, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


@login_required
@require_GET
def award_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _visible(request, pk))


def panel(request: HttpRequest, grant: Grant) -> dict[str, Any]:
    """Context for ``grants/award/_panel.html`` on the grant's page."""
    app = getattr(grant, "application", None)
    if app is None:
        return {}
    out: dict[str, Any] = {
        "award_deadline": services.application_deadline(grant),
        "award_latest": services.latest_version(grant),
        "award_decision": getattr(grant, "decision", None),
        "award_open_changes": grant.changes.filter(state=RequestState.SUBMITTED).count(),
    }
    current = services.current_allocation(grant)
    if current is not None:
        out["award_allocation"] = current
    return out


# --- the application -----------------------------------------------------------------------------
@login_required
@require_POST
def award_save(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "edit_grant_application", grant)
    latest = services.latest_version(grant)
    years = sorted(services.budget_of(latest.budget))
    form = ApplicationForm(request.POST, years=years)
    if not form.is_valid():
        return _page(request, grant, status=400, application_form=form)
    try:
        version = services.application_save(
            actor=request.user,
            grant=grant,
            budget=_budget_from(form, years),
            content={
                "plan": form.cleaned_data["plan"],
                "planned_completion_on": form.cleaned_data["planned_completion_on"] or "",
            },
        )
    except ServiceError as exc:
        return _refused(request, grant, exc, application_form=form)
    return _done(request, grant, _("Saved as version %(n)s.") % {"n": version.number})


@login_required
@require_POST
def award_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "edit_grant_application", grant)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, grant, status=400, upload_form=form)
    try:
        doc = services.application_document_add(
            actor=request.user,
            grant=grant,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except ServiceError as exc:
        return _refused(request, grant, exc, upload_form=form)
    return _done(request, grant, _("%(name)s is uploaded.") % {"name": doc.original_name})


@login_required
@require_GET
def award_document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    grant = _visible(request, pk)
    document = get_object_or_404(GrantDocument, grant=grant, pk=doc)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@login_required
@require_GET
def award_budget_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest version's budget as a workbook (its years as columns, the categories as rows)."""
    from renkei.grants.workbook import budget_xlsx

    grant = _visible(request, pk)
    latest = services.latest_version(grant)
    data = budget_xlsx(
        services.budget_of(latest.budget),
        lang=_lang(),
        kind="budget",
        title=f"{grant.number} v{latest.number}",
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="budget_{grant.number}.xlsx"'
    return response


@login_required
@require_POST
def award_budget_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget uploaded back as a workbook: saved as a new version (the plan kept), or every
    faulty cell named and the page as it was."""
    from renkei.grants.workbook import WorkbookError, read_budget_xlsx

    grant = _visible(request, pk)
    _may(request, "edit_grant_application", grant)
    form = XlsxForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, grant, status=400, xlsx_form=form)
    upload = form.cleaned_data["file"]
    try:
        if getattr(upload, "refused", False):
            raise WorkbookError([_("The file is too large.")])
        budget = read_budget_xlsx(upload.read(), lang=_lang(), kind="budget")
        latest = services.latest_version(grant)
        version = services.application_save(
            actor=request.user, grant=grant, budget=budget, content=latest.content or {}
        )
    except WorkbookError as exc:
        return _page(
            request,
            grant,
            status=400,
            error=_("The workbook cannot be read; nothing was saved."),
            errors=exc.errors,
        )
    except ServiceError as exc:
        return _refused(request, grant, exc)
    return _done(request, grant, _("Saved as version %(n)s.") % {"n": version.number})


@login_required
@require_POST
def award_submit(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    try:
        version = services.application_submit(actor=request.user, grant=grant)
    except ServiceError as exc:
        return _refused(request, grant, exc)
    if version.submitted_late:
        messages.warning(
            request,
            _("Submitted after the due date of %(due)s (%(clause)s): the office sees it as late.")
            % {
                "due": services.application_deadline(grant).due.isoformat(),
                "clause": services.application_deadline(grant).clause,
            },
        )
    return _done(request, grant, _("The application is submitted."))


@login_required
@require_POST
def award_return(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "review_grant_application", grant)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, return_form=form)
    try:
        services.application_return(
            actor=request.user, grant=grant, message=form.cleaned_data["message"]
        )
    except ServiceError as exc:
        return _refused(request, grant, exc, return_form=form)
    return _done(request, grant, _("The application is returned for corrections."))


@login_required
@require_POST
def award_accept(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    try:
        services.application_accept(actor=request.user, grant=grant)
    except ServiceError as exc:
        return _refused(request, grant, exc)
    return _done(request, grant, _("The application is accepted as complete."))


@login_required
@require_POST
def award_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "revoke_naiji", grant)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, revoke_form=form)
    try:
        services.naiji_revoke(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        return _refused(request, grant, exc, revoke_form=form)
    return _done(request, grant, _("The 内示 is withdrawn."))


# --- the decision ---------------------------------------------------------------------------------
@login_required
@require_POST
def award_decide(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "decide_grant", grant)
    from renkei.grants.workbook import WorkbookError, read_budget_xlsx

    form = DecideForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, grant, status=400, decide_form=form)
    d = form.cleaned_data
    try:
        budget = None  # the accepted application's
        if d["allocations"] is not None:  # the office's allocations, as a workbook
            if getattr(d["allocations"], "refused", False):
                raise WorkbookError([_("The file is too large.")])
            budget = read_budget_xlsx(d["allocations"].read(), lang=_lang(), kind="budget")
        services.grant_decide(
            actor=request.user,
            grant=grant,
            decided_on=d["decided_on"],
            amount_jpy=d["amount_jpy"],
            rate=d["rate"],
            completion_due=d["completion_due"],
            budget=budget,
        )
    except WorkbookError as exc:
        return _page(
            request,
            grant,
            status=400,
            decide_form=form,
            error=_("The workbook cannot be read; nothing was saved."),
            errors=exc.errors,
        )
    except ServiceError as exc:
        return _refused(request, grant, exc, decide_form=form)
    return _done(request, grant, _("The grant is decided."))


@login_required
@require_GET
def award_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision notice (交付決定通知書) for the office and the consortium."""
    from renkei.grants.notice import decision_docx, notice_filename

    grant = _visible(request, pk)
    if not access.can(request.user, "download_decision_notice", grant):
        raise Http404
    response = HttpResponse(decision_docx(grant), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{notice_filename(grant)}"'
    return response


# --- implementation -------------------------------------------------------------------------------
@login_required
@require_POST
def award_procurement(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "record_procurement", grant)
    form = ProcurementForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, procurement_form=form)
    try:
        record = services.procurement_record(actor=request.user, grant=grant, **form.cleaned_data)
    except ServiceError as exc:
        return _refused(request, grant, exc, procurement_form=form)
    if record.flags:
        messages.warning(request, "; ".join(f"{f['clause']}: {f[_lang()]}" for f in record.flags))
    return _done(request, grant, _("The order is recorded."))


@login_required
@require_POST
def award_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a change (``preview``: the rules core's verdict, nothing saved) or file it."""
    grant = _visible(request, pk)
    _may(request, "submit_change_request", grant)
    form = ChangeForm(request.POST, years=_years(grant))
    if not form.is_valid():
        return _page(request, grant, status=400, change_form=form)
    args = form.arguments()
    try:
        if "preview" in request.POST:
            verdict = services.change_verdict(
                grant,
                kind=args["kind"],
                budget=args["budget"],
                amount_jpy=args["amount_jpy"],
                details=args["details"],
            )
            return _page(request, grant, change_form=form, change_preview=_verdict_text(verdict))
        change = services.change_request_submit(actor=request.user, grant=grant, **args)
    except ServiceError as exc:
        return _refused(request, grant, exc, change_form=form)
    if change.state == RequestState.RECORDED:
        return _done(request, grant, _("The change needs no prior approval: it is recorded."))
    return _done(request, grant, _("The change is filed for the office's approval."))


def _change(request: HttpRequest, pk: int, change_pk: int) -> tuple[Grant, ChangeRequest]:
    grant = _visible(request, pk)
    return grant, get_object_or_404(ChangeRequest, grant=grant, pk=change_pk)


@login_required
@require_POST
def award_change_decide(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    grant, cr = _change(request, pk, change)
    _may(request, "decide_change_request", cr)
    form = DecideRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, error=_("Choose approve or refuse."))
    try:
        services.change_request_decide(
            actor=request.user,
            change=cr,
            approve=form.cleaned_data["approve"] == "yes",
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        return _refused(request, grant, exc)
    return _done(request, grant, _("The change is decided."))


@login_required
@require_POST
def award_change_withdraw(request: HttpRequest, pk: int, change: int) -> HttpResponse:
    grant, cr = _change(request, pk, change)
    try:
        services.change_request_withdraw(actor=request.user, change=cr)
    except ServiceError as exc:
        return _refused(request, grant, exc)
    return _done(request, grant, _("The change is withdrawn."))


@login_required
@require_POST
def award_stop(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "submit_stop_request", grant)
    form = StopForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, stop_form=form)
    try:
        services.stop_request_submit(actor=request.user, grant=grant, **form.cleaned_data)
    except ServiceError as exc:
        return _refused(request, grant, exc, stop_form=form)
    return _done(request, grant, _("The request is filed."))


@login_required
@require_POST
def award_stop_decide(request: HttpRequest, pk: int, stop: int) -> HttpResponse:
    grant = _visible(request, pk)
    sr = get_object_or_404(StopRequest, grant=grant, pk=stop)
    _may(request, "decide_stop_request", sr)
    form = DecideRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, error=_("Choose approve or refuse."))
    try:
        services.stop_request_decide(
            actor=request.user,
            stop=sr,
            approve=form.cleaned_data["approve"] == "yes",
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        return _refused(request, grant, exc)
    return _done(request, grant, _("The request is decided."))


@login_required
@require_POST
def award_interim(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _visible(request, pk)
    _may(request, "record_interim_inspection", grant)
    form = InterimForm(request.POST)
    if not form.is_valid():
        return _page(request, grant, status=400, interim_form=form)
    try:
        services.interim_inspection_record(actor=request.user, grant=grant, **form.cleaned_data)
    except ServiceError as exc:
        return _refused(request, grant, exc, interim_form=form)
    return _done(request, grant, _("The interim inspection is recorded."))


@login_required
@require_GET
def award_spending_xlsx(request: HttpRequest, pk: int, fy: int) -> HttpResponse:
    """A fiscal year's spending as a workbook: the report's if submitted, else the orders
    recorded for that year, per category."""
    from renkei.grants.workbook import budget_xlsx

    grant = _visible(request, pk)
    if grant.decided_on is None or not 2000 <= fy <= 2100:
        raise Http404
    report = grant.year_end_reports.filter(fiscal_year=fy).first()
    if report is not None:
        row = {c: int(report.spending.get(c, 0)) for c in CATEGORIES}
    else:
        row = {c: 0 for c in CATEGORIES}
        for p in grant.procurements.filter(fiscal_year=fy):
            row[p.category] += p.amount_jpy
    data = budget_xlsx({fy: row}, lang=_lang(), kind="spending", title=f"{grant.number} FY{fy}")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="spending_{grant.number}_FY{fy}.xlsx"'
    return response


@login_required
@require_POST
def award_year_end(request: HttpRequest, pk: int) -> HttpResponse:
    """The year-end report: the spending typed in, or uploaded as the workbook."""
    from renkei.grants.workbook import WorkbookError, read_budget_xlsx

    grant = _visible(request, pk)
    _may(request, "submit_year_end_report", grant)
    form = YearEndForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, grant, status=400, year_end_form=form)
    d = form.cleaned_data
    fy = d["fiscal_year"]
    try:
        if d.get("file"):
            read = read_budget_xlsx(d["file"].read(), lang=_lang(), kind="spending")
            if set(read) != {fy}:
                raise WorkbookError(
                    [
                        _("The workbook is for %(years)s; upload the one for FY%(fy)s.")
                        % {"years": ", ".join(f"FY{y}" for y in sorted(read)), "fy": fy}
                    ]
                )
            spending = read[fy]
        else:
            spending = {c: d.get(f"s_{c}") or 0 for c in CATEGORIES}
        services.year_end_report_submit(
            actor=request.user,
            grant=grant,
            fiscal_year=fy,
            spending=spending,
            narrative=d["narrative"],
        )
    except WorkbookError as exc:
        return _page(
            request,
            grant,
            status=400,
            year_end_form=form,
            error=_("The workbook cannot be read; nothing was saved."),
            errors=exc.errors,
        )
    except ServiceError as exc:
        return _refused(request, grant, exc, year_end_form=form)
    return _done(request, grant, _("The year-end report is submitted."))


urlpatterns: list[Any] = [
    path("grants/<int:pk>/award/", award_page, name="award"),
    path("grants/<int:pk>/award/save/", award_save, name="award_save"),
    path("grants/<int:pk>/award/documents/", award_document_add, name="award_document_add"),
    path("grants/<int:pk>/award/documents/<int:doc>/", award_document, name="award_document"),
    path("grants/<int:pk>/award/budget.xlsx", award_budget_xlsx, name="award_budget_xlsx"),
    path("grants/<int:pk>/award/budget/upload/", award_budget_upload, name="award_budget_upload"),
    path("grants/<int:pk>/award/submit/", award_submit, name="award_submit"),
    path("grants/<int:pk>/award/return/", award_return, name="award_return"),
    path("grants/<int:pk>/award/accept/", award_accept, name="award_accept"),
    path("grants/<int:pk>/award/revoke/", award_revoke, name="award_revoke"),
    path("grants/<int:pk>/award/decide/", award_decide, name="award_decide"),
    path("grants/<int:pk>/award/notice.docx", award_notice, name="award_notice"),
    path("grants/<int:pk>/award/procurement/", award_procurement, name="award_procurement"),
    path("grants/<int:pk>/award/changes/", award_change, name="award_change"),
    path(
        "grants/<int:pk>/award/changes/<int:change>/decide/",
        award_change_decide,
        name="award_change_decide",
    ),
    path(
        "grants/<int:pk>/award/changes/<int:change>/withdraw/",
        award_change_withdraw,
        name="award_change_withdraw",
    ),
    path("grants/<int:pk>/award/stop/", award_stop, name="award_stop"),
    path(
        "grants/<int:pk>/award/stop/<int:stop>/decide/", award_stop_decide, name="award_stop_decide"
    ),
    path("grants/<int:pk>/award/interim/", award_interim, name="award_interim"),
    path("grants/<int:pk>/award/year-end/", award_year_end, name="award_year_end"),
    path(
        "grants/<int:pk>/award/year-end/<int:fy>/spending.xlsx",
        award_spending_xlsx,
        name="award_spending_xlsx",
    ),
]
