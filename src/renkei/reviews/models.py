"""Basic screening: one item per finding of the rules core's eligibility section, as the machine
judged it, and the office's decision with its reason. The screening records the rulebook id and
version and the proposal version it judged, so a later rulebook never rewrites history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei.proposals.models import Proposal, ProposalVersion


class Decision(models.TextChoices):
    PASS = "pass", _("Meets the requirement")
    FAIL = "fail", _("Does not meet the requirement")


class Screening(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="screenings")
    version = models.ForeignKey(ProposalVersion, on_delete=models.PROTECT, related_name="+")
    rulebook_id = models.CharField(max_length=60)
    rulebook_version = models.PositiveIntegerField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Decision.choices, blank=True)

    class Meta:
        verbose_name = _("basic screening")
        constraints = [
            models.UniqueConstraint(fields=["version"], name="one_screening_per_version"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True, outcome="")
                | Q(completed_at__isnull=False) & ~Q(outcome=""),
                name="completed_screening_has_outcome",
            ),
        ]


class ScreeningItem(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    check_id = models.CharField(max_length=60)
    clause = models.CharField(max_length=120)
    subject = models.CharField(max_length=120, blank=True)
    machine_status = models.CharField(max_length=20)
    message_ja = models.TextField()
    message_en = models.TextField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "position"], name="item_position"),
        ]

    @property
    def overrides_machine(self) -> bool:
        return (
            bool(self.decision)
            and self.machine_status in ("pass", "fail")
            and (self.decision != self.machine_status)
        )


class ReviewAssignment(models.Model):
    """One reviewer on one proposal for the evaluation of 別添2 3.(2), after basic screening passed.

    The reviewer declares any conflict of interest before seeing anything: ``has_conflict`` is
    None until then, and an assignment with a conflict is withdrawn from scoring (the office sees
    it and may assign a replacement)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()
    coi_declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(null=True, blank=True)
    coi_note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    #: the proposal version the review was submitted on; a later version (after a revision)
    #: is not covered by it until the office reopens the review (docs/selection.md)
    version = models.ForeignKey(
        ProposalVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("review assignment")
        ordering = ["proposal_id", "reviewer_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="one_assignment_each"),
            models.CheckConstraint(
                condition=Q(coi_declared_at__isnull=True, has_conflict__isnull=True)
                | Q(coi_declared_at__isnull=False, has_conflict__isnull=False),
                name="conflict_declared_with_time",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(has_conflict=False),
                name="submitted_review_has_no_conflict",
            ),
        ]

    @property
    def open_for_scoring(self) -> bool:
        return self.has_conflict is False and self.submitted_at is None


class Score(models.Model):
    """A reviewer's points on one reviewer item of 別添2 3.(2), with the reason for them."""

    assignment = models.ForeignKey(
        ReviewAssignment, on_delete=models.PROTECT, related_name="scores"
    )
    criterion = models.CharField(max_length=64)
    points = models.PositiveSmallIntegerField()
    justification = models.TextField()
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("score")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(condition=~Q(justification=""), name="score_has_justification"),
        ]
