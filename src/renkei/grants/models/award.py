"""From the 内示 to the grant decision and through implementation (JCM 4.(1)–(4), 4.(6)①,
4.(10), 2.(4)② 注3, 2.(11)): the grant application and its versions, the office's pre-check,
the decision, the budget allocations in force, procurement, change requests, stop/abolish
requests, interim inspections and year-end reports.

Budgets are JSON ``{"<fiscal year>": {"construction": yen, "equipment": yen, "admin": yen}}``
(integer yen; categories as ``core.Category``), checked by the services before they are stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.grants.models.core import Category, Grant

__all__ = [
    "Allocation",
    "ChangeKind",
    "ChangeRequest",
    "GrantApplication",
    "GrantApplicationVersion",
    "GrantDecision",
    "InterimInspection",
    "PreCheckRequest",
    "ProcurementRecord",
    "RequestState",
    "StopRequest",
    "YearEndReport",
]

User = settings.AUTH_USER_MODEL


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    RECORDED = "recorded", _("Recorded (no prior approval needed)")


class GrantApplication(models.Model):
    """The 交付申請 (4.(1)–(2)): drafted by the representative participant (2.(4)② 注2),
    pre-checked by the office, which may ask for corrections (versions keep every edit)."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="application")
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # the office's withdrawal of the 内示 (4.(2)), with its reason
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("grant application")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="grantapp_revocation_has_reason",
            ),
        ]


class GrantApplicationVersion(models.Model):
    """One edit of the application: the budget by fiscal year and category, the plan and the
    planned completion date; ``submitted_at`` once sent to the office."""

    application = models.ForeignKey(
        GrantApplication, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    budget = models.JSONField(default=dict)
    content = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # submitted after the 30-day due date of 4.(2) (flagged, not refused: spec A-05)
    submitted_late = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("grant application version")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="grantappversion_unique_number"
            ),
        ]


class PreCheckRequest(models.Model):
    """The office's 事前確認 asking for corrections (4.(1)); answered by a later version."""

    application = models.ForeignKey(
        GrantApplication, on_delete=models.PROTECT, related_name="prechecks"
    )
    version = models.ForeignKey(GrantApplicationVersion, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    asked_at = models.DateTimeField(default=clock.now)
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_by_version = models.ForeignKey(
        GrantApplicationVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pre-check request")
        ordering = ["asked_at", "pk"]


class GrantDecision(models.Model):
    """The 交付決定 (4.(2), 2.(9)): amount and rate cap everything after it."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="decision")
    application_version = models.ForeignKey(
        GrantApplicationVersion, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(max_length=40, unique=True)
    decided_on = models.DateField()
    amount_jpy = models.BigIntegerField(_("decided amount (JPY)"))
    rate = models.DecimalField(_("subsidy rate"), max_digits=5, decimal_places=4)
    completion_due = models.DateField(_("completion due"))
    decided_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    findings = models.JSONField(default=list, blank=True)
    rulebook = models.CharField(max_length=80, blank=True)  # id@version that checked it

    class Meta:
        verbose_name = _("grant decision")
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gt=0), name="decision_amount_positive"),
            models.CheckConstraint(
                condition=Q(rate__gt=0) & Q(rate__lte=1), name="decision_rate_in_range"
            ),
        ]


class Allocation(models.Model):
    """A budget in force: the decision's, then each approved change's (the previous one stays,
    with ``superseded_at``). Exactly one is current per grant."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="allocations")
    budget = models.JSONField()  # eligible cost {fy: {category: yen}}
    amount_jpy = models.BigIntegerField()  # the subsidy amount in force
    source = models.CharField(max_length=20)  # decision | change
    change = models.ForeignKey(
        "ChangeRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("budget allocation")
        ordering = ["grant", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant"],
                condition=Q(superseded_at__isnull=True),
                name="allocation_one_current_per_grant",
            ),
            models.CheckConstraint(
                condition=Q(amount_jpy__gt=0), name="allocation_amount_positive"
            ),
        ]


class ProcurementRecord(models.Model):
    """An order placed for the project (4.(3)): on or after the decision date, how the supplier
    was chosen (competition unless markedly difficult or inappropriate), paid in the same FY."""

    class Method(models.TextChoices):
        TENDER = "tender", _("Competitive tender")
        QUOTATIONS = "quotations", _("Comparison of quotations")
        SOLE = "sole", _("Single supplier (with the reason)")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="procurements")
    fiscal_year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.CharField(max_length=300)
    supplier = models.CharField(max_length=200)
    method = models.CharField(max_length=20, choices=Method.choices)
    method_reason = models.TextField(blank=True)
    ordered_on = models.DateField()
    amount_jpy = models.BigIntegerField()
    paid_on = models.DateField(null=True, blank=True)
    # what the rules flag without refusing, e.g. a payment outside the order's FY (4.(3)③)
    flags = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("procurement record")
        ordering = ["grant", "ordered_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_jpy__gt=0), name="procurement_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_on__gte=models.F("ordered_on")),
                name="procurement_paid_after_order",
            ),
            models.CheckConstraint(
                condition=~Q(method="sole") | ~Q(method_reason=""),
                name="procurement_sole_has_reason",
            ),
        ]


