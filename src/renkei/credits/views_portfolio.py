"""The credits stage's portfolio pages (issue 10, "Japan's target and public views"):

- the office's portfolio (``/credits/portfolio/``; MOEJ works with the office role): expected,
  monitored, verified, issued and delivered credits by country, technology, call and fiscal
  year against Japan's public JCM targets, with charts drawn on the server as SVG (the grant
  portfolio's ``bar_chart``: no script, no style attribute), a projection whose assumptions are
  on the page, and the office list's search, pages and .xlsx/CSV export;
- the public pages (no login): registered projects, issuances and the government's holdings,
  with open data as JSON and CSV, and the adopted JCM projects as IATI activity XML (2.03).
  Nothing confidential: only what the call publishes at 内示 (3.(4)) and the registry's totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access, clock
from renkei.credits import portfolio as selectors
from renkei.credits.models import AccountKind
from renkei.grants.views_portfolio import bar_chart
from renkei.web.lists import Column, OfficeList, safe_cell

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_CALL = re.compile(r"^\d{1,9}$")

MEASURE_LABELS = {
    "expected": gettext_lazy("Expected"),
    "monitored": gettext_lazy("Monitored"),
    "verified": gettext_lazy("Verified"),
    "issued": gettext_lazy("Issued"),
    "delivered": gettext_lazy("Delivered to the Government of Japan"),
}
FILL = {
    "expected": "#8c959f",
    "monitored": "#0969da",
    "verified": "#1a7f37",
    "issued": "#bf8700",
    "delivered": "#8250df",
    "target": "#cf222e",
    "projected": "#57606a",
}


def tco2(value: Any) -> str:
    """Whole tonnes with separators; a fractional figure to 0.001 t."""
    if value is None:
        return "—"
    d = Decimal(value)
    return f"{int(d):,}" if d == d.to_integral_value() else f"{d:,.3f}"


COLUMNS = (
    Column(gettext_lazy("Receipt number"), lambda r: r.receipt_number),
    Column(gettext_lazy("Grant number"), lambda r: r.grant_number),
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Country"), lambda r: r.country),
    Column(gettext_lazy("Call"), lambda r: r.call),
    Column(gettext_lazy("Technologies"), lambda r: r.technology),
    Column(gettext_lazy("JCM project state"), lambda r: r.project_state_label),
    Column(gettext_lazy("JCM project reference"), lambda r: r.reference),
    Column(gettext_lazy("Registered on"), lambda r: r.registered_on or ""),
    Column(gettext_lazy("Start of operation"), lambda r: r.operation_start or ""),
    Column(gettext_lazy("Expected annual reduction (tCO2)"), lambda r: r.expected_annual),
    Column(gettext_lazy("Expected over the life (tCO2)"), lambda r: r.expected_tco2),
    Column(gettext_lazy("Monitored (tCO2)"), lambda r: r.monitored_tco2),
    Column(gettext_lazy("Verified (tCO2)"), lambda r: r.verified_tco2),
    Column(gettext_lazy("Issued (tCO2)"), lambda r: r.issued_tco2),
    Column(gettext_lazy("Delivered to the Government of Japan (tCO2)"), lambda r: r.delivered_tco2),
    Column(gettext_lazy("Government of Japan's share (%)"), lambda r: r.goj_percent),
)


def columns_for(rows: list[selectors.ProjectRow]) -> tuple[Column, ...]:
    """The list's columns, then each fiscal year's expected and issued credits."""
    years = sorted({fy for r in rows for fy in (*r.expected_by_fy, *r.issued_by_fy)})
    extra = []
    for fy in years:
        label = _("FY%(year)s") % {"year": fy}
        extra += [
            Column(
                _("Expected %(fy)s (tCO2)") % {"fy": label},
                lambda r, y=fy: r.expected_by_fy.get(y, Decimal(0)),
            ),
            Column(
                _("Issued %(fy)s (tCO2)") % {"fy": label}, lambda r, y=fy: r.issued_by_fy.get(y, 0)
            ),
        ]
    return (*COLUMNS, *extra)


def filters_of(request: HttpRequest) -> dict[str, str]:
    """The page's filters as typed; a value that is not one is dropped, and the page says so."""
    asked = {k: request.GET.get(k, "").strip()[:40] for k in ("country", "call", "registered")}
    chosen = dict(asked)
    if asked["country"] and not _COUNTRY.match(asked["country"]):
        chosen["country"] = ""
        messages.warning(
            request,
            _(
                "“%(value)s” is not a country code; type its two letters (ISO 3166-1, e.g. KE). "
                "Showing every country."
            )
            % {"value": asked["country"]},
        )
    if asked["call"] and not _CALL.match(asked["call"]):
        chosen["call"] = ""
        messages.warning(
            request, _("“%(value)s” is not a call; showing every call.") % {"value": asked["call"]}
        )
    chosen["country"] = chosen["country"].upper()
    chosen["registered"] = "1" if asked["registered"] in ("1", "on", "true") else ""
    return chosen


