"""The C3P stage's partnership records (issue 11; post-adoption spec §3.2): a city-to-city
partnership between a Japanese municipality and a partner city overseas, "built on sister city
and other relationships" (C3P §1.2), its collaboration agreement or the intention to conclude one
(C3P §3.2 Elig.(7), BOX 8), renewals, and the letters of interest of both cities, the partner
city's with its Japanese translation (C3P §3.2 Elig.(9), §3.4 Doc.(10)). The C3P projects
between the two cities are the proposals that link to the partnership
(``Proposal.c3p_partnership``): nothing is copied.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation

__all__ = ["CityPartnership", "CollaborationAgreement", "LetterOfInterest", "PartnershipLink"]


class CityPartnership(models.Model):
    """One Japanese municipality and one partner city (spec §3.2: 1 : 1; a project with more
    cities links one partnership per pair)."""

    japanese_city = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="c3p_partnerships_in_japan",
        verbose_name=_("Japanese municipality"),
    )
    partner_city = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="c3p_partnerships_abroad",
        verbose_name=_("partner city"),
    )
    # C3P §3.2 Elig.(7): "or the project should be implemented with the intention of concluding
    # such an agreement" (BOX 8: then the partner city's letter must state that intention)
    intends_agreement = models.BooleanField(_("intends to conclude an agreement"), default=False)
    note = models.TextField(_("note"), blank=True)
    #: where the record comes from, e.g. "C3P guidebook FY2024, BOX 8" (reference data)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sample = models.BooleanField(_("sample data"), default=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("city partnership")
        ordering = ("japanese_city__name", "partner_city__name", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["japanese_city", "partner_city"], name="c3p_partnership_once"
            ),
            models.CheckConstraint(
                condition=~Q(japanese_city=F("partner_city")),
                name="c3p_partnership_two_cities",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.japanese_city} – {self.partner_city}"

    def agreements_in_order(self) -> list[CollaborationAgreement]:
        return list(self.agreements.order_by("signed_on", "pk"))

    def current_agreement(self) -> CollaborationAgreement | None:
        """The latest agreement signed or renewed (the one in force, unless it has expired)."""
        return self.agreements.order_by("-signed_on", "-pk").first()


class CollaborationAgreement(models.Model):
    """A collaboration agreement (sister-city agreement, MOU on cooperation in specific sectors
    or another qualifying agreement: BOX 8) as signed, or one of its renewals (BOX 8: "renewed
    March 2021"). The guidebook gives some dates to the month only: ``precision`` says so."""

    class Kind(models.TextChoices):
        SISTER_CITY = "sister_city", _("Sister-city agreement")
        MOU = "mou", _("Memorandum of understanding (MOU)")
        OTHER = "other", _("Other agreement")

    class Event(models.TextChoices):
        SIGNED = "signed", _("Signed")
        RENEWED = "renewed", _("Renewed")

    class Precision(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")

    partnership = models.ForeignKey(
        CityPartnership, on_delete=models.CASCADE, related_name="agreements"
    )
    kind = models.CharField(_("kind of agreement"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title of the agreement"), max_length=300)
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    signed_on = models.DateField(_("signed or renewed on"))
    precision = models.CharField(
        _("date known to the"), max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    renews = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renews"),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("collaboration agreement")
        ordering = ("signed_on", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("signed_on")),
                name="c3p_agreement_expires_after_signing",
            ),
            models.CheckConstraint(
                condition=Q(event="renewed") | Q(renews__isnull=True),
                name="c3p_agreement_only_a_renewal_renews",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def date_text(self) -> str:
        d = self.signed_on
        return f"{d:%Y-%m}" if self.precision == self.Precision.MONTH else f"{d:%Y-%m-%d}"


class LetterOfInterest(models.Model):
    """A letter of interest (C3P §3.2 Elig.(9); BOX 8; §3.4 Doc.(10): "copies permitted"): from
    the Japanese municipality, the partner city (with its Japanese translation) or another
    stakeholder (recommended from the second project year)."""

    class Side(models.TextChoices):
        JAPANESE_CITY = "japanese_city", _("The Japanese municipality")
        PARTNER_CITY = "partner_city", _("The partner city")
        OTHER = "other", _("Another stakeholder")

    partnership = models.ForeignKey(
        CityPartnership, on_delete=models.CASCADE, related_name="letters"
    )
    # the proposal the letter was written for, if one (a letter may also precede any proposal)
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="c3p_letters",
        verbose_name=_("for the proposal"),
    )
    side = models.CharField(_("from"), max_length=20, choices=Side.choices)
    signatory = models.CharField(_("signatory"), max_length=200)
    dated = models.DateField(_("dated"))
    states_intent_to_conclude = models.BooleanField(
        _("states the intention to conclude an agreement"), default=False
    )
    file = models.FileField(upload_to="c3p/letters/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    translation = models.FileField(upload_to="c3p/letters/%Y/%m/", blank=True)
    translation_name = models.CharField(max_length=255, blank=True)
    translation_sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("letter of interest")
        ordering = ("dated", "pk")
        constraints = [
            # Elig.(9): "The letter of interest from the partner city must be accompanied by a
            # Japanese translation"
            models.CheckConstraint(
                condition=~Q(side="partner_city") | ~Q(translation=""),
                name="c3p_partner_letter_has_translation",
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="c3p_letter_sha256_hex"
            ),
        ]


class PartnershipLink(models.Model):
    """A C3P proposal's request to name a city partnership, and the Japanese municipality's
    answer. The representative participant asks; a member of the municipality's organisation
    confirms (the proposal then names the partnership: ``Proposal.c3p_partnership``) or declines
    with a reason. Until then the link is pending and the proposal's cities stay as typed. One
    request per proposal: a new one replaces the last (the audit keeps each)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting the municipality's confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the municipality")
        DECLINED = "declined", _("Declined by the municipality")

    proposal = models.OneToOneField(
        "proposals.Proposal", on_delete=models.CASCADE, related_name="c3p_partnership_link"
    )
    partnership = models.ForeignKey(
        CityPartnership, on_delete=models.PROTECT, related_name="link_requests"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("partnership link request")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="requested") | Q(decided_at__isnull=False),
                name="c3p_link_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(reason=""),
                name="c3p_link_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} → {self.partnership} ({self.state})"