class ChangeKind(models.TextChoices):
    AMOUNT = "amount", _("Change of the subsidy amount (変更交付申請, 4.(4)1))")
    REALLOCATION = "reallocation", _("Reallocation between categories (計画変更, 4.(4)2)①)")
    CONTENT = "content", _("Change of the project's content (計画変更, 4.(4)2)②)")
    CONSORTIUM = "consortium", _("Change of consortium members (2.(4)② 注3)")


class ChangeRequest(models.Model):
    """A change during implementation, with the rules core's verdict (``verdict``: whether
    prior approval is needed, the threshold, the clause and the reading applied) shown to both
    sides, and the office's decision."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    state = models.CharField(max_length=20, choices=RequestState.choices)
    description = models.TextField()
    budget = models.JSONField(null=True, blank=True)  # proposed {fy: {category: yen}}
    amount_jpy = models.BigIntegerField(null=True, blank=True)  # proposed subsidy amount
    details = models.JSONField(default=dict, blank=True)  # minor-change answers, members, …
    verdict = models.JSONField(default=dict, blank=True)
    approval_required = models.BooleanField()
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("change request")
        ordering = ["grant", "submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_jpy__isnull=True) | Q(amount_jpy__gt=0),
                name="change_amount_positive",
            ),
        ]


class StopRequest(models.Model):
    """A request to suspend or abolish all or part of the project, including when it cannot be
    completed in time (4.(10))."""

    class Kind(models.TextChoices):
        SUSPEND = "suspend", _("Suspend (中止)")
        ABOLISH = "abolish", _("Abolish (廃止)")

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="stop_requests")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    whole = models.BooleanField(default=True)
    late_completion = models.BooleanField(default=False)
    reason = models.TextField()
    state = models.CharField(max_length=20, choices=RequestState.choices)
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("suspension or abolition request")
        ordering = ["grant", "submitted_at", "pk"]


class InterimInspection(models.Model):
    """The office's 中間検査 in a non-final fiscal year (2.(11)): documents, and a site visit if
    needed, with the representative present."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="interim_inspections")
    fiscal_year = models.PositiveSmallIntegerField()
    inspected_on = models.DateField()
    on_site = models.BooleanField(default=False)
    representative_attended = models.BooleanField(default=False)
    attendees = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=clock.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("interim inspection")
        ordering = ["grant", "inspected_on", "pk"]


class YearEndReport(models.Model):
    """The 年度終了実績報告書 for a fiscal year that ended during implementation (4.(6)①): the
    spending per category that year, due 10 April of the next fiscal year."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="year_end_reports")
    fiscal_year = models.PositiveSmallIntegerField()
    spending = models.JSONField()  # {category: yen}
    narrative = models.TextField(blank=True)
    due_on = models.DateField()
    late = models.BooleanField(default=False)  # submitted after due_on (4.(6)①), flagged
    submitted_at = models.DateTimeField(default=clock.now)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("year-end report")
        ordering = ["grant", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "fiscal_year"], name="yearend_once_per_fy"),
        ]
