"""The grant's closing part in the REST API (see ``renkei.grants.services.closing``): completion,
the completion report with its documents and its spending workbook, the final inspection, the
fixed amount and its notice, claims and payments, refunds, the property ledger and disposals,
annual project reports, corporate changes, cancellation and closing. The same services and the
same access policy as the pages; a grant the caller cannot see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StringConstraints

from renkei import access
from renkei.apikit import ERROR_TEXT, ErrorOut, jst, op, path_id, plain, text
from renkei.grants.models import (
    Claim,
    DisposalRequest,
    Grant,
    PropertyItem,
    RefundOrder,
)
from renkei.grants.services import closing as services
from renkei.services import NotAllowed, ServiceError

router = Router(tags=["grants"])

GrantId = path_id("Grant id.")
ClaimId = path_id("Claim id.")
OrderId = path_id("Refund order id.")
ItemId = path_id("Property item id.")
RequestId = path_id("Disposal request id.")
Long = text(10_000)
LongOptional = text(10_000, min_length=0)
Short = text(200)
ShortOptional = text(300, min_length=0)
Site = text(120, min_length=0)
Counterparty = text(200, min_length=0)
Why = text(2000)
WhyOptional = text(2000, min_length=0)
Yen = Annotated[int, Field(ge=0, le=services.MAX_YEN)]
# tonnes of CO2 as a decimal string (the API's decimals are strings, never JSON numbers)
Tco2 = Annotated[str, StringConstraints(pattern=r"^\d{1,11}(\.\d{1,3})?$")]
Budget = dict[Annotated[str, Field(pattern=r"^\d{4}$")], dict[str, int]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ERRORS = (400, 401, 403, 404, 422)


# --- answers ---------------------------------------------------------------------------------
class DocumentOut(Schema):
    id: int = Field(description="Document id.")
    kind: str = Field(description="invoice, receipt, implementation_report, inspection or other.")
    name: str = Field(description="The file's name as uploaded.")
    size: int = Field(description="Bytes.")
    sha256: str = Field(description="SHA-256 of every byte.")
    uploaded_at: dt.datetime = Field(description="When (+09:00).")
    completion_report: bool = Field(description="Attached to the submitted completion report.")


class ReportOut(Schema):
    spending: dict[str, dict[str, int]] = Field(
        description="Actual eligible cost {FY: {category: yen}}."
    )
    excluded: list[dict[str, Any]] = Field(
        description="Lines taken out, with their reasons (2.(7))."
    )
    narrative: str = Field(description="The implementation report (実施報告書).")
    expected_annual_reduction_tco2: str | None = Field(description="Expected tCO2 per year.")
    due_on: dt.date = Field(description="Due date (4.(6)②: the earlier of C+30 and 10 March).")
    late: bool = Field(description="Submitted after its due date (flagged, 4.(6)②).")
    after_stop: bool = Field(description="Filed after an approved suspension or abolition.")
    submitted_at: dt.datetime = Field(description="When (+09:00).")


class InspectionOut(Schema):
    inspected_on: dt.date = Field(description="Date of the inspection.")
    on_site: bool = Field(description="On site (in principle, 4.(7)).")
    no_site_reason: str = Field(description="Why there was no site visit (spec A-10).")
    representative_attended: bool = Field(
        description="The representative participant attended (2.(11))."
    )
    attendees: str = Field(description="Who attended.")
    findings: str = Field(description="What the inspection found.")
    corrections: str = Field(description="Corrections asked.")
    corrections_done_on: dt.date | None = Field(description="When they were done.")


class FixingOut(Schema):
    number: str = Field(description="Number of the fixed-amount notice (交付額確定通知書).")
    fixed_on: dt.date = Field(description="Date the amount is fixed.")
    amount_jpy: int = Field(description="The fixed amount (2.(8), 4.(6)②).")
    advances_jpy: int = Field(description="Advances paid before it (概算払).")
    final_payment_jpy: int = Field(description="Fixed amount − advances (≥ 0, 4.(7)).")
    refund_jpy: int = Field(description="Advances above the fixed amount, ordered back (4.(7)).")
    lines: list[dict[str, Any]] = Field(description="The computation line by line (rules core).")


class ClaimOut(Schema):
    id: int = Field(description="Claim id.")
    kind: Literal["advance", "final"] = Field(description="概算払 or 精算払.")
    fiscal_year: int | None = Field(description="The fiscal year of an advance.")
    amount_jpy: int = Field(description="Amount claimed (yen).")
    received_on: dt.date = Field(description="Date the claim was received.")
    due_on: dt.date = Field(description="Payment due: 30 April of FY(received)+1 (4.(7)).")
    paid_on: dt.date | None = Field(description="When it was paid.")
    paid_jpy: int | None = Field(description="What was paid.")


class RefundOut(Schema):
    id: int = Field(description="Refund order id.")
    reason: Literal["excess_advance", "cancellation"] = Field(
        description="excess_advance (4.(7)) or cancellation (4.(10))."
    )
    amount_jpy: int = Field(description="Amount ordered back (yen).")
    ordered_on: dt.date = Field(description="Date of the order.")
    due_on: dt.date | None = Field(description="Due date (the 交付規程's; spec A-03).")
    refunded_on: dt.date | None = Field(description="Date the refund was received.")
    refunded_jpy: int | None = Field(description="Amount refunded (yen).")


class DisposalOut(Schema):
    id: int = Field(description="Disposal request id.")
    kind: str = Field(description="sell, exchange, lend, mortgage, scrap or other_use.")
    planned_on: dt.date = Field(description="Planned date of the disposal.")
    counterparty: str = Field(description="Buyer, lender, bank or other counterparty.")
    foreign_member: bool = Field(description="Transfer to a foreign consortium member (reported).")
    reason: str = Field(description="Why the item is to be disposed of.")
    state: str = Field(description="submitted, approved or refused.")
    decision_reason: str = Field(description="The office's reason.")
    verdict: dict[str, Any] = Field(description="The rules core's verdict (4.(8)).")


class ItemOut(Schema):
    id: int = Field(description="Property item id.")
    name: str = Field(description="The item.")
    site: str = Field(description="The site (per-site cost breakdown, 4.(5)).")
    quantity: int = Field(description="How many.")
    unit_price_jpy: int = Field(
        description="Unit price in yen (≥ 500,000: approval needed to dispose)."
    )
    acquired_on: dt.date = Field(description="Date acquired.")
    operation_started_on: dt.date | None = Field(description="Start of operation (O).")
    useful_life_years: int = Field(description="Statutory useful life in years.")
    restriction_ends: dt.date | None = Field(description="End of the disposal restriction.")
    approval_required: bool = Field(description="Unit price ≥ JPY 500,000 (4.(8)).")
    location: str = Field(description="Where it is.")
    disposed_on: dt.date | None = Field(description="Date it was disposed of.")
    disposals: list[DisposalOut] = Field(description="Disposal requests for the item.")


class PeriodOut(Schema):
    period_start: dt.date = Field(description="First day of the reporting period.")
    period_end: dt.date = Field(description="Last day of the reporting period.")
    due: dt.date | None = Field(description="None: the call sets no due date (spec A-21).")
    expected_tco2: str | None = Field(description="Expected reduction for the period (A-34).")
    reported: bool = Field(description="A report for the period was submitted.")


class AnnualOut(Schema):
    period_start: dt.date = Field(description="First day of the reporting period.")
    period_end: dt.date = Field(description="Last day of the reporting period.")
    reductions_tco2: str = Field(
        description='GHG reductions in the period, tCO2 as a decimal string, e.g. "101.9".'
    )
    expected_tco2: str | None = Field(
        description="Expected reduction for the period, tCO2 (A-34 reading)."
    )
    operating_status: str = Field(description="Operating status of the equipment.")
    property_status: str = Field(description="How the acquired property is managed (4.(8)).")
    shortfall_reason: str = Field(
        description="Why the expected reductions were not achieved (4.(8))."
    )


class ChangeOut(Schema):
    kind: Literal["merger", "name", "address"] = Field(description="merger, name or address.")
    effective_on: dt.date = Field(description="Date the change takes effect.")
    description: str = Field(description="What changed.")


class CancellationOut(Schema):
    grounds: list[str] = Field(description="Grounds: ①–④ of 4.(10) or 4.(11).")
    whole: bool = Field(description="Whole (true) or part (false) of the decision.")
    reason: str = Field(description="Why.")
    refund_jpy: int = Field(description="Refund ordered with it (yen).")
    decided_on: dt.date = Field(description="Date of the decision.")


class ClosingOut(Schema):
    grant_id: int = Field(description="Grant id.")
    state: str = Field(description="The grant's state.")
    completed_on: dt.date | None = Field(description="Completion date (C).")
    operation_started_on: dt.date | None = Field(description="Start of operation (O).")
    useful_life_years: int | None = Field(description="Statutory useful life in years.")
    documents: list[DocumentOut] = Field(
        description="Invoices, receipts and other closing documents."
    )
    completion_report: ReportOut | None = Field(
        description="The completion report, once submitted."
    )
    final_inspection: InspectionOut | None = Field(
        description="The final inspection, once recorded."
    )
    amount_fixing: FixingOut | None = Field(description="The fixed amount, once fixed.")
    claims: list[ClaimOut] = Field(description="Payment claims with their payments.")
    refund_orders: list[RefundOut] = Field(description="Refund orders.")
    property_items: list[ItemOut] = Field(description="The acquired-property ledger.")
    annual_periods: list[PeriodOut] = Field(
        description="Reporting periods of the useful life (rules core)."
    )
    annual_reports: list[AnnualOut] = Field(description="Annual project reports submitted.")
    corporate_changes: list[ChangeOut] = Field(description="Corporate changes reported (4.(9)).")
    cancellations: list[CancellationOut] = Field(description="Cancellations of the decision.")
    close_blockers: list[str] = Field(description="Why the grant cannot be closed yet (A-41).")
    readings: dict[str, str] = Field(description="The readings this part applies (id → text).")


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def closing_out(grant: Grant) -> ClosingOut:
    grant = Grant.objects.get(pk=grant.pk)
    report = getattr(grant, "completion_report", None)
    inspection = getattr(grant, "final_inspection", None)
    fixing = getattr(grant, "amount_fixing", None)
    reported = set(grant.annual_reports.values_list("period_start", flat=True))
    try:
        periods = services.annual_periods(grant)
    except ServiceError:  # facts out of the rulebook's period: shown as none
        periods = []
    return ClosingOut(
        grant_id=grant.pk,
        state=grant.state,
        completed_on=grant.completed_on,
        operation_started_on=grant.operation_started_on,
        useful_life_years=grant.useful_life_years,
        documents=[
            DocumentOut(
                id=d.pk,
                kind=d.kind,
                name=d.original_name,
                size=d.size,
                sha256=d.sha256,
                uploaded_at=jst(d.uploaded_at),
                completion_report=d.record_type == services.CLOSING_RECORD,
            )
            for d in grant.documents.filter(kind__in=list(services.DOCUMENT_KINDS))
        ],
        completion_report=ReportOut(
            spending=report.spending,
            excluded=plain(report.excluded),
            narrative=report.narrative,
            expected_annual_reduction_tco2=plain(report.expected_annual_reduction_tco2),
            due_on=report.due_on,
            late=report.late,
            after_stop=report.after_stop,
            submitted_at=jst(report.submitted_at),
        )
        if report
        else None,
        final_inspection=InspectionOut(
            inspected_on=inspection.inspected_on,
            on_site=inspection.on_site,
            no_site_reason=inspection.no_site_reason,
            representative_attended=inspection.representative_attended,
            attendees=inspection.attendees,
            findings=inspection.findings,
            corrections=inspection.corrections,
            corrections_done_on=inspection.corrections_done_on,
        )
        if inspection
        else None,
        amount_fixing=FixingOut(
            number=fixing.number,
            fixed_on=fixing.fixed_on,
            amount_jpy=fixing.amount_jpy,
            advances_jpy=fixing.advances_jpy,
            final_payment_jpy=int(fixing.computation["final_payment_jpy"]),
            refund_jpy=int(fixing.computation["refund_jpy"]),
            lines=plain(fixing.computation["lines"]),
        )
        if fixing
        else None,
        claims=[_claim_out(c) for c in grant.claims.select_related("payment")],
        refund_orders=[_refund_out(o) for o in grant.refund_orders.all()],
        property_items=[_item_out(i) for i in grant.property_items.prefetch_related("disposals")],
        annual_periods=[
            PeriodOut(
                period_start=p["period_start"],
                period_end=p["period_end"],
                due=_day(p["due"]),
                expected_tco2=plain(
                    services.expected_for_period(grant, p["period_start"], p["period_end"])
                ),
                reported=p["period_start"] in reported,
            )
            for p in periods
        ],
        annual_reports=[
            AnnualOut(
                period_start=a.period_start,
                period_end=a.period_end,
                reductions_tco2=str(a.reductions_tco2),
                expected_tco2=plain(a.expected_tco2),
                operating_status=a.operating_status,
                property_status=a.property_status,
                shortfall_reason=a.shortfall_reason,
            )
            for a in grant.annual_reports.all()
        ],
        corporate_changes=[
            ChangeOut(kind=c.kind, effective_on=c.effective_on, description=c.description)
            for c in grant.corporate_changes.all()
        ],
        cancellations=[
            CancellationOut(
                grounds=c.grounds,
                whole=c.whole,
                reason=c.reason,
                refund_jpy=c.refund_jpy,
                decided_on=c.decided_on,
            )
            for c in grant.cancellations.all()
        ],
        close_blockers=services.close_check(grant) if grant.state == "paid" else [],
        readings={k: str(v) for k, v in services.READINGS.items()},
    )


def _claim_out(c: Claim) -> ClaimOut:
    payment = getattr(c, "payment", None)
    return ClaimOut(
        id=c.pk,
        kind=c.kind,
        fiscal_year=c.fiscal_year,
        amount_jpy=c.amount_jpy,
        received_on=c.received_on,
        due_on=c.due_on,
        paid_on=payment.paid_on if payment else None,
        paid_jpy=payment.amount_jpy if payment else None,
    )


def _refund_out(o: RefundOrder) -> RefundOut:
    return RefundOut(
        id=o.pk,
        reason=o.reason,
        amount_jpy=o.amount_jpy,
        ordered_on=o.ordered_on,
        due_on=o.due_on,
        refunded_on=o.refunded_on,
        refunded_jpy=o.refunded_jpy,
    )


def _disposal_out(d: DisposalRequest) -> DisposalOut:
    return DisposalOut(
        id=d.pk,
        kind=d.kind,
        planned_on=d.planned_on,
        counterparty=d.counterparty,
        foreign_member=d.foreign_member,
        reason=d.reason,
        state=d.state,
        decision_reason=d.decision_reason,
        verdict=plain(d.verdict),
    )


def _item_out(i: PropertyItem) -> ItemOut:
    return ItemOut(
        id=i.pk,
        name=i.name,
        site=i.site,
        quantity=i.quantity,
        unit_price_jpy=i.unit_price_jpy,
        acquired_on=i.acquired_on,
        operation_started_on=i.operation_started_on,
        useful_life_years=i.useful_life_years,
        restriction_ends=i.restriction_ends,
        approval_required=i.approval_required,
        location=i.location,
        disposed_on=i.disposed_on,
        disposals=[_disposal_out(d) for d in i.disposals.all()],
    )


def _grant(request, grant_id: int) -> Grant:
    grant = access.grants_for(request.user).filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    return grant


def _visible(request, model, pk: int, grant_path: str):
    grants = access.grants_for(request.user)
    row = model.objects.filter(pk=pk, **{f"{grant_path}__in": grants}).first()
    if row is None:
        raise Http404
    return row


# --- requests --------------------------------------------------------------------------------
class CompletionIn(Schema):
    completed_on: dt.date = Field(description="C: installation, test run and payments done.")
    operation_started_on: dt.date = Field(description="O: the equipment started operating.")
    useful_life_years: int = Field(ge=1, le=100, description="Statutory useful life (years).")


class ExcludedIn(Schema):
    description: Short = Field(description="What the cost is.")
    fiscal_year: int | None = Field(
        default=None, ge=2000, le=2100, description="Fiscal year it was spent in, e.g. 2024."
    )
    category: Literal["", "construction", "equipment", "admin"] = Field(
        default="", description="別表1 category: construction, equipment or admin."
    )
    amount_jpy: Yen = Field(description="Amount excluded (yen).")
    kind: Literal["ineligible", "own_product_profit"] = Field(
        default="ineligible", description="ineligible or own_product_profit (2.(7) 利益排除)."
    )
    reason: Why = Field(description="Why it is not eligible (2.(7)).")


class ReportIn(Schema):
    spending: Budget = Field(
        description="Actual eligible cost {FY: {construction|equipment|admin: yen}}."
    )
    excluded: list[ExcludedIn] = Field(
        default_factory=list,
        max_length=200,
        description="Lines taken out of the actual cost, each with its reason (2.(7)).",
    )
    narrative: Long = Field(description="The implementation report (実施報告書).")
    expected_annual_reduction_tco2: Tco2 | None = Field(
        default=None,
        description="Expected GHG reduction per year at completion, tCO2 as a decimal "
        'string, e.g. "1200.5" (4.(8)).',
    )


class InspectionIn(Schema):
    inspected_on: dt.date = Field(description="Date of the inspection.")
    on_site: bool = Field(default=True, description="On site (in principle, 4.(7)).")
    no_site_reason: LongOptional = Field(
        default="", description="Why there is no site visit (spec A-10)."
    )
    representative_attended: bool = Field(
        default=False, description="The representative participant attended (2.(11))."
    )
    attendees: LongOptional = Field(default="", description="Who attended.")
    findings: LongOptional = Field(default="", description="What the inspection found.")
    corrections: LongOptional = Field(default="", description="Corrections asked.")
    corrections_done_on: dt.date | None = Field(
        default=None, description="When the corrections were done."
    )


class DoneIn(Schema):
    done_on: dt.date = Field(description="Date the corrections were done.")


class FixIn(Schema):
    fixed_on: dt.date = Field(description="Date the amount is fixed.")


class ClaimIn(Schema):
    kind: Literal["advance", "final"] = Field(description="advance (概算払) or final (精算払).")
    received_on: dt.date = Field(description="Date the claim was received.")
    fiscal_year: int | None = Field(
        default=None, ge=2000, le=2100, description="Fiscal year of an advance, e.g. 2024."
    )
    amount_jpy: Yen | None = Field(
        default=None, description="The advance in yen (the final claim is computed)."
    )


class PaymentIn(Schema):
    paid_on: dt.date = Field(description="Date paid.")
    amount_jpy: Yen = Field(description="Amount paid (yen), at most the claim.")


class RefundOrderIn(Schema):
    reason: Literal["excess_advance", "cancellation"] = Field(
        description="excess_advance (4.(7)) or cancellation (4.(10))."
    )
    amount_jpy: Yen = Field(description="Amount ordered back (yen).")
    ordered_on: dt.date = Field(description="Date of the order.")
    due_on: dt.date | None = Field(
        default=None, description="Due date (the 交付規程's; spec A-03)."
    )


class RefundIn(Schema):
    refunded_on: dt.date = Field(description="Date the refund was received.")
    refunded_jpy: Yen = Field(description="Amount refunded (yen).")


class ItemIn(Schema):
    name: Short = Field(description="The item.")
    site: Site = Field(default="", description="The site (per-site cost breakdown, 4.(5)).")
    quantity: int = Field(default=1, ge=1, le=1_000_000, description="How many.")
    unit_price_jpy: Yen = Field(
        description="Unit price in yen (≥ 500,000: approval needed to dispose)."
    )
    acquired_on: dt.date = Field(description="Date acquired.")
    operation_started_on: dt.date | None = Field(
        default=None, description="Start of operation (O)."
    )
    useful_life_years: int = Field(ge=1, le=100, description="Statutory useful life in years.")
    location: ShortOptional = Field(default="", description="Where it is.")


class DisposalIn(Schema):
    kind: Literal["sell", "exchange", "lend", "mortgage", "scrap", "other_use"] = Field(
        description="sell, exchange, lend, mortgage, scrap or other_use."
    )
    planned_on: dt.date = Field(description="Planned date of the disposal.")
    counterparty: Counterparty = Field(
        default="", description="Buyer, lender, bank or other counterparty."
    )
    reason: Why = Field(description="Why the item is to be disposed of.")
    foreign_member: bool = Field(
        default=False,
        description="Transfer to a foreign consortium member (reported in advance, A-18).",
    )


class DecisionIn(Schema):
    approve: bool = Field(description="Approve (true) or refuse (false).")
    reason: WhyOptional = Field(default="", description="Why (required to refuse).")


class DisposedIn(Schema):
    disposed_on: dt.date = Field(description="Date it was disposed of.")


class AnnualIn(Schema):
    period_start: dt.date = Field(description="First day of the reporting period.")
    period_end: dt.date = Field(description="Last day of the reporting period.")
    reductions_tco2: Tco2 = Field(
        description='GHG reductions in the period, tCO2 as a decimal string, e.g. "101.9".'
    )
    operating_status: Long = Field(description="Operating status of the equipment.")
    property_status: Long = Field(description="How the acquired property is managed (4.(8)).")
    shortfall_reason: LongOptional = Field(
        default="", description="Why the expected reductions were not achieved (4.(8))."
    )


class ChangeIn(Schema):
    kind: Literal["merger", "name", "address"] = Field(description="merger, name or address.")
    effective_on: dt.date = Field(description="Date the change takes effect.")
    description: Long = Field(description="What changed.")


class CancelIn(Schema):
    grounds: list[Annotated[str, Field(max_length=20)]] = Field(
        min_length=1, max_length=6, description="Ids among ①, ②, ③, ④, 4.(11)."
    )
    whole: bool = Field(default=True, description="Whole (true) or part (false) of the decision.")
    reason: Why = Field(description="Why (under ④: the part not refunded, A-32).")
    refund_jpy: Yen = Field(default=0, description="Refund ordered with it (yen).")
    decided_on: dt.date = Field(description="Date of the decision.")


# --- operations ------------------------------------------------------------------------------
def _ok(text_: str, code: int = 200):
    return op({code: (ClosingOut, text_)}, *ERRORS)


@router.get(
    "/grants/{grant_id}/closing",
    summary="Completion to payment and the years after, as it stands",
    **op({200: (ClosingOut, "The closing part of the grant.")}, 401, 404, 422),
)
def closing_detail(request, grant_id: GrantId) -> ClosingOut:
    """Completion, its report, the inspection, the fixed amount, claims, payments, refunds, the
    property ledger, annual reports, corporate changes and cancellations of one grant."""
    return closing_out(_grant(request, grant_id))


@router.post(
    "/grants/{grant_id}/completion",
    summary="Record the completion (the representative participant)",
    **_ok("Completed (J09)."),
)
def grant_complete(request, grant_id: GrantId, body: CompletionIn) -> ClosingOut:
    """On or after the decision and by the completion due date (2.(10)); a later completion is
    refused: a request to suspend or abolish is required (4.(10), spec A-31)."""
    grant = services.grant_complete(
        actor=request.user, grant=_grant(request, grant_id), **body.dict()
    )
    return closing_out(grant)


@router.post(
    "/grants/{grant_id}/closing-documents",
    summary="Upload an invoice, receipt or other closing document",
    **op({201: (DocumentOut, "Stored, with its SHA-256.")}, *ERRORS),
)
def closing_document_add(
    request,
    grant_id: GrantId,
    file: Annotated[UploadedFile, File(description="The file (allowed types; size limit).")],
    kind: Annotated[
        Literal["invoice", "receipt", "implementation_report", "inspection", "other"],
        Form(description="What the file is."),
    ],
) -> Status:
    """Type allow-list, size limit and SHA-256, as for proposal attachments."""
    doc = services.closing_document_add(
        actor=request.user, grant=_grant(request, grant_id), kind=kind, upload=file
    )
    return Status(
        201,
        DocumentOut(
            id=doc.pk,
            kind=doc.kind,
            name=doc.original_name,
            size=doc.size,
            sha256=doc.sha256,
            uploaded_at=jst(doc.uploaded_at),
            completion_report=False,
        ),
    )


@router.post(
    "/grants/{grant_id}/completion-report",
    summary="Submit the completion report (the representative participant)",
    **_ok("Submitted (J10); late reports are flagged.", 201),
)
def completion_report_submit(request, grant_id: GrantId, body: ReportIn) -> Status:
    """Actual eligible spending by fiscal year and category, excluded lines with reasons, the
    implementation report; invoices and receipts uploaded first (4.(6)②)."""
    grant = _grant(request, grant_id)
    services.completion_report_submit(
        actor=request.user,
        grant=grant,
        spending=body.spending,
        excluded=[e.dict() for e in body.excluded],
        narrative=body.narrative,
        expected_annual_reduction_tco2=body.expected_annual_reduction_tco2,
    )
    return Status(201, closing_out(grant))


_XLSX_DOC = {
    "responses": {
        200: {
            "description": "The spending statement as an .xlsx workbook (attachment).",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        },
        401: {"description": ERROR_TEXT[401]},
        404: {"description": ERROR_TEXT[404]},
        422: {"description": ERROR_TEXT[422]},
    }
}


@router.get(
    "/grants/{grant_id}/completion-report/spending.xlsx",
    summary="Download the spending statement (.xlsx)",
    response={code: ErrorOut for code in (401, 404, 422)},
    openapi_extra=_XLSX_DOC,
)
def spending_download(request, grant_id: GrantId) -> HttpResponse:
    """The submitted spending, or before the report the allocation in force, by fiscal year and
    category, to fill in and upload back."""
    from renkei.grants.views_closing import spending_workbook

    grant = _grant(request, grant_id)
    response = HttpResponse(spending_workbook(grant, get_language() or "ja"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="spending_{grant.number}.xlsx"'
    return response


class SpendingOut(Schema):
    spending: dict[str, dict[str, int]] = Field(description="{FY: {category: yen}} as read.")


@router.post(
    "/grants/{grant_id}/completion-report/spending.xlsx",
    summary="Read a spending statement (.xlsx) back",
    **op({200: (SpendingOut, "The spending as read, to put in the report.")}, *ERRORS),
)
def spending_upload(
    request,
    grant_id: GrantId,
    file: Annotated[UploadedFile, File(description="The workbook (.xlsx).")],
) -> SpendingOut:
    """Every faulty cell is named (`sheet!cell: what is wrong — what would be right`)."""
    from renkei.grants.workbook import WorkbookError, read_budget_xlsx

    grant = _grant(request, grant_id)
    if not access.can(request.user, "submit_completion_report", grant):
        raise NotAllowed(_("You are not allowed to do this."))
    try:
        spending = read_budget_xlsx(file.read(), lang=get_language() or "ja", kind="spending")
    except WorkbookError as exc:
        raise ServiceError(exc.errors[0] if exc.errors else str(exc), errors=exc.errors) from None
    return SpendingOut(spending={str(k): v for k, v in spending.items()})


@router.post(
    "/grants/{grant_id}/final-inspection",
    summary="Record the final inspection (office)",
    **_ok("Inspected (J11).", 201),
)
def final_inspection_record(request, grant_id: GrantId, body: InspectionIn) -> Status:
    """On site in principle with the representative present; without a site visit, why."""
    grant = _grant(request, grant_id)
    services.final_inspection_record(actor=request.user, grant=grant, **body.dict())
    return Status(201, closing_out(grant))


@router.post(
    "/grants/{grant_id}/final-inspection/corrections-done",
    summary="Record that the corrections asked were made (office)",
    **_ok("Recorded."),
)
def corrections_done(request, grant_id: GrantId, body: DoneIn) -> ClosingOut:
    """Before the amount is fixed."""
    grant = _grant(request, grant_id)
    inspection = getattr(grant, "final_inspection", None)
    if inspection is None:
        raise ServiceError(_("No final inspection is recorded yet."))
    services.final_inspection_corrections_done(
        actor=request.user, inspection=inspection, done_on=body.done_on
    )
    return closing_out(grant)


@router.post(
    "/grants/{grant_id}/amount-fixing",
    summary="Fix the amount (office)",
    **_ok("Fixed (J12), with the computation line by line.", 201),
)
def amount_fix(request, grant_id: GrantId, body: FixIn) -> Status:
    """The rules core's fixed amount; advances above it are ordered back (4.(7))."""
    grant = _grant(request, grant_id)
    services.amount_fix(actor=request.user, grant=grant, fixed_on=body.fixed_on)
    return Status(201, closing_out(grant))


