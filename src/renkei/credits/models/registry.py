"""The registry ledger (JCM call 2.(5)②(カ); spec §2.6–2.8): accounts in the Japanese and the
partner country's registries, and the credits they hold as serial-numbered blocks. Credits are
integers (tCO2). A block is a range of serials ``serial_start..serial_end`` (inclusive) of one
issuance; a transfer splits a block; cancellation and retirement accounts are final.

The serial scheme (issue 10, "a unique serial scheme carrying country, project, period and
range"): every issuance numbers its credits 1..issued_tco2; a credit's full serial is
``<country>-<JCM project reference>-<vintage start YYYYMMDD>-<vintage end YYYYMMDD>-<n>``, and a
block's is the range ``…-<first>-<last>``, e.g. ``KE-KE001-20260216-20260831-000001-000120``
(numbers at least six digits wide). The Joint Committee's reference is unique among projects
and a project's periods are issued once (``issuance_period_once``), so no two issuances share
the prefix; within an issuance, the database refuses two blocks holding one serial
(migration ``0004_registry``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.credits.models.issuance import Issuance


class AccountKind(models.TextChoices):
    GOVERNMENT = "government", _("Government holding account")
    HOLDING = "holding", _("Holding account")
    CANCELLATION = "cancellation", _("Cancellation account")
    RETIREMENT = "retirement", _("Retirement account")


FINAL_KINDS = (AccountKind.CANCELLATION, AccountKind.RETIREMENT)
JAPAN = "JP"  # Japan's JCM registry; the Government of Japan's account is its government account


class Account(models.Model):
    # the registry: "JP" (Japan's JCM registry) or the partner country's ISO code
    registry = models.CharField(_("registry"), max_length=2)
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    number = models.CharField(_("account number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("registry account")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.HOLDING) | Q(holder__isnull=False),
                name="account_holding_has_holder",
            ),
            # one account of a kind per holder in a registry, and one without a holder (the
            # government's, the registry's own cancellation and retirement accounts)
            models.UniqueConstraint(
                fields=["registry", "kind", "holder"],
                condition=Q(holder__isnull=False),
                name="account_one_per_holder",
            ),
            models.UniqueConstraint(
                fields=["registry", "kind"],
                condition=Q(holder__isnull=True),
                name="account_one_per_registry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_final(self) -> bool:
        return self.kind in FINAL_KINDS


class Block(models.Model):
    issuance = models.ForeignKey(Issuance, on_delete=models.PROTECT, related_name="blocks")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="blocks")
    serial_start = models.BigIntegerField()
    serial_end = models.BigIntegerField()  # inclusive
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("block of credits")
        constraints = [
            models.CheckConstraint(
                condition=Q(serial_start__gte=1) & Q(serial_end__gte=models.F("serial_start")),
                name="block_range",
            ),
        ]

    @property
    def quantity(self) -> int:
        return self.serial_end - self.serial_start + 1

    @property
    def serial(self) -> str:
        """The block's serial range in the scheme of the module's docstring."""
        return serial_range(self.issuance, self.serial_start, self.serial_end)


def serial_prefix(issuance: Issuance) -> str:
    project = issuance.request.project
    country = project.plan.grant.selection.proposal.country
    return (
        f"{country}-{project.reference}-"
        f"{issuance.vintage_start:%Y%m%d}-{issuance.vintage_end:%Y%m%d}"
    )


def serial_range(issuance: Issuance, start: int, end: int) -> str:
    return f"{serial_prefix(issuance)}-{start:06d}-{end:06d}"


class MovementKind(models.TextChoices):
    ISSUANCE = "issuance", _("Issuance")
    TRANSFER = "transfer", _("Transfer")
    DELIVERY = "delivery", _("Delivery to the Government of Japan")
    CANCELLATION = "cancellation", _("Cancellation")
    RETIREMENT = "retirement", _("Retirement")


class Movement(models.Model):
    """One movement of a range of serials of one issuance: into an account at issuance (no
    source), or from one account to another. Append-only; the ledger is reconciled against it
    (per account, blocks held = movements in − movements out)."""

    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    issuance = models.ForeignKey(Issuance, on_delete=models.PROTECT, related_name="movements")
    source = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="movements_out"
    )
    destination = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="movements_in")
    serial_start = models.BigIntegerField()
    serial_end = models.BigIntegerField()
    quantity = models.BigIntegerField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("registry movement")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=Q(serial_start__gte=1)
                & Q(serial_end=models.F("serial_start") + models.F("quantity") - 1),
                name="movement_range",
            ),
            models.CheckConstraint(
                condition=(Q(kind=MovementKind.ISSUANCE) & Q(source__isnull=True))
                | (~Q(kind=MovementKind.ISSUANCE) & Q(source__isnull=False)),
                name="movement_source",
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("destination")), name="movement_two_accounts"
            ),
        ]

    @property
    def serial(self) -> str:
        return serial_range(self.issuance, self.serial_start, self.serial_end)