# --- charts -----------------------------------------------------------------------------------
@dataclass
class ChartBar:
    label: str
    amount: Any
    kind: str
    y: int
    width: int

    @property
    def fill(self) -> str:
        return FILL[self.kind]

    @property
    def text(self) -> str:
        return f"{tco2(self.amount)} t"


def chart(title: str, groups: list[tuple[str, list[tuple[str, Any, str]]]], **kw):
    """The grant portfolio's bar chart laid out for tonnes (its own colours and labels)."""
    laid = bar_chart(
        title,
        [(h, [(label, int(Decimal(a)), "paid") for label, a, _k in bars]) for h, bars in groups],
        **kw,
    )
    kinds = [[k for _l, _a, k in bars] for _h, bars in groups]
    amounts = [[a for _l, a, _k in bars] for _h, bars in groups]
    laid.groups = [
        (
            h,
            y,
            [ChartBar(b.label, amounts[g][i], kinds[g][i], b.y, b.width) for i, b in enumerate(bs)],
        )
        for g, (h, y, bs) in enumerate(laid.groups)
    ]
    return laid


def charts_of(p: selectors.Portfolio) -> list:
    out = []
    targets = []
    for t in p.targets:
        targets.append(
            (
                _("By FY%(year)s") % {"year": t.target.fiscal_year},
                [
                    (_("Target (public and private)"), t.target.tco2, "target"),
                    (_("Expected"), t.expected, "expected"),
                    (_("Projected"), t.projected, "projected"),
                    (_("Issued"), t.issued, "issued"),
                    (_("Delivered to the Government of Japan"), t.delivered, "delivered"),
                ],
            )
        )
    out.append(chart(_("Against Japan's JCM targets (tCO2)"), targets, shared=False))
    if p.by_country:
        out.append(
            chart(
                _("By country (tCO2)"),
                [
                    (g.label, [(str(MEASURE_LABELS[m]), v, m) for m, v in g.values()])
                    for g in p.by_country
                ],
            )
        )
    if p.years:
        out.append(
            chart(
                _("By fiscal year (tCO2)"),
                [
                    (
                        _("FY%(year)s") % {"year": y.fiscal_year},
                        [
                            (str(MEASURE_LABELS["expected"]), y.expected, "expected"),
                            (str(MEASURE_LABELS["verified"]), y.verified, "verified"),
                            (str(MEASURE_LABELS["issued"]), y.issued, "issued"),
                            (str(MEASURE_LABELS["delivered"]), y.delivered, "delivered"),
                        ],
                    )
                    for y in p.years
                    if y.expected or y.verified or y.issued or y.delivered
                ],
            )
        )
    return out


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_credits_portfolio"):
        raise Http404
    filters = filters_of(request)
    rows = selectors.filtered(selectors.portfolio_rows(), filters)
    listing = OfficeList(
        request, rows, columns=columns_for(rows), text=lambda r: r.text(), name="credits-portfolio"
    )
    if listing.export is not None:
        return listing.export
    figures = selectors.figures(listing.all_rows)
    from renkei.calls.models import Call, Program

    return render(
        request,
        "credits/portfolio/portfolio.html",
        {
            "listing": listing,
            "rows": listing.rows,
            "filters": filters,
            "calls": Call.objects.filter(program=Program.JCM).order_by("pk"),
            "p": figures,
            "charts": charts_of(figures),
            "readings": list(selectors.READINGS.items()),
            "today": selectors.today(),
        },
    )