@router.get(
    "/grants/{grant_id}/amount-fixing/notice.docx",
    summary="Download the fixed-amount notice (交付額確定通知書, .docx)",
    response={code: ErrorOut for code in (401, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The notice as a Word document (attachment).",
                "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
            },
            401: {"description": ERROR_TEXT[401]},
            404: {"description": "No such grant, not visible to you, or no amount fixed yet."},
            422: {"description": ERROR_TEXT[422]},
        }
    },
)
def amount_notice(request, grant_id: GrantId) -> HttpResponse:
    """For the office and the grant's consortium, once the amount is fixed."""
    grant = _grant(request, grant_id)
    fixing = getattr(grant, "amount_fixing", None)
    if fixing is None:
        raise Http404
    response = HttpResponse(services.amount_notice_docx(fixing), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="kakutei_{fixing.number}.docx"'
    return response


@router.post(
    "/grants/{grant_id}/claims",
    summary="Claim a payment (the representative participant)",
    **op({201: (ClaimOut, "Claimed; due 30 April of FY(received)+1.")}, *ERRORS),
)
def claim_submit(request, grant_id: GrantId, body: ClaimIn) -> Status:
    """``final`` once the amount is fixed (fixed − advances); ``advance`` during implementation
    after the fiscal year's year-end report (spec A-09 reading)."""
    claim = services.claim_submit(
        actor=request.user, grant=_grant(request, grant_id), **body.dict()
    )
    return Status(201, _claim_out(claim))


@router.post(
    "/grants/claims/{claim_id}/payment",
    summary="Record the payment of a claim (office)",
    **op({201: (ClaimOut, "Paid (once; never more than claimed).")}, *ERRORS),
)
def payment_record(request, claim_id: ClaimId, body: PaymentIn) -> Status:
    """A claim is paid once; a second payment is refused (422)."""
    claim = _visible(request, Claim, claim_id, "grant")
    services.payment_record(actor=request.user, claim=claim, **body.dict())
    return Status(201, _claim_out(Claim.objects.select_related("payment").get(pk=claim.pk)))


@router.post(
    "/grants/{grant_id}/refund-orders",
    summary="Order a refund (office)",
    **op({201: (RefundOut, "Ordered.")}, *ERRORS),
)
def refund_order_issue(request, grant_id: GrantId, body: RefundOrderIn) -> Status:
    """Never above what was paid and not yet ordered back."""
    order = services.refund_order_issue(
        actor=request.user, grant=_grant(request, grant_id), **body.dict()
    )
    return Status(201, _refund_out(order))


@router.post(
    "/grants/refund-orders/{order_id}/refund",
    summary="Record a refund received (office)",
    **op({200: (RefundOut, "Refunded.")}, *ERRORS),
)
def refund_record(request, order_id: OrderId, body: RefundIn) -> RefundOut:
    """Once, the whole amount ordered at least."""
    order = _visible(request, RefundOrder, order_id, "grant")
    return _refund_out(services.refund_record(actor=request.user, order=order, **body.dict()))


@router.post(
    "/grants/{grant_id}/property",
    summary="Add an item to the property ledger (the representative participant)",
    **op({201: (ItemOut, "Added, with its restriction end (4.(8)).")}, *ERRORS),
)
def property_item_add(request, grant_id: GrantId, body: ItemIn) -> Status:
    """The rules core gives the end of the disposal restriction; items of JPY 500,000 or more
    need approval to dispose of."""
    item = services.property_item_add(
        actor=request.user, grant=_grant(request, grant_id), **body.dict()
    )
    return Status(201, _item_out(item))


@router.post(
    "/grants/property/{item_id}/disposal-requests",
    summary="Request approval to dispose of an item (the representative participant)",
    **op({201: (DisposalOut, "Requested.")}, *ERRORS),
)
def disposal_request_submit(request, item_id: ItemId, body: DisposalIn) -> Status:
    """Before the act (a mortgage too); refused with why when no approval is needed."""
    item = _visible(request, PropertyItem, item_id, "grant")
    return Status(
        201,
        _disposal_out(
            services.disposal_request_submit(actor=request.user, item=item, **body.dict())
        ),
    )


@router.post(
    "/grants/disposal-requests/{request_id}/decision",
    summary="Approve or refuse a disposal request (office)",
    **op({200: (DisposalOut, "Decided.")}, *ERRORS),
)
def disposal_request_decide(request, request_id: RequestId, body: DecisionIn) -> DisposalOut:
    """A refusal says why."""
    disposal = _visible(request, DisposalRequest, request_id, "item__grant")
    return _disposal_out(
        services.disposal_request_decide(actor=request.user, disposal=disposal, **body.dict())
    )


@router.post(
    "/grants/property/{item_id}/disposal",
    summary="Record that an item was disposed of (the representative participant)",
    **op({200: (ItemOut, "Recorded.")}, *ERRORS),
)
def property_item_dispose(request, item_id: ItemId, body: DisposedIn) -> ItemOut:
    """Inside the restriction period an item of JPY 500,000 or more needs an approved request."""
    item = _visible(request, PropertyItem, item_id, "grant")
    return _item_out(
        services.property_item_dispose(actor=request.user, item=item, disposed_on=body.disposed_on)
    )


@router.post(
    "/grants/{grant_id}/annual-reports",
    summary="Submit an annual project report (the representative participant)",
    **_ok("Submitted.", 201),
)
def annual_report_submit(request, grant_id: GrantId, body: AnnualIn) -> Status:
    """For a period of the useful life (rules core) that has ended; a shortfall needs its reason."""
    grant = _grant(request, grant_id)
    services.annual_report_submit(actor=request.user, grant=grant, **body.dict())
    return Status(201, closing_out(grant))


@router.post(
    "/grants/{grant_id}/corporate-changes",
    summary="Report a corporate change (the representative participant)",
    **_ok("Reported (4.(9)).", 201),
)
def corporate_change_report(request, grant_id: GrantId, body: ChangeIn) -> Status:
    """A merger, integration, name or address change, without delay."""
    grant = _grant(request, grant_id)
    services.corporate_change_report(actor=request.user, grant=grant, **body.dict())
    return Status(201, closing_out(grant))


@router.post(
    "/grants/{grant_id}/cancellation",
    summary="Cancel the grant decision, whole or in part (office)",
    **_ok("Cancelled; a refund, if any, is ordered.", 201),
)
def grant_cancel(request, grant_id: GrantId, body: CancelIn) -> Status:
    """On grounds ①–④ of 4.(10) or 4.(11); under ④ the elapsed part is not refunded (A-32)."""
    grant = _grant(request, grant_id)
    services.grant_cancel(actor=request.user, grant=grant, **body.dict())
    return Status(201, closing_out(grant))


@router.post(
    "/grants/{grant_id}/close",
    summary="Close the grant (office)",
    **_ok("Closed (J16)."),
)
def grant_close(request, grant_id: GrantId) -> ClosingOut:
    """Only once its duties have expired (spec A-41 reading); refused with why otherwise."""
    grant = _grant(request, grant_id)
    services.grant_close(actor=request.user, grant=grant)
    return closing_out(grant)
