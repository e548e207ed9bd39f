"""The office's view of the whole portfolio of grants (issue 8): every grant with its state, next
deadline and overdue items, the money decided / fixed / paid per fiscal year against the call's
budget (JCM 2.(8)) with a chart drawn on the server as SVG (no script, no style attribute: the
content security policy holds), filters (state, country, overdue), and the office list's search,
pages and .xlsx/CSV export. The office's alone: anyone else gets 404."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access
from renkei.grants import selectors
from renkei.grants.models import GrantState
from renkei.grants.selectors import CallFigures
from renkei.web.lists import Column, OfficeList

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

COLUMNS = (
    Column(gettext_lazy("Grant number"), lambda r: r.number),
    Column(gettext_lazy("Receipt number"), lambda r: r.receipt_number),
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Representative participant"), lambda r: r.organisation),
    Column(gettext_lazy("Country"), lambda r: r.country),
    Column(gettext_lazy("State"), lambda r: r.state_label),
    Column(gettext_lazy("Eco-lease"), lambda r: r.eco_lease),
    Column(
        gettext_lazy("Next deadline"), lambda r: r.next_deadline.label if r.next_deadline else ""
    ),
    Column(
        gettext_lazy("Next deadline due"),
        lambda r: r.next_deadline.due_on if r.next_deadline else "",
    ),
    Column(gettext_lazy("Overdue items"), lambda r: r.overdue),
    Column(gettext_lazy("Decided (JPY)"), lambda r: r.decided_jpy),
    Column(gettext_lazy("Fixed (JPY)"), lambda r: r.fixed_jpy),
    Column(gettext_lazy("Paid (JPY)"), lambda r: r.paid_jpy),
)


def columns_for(rows: list[selectors.GrantRow]) -> tuple[Column, ...]:
    """The export's columns: the list's, then the money decided, fixed and paid of each fiscal
    year any row has (what the office totals in Excel)."""
    years = sorted({y for r in rows for y in (*r.decided_by_fy, *r.fixed_by_fy, *r.paid_by_fy)})
    by_year = []
    for year in years:
        fy = _("FY%(year)s") % {"year": year}
        by_year += [
            Column(
                _("Decided %(fy)s (JPY)") % {"fy": fy}, lambda r, y=year: r.decided_by_fy.get(y, 0)
            ),
            Column(_("Fixed %(fy)s (JPY)") % {"fy": fy}, lambda r, y=year: r.fixed_by_fy.get(y, 0)),
            Column(_("Paid %(fy)s (JPY)") % {"fy": fy}, lambda r, y=year: r.paid_by_fy.get(y, 0)),
        ]
    return (*COLUMNS, *by_year)


def filters_of(request: HttpRequest, *, warn: bool = True) -> dict[str, str]:
    """The page's filters as typed; a value that is not one is dropped, and the page says so."""
    asked = {k: request.GET.get(k, "").strip()[:40] for k in ("state", "country", "overdue")}
    chosen = dict(asked)
    if asked["state"] and asked["state"] not in GrantState.values:
        chosen["state"] = ""
        if warn:
            messages.warning(
                request,
                _("“%(value)s” is not a state of a grant; showing every state.")
                % {"value": asked["state"]},
            )
    if asked["country"] and not _COUNTRY.match(asked["country"]):
        chosen["country"] = ""
        if warn:
            messages.warning(
                request,
                _(
                    "“%(value)s” is not a country code; type its two letters (ISO 3166-1, "
                    "e.g. KE). Showing every country."
                )
                % {"value": asked["country"]},
            )
    chosen["country"] = chosen["country"].upper()
    chosen["overdue"] = "1" if asked["overdue"] in ("1", "on", "true") else ""
    return chosen


# --- the chart ------------------------------------------------------------------------------
CHART_WIDTH = 720
LABEL_WIDTH = 200
VALUE_WIDTH = 130
BAR_HEIGHT = 18
BAR_GAP = 6
GROUP_GAP = 16
FILL = {"budget": "#8c959f", "decided": "#0969da", "fixed": "#bf8700", "paid": "#1a7f37"}


