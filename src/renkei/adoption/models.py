"""From evaluation to adoption (JCM call 3.(1)–(4), 5.(3)①(エ)): the hearing, the office's
choice of candidates, the PIN (form 3-16) sent to the JCM secretariat and on to the partner
country's Joint Committee, its no-objection (or objection), the notice of selection (内示) within
the budget, non-selection notices and the published list of adopted projects.

A Selection points at the proposal version it decided on; the PIN and the published record are
frozen when they leave the office (what was sent and announced stays as it was), everything else
is read from the proposal and its version, never copied.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from renkei.proposals.models import Proposal, ProposalVersion


class Hearing(models.Model):
    """ヒアリング審査 (3.(2)): for proposals that passed basic screening; 2.(11) schedules it
    within four weeks after the deadline, in Tokyo (a guide, 目安)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="hearing")
    scheduled_at = models.DateTimeField(_("hearing date and time"))
    place = models.CharField(_("place"), max_length=200)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    record = models.TextField(_("record of the hearing"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: a hearing not yet held is cancelled when the proposal is not adopted
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hearing")
        constraints = [
            models.CheckConstraint(
                condition=Q(held_at__isnull=True) | ~Q(record=""), name="held_hearing_has_record"
            ),
        ]


class SelectionState(models.TextChoices):
    CANDIDATE = "candidate", _("Selection candidate")
    PIN_SENT = "pin_sent", _("PIN with the JCM secretariat")
    WITH_JOINT_COMMITTEE = "with_joint_committee", _("With the Joint Committee")
    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTION = "objection", _("Objection")
    ADOPTED = "adopted", _("Adopted (内示 issued)")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


OPEN_STATES = (
    SelectionState.CANDIDATE,
    SelectionState.PIN_SENT,
    SelectionState.WITH_JOINT_COMMITTEE,
    SelectionState.NO_OBJECTION,
    SelectionState.OBJECTION,
)


class Selection(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="selection")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("state"), choices=SelectionState.choices, protected=True)
    total_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    subsidy_jpy = models.BigIntegerField(_("subsidy (JPY)"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    reason = models.TextField(_("reason"), blank=True)
    naiji_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    naiji_at = models.DateTimeField(null=True, blank=True)
    naiji_amount_jpy = models.BigIntegerField(null=True, blank=True)
    published = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("selection")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="adopted")
                | Q(naiji_number__isnull=False, naiji_at__isnull=False, naiji_amount_jpy__gte=0),
                name="adopted_has_naiji",
            ),
            models.CheckConstraint(
                condition=~Q(state="not_adopted") | ~Q(reason=""), name="not_adopted_has_reason"
            ),
        ]

    @property
    def display_state(self) -> str:
        """The state's name; a C3P proposal is adopted without a 内示 (guidebook BOX 5–6)."""
        if self.state == SelectionState.ADOPTED and self.proposal.call.program == "c3p":
            return str(_("Adopted"))
        return str(self.get_state_display())

    @property
    def number_label(self) -> str:
        """What the adoption number is called: a 内示 number for JCM, an adoption number for C3P."""
        if self.proposal.call.program == "c3p":
            return str(_("Adoption number"))
        return str(_("内示 number"))

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        fresh = (from_queryset or type(self)._base_manager.db_manager(using)).get(pk=self.pk)
        for field in self._meta.concrete_fields:
            if fields is None or field.attname in fields or field.name in fields:
                self.__dict__[field.attname] = getattr(fresh, field.attname)

    # --- transitions: called only by services ------------------------------------------
    @transition(field=state, source=SelectionState.CANDIDATE, target=SelectionState.PIN_SENT)
    def _send_pin(self) -> None:
        pass

    @transition(
        field=state, source=SelectionState.PIN_SENT, target=SelectionState.WITH_JOINT_COMMITTEE
    )
    def _forward(self) -> None:
        pass

    @transition(
        field=state,
        source=SelectionState.WITH_JOINT_COMMITTEE,
        target=SelectionState.NO_OBJECTION,
    )
    def _no_objection(self) -> None:
        pass

    @transition(
        field=state, source=SelectionState.WITH_JOINT_COMMITTEE, target=SelectionState.OBJECTION
    )
    def _objection(self) -> None:
        pass

    @transition(field=state, source=SelectionState.NO_OBJECTION, target=SelectionState.ADOPTED)
    def _adopt(self) -> None:
        pass

    @transition(field=state, source=list(OPEN_STATES), target=SelectionState.NOT_ADOPTED)
    def _reject(self) -> None:
        pass


