"""The monitoring stage's annual pages (JCM 2.(1)②, 2.(5)②(エ), 4.(8)):

- the panel on the project's monitoring page: expected vs monitored vs verified reductions per
  period, as a chart drawn on the server as SVG (the approach of the grant portfolio's chart:
  no script, no style attribute) with a table of the same figures beside it, and the annual
  事業報告書 of each year (submitted, due, or not ended);
- the annual report of one year, prefilled from monitoring, submitted through
  ``services.annual.annual_report_from_monitoring``;
- the office's MRV portfolio (``/monitoring/portfolio/``) with filters and the office list's
  search, pages and .xlsx/CSV export.

Who sees what is ``policy.annual``: a page someone may not see is 404.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access
from renkei.grants.views_portfolio import bar_chart
from renkei.monitoring import selectors
from renkei.monitoring.services.annual import annual_report_from_monitoring
from renkei.services import NotAllowed, ServiceError
from renkei.web.lists import Column, OfficeList

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_METHODOLOGY = re.compile(r"^[A-Za-z]{2}_[A-Za-z]{2}\d{3}$")

BASIS = {
    "verified": gettext_lazy("verified"),
    "monitored": gettext_lazy("monitored (not yet verified)"),
    "mixed": gettext_lazy("verified and monitored"),
}
EXPECTED_FROM = {
    "completion": gettext_lazy("the completion report"),
    "adoption": gettext_lazy("the adopted proposal"),
}
STATUS = {
    "submitted": gettext_lazy("Submitted"),
    "due": gettext_lazy("Due (the period has ended; the call sets no due date)"),
    "open": gettext_lazy("The period has not ended"),
}


def _visible(request: HttpRequest, pk: int):
    from renkei.monitoring.views import visible_plan

    plan = visible_plan(request, pk)
    if not access.can(request.user, "view_monitoring_annual", plan):
        raise Http404
    return plan


def tco2(value: Any) -> str:
    """A figure in tonnes for a label: whole tonnes with separators, else to 0.001 t."""
    if value is None:
        return "—"
    d = Decimal(value)
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:,.3f}"


def chart_of(by_period: list[selectors.PeriodFigures]):
    """Expected (grey), monitored (blue) and verified (green) reductions per period."""
    groups = []
    for f in by_period:
        bars = []
        for label, value, kind in (
            (_("Expected"), f.expected_tco2, "budget"),
            (_("Monitored"), f.monitored_tco2, "decided"),
            (_("Verified"), f.verified_tco2, "paid"),
        ):
            if value is not None:
                bars.append((f"{label}: {tco2(value)} t", value, kind))
        groups.append((f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}", bars))
    return bar_chart(_("Reductions per monitoring period (tCO2)"), groups)


def _years(plan, by_period) -> list[selectors.YearFigures]:
    return list(selectors.reductions_by_year(plan, by_period=by_period).values())


def panel(request: HttpRequest, plan) -> dict:
    """The context of this part's panel on the project's monitoring page."""
    if not access.can(request.user, "view_monitoring_annual", plan):
        return {}
    expected = selectors.expected_annual(plan)
    by_period = selectors.reductions_by_period(plan, expected=expected)
    return {
        "annual": {
            "expected": expected,
            "expected_from": EXPECTED_FROM.get(expected.used or ""),
            "periods": by_period,
            "chart": chart_of(by_period) if by_period else None,
            "years": _years(plan, by_period),
            "status": STATUS,
            "basis": BASIS,
            "can_submit": access.can(request.user, "submit_monitoring_annual_report", plan),
            "portfolio": access.can(request.user, "view_monitoring_portfolio"),
            "readings": list(selectors.READINGS.items()),
        }
    }


# --- the annual report of one year --------------------------------------------------------------
class AnnualReportForm(forms.Form):
    operating_status = forms.CharField(
        label=gettext_lazy("Operating status of the equipment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    property_status = forms.CharField(
        label=gettext_lazy("Property management status (4.(8))"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    shortfall_reason = forms.CharField(
        label=gettext_lazy("Reason the expected reductions were not achieved (4.(8))"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )


def operating_text(year: selectors.YearFigures, plan) -> str:
    """A first draft of the operating status from monitoring (the filer edits it)."""
    lines = [
        _("Monitoring covers %(covered)s of the %(days)s days of the period.")
        % {"covered": year.covered_days, "days": year.days}
    ]
    for s in year.shares:
        lines.append(
            _("Monitoring period %(start)s–%(end)s: %(days)s days in this year, %(state)s.")
            % {
                "start": s.figures.start,
                "end": s.figures.end,
                "days": s.days,
                "state": s.figures.period.get_state_display(),
            }
        )
    if plan.unmeasurable_days:
        lines.append(
            _("Days not measurable recorded on the plan: %(n)s.") % {"n": plan.unmeasurable_days}
        )
    return "\n".join(lines)


def property_text(grant, year: selectors.YearFigures) -> str:
    """A first draft of the property status from the grant's property ledger (4.(8))."""
    items = list(grant.property_items.all())
    if not items:
        return _("No item is recorded in the acquired-property ledger.")
    lines = []
    for item in items:
        if item.disposed_on and item.disposed_on <= year.end:
            state = _("disposed of on %(day)s") % {"day": item.disposed_on}
        else:
            state = _("in use")
        where = f" ({item.location})" if item.location else ""
        lines.append(f"{item.name} × {item.quantity}{where}: {state}")
    return "\n".join(lines)


def _year_of(plan, year: int) -> selectors.YearFigures:
    figures = selectors.reductions_by_year(plan).get(year)
    if figures is None:
        raise Http404
    return figures


