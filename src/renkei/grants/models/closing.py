"""From completion to payment and the years after (JCM 4.(5)–(11), 2.(1)②, 2.(5), 2.(8)):
completion and its report, the final inspection, the fixed amount, claims and payments (never
twice), refund orders, cancellation, the acquired-property ledger (取得財産等管理台帳), disposal
requests, annual project reports to MOEJ and corporate changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.grants.models.award import RequestState
from renkei.grants.models.core import Grant

__all__ = [
    "AmountFixing",
    "AnnualReport",
    "Cancellation",
    "Claim",
    "CompletionReport",
    "CorporateChange",
    "DisposalRequest",
    "FinalInspection",
    "Payment",
    "PropertyItem",
    "RefundOrder",
]

User = settings.AUTH_USER_MODEL


class CompletionReport(models.Model):
    """The 完了実績報告書 (4.(6)②): works and payments finished, the actual eligible cost per
    fiscal year and category (``spending``, own products at cost), the implementation report,
    invoices and receipts (``GrantDocument``s)."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="completion_report")
    spending = models.JSONField()  # {fy: {category: yen}} actual eligible cost
    excluded = models.JSONField(default=list, blank=True)  # ineligible / profit lines taken out
    narrative = models.TextField(blank=True)  # 実施報告書: purpose and content (4.(8)※)
    expected_annual_reduction_tco2 = models.DecimalField(
        max_digits=14, decimal_places=3, null=True, blank=True
    )
    due_on = models.DateField()
    basis_on = models.DateField()  # the completion date, or the day the stop was approved
    after_stop = models.BooleanField(
        default=False
    )  # 4.(6)② 「中止又は廃止の承認を受けた場合を含む」
    late = models.BooleanField(default=False)  # submitted after ``due_on`` (flagged, 4.(6)②)
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("completion report")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_annual_reduction_tco2__isnull=True)
                | Q(expected_annual_reduction_tco2__gte=0),
                name="completion_expected_tco2_nonneg",
            ),
        ]


class FinalInspection(models.Model):
    """The 確定検査 (4.(6)②, 4.(7)): documents and, in principle, on site with the
    representative present (2.(11)); corrections asked and done."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="final_inspection")
    inspected_on = models.DateField()
    on_site = models.BooleanField(default=True)
    no_site_reason = models.TextField(blank=True)
    representative_attended = models.BooleanField(default=False)
    attendees = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    corrections = models.TextField(blank=True)
    corrections_done_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("final inspection")
        constraints = [
            # on site in principle (4.(7)); without a visit, the reason (spec A-10)
            models.CheckConstraint(
                condition=Q(on_site=True) | ~Q(no_site_reason=""),
                name="final_inspection_no_site_has_reason",
            ),
        ]


class AmountFixing(models.Model):
    """The 額の確定 (4.(6)②, 2.(8)) with the rules core's computation line by line."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="amount_fixing")
    number = models.CharField(max_length=40, unique=True)
    fixed_on = models.DateField()
    amount_jpy = models.BigIntegerField(_("fixed amount (JPY)"))
    advances_jpy = models.BigIntegerField(default=0)
    computation = models.JSONField()
    fixed_at = models.DateTimeField(default=clock.now)
    fixed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("fixed amount")
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gte=0), name="fixing_amount_nonneg"),
            models.CheckConstraint(condition=Q(advances_jpy__gte=0), name="fixing_advances_nonneg"),
        ]


class Claim(models.Model):
    """A payment claim: an advance (概算払) for a fiscal year's results, or the final settlement
    (精算払 = fixed amount − advances, 4.(7)); paid by 30 April of the FY after it was received."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Advance payment (概算払)")
        FINAL = "final", _("Final settlement (精算払)")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_jpy = models.BigIntegerField()
    received_on = models.DateField()
    due_on = models.DateField()
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("payment claim")
        ordering = ["grant", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gt=0), name="claim_amount_positive"),
            models.UniqueConstraint(
                fields=["grant"], condition=Q(kind="final"), name="claim_one_final_per_grant"
            ),
            models.UniqueConstraint(
                fields=["grant", "fiscal_year"],
                condition=Q(kind="advance"),
                name="claim_one_advance_per_fy",
            ),
            models.CheckConstraint(
                condition=Q(kind="final", fiscal_year__isnull=True)
                | Q(kind="advance", fiscal_year__isnull=False),
                name="claim_fiscal_year_for_advances",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("received_on")), name="claim_due_after_receipt"
            ),
        ]


class Payment(models.Model):
    """A claim paid: at most once (one-to-one), never more than claimed."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment")
    # the claim's amount, copied when the payment is recorded, so that the database itself
    # holds "never more than claimed" (a check constraint cannot read another table)
    claimed_jpy = models.BigIntegerField()
    amount_jpy = models.BigIntegerField()
    paid_on = models.DateField()
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("payment")
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_jpy__lte=models.F("claimed_jpy")),
                name="payment_not_above_claim",
            ),
        ]


