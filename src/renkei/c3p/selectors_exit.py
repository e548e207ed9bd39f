"""Reads of the C3P exit part (issue 11): a project's exits, and the office's funnel.

The funnel counts what exists along the chain the platform already has, nothing copied:
city partnerships → C3P projects (``C3pProject``) → JCM Model Project proposals prepared under
them (``Proposal.c3p_origin``) → submitted → adopted (``Selection``, 内示) → credits issued (the
adopted proposal's grant → monitoring plan → ``JcmProject`` → issuance requests → ``Issuance``).
Filters: the partner country (ISO code) and the fiscal year (a C3P project with a contract year
in it; a partnership with such a project; a JCM proposal prepared under such a project).
Exits into other schemes (Tables 7 and 8) are counted beside the chain, by status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei.c3p.models import C3pExit, C3pProject, CityPartnership
from renkei.credits.models import Issuance
from renkei.proposals.models import Proposal

__all__ = ["STAGES", "FunnelStage", "funnel", "stage_rows"]

STAGES: dict[str, Any] = {
    "partnerships": gettext_lazy("City partnerships"),
    "projects": gettext_lazy("C3P projects"),
    "jcm_proposals": gettext_lazy("JCM proposals prepared under them"),
    "submitted": gettext_lazy("JCM proposals submitted"),
    "adopted": gettext_lazy("JCM proposals adopted"),
    "credits": gettext_lazy("With JCM credits issued"),
}

_ISSUED = "selection__grant__monitoring_plan__jcm_project__issuance_requests__issuance"


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class FunnelRow:
    """One row of a stage's drill-down list."""

    stage: str
    pk: int
    title: str
    organisation: str
    country: str
    state: str
    url: str
    detail: str = ""

    def text(self) -> str:
        return " ".join((self.title, self.organisation, self.country, self.state, self.detail))


def _projects(filters: dict[str, str]) -> QuerySet[C3pProject]:
    qs = C3pProject.objects.all()
    if filters.get("country"):
        qs = qs.filter(proposal__country=filters["country"])
    if filters.get("fiscal_year"):
        qs = qs.filter(years__fiscal_year=int(filters["fiscal_year"]))
    return qs.distinct()


def _partnerships(filters: dict[str, str]) -> QuerySet[CityPartnership]:
    qs = CityPartnership.objects.all()
    if filters.get("country"):
        qs = qs.filter(partner_city__country=filters["country"])
    if filters.get("fiscal_year"):
        qs = qs.filter(proposals__c3p_project__years__fiscal_year=int(filters["fiscal_year"]))
    return qs.distinct()


def _jcm(filters: dict[str, str]) -> QuerySet[Proposal]:
    return Proposal.objects.filter(c3p_origin__in=_projects(filters)).distinct()


def _stage_qs(stage: str, filters: dict[str, str]) -> QuerySet:
    if stage == "partnerships":
        return _partnerships(filters)
    if stage == "projects":
        return _projects(filters)
    jcm = _jcm(filters)
    if stage == "jcm_proposals":
        return jcm
    if stage == "submitted":
        return jcm.filter(receipt_number__isnull=False)
    if stage == "adopted":
        return jcm.filter(selection__state="adopted")
    if stage == "credits":
        return jcm.filter(**{f"{_ISSUED}__isnull": False}).distinct()
    raise KeyError(stage)


def funnel(filters: dict[str, str]) -> list[FunnelStage]:
    return [
        FunnelStage(key, str(label), _stage_qs(key, filters).count())
        for key, label in STAGES.items()
    ]


def issued_tco2(filters: dict[str, str]) -> int:
    """The JCM credits issued to the adopted proposals prepared under the projects, tCO2."""
    total = Issuance.objects.filter(
        request__project__plan__grant__selection__proposal__in=_jcm(filters)
    ).aggregate(t=Sum("issued_tco2"))["t"]
    return int(total or 0)


def scheme_exits(filters: dict[str, str]) -> dict[str, int]:
    """Exits into other schemes (Tables 7 and 8) of the projects, by status."""
    rows = (
        C3pExit.objects.filter(kind=C3pExit.Kind.SCHEME, project__in=_projects(filters))
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {r["status"]: r["n"] for r in rows}


def stage_rows(stage: str, filters: dict[str, str]) -> list[FunnelRow]:
    qs = _stage_qs(stage, filters)
    if stage == "partnerships":
        rows = []
        for p in qs.select_related("japanese_city", "partner_city").prefetch_related("agreements"):
            # the latest agreement signed or renewed (CityPartnership.current_agreement), read
            # from the prefetched rows: one query for the list, not one per partnership
            latest = max(p.agreements.all(), key=lambda a: (a.signed_on, a.pk), default=None)
            rows.append(
                FunnelRow(
                    stage,
                    p.pk,
                    str(p),
                    p.japanese_city.name,
                    p.partner_city.country,
                    latest.title if latest else "",
                    f"/c3p/partnerships/{p.pk}/",
                )
            )
        return rows
    if stage == "projects":
        return [
            FunnelRow(
                stage,
                p.pk,
                p.proposal.title,
                p.proposal.organisation.name,
                p.proposal.country,
                str(_("Ended") if p.ended_at else _("Running")),
                f"/c3p/projects/{p.pk}/",
                detail=", ".join(f"FY{y.fiscal_year}" for y in p.years.all()),
            )
            for p in qs.select_related("proposal__organisation").prefetch_related("years")
        ]
    # a draft is its organisation's own until submitted (the office does not read it): counted
    # and named by its organisation and C3P project, its title and page withheld
    return [
        FunnelRow(
            stage,
            p.pk,
            p.title if p.state != "draft" else str(_("(a draft, not yet submitted)")),
            p.organisation.name,
            p.country,
            str(p.get_state_display()),
            f"/proposals/{p.pk}/" if p.state != "draft" else "",
            detail=str(p.c3p_origin),
        )
        for p in qs.select_related("organisation", "c3p_origin__proposal", "selection").order_by(
            "pk"
        )
    ]


def exits_of(project: C3pProject) -> dict[str, Any]:
    """A project's exits: the JCM proposals prepared under it and the exits into other schemes."""
    exits = list(
        project.exits.select_related("proposal__organisation", "organisation").prefetch_related(
            "changes"
        )
    )
    return {
        "jcm": [e for e in exits if e.kind == C3pExit.Kind.JCM],
        "schemes": [e for e in exits if e.kind == C3pExit.Kind.SCHEME],
    }
