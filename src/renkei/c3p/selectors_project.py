"""Reads of the C3P project part, for the pages and the API alike: what a viewer may see
(``policy.project.projects_for``), each project's current contract year, and the office's
dashboard (projects by country, phase and fiscal year; contract amounts against the budget of
the C3P call of that fiscal year). Nothing is copied: titles, countries and partners are read
from the adopted proposal's version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from renkei.c3p.models import C3pProject, C3pProjectYear
from renkei.c3p.policy.project import projects_for
from renkei.c3p.selectors_activity import ReportCounts, report_counts
from renkei.calls.models import Call, Program

__all__ = ["ProjectRow", "YearBudget", "budgets", "project_rows", "table3"]


@dataclass
class ProjectRow:
    project: C3pProject
    title: str
    lead: str
    country: str
    japanese_city: str
    partner_city: str
    current: C3pProjectYear | None
    contracted_jpy: int  # all years
    years: list[C3pProjectYear] = field(default_factory=list)
    #: the current year's reports past due or missing (the activity part, Table 3 (2); 2.1)
    reports: ReportCounts = field(default_factory=ReportCounts)

    @property
    def ended(self) -> bool:
        return self.project.ended_at is not None

    def text(self) -> str:
        return " ".join(
            [self.title, self.lead, self.country, self.japanese_city, self.partner_city]
        )


@dataclass(frozen=True)
class YearBudget:
    fiscal_year: int
    contracted_jpy: int
    projects: int
    budget_jpy: int | None  # the C3P call's budget for that fiscal year (None: not entered)

    @property
    def remaining_jpy(self) -> int | None:
        return None if self.budget_jpy is None else self.budget_jpy - self.contracted_jpy


def _document(project: C3pProject) -> dict[str, Any]:
    selection = getattr(project.proposal, "selection", None)
    return selection.version.document if selection is not None else {}


def project_rows(viewer: Any, filters: dict[str, str] | None = None) -> list[ProjectRow]:
    """The projects the viewer sees, filtered by ``country`` (ISO code), ``phase``,
    ``fiscal_year`` (of the current contract year) and ``reports`` (``overdue``: a monthly report
    past the office's due day or a year-end report missing; ``missing``: any report past due or
    not received)."""
    filters = filters or {}
    qs = (
        projects_for(viewer)
        .select_related("proposal__selection__version")
        .prefetch_related("years__monthly_reports", "years__settlements", "years__monthly_due")
    )
    rows = []
    for project in qs:
        years = sorted(project.years.all(), key=lambda y: y.fiscal_year)
        current = years[-1] if years else None
        doc = _document(project)
        row = ProjectRow(
            project=project,
            title=project.proposal.title,
            lead=project.proposal.organisation.name,
            country=project.proposal.country,
            japanese_city=(doc.get("japanese_city") or {}).get("name_ja", ""),
            partner_city=(doc.get("partner_city") or {}).get("name", ""),
            current=current,
            contracted_jpy=sum(y.contract_amount_jpy or 0 for y in years),
            years=years,
            reports=report_counts(current),
        )
        if filters.get("country") and row.country != filters["country"]:
            continue
        if filters.get("phase") and (current is None or str(current.phase) != filters["phase"]):
            continue
        if filters.get("fiscal_year") and (
            current is None or str(current.fiscal_year) != filters["fiscal_year"]
        ):
            continue
        wanted = filters.get("reports")
        if wanted == "overdue" and not (
            row.reports.monthly_overdue or row.reports.year_end_missing
        ):
            continue
        if wanted == "missing" and not row.reports.total:
            continue
        rows.append(row)
    return rows


def budgets(rows: list[ProjectRow]) -> list[YearBudget]:
    """Per fiscal year: the contract amounts of the rows' years against the C3P call budget of
    that year (the call whose rulebook is that fiscal year's; 3.3 (3) sets no programme budget:
    it is what the office entered on the call)."""
    from renkei.rules import load_rulebook

    by_year: dict[int, list[C3pProjectYear]] = {}
    for row in rows:
        for y in row.years:
            by_year.setdefault(y.fiscal_year, []).append(y)
    calls: dict[int, int | None] = {}
    for call in Call.objects.filter(program=Program.C3P):
        book = load_rulebook(call.rulebook_id)
        calls[book.fiscal_year.value] = call.budget_jpy
    return [
        YearBudget(
            fiscal_year=fy,
            contracted_jpy=sum(y.contract_amount_jpy or 0 for y in ys),
            projects=len(ys),
            budget_jpy=calls.get(fy),
        )
        for fy, ys in sorted(by_year.items())
    ]


def table3(year: C3pProjectYear) -> list:
    """The year's Table 3 items planned / done / expected (the activity part's reading, the
    rules core's verdict: ``renkei.c3p.selectors_activity.table3_rows``)."""
    from renkei.c3p.selectors_activity import table3_rows

    return table3_rows(year)
