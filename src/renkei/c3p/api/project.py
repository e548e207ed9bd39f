"""The C3P stage's project part in the REST API (guidebook 2.1, BOX 6, 3.3 (3), Tables 3 and 5):
the projects a caller sees (the office's dashboard rows), one project with its contract years,
and every change through the same services (``renkei.c3p.services.project``) and rules
(``policy.project``) as the pages. A project the caller may not see is 404; one it sees but may
not change is 403; a refusal of the rules is 422 with the guidebook's place in ``detail`` and
every reason in ``errors``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.apikit import Id, jst, op, path_id, text
from renkei.c3p import selectors_project as selectors
from renkei.c3p.models import C3pProject, C3pProjectYear
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import project as svc
from renkei.proposals.models import Proposal
from renkei.web.lists import matches, search_words

router = Router(tags=["c3p"])

ProjectId = path_id("C3P project id.")
Yen = Annotated[int, Field(ge=0, le=10**12)]
Long = text(10_000)
LongOptional = text(10_000, min_length=0)


# --- answers ------------------------------------------------------------------
class C3pProjectFindingOut(Schema):
    status: str = Field(description="pass, fail, needs_review or info.")
    clause: str = Field(description="The guidebook's place.")
    message: str = Field(description="The finding, in the request's language.")
    notes: list[str] = Field(description="Readings and caveats, in the request's language.")


class C3pProjectChangeOut(Schema):
    kind: str = Field(description="reduction or suspension (3.3 (3)).")
    amount_before_jpy: int = Field(description="The contract amount before it, yen incl. tax.")
    amount_after_jpy: int = Field(
        description="The contract amount after it, yen incl. tax (a suspension keeps it)."
    )
    reason: str = Field(description="The office's reason for the change.")
    decided_at: dt.datetime = Field(
        description="When the office decided it (ISO 8601 in JST, +09:00)."
    )


class C3pProjectActivityOut(Schema):
    item: str = Field(description="Table 3 item, 1 to 7.")
    title: str = Field(description="What the activity was, as the lead organisation recorded it.")
    held_on: dt.date = Field(description="The day it was held, inside the contract year.")


class C3pProjectExpenseOut(Schema):
    category: str = Field(description="Table 5 category id.")
    description: str = Field(description="What the expense was for.")
    amount_jpy: int = Field(description="Before tax.")
    unit_price_jpy: int | None = Field(
        description="Yen before tax for one unit (equipment and consumables), if given."
    )
    spent_on: dt.date | None = Field(description="The day it was spent, if given.")


class C3pProjectSettlementOut(Schema):
    id: int = Field(description="Settlement report id.")
    kind: str = Field(description="interim (2.3) or final (2.1, the year's end).")
    pre_tax_jpy: int = Field(description="The sum of its lines, yen before tax.")
    tax_jpy: int = Field(description="Consumption tax, 10% rounded down (Table 5).")
    total_incl_tax_jpy: int = Field(description="Pre-tax sum plus the tax, yen incl. tax.")
    flagged: bool = Field(description="A finding needs the office's review.")
    findings: list[C3pProjectFindingOut] = Field(
        description="The rules' findings on it (Table 5, 3.3 (3)), with the tax worked out."
    )
    lines: list[C3pProjectExpenseOut] = Field(description="Its expense lines, as filed.")


class C3pProjectYearOut(Schema):
    id: int = Field(description="Contract year id.")
    fiscal_year: int = Field(description="The fiscal year (April to March) of the contract year.")
    phase: int = Field(description="1 or 2 (2.1).")
    year_in_phase: int = Field(description="1 to 3 (2.1).")
    state: str = Field(
        description="planning, plan_submitted, contracted, suspended, reported or closed."
    )
    rulebook_id: str = Field(description="The rulebook whose cap, tax and Table 5 apply.")
    novelty: str = Field(description="Phase 2's novelty (Table 6 item 1), if phase 2 year 1.")
    requested_jpy: int | None = Field(description="Requested in the plan, incl. tax.")
    contract_amount_jpy: int | None = Field(description="The contract amount incl. tax.")
    field_survey_addition_jpy: int = Field(
        description="Yen the office added to the cap for field surveys (3.3 (3) fn 1); 0 if none."
    )
    reduction_reason: str = Field(
        description="The office's reason for contracting below the request (empty if none)."
    )
    signed_on: dt.date | None = Field(description="The day the contract was signed, once signed.")
    contract_findings: list[C3pProjectFindingOut] = Field(
        description="The rules' findings on the contract when it was signed (empty before)."
    )
    changes: list[C3pProjectChangeOut] = Field(
        description="Mid-year reductions and suspensions (3.3 (3)), oldest first."
    )
    activities: list[C3pProjectActivityOut] = Field(
        description="Table 3 activities done, by date (planned and cancelled ones: "
        "GET /api/c3p/projects/{id}/activities/year)."
    )
    settlements: list[C3pProjectSettlementOut] = Field(
        description="Settlement reports filed (Table 5), oldest first."
    )
    business_report: str = Field(description="The year-end business report (2.1; empty before).")
    deliverables: list[str] = Field(
        description="Table 3 (1) deliverables filed: report_ja_print, summary_pptx, report_dvd."
    )


class C3pProjectOut(Schema):
    id: int = Field(description="C3P project id.")
    proposal_id: int = Field(description="The adopted C3P proposal it points at.")
    title: str = Field(description="The proposal's title.")
    lead_organisation: str = Field(description="The name of the proposal's lead organisation.")
    country: str = Field(description="The proposal's host country (ISO 3166-1 alpha-2).")
    japanese_city: str = Field(
        description="The Japanese city of the adopted proposal, in Japanese (empty if none)."
    )
    partner_city: str = Field(description="The partner city of the adopted proposal.")
    ended_at: dt.datetime | None = Field(
        description="When the project period ended (ISO 8601 in JST, +09:00); null if running."
    )
    end_reason: str = Field(
        description="Why it ended: suspended (3.3 (3)) or two phases done (2.1); empty if not."
    )
    years: list[C3pProjectYearOut] = Field(description="Its contract years, by fiscal year.")


class C3pProjectRowOut(Schema):
    id: int = Field(description="C3P project id.")
    title: str = Field(description="The proposal's title.")
    lead_organisation: str = Field(description="The name of the proposal's lead organisation.")
    country: str = Field(description="The proposal's host country (ISO 3166-1 alpha-2).")
    fiscal_year: int | None = Field(description="The current (latest) contract year's fiscal year.")
    phase: int | None = Field(description="The current contract year's phase, 1 or 2.")
    year_in_phase: int | None = Field(description="The current contract year's year, 1 to 3.")
    state: str | None = Field(
        description="The current contract year's state: planning, plan_submitted, contracted, "
        "suspended, reported or closed."
    )
    contract_amount_jpy: int | None = Field(
        description="The current contract year's contract amount, yen incl. tax (null unsigned)."
    )
    contracted_all_years_jpy: int = Field(
        description="The contract amounts of all its years, yen incl. tax."
    )
    ended: bool = Field(description="The project period has ended.")
    monthly_reports_overdue: int = Field(
        0,
        description="Monthly reports of the current year past the office's recorded due day "
        "(Table 3 (2); the guidebook sets no due day: 0 until the office records one).",
    )
    monthly_reports_not_received: int = Field(
        0,
        description="Months of the current year ended without their report, no due day "
        "recorded (shown as not received, not overdue).",
    )
    year_end_reports_missing: list[str] = Field(
        default_factory=list,
        description="business and/or settlement: the year-end business report and expense "
        "settlement report (2.1) not filed once the contract year has ended.",
    )


class C3pProjectBudgetOut(Schema):
    fiscal_year: int = Field(description="The fiscal year (April to March).")
    contracted_jpy: int = Field(
        description="The contract amounts of the listed projects' years in it, yen incl. tax."
    )
    budget_jpy: int | None = Field(description="The C3P call's budget for that year, if entered.")
    remaining_jpy: int | None = Field(
        description="The budget less the contracted amounts, yen (negative if over; null if no "
        "budget)."
    )


class C3pProjectListOut(Schema):
    count: int = Field(description="How many projects the filters keep.")
    projects: list[C3pProjectRowOut] = Field(
        description="The projects the filters keep, the newest first."
    )
    budgets: list[C3pProjectBudgetOut] = Field(description="The office's only (else empty).")


# --- bodies ------------------------------------------------------------------
class C3pProjectCreateIn(Schema):
    proposal_id: Id = Field(description="An adopted C3P proposal without a project.")


class C3pProjectPlanIn(Schema):
    overview: Long = Field(description="Project overview (BOX 6).")
    methods: Long = Field(description="Implementation methods and content (BOX 6).")
    structure: Long = Field(description="Implementation structure (BOX 6).")
    timeline: Long = Field(description="Timeline (BOX 6).")
    other: LongOptional = Field("", description="Anything else (BOX 6); may be empty.")
    requested_jpy: Yen = Field(description="Requested amount incl. tax.")


class C3pProjectContractIn(Schema):
    amount_jpy: Yen = Field(description="Contract amount incl. tax (3.3 (3)).")
    signed_on: dt.date = Field(description="The day it is signed, inside the year's fiscal year.")
    field_survey_addition_jpy: Yen = Field(0, description="At most 5,000,000 (3.3 (3) fn 1).")
    field_survey_tasks: LongOptional = Field(
        "", description="The tasks requiring field surveys; needed with an addition."
    )
    reduction_reason: LongOptional = Field("", description="Needed below the requested amount.")


class C3pProjectChangeIn(Schema):
    kind: Literal["reduction", "suspension"] = Field(
        description="reduction (a lower amount, never below what is settled) or suspension (the "
        "year takes no more filings; 3.3 (3))."
    )
    new_amount_jpy: Yen | None = Field(None, description="For a reduction.")
    reason: LongOptional = Field(
        "", description="The office's reason; a change without one is refused (422)."
    )


class C3pProjectActivityIn(Schema):
    item: Literal["1", "2", "3", "4", "5", "6", "7"] = Field(description="Table 3 item.")
    title: text(200) = Field(description="What the activity was.")
    held_on: dt.date = Field(description="The day it was held, inside the contract year.")


class C3pProjectExpenseIn(Schema):
    category: text(40) = Field(description="A Table 5 category id, e.g. overseas_travel.")
    description: text(200) = Field(description="What the expense was for.")
    amount_jpy: Yen = Field(description="Before tax.")
    unit_price_jpy: Yen | None = Field(
        None,
        description="Yen before tax for one unit: equipment below JPY 200,000 a unit is refused "
        "(the amount counts if not given), a consumable at or above it is flagged.",
    )
    spent_on: dt.date | None = Field(None, description="The day spent, inside the contract year.")


class C3pProjectSettlementIn(Schema):
    kind: Literal["interim", "final"] = Field(
        description="interim (during the year, 2.3) or final (the year's expense settlement, 2.1)."
    )
    lines: list[C3pProjectExpenseIn] = Field(
        min_length=1, max_length=60, description="Its expense lines, 1 to 60."
    )


class C3pProjectReportIn(Schema):
    business_report: Long = Field(description="The year-end business report (2.1).")
    deliverables: list[Literal["report_ja_print", "summary_pptx", "report_dvd"]] = Field(
        max_length=3,
        description="The Table 3 (1) deliverables delivered: every one of the three is needed.",
    )


class C3pProjectRenewIn(Schema):
    novelty: LongOptional = Field("", description="Phase 2's novelty, after phase 1's third year.")


class C3pProjectFilters(Schema):
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Only projects in this country (ISO 3166-1 alpha-2, either case)."
    )
    phase: Literal["1", "2"] | None = Field(
        None, description="Only projects whose current contract year is in this phase."
    )
    fiscal_year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(
        None, description="Only projects whose current contract year is this fiscal year."
    )
    q: Annotated[str, Field(max_length=200)] = Field(
        "",
        description="Words every project shown contains (title, lead organisation, country, "
        "cities).",
    )
    reports: Literal["overdue", "missing"] | None = Field(
        None,
        description="overdue: a monthly report past the office's due day or a year-end report "
        "missing; missing: any report overdue or not received.",
    )
    sort: Literal["reports"] | None = Field(
        None, description="reports: the most reports overdue or missing first."
    )


# --- conversions ------------------------------------------------------------------
def _lang(request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "ja") or "ja").startswith("en") else "ja"


def _findings(stored, lang) -> list[C3pProjectFindingOut]:
    return [C3pProjectFindingOut(**f) for f in svc.rendered(stored, lang)]


def _year(y: C3pProjectYear, lang: str) -> C3pProjectYearOut:
    return C3pProjectYearOut(
        id=y.pk,
        fiscal_year=y.fiscal_year,
        phase=y.phase,
        year_in_phase=y.year_in_phase,
        state=y.state,
        rulebook_id=y.rulebook_id,
        novelty=y.novelty,
        requested_jpy=y.requested_jpy,
        contract_amount_jpy=y.contract_amount_jpy,
        field_survey_addition_jpy=y.field_survey_addition_jpy,
        reduction_reason=y.reduction_reason,
        signed_on=y.signed_on,
        contract_findings=_findings(y.contract_findings, lang),
        changes=[
            C3pProjectChangeOut(
                kind=c.kind,
                amount_before_jpy=c.amount_before_jpy,
                amount_after_jpy=c.amount_after_jpy,
                reason=c.reason,
                decided_at=jst(c.decided_at),
            )
            for c in y.changes.all()
        ],
        activities=[  # done ones (planned and cancelled: the activity part's operations)
            C3pProjectActivityOut(item=a.item, title=a.title, held_on=a.held_on)
            for a in y.activities.all()
            if a.state == "done"
        ],
        settlements=[
            C3pProjectSettlementOut(
                id=s.pk,
                kind=s.kind,
                pre_tax_jpy=s.pre_tax_jpy,
                tax_jpy=s.tax_jpy,
                total_incl_tax_jpy=s.total_incl_tax_jpy,
                flagged=s.flagged,
                findings=_findings(s.findings, lang),
                lines=[
                    C3pProjectExpenseOut(
                        category=line.category,
                        description=line.description,
                        amount_jpy=line.amount_jpy,
                        unit_price_jpy=line.unit_price_jpy,
                        spent_on=line.spent_on,
                    )
                    for line in s.lines.all()
                ],
            )
            for s in y.settlements.all()
        ],
        business_report=y.business_report,
        deliverables=list(y.deliverables),
    )


def _project_out(request, project: C3pProject) -> C3pProjectOut:
    project = C3pProject.objects.get(pk=project.pk)  # fresh after a change
    doc = selectors._document(project)
    lang = _lang(request)
    years = project.years.prefetch_related("changes", "activities", "settlements__lines")
    return C3pProjectOut(
        id=project.pk,
        proposal_id=project.proposal_id,
        title=project.proposal.title,
        lead_organisation=project.proposal.organisation.name,
        country=project.proposal.country,
        japanese_city=(doc.get("japanese_city") or {}).get("name_ja", ""),
        partner_city=(doc.get("partner_city") or {}).get("name", ""),
        ended_at=jst(project.ended_at),
        end_reason=project.end_reason,
        years=[_year(y, lang) for y in years.order_by("fiscal_year")],
    )


def _visible(request, project_id: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=project_id).first()
    if project is None or not access.can(request.user, "view_c3p_project", project):
        raise Http404
    return project


def _current(project: C3pProject) -> C3pProjectYear:
    year = project.years.order_by("-fiscal_year").first()
    if year is None:
        raise Http404
    return year


ERRORS = (400, 401, 403, 404, 422)


# --- operations ------------------------------------------------------------------
@router.get(
    "/c3p/projects",
    summary="The C3P projects the caller sees (the office: the dashboard)",
    **op({200: (C3pProjectListOut, "The projects the filters keep.")}, 401, 404, 422),
)
def project_list(request, filters: Query[C3pProjectFilters]) -> C3pProjectListOut:
    """By country, phase and the current fiscal year; the office also gets the contract amounts
    per fiscal year against the C3P call's budget. Someone who sees no project: 404."""
    office = access.can(request.user, "view_c3p_projects")
    if not office and not projects_for(request.user).exists():
        raise Http404
    rows = selectors.project_rows(
        request.user,
        {
            "country": (filters.country or "").upper(),
            "phase": filters.phase or "",
            "fiscal_year": str(filters.fiscal_year or ""),
            "reports": filters.reports or "",
        },
    )
    words = search_words(filters.q)
    if words:
        rows = [r for r in rows if matches(words, r.text())]
    if filters.sort == "reports":
        rows.sort(key=lambda r: -r.reports.total)
    return C3pProjectListOut(
        count=len(rows),
        projects=[
            C3pProjectRowOut(
                id=r.project.pk,
                title=r.title,
                lead_organisation=r.lead,
                country=r.country,
                fiscal_year=r.current.fiscal_year if r.current else None,
                phase=r.current.phase if r.current else None,
                year_in_phase=r.current.year_in_phase if r.current else None,
                state=r.current.state if r.current else None,
                contract_amount_jpy=r.current.contract_amount_jpy if r.current else None,
                contracted_all_years_jpy=r.contracted_jpy,
                ended=r.ended,
                monthly_reports_overdue=r.reports.monthly_overdue,
                monthly_reports_not_received=r.reports.monthly_not_received,
                year_end_reports_missing=r.reports.year_end_missing,
            )
            for r in rows
        ],
        budgets=[
            C3pProjectBudgetOut(
                fiscal_year=b.fiscal_year,
                contracted_jpy=b.contracted_jpy,
                budget_jpy=b.budget_jpy,
                remaining_jpy=b.remaining_jpy,
            )
            for b in (selectors.budgets(rows) if office else [])
        ],
    )


