"""The JCM project cycle (JCM call 2.(1)①③, 2.(5)②(オ); spec §2.2, §2.5): the project as the
Joint Committee knows it, from PDD through TPE validation to registration, and the credit
allocation agreement among its participants (form 5 at application; spec A-24)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.monitoring.models import MonitoringPlan


class ProjectState(models.TextChoices):
    PREPARING = "preparing", _("Preparing the PDD")
    IN_VALIDATION = "in_validation", _("In validation")
    VALIDATED = "validated", _("Validated")
    REGISTRATION_REQUESTED = "registration_requested", _("Registration requested")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Registration refused")


class JcmProject(models.Model):
    """One per monitored project (its monitoring plan, hence its grant and adopted proposal)."""

    plan = models.OneToOneField(
        MonitoringPlan, on_delete=models.PROTECT, related_name="jcm_project"
    )
    state = models.CharField(
        _("state"), max_length=30, choices=ProjectState.choices, default=ProjectState.PREPARING
    )
    registration_requested_on = models.DateField(_("registration requested on"), null=True)
    registered_on = models.DateField(_("registered on"), null=True)  # R
    # the Joint Committee's project reference, e.g. "KE001"
    reference = models.CharField(_("JCM project reference"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("JCM project")
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="jcm_project_reference"
            ),
            models.CheckConstraint(
                condition=~Q(state=ProjectState.REGISTERED)
                | (Q(registered_on__isnull=False) & ~Q(reference="")),
                name="jcm_project_registered_has_date_and_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.plan.grant.number}"


class AgreementState(models.TextChoices):
    CURRENT = "current", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class AllocationAgreement(models.Model):
    """The credit allocation agreement among the project participants, the Government of Japan's
    share included (form 5; JCM 2.(5)②(カ)). A change is a new version; the old one is kept."""

    project = models.ForeignKey(JcmProject, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(
        max_length=20, choices=AgreementState.choices, default=AgreementState.CURRENT
    )
    agreed_on = models.DateField(_("agreed on"))
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("credit allocation agreement")
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="agreement_version"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(state=AgreementState.CURRENT),
                name="agreement_one_current",
            ),
        ]


class AllocationShare(models.Model):
    """One party's share of the credits, in percent. The Government of Japan has no organisation
    (``is_government``); every other party is an organisation of the consortium."""

    agreement = models.ForeignKey(
        AllocationAgreement, on_delete=models.CASCADE, related_name="shares"
    )
    # a short key used by the allocation arithmetic (renkei.rules.jcm.credits.allocate), e.g. "goj"
    key = models.SlugField(max_length=40)
    is_government = models.BooleanField(default=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    percent = models.DecimalField(_("share (%)"), max_digits=7, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="share_key"),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(is_government=True), name="share_one_government"
            ),
            models.CheckConstraint(
                condition=Q(is_government=True, organisation__isnull=True)
                | Q(is_government=False, organisation__isnull=False),
                name="share_party",
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="share_percent_range"
            ),
        ]


# --- the PDD, its local stakeholder consultation and the TPE's validation (2.(1)①) -------------
class PddVersion(models.Model):
    """One version of the project design document (PDD) with its local stakeholder consultation
    (LSC, 「地域住民等への説明やコメント聴取」: a part of the PDD, 2.(1)①). A change is a new
    version with its reason; the earlier ones are kept. The documents are ``CycleDocument``."""

    project = models.ForeignKey(JcmProject, on_delete=models.PROTECT, related_name="pdds")
    version = models.PositiveSmallIntegerField()
    title = models.CharField(_("PDD title"), max_length=300)
    lsc_held_on = models.DateField(_("local stakeholder consultation held on"))
    lsc_summary = models.TextField(
        _("local stakeholder consultation: who was heard, what was said")
    )
    reason = models.TextField(_("reason for the new version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("PDD version")
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="pdd_version_once"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="pdd_new_version_has_reason"
            ),
        ]


class CycleDocument(models.Model):
    """A file of a PDD version: the PDD itself, the LSC's record, or another annex. Files are
    added, never overwritten (a new version of the PDD carries its own)."""

    class Kind(models.TextChoices):
        PDD = "pdd", _("Project design document (PDD)")
        LSC = "lsc", _("Local stakeholder consultation record")
        OTHER = "other", _("Other annex")

    pdd = models.ForeignKey(PddVersion, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="credits/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("PDD document")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="cycledocument_sha256_hex"
            ),
        ]


class ValidationAssignment(models.Model):
    """The TPE organisation the office assigned to validate the project (2.(1)①)."""

    project = models.OneToOneField(
        JcmProject, on_delete=models.PROTECT, related_name="validation_assignment"
    )
    tpe = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=clock.now)


class ValidationFinding(models.Model):
    """A corrective action request (CAR) or clarification request (CL) of the validating TPE,
    with the participant's answer."""

    class Kind(models.TextChoices):
        CAR = "car", _("Corrective action request (CAR)")
        CL = "cl", _("Clarification request (CL)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(
        JcmProject, on_delete=models.PROTECT, related_name="validation_findings"
    )
    kind = models.CharField(max_length=3, choices=Kind.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=clock.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)


class ValidationReport(models.Model):
    """The TPE's validation report on one PDD version: issued once, never changed."""

    project = models.OneToOneField(
        JcmProject, on_delete=models.PROTECT, related_name="validation_report"
    )
    pdd = models.ForeignKey(PddVersion, on_delete=models.PROTECT, related_name="+")
    validated_on = models.DateField(_("validated on"))
    opinion = models.TextField(_("validation opinion"))
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=clock.now)


# --- the registration request to the Joint Committee (2.(1)①, 2.(5)②(オ)) ---------------------
class RegistrationRequest(models.Model):
    """A request to register the project with the Joint Committee of its country, and the
    Joint Committee's answer: registered (date R and the JCM project reference, on the project)
    or refused with its reason. After a refusal the participant may request again."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for the Joint Committee")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Refused")

    project = models.ForeignKey(
        JcmProject, on_delete=models.PROTECT, related_name="registration_requests"
    )
    requested_on = models.DateField(_("requested on"))
    # the due date the rules core gave (completion + 1 year, 原則として) and whether it was late
    due_on = models.DateField(_("due (in principle)"), null=True, blank=True)
    late = models.BooleanField(default=False)
    note = models.TextField(_("note to the Joint Committee"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("reason for the refusal"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration request")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(outcome="pending"),
                name="registration_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="refused") | ~Q(reason=""),
                name="registration_refusal_has_reason",
            ),
        ]