class RefundOrder(models.Model):
    """A 返還命令: advances above the fixed amount (4.(7)) or a cancellation (4.(10)).
    Interest and the due date are the 交付規程's (spec A-03, GAP): the office enters them."""

    class Reason(models.TextChoices):
        EXCESS_ADVANCE = "excess_advance", _("Advances exceed the fixed amount (4.(7))")
        CANCELLATION = "cancellation", _("Cancellation of the grant decision (4.(10), 4.(11))")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="refund_orders")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    amount_jpy = models.BigIntegerField()
    ordered_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    refunded_on = models.DateField(null=True, blank=True)
    refunded_jpy = models.BigIntegerField(null=True, blank=True)
    cancellation = models.ForeignKey(
        "Cancellation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    refund_recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("refund order")
        ordering = ["grant", "ordered_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_on__isnull=True, refunded_jpy__isnull=True)
                | Q(refunded_on__gte=models.F("ordered_on"), refunded_jpy__gt=0),
                name="refund_recorded_whole",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("ordered_on")),
                name="refund_due_after_order",
            ),
        ]


class Cancellation(models.Model):
    """The cancellation of the decision, whole or part, on grounds ①–④ of 4.(10), an approved
    stop, or 4.(11); under ④ the part for the period already elapsed is not refunded."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="cancellations")
    grounds = models.JSONField()  # ["4.(10)①", ...]
    whole = models.BooleanField(default=True)
    reason = models.TextField()
    refund_jpy = models.BigIntegerField(default=0)
    decided_on = models.DateField()
    decided_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("cancellation")
        ordering = ["grant", "decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_jpy__gte=0), name="cancellation_refund_nonneg"
            ),
        ]


class PropertyItem(models.Model):
    """A line of the 取得財産等管理台帳 (4.(8)): what was acquired, its unit price, its statutory
    useful life and the day its disposal restriction ends."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="property_items")
    name = models.CharField(max_length=200)
    site = models.CharField(max_length=120, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price_jpy = models.BigIntegerField()
    acquired_on = models.DateField()
    operation_started_on = models.DateField(null=True, blank=True)
    useful_life_years = models.PositiveSmallIntegerField()
    restriction_ends = models.DateField(null=True, blank=True)
    approval_required = models.BooleanField(default=False)  # unit price ≥ JPY 500,000 (4.(8))
    location = models.CharField(max_length=300, blank=True)
    disposed_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("acquired property item")
        ordering = ["grant", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price_jpy__gte=0), name="property_price_nonneg"
            ),
            models.CheckConstraint(condition=Q(useful_life_years__gte=1), name="property_life_pos"),
        ]


class DisposalRequest(models.Model):
    """A request to dispose of (sell, transfer, exchange, lend, mortgage, scrap or use against
    the purpose) an item before its restriction ends (4.(8)), with the rules core's verdict."""

    class Kind(models.TextChoices):
        SELL = "sell", _("Sell or transfer")
        EXCHANGE = "exchange", _("Exchange")
        LEND = "lend", _("Lend")
        MORTGAGE = "mortgage", _("Mortgage or pledge")
        SCRAP = "scrap", _("Demolish or scrap")
        OTHER_USE = "other_use", _("Use against the grant's purpose")

    item = models.ForeignKey(PropertyItem, on_delete=models.PROTECT, related_name="disposals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    planned_on = models.DateField()
    counterparty = models.CharField(max_length=200, blank=True)
    # a transfer to a foreign member of the international consortium: reported in advance as
    # well (4.(8)); this request is that report (spec A-18: report and approval)
    foreign_member = models.BooleanField(default=False)
    reason = models.TextField()
    verdict = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=RequestState.choices)
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("disposal request")
        ordering = ["item", "submitted_at", "pk"]


class AnnualReport(models.Model):
    """The 事業報告書 to MOEJ for one period of the useful life (2.(1)②, 2.(5)②(エ), 4.(8)):
    the first from operation to 31 December, then each calendar year to the life's end."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="annual_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    reductions_tco2 = models.DecimalField(max_digits=14, decimal_places=3)
    operating_status = models.TextField()
    property_status = models.TextField()
    shortfall_reason = models.TextField(blank=True)
    expected_tco2 = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("annual project report")
        ordering = ["grant", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "period_start"], name="annual_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="annual_period_order"
            ),
            models.CheckConstraint(condition=Q(reductions_tco2__gte=0), name="annual_tco2_nonneg"),
        ]


class CorporateChange(models.Model):
    """A merger, integration, name or address change, reported without delay (4.(9))."""

    class Kind(models.TextChoices):
        MERGER = "merger", _("Merger or integration")
        NAME = "name", _("Change of name")
        ADDRESS = "address", _("Change of address")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="corporate_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    effective_on = models.DateField()
    description = models.TextField()
    reported_at = models.DateTimeField(default=clock.now)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("corporate change report")
        ordering = ["grant", "effective_on", "pk"]
