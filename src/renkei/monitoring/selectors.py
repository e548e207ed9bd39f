"""What the monitoring stage reads for the annual 事業報告書, the project's chart and the office's
portfolio (JCM 2.(1)②, 2.(5)②(エ), 4.(8); post-adoption spec §2.4, A-21, A-34).

- Expected reductions (A-34): the adopted proposal version's annual reductions (the sum of its
  technology lines' ``annual_reduction_tco2``) and the completion report's
  ``expected_annual_reduction_tco2``. Both are shown; the one used is the completion report's
  (4.(8) 「事業完了時の温室効果ガス削減想定量」, the value the grant's annual report checks), or
  the adoption's when the completion report states none (reading ``annual.reading.expected``).
- Monitored reductions: the computed total of each monitoring period's latest computed version
  (never a superseded one); verified reductions: ``Verification.verified_tco2`` of the period's
  verified (hence non-superseded) version.
- Per calendar year of the 事業報告書 (A-21 read as the calendar year, as the grant stage reads
  it): a period that crosses a year end is shared between the years pro rata by its days, each
  share rounded down to 0.001 t and the last year taking the rest, so the shares add up to the
  period's total (reading ``annual.reading.year_pro_rata``).
- The office's portfolio: one row per plan in a fixed number of queries, with overdue read as
  "no period submitted for more than a year after the start of operation or the end of the last
  submitted period" (``annual.reading.overdue``: the call sets no monitoring-report due date).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy

from renkei import clock
from renkei.grants.services import closing
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan, PeriodState
from renkei.monitoring.policy import plans_for
from renkei.rules.jcm.schedule import add_years, period_end  # Civil Code Art. 140
from renkei.services import ServiceError

__all__ = [
    "READINGS",
    "Expected",
    "PeriodFigures",
    "PlanRow",
    "YearFigures",
    "expected_annual",
    "monitoring_end",
    "portfolio",
    "portfolio_rows",
    "prorate",
    "reductions_by_period",
    "reductions_by_year",
    "split_by_year",
    "today",
]

S = PeriodState
MILLI = Decimal("0.001")
#: a period counts as submitted once it has left draft (returned ones were submitted too)
SUBMITTED_STATES = (S.SUBMITTED, S.IN_VERIFICATION, S.RETURNED, S.VERIFIED, S.SUPERSEDED)

READINGS = {
    "annual.reading.expected": gettext_lazy(
        "Expected reductions (4.(8), spec A-34): both the adopted proposal's annual reductions "
        "and the completion report's expected annual reduction are shown; the completion "
        "report's is used (「事業完了時の温室効果ガス削減想定量」), or the adoption's when the "
        "completion report states none. A part year is prorated by its days."
    ),
    "annual.reading.year_pro_rata": gettext_lazy(
        "Reductions per calendar year of the annual report (「その年末」 read as the calendar "
        "year, spec A-21): a monitoring period that crosses a year end is shared between the "
        "years in proportion to its days in each, each share rounded down to 0.001 t and the "
        "last year taking the rest, so the shares add up to the period's total."
    ),
    "annual.reading.basis": gettext_lazy(
        "The year's reductions are the verified ones where a period is verified, else the "
        "monitored (computed) ones; the page says which for each period."
    ),
    "annual.reading.overdue": gettext_lazy(
        "The call sets no due date for monitoring reports: a plan is shown overdue when no "
        "period was submitted for more than a year after the start of operation or after the "
        "end of the last submitted period, while monitoring has not ended."
    ),
}


today = clock.today


def _decimal(value: Any) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return d if d.is_finite() and d >= 0 else None


def _year_days(year: int) -> int:
    return (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days + 1


def _years(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(year, days of [start, end] in that year) for each calendar year the range touches."""
    return [
        (y, (min(end, dt.date(y, 12, 31)) - max(start, dt.date(y, 1, 1))).days + 1)
        for y in range(start.year, end.year + 1)
    ]