# --- public -----------------------------------------------------------------------------------
#: at most this many rows of each dataset in one file (the API pages through any number)
OPEN_DATA_MAX_ROWS = 10_000
#: rows of each list on the public page (the open data and the API have every row)
PUBLIC_PAGE_ROWS = 200
DATASETS = ("projects", "issuances", "holdings")
ACCOUNT_KINDS = dict(AccountKind.choices)


def _dataset(name: str) -> list:
    return {
        "projects": selectors.public_projects,
        "issuances": selectors.public_issuances,
        "holdings": selectors.public_holdings,
    }[name]()


def public(request: HttpRequest) -> HttpResponse:
    """Registered JCM projects, issuances and the government's holdings (no login)."""
    projects, issuances, holdings = (_dataset(n) for n in DATASETS)
    return render(
        request,
        "credits/portfolio/public.html",
        {
            # the page shows the first PUBLIC_PAGE_ROWS of each list; the open data has them all
            "projects": projects[:PUBLIC_PAGE_ROWS],
            "issuances": issuances[:PUBLIC_PAGE_ROWS],
            "holdings": holdings[:PUBLIC_PAGE_ROWS],
            "counts": {
                "projects": len(projects),
                "issuances": len(issuances),
                "holdings": len(holdings),
            },
            "page_rows": PUBLIC_PAGE_ROWS,
            "kinds": ACCOUNT_KINDS,
            "issued": sum(i.issued_tco2 for i in issuances),
            "delivered": sum(h.quantity_tco2 for h in holdings),
            "targets": selectors.TARGETS,
            "datasets": DATASETS,
        },
    )


def open_data_json(request: HttpRequest) -> HttpResponse:
    """Every dataset as one JSON document (at most ``OPEN_DATA_MAX_ROWS`` rows each)."""
    body: dict[str, Any] = {
        "generated_at": clock.now().isoformat(),
        "targets": [asdict(t) | {"tco2": t.tco2} for t in selectors.TARGETS],
    }
    for name in DATASETS:
        rows = _dataset(name)
        body[name] = [asdict(r) for r in rows[:OPEN_DATA_MAX_ROWS]]
        body[f"{name}_truncated"] = len(rows) > OPEN_DATA_MAX_ROWS
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="jcm-credits-open-data.json"'
    return response


def open_data_csv(request: HttpRequest, dataset: str) -> HttpResponse:
    """One dataset as CSV (UTF-8 with a byte-order mark, formula-like cells neutralised)."""
    if dataset not in DATASETS:
        raise Http404
    rows = _dataset(dataset)[:OPEN_DATA_MAX_ROWS]
    from dataclasses import fields

    kind = {
        "projects": selectors.PublicProject,
        "issuances": selectors.PublicIssuance,
        "holdings": selectors.PublicHolding,
    }[dataset]
    names = [f.name for f in fields(kind)]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        writer.writerow([safe_cell(getattr(r, n)) for n in names])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="jcm-credits-{dataset}.csv"'
    return response


# IATI activity standard 2.03: the elements used, in the schema's order (iati-identifier,
# reporting-org, title, description, participating-org, activity-status, activity-date,
# recipient-country). The reporting organisation's identifier is a setting: the call gives
# none, and Renkei does not invent one.
IATI_VERSION = "2.03"
IATI_REPORTING_ORG_DEFAULT = "XX-RENKEI"  # not a registered IATI organisation identifier
MOEJ_NAME = "Ministry of the Environment, Japan"


