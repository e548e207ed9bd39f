"""The credits stage's portfolio part in the REST API (issue 10): the office's portfolio against
Japan's JCM targets (the same rows, filters and figures as the page ``/credits/portfolio/``;
anyone else: 404), and the public open data (no authentication): registered projects,
issuances and the government's holdings, a page at a time (``offset``, ``limit`` ≤ 500).
Figures are whole tonnes (integers) or, for expected reductions, decimal strings to 0.001 t:
never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from renkei import access
from renkei.apikit import op
from renkei.credits import portfolio as selectors
from renkei.credits.models import AccountKind, ProjectState
from renkei.web.lists import matches, search_words

router = Router(tags=["credits"])

PAGE_MAX = 500


class CreditsPortfolioFilters(Schema):
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Only projects in this host country (ISO 3166-1 alpha-2)."
    )
    call: Annotated[int, Field(ge=1)] | None = Field(None, description="Only this call's.")
    registered: bool = Field(False, description="Only registered JCM projects.")
    q: Annotated[str, Field(max_length=200)] = Field(
        "", description="Words every project shown contains (receipt number, title, country…)."
    )
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = Field(0, description="Rows to skip.")
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(200, description="Rows at most.")


class CreditsPortfolioFiguresOut(Schema):
    key: str = Field(description="The group: a country code, a technology, a call id or 'all'.")
    label: str = Field(description="What the group is called.")
    projects: int = Field(description="Adopted JCM projects in the group.")
    expected_tco2: Decimal = Field(description="Expected reductions over the lives (0.001 t).")
    monitored_tco2: int = Field(description="Monitored reductions.")
    verified_tco2: int = Field(description="Verified reductions.")
    issued_tco2: int = Field(description="Credits issued.")
    delivered_tco2: int = Field(description="Credits delivered to the Government of Japan.")


class CreditsPortfolioYearOut(Schema):
    fiscal_year: int = Field(description="Japanese fiscal year (April–March), by its first year.")
    expected_tco2: Decimal = Field(description="Expected reductions (tCO2, decimal to 0.001 t).")
    monitored_tco2: int = Field(description="Monitored reductions (whole tCO2).")
    verified_tco2: int = Field(description="Verified reductions (whole tCO2).")
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    delivered_tco2: int = Field(
        description="Credits delivered to the Government of Japan (whole tCO2)."
    )
    projected_tco2: Decimal = Field(description="Verified where verified, else expected.")
    projected_goj_tco2: int = Field(description="The government's share of the projection.")
    cumulative_projected_tco2: Decimal = Field(
        description="Projected reductions from the first year to this one."
    )
    cumulative_projected_goj_tco2: int = Field(
        description="The government's projected share from the first year to this one."
    )


class CreditsPortfolioTargetOut(Schema):
    mtco2: int = Field(description="The target in MtCO2 (public and private JCM credits).")
    fiscal_year: int = Field(description="Cumulative by the end of this fiscal year.")
    basis: str = Field(description="What the target rests on.")
    source: str = Field(description="Where the target is published.")
    expected_tco2: Decimal = Field(description="Expected reductions (tCO2, decimal to 0.001 t).")
    projected_tco2: Decimal = Field(
        description="Projected reductions (decimal, reading credits.portfolio.projection)."
    )
    projected_goj_tco2: int = Field(
        description="The government's share of the projection (whole tCO2)."
    )
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    delivered_tco2: int = Field(
        description="Credits delivered to the Government of Japan (whole tCO2)."
    )
    projected_share_percent: Decimal = Field(description="Projected as % of the target.")
    delivered_share_percent: Decimal = Field(description="Delivered as % of the target.")


class CreditsPortfolioProjectOut(Schema):
    selection_id: int = Field(description="The adoption decision (selection) id.")
    receipt_number: str = Field(description="The proposal's receipt number.")
    grant_number: str = Field(description="The grant's number, once there is a grant.")
    title: str = Field(description="The proposal's title.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    call_id: int = Field(description="The call.")
    technology: str = Field(description="The project's technologies, joined with ' + '.")
    project_state: str = Field(
        description="The JCM project's state ("
        + ", ".join(ProjectState.values)
        + "), or empty when there is none yet."
    )
    reference: str = Field(
        description="The Joint Committee's JCM project reference, once registered."
    )
    registered_on: dt.date | None = Field(
        description="The day the Joint Committee registered the project."
    )
    operation_start: dt.date | None = Field(
        description="Start of operation (the grant's, else the proposal's planned one)."
    )
    expected_annual_tco2: Decimal | None = Field(
        description="Expected annual reductions (tCO2/year, decimal)."
    )
    expected_from: str | None = Field(description="completion, adoption, or null.")
    expected_tco2: Decimal = Field(description="Expected reductions (tCO2, decimal to 0.001 t).")
    monitored_tco2: int = Field(description="Monitored reductions (whole tCO2).")
    verified_tco2: int = Field(description="Verified reductions (whole tCO2).")
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    delivered_tco2: int = Field(
        description="Credits delivered to the Government of Japan (whole tCO2)."
    )
    goj_share_percent: Decimal | None = Field(
        description="The government's share in the allocation agreement in force."
    )


class CreditsPortfolioReadingOut(Schema):
    id: str = Field(description="The reading's id.")
    text: str = Field(description="How a figure is read, in the request's language.")


class CreditsPortfolioOut(Schema):
    as_of: dt.date = Field(description="Today in JST: the day the figures are read on.")
    count: int = Field(description="Projects the filters keep (before offset and limit).")
    totals: CreditsPortfolioFiguresOut = Field(description="Every project the filters keep.")
    targets: list[CreditsPortfolioTargetOut] = Field(
        description="Japan's public JCM targets with this portfolio's figures against them."
    )
    by_country: list[CreditsPortfolioFiguresOut] = Field(description="By host country.")
    by_technology: list[CreditsPortfolioFiguresOut] = Field(
        description="By technology (a project's technologies joined with ' + ')."
    )
    by_call: list[CreditsPortfolioFiguresOut] = Field(description="By call.")
    years: list[CreditsPortfolioYearOut] = Field(
        description="By fiscal year, up to the last target's year, with the projection."
    )
    projects: list[CreditsPortfolioProjectOut] = Field(description="The projects (offset, limit).")
    readings: list[CreditsPortfolioReadingOut] = Field(description="How the figures are read.")


def _figures(g: selectors.Figures) -> CreditsPortfolioFiguresOut:
    return CreditsPortfolioFiguresOut(
        key=g.key,
        label=g.label,
        projects=g.projects,
        expected_tco2=g.expected,
        monitored_tco2=g.monitored,
        verified_tco2=g.verified,
        issued_tco2=g.issued,
        delivered_tco2=g.delivered,
    )


def _project(r: selectors.ProjectRow) -> CreditsPortfolioProjectOut:
    return CreditsPortfolioProjectOut(
        selection_id=r.selection_id,
        receipt_number=r.receipt_number,
        grant_number=r.grant_number,
        title=r.title,
        country=r.country,
        call_id=r.call_id,
        technology=r.technology,
        project_state=r.project_state,
        reference=r.reference,
        registered_on=r.registered_on,
        operation_start=r.operation_start,
        expected_annual_tco2=r.expected_annual,
        expected_from=r.expected_from,
        expected_tco2=r.expected_tco2,
        monitored_tco2=r.monitored_tco2,
        verified_tco2=r.verified_tco2,
        issued_tco2=r.issued_tco2,
        delivered_tco2=r.delivered_tco2,
        goj_share_percent=r.goj_percent,
    )


@router.get(
    "/credits/portfolio",
    summary="The office's credits portfolio against Japan's JCM targets",
    **op({200: (CreditsPortfolioOut, "The figures and the projects.")}, 401, 404, 422),
)
def portfolio(request, filters: Query[CreditsPortfolioFilters]) -> CreditsPortfolioOut:
    """Expected, monitored, verified, issued and delivered credits by country, technology, call
    and fiscal year, against the targets (100 MtCO2 by FY2030, 200 MtCO2 by FY2040: public and
    private credits), with the projection; the office's only (MOEJ uses the office role)."""
    if not access.can(request.user, "view_credits_portfolio"):
        raise Http404
    rows = selectors.filtered(
        selectors.portfolio_rows(),
        {
            "country": (filters.country or "").upper(),
            "call": str(filters.call or ""),
            "registered": "1" if filters.registered else "",
        },
    )
    words = search_words(filters.q)
    if words:
        rows = [r for r in rows if matches(words, r.text())]
    p = selectors.figures(rows)
    return CreditsPortfolioOut(
        as_of=selectors.today(),
        count=len(rows),
        totals=_figures(p.totals),
        targets=[
            CreditsPortfolioTargetOut(
                mtco2=t.target.mtco2,
                fiscal_year=t.target.fiscal_year,
                basis=t.target.basis,
                source=t.target.source,
                expected_tco2=t.expected,
                projected_tco2=t.projected,
                projected_goj_tco2=t.projected_goj,
                issued_tco2=t.issued,
                delivered_tco2=t.delivered,
                projected_share_percent=t.projected_share,
                delivered_share_percent=t.delivered_share,
            )
            for t in p.targets
        ],
        by_country=[_figures(g) for g in p.by_country],
        by_technology=[_figures(g) for g in p.by_technology],
        by_call=[_figures(g) for g in p.by_call],
        years=[
            CreditsPortfolioYearOut(
                fiscal_year=y.fiscal_year,
                expected_tco2=y.expected,
                monitored_tco2=y.monitored,
                verified_tco2=y.verified,
                issued_tco2=y.issued,
                delivered_tco2=y.delivered,
                projected_tco2=y.projected,
                projected_goj_tco2=y.projected_goj,
                cumulative_projected_tco2=y.cum_projected,
                cumulative_projected_goj_tco2=y.cum_projected_goj,
            )
            for y in p.years
        ],
        projects=[_project(r) for r in rows[filters.offset : filters.offset + filters.limit]],
        readings=[
            CreditsPortfolioReadingOut(id=i, text=str(t)) for i, t in selectors.READINGS.items()
        ],
    )