@router.post(
    "/c3p/projects",
    summary="Open the C3P project of an adopted C3P proposal (the office)",
    **op({201: (C3pProjectOut, "Opened, its first year in planning.")}, *ERRORS),
)
def project_create(request, body: C3pProjectCreateIn) -> Status:
    """The office opens it once the proposal is adopted, with the first contract year: the
    proposal's fiscal year, phase and year in the phase, in planning (2.1, BOX 6). A proposal
    that is not C3P: 404; one not adopted or already with its project: 422."""
    if not access.can(request.user, "create_c3p_project"):
        raise Http404
    proposal = Proposal.objects.filter(pk=body.proposal_id, call__program="c3p").first()
    if proposal is None:
        raise Http404
    project = svc.c3p_project_create(actor=request.user, proposal=proposal)
    return Status(201, _project_out(request, project))


@router.get(
    "/c3p/projects/{project_id}",
    summary="One C3P project with its contract years",
    **op({200: (C3pProjectOut, "The project.")}, 401, 404, 422),
)
def project_detail(request, project_id: ProjectId) -> C3pProjectOut:
    """Its proposal's title, lead organisation and cities, and every contract year with its
    requested amount, contract, changes, activities, settlement reports and year-end reports;
    findings in the request's language."""
    return _project_out(request, _visible(request, project_id))


