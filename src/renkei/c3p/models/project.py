"""The C3P project after adoption (guidebook 2.1, BOX 6, 3.3 (3), Tables 3 and 5; spec §3.2–3.6).

A ``C3pProject`` points at its adopted C3P proposal (title, partner city, lead organisation and
the adopted amount are read from the proposal and its selection, never copied). It runs in
contract years (``C3pProjectYear``: one per fiscal year, 2.1 "the contract is renewed
annually"), each with its implementation plan (BOX 6), the contract the office signs with the
lead organisation after its cost review (amount incl. tax within the cap, the field-survey
addition, the office's reduction and its reason: 3.3 (3)), mid-year reductions and suspension
(``C3pAmountChange``, 3.3 (3)), activities dated in the year (Table 3), settlement reports by
Table 5 categories (``C3pSettlement`` with its ``C3pExpense`` lines; about twice a year, 2.3, and
the expense settlement report at year end, 2.1) and the year-end business report and deliverables
(2.1, Table 3 (1)). Phases: three years each, at most two (2.1), held by the database too.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.proposals.models import Proposal

__all__ = [
    "C3pActivity",
    "C3pAmountChange",
    "C3pExpense",
    "C3pProject",
    "C3pProjectYear",
    "C3pSettlement",
    "YearState",
]


class C3pProject(models.Model):
    proposal = models.OneToOneField(
        Proposal, on_delete=models.PROTECT, related_name="c3p_project", verbose_name=_("proposal")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    #: the project period ended (the last year of phase 2 closed, or the office ended it)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("reason the project ended"), blank=True)

    class Meta:
        verbose_name = _("C3P project")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.proposal.title


class YearState(models.TextChoices):
    PLANNING = "planning", _("Implementation plan in preparation")
    PLAN_SUBMITTED = "plan_submitted", _("Plan filed; cost review")
    CONTRACTED = "contracted", _("Contracted")
    SUSPENDED = "suspended", _("Suspended")
    REPORTED = "reported", _("Year-end reports filed")
    CLOSED = "closed", _("Closed")


class C3pProjectYear(models.Model):
    """One contract year (one fiscal year, April–March) of a C3P project."""

    project = models.ForeignKey(C3pProject, on_delete=models.PROTECT, related_name="years")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    phase = models.PositiveSmallIntegerField(_("phase"))
    year_in_phase = models.PositiveSmallIntegerField(_("year in the phase"))
    state = models.CharField(
        _("state"), max_length=20, choices=YearState.choices, default=YearState.PLANNING
    )
    #: the rulebook whose cap, tax and Table 5 apply (its own year's, or the latest: a note)
    rulebook_id = models.CharField(max_length=40)
    novelty = models.TextField(_("phase 2 novelty (Table 6 item 1)"), blank=True)
    # the implementation plan (BOX 6: overview, methods/content, structure, timeline, other)
    plan_overview = models.TextField(_("project overview"), blank=True)
    plan_methods = models.TextField(_("implementation methods and content"), blank=True)
    plan_structure = models.TextField(_("implementation structure"), blank=True)
    plan_timeline = models.TextField(_("timeline"), blank=True)
    plan_other = models.TextField(_("other"), blank=True)
    requested_jpy = models.BigIntegerField(_("requested amount incl. tax (JPY)"), null=True)
    plan_submitted_at = models.DateTimeField(null=True, blank=True)
    # the contract (3.3 (3), BOX 6)
    contract_amount_jpy = models.BigIntegerField(_("contract amount incl. tax (JPY)"), null=True)
    field_survey_addition_jpy = models.BigIntegerField(_("field-survey addition (JPY)"), default=0)
    field_survey_tasks = models.TextField(_("tasks requiring field surveys"), blank=True)
    reduction_reason = models.TextField(_("reason for the office's reduction"), blank=True)
    signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    contract_findings = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    # the year's end (2.1; Table 3 (1))
    business_report = models.TextField(_("business report"), blank=True)
    deliverables = models.JSONField(default=list, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("C3P contract year")
        ordering = ["project", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year"], name="c3p_year_once"),
            models.UniqueConstraint(
                fields=["project", "phase", "year_in_phase"], name="c3p_phase_year_once"
            ),
            # 2.1: at most two phases of three years each
            models.CheckConstraint(condition=Q(phase__gte=1, phase__lte=2), name="c3p_two_phases"),
            models.CheckConstraint(
                condition=Q(year_in_phase__gte=1, year_in_phase__lte=3),
                name="c3p_three_years_a_phase",
            ),
            models.CheckConstraint(
                condition=Q(field_survey_addition_jpy__gte=0), name="c3p_addition_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["planning", "plan_submitted"])
                | Q(contract_amount_jpy__gte=0, signed_on__isnull=False),
                name="c3p_contracted_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"FY{self.fiscal_year} ({self.phase}-{self.year_in_phase})"

    @property
    def project_year(self) -> int:
        return (self.phase - 1) * 3 + self.year_in_phase

    @property
    def settled_jpy(self) -> int:
        return sum(s.total_incl_tax_jpy for s in self.settlements.all())


class C3pAmountChange(models.Model):
    """A change to the year's contract after it is finalised: a reduction or a suspension
    (3.3 (3); the criteria are the office's, spec §5 B-14), with its reason."""

    class Kind(models.TextChoices):
        REDUCTION = "reduction", _("Reduction")
        SUSPENSION = "suspension", _("Suspension")

    year = models.ForeignKey(C3pProjectYear, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount_before_jpy = models.BigIntegerField()
    amount_after_jpy = models.BigIntegerField()
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    amount_after_jpy__lte=models.F("amount_before_jpy"), amount_after_jpy__gte=0
                ),
                name="c3p_change_not_up",
            ),
        ]


