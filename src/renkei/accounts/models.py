"""Users carry one role; applicants belong to an organisation, a Joint Committee contact to a
country. Who may see what is decided in one place: ``renkei.access``."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    OFFICE = "office", _("Program office")
    REVIEWER = "reviewer", _("Reviewer")
    SECRETARIAT = "secretariat", _("JCM secretariat")
    JOINT_COMMITTEE = "joint_committee", _("Joint Committee contact")
    # a third-party entity's verifier (TPE, JCM 2.(1)③): sees only the monitoring periods
    # assigned to its organisation (renkei.monitoring.policy)
    VERIFIER = "verifier", _("Third-party entity (TPE) verifier")
    # administers the JCM registry's accounts (issue 10): records issuances as blocks of
    # credits, transfers, cancellations and retirements (renkei.credits.policy)
    REGISTRY = "registry", _("Registry administrator")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        MUNICIPALITY = "municipality", _("Japanese municipality")
        PARTNER_CITY = "partner_city", _("Partner city")
        AGENCY = "agency", _("Public agency")
        TPE = "tpe", _("Third-party entity (TPE)")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    country = models.CharField(_("country (ISO 3166-1 alpha-2)"), max_length=2)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager):
    """Django's, except that a superuser (``manage.py createsuperuser``, the first account of a
    new installation: docs/ops/deployment.md) belongs to the program office: the default role,
    applicant, needs an organisation, which a fresh installation does not have."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.OFFICE)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    country = models.CharField(_("country of the Joint Committee"), max_length=2, blank=True)
    # empty: decided by who the user is (``preferred_language``); set on the account page or by
    # the language switcher
    language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("ja", _("Japanese")), ("en", _("English"))],
        blank=True,
        default="",
    )

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.APPLICANT) | Q(organisation__isnull=False),
                name="applicant_has_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.VERIFIER) | Q(organisation__isnull=False),
                name="verifier_has_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.JOINT_COMMITTEE) | ~Q(country=""),
                name="joint_committee_has_country",
            ),
        ]

    @property
    def preferred_language(self) -> str:
        """The language of this user's notices, e-mails and pages: the one chosen, else English
        for the partner country's side (the JCM secretariat, a Joint Committee contact, an
        applicant of an organisation outside Japan, e.g. a Kenyan partner participant) and
        Japanese for everyone else (the calls are Japanese programs)."""
        if self.language:
            return self.language
        if self.role in (Role.SECRETARIAT, Role.JOINT_COMMITTEE):
            return "en"
        organisation = self.organisation if self.organisation_id else None
        if organisation is not None and organisation.country not in ("", "JP"):
            return "en"
        return "ja"


class AccountRequest(models.Model):
    """5.(1)② アカウント申請: an organisation asks for an electronic-application account."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        AWAITING_CONSENT = "awaiting_consent", _("Awaiting the organisation's consent")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")

    organisation_name = models.CharField(_("organisation"), max_length=200)
    organisation_country = models.CharField(_("country"), max_length=2, default="JP")
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("email"))
    requested_at = models.DateTimeField(_("requested at"), default=clock.now)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        verbose_name = _("account request")


class MembershipConsent(models.Model):
    """The office asks an existing organisation's members whether the requester of an account may
    join it (and so edit and submit its proposals); one of them approves or declines. Only on
    approval is the account issued into the organisation (issue 12)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting an answer")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(AccountRequest, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="membership_consents"
    )
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=clock.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("membership consent")
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(decision="pending"),
                name="one_open_consent_per_request",
            ),
        ]


class PasswordResetRequest(models.Model):
    """A password reset asked for (whether or not an account has the address), kept to throttle
    requests per address and per client across server processes."""

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    requested_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("password reset request")


class Notice(models.Model):
    """An in-app notice (受理の連絡 etc.), shown on the recipient's home page and notices page.

    Written by ``renkei.accounts.notices.notify``: ``msgid`` and ``params`` are the untranslated
    message and its values, rendered in the reader's language when read (``text``); ``message``
    is the text as first rendered in the recipient's preferred language (what the e-mail said),
    and the whole text of notices written before the message ids were kept."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=500)
    subject = models.CharField(max_length=200, blank=True)
    msgid = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    @property
    def text(self) -> str:
        """The notice in the active language (the reader's)."""
        if not self.msgid:
            return self.message
        from renkei.accounts.notices import render

        return render(self.msgid, self.params)

    @property
    def subject_text(self) -> str:
        from renkei.accounts.notices import render

        return render(self.subject, {}) if self.subject else ""
