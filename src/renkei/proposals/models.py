"""A proposal's content is the rules core's proposal document (validated JSON), so the same data
feeds the live assessment, the office's screening and, later, the grant and the JCM project:
nothing is copied from one stage to the next. Workflow states are stable identifiers; the
transitions are declared here, once, with django-fsm, and only services call them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.calls.models import Call, Round


class PreRegistration(models.Model):
    """5.(1)① 応募案件事前登録: due two weeks before the deadline the proposal targets."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="preregistrations")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="preregistrations")
    organisation_name = models.CharField(_("representative participant"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("email"))
    title = models.CharField(_("project title"), max_length=300)
    country = models.CharField(_("host country"), max_length=2)
    technologies = models.JSONField(_("technologies"), default=list)
    needs_account = models.BooleanField(_("needs an account"), default=True)
    registered_at = models.DateTimeField(_("registered at"), default=clock.now)

    class Meta:
        verbose_name = _("pre-registration")


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVISION_OPEN = "revision_open", _("Open for revision")


class Proposal(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="proposals")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("representative participant"),
    )
    preregistration = models.ForeignKey(
        PreRegistration, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=300)
    country = models.CharField(_("host country"), max_length=2)
    state = FSMField(
        _("state"), default=ProposalState.DRAFT, choices=ProposalState.choices, protected=True
    )
    document = models.JSONField(_("proposal document"), default=dict, encoder=DjangoJSONEncoder)
    sample = models.BooleanField(_("sample data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    receipt_number = models.CharField(
        _("receipt number"), max_length=30, null=True, blank=True, unique=True
    )
    # a C3P proposal's city-to-city partnership (issue 11): the Japanese municipality, the
    # partner city, their agreement and letters are the partnership's, picked instead of
    # retyped (the document's cities stay what the rules core assesses: renkei.c3p fills them)
    c3p_partnership = models.ForeignKey(
        "c3p.CityPartnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("city partnership"),
    )
    # a JCM Model Project proposal prepared under a C3P project (issue 11, the C3P's primary
    # exit: C3P §1.2, Ref. Table 7 row 1): started from the project by its lead organisation
    c3p_origin = models.ForeignKey(
        "c3p.C3pProject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jcm_proposals",
        verbose_name=_("prepared under the C3P project"),
    )

    class Meta:
        verbose_name = _("proposal")
        constraints = [
            # one open draft per C3P project and organisation (a second start links the first)
            models.UniqueConstraint(
                fields=["c3p_origin", "organisation"],
                condition=Q(state="draft", c3p_origin__isnull=False),
                name="proposal_c3p_exit_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(receipt_number__isnull=False),
                name="submitted_proposal_has_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_state_display(self) -> str:
        """The state as people read it: once the selection is final, that decision (not
        adopted; adopted) rather than "submitted" (the selection lives in renkei.adoption)."""
        if self.state == ProposalState.SUBMITTED:
            try:
                selection = self.selection
            except models.ObjectDoesNotExist:
                selection = None
            if selection is not None and selection.state in ("not_adopted", "adopted"):
                return selection.display_state
        return str(ProposalState(self.state).label)

    def save(self, *args, **kwargs) -> None:
        """``updated_at`` follows the platform's clock (the demo's clock in the demo)."""
        self.updated_at = clock.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        """Reload from the database. django-fsm's protected field refuses assignment, so fresh
        values are copied past the descriptor; transitions remain the only way to change it."""
        fresh = (from_queryset or type(self)._base_manager.db_manager(using)).get(pk=self.pk)
        for field in self._meta.concrete_fields:
            if fields is None or field.attname in fields or field.name in fields:
                self.__dict__[field.attname] = getattr(fresh, field.attname)

    # --- transitions: called only by services ------------------------------------------
    @transition(
        field=state,
        source=[ProposalState.DRAFT, ProposalState.REVISION_OPEN],
        target=ProposalState.SUBMITTED,
    )
    def _submit(self) -> None:
        pass

    @transition(field=state, source=ProposalState.SUBMITTED, target=ProposalState.REVISION_OPEN)
    def _open_revision(self) -> None:
        pass


class ProposalPartner(models.Model):
    """A partner participant (共同事業者) of the proposal's international consortium whose users
    see the proposal (JCM call 2.(4)② 注1: 国際コンソーシアムとは、代表事業者と外国法人等
    (共同事業者)により構成). The representative participant is ``Proposal.organisation``;
    it alone edits and submits (5.(1)④⑤; 注2: 交付申請は代表事業者が行う). Which companies
    make up the consortium in the proposal itself stays in the document's participants; this
    link is only who may see it on the platform."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner_in",
        verbose_name=_("partner participant"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("partner participant")
        ordering = ("added_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organisation"], name="proposal_partner_once"
            ),
        ]


class PartnerInvitation(models.Model):
    """The representative participant's invitation to a partner participant, by the e-mail
    address of one of its accounts (issue 12, 7). The representative is answered the same way
    whether or not an account has that address; the account's users are told and accept (the
    link is made: only then does the representative see which organisation it is) or decline."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="partner_invitations"
    )
    email = models.EmailField(_("email"))  # as typed, lower-cased
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=clock.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("partner invitation")
        ordering = ("invited_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "email"],
                condition=Q(state="pending"),
                name="partner_invitation_pending_once",
            ),
        ]


class ProposalVersion(models.Model):
    """Every submitted (or resubmitted) document, kept whole: the full history."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField(encoder=DjangoJSONEncoder)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    rulebook_id = models.CharField(max_length=60)
    rulebook_version = models.PositiveIntegerField()
    assessment_status = models.CharField(max_length=20)
    #: what the rules core assessed at submission (renkei.proposals.assessed.snapshot)
    assessment = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # the applicant's submit key (a double click, a retry): scoped to the proposal, so two
    # organisations' submits with the same key never meet (issue 12, 7)
    idempotency_key = models.CharField(max_length=80)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["proposal", "idempotency_key"], name="version_unique_key_per_proposal"
            ),
        ]


class AttachmentQuerySet(models.QuerySet):
    def current(self) -> AttachmentQuerySet:
        """The attachments the proposal has now: not removed (a removed attachment that was part
        of a submitted version stays, with that version, in the history)."""
        return self.filter(removed_at__isnull=True)


class Attachment(models.Model):
    """An uploaded file. Until it is part of a submitted version it can be removed (row and file
    go); once submitted it stays with its version: removing it then only takes it out of the
    proposal's current set (``removed_at``), so the history keeps every submitted byte."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="attachments")
    document_id = models.CharField(_("document"), max_length=40)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)
    version = models.ForeignKey(
        ProposalVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256_hex"
            ),
            # only a submitted attachment is kept once removed; a draft one is deleted
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(version__isnull=False),
                name="attachment_removed_only_once_submitted",
            ),
        ]