def _report_page(request: HttpRequest, plan, figures, form, status: int = 200) -> HttpResponse:
    expected = selectors.expected_annual(plan)
    return render(
        request,
        "monitoring/annual/report.html",
        {
            "plan": plan,
            "grant": plan.grant,
            "year": figures,
            "expected": expected,
            "expected_from": EXPECTED_FROM.get(expected.used or ""),
            "basis": BASIS,
            "status": STATUS,
            "form": form,
            "can_submit": figures.report is None
            and figures.ended
            and access.can(request.user, "submit_monitoring_annual_report", plan),
            "readings": list(selectors.READINGS.items()),
        },
        status=status,
    )


@login_required
def annual_report(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    plan = _visible(request, pk)
    figures = _year_of(plan, year)
    if request.method != "POST":
        form = AnnualReportForm(
            initial={
                "operating_status": operating_text(figures, plan),
                "property_status": property_text(plan.grant, figures),
            }
        )
        return _report_page(request, plan, figures, form)
    if not access.can(request.user, "submit_monitoring_annual_report", plan):
        raise PermissionDenied
    form = AnnualReportForm(request.POST)
    if form.is_valid():
        try:
            annual_report_from_monitoring(
                actor=request.user,
                plan=plan,
                period_start=figures.start,
                period_end=figures.end,
                **form.cleaned_data,
            )
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            for line in exc.errors or [str(exc)]:
                form.add_error(None, line)
        else:
            messages.success(request, _("The annual project report is submitted."))
            return redirect("monitoring:detail", pk=plan.pk)
    return _report_page(request, plan, figures, form)


# --- the office's MRV portfolio -------------------------------------------------------------------
STATE_COLUMNS = ("draft", "submitted", "in_verification", "returned", "verified")

COLUMNS = (
    Column(gettext_lazy("Grant number"), lambda r: r.number),
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Representative participant"), lambda r: r.organisation),
    Column(gettext_lazy("Country"), lambda r: r.country),
    Column(gettext_lazy("Methodology"), lambda r: r.methodology),
    Column(gettext_lazy("Provisional methodology"), lambda r: r.provisional),
    Column(gettext_lazy("Technologies"), lambda r: ", ".join(r.technologies)),
    Column(gettext_lazy("Monitoring end"), lambda r: r.monitoring_end or ""),
    *(
        Column(label, lambda r, s=state: r.state_count(s))
        for state, label in (
            ("draft", gettext_lazy("Periods in draft")),
            ("submitted", gettext_lazy("Periods submitted")),
            ("in_verification", gettext_lazy("Periods in verification")),
            ("returned", gettext_lazy("Periods returned")),
            ("verified", gettext_lazy("Periods verified")),
        )
    ),
    Column(
        gettext_lazy("Expected annual reduction at adoption (tCO2)"),
        lambda r: r.expected.adoption_tco2,
    ),
    Column(
        gettext_lazy("Expected annual reduction at completion (tCO2)"),
        lambda r: r.expected.completion_tco2,
    ),
    Column(gettext_lazy("Expected over the periods (tCO2)"), lambda r: r.expected_tco2),
    Column(gettext_lazy("Monitored (tCO2)"), lambda r: r.monitored_tco2),
    Column(gettext_lazy("Verified (tCO2)"), lambda r: r.verified_tco2),
    Column(gettext_lazy("Last submitted period ends"), lambda r: r.last_submitted_end or ""),
    Column(gettext_lazy("Overdue since"), lambda r: r.overdue_since or ""),
    Column(gettext_lazy("Annual reports submitted"), lambda r: r.annual_submitted),
    Column(gettext_lazy("Annual reports due"), lambda r: r.annual_due),
)


def filters_of(request: HttpRequest, *, warn: bool = True) -> dict[str, str]:
    """The page's filters as typed; a value that is not one is dropped, and the page says so."""
    asked = {
        k: request.GET.get(k, "").strip()[:40]
        for k in ("methodology", "country", "overdue", "provisional")
    }
    chosen = dict(asked)
    for key, pattern, message in (
        (
            "methodology",
            _METHODOLOGY,
            gettext_lazy(
                "“%(value)s” is not a methodology id; type it as the JCM writes it (e.g. "
                "ID_AM003). Showing every methodology."
            ),
        ),
        (
            "country",
            _COUNTRY,
            gettext_lazy(
                "“%(value)s” is not a country code; type its two letters (ISO 3166-1, e.g. KE). "
                "Showing every country."
            ),
        ),
    ):
        if asked[key] and not pattern.match(asked[key]):
            chosen[key] = ""
            if warn:
                messages.warning(request, message % {"value": asked[key]})
        chosen[key] = chosen[key].upper()
    for key in ("overdue", "provisional"):
        chosen[key] = "1" if asked[key] in ("1", "on", "true") else ""
    return chosen


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_monitoring_portfolio"):
        raise Http404
    filters = filters_of(request)
    rows = selectors.portfolio(request.user, filters)
    listing = OfficeList(
        request, rows, columns=COLUMNS, text=lambda r: r.text(), name="mrv-portfolio"
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "monitoring/portfolio/portfolio.html",
        {
            "listing": listing,
            "rows": listing.rows,
            "filters": filters,
            "totals": {
                "monitored": sum(r.monitored_tco2 for r in listing.all_rows),
                "verified": sum(r.verified_tco2 for r in listing.all_rows),
                "overdue": sum(1 for r in listing.all_rows if r.overdue),
                "provisional": sum(1 for r in listing.all_rows if r.provisional),
            },
            "readings": list(selectors.READINGS.items()),
            "today": selectors.today(),
        },
    )


urlpatterns: list[Any] = [
    path("monitoring/portfolio/", portfolio, name="annual_portfolio"),
    path("monitoring/<int:pk>/annual/<int:year>/", annual_report, name="annual_report"),
]

__all__ = ["panel", "urlpatterns"]
