"""The monitoring report of a period (JCM 2.(1)③ 「モニタリングレポートの作成」), generated from
the period's stored computation (``MonitoringPeriod.result``: ``renkei.mrv.compute.result_json``
plus the inputs it was computed from), in the structure of the JCM monitoring report sheet:

- the input sheet: the project, the methodology, the monitoring period, the parameters fixed ex
  ante with their sources, the monitored values per monitoring point, the data's sources and
  findings;
- the calculation sheet: the formulas, every step of the calculation (``result.steps``), the
  adjustments with their effect, and the totals with the JCM rounding shown (down to whole
  tCO2, where the methodology applies it); a "provisional" banner when a formula is K-tagged.

``report_xlsx`` (openpyxl) and ``report_pdf`` (reportlab, its CID font HeiseiKakuGo-W5 renders
Japanese without font files) render the same content, in Japanese or English.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _

from renkei.monitoring.models import MonitoringPeriod

__all__ = ["Section", "content", "report_pdf", "report_xlsx"]


@dataclass
class Section:
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


@dataclass
class Sheet:
    name: str
    title: str
    sections: list[Section]


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def banner(period: MonitoringPeriod) -> str:
    """The provisional banner, or ""."""
    if not period.provisional:
        return ""
    return _(
        "PROVISIONAL: a formula of this methodology is sourced from background knowledge only "
        "(tag K in the reference list); the figures must be confirmed against the approved "
        "methodology before they are relied on."
    )


def rounding_line(period: MonitoringPeriod) -> tuple[Decimal | None, str]:
    """The reductions before rounding (the sum over sites) and the line that shows the JCM
    rounding applied to them."""
    result = period.result or {}
    per_site = [_decimal(v) for v in (result.get("per_site") or {}).values()]
    unrounded = sum((v for v in per_site if v is not None), Decimal(0)) if per_site else None
    where = result.get("rounding") or "ER"
    line = _(
        "JCM rounding: the emission reductions are rounded down to whole tCO2, once, at "
        "%(where)s, and never below zero: %(unrounded)s → %(rounded)s tCO2."
    ) % {
        "where": where,
        "unrounded": unrounded if unrounded is not None else "—",
        "rounded": period.emission_reductions_tco2,
    }
    return unrounded, line


def content(period: MonitoringPeriod, *, lang: str) -> list[Sheet]:
    """The report's two sheets, their sections and rows, in ``lang``."""
    with translation.override(lang):
        return _content(period, lang)


def _rows(items: list[dict] | None, keys: str) -> list[list[Any]]:
    """One row per item of the stored result, its values under ``keys`` in that order."""
    return [[item.get(key, "") for key in keys.split()] for item in items or []]


def _content(period: MonitoringPeriod, lang: str) -> list[Sheet]:
    plan = period.plan
    grant = plan.grant
    proposal = grant.selection.proposal
    organisation = proposal.organisation
    result = period.result or {}
    inputs = result.get("inputs") or {}
    english = lang.startswith("en")
    org_name = (getattr(organisation, "name_en", "") if english else "") or organisation.name
    project = Section(
        _("Project"),
        [_("Item"), _("Value")],
        [
            [_("Grant number"), grant.number],
            [_("Project title"), proposal.title],
            [_("Representative participant"), org_name],
            [_("Host country"), proposal.country],
        ],
    )
    methodology = Section(
        _("Methodology"),
        [_("Item"), _("Value")],
        [
            [_("Methodology"), f"{plan.methodology_id} {plan.methodology_version}"],
            [_("As computed"), result.get("methodology", "")],
            [_("Source"), result.get("methodology_source", "")],
        ],
    )
    period_rows = [
        [_("Monitoring period"), f"{period.start} – {period.end}"],
        [_("Version"), period.version],
        [_("State"), period.get_state_display()],
        [_("Computed at"), period.computed_at.isoformat() if period.computed_at else "—"],
    ]
    if period.correction_of_id:
        origin = period.correction_of
        period_rows += [
            [_("Correction of"), f"{origin.start} – {origin.end} v{origin.version}"],
            [_("Reason for the correction"), period.correction_reason],
        ]
    fixed_rows = [
        ["", "", f["parameter"], f["value"], f["unit"], f.get("source", "")]
        for f in inputs.get("fixed", [])
    ]
    monitored_rows = []
    for p in inputs.get("points", []):
        fixed_rows += [
            [p["site"], p["point"], f["parameter"], f["value"], f["unit"], f.get("source", "")]
            for f in p.get("fixed", [])
        ]
        monitored_rows += [
            [p["site"], p["point"], name, q["value"], q["unit"]]
            for name, q in p.get("values", {}).items()
        ]
    where = [_("Site"), _("Monitoring point")]
    inputs_sheet = Sheet(
        _("Input"),
        _("Monitoring report: input sheet"),
        [
            project,
            methodology,
            Section(_("Monitoring period"), [_("Item"), _("Value")], period_rows),
            Section(
                _("Parameters fixed ex ante"),
                [*where, _("Parameter"), _("Value"), _("Unit"), _("Source")],
                fixed_rows,
                note=_("A blank site and point: the value applies to the whole project."),
            ),
            Section(
                _("Monitored values per monitoring point (totals over the period)"),
                [*where, _("Parameter"), _("Value"), _("Unit")],
                monitored_rows,
            ),
            Section(_("Data sources"), [_("Source")], [[s] for s in inputs.get("sources", [])]),
            Section(
                _("Data-quality findings"),
                [_("Kind"), *where, _("Finding"), _("Where")],
                [
                    [f["kind"], f["site"], f["point"], f["message"], f.get("source", "")]
                    for f in inputs.get("findings", [])
                ],
            ),
        ],
    )
    unrounded, line = rounding_line(period)
    calc_sheet = Sheet(
        _("Calculation"),
        _("Monitoring report: calculation sheet"),
        [
            Section(
                _("Formulas of the methodology"),
                [_("Emissions"), _("Formula")],
                [[k, v] for k, v in (result.get("formulas") or {}).items()],
            ),
            Section(
                _("Calculation, step by step"),
                [_("Step"), _("Formula"), _("Result"), _("Unit"), *where, _("Note")],
                _rows(result.get("steps"), "key formula result unit site point note"),
            ),
            Section(
                _("Adjustments (conservative treatment of findings) and their effect"),
                [_("Kind"), _("Finding"), _("Treatment"), _("Effect (tCO2)"), *where],
                _rows(result.get("adjustments"), "kind message treatment effect_tco2 site point"),
            ),
            Section(
                _("Emission reductions per site (before rounding)"),
                [_("Site"), _("tCO2")],
                [[k, v] for k, v in (result.get("per_site") or {}).items()],
            ),
            Section(
                _("Totals"),
                [_("Item"), _("tCO2")],
                [
                    [_("Reference emissions (RE)"), result.get("reference_emissions_tco2", "")],
                    [_("Project emissions (PE)"), result.get("project_emissions_tco2", "")],
                    [
                        _("Emission reductions before rounding"),
                        str(unrounded) if unrounded is not None else "—",
                    ],
                    [
                        _("Emission reductions (ER), rounded down"),
                        period.emission_reductions_tco2,
                    ],
                ],
                note=line,
            ),
            Section(_("Notes"), [_("Note")], [[n] for n in result.get("notes", [])]),
        ],
    )
    return [inputs_sheet, calc_sheet]


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    return value


