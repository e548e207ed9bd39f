"""The grant: one per adopted JCM selection, its state machine (post-adoption-spec §1.3–1.5) and
the files uploaded to it.

States (spec §1.4 ids in brackets): drafting [J01–J02] → under_review [J03] → implementing
[J05–J06] → completed [J09] → completion_reported [J10] → inspected [J11] → amount_fixed [J12]
→ claimed [J13] → paid [J14–J15, the years after] → closed [J16]; stop_requested [J07] and
stopped [J08] during implementation; naiji_revoked [J04] and cancelled [J90] end it. Refund
orders [J91–J92] are records of their own (``closing.RefundOrder``), not states.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from renkei import clock
from renkei.adoption.models import Selection

__all__ = ["CATEGORIES", "Category", "Grant", "GrantDocument", "GrantState"]


class Category(models.TextChoices):
    """The column-1 categories (区分) of 別表1 that allocations and changes are counted in
    (JCM 4.(4)2)①; reading of spec §1.7 / A-11: three categories)."""

    CONSTRUCTION = "construction", _("Construction (工事費)")
    EQUIPMENT = "equipment", _("Equipment (設備費)")
    ADMIN = "admin", _("Administration (事務費)")


CATEGORIES = tuple(c.value for c in Category)


class GrantState(models.TextChoices):
    DRAFTING = "drafting", _("Grant application in preparation")
    UNDER_REVIEW = "under_review", _("Grant application under review")
    IMPLEMENTING = "implementing", _("Grant decided: project under way")
    STOP_REQUESTED = "stop_requested", _("Suspension or abolition requested")
    STOPPED = "stopped", _("Suspended or abolished (approved)")
    COMPLETED = "completed", _("Project completed")
    COMPLETION_REPORTED = "completion_reported", _("Completion report submitted")
    INSPECTED = "inspected", _("Final inspection done")
    AMOUNT_FIXED = "amount_fixed", _("Amount fixed")
    CLAIMED = "claimed", _("Payment claimed")
    PAID = "paid", _("Paid: the years after completion")
    CLOSED = "closed", _("Closed")
    NAIJI_REVOKED = "naiji_revoked", _("内示 withdrawn")
    CANCELLED = "cancelled", _("Grant decision cancelled")


S = GrantState
BEFORE_DECISION = (S.DRAFTING, S.UNDER_REVIEW)
CANCELLABLE = (
    S.IMPLEMENTING,
    S.STOP_REQUESTED,
    S.STOPPED,
    S.COMPLETED,
    S.COMPLETION_REPORTED,
    S.INSPECTED,
    S.AMOUNT_FIXED,
    S.CLAIMED,
    S.PAID,
)


class Grant(models.Model):
    """The grant of one adopted JCM proposal. Its facts (decision date G, completion date C,
    operation start O) are set by the services of the records that establish them; the
    proposal, its adopted version and the 内示 are read through ``selection``."""

    selection = models.OneToOneField(Selection, on_delete=models.PROTECT, related_name="grant")
    number = models.CharField(_("grant number"), max_length=40, unique=True)
    state = FSMField(_("state"), choices=GrantState.choices, default=S.DRAFTING, protected=True)
    opened_at = models.DateTimeField(default=clock.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("grant decision date"), null=True, blank=True)
    completion_due = models.DateField(_("completion due"), null=True, blank=True)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    operation_started_on = models.DateField(_("operation start"), null=True, blank=True)
    useful_life_years = models.PositiveSmallIntegerField(
        _("statutory useful life (years)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("grant")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(decided_on__isnull=False, completed_on__gte=models.F("decided_on")),
                name="grant_completed_after_decision",
            ),
            models.CheckConstraint(
                condition=Q(useful_life_years__isnull=True) | Q(useful_life_years__gte=1),
                name="grant_useful_life_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def proposal(self):
        return self.selection.proposal

    # --- transitions (called only by the services, under lock) -------------------------------
    @transition(field=state, source=S.DRAFTING, target=S.UNDER_REVIEW)
    def _submit_application(self) -> None: ...

    @transition(field=state, source=S.UNDER_REVIEW, target=S.DRAFTING)
    def _return_application(self) -> None: ...

    @transition(field=state, source=S.UNDER_REVIEW, target=S.IMPLEMENTING)
    def _decide(self) -> None: ...

    @transition(field=state, source=BEFORE_DECISION, target=S.NAIJI_REVOKED)
    def _revoke_naiji(self) -> None: ...

    @transition(field=state, source=S.IMPLEMENTING, target=S.STOP_REQUESTED)
    def _request_stop(self) -> None: ...

    @transition(field=state, source=S.STOP_REQUESTED, target=S.IMPLEMENTING)
    def _resume(self) -> None: ...

    @transition(field=state, source=S.STOP_REQUESTED, target=S.STOPPED)
    def _approve_stop(self) -> None: ...

    @transition(field=state, source=S.IMPLEMENTING, target=S.COMPLETED)
    def _complete(self) -> None: ...

    @transition(field=state, source=(S.COMPLETED, S.STOPPED), target=S.COMPLETION_REPORTED)
    def _report_completion(self) -> None: ...

    @transition(field=state, source=S.COMPLETION_REPORTED, target=S.INSPECTED)
    def _inspect(self) -> None: ...

    @transition(field=state, source=S.INSPECTED, target=S.AMOUNT_FIXED)
    def _fix_amount(self) -> None: ...

    @transition(field=state, source=S.AMOUNT_FIXED, target=S.CLAIMED)
    def _claim(self) -> None: ...

    @transition(field=state, source=S.CLAIMED, target=S.PAID)
    def _pay(self) -> None: ...

    @transition(field=state, source=S.AMOUNT_FIXED, target=S.PAID)
    def _settle_without_payment(self) -> None:
        """Nothing left to pay: the advances cover (or exceed) the fixed amount (4.(7))."""

    @transition(field=state, source=S.PAID, target=S.CLOSED)
    def _close(self) -> None: ...

    @transition(field=state, source=CANCELLABLE, target=S.CANCELLED)
    def _cancel(self) -> None: ...


class GrantDocument(models.Model):
    """A file uploaded to a grant (the signed consortium agreement, invoices and receipts,
    inspection photos, …). ``record_type``/``record_id`` name the record it belongs to (e.g.
    ``grants.grantapplicationversion`` 3); files are never overwritten, only added."""

    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=40)
    record_type = models.CharField(max_length=80, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.FileField(upload_to="grants/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("grant document")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="grantdocument_sha256_hex"
            ),
        ]
