"""The credits stage's portfolio (issue 10, "Japan's target and public views"): what the JCM Model
Projects adopted under the calls are expected to reduce, what was monitored, verified, issued
and delivered to the Government of Japan, by country, technology, call and Japanese fiscal year,
against Japan's public JCM targets, with a projection; and what of it is public (registered
projects, issuances, the government's holdings).

Read in a fixed number of queries whatever the number of projects (``portfolio_rows``). How the
figures are read is ``READINGS`` (shown on the page and in the API); the targets are
``TARGETS`` (``../shared/reference/jcm_stats.yaml``, status V, each with its source).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F, Prefetch, Q, Sum
from django.utils.translation import gettext_lazy

from renkei import clock
from renkei.adoption.models import Selection, SelectionState
from renkei.calls.models import Program
from renkei.credits.models import (
    FINAL_KINDS,
    AccountKind,
    AgreementState,
    AllocationShare,
    Block,
    Issuance,
    JcmProject,
    ProjectState,
)
from renkei.grants.selectors import spread
from renkei.monitoring import selectors as mrv
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan
from renkei.rules.jcm.schedule import fiscal_year_start, period_end

MILLI = Decimal("0.001")
HUNDRED = Decimal(100)
MT = 1_000_000  # tCO2 in a megatonne

today = clock.today


@dataclass(frozen=True)
class Target:
    mtco2: int
    fiscal_year: int  # the fiscal year by whose end the cumulative figure is to be reached
    basis: str
    source: str

    @property
    def tco2(self) -> int:
        return self.mtco2 * MT


#: Japan's public JCM targets (jcm_stats.yaml ``targets``, status V): both count the credits of
#: public AND private JCM projects, so the share this portfolio covers is shown beside them.
TARGETS = (
    Target(
        100,
        2030,
        "Plan for Global Warming Countermeasures (Cabinet decision 2021-10-22); public-private "
        "cumulative",
        "https://www.newton-consulting.co.jp/bcmnavi/glossary/joint_crediting_mechanism.html",
    ),
    Target(
        200,
        2040,
        "Japan NDC submitted Feb 2025",
        "https://stocknews24.com/2025/02/27/japan-looks-to-upscale-the-jcm-to-meet-enhanced-"
        "carbon-credit-goals",
    ),
)
#: the last fiscal year the projection runs to (the later target's)
HORIZON = max(t.fiscal_year for t in TARGETS)

READINGS = {
    "credits.portfolio.expected": gettext_lazy(
        "Expected: each adopted JCM proposal's expected annual reductions as the MRV stage "
        "reads them (the completion report's when it states one, else the sum of the adopted "
        "version's technology lines, spec A-34), from the start of operation (the grant's, else "
        "the proposal's planned one) for the useful life (the grant's, else each line's own), "
        "ending at the bilateral document's validity when one is recorded (2.(1)②); a project "
        "with no start date counts in the totals but in no year."
    ),
    "credits.portfolio.fiscal_year": gettext_lazy(
        "Years are Japanese fiscal years (April–March), as the targets are: a period crossing "
        "1 April is shared between the years in proportion to its days (expected reductions "
        "to 0.001 t; monitored, verified, issued and delivered credits in whole tonnes, the "
        "remainders to the largest fractions, so the years add up to the whole)."
    ),
    "credits.portfolio.monitored": gettext_lazy(
        "Monitored and verified: each monitoring period's latest computed reductions and its "
        "verified reductions (never a superseded version), as the MRV portfolio counts them."
    ),
    "credits.portfolio.issued": gettext_lazy(
        "Issued: the credits of each issuance the Joint Committee decided, by its vintage (the "
        "periods it covers)."
    ),
    "credits.portfolio.delivered": gettext_lazy(
        "Delivered to the Government of Japan (2.(1)③, 2.(5)②(カ)): the credits in a "
        "government holding account, and those in a cancellation or retirement account of "
        "Japan's registry that no company holds (the government's own)."
    ),
    "credits.portfolio.targets": gettext_lazy(
        "The targets (100 MtCO2 by FY2030, 200 MtCO2 by FY2040) are cumulative and count the "
        "credits of public and private JCM projects alike; the share shown is what this "
        "platform's Model Projects cover, counted by the fiscal year of the reductions."
    ),
    "credits.portfolio.projection": gettext_lazy(
        "Projection (assumptions): reductions already verified count as verified; every other "
        "day of a project's expected life counts its expected reductions (no shortfall, no "
        "early end); all of them are issued on the call's schedule (the reductions up to 2030 "
        "requested during 2031, the last within a year after the useful life ends, spec §2.5 "
        "I4–I5), so each counts toward the target of its fiscal year; the Government of Japan "
        "receives its share in the allocation agreement in force (form 5), rounded up; a "
        "project without an agreement adds nothing to the projected delivery."
    ),
}


# --- fiscal-year arithmetic --------------------------------------------------------------------
def _fy_bounds(fy: int) -> tuple[dt.date, dt.date]:
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def fy_days(start: dt.date, end: dt.date) -> dict[int, int]:
    """Days of [start, end] in each fiscal year it touches."""
    out: dict[int, int] = {}
    for fy in range(fiscal_year_start(start), fiscal_year_start(end) + 1):
        first, last = _fy_bounds(fy)
        days = (min(end, last) - max(start, first)).days + 1
        if days > 0:
            out[fy] = days
    return out


def whole_by_fy(amount: int, start: dt.date, end: dt.date) -> dict[int, int]:
    """Whole credits over the fiscal years of [start, end] pro rata by days, adding up exactly
    (the grant portfolio's ``spread``: largest remainder)."""
    if end < start or amount <= 0:
        return {}
    return spread(amount, fy_days(start, end))


def expected_by_fy(annual: Decimal, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    """An annual reduction over [start, end]: each fiscal year's part by its share of that
    year's days, to 0.001 t (half up)."""
    out: dict[int, Decimal] = {}
    for fy, days in fy_days(start, end).items():
        first, last = _fy_bounds(fy)
        year_days = (last - first).days + 1
        out[fy] = (annual * days / year_days).quantize(MILLI, rounding=ROUND_HALF_UP)
    return out


def _minus(start: dt.date, end: dt.date, covered: Sequence[tuple[dt.date, dt.date]]):
    """[start, end] less the (sorted) ranges ``covered``: the ranges left."""
    left, cursor = [], start
    for a, b in covered:
        if b < cursor or a > end:
            continue
        if a > cursor:
            left.append((cursor, min(end, a - dt.timedelta(days=1))))
        cursor = max(cursor, b + dt.timedelta(days=1))
        if cursor > end:
            break
    if cursor <= end:
        left.append((cursor, end))
    return left


def _add(into: dict, more: dict) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v


# --- one row per adopted project --------------------------------------------------------------
@dataclass
class Segment:
    """An expected annual reduction over [start, end] (a technology line, or the project)."""

    annual: Decimal
    start: dt.date
    end: dt.date


@dataclass
class ProjectRow:
    selection_id: int
    receipt_number: str
    grant_number: str
    title: str
    country: str
    call_id: int
    call: str
    technology: str  # the project's technologies joined: each project counts in one row
    project_state: str  # the JCM project's state, or "" when none exists yet
    reference: str
    registered_on: dt.date | None
    expected_annual: Decimal | None
    expected_from: str | None  # "completion", "adoption" or None
    operation_start: dt.date | None
    segments: list[Segment] = field(default_factory=list)
    verified_ranges: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    expected_by_fy: dict[int, Decimal] = field(default_factory=dict)
    monitored_by_fy: dict[int, int] = field(default_factory=dict)
    verified_by_fy: dict[int, int] = field(default_factory=dict)
    issued_by_fy: dict[int, int] = field(default_factory=dict)
    delivered_by_fy: dict[int, int] = field(default_factory=dict)
    expected_undated: Decimal | None = None  # the whole life, when no start date is known
    goj_percent: Decimal | None = None

    @property
    def expected_tco2(self) -> Decimal:
        dated = sum(self.expected_by_fy.values(), Decimal(0))
        return dated + (self.expected_undated or Decimal(0))

    @property
    def monitored_tco2(self) -> int:
        return sum(self.monitored_by_fy.values())

    @property
    def verified_tco2(self) -> int:
        return sum(self.verified_by_fy.values())

    @property
    def issued_tco2(self) -> int:
        return sum(self.issued_by_fy.values())

    @property
    def delivered_tco2(self) -> int:
        return sum(self.delivered_by_fy.values())

    @property
    def project_state_label(self) -> str:
        if not self.project_state:
            return str(gettext_lazy("No JCM project yet"))
        return str(ProjectState(self.project_state).label)

    def projected_by_fy(self) -> dict[int, Decimal]:
        """Verified reductions where a verified period covers the days, the expected ones for
        every other day of the expected life (reading ``credits.portfolio.projection``)."""
        out: dict[int, Decimal] = {fy: Decimal(v) for fy, v in self.verified_by_fy.items()}
        covered = sorted(self.verified_ranges)
        for s in self.segments:
            for a, b in _minus(s.start, s.end, covered):
                _add(out, expected_by_fy(s.annual, a, b))
        return out

    def text(self) -> str:
        return " ".join(
            (
                self.receipt_number,
                self.grant_number,
                self.title,
                self.country,
                self.call,
                self.technology,
                self.reference,
            )
        )


def _technologies(document: Any) -> list[tuple[str, Decimal | None, int | None]]:
    """(technology, annual tCO2, useful life) of each line of an adopted version's document."""
    out = []
    if not isinstance(document, dict):
        return out
    for site in document.get("sites") or []:
        if not isinstance(site, dict):
            continue
        for line in site.get("technologies") or []:
            if not isinstance(line, dict):
                continue
            life = line.get("useful_life_years")
            out.append(
                (
                    str(line.get("technology") or ""),
                    mrv._decimal(line.get("annual_reduction_tco2")),
                    life
                    if isinstance(life, int) and not isinstance(life, bool) and life > 0
                    else None,
                )
            )
    return out


def _milestone(document: Any, key: str) -> dt.date | None:
    milestones = document.get("milestones") if isinstance(document, dict) else None
    value = milestones.get(key) if isinstance(milestones, dict) else None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _segments(
    lines, expected: mrv.Expected, start: dt.date | None, life: int | None, bdv: dt.date | None
) -> tuple[list[Segment], Decimal | None]:
    """The expected reductions as dated segments, or (no start date) the undated whole."""
    lives = [life_ for _t, a, life_ in lines if life_ and a is not None]
    if expected.used == "completion":
        years = life or (max(lives) if lives else None)
        parts = [(expected.completion_tco2, years)]
    else:
        parts = [(a, life or life_) for _t, a, life_ in lines if a is not None]
    parts = [(a, y) for a, y in parts if a is not None and y]
    if start is None:
        return [], (sum((a * y for a, y in parts), Decimal(0)) if parts else None)
    segments = []
    for annual, years in parts:
        end = period_end(start, years)
        if bdv is not None:
            end = min(end, bdv)
        if end >= start:
            segments.append(Segment(annual, start, end))
    return segments, None


def _selections(selections: Any) -> list[Selection]:
    return list(
        selections.filter(state=SelectionState.ADOPTED, proposal__call__program=Program.JCM)
        .select_related(
            "proposal__call", "version", "grant__completion_report", "grant__monitoring_plan"
        )
        .prefetch_related(
            Prefetch(
                "grant__monitoring_plan__periods",
                queryset=MonitoringPeriod.objects.select_related("verification"),
            )
        )
        .order_by("naiji_at", "pk")
    )


def goj_q(prefix: str = "") -> Q:
    """Accounts whose credits are the Government of Japan's (reading ``…delivered``)."""
    return Q(**{f"{prefix}kind": AccountKind.GOVERNMENT}) | Q(
        **{
            f"{prefix}kind__in": FINAL_KINDS,
            f"{prefix}holder__isnull": True,
            f"{prefix}registry": "JP",
        }
    )


def _plan_of(selection: Selection) -> MonitoringPlan | None:
    grant = getattr(selection, "grant", None)
    return getattr(grant, "monitoring_plan", None) if grant is not None else None


def portfolio_rows(selections: Any = None) -> list[ProjectRow]:
    """One row per adopted JCM proposal of ``selections`` (default: all), in a fixed number of
    queries: the selections with their grant, plan and periods; the JCM projects; the current
    agreements' government shares; the issuances; the credits in the government's accounts."""
    chosen = _selections(selections if selections is not None else Selection.objects.all())
    plan_ids = [p.pk for s in chosen if (p := _plan_of(s)) is not None]
    projects = {
        p.plan_id: p
        for p in JcmProject.objects.filter(plan_id__in=plan_ids).only(
            "pk", "plan_id", "state", "reference", "registered_on"
        )
    }
    shares = dict(
        AllocationShare.objects.filter(
            agreement__project__plan_id__in=plan_ids,
            agreement__state=AgreementState.CURRENT,
            is_government=True,
        ).values_list("agreement__project__plan_id", "percent")
    )
    issuances: dict[int, list[dict]] = defaultdict(list)
    for i in Issuance.objects.filter(request__project__plan_id__in=plan_ids).values(
        "pk", "issued_tco2", "vintage_start", "vintage_end", plan=F("request__project__plan_id")
    ):
        issuances[i["plan"]].append(i)
    delivered = dict(
        Block.objects.filter(goj_q("account__"), issuance__request__project__plan_id__in=plan_ids)
        .values("issuance_id")
        .annotate(n=Sum(F("serial_end") - F("serial_start") + 1))
        .values_list("issuance_id", "n")
    )
    return [_row(s, projects, shares, issuances, delivered) for s in chosen]


def _row(selection, projects, shares, issuances, delivered) -> ProjectRow:
    proposal = selection.proposal
    grant = getattr(selection, "grant", None)
    plan = _plan_of(selection)
    document = selection.version.document
    lines = _technologies(document)
    adoption = mrv._adoption_tco2(document)
    report = getattr(grant, "completion_report", None) if grant is not None else None
    completion = None if report is None else report.expected_annual_reduction_tco2
    used = "completion" if completion is not None else "adoption" if adoption is not None else None
    expected = mrv.Expected(adoption_tco2=adoption, completion_tco2=completion, used=used)
    start = (grant.operation_started_on if grant else None) or _milestone(
        document, "operation_start_on"
    )
    life = grant.useful_life_years if grant else None
    bdv = (plan.bilateral_valid_until if plan else None) or _milestone(
        document, "bilateral_valid_until"
    )
    segments, undated = _segments(lines, expected, start, life, bdv)
    project = projects.get(plan.pk) if plan else None
    row = ProjectRow(
        selection_id=selection.pk,
        receipt_number=proposal.receipt_number or "",
        grant_number=grant.number if grant else "",
        title=proposal.title,
        country=proposal.country,
        call_id=proposal.call_id,
        call=str(proposal.call),
        technology=" + ".join(dict.fromkeys(t for t, _a, _l in lines if t)) or "—",
        project_state=project.state if project else "",
        reference=project.reference if project else "",
        registered_on=project.registered_on if project else None,
        expected_annual=expected.annual_tco2,
        expected_from=used,
        operation_start=start,
        segments=segments,
        expected_undated=undated,
        goj_percent=shares.get(plan.pk) if plan else None,
    )
    for s in segments:
        _add(row.expected_by_fy, expected_by_fy(s.annual, s.start, s.end))
    if plan is not None:
        for f in mrv.reductions_by_period(plan, expected=expected):
            if f.monitored_tco2:
                _add(row.monitored_by_fy, whole_by_fy(f.monitored_tco2, f.start, f.end))
            if f.verified_tco2 is not None:
                row.verified_ranges.append((f.start, f.end))
                _add(row.verified_by_fy, whole_by_fy(f.verified_tco2, f.start, f.end))
        for i in issuances.get(plan.pk, ()):
            _add(
                row.issued_by_fy,
                whole_by_fy(i["issued_tco2"], i["vintage_start"], i["vintage_end"]),
            )
            n = delivered.get(i["pk"]) or 0
            _add(row.delivered_by_fy, whole_by_fy(n, i["vintage_start"], i["vintage_end"]))
    return row


# --- the figures ------------------------------------------------------------------------------
MEASURES = ("expected", "monitored", "verified", "issued", "delivered")


@dataclass
class Figures:
    """The five measures of a group of projects."""

    key: str
    label: str
    projects: int = 0
    expected: Decimal = Decimal(0)
    monitored: int = 0
    verified: int = 0
    issued: int = 0
    delivered: int = 0

    def add_row(self, row: ProjectRow) -> None:
        self.projects += 1
        self.expected += row.expected_tco2
        self.monitored += row.monitored_tco2
        self.verified += row.verified_tco2
        self.issued += row.issued_tco2
        self.delivered += row.delivered_tco2

    def values(self) -> list[tuple[str, Any]]:
        return [(m, getattr(self, m)) for m in MEASURES]


@dataclass
class YearFigures:
    fiscal_year: int
    expected: Decimal = Decimal(0)
    monitored: int = 0
    verified: int = 0
    issued: int = 0
    delivered: int = 0
    projected: Decimal = Decimal(0)
    projected_goj: int = 0
    # cumulative from the first year shown
    cum_expected: Decimal = Decimal(0)
    cum_issued: int = 0
    cum_delivered: int = 0
    cum_projected: Decimal = Decimal(0)
    cum_projected_goj: int = 0


@dataclass
class TargetFigures:
    target: Target
    expected: Decimal
    projected: Decimal
    projected_goj: int
    issued: int
    delivered: int

    def share(self, value: Decimal | int) -> Decimal:
        """``value`` as a percentage of the target, to 0.01 %."""
        return (Decimal(value) * HUNDRED / self.target.tco2).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def expected_share(self) -> Decimal:
        return self.share(self.expected)

    @property
    def projected_share(self) -> Decimal:
        return self.share(self.projected)

    @property
    def projected_goj_share(self) -> Decimal:
        return self.share(self.projected_goj)

    @property
    def issued_share(self) -> Decimal:
        return self.share(self.issued)

    @property
    def delivered_share(self) -> Decimal:
        return self.share(self.delivered)


@dataclass
class Portfolio:
    rows: list[ProjectRow]
    totals: Figures
    by_country: list[Figures]
    by_technology: list[Figures]
    by_call: list[Figures]
    years: list[YearFigures]
    targets: list[TargetFigures]
    undated: int  # projects whose expected reductions have no start date


def _grouped(rows: Iterable[ProjectRow], key, label) -> list[Figures]:
    groups: dict[str, Figures] = {}
    for r in rows:
        k = key(r)
        groups.setdefault(k, Figures(k, label(r))).add_row(r)
    return sorted(groups.values(), key=lambda g: (-g.expected, g.key))


def _goj(projected: Decimal, percent: Decimal | None) -> int:
    """The government's share of projected credits, rounded up (as the allocation rounds it)."""
    if percent is None or projected <= 0:
        return 0
    exact = projected.to_integral_value(rounding=ROUND_FLOOR) * percent / HUNDRED
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def figures(rows: list[ProjectRow]) -> Portfolio:
    totals = Figures("all", "")
    for r in rows:
        totals.add_row(r)
    years: dict[int, YearFigures] = {}
    for r in rows:
        for measure in ("expected", "monitored", "verified", "issued", "delivered"):
            for fy, v in getattr(r, f"{measure}_by_fy").items():
                y = years.setdefault(fy, YearFigures(fy))
                setattr(y, measure, getattr(y, measure) + v)
        for fy, v in r.projected_by_fy().items():
            y = years.setdefault(fy, YearFigures(fy))
            y.projected += v
            y.projected_goj += _goj(v, r.goj_percent)
    ordered = [years[fy] for fy in sorted(years)]
    running = {m: 0 for m in ("expected", "issued", "delivered", "projected", "projected_goj")}
    for y in ordered:
        for m in running:
            running[m] += getattr(y, m)
            setattr(y, f"cum_{m}", running[m])
    targets = []
    for t in TARGETS:
        upto = [y for y in ordered if y.fiscal_year <= t.fiscal_year]
        last = upto[-1] if upto else YearFigures(t.fiscal_year)
        targets.append(
            TargetFigures(
                target=t,
                expected=last.cum_expected,
                projected=last.cum_projected,
                projected_goj=last.cum_projected_goj,
                issued=last.cum_issued,
                delivered=last.cum_delivered,
            )
        )
    return Portfolio(
        rows=rows,
        totals=totals,
        by_country=_grouped(rows, lambda r: r.country, lambda r: r.country),
        by_technology=_grouped(rows, lambda r: r.technology, lambda r: r.technology),
        by_call=_grouped(rows, lambda r: str(r.call_id), lambda r: r.call),
        years=[y for y in ordered if y.fiscal_year <= HORIZON],
        targets=targets,
        undated=sum(1 for r in rows if r.expected_undated is not None),
    )


def filtered(rows: list[ProjectRow], filters: dict[str, str]) -> list[ProjectRow]:
    """``country`` (two capital letters), ``call`` (an id as text), ``registered`` ("1")."""
    if filters.get("country"):
        rows = [r for r in rows if r.country.upper() == filters["country"]]
    if filters.get("call"):
        rows = [r for r in rows if str(r.call_id) == filters["call"]]
    if filters.get("registered"):
        rows = [r for r in rows if r.project_state == ProjectState.REGISTERED]
    return rows


# --- what is public ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicProject:
    reference: str
    country: str
    title: str
    title_en: str
    company: str
    company_en: str
    registered_on: dt.date
    annual_reduction_tco2: str  # as published at 内示 (3.(4))
    issued_tco2: int
    delivered_tco2: int


@dataclass(frozen=True)
class PublicIssuance:
    project_reference: str
    country: str
    decided_on: dt.date
    vintage_start: dt.date
    vintage_end: dt.date
    issued_tco2: int
    delivered_tco2: int


@dataclass(frozen=True)
class PublicHolding:
    """Credits the government holds (or has cancelled/retired), per project and account kind."""

    project_reference: str
    country: str
    account_kind: str
    registry: str
    quantity_tco2: int


def public_projects() -> list[PublicProject]:
    """Registered JCM projects with what the call publishes of them at 内示 (3.(4): country,
    project name, company, expected reductions) and the credits issued and delivered."""
    projects = list(
        JcmProject.objects.filter(state=ProjectState.REGISTERED)
        .select_related("plan__grant__selection")
        .order_by("registered_on", "reference")
    )
    ids = [p.pk for p in projects]
    issued = dict(
        Issuance.objects.filter(request__project_id__in=ids)
        .values("request__project_id")
        .annotate(n=Sum("issued_tco2"))
        .values_list("request__project_id", "n")
    )
    delivered = dict(
        Block.objects.filter(goj_q("account__"), issuance__request__project_id__in=ids)
        .values("issuance__request__project_id")
        .annotate(n=Sum(F("serial_end") - F("serial_start") + 1))
        .values_list("issuance__request__project_id", "n")
    )
    out = []
    for p in projects:
        pub = p.plan.grant.selection.published or {}
        out.append(
            PublicProject(
                reference=p.reference,
                country=str(pub.get("country", "")),
                title=str(pub.get("title", "")),
                title_en=str(pub.get("title_en", "")),
                company=str(pub.get("company", "")),
                company_en=str(pub.get("company_en", "")),
                registered_on=p.registered_on,
                annual_reduction_tco2=str(pub.get("annual_reduction_tco2", "")),
                issued_tco2=issued.get(p.pk) or 0,
                delivered_tco2=delivered.get(p.pk) or 0,
            )
        )
    return out


def public_issuances() -> list[PublicIssuance]:
    """Every issuance of a registered project: when, the vintage, how many credits, how many
    of them are the government's."""
    rows = (
        Issuance.objects.filter(request__project__state=ProjectState.REGISTERED)
        .annotate(
            delivered=Sum(
                F("blocks__serial_end") - F("blocks__serial_start") + 1,
                filter=goj_q("blocks__account__"),
            )
        )
        .values(
            "issued_tco2",
            "decided_on",
            "vintage_start",
            "vintage_end",
            "delivered",
            reference=F("request__project__reference"),
            country=F("request__project__plan__grant__selection__proposal__country"),
        )
        .order_by("decided_on", "pk")
    )
    return [
        PublicIssuance(
            project_reference=r["reference"],
            country=r["country"],
            decided_on=r["decided_on"],
            vintage_start=r["vintage_start"],
            vintage_end=r["vintage_end"],
            issued_tco2=r["issued_tco2"],
            delivered_tco2=r["delivered"] or 0,
        )
        for r in rows
    ]


def public_holdings() -> list[PublicHolding]:
    """The government's credits per project, account kind and registry (no account number:
    the totals are public, the accounts are the registry's)."""
    rows = (
        Block.objects.filter(goj_q("account__"))
        .values(
            "account__kind",
            "account__registry",
            reference=F("issuance__request__project__reference"),
            country=F("issuance__request__project__plan__grant__selection__proposal__country"),
        )
        .annotate(n=Sum(F("serial_end") - F("serial_start") + 1))
        .order_by("reference", "account__kind", "account__registry")
    )
    return [
        PublicHolding(
            project_reference=r["reference"],
            country=r["country"],
            account_kind=r["account__kind"],
            registry=r["account__registry"],
            quantity_tco2=r["n"],
        )
        for r in rows
    ]