def report_xlsx(period: MonitoringPeriod, *, lang: str) -> bytes:
    """The monitoring report as an .xlsx workbook: the input sheet and the calculation sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    sheets = content(period, lang=lang)
    with translation.override(lang):
        flag = banner(period)
        title = _("Monitoring report")
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    red = Font(bold=True, color="9C0006")
    fill = PatternFill("solid", fgColor="FFC7CE")
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append([f"{title}: {period.plan.grant.number}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([sheet.title])
        if flag:
            ws.append([flag])
            ws.cell(row=ws.max_row, column=1).font = red
            ws.cell(row=ws.max_row, column=1).fill = fill
        for section in sheet.sections:
            ws.append([])
            ws.append([section.title])
            ws.cell(row=ws.max_row, column=1).font = bold
            if section.headers:
                ws.append(section.headers)
                for cell in ws[ws.max_row]:
                    cell.font = bold
            for row in section.rows or [["—"]]:
                ws.append([_cell_text(v) for v in row])
                for cell in ws[ws.max_row]:
                    if cell.data_type == "f":  # text that starts with "=" stays text
                        cell.data_type = "s"
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if section.note:
                ws.append([section.note])
                ws.cell(row=ws.max_row, column=1).data_type = "s"
        for column, width in zip("ABCDEFG", (22, 48, 16, 12, 10, 10, 40), strict=True):
            ws.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FONT = "HeiseiKakuGo-W5"


def report_pdf(period: MonitoringPeriod, *, lang: str) -> bytes:
    """The monitoring report as a PDF (A4 landscape): the same sheets, one after the other."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    sheets = content(period, lang=lang)
    with translation.override(lang):
        flag = banner(period)
        title = _("Monitoring report")
    body = ParagraphStyle("body", fontName=_FONT, fontSize=8, leading=10, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=14, leading=18, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2)
    alert = ParagraphStyle(
        "alert",
        parent=body,
        textColor=colors.HexColor("#9C0006"),
        backColor=colors.HexColor("#FFC7CE"),
    )

    def para(value: Any, style=body) -> Paragraph:
        return Paragraph(escape(str(_cell_text(value))), style)

    story: list[Any] = []
    width = landscape(A4)[0] - 30 * mm
    for n, sheet in enumerate(sheets):
        if n:
            story.append(PageBreak())
        story.append(para(f"{title}: {period.plan.grant.number} — {sheet.title}", h1))
        if flag:
            story.append(para(flag, alert))
        for section in sheet.sections:
            story.append(para(section.title, h2))
            rows = [[para(h) for h in section.headers]] if section.headers else []
            rows += [[para(v) for v in row] for row in section.rows or [["—"]]]
            columns = max(len(r) for r in rows)
            rows = [r + [""] * (columns - len(r)) for r in rows]
            table = Table(rows, colWidths=[width / columns] * columns, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                    ]
                )
            )
            story.append(table)
            if section.note:
                story.append(Spacer(1, 2))
                story.append(para(section.note))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{title} {period.plan.grant.number} {period.start}–{period.end}",
    )
    doc.build(story)
    return out.getvalue()
