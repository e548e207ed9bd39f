"""The C3P stage's matching records (issue 11; C3P §3.1 steps 2–4, §2.3; spec §3.9): partner
cities publish their needs (sector, problem, scale), Japanese municipalities and companies
publish their solutions (technology, experience, past projects), and an organisation contacts
another only through the platform (a contact request and its messages, with notices; nobody's
e-mail address is shown)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation

__all__ = ["ContactMessage", "ContactRequest", "Need", "Sector", "Solution"]


class Sector(models.TextChoices):
    """The "Target sector" descriptions of the FY2024 adopted projects (C3P §2.2, after Table
    3); the first three are the call's target sectors (Table 3 "Sectors")."""

    ENERGY_EFFICIENCY = "energy_efficiency", _("Energy efficiency")
    RENEWABLE_ENERGY = "renewable_energy", _("Renewable energies")
    HYDROGEN = "hydrogen", _("Hydrogen technologies")
    SYSTEM_DEVELOPMENT = "system_development", _("Support for system development")
    WASTE = "waste", _("Waste treatment and disposal")
    TRANSPORT = "transport", _("Transportation infrastructure")
    SMART_CITY = "smart_city", _("Development of smart cities")
    DIGITAL = "digital", _("Digital technologies")
    OTHER = "other", _("Other")


class Need(models.Model):
    """A partner city's need (C3P §3.1 step 3: "verify that the information is current and how
    priorities are set"): published by the partner city's applicants or the office."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="c3p_needs",
        verbose_name=_("partner city"),
    )
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    scale = models.CharField(_("scale"), max_length=300, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority (1 = highest)"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=clock.now)
    sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("need")
        ordering = ("-published_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=9), name="c3p_need_priority_1_9"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Solution(models.Model):
    """A Japanese municipality's knowledge or a company's decarbonisation solution (C3P §3.1
    step 4), with where it has worked (step 2: overseas bases, international cooperation
    experience, past C3P participation) and whether it has JCM experience (Table 6 item 1)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="c3p_solutions",
        verbose_name=_("organisation"),
    )
    title = models.CharField(_("title"), max_length=200)
    sectors = models.JSONField(_("sectors"), default=list)
    technology = models.TextField(_("technology"))
    experience = models.TextField(_("experience"), blank=True)
    past_projects = models.TextField(_("past projects"), blank=True)
    countries = models.JSONField(_("countries of experience or bases"), default=list)
    jcm_experience = models.BooleanField(_("experience with the JCM"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=clock.now)
    sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("solution")
        ordering = ("-published_at", "pk")

    def __str__(self) -> str:
        return self.title

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]


class ContactRequest(models.Model):
    """An organisation asks another, about one need or solution, to talk: only through the
    platform (the recipient's members are told by notice; no e-mail address is shown)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    solution = models.ForeignKey(
        Solution, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    sender = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="c3p_contacts_sent"
    )
    recipient = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="c3p_contacts_received"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="open")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("contact request")
        ordering = ("-created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, solution__isnull=True)
                | Q(need__isnull=True, solution__isnull=False),
                name="c3p_contact_about_one_record",
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="c3p_contact_not_to_itself"
            ),
            # one open conversation per sender and record (two partial constraints: SQLite
            # drops nulls_distinct=False)
            models.UniqueConstraint(
                fields=["sender", "need"],
                condition=Q(state="open", need__isnull=False),
                name="c3p_contact_open_once_per_need",
            ),
            models.UniqueConstraint(
                fields=["sender", "solution"],
                condition=Q(state="open", solution__isnull=False),
                name="c3p_contact_open_once_per_solution",
            ),
        ]

    @property
    def subject(self) -> Need | Solution:
        return self.need if self.need_id else self.solution  # type: ignore[return-value]


class ContactMessage(models.Model):
    request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("message"))
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("contact message")
        ordering = ("sent_at", "pk")
