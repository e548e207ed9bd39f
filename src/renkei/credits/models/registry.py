"""The registry ledger (JCM call 2.(5)②(カ); spec §2.6–2.8): accounts in the Japanese and the
partner country's registries, and the credits they hold as serial-numbered blocks. Credits are
integers (tCO2). A block is a range of serials ``serial_start..serial_end`` (inclusive) of one
issuance; a transfer splits a block; cancellation and retirement accounts are final."""

from __future__ import annotations

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

    class Meta:
        verbose_name = _("registry account")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.HOLDING) | Q(holder__isnull=False),
                name="account_holding_has_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


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
