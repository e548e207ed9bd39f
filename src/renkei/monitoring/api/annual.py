"""The monitoring stage's annual part in the REST API (JCM 2.(1)②, 2.(5)②(エ), 4.(8)): a
project's expected, monitored and verified reductions per monitoring period and per calendar
year of the annual 事業報告書, filing that report from monitoring, and the office's MRV
portfolio. The same selectors (``renkei.monitoring.selectors``), service
(``services.annual.annual_report_from_monitoring``) and rules (``policy.annual``) as the pages;
a plan the caller may not see is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from renkei import access
from renkei.apikit import op, path_id, plain, text
from renkei.monitoring import selectors
from renkei.monitoring.services.annual import annual_report_from_monitoring
from renkei.web.lists import matches, search_words

router = Router(tags=["monitoring"])

PlanId = path_id("Monitoring plan id.")
Long = text(10_000)
LongOptional = text(10_000, min_length=0)
Tco2 = str  # decimals are strings in the API, never JSON numbers


class ExpectedOut(Schema):
    adoption_tco2: Tco2 | None = Field(
        description="Expected tCO2/year of the adopted proposal (its technology lines' sum)."
    )
    completion_tco2: Tco2 | None = Field(
        description="Expected tCO2/year stated in the completion report."
    )
    used: str | None = Field(description="Which one is used: completion, adoption or null (A-34).")


class AnnualPeriodOut(Schema):
    start: dt.date = Field(description="First day of the monitoring period.")
    end: dt.date = Field(description="Last day (inclusive).")
    version: int = Field(description="The latest version of the period.")
    state: str = Field(description="The latest version's state.")
    expected_tco2: Tco2 | None = Field(description="Expected, prorated by days.")
    monitored_tco2: int | None = Field(description="Computed (latest computed version).")
    verified_tco2: int | None = Field(description="Verified by the TPE.")
    provisional: bool = Field(description="Computed with a provisional methodology.")


class ShareOut(Schema):
    start: dt.date = Field(description="The monitoring period's first day.")
    end: dt.date = Field(description="Its last day.")
    days: int = Field(description="Its days in this reporting period.")
    monitored_tco2: Tco2 | None = Field(description="Its monitored share (pro rata by days).")
    verified_tco2: Tco2 | None = Field(description="Its verified share (pro rata by days).")
    basis: str | None = Field(description="verified, monitored or null (not computed).")


class AnnualYearOut(Schema):
    year: int = Field(description="Calendar year of the reporting period.")
    start: dt.date = Field(description="First day of the reporting period.")
    end: dt.date = Field(description="Last day of the reporting period.")
    days: int = Field(description="Days of the reporting period.")
    covered_days: int = Field(description="Days covered by computed monitoring periods.")
    expected_tco2: Tco2 | None = Field(description="Expected for the period.")
    monitored_tco2: Tco2 | None = Field(description="Monitored in the period.")
    verified_tco2: Tco2 | None = Field(description="Verified in the period.")
    reductions_tco2: Tco2 | None = Field(description="Verified where available, else monitored.")
    basis: str | None = Field(description="verified, monitored, mixed or null.")
    shortfall_tco2: Tco2 | None = Field(description="How far below the expected (null: not).")
    status: str = Field(description="submitted, due (ended, not submitted) or open.")
    report_id: int | None = Field(description="The grant's annual report, once submitted.")
    shares: list[ShareOut] = Field(description="The monitoring periods counted.")


class AnnualReadingOut(Schema):
    id: str = Field(description="The reading's id.")
    text: str = Field(description="What it says, in the request's language.")


class ReductionsOut(Schema):
    plan_id: int = Field(description="Monitoring plan id.")
    grant_id: int = Field(description="Grant id.")
    expected: ExpectedOut = Field(description="Expected annual reductions (A-34).")
    periods: list[AnnualPeriodOut] = Field(description="Per monitoring period, in time order.")
    years: list[AnnualYearOut] = Field(description="Per reporting period of the 事業報告書.")
    readings: list[AnnualReadingOut] = Field(description="How the figures are read.")


class MonitoringAnnualIn(Schema):
    period_start: dt.date = Field(description="First day of the reporting period.")
    period_end: dt.date = Field(description="Last day of the reporting period.")
    operating_status: Long = Field(description="Operating status of the equipment.")
    property_status: Long = Field(description="How the acquired property is managed (4.(8)).")
    shortfall_reason: LongOptional = Field(
        default="", description="Why the expected reductions were not achieved (4.(8))."
    )


def _s(value) -> str | None:
    return None if value is None else plain(value)


def _expected(e: selectors.Expected) -> ExpectedOut:
    return ExpectedOut(
        adoption_tco2=_s(e.adoption_tco2), completion_tco2=_s(e.completion_tco2), used=e.used
    )


def _year(y: selectors.YearFigures) -> AnnualYearOut:
    return AnnualYearOut(
        year=y.year,
        start=y.start,
        end=y.end,
        days=y.days,
        covered_days=y.covered_days,
        expected_tco2=_s(y.expected_tco2),
        monitored_tco2=_s(y.monitored_tco2),
        verified_tco2=_s(y.verified_tco2),
        reductions_tco2=_s(y.reported_tco2),
        basis=y.basis,
        shortfall_tco2=_s(y.shortfall_tco2),
        status=y.status,
        report_id=y.report.pk if y.report is not None else None,
        shares=[
            ShareOut(
                start=s.figures.start,
                end=s.figures.end,
                days=s.days,
                monitored_tco2=_s(s.monitored_tco2),
                verified_tco2=_s(s.verified_tco2),
                basis=s.basis,
            )
            for s in y.shares
        ],
    )


def _readings() -> list[AnnualReadingOut]:
    return [AnnualReadingOut(id=i, text=str(t)) for i, t in selectors.READINGS.items()]


def _plan(request, plan_id: int):
    plan = access.plans_for(request.user).filter(pk=plan_id).first()
    if plan is None or not access.can(request.user, "view_monitoring_annual", plan):
        raise Http404
    return plan


def reductions_out(plan) -> ReductionsOut:
    expected = selectors.expected_annual(plan)
    by_period = selectors.reductions_by_period(plan, expected=expected)
    return ReductionsOut(
        plan_id=plan.pk,
        grant_id=plan.grant_id,
        expected=_expected(expected),
        periods=[
            AnnualPeriodOut(
                start=f.start,
                end=f.end,
                version=f.period.version,
                state=f.state,
                expected_tco2=_s(f.expected_tco2),
                monitored_tco2=f.monitored_tco2,
                verified_tco2=f.verified_tco2,
                provisional=f.provisional,
            )
            for f in by_period
        ],
        years=[_year(y) for y in selectors.reductions_by_year(plan, by_period=by_period).values()],
        readings=_readings(),
    )


@router.get(
    "/monitoring/plans/{plan_id}/reductions",
    summary="Expected, monitored and verified reductions per period and per year",
    **op({200: (ReductionsOut, "The project's reductions.")}, 401, 404, 422),
)
def reductions(request, plan_id: PlanId) -> ReductionsOut:
    """Per monitoring period and per reporting period of the annual 事業報告書 (a period that
    crosses a year end is shared pro rata by days), with the expected reductions at adoption
    and at completion (A-34) and the annual reports submitted or due."""
    return reductions_out(_plan(request, plan_id))


@router.post(
    "/monitoring/plans/{plan_id}/annual-reports",
    summary="File the annual project report from monitoring (the representative participant)",
    **op({201: (ReductionsOut, "Submitted.")}, 400, 401, 403, 404, 422),
)
def annual_report(request, plan_id: PlanId, body: MonitoringAnnualIn) -> Status:
    """For a reporting period of the useful life that has ended: the reductions are monitoring's
    (verified where available, else monitored); a shortfall needs its reason (4.(8))."""
    plan = _plan(request, plan_id)
    annual_report_from_monitoring(actor=request.user, plan=plan, **body.dict())
    return Status(201, reductions_out(plan))


# --- the office's MRV portfolio ---------------------------------------------------------------
class MrvPortfolioFilters(Schema):
    methodology: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}_[A-Za-z]{2}\d{3}$")] | None
    ) = Field(None, description="Only plans with this methodology id (e.g. ID_AM003).")
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Only plans whose host country is this (ISO 3166-1 alpha-2)."
    )
    overdue: bool = Field(False, description="Only overdue plans (annual.reading.overdue).")
    provisional: bool = Field(False, description="Only plans with a provisional methodology.")
    q: Annotated[str, Field(max_length=200)] = Field(
        "", description="Words every plan shown contains (number, title, organisation…)."
    )
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = Field(0, description="Rows to skip.")
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(200, description="Rows at most.")


class PlanRowOut(Schema):
    plan_id: int = Field(description="Monitoring plan id.")
    grant_id: int = Field(description="Grant id.")
    number: str = Field(description="Grant number.")
    title: str = Field(description="The proposal's title.")
    organisation: str = Field(description="The representative participant.")
    country: str = Field(description="Host country.")
    methodology_id: str = Field(description="Methodology id.")
    methodology_version: str = Field(description="Methodology version.")
    provisional: bool = Field(description="A provisional methodology (or result) is used.")
    technologies: list[str] = Field(description="The adopted proposal's technologies.")
    monitoring_end: dt.date | None = Field(description="Monitoring end (2.(1)②), if known.")
    periods_by_state: dict[str, int] = Field(description="Monitoring periods by state.")
    expected: ExpectedOut = Field(description="Expected annual reductions (A-34).")
    expected_tco2: Tco2 | None = Field(description="Expected over the periods monitored.")
    monitored_tco2: int = Field(description="Monitored in total.")
    verified_tco2: int = Field(description="Verified in total.")
    last_submitted_end: dt.date | None = Field(description="End of the last submitted period.")
    overdue_since: dt.date | None = Field(description="Overdue from this day (null: not).")
    annual_submitted: int = Field(description="Annual reports submitted.")
    annual_due: int = Field(description="Annual reports due (period ended, not submitted).")


class MrvPortfolioOut(Schema):
    as_of: dt.date = Field(description="Today in JST: the day overdue is counted from.")
    count: int = Field(description="Plans the filters keep (before offset and limit).")
    plans: list[PlanRowOut] = Field(description="The plans (offset, limit).")
    readings: list[AnnualReadingOut] = Field(description="How the figures are read.")


def _row(r: selectors.PlanRow) -> PlanRowOut:
    return PlanRowOut(
        plan_id=r.plan.pk,
        grant_id=r.plan.grant_id,
        number=r.number,
        title=r.title,
        organisation=r.organisation,
        country=r.country,
        methodology_id=r.plan.methodology_id,
        methodology_version=r.plan.methodology_version,
        provisional=r.provisional,
        technologies=r.technologies,
        monitoring_end=r.monitoring_end,
        periods_by_state=r.states,
        expected=_expected(r.expected),
        expected_tco2=_s(r.expected_tco2),
        monitored_tco2=r.monitored_tco2,
        verified_tco2=r.verified_tco2,
        last_submitted_end=r.last_submitted_end,
        overdue_since=r.overdue_since,
        annual_submitted=r.annual_submitted,
        annual_due=r.annual_due,
    )


@router.get(
    "/monitoring/portfolio",
    summary="The office's MRV portfolio",
    **op({200: (MrvPortfolioOut, "Every plan the filters keep.")}, 400, 401, 404, 422),
)
def portfolio(request, filters: Query[MrvPortfolioFilters]) -> MrvPortfolioOut:
    """Every monitoring plan with its methodology, country, technologies, monitoring end,
    periods by state, expected / monitored / verified reductions and overdue; the office's
    only (anyone else: 404, as on the page)."""
    if not access.can(request.user, "view_monitoring_portfolio"):
        raise Http404
    rows = selectors.portfolio(
        request.user,
        {
            "methodology": (filters.methodology or "").upper(),
            "country": (filters.country or "").upper(),
            "overdue": "1" if filters.overdue else "",
            "provisional": "1" if filters.provisional else "",
        },
    )
    words = search_words(filters.q)
    if words:  # as the office list searches: every word, ignoring case and full-width forms
        rows = [r for r in rows if matches(words, r.text())]
    return MrvPortfolioOut(
        as_of=selectors.today(),
        count=len(rows),
        plans=[_row(r) for r in rows[filters.offset : filters.offset + filters.limit]],
        readings=_readings(),
    )