class C3pActivity(models.Model):
    """An activity of the year by Table 3's items (1)–(7), dated inside the contract year.

    Since the activity part (``renkei.c3p.services.activity``): planned first (``planned_on``,
    or only its month), then done (``held_on``, a note, evidence) or cancelled with its reason;
    one recorded directly as done (``c3p_activity_record``) has no plan."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Item(models.TextChoices):
        DELIVERABLES = "1", _("(1) Deliverables")
        MONTHLY = "2", _("(2) Monthly report")
        SESSION = "3", _("(3) Report session")
        FIELD = "4", _("(4) Field survey, invitation, information sharing")
        WORKSHOP = "5", _("(5) Local workshop")
        PRESENTATION = "6", _("(6) Presentation in Japan")
        SUPPORT = "7", _("(7) Supporting organisations, JICA field office")

    year = models.ForeignKey(C3pProjectYear, on_delete=models.PROTECT, related_name="activities")
    item = models.CharField(_("Table 3 item"), max_length=1, choices=Item.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)
    # the activity part: the plan, and what became of it
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DONE)
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    #: only the month is planned (``planned_on`` is its first day)
    planned_month_only = models.BooleanField(default=False)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(upload_to="c3p/activities/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        ordering = ["held_on", "planned_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="done") | Q(held_on__isnull=False),
                name="c3p_activity_done_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="planned") | Q(planned_on__isnull=False),
                name="c3p_activity_planned_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""),
                name="c3p_activity_cancel_has_reason",
            ),
        ]

    @property
    def day(self):
        """The day it is shown on: when held, else when planned."""
        return self.held_on or self.planned_on


class C3pSettlement(models.Model):
    """An account settlement report (about twice a year, 2.3) or the year's expense settlement
    report (2.1), by Table 5 categories; the rules core's findings are kept with it."""

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Account settlement report (during the year)")
        FINAL = "final", _("Expense settlement report (year end)")

    year = models.ForeignKey(C3pProjectYear, on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    pre_tax_jpy = models.BigIntegerField()
    tax_jpy = models.BigIntegerField()
    total_incl_tax_jpy = models.BigIntegerField()
    findings = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    flagged = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(kind="final"), name="c3p_one_final_settlement"
            ),
            models.CheckConstraint(
                condition=Q(total_incl_tax_jpy=models.F("pre_tax_jpy") + models.F("tax_jpy")),
                name="c3p_settlement_adds_up",
            ),
        ]


class C3pExpense(models.Model):
    settlement = models.ForeignKey(C3pSettlement, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("Table 5 category"), max_length=40)
    description = models.CharField(_("description"), max_length=200)
    amount_jpy = models.BigIntegerField(_("amount before tax (JPY)"))
    unit_price_jpy = models.BigIntegerField(_("unit price (JPY)"), null=True, blank=True)
    spent_on = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_jpy__gte=0), name="c3p_expense_not_negative")
        ]