def money_short(amount: int) -> str:
    """An amount for a chart label: 億円 in Japanese, billions of yen in English."""
    if (translation.get_language() or "ja").startswith("ja"):
        return _("%(n)s 億円") % {"n": f"{amount / 10**8:,.2f}"}
    return _("JPY %(n)s bn") % {"n": f"{amount / 10**9:,.3f}"}


@dataclass
class Bar:
    label: str
    amount: int
    kind: str
    y: int
    width: int

    @property
    def fill(self) -> str:
        return FILL[self.kind]

    @property
    def text(self) -> str:
        return money_short(self.amount)


@dataclass
class Chart:
    title: str
    groups: list[tuple[str, int, list[Bar]]]  # (heading, y, bars)
    height: int
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def value_x(self) -> int:
        return self.label_width

    def bars(self) -> list[Bar]:
        return [b for _h, _y, bars in self.groups for b in bars]


def bar_chart(
    title: str, groups: list[tuple[str, list[tuple[str, int, str]]]], *, shared: bool = True
) -> Chart:
    """A horizontal bar chart: groups of (label, amount, kind) bars, on one scale (``shared``)
    or each group on its own (a group measured against its own budget)."""
    everything = max([a for _h, bars in groups for _l, a, _k in bars] + [1])
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    y = 4
    laid = []
    for heading, bars in groups:
        largest = everything if shared else max([a for _l, a, _k in bars] + [1])
        y += BAR_HEIGHT  # the heading's line
        group_y = y - 4
        placed = []
        for label, amount, kind in bars:
            width = max(1, round(room * amount / largest)) if amount else 0
            placed.append(Bar(label, amount, kind, y, width))
            y += BAR_HEIGHT + BAR_GAP
        laid.append((heading, group_y, placed))
        y += GROUP_GAP
    return Chart(title=title, groups=laid, height=y)


def charts_of(figures: CallFigures) -> list[Chart]:
    """The call's money against its budget, then by fiscal year."""
    kinds = (
        (_("Decided"), "decided_jpy", "decided"),
        (_("Fixed"), "fixed_jpy", "fixed"),
        (_("Paid"), "paid_jpy", "paid"),
    )
    whole = []
    if figures.budget_total_jpy is not None:
        whole.append((_("Budget of the call (2.(8))"), figures.budget_total_jpy, "budget"))
    whole += [(label, getattr(figures.totals, attr), kind) for label, attr, kind in kinds]
    eco = []
    if figures.budget_eco_lease_jpy is not None:
        eco.append((_("Eco-lease budget (2.(8))"), figures.budget_eco_lease_jpy, "budget"))
    eco += [(label, getattr(figures.eco_lease, attr), kind) for label, attr, kind in kinds]
    against = bar_chart(
        _("Against the call's budget"),
        [(_("All grants"), whole), (_("Eco-lease grants"), eco)],
        shared=False,  # the eco-lease part is read against its own budget
    )
    by_year = bar_chart(
        _("By fiscal year"),
        [
            (
                _("FY%(year)s") % {"year": y.fiscal_year},
                [(label, getattr(y, attr), kind) for label, attr, kind in kinds],
            )
            for y in figures.years
        ],
    )
    return [against, by_year] if figures.years else [against]


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_grant_portfolio"):
        raise Http404
    filters = filters_of(request)
    rows = selectors.filtered_rows(request.user, filters)
    listing = OfficeList(
        request, rows, columns=columns_for(rows), text=lambda r: r.text(), name="grant-portfolio"
    )
    if listing.export is not None:
        return listing.export
    figures = selectors.portfolio_figures(listing.all_rows)
    return render(
        request,
        "grants/portfolio/portfolio.html",
        {
            "listing": listing,
            "rows": listing.rows,
            "filters": filters,
            "states": GrantState.choices,
            "calls": [(f, charts_of(f)) for f in figures],
            "readings": selectors.READINGS,
            "today": selectors.today(),
        },
    )


urlpatterns: list[Any] = [
    path("grants/portfolio/", portfolio, name="portfolio"),
]
