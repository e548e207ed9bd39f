"""The grant's closing pages (completion to payment and the years after, JCM 4.(5)–(11)) and its
panel on the grant's page.

One page per grant (``grants:closing``) shows the whole part and the forms the viewer may use;
each form posts to its own URL, which calls one service and, on a refusal or a bad value,
shows the page again with the form as it was typed and the reason beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkei import access
from renkei.grants.models import (
    CATEGORIES,
    Category,
    Claim,
    CorporateChange,
    DisposalRequest,
    Grant,
    GrantState,
    PropertyItem,
    RefundOrder,
)
from renkei.grants.policy.closing import RULES as CLOSING_RULES
from renkei.grants.services import closing as services
from renkei.services import ServiceError
from renkei.web.forms_run import require_can, run_form

S = GrantState
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YEN = {"min_value": 0, "max_value": services.MAX_YEN}


# --- forms -------------------------------------------------------------------------------------
class CompletionForm(forms.Form):
    completed_on = forms.DateField(label=gettext_lazy("Completion date (C)"), widget=DATE)
    operation_started_on = forms.DateField(
        label=gettext_lazy("Start of operation (O)"), widget=DATE
    )
    useful_life_years = forms.IntegerField(
        label=gettext_lazy("Statutory useful life (years)"), min_value=1, max_value=100
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of document"), choices=list(services.DOCUMENT_KINDS.items())
    )
    file = forms.FileField(label=gettext_lazy("File"))


EXCLUDED_ROWS = 3


class ReportForm(forms.Form):
    """The spending per fiscal year and category (one field each), up to three excluded lines,
    the implementation report and the expected annual reduction."""

    narrative = forms.CharField(
        label=gettext_lazy("Implementation report (実施報告書)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
    )
    expected_annual_reduction_tco2 = forms.DecimalField(
        label=gettext_lazy("Expected annual GHG reduction at completion (tCO2/year)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        for fy in years:
            for cat in CATEGORIES:
                self.fields[f"s_{fy}_{cat}"] = forms.IntegerField(
                    label=f"FY{fy} {Category(cat).label}", initial=0, **YEN
                )
        for n in range(EXCLUDED_ROWS):
            self.fields[f"ex{n}_description"] = forms.CharField(
                label=gettext_lazy("Excluded cost"), required=False, max_length=300
            )
            self.fields[f"ex{n}_category"] = forms.ChoiceField(
                label=gettext_lazy("Category"),
                required=False,
                choices=[("", "—"), *Category.choices],
            )
            self.fields[f"ex{n}_amount_jpy"] = forms.IntegerField(
                label=gettext_lazy("Amount (JPY)"), required=False, **YEN
            )
            self.fields[f"ex{n}_kind"] = forms.ChoiceField(
                label=gettext_lazy("Why excluded"),
                required=False,
                choices=[
                    ("ineligible", gettext_lazy("Ineligible cost (2.(7))")),
                    ("own_product_profit", gettext_lazy("Own-product profit (2.(7) 利益排除)")),
                ],
            )
            self.fields[f"ex{n}_reason"] = forms.CharField(
                label=gettext_lazy("Reason"), required=False, max_length=2000
            )

    def spending_fields(self):
        return [[self[f"s_{fy}_{cat}"] for cat in CATEGORIES] for fy in self.years]

    def excluded_rows(self):
        return [
            [
                self[f"ex{n}_{f}"]
                for f in ("description", "category", "amount_jpy", "kind", "reason")
            ]
            for n in range(EXCLUDED_ROWS)
        ]

    def spending(self) -> dict[str, dict[str, int]]:
        c = self.cleaned_data
        return {str(fy): {cat: c[f"s_{fy}_{cat}"] or 0 for cat in CATEGORIES} for fy in self.years}

    def excluded(self) -> list[dict[str, Any]]:
        c, out = self.cleaned_data, []
        for n in range(EXCLUDED_ROWS):
            desc, amount = c.get(f"ex{n}_description"), c.get(f"ex{n}_amount_jpy")
            reason = c.get(f"ex{n}_reason")
            if not (desc or amount or reason):
                continue
            out.append(
                {
                    "description": desc,
                    "category": c.get(f"ex{n}_category") or "",
                    "amount_jpy": amount,
                    "kind": c.get(f"ex{n}_kind") or "ineligible",
                    "reason": reason,
                }
            )
        return out


class SpendingUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spending statement (.xlsx)"))


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=gettext_lazy("Inspection date"), widget=DATE)
    on_site = forms.BooleanField(label=gettext_lazy("On site"), required=False, initial=True)
    no_site_reason = forms.CharField(
        label=gettext_lazy("Reason for no site visit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10_000,
    )
    representative_attended = forms.BooleanField(
        label=gettext_lazy("The representative participant attended"), required=False
    )
    attendees = forms.CharField(
        label=gettext_lazy("Attendees"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    corrections = forms.CharField(
        label=gettext_lazy("Corrections asked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DoneForm(forms.Form):
    done_on = forms.DateField(label=gettext_lazy("Corrections done on"), widget=DATE)


class FixForm(forms.Form):
    fixed_on = forms.DateField(label=gettext_lazy("Date of the fixing"), widget=DATE)


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of claim"), choices=Claim.Kind.choices)
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    fiscal_year = forms.IntegerField(
        label=gettext_lazy("Fiscal year (advances)"), required=False, min_value=2000, max_value=2100
    )
    amount_jpy = forms.IntegerField(
        label=gettext_lazy("Amount (JPY; advances)"), required=False, **YEN
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DATE)
    amount_jpy = forms.IntegerField(label=gettext_lazy("Amount paid (JPY)"), **YEN)


class RefundOrderForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=RefundOrder.Reason.choices)
    amount_jpy = forms.IntegerField(label=gettext_lazy("Amount (JPY)"), **YEN)
    ordered_on = forms.DateField(label=gettext_lazy("Ordered on"), widget=DATE)
    due_on = forms.DateField(label=gettext_lazy("Due on"), widget=DATE, required=False)


class RefundForm(forms.Form):
    refunded_on = forms.DateField(label=gettext_lazy("Refunded on"), widget=DATE)
    refunded_jpy = forms.IntegerField(label=gettext_lazy("Amount refunded (JPY)"), **YEN)


class ItemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Item"), max_length=200)
    site = forms.CharField(label=gettext_lazy("Site"), max_length=120, required=False)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, max_value=1_000_000, initial=1
    )
    unit_price_jpy = forms.IntegerField(label=gettext_lazy("Unit price (JPY)"), **YEN)
    acquired_on = forms.DateField(label=gettext_lazy("Acquired on"), widget=DATE)
    operation_started_on = forms.DateField(
        label=gettext_lazy("Start of operation"), widget=DATE, required=False
    )
    useful_life_years = forms.IntegerField(
        label=gettext_lazy("Statutory useful life (years)"), min_value=1, max_value=100
    )
    location = forms.CharField(label=gettext_lazy("Location"), max_length=300, required=False)


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of disposal"), choices=DisposalRequest.Kind.choices
    )
    planned_on = forms.DateField(label=gettext_lazy("Planned on"), widget=DATE)
    counterparty = forms.CharField(
        label=gettext_lazy("Counterparty"), max_length=200, required=False
    )
    foreign_member = forms.BooleanField(
        label=gettext_lazy("Transfer to a foreign member of the consortium"), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Refuse"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisposedForm(forms.Form):
    disposed_on = forms.DateField(label=gettext_lazy("Disposed of on"), widget=DATE)


class AnnualForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    reductions_tco2 = forms.DecimalField(
        label=gettext_lazy("GHG reductions (tCO2)"), min_value=0, max_digits=14, decimal_places=3
    )
    operating_status = forms.CharField(
        label=gettext_lazy("Operating status"), widget=forms.Textarea(attrs={"rows": 2})
    )
    property_status = forms.CharField(
        label=gettext_lazy("Property management status"), widget=forms.Textarea(attrs={"rows": 2})
    )
    shortfall_reason = forms.CharField(
        label=gettext_lazy("Reason the expected reductions were not achieved"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, periods: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (
                f"{p['period_start']}|{p['period_end']}",
                f"{p['period_start']} – {p['period_end']}",
            )
            for p in periods
        ]


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of change"), choices=CorporateChange.Kind.choices
    )
    effective_on = forms.DateField(label=gettext_lazy("Effective on"), widget=DATE)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    grounds = forms.MultipleChoiceField(
        label=gettext_lazy("Grounds"), widget=forms.CheckboxSelectMultiple
    )
    whole = forms.TypedChoiceField(
        label=gettext_lazy("Extent"),
        choices=[("1", gettext_lazy("Whole")), ("0", gettext_lazy("Part"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    refund_jpy = forms.IntegerField(label=gettext_lazy("Refund (JPY)"), initial=0, **YEN)
    decided_on = forms.DateField(label=gettext_lazy("Decided on"), widget=DATE)

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "ja").startswith("en")
        self.fields["grounds"].choices = [
            (g.id, f"{g.id} ({g.clause}) {g.text_en if english else g.text_ja}")
            for g in services.grounds(grant)
        ]


# --- reading the grant -------------------------------------------------------------------------
def _grant(request: HttpRequest, pk: int) -> Grant:
    grant = access.grants_for(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


def _report_years(grant: Grant) -> list[int]:
    if grant.decided_on is None:
        return []
    first = services.fiscal_year(grant.decided_on)
    end = grant.completed_on or services.today()
    return list(range(first, max(first, services.fiscal_year(end)) + 1))


def _periods(grant: Grant) -> list[dict[str, Any]]:
    try:
        return services.annual_periods(grant)
    except ServiceError:  # a fact outside the rulebook's period: no periods shown
        return []


def spending_workbook(grant: Grant, lang: str) -> bytes:
    """The spending statement to fill in: the submitted spending, or before the report the
    allocation in force (zeros where there is none)."""
    from renkei.grants.workbook import budget_xlsx

    report = getattr(grant, "completion_report", None)
    if report is not None:
        data = report.spending
    else:
        allocation = grant.allocations.filter(superseded_at__isnull=True).first()
        data = allocation.budget if allocation else {}
        data = data or {str(fy): dict.fromkeys(CATEGORIES, 0) for fy in _report_years(grant)}
    budget = {int(fy): {c: int(v.get(c, 0)) for c in CATEGORIES} for fy, v in data.items()}
    if not budget:
        budget = {services.fiscal_year(services.today()): dict.fromkeys(CATEGORIES, 0)}
    return budget_xlsx(budget, lang=lang, kind="spending", title=f"{grant.number}")


def _can(request: HttpRequest, grant: Grant) -> dict[str, bool]:
    return {a: access.can(request.user, a, grant) for a in CLOSING_RULES}


def _page(
    request: HttpRequest,
    grant: Grant,
    bound: dict[str, Any] | None = None,
    *,
    on: tuple[str, int] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The closing page; ``bound`` holds the form that was posted (kept as typed), ``on`` the
    object it was posted for (its name and pk) for the forms shown per row."""
    bound = bound or {}
    grant = Grant.objects.select_related("selection__proposal").get(pk=grant.pk)
    periods = _periods(grant)
    reported = set(grant.annual_reports.values_list("period_start", flat=True))
    open_periods = [
        p
        for p in periods
        if p["period_start"] not in reported and p["period_end"] < services.today()
    ]
    for p in periods:
        p["expected"] = services.expected_for_period(grant, p["period_start"], p["period_end"])
        p["reported"] = p["period_start"] in reported
    claims = list(grant.claims.select_related("payment"))
    for c in claims:
        c.form = (
            bound["payment"]
            if on == ("claim", c.pk)
            else PaymentForm(initial={"amount_jpy": c.amount_jpy})
        )
    orders = list(grant.refund_orders.all())
    for o in orders:
        o.form = (
            bound["refund"]
            if on == ("order", o.pk)
            else RefundForm(initial={"refunded_jpy": o.amount_jpy})
        )
    items = list(grant.property_items.prefetch_related("disposals"))
    for i in items:
        i.disposal_form = (
            bound["disposal"] if on == ("item", i.pk) and "disposal" in bound else DisposalForm()
        )
        i.disposed_form = (
            bound["disposed"] if on == ("item", i.pk) and "disposed" in bound else DisposedForm()
        )
        i.requests = list(i.disposals.all())
        for d in i.requests:
            d.form = bound["decision"] if on == ("request", d.pk) else DecisionForm()
    fixing = getattr(grant, "amount_fixing", None)
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    posted = next(iter(bound.values()), None)
    context = {
        # an error summary at the top: the form posted may not be shown in the grant's state
        "summary": _summary(posted) if posted is not None else [],
        "fixing_notes": (fixing.computation.get("notes") or {}).get(lang, []) if fixing else [],
        "grant": grant,
        "proposal": grant.selection.proposal,
        "can": _can(request, grant),
        "reading": {k.rsplit(".", 1)[-1]: v for k, v in services.READINGS.items()},
        "documents": [  # with the kind's name, each downloadable by who sees the grant
            (d, services.DOCUMENT_KINDS[d.kind])
            for d in grant.documents.filter(kind__in=list(services.DOCUMENT_KINDS))
        ],
        "report": getattr(grant, "completion_report", None),
        "inspection": getattr(grant, "final_inspection", None),
        "fixing": fixing,
        "claims": claims,
        "orders": orders,
        "items": items,
        "periods": periods,
        "annual_reports": grant.annual_reports.all(),
        "changes": grant.corporate_changes.all(),
        "cancellations": grant.cancellations.all(),
        "close_blockers": services.close_check(grant) if grant.state == S.PAID else [],
        "threshold": services.DISPOSAL_THRESHOLD_JPY,
        "forms": {
            "complete": bound.get("complete") or CompletionForm(),
            "document": bound.get("document") or DocumentForm(),
            "report": bound.get("report") or ReportForm(years=_report_years(grant)),
            "spending_upload": bound.get("spending_upload") or SpendingUploadForm(),
            "inspection": bound.get("inspection") or InspectionForm(),
            "done": bound.get("done") or DoneForm(),
            "fix": bound.get("fix") or FixForm(),
            "claim": bound.get("claim") or ClaimForm(),
            "refund_order": bound.get("refund_order") or RefundOrderForm(),
            "item": bound.get("item") or ItemForm(),
            "annual": bound.get("annual") or AnnualForm(periods=open_periods),
            "change": bound.get("change") or ChangeForm(),
            "close": bound.get("close"),
            "cancel": bound.get("cancel")
            or (CancelForm(grant=grant) if _can(request, grant)["cancel_grant"] else None),
        },
        "open_periods": open_periods,
        "grounds": services.grounds(grant),
        "S": {s.name: s.value for s in GrantState},
    }
    return render(request, "grants/closing/page.html", context, status=status)


