"""The office's portfolio of grants in the REST API: the same rows, filters and figures as the
page (``renkei.grants.views_portfolio``), for the office only (anyone else: 404, as on the
page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from renkei import access
from renkei.apikit import op
from renkei.grants import selectors
from renkei.grants.models import GrantState
from renkei.grants.selectors import CallFigures, GrantRow, Money
from renkei.web.lists import matches, search_words

router = Router(tags=["grants"])

StateCode = Literal[tuple(GrantState.values)]  # type: ignore[valid-type]


class PortfolioFilters(Schema):
    state: StateCode | None = Field(None, description="Only grants in this state.")
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Only grants whose host country is this (ISO 3166-1 alpha-2)."
    )
    overdue: bool = Field(False, description="Only grants with an open deadline overdue.")
    q: Annotated[str, Field(max_length=200)] = Field(
        "", description="Words every grant shown contains (number, title, organisation…)."
    )
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = Field(0, description="Rows to skip.")
    limit: Annotated[int, Field(ge=1, le=1000)] = Field(200, description="Rows at most.")


class PortfolioDeadlineOut(Schema):
    key: str = Field(description="The deadline's key (e.g. year_end_report:2024).")
    label: str = Field(description="What it is, in the request's language.")
    due_on: dt.date = Field(description="Due date (JST).")
    clause: str = Field(description="The call's clause.")


class PortfolioGrantOut(Schema):
    id: int = Field(description="Grant id.")
    number: str = Field(description="Grant number.")
    title: str = Field(description="The proposal's title.")
    organisation: str = Field(description="The representative participant.")
    country: str = Field(description="Host country.")
    state: str = Field(description="State: " + ", ".join(GrantState.values) + ".")
    eco_lease: bool = Field(description="A JCM eco-lease project.")
    next_deadline: PortfolioDeadlineOut | None = Field(
        description="Earliest open due date from today."
    )
    overdue: int = Field(description="Open due dates already past.")
    decided_jpy: int | None = Field(description="Subsidy amount in force (JPY).")
    fixed_jpy: int | None = Field(description="Amount fixed (JPY).")
    paid_jpy: int = Field(description="Paid so far (JPY).")
    decided_by_fy: dict[int, int] = Field(description="Decided amount by fiscal year.")
    paid_by_fy: dict[int, int] = Field(description="Paid amount by fiscal year of payment.")


class YearOut(Schema):
    fiscal_year: int = Field(description="Fiscal year (April–March), by its starting year.")
    decided_jpy: int = Field(description="Decided, spread by the allocation's budget years.")
    fixed_jpy: int = Field(description="Fixed, spread the same way.")
    paid_jpy: int = Field(description="Paid in this fiscal year.")


class MoneyOut(Schema):
    decided_jpy: int = Field(description="Subsidy amounts in force (JPY).")
    fixed_jpy: int = Field(description="Amounts fixed (JPY).")
    paid_jpy: int = Field(description="Amounts paid (JPY).")


class CallFiguresOut(Schema):
    call_id: int = Field(description="The call.")
    rulebook_id: str = Field(description="The call's rulebook.")
    budget_total_jpy: int | None = Field(description="The call's budget (2.(8)), if set.")
    budget_eco_lease_jpy: int | None = Field(description="Its eco-lease part, if set.")
    clause: str = Field(description="The clause of the budget (2.(8)).")
    remaining_jpy: int | None = Field(
        description="The budget less the amounts decided (negative: exceeded)."
    )
    eco_lease_remaining_jpy: int | None = Field(
        description="The eco-lease budget less the eco-lease amounts decided."
    )
    grants: int = Field(description="Grants counted (those the filters keep).")
    years: list[YearOut] = Field(description="The money by fiscal year.")
    totals: MoneyOut = Field(description="The money of the call's grants shown.")
    eco_lease: MoneyOut = Field(description="The money of its eco-lease grants shown.")


class ReadingOut(Schema):
    id: str = Field(description="The reading's id.")
    text: str = Field(description="What it says, in the request's language.")


class PortfolioOut(Schema):
    as_of: dt.date = Field(description="Today in JST: the day deadlines are counted from.")
    count: int = Field(description="Grants the filters keep (before offset and limit).")
    calls: list[CallFiguresOut] = Field(description="The money by call, against its budget.")
    grants: list[PortfolioGrantOut] = Field(description="The grants (offset, limit).")
    readings: list[ReadingOut] = Field(description="How the figures are read.")


def _money(m: Money) -> MoneyOut:
    return MoneyOut(decided_jpy=m.decided_jpy, fixed_jpy=m.fixed_jpy, paid_jpy=m.paid_jpy)


def _call(f: CallFigures) -> CallFiguresOut:
    return CallFiguresOut(
        call_id=f.call.pk,
        rulebook_id=f.call.rulebook_id,
        budget_total_jpy=f.budget_total_jpy,
        budget_eco_lease_jpy=f.budget_eco_lease_jpy,
        clause=f.clause,
        remaining_jpy=f.remaining_jpy,
        eco_lease_remaining_jpy=f.eco_lease_remaining_jpy,
        grants=f.grants,
        years=[YearOut(**vars(y)) for y in f.years],
        totals=_money(f.totals),
        eco_lease=_money(f.eco_lease),
    )


def _row(r: GrantRow) -> PortfolioGrantOut:
    d = r.next_deadline
    return PortfolioGrantOut(
        id=r.id,
        number=r.number,
        title=r.title,
        organisation=r.organisation,
        country=r.country,
        state=r.state,
        eco_lease=r.eco_lease,
        next_deadline=PortfolioDeadlineOut(
            key=d.key, label=d.label, due_on=d.due_on, clause=d.clause
        )
        if d
        else None,
        overdue=r.overdue,
        decided_jpy=r.decided_jpy,
        fixed_jpy=r.fixed_jpy,
        paid_jpy=r.paid_jpy,
        decided_by_fy=r.decided_by_fy,
        paid_by_fy=r.paid_by_fy,
    )


@router.get(
    "/grant-portfolio",
    summary="The office's portfolio of grants",
    **op(
        {200: (PortfolioOut, "Every grant the filters keep, and the money by year.")}, 401, 404, 422
    ),
)
def portfolio(request, filters: Query[PortfolioFilters]) -> PortfolioOut:
    """Every grant with its state, next deadline and overdue items, and the money decided /
    fixed / paid by fiscal year against the call's budget (JCM 2.(8)); the office's only."""
    if not access.can(request.user, "view_grant_portfolio"):
        raise Http404
    rows = selectors.filtered_rows(
        request.user,
        {
            "state": filters.state or "",
            "country": (filters.country or "").upper(),
            "overdue": "1" if filters.overdue else "",
        },
    )
    words = search_words(filters.q)
    if words:  # as the office list searches: every word, ignoring case and full-width forms
        rows = [r for r in rows if matches(words, r.text())]
    return PortfolioOut(
        as_of=selectors.today(),
        count=len(rows),
        calls=[_call(f) for f in selectors.portfolio_figures(rows)],
        grants=[_row(r) for r in rows[filters.offset : filters.offset + filters.limit]],
        readings=[ReadingOut(id=i, text=str(t)) for i, t in selectors.READINGS],
    )