def iati_xml() -> bytes:
    """Adopted JCM projects as IATI activities: what 3.(4) publishes (country, project name,
    company, expected reductions), the 内示 date, the JCM reference once registered."""
    from renkei.adoption.models import Selection, SelectionState
    from renkei.calls.models import Program
    from renkei.credits.models import JcmProject, ProjectState

    ref = getattr(settings, "RENKEI_IATI_REPORTING_ORG", IATI_REPORTING_ORG_DEFAULT)
    now = clock.now().astimezone(dt.UTC).replace(microsecond=0).isoformat()
    root = ET.Element("iati-activities", {"version": IATI_VERSION, "generated-datetime": now})
    registered = dict(
        JcmProject.objects.filter(state=ProjectState.REGISTERED).values_list(
            "plan__grant__selection_id", "reference"
        )
    )
    selections = Selection.objects.filter(
        state=SelectionState.ADOPTED, proposal__call__program=Program.JCM
    ).order_by("naiji_at", "pk")[:OPEN_DATA_MAX_ROWS]
    for s in selections:
        pub = s.published or {}
        activity = ET.SubElement(
            root,
            "iati-activity",
            {"last-updated-datetime": now, "{http://www.w3.org/XML/1998/namespace}lang": "en"},
        )
        # the selection's id: the 内示 number carries the proposal's receipt number, which the
        # call does not publish (3.(4))
        ET.SubElement(activity, "iati-identifier").text = f"{ref}-JCM-MP-{s.pk}"
        org = ET.SubElement(activity, "reporting-org", {"ref": ref, "type": "10"})
        ET.SubElement(org, "narrative").text = MOEJ_NAME
        title = ET.SubElement(activity, "title")
        ET.SubElement(title, "narrative").text = pub.get("title_en") or pub.get("title", "")
        if pub.get("title_en") and pub.get("title"):
            ET.SubElement(
                title, "narrative", {"{http://www.w3.org/XML/1998/namespace}lang": "ja"}
            ).text = pub["title"]
        description = ET.SubElement(activity, "description", {"type": "1"})
        text = (
            f"JCM Model Project. Expected emission reductions: "
            f"{pub.get('annual_reduction_tco2') or '-'} tCO2eq/year."
        )
        if s.pk in registered:
            text += f" Registered as JCM project {registered[s.pk]}."
        ET.SubElement(description, "narrative").text = text
        funder = ET.SubElement(activity, "participating-org", {"role": "1", "type": "10"})
        ET.SubElement(funder, "narrative").text = MOEJ_NAME
        company = pub.get("company_en") or pub.get("company")
        if company:
            implementer = ET.SubElement(activity, "participating-org", {"role": "4", "type": "70"})
            ET.SubElement(implementer, "narrative").text = company
        ET.SubElement(activity, "activity-status", {"code": "2"})
        if s.naiji_at:
            day = s.naiji_at.astimezone(clock.JST).date()
            ET.SubElement(activity, "activity-date", {"type": "2", "iso-date": day.isoformat()})
        if pub.get("country"):
            ET.SubElement(
                activity, "recipient-country", {"code": pub["country"], "percentage": "100"}
            )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def open_data_iati(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(iati_xml(), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jcm-activities-iati.xml"'
    return response


urlpatterns: list[Any] = [
    path("credits/portfolio/", portfolio, name="portfolio"),
    path("credits/public/", public, name="portfolio_public"),
    path("credits/public/open-data.json", open_data_json, name="portfolio_open_data_json"),
    path("credits/public/<slug:dataset>.csv", open_data_csv, name="portfolio_open_data_csv"),
    path("credits/public/iati-activities.xml", open_data_iati, name="portfolio_iati"),
]