def _summary(form: forms.Form) -> list[str]:
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return lines


@login_required
@require_GET
def closing_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _grant(request, pk))


def _post(
    request: HttpRequest,
    grant: Grant,
    action: str,
    name: str,
    form: forms.Form,
    run,
    done: str,
    on: tuple[str, int] | None = None,
) -> HttpResponse:
    """Check the permission, validate, run the service; on a refusal the page again with the
    form as typed and why."""
    require_can(request, action, grant)
    answered = run_form(
        request, form, run, done=done, then=lambda _: redirect("grants:closing", pk=grant.pk)
    )
    return answered or _page(request, grant, {name: form}, on=on)


# --- the actions -------------------------------------------------------------------------------
@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "complete_grant",
        "complete",
        CompletionForm(request.POST),
        lambda c: services.grant_complete(actor=request.user, grant=grant, **c),
        _("The completion is recorded."),
    )


@login_required
@require_POST
def document(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "add_closing_document",
        "document",
        DocumentForm(request.POST, request.FILES),
        lambda c: services.closing_document_add(
            actor=request.user, grant=grant, kind=c["kind"], upload=c["file"]
        ),
        _("The document is uploaded."),
    )


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    form = ReportForm(request.POST, years=_report_years(grant))
    return _post(
        request,
        grant,
        "submit_completion_report",
        "report",
        form,
        lambda c: services.completion_report_submit(
            actor=request.user,
            grant=grant,
            spending=form.spending(),
            excluded=form.excluded(),
            narrative=c["narrative"],
            expected_annual_reduction_tco2=c["expected_annual_reduction_tco2"],
        ),
        _("The completion report is submitted."),
    )


