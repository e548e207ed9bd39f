"""The C3P stage's exit part (issue 11; guidebook §1.2, §2.3 and "[Reference] Next Steps Beyond the
C3P", Tables 7 and 8; post-adoption spec §3.11): the exits of a C3P project.

An exit is either

- a **JCM Model Project proposal** (the primary exit, C3P §1.2; C3P Ref. Table 7 row 1) started
  from the project by a member of its lead organisation: the proposal is an ordinary JCM draft of
  that organisation, linked back to the project by ``Proposal.c3p_origin``; the exit keeps which
  fields were prefilled and from where (``prefilled``). Its status is the proposal's own (draft,
  submitted, adopted…), read from it, never copied; or
- an exit into **another scheme** of Tables 7 and 8 (``scheme_id``: the table's row, from the
  rules core's reference data ``renkei.rules.c3p.exits``) or a scheme the tables do not list
  (``other_name`` and ``other_agency``), with its status (considering → applied → adopted / not
  adopted, or withdrawn: Renkei's; the guidebook names none [GAP]) and a link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.c3p.models.project import C3pProject

__all__ = ["C3pExit", "C3pExitStatusChange"]


class C3pExit(models.Model):
    class Kind(models.TextChoices):
        JCM = "jcm", _("JCM Model Project proposal")
        SCHEME = "scheme", _("Another scheme (Tables 7 and 8)")

    class Status(models.TextChoices):
        CONSIDERING = "considering", _("Considering")
        APPLIED = "applied", _("Applied")
        ADOPTED = "adopted", _("Adopted")
        NOT_ADOPTED = "not_adopted", _("Not adopted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(C3pProject, on_delete=models.PROTECT, related_name="exits")
    #: the organisation that records the exit (the project's lead organisation)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of exit"), max_length=10, choices=Kind.choices)
    # a JCM exit: the proposal started from the project
    proposal = models.OneToOneField(
        "proposals.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="c3p_exit",
        verbose_name=_("JCM Model Project proposal"),
    )
    #: which fields of the proposal were prefilled, and from where (the page says so)
    prefilled = models.JSONField(default=list, blank=True)
    # another scheme: a row of Tables 7 and 8, or one they do not list (its name and agency)
    scheme_id = models.CharField(_("scheme (Tables 7 and 8)"), max_length=40, blank=True)
    rulebook_id = models.CharField(max_length=40, blank=True)
    other_name = models.CharField(_("name of the scheme"), max_length=200, blank=True)
    other_agency = models.CharField(_("agency"), max_length=200, blank=True)
    support_type = models.CharField(_("type of support"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONSIDERING
    )
    link = models.URLField(_("link"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("C3P exit")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="jcm", proposal__isnull=False, scheme_id="", other_name="")
                | Q(kind="scheme", proposal__isnull=True),
                name="c3p_exit_kind_fields",
            ),
            # a scheme exit names a row of the tables or, for one they do not list, its name
            models.CheckConstraint(
                condition=Q(kind="jcm") | ~Q(scheme_id="") | ~Q(other_name=""),
                name="c3p_exit_scheme_named",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.JCM:
            return str(self.proposal)
        return self.other_name or self.scheme_id


class C3pExitStatusChange(models.Model):
    """Each status an exit into another scheme moved to, with who and when (the history)."""

    exit = models.ForeignKey(C3pExit, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["changed_at", "pk"]