def prorate(annual: Decimal, start: dt.date, end: dt.date) -> Decimal:
    """An annual figure for [start, end]: each calendar year's part by its share of that year's
    days (to 0.001 t, half up: the grant stage's ``closing.reading.annual_expected_prorated``)."""
    total = sum(annual * days / _year_days(y) for y, days in _years(start, end))
    return Decimal(total).quantize(MILLI, rounding=ROUND_HALF_UP)


def split_by_year(total: int | Decimal, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """A period's reductions shared between the calendar years it covers, pro rata by days
    (reading ``annual.reading.year_pro_rata``): shares rounded down to 0.001 t, the last year
    takes the rest; the shares always add up to ``total``."""
    parts = _years(start, end)
    whole = (end - start).days + 1
    total = Decimal(total)
    shares: dict[int, Decimal] = {}
    for year, days in parts[:-1]:
        shares[year] = (total * days / whole).quantize(MILLI, rounding=ROUND_DOWN)
    shares[parts[-1][0]] = total - sum(shares.values(), Decimal(0))
    return shares


# --- expected reductions (A-34) ---------------------------------------------------------------
@dataclass(frozen=True)
class Expected:
    adoption_tco2: Decimal | None  # per year, from the adopted proposal version
    completion_tco2: Decimal | None  # per year, from the completion report
    used: str | None  # "completion", "adoption" or None (neither states one)

    @property
    def annual_tco2(self) -> Decimal | None:
        return {"completion": self.completion_tco2, "adoption": self.adoption_tco2}.get(
            self.used or ""
        )

    def between(self, start: dt.date, end: dt.date) -> Decimal | None:
        annual = self.annual_tco2
        return None if annual is None else prorate(annual, start, end)


def _adoption_tco2(document: Any) -> Decimal | None:
    """The sum of the adopted version's technology lines' annual reductions (tCO2/year)."""
    if not isinstance(document, dict):
        return None
    values = [
        _decimal(line.get("annual_reduction_tco2"))
        for site in document.get("sites") or []
        if isinstance(site, dict)
        for line in site.get("technologies") or []
        if isinstance(line, dict)
    ]
    values = [v for v in values if v is not None]
    return sum(values, Decimal(0)) if values else None


def expected_annual(plan: MonitoringPlan) -> Expected:
    """The expected annual reductions at adoption and at completion, and which is used."""
    grant = plan.grant
    adoption = _adoption_tco2(grant.selection.version.document)
    report = getattr(grant, "completion_report", None)
    completion = None if report is None else report.expected_annual_reduction_tco2
    used = "completion" if completion is not None else "adoption" if adoption is not None else None
    return Expected(adoption_tco2=adoption, completion_tco2=completion, used=used)


def technologies(plan: MonitoringPlan) -> list[str]:
    document = plan.grant.selection.version.document
    if not isinstance(document, dict):
        return []
    names = [
        str(line.get("technology", ""))
        for site in document.get("sites") or []
        if isinstance(site, dict)
        for line in site.get("technologies") or []
        if isinstance(line, dict) and line.get("technology")
    ]
    return list(dict.fromkeys(names))


# --- reductions per monitoring period ---------------------------------------------------------
@dataclass
class PeriodFigures:
    start: dt.date
    end: dt.date
    period: MonitoringPeriod  # the latest version
    versions: int
    monitored_tco2: int | None  # the latest computed, non-superseded version's total
    verified_tco2: int | None  # the verified version's amount
    expected_tco2: Decimal | None
    provisional: bool

    @property
    def state(self) -> str:
        return self.period.state

    @property
    def basis(self) -> str | None:
        """Which figure the annual report takes: ``verified``, ``monitored`` or None."""
        if self.verified_tco2 is not None:
            return "verified"
        return "monitored" if self.monitored_tco2 is not None else None

    @property
    def reported_tco2(self) -> int | None:
        return self.verified_tco2 if self.verified_tco2 is not None else self.monitored_tco2


def _verified(period: MonitoringPeriod) -> int | None:
    if period.state != S.VERIFIED:
        return None
    try:
        return period.verification.verified_tco2
    except MonitoringPeriod.verification.RelatedObjectDoesNotExist:
        return None


def _periods(plan: MonitoringPlan) -> list[MonitoringPeriod]:
    cache = getattr(plan, "_prefetched_objects_cache", {})
    if "periods" in cache:
        return list(cache["periods"])
    return list(plan.periods.select_related("verification"))


def reductions_by_period(
    plan: MonitoringPlan, *, expected: Expected | None = None
) -> list[PeriodFigures]:
    """Expected, monitored and verified reductions per monitoring period (all its versions as
    one), in time order."""
    expected = expected or expected_annual(plan)
    groups: dict[tuple[dt.date, dt.date], list[MonitoringPeriod]] = {}
    for p in _periods(plan):
        groups.setdefault((p.start, p.end), []).append(p)
    rows = []
    for (start, end), versions in sorted(groups.items()):
        versions.sort(key=lambda p: p.version)
        live = [p for p in versions if p.state != S.SUPERSEDED]
        computed = [p for p in live if p.emission_reductions_tco2 is not None]
        verified = [v for v in (_verified(p) for p in live) if v is not None]
        rows.append(
            PeriodFigures(
                start=start,
                end=end,
                period=versions[-1],
                versions=len(versions),
                monitored_tco2=computed[-1].emission_reductions_tco2 if computed else None,
                verified_tco2=verified[-1] if verified else None,
                expected_tco2=expected.between(start, end),
                provisional=any(p.provisional for p in computed[-1:]),
            )
        )
    return rows


# --- reductions per calendar year of the 事業報告書 -------------------------------------------
@dataclass
class Share:
    figures: PeriodFigures
    days: int
    monitored_tco2: Decimal | None
    verified_tco2: Decimal | None

    @property
    def basis(self) -> str | None:
        return self.figures.basis

    @property
    def reported_tco2(self) -> Decimal | None:
        return self.verified_tco2 if self.verified_tco2 is not None else self.monitored_tco2


@dataclass
class YearFigures:
    year: int
    start: dt.date  # the reporting period (the first runs from the start of operation)
    end: dt.date
    expected_tco2: Decimal | None
    shares: list[Share] = field(default_factory=list)
    due: dt.date | None = None
    report: Any = None  # the grant's AnnualReport for this period, once submitted

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def _total(self, attr: str) -> Decimal | None:
        """The shares' sum of ``attr``; None when no share has one."""
        values = [getattr(s, attr) for s in self.shares if getattr(s, attr) is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def covered_days(self) -> int:
        return sum(s.days for s in self.shares if s.reported_tco2 is not None)

    @property
    def monitored_tco2(self) -> Decimal | None:
        return self._total("monitored_tco2")

    @property
    def verified_tco2(self) -> Decimal | None:
        return self._total("verified_tco2")

    @property
    def reported_tco2(self) -> Decimal | None:
        """Verified where available, else monitored (reading ``annual.reading.basis``)."""
        return self._total("reported_tco2")

    @property
    def basis(self) -> str | None:
        """``verified`` (all verified), ``monitored`` (none verified), ``mixed`` or None."""
        bases = {s.basis for s in self.shares if s.basis}
        if not bases:
            return None
        return bases.pop() if len(bases) == 1 else "mixed"

    @property
    def shortfall_tco2(self) -> Decimal | None:
        """How far the year's reductions fall below the expected ones (None: not below)."""
        if self.expected_tco2 is None or self.reported_tco2 is None:
            return None
        gap = self.expected_tco2 - self.reported_tco2
        return gap if gap > 0 else None

    @property
    def ended(self) -> bool:
        return self.end < today()

    @property
    def status(self) -> str:
        """``submitted``, ``due`` (ended, not submitted: the call sets no due date, A-21) or
        ``open`` (not ended)."""
        if self.report is not None:
            return "submitted"
        return "due" if self.ended else "open"


def reporting_periods(plan: MonitoringPlan) -> list[dict[str, Any]]:
    """The grant's reporting periods (``closing.annual_periods``); none outside the rulebook."""
    try:
        return closing.annual_periods(plan.grant)
    except ServiceError:
        return []


def reductions_by_year(
    plan: MonitoringPlan, *, by_period: list[PeriodFigures] | None = None
) -> dict[int, YearFigures]:
    """Expected / monitored / verified reductions per reporting period of the 事業報告書, keyed
    by its calendar year (the grant's periods; a year some monitoring period covers outside them
    is listed too, as the calendar year)."""
    expected = expected_annual(plan)
    by_period = by_period if by_period is not None else reductions_by_period(plan)
    grant = plan.grant
    reports = {r.period_start: r for r in grant.annual_reports.all()}
    years: dict[int, YearFigures] = {}
    for p in reporting_periods(plan):
        start, end = p["period_start"], p["period_end"]
        years[start.year] = YearFigures(
            year=start.year,
            start=start,
            end=end,
            expected_tco2=_expected_for(grant, expected, start, end),
            due=p.get("due"),
            report=reports.get(start),
        )
    for figures in by_period:
        monitored = (
            split_by_year(figures.monitored_tco2, figures.start, figures.end)
            if figures.monitored_tco2 is not None
            else {}
        )
        verified = (
            split_by_year(figures.verified_tco2, figures.start, figures.end)
            if figures.verified_tco2 is not None
            else {}
        )
        for year, days in _years(figures.start, figures.end):
            if year not in years:
                start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
                years[year] = YearFigures(
                    year=year, start=start, end=end, expected_tco2=expected.between(start, end)
                )
            years[year].shares.append(Share(figures, days, monitored.get(year), verified.get(year)))
    return dict(sorted(years.items()))


def _expected_for(grant, expected: Expected, start: dt.date, end: dt.date) -> Decimal | None:
    if expected.used == "completion":
        return closing.expected_for_period(grant, start, end)  # what the grant's report checks
    return expected.between(start, end)


# --- the monitoring end (JCM 2.(1)②) -------------------------------------------------------------
@functools.cache
def _plan_part_monitoring_end() -> Any:
    """The plan part's selector, once it is there (looked up once, not per plan)."""
    try:
        from renkei.monitoring.services.plan import monitoring_end
    except ImportError:
        return None
    return monitoring_end


def monitoring_end(plan: MonitoringPlan) -> dt.date | None:
    """``monitor_end`` of the plan part's selector when it is there; otherwise the same reading
    (spec §2.3: min(E + days not measurable, BDV), E the last day of L years from O, A-22)
    from the grant's facts."""
    of_plan = _plan_part_monitoring_end()
    if of_plan is not None:
        return of_plan(plan).get("monitor_end")
    grant = plan.grant
    start, life = grant.operation_started_on, grant.useful_life_years
    if start is None or life is None:
        return None
    # E: the last day of L years counted from O, its first day counted (as the plan part)
    end = period_end(start, life) + dt.timedelta(days=plan.unmeasurable_days)
    bdv = plan.bilateral_valid_until
    return min(end, bdv) if bdv else end


# --- the office's portfolio ---------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _methodology_provisional(methodology_id: str, version: str) -> bool:
    """The MRV core's flag (a formula known only from background knowledge, tag K) when the
    core can load the methodology; False when it cannot say."""
    try:
        from renkei.mrv import methodologies
        from renkei.mrv.types import MrvError
    except ImportError:
        return False
    try:
        return bool(methodologies.load(methodology_id, version).provisional)
    except MrvError:  # an unknown id/version: the plan part refuses it; here: not flagged
        return False


@dataclass
class PlanRow:
    plan: MonitoringPlan
    number: str
    title: str
    organisation: str
    country: str
    methodology: str
    technologies: list[str]
    monitoring_end: dt.date | None
    states: dict[str, int]
    expected: Expected
    expected_tco2: Decimal | None  # over the periods monitored so far
    monitored_tco2: int
    verified_tco2: int
    provisional: bool
    last_submitted_end: dt.date | None
    overdue_since: dt.date | None
    annual_submitted: int
    annual_due: int

    @property
    def id(self) -> int:
        return self.plan.pk

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None

    def state_count(self, state: str) -> int:
        return self.states.get(state, 0)

    def text(self) -> str:
        return " ".join(
            [
                self.number,
                self.title,
                self.organisation,
                self.country,
                self.methodology,
                *self.technologies,
            ]
        )


def _overdue_since(
    plan: MonitoringPlan, last_end: dt.date | None, end: dt.date | None, on: dt.date
) -> dt.date | None:
    """The day from which the plan is overdue (reading ``annual.reading.overdue``), or None."""
    anchor = last_end or plan.grant.operation_started_on
    if anchor is None or (end is not None and anchor >= end):
        return None
    limit = add_years(anchor, 1)
    return limit + dt.timedelta(days=1) if on > limit else None


def plans_queryset(user: Any) -> QuerySet[MonitoringPlan]:
    return (
        plans_for(user)
        .select_related(
            "grant__selection__proposal__organisation",
            "grant__selection__proposal__call",
            "grant__selection__version",
            "grant__completion_report",
        )
        .prefetch_related(
            Prefetch("periods", queryset=MonitoringPeriod.objects.select_related("verification")),
            "grant__annual_reports",
        )
    )


def plan_row(plan: MonitoringPlan, on: dt.date) -> PlanRow:
    grant = plan.grant
    proposal = grant.selection.proposal
    expected = expected_annual(plan)
    by_period = reductions_by_period(plan, expected=expected)
    periods = _periods(plan)
    submitted_ends = [p.end for p in periods if p.state in SUBMITTED_STATES]
    last_end = max(submitted_ends) if submitted_ends else None
    end = monitoring_end(plan)
    years = reductions_by_year(plan, by_period=by_period)
    expected_values = [f.expected_tco2 for f in by_period if f.expected_tco2 is not None]
    return PlanRow(
        plan=plan,
        number=grant.number,
        title=proposal.title,
        organisation=str(proposal.organisation),
        country=proposal.country,
        methodology=f"{plan.methodology_id} {plan.methodology_version}",
        technologies=technologies(plan),
        monitoring_end=end,
        states=dict(Counter(f.state for f in by_period)),
        expected=expected,
        expected_tco2=sum(expected_values, Decimal(0)) if expected_values else None,
        monitored_tco2=sum(f.monitored_tco2 or 0 for f in by_period),
        verified_tco2=sum(f.verified_tco2 or 0 for f in by_period),
        provisional=any(f.provisional for f in by_period)
        or _methodology_provisional(plan.methodology_id, plan.methodology_version),
        last_submitted_end=last_end,
        overdue_since=_overdue_since(plan, last_end, end, on),
        annual_submitted=sum(1 for y in years.values() if y.status == "submitted"),
        annual_due=sum(1 for y in years.values() if y.status == "due"),
    )


def portfolio_rows(user: Any, *, on: dt.date | None = None) -> list[PlanRow]:
    on = on or today()
    plans = plans_queryset(user).order_by("grant__number")
    return [plan_row(p, on) for p in plans]


def portfolio(user: Any, filters: dict[str, str] | None = None) -> list[PlanRow]:
    """Every plan the viewer may see (the office: all), filtered by methodology id, country,
    overdue and provisional."""
    filters = filters or {}
    rows = portfolio_rows(user)
    if filters.get("methodology"):
        rows = [r for r in rows if r.plan.methodology_id.upper() == filters["methodology"].upper()]
    if filters.get("country"):
        rows = [r for r in rows if r.country.upper() == filters["country"].upper()]
    if filters.get("overdue"):
        rows = [r for r in rows if r.overdue]
    if filters.get("provisional"):
        rows = [r for r in rows if r.provisional]
    return rows