@login_required
@require_GET
def spending_download(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    response = HttpResponse(
        spending_workbook(grant, get_language() or "ja"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="spending_{grant.number}.xlsx"'
    return response


@login_required
@require_POST
def spending_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Read a spending workbook into the report's form (not submitted: the representative
    checks it and submits); every faulty cell is named and the form keeps what it had."""
    from renkei.grants.workbook import WorkbookError, read_budget_xlsx

    grant = _grant(request, pk)
    require_can(request, "submit_completion_report", grant)
    upload = SpendingUploadForm(request.POST, request.FILES)
    years = _report_years(grant)
    if upload.is_valid():
        try:
            spending = read_budget_xlsx(
                upload.cleaned_data["file"].read(), lang=get_language() or "ja", kind="spending"
            )
        except WorkbookError as exc:
            for line in exc.errors or [str(exc)]:
                upload.add_error("file", line)
        else:
            outside = sorted(set(spending) - set(years))
            if outside:
                upload.add_error(
                    "file",
                    _("The workbook has fiscal years %(fys)s; this report covers %(years)s.")
                    % {
                        "fys": ", ".join(f"FY{y}" for y in outside),
                        "years": ", ".join(f"FY{y}" for y in years) or "—",
                    },
                )
            else:
                initial = {
                    f"s_{fy}_{cat}": spending.get(fy, {}).get(cat, 0)
                    for fy in years
                    for cat in CATEGORIES
                }
                messages.success(
                    request, _("The workbook was read: check the amounts and submit the report.")
                )
                return _page(request, grant, {"report": ReportForm(initial=initial, years=years)})
    return _page(request, grant, {"spending_upload": upload})


@login_required
@require_POST
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "record_final_inspection",
        "inspection",
        InspectionForm(request.POST),
        lambda c: services.final_inspection_record(actor=request.user, grant=grant, **c),
        _("The final inspection is recorded."),
    )


@login_required
@require_POST
def corrections_done(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)

    def run(c):
        found = getattr(grant, "final_inspection", None)
        if found is None:
            raise ServiceError(_("No final inspection is recorded yet."))
        services.final_inspection_corrections_done(
            actor=request.user, inspection=found, done_on=c["done_on"]
        )

    return _post(
        request,
        grant,
        "record_final_inspection",
        "done",
        DoneForm(request.POST),
        run,
        _("The corrections are recorded as done."),
    )


@login_required
@require_POST
def fix(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "fix_amount",
        "fix",
        FixForm(request.POST),
        lambda c: services.amount_fix(actor=request.user, grant=grant, fixed_on=c["fixed_on"]),
        _("The amount is fixed."),
    )


@login_required
@require_GET
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    fixing = getattr(grant, "amount_fixing", None)
    if fixing is None:
        raise Http404
    response = HttpResponse(
        services.amount_notice_docx(fixing),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="kakutei_{fixing.number}.docx"'
    return response


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "submit_claim",
        "claim",
        ClaimForm(request.POST),
        lambda c: services.claim_submit(actor=request.user, grant=grant, **c),
        _("The claim is submitted."),
    )


def _row(request: HttpRequest, model, pk: int, grant_path: str):
    row = model.objects.filter(pk=pk, **{f"{grant_path}__in": access.grants_for(request.user)})
    found = row.first()
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    claim_ = _row(request, Claim, pk, "grant")
    return _post(
        request,
        claim_.grant,
        "record_payment",
        "payment",
        PaymentForm(request.POST),
        lambda c: services.payment_record(actor=request.user, claim=claim_, **c),
        _("The payment is recorded."),
        on=("claim", claim_.pk),
    )


@login_required
@require_POST
def refund_order(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "issue_refund_order",
        "refund_order",
        RefundOrderForm(request.POST),
        lambda c: services.refund_order_issue(actor=request.user, grant=grant, **c),
        _("The refund is ordered."),
    )


@login_required
@require_POST
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    order = _row(request, RefundOrder, pk, "grant")
    return _post(
        request,
        order.grant,
        "record_refund",
        "refund",
        RefundForm(request.POST),
        lambda c: services.refund_record(actor=request.user, order=order, **c),
        _("The refund is recorded."),
        on=("order", order.pk),
    )


@login_required
@require_POST
def property_add(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "add_property_item",
        "item",
        ItemForm(request.POST),
        lambda c: services.property_item_add(actor=request.user, grant=grant, **c),
        _("The item is added to the property ledger."),
    )


@login_required
@require_POST
def disposal_request(request: HttpRequest, pk: int) -> HttpResponse:
    item = _row(request, PropertyItem, pk, "grant")
    return _post(
        request,
        item.grant,
        "submit_disposal_request",
        "disposal",
        DisposalForm(request.POST),
        lambda c: services.disposal_request_submit(actor=request.user, item=item, **c),
        _("The disposal request is submitted."),
        on=("item", item.pk),
    )


@login_required
@require_POST
def disposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    disposal = _row(request, DisposalRequest, pk, "item__grant")
    return _post(
        request,
        disposal.item.grant,
        "decide_disposal_request",
        "decision",
        DecisionForm(request.POST),
        lambda c: services.disposal_request_decide(actor=request.user, disposal=disposal, **c),
        _("The disposal request is decided."),
        on=("request", disposal.pk),
    )


@login_required
@require_POST
def dispose(request: HttpRequest, pk: int) -> HttpResponse:
    item = _row(request, PropertyItem, pk, "grant")
    return _post(
        request,
        item.grant,
        "submit_disposal_request",
        "disposed",
        DisposedForm(request.POST),
        lambda c: services.property_item_dispose(
            actor=request.user, item=item, disposed_on=c["disposed_on"]
        ),
        _("The disposal is recorded."),
        on=("item", item.pk),
    )


@login_required
@require_POST
def annual(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    form = AnnualForm(request.POST, periods=_periods(grant))

    def run(c):
        start, end = (dt.date.fromisoformat(d) for d in c["period"].split("|"))
        services.annual_report_submit(
            actor=request.user,
            grant=grant,
            period_start=start,
            period_end=end,
            reductions_tco2=Decimal(c["reductions_tco2"]),
            operating_status=c["operating_status"],
            property_status=c["property_status"],
            shortfall_reason=c["shortfall_reason"],
        )

    return _post(
        request,
        grant,
        "submit_annual_report",
        "annual",
        form,
        run,
        _("The annual report is submitted."),
    )


@login_required
@require_POST
def corporate_change(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "report_corporate_change",
        "change",
        ChangeForm(request.POST),
        lambda c: services.corporate_change_report(actor=request.user, grant=grant, **c),
        _("The corporate change is reported."),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "cancel_grant",
        "cancel",
        CancelForm(request.POST, grant=grant),
        lambda c: services.grant_cancel(actor=request.user, grant=grant, **c),
        _("The grant decision is cancelled."),
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    return _post(
        request,
        grant,
        "close_grant",
        "close",
        forms.Form(request.POST),
        lambda c: services.grant_close(actor=request.user, grant=grant),
        _("The grant is closed."),
    )


urlpatterns: list[Any] = [
    path("grants/<int:pk>/closing/", closing_page, name="closing"),
    path("grants/<int:pk>/closing/complete/", complete, name="closing_complete"),
    path("grants/<int:pk>/closing/documents/", document, name="closing_document"),
    path("grants/<int:pk>/closing/report/", report, name="closing_report"),
    path(
        "grants/<int:pk>/closing/spending.xlsx", spending_download, name="closing_spending_download"
    ),
    path(
        "grants/<int:pk>/closing/spending/upload/", spending_upload, name="closing_spending_upload"
    ),
    path("grants/<int:pk>/closing/inspection/", inspection, name="closing_inspection"),
    path("grants/<int:pk>/closing/corrections/", corrections_done, name="closing_corrections_done"),
    path("grants/<int:pk>/closing/fix/", fix, name="closing_fix"),
    path("grants/<int:pk>/closing/notice.docx", notice, name="closing_notice"),
    path("grants/<int:pk>/closing/claims/", claim, name="closing_claim"),
    path("grants/claims/<int:pk>/payment/", payment, name="closing_payment"),
    path("grants/<int:pk>/closing/refund-orders/", refund_order, name="closing_refund_order"),
    path("grants/refund-orders/<int:pk>/refund/", refund, name="closing_refund"),
    path("grants/<int:pk>/closing/property/", property_add, name="closing_property"),
    path(
        "grants/property/<int:pk>/disposal-request/",
        disposal_request,
        name="closing_disposal_request",
    ),
    path("grants/property/<int:pk>/disposed/", dispose, name="closing_dispose"),
    path(
        "grants/disposal-requests/<int:pk>/decision/",
        disposal_decide,
        name="closing_disposal_decide",
    ),
    path("grants/<int:pk>/closing/annual-reports/", annual, name="closing_annual"),
    path(
        "grants/<int:pk>/closing/corporate-changes/",
        corporate_change,
        name="closing_corporate_change",
    ),
    path("grants/<int:pk>/closing/cancel/", cancel, name="closing_cancel"),
    path("grants/<int:pk>/closing/close/", close, name="closing_close"),
]


def panel(request: HttpRequest, grant: Grant) -> dict[str, Any]:
    """Context for ``grants/closing/_panel.html`` on the grant's page: where the grant stands
    after implementation, with the link to the closing page."""
    if grant.state in (S.DRAFTING, S.UNDER_REVIEW, S.NAIJI_REVOKED):
        return {"closing": None}
    fixing = getattr(grant, "amount_fixing", None)
    report = getattr(grant, "completion_report", None)
    return {
        "closing": {
            "report": report,
            "fixing": fixing,
            "claims": list(grant.claims.select_related("payment")),
            "open_refunds": grant.refund_orders.filter(refunded_on__isnull=True).count(),
            "items": grant.property_items.count(),
            "annual_reports": grant.annual_reports.count(),
        }
    }