# --- public open data -------------------------------------------------------------------------
class CreditsPortfolioPageIn(Schema):
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = Field(0, description="Rows to skip.")
    limit: Annotated[int, Field(ge=1, le=PAGE_MAX)] = Field(
        100, description=f"Rows at most (at most {PAGE_MAX})."
    )


class CreditsPortfolioPublicProjectOut(Schema):
    reference: str = Field(description="The Joint Committee's JCM project reference.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    title: str = Field(description="Project name as published at 内示 (3.(4)).")
    title_en: str = Field(description="Project name in English, as published.")
    company: str = Field(description="Company as published at 内示 (3.(4)).")
    company_en: str = Field(description="Company in English, as published.")
    registered_on: dt.date = Field(
        description="The day the Joint Committee registered the project."
    )
    annual_reduction_tco2: str = Field(description="Expected reductions as published (t/year).")
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    delivered_tco2: int = Field(description="Of them, the Government of Japan's.")


class CreditsPortfolioPublicIssuanceOut(Schema):
    project_reference: str = Field(description="The JCM project reference.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    decided_on: dt.date = Field(description="The day the Joint Committee decided the issuance.")
    vintage_start: dt.date = Field(description="First day of the periods the issuance covers.")
    vintage_end: dt.date = Field(description="Last day of the periods the issuance covers.")
    issued_tco2: int = Field(description="Credits issued (whole tCO2).")
    delivered_tco2: int = Field(description="Of them, the Government of Japan's.")


class CreditsPortfolioPublicHoldingOut(Schema):
    project_reference: str = Field(description="The JCM project reference.")
    country: str = Field(description="Host country (ISO 3166-1 alpha-2).")
    account_kind: str = Field(description="One of: " + ", ".join(AccountKind.values) + ".")
    registry: str = Field(description="JP (Japan's JCM registry) or the partner country's code.")
    quantity_tco2: int = Field(description="Credits (whole tCO2).")


class CreditsPortfolioPublicProjectsOut(Schema):
    count: int = Field(description="Rows in all.")
    offset: int = Field(description="Rows skipped.")
    limit: int = Field(description="Rows at most in this page.")
    items: list[CreditsPortfolioPublicProjectOut] = Field(description="This page's rows.")


class CreditsPortfolioPublicIssuancesOut(Schema):
    count: int = Field(description="Rows in all.")
    offset: int = Field(description="Rows skipped.")
    limit: int = Field(description="Rows at most in this page.")
    items: list[CreditsPortfolioPublicIssuanceOut] = Field(description="This page's rows.")


class CreditsPortfolioPublicHoldingsOut(Schema):
    count: int = Field(description="Rows in all.")
    offset: int = Field(description="Rows skipped.")
    limit: int = Field(description="Rows at most in this page.")
    items: list[CreditsPortfolioPublicHoldingOut] = Field(description="This page's rows.")


def _page(rows, page: CreditsPortfolioPageIn, out, item):
    return out(
        count=len(rows),
        offset=page.offset,
        limit=page.limit,
        items=[item(**vars(r)) for r in rows[page.offset : page.offset + page.limit]],
    )


@router.get(
    "/credits/public/projects",
    auth=None,
    summary="Registered JCM projects (public open data)",
    **op({200: (CreditsPortfolioPublicProjectsOut, "A page of projects.")}, 422),
)
def public_projects(request, page: Query[CreditsPortfolioPageIn]):
    """Registered projects with what the call publishes at 内示 (3.(4)) and the credits issued
    and delivered; nothing confidential (no person, no amount of money, no account)."""
    return _page(
        selectors.public_projects(),
        page,
        CreditsPortfolioPublicProjectsOut,
        CreditsPortfolioPublicProjectOut,
    )


@router.get(
    "/credits/public/issuances",
    auth=None,
    summary="JCM credit issuances (public open data)",
    **op({200: (CreditsPortfolioPublicIssuancesOut, "A page of issuances.")}, 422),
)
def public_issuances(request, page: Query[CreditsPortfolioPageIn]):
    """Every issuance of a registered project: decision date, vintage, credits, the
    government's part."""
    return _page(
        selectors.public_issuances(),
        page,
        CreditsPortfolioPublicIssuancesOut,
        CreditsPortfolioPublicIssuanceOut,
    )


@router.get(
    "/credits/public/holdings",
    auth=None,
    summary="The Government of Japan's JCM credit holdings (public open data)",
    **op({200: (CreditsPortfolioPublicHoldingsOut, "A page of holdings.")}, 422),
)
def public_holdings(request, page: Query[CreditsPortfolioPageIn]):
    """The government's credits per project, account kind and registry (no account number)."""
    return _page(
        selectors.public_holdings(),
        page,
        CreditsPortfolioPublicHoldingsOut,
        CreditsPortfolioPublicHoldingOut,
    )
