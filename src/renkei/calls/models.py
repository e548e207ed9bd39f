"""A call (公募) runs one rulebook; its rounds have deadlines (12:00 JST) and budgets."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


class Program(models.TextChoices):
    JCM = "jcm-model-project", _("JCM Model Project")
    C3P = "c3p", _("City-to-City Collaboration (C3P)")


class Call(models.Model):
    rulebook_id = models.CharField(_("rulebook"), max_length=60, unique=True)
    program = models.CharField(_("program"), max_length=30, choices=Program.choices)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    budget_jpy = models.BigIntegerField(_("budget (JPY)"), null=True, blank=True)

    class Meta:
        verbose_name = _("call")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="call_opens_first"
            ),
            models.CheckConstraint(condition=Q(budget_jpy__gte=0), name="call_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_ja

    def rulebook(self):
        from renkei.rules import load_rulebook

        return load_rulebook(self.rulebook_id)


class Round(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="rounds")
    code = models.SlugField(_("code"), max_length=30)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    deadline = models.DateTimeField(_("proposal deadline"))
    budget_jpy = models.BigIntegerField(_("budget (JPY)"), null=True, blank=True)

    class Meta:
        verbose_name = _("round")
        ordering = ["deadline"]
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="round_unique_code"),
            models.CheckConstraint(condition=Q(budget_jpy__gte=0), name="round_budget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.call} / {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if _english() and self.name_en else self.name_ja