class ProjectIdeaNote(models.Model):
    """様式3-16 PIN, in English, as sent to the JCM secretariat: frozen content and its SHA-256.
    The Joint Committee contact of ``country`` sees it once the secretariat forwards it."""

    class Response(models.TextChoices):
        NO_OBJECTION = "no_objection", _("No objection")
        OBJECTION = "objection", _("Objection")

    selection = models.OneToOneField(Selection, on_delete=models.PROTECT, related_name="pin")
    country = models.CharField(max_length=2)
    content = models.JSONField(encoder=DjangoJSONEncoder)
    sha256 = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response = models.CharField(max_length=20, choices=Response.choices, blank=True)
    response_comment = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("PIN (Project Idea Note)")
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="pin_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(response="")
                | Q(forwarded_at__isnull=False, responded_at__isnull=False),
                name="pin_response_after_forwarding",
            ),
            models.CheckConstraint(
                condition=~Q(response="objection") | ~Q(response_comment=""),
                name="objection_has_comment",
            ),
        ]


class PinQuery(models.Model):
    """A question from the partner country's side on a PIN and the applicant's answer (JCM call
    3.(3), form 3-16: パートナー国側からの照会内容については JCM 事務局からセンターを通じ、
    応募者に随時照会が行われ). Asked by the JCM secretariat or the Joint Committee contact;
    the office and the applicants are told; an applicant (or the office for them) answers once."""

    pin = models.ForeignKey(ProjectIdeaNote, on_delete=models.PROTECT, related_name="queries")
    question = models.TextField()
    asked_at = models.DateTimeField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("query on a PIN")
        ordering = ("asked_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=(Q(answer="") & Q(answered_at__isnull=True))
                | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="pin_query_answer_with_time",
            ),
            models.CheckConstraint(condition=~Q(question=""), name="pin_query_has_question"),
        ]


class OptimiserRun(models.Model):
    """One run of the selection optimiser on a round (issue 13), beside the ranking on the
    office's selection board: the inputs it was given (the ``renkei.selection.optimiser``
    ``Problem`` in its stored form, built from the round's data and the office's constraints),
    their fingerprint, the result, the solver's status, gap and time, and who ran it when.
    Running the stored inputs again gives the same result (HiGHS single-threaded with a fixed
    seed); a re-run names the run it reproduces and records whether the result was the same.
    A decision aid: the office decides each proposal on its selection page, as before."""

    round = models.ForeignKey(
        "calls.Round", on_delete=models.PROTECT, related_name="optimiser_runs"
    )
    inputs = models.JSONField(_("inputs"), encoder=DjangoJSONEncoder)
    fingerprint = models.CharField(max_length=71)  # "sha256:" + 64 hex digits
    result = models.JSONField(_("result"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("solver status"), max_length=20)
    gap = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    solve_seconds = models.DecimalField(max_digits=12, decimal_places=3)
    model_version = models.CharField(max_length=60)
    highs_version = models.CharField(max_length=30)
    reproduces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reproductions"
    )
    same_result = models.BooleanField(null=True, blank=True)  # a re-run: same as the original
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("optimiser run")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(fingerprint__regex=r"^sha256:[0-9a-f]{64}$"),
                name="optimiser_run_fingerprint",
            ),
            models.CheckConstraint(
                condition=Q(status__in=("optimal", "time_limit", "infeasible")),
                name="optimiser_run_status",
            ),
            models.CheckConstraint(
                condition=Q(reproduces__isnull=True, same_result__isnull=True)
                | Q(reproduces__isnull=False, same_result__isnull=False),
                name="optimiser_rerun_has_comparison",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"