def _year_op(path: str, summary: str, body_type, run, doc: str) -> None:
    def operation(request, project_id, body):
        project = _visible(request, project_id)
        run(request, project, _current(project), body)
        return Status(200, _project_out(request, project))

    # real objects, not the strings of ``from __future__ import annotations``: ninja reads them
    operation.__annotations__ = {"project_id": ProjectId, "body": body_type, "return": Status}
    operation.__doc__ = doc
    operation.__name__ = f"project_{path}"
    router.post(
        f"/c3p/projects/{{project_id}}/{path}",
        summary=summary,
        **op({200: (C3pProjectOut, "Done: the project as it is now.")}, *ERRORS),
    )(operation)


_year_op(
    "plan",
    "File the year's implementation plan (the lead organisation; BOX 6)",
    C3pProjectPlanIn,
    lambda r, p, y, b: svc.c3p_plan_submit(actor=r.user, year=y, **b.dict()),
    "Overview, methods and content, structure, timeline, other, and the amount requested.",
)
_year_op(
    "contract",
    "Sign the year's contract after the cost review (the office; 3.3 (3))",
    C3pProjectContractIn,
    lambda r, p, y, b: svc.c3p_contract_sign(actor=r.user, year=y, **b.dict()),
    "Within JPY 20,000,000 incl. tax plus the field-survey addition granted (at most "
    "5,000,000, with its tasks); below the request, the reduction's reason.",
)
_year_op(
    "change",
    "Reduce the contract amount or suspend the project mid-year (the office; 3.3 (3))",
    C3pProjectChangeIn,
    lambda r, p, y, b: svc.c3p_year_change(actor=r.user, year=y, **b.dict()),
    "With its reason; a reduction never below what is settled for the year.",
)
_year_op(
    "activities",
    "Record an activity of Table 3 (the lead organisation)",
    C3pProjectActivityIn,
    lambda r, p, y, b: svc.c3p_activity_record(actor=r.user, year=y, **b.dict()),
    "Dated inside the contract year (2.1; 3.3 (3)).",
)
_year_op(
    "settlements",
    "File a settlement report by Table 5 categories (the lead organisation)",
    C3pProjectSettlementIn,
    lambda r, p, y, b: svc.c3p_settlement_submit(
        actor=r.user, year=y, kind=b.kind, lines=[line.dict() for line in b.lines]
    ),
    "Refused: a category not in Table 5, equipment below JPY 200,000 a unit, a date outside "
    "the contract year, more than the contract amount. Flagged: outsourcing over half.",
)
_year_op(
    "report",
    "File the year-end business report and deliverables (the lead organisation; 2.1)",
    C3pProjectReportIn,
    lambda r, p, y, b: svc.c3p_year_report(actor=r.user, year=y, **b.dict()),
    "After the year's expense settlement report; every deliverable of Table 3 (1).",
)


class C3pProjectEmptyIn(Schema):
    pass


_year_op(
    "close",
    "Close the year (the office)",
    C3pProjectEmptyIn,
    lambda r, p, y, b: svc.c3p_year_close(actor=r.user, year=y),
    "Once its reports are filed, or a suspended year; phase 2's third year ends the project.",
)
_year_op(
    "renew",
    "Open the next contract year (the office; 2.1)",
    C3pProjectRenewIn,
    lambda r, p, y, b: svc.c3p_year_renew(actor=r.user, project=p, **b.dict()),
    "The same phase's next year; after phase 1's third year phase 2 with its novelty; never a "
    "third phase.",
)
