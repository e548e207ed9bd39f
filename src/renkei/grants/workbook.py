"""The budget and spending statements as Excel workbooks (issue 8, "Excel where people live in
Excel"): written by fiscal year and 別表1 column-1 category, and read back cell by cell.

One sheet; the fiscal years are columns, the three categories of 別表1 (工事費 / 設備費 / 事務費)
are rows; the totals (a last column and a last row) are the only formulas. Reading is strict and
says every fault at once, each as ``"<sheet>!<cell>: what is wrong — what would be right"`` in
the request's language, so that nothing typed is silently dropped or guessed:

- the file is bounded before it is parsed: its size (``MAX_BYTES``), what it unpacks to
  (``MAX_UNPACKED_BYTES``, against zip bombs) and the rows read (``MAX_ROWS``, ``MAX_COLUMNS``);
- a cell of an amount must be a whole, non-negative number of yen (a blank cell is 0): text, a
  formula, a decimal, a negative number, a date or a truth value is refused;
- a column is a fiscal year (``FY2024``, ``2024年度`` or ``2024``, between 2000 and 2100) or the
  total; a row is one of the three categories (in either language, or its id) or the total.

The labels are written in the requested language and read in either (a workbook downloaded in
Japanese may be uploaded from the English page).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from typing import Any, Literal

from django.utils import translation
from django.utils.translation import gettext as _

from renkei.grants.models.core import CATEGORIES

__all__ = [
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "WorkbookError",
    "budget_xlsx",
    "read_budget_xlsx",
]

Kind = Literal["budget", "spending"]
KINDS: tuple[str, ...] = ("budget", "spending")
LANGS = ("ja", "en")

#: the largest upload read (a budget sheet is a few kilobytes)
MAX_BYTES = 2 * 1024 * 1024
#: the most the file's parts may unpack to (a zip bomb is refused before it is parsed)
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
#: the most rows and columns of the sheet read
MAX_ROWS = 60
MAX_COLUMNS = 40
#: the largest amount one cell may hold (JPY 10 trillion: far above any call's budget)
MAX_AMOUNT_JPY = 10**13
FY_MIN, FY_MAX = 2000, 2100

HEADER_ROW = 3  # where the writer puts the header (the reader finds it wherever it is)


class WorkbookError(ValueError):
    """An upload that cannot be read as the statement asked for; ``errors`` names every fault."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- labels -----------------------------------------------------------------------------------
def _sheet_title(kind: str) -> str:
    return _("Budget") if kind == "budget" else _("Spending")


def _category_label(category: str) -> str:
    return {
        "construction": _("Construction costs"),
        "equipment": _("Equipment costs"),
        "admin": _("Administration costs"),
    }[category]


def _fy_label(year: int) -> str:
    return _("FY%(year)s") % {"year": year}


def _norm(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).casefold()


def _in_every_language(label) -> set[str]:
    """A label's normalised spelling in each language the product speaks."""
    spellings = set()
    for lang in LANGS:
        with translation.override(lang):
            spellings.add(_norm(label()))
    return spellings


def _aliases() -> dict[str, Any]:
    return {
        "category_header": _in_every_language(lambda: _("Category")),
        "total": _in_every_language(lambda: _("Total")),
        "categories": {
            alias: c
            for c in CATEGORIES
            for alias in _in_every_language(lambda c=c: _category_label(c))
            | {_norm(c), _norm({"construction": "工事費", "equipment": "設備費"}.get(c, "事務費"))}
        },
        "sheets": {
            kind: _in_every_language(lambda kind=kind: _sheet_title(kind)) for kind in KINDS
        },
    }


_FY_PATTERNS = (
    re.compile(r"^fy(\d{1,5})$"),
    re.compile(r"^(\d{1,5})年度$"),
    re.compile(r"^(\d{1,5})$"),
)


def _fiscal_year(value: Any) -> int | None:
    """The year a column label names (``FY2024``, ``2024年度``, ``2024``), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _norm(value)
    for pattern in _FY_PATTERNS:
        m = pattern.match(text)
        if m:
            return int(m.group(1))
    return None


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


# --- writing ----------------------------------------------------------------------------------
def _checked(budget: Mapping[int, Mapping[str, int]]) -> dict[int, dict[str, int]]:
    """The budget with every category of every year (0 where absent); a programming error (not a
    user's) when a year, category or amount is not one of the statement."""
    out: dict[int, dict[str, int]] = {}
    for year, row in budget.items():
        if isinstance(year, bool) or not isinstance(year, int) or not FY_MIN <= year <= FY_MAX:
            raise ValueError(f"fiscal year {year!r} is not a year between {FY_MIN} and {FY_MAX}")
        unknown = set(row) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}")
        for c, amount in row.items():
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise ValueError(f"amount {amount!r} of {c} in {year} is not whole yen ≥ 0")
        out[year] = {c: int(row.get(c, 0)) for c in CATEGORIES}
    return out


def budget_xlsx(
    budget: Mapping[int, Mapping[str, int]], *, lang: str = "ja", kind: Kind = "budget", title: str
) -> bytes:
    """The statement as an .xlsx workbook: the years as columns, the three 別表1 categories as
    rows, a total column and a total row (the only formulas), amounts in yen."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    rows = _checked(budget)
    years = sorted(rows)
    with translation.override(lang):
        book = Workbook()
        sheet = book.active
        sheet.title = _sheet_title(kind)
        safe_title = ILLEGAL_CHARACTERS_RE.sub("", str(title))
        sheet["A1"] = (
            "'" + safe_title if safe_title.startswith(("=", "+", "-", "@")) else safe_title
        )
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = _(
            "Amounts in yen, as whole numbers. The totals are formulas and are recomputed when "
            "the workbook is uploaded."
        )
        bold = Font(bold=True)
        header = [_("Category"), *(_fy_label(y) for y in years), _("Total")]
        for i, text in enumerate(header, start=1):
            cell = sheet.cell(row=HEADER_ROW, column=i, value=text)
            cell.font = bold
        first_col, last_col = 2, 1 + len(years)
        total_col = last_col + 1
        for r, category in enumerate(CATEGORIES, start=HEADER_ROW + 1):
            sheet.cell(row=r, column=1, value=_category_label(category))
            for c, year in enumerate(years, start=first_col):
                cell = sheet.cell(row=r, column=c, value=rows[year][category])
                cell.number_format = "#,##0"
            total = sheet.cell(
                row=r,
                column=total_col,
                value=f"=SUM({_col(first_col)}{r}:{_col(last_col)}{r})" if years else 0,
            )
            total.number_format = "#,##0"
        total_row = HEADER_ROW + 1 + len(CATEGORIES)
        sheet.cell(row=total_row, column=1, value=_("Total")).font = bold
        for c in range(first_col, total_col + 1):
            cell = sheet.cell(
                row=total_row,
                column=c,
                value=f"=SUM({_col(c)}{HEADER_ROW + 1}:{_col(c)}{total_row - 1})",
            )
            cell.number_format = "#,##0"
            cell.font = bold
        sheet.column_dimensions["A"].width = 28
        for c in range(first_col, total_col + 1):
            sheet.column_dimensions[_col(c)].width = 16
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=2)
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


# --- reading ----------------------------------------------------------------------------------
def _not_xlsx() -> str:
    return _(
        "The file is not an Excel workbook (.xlsx) — save it in Excel as “Excel Workbook "
        "(.xlsx)”, without a password, and upload it again."
    )


def _open(data: bytes) -> Any:
    """The workbook, or WorkbookError for a file that is empty, too large, not an .xlsx or that
    unpacks to too much; nothing is parsed before these bounds are checked."""
    from openpyxl import load_workbook

    if not data:
        raise WorkbookError([_("The file is empty — upload the .xlsx workbook downloaded here.")])
    if len(data) > MAX_BYTES:
        raise WorkbookError(
            [
                _(
                    "The file is %(size)s bytes, larger than the %(limit)s bytes a statement "
                    "may have — upload the workbook with its one sheet only."
                )
                % {"size": f"{len(data):,}", "limit": f"{MAX_BYTES:,}"}
            ]
        )
    not_xlsx = _not_xlsx()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {i.filename for i in archive.infolist()}
        unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WorkbookError([not_xlsx]) from None
    if "xl/workbook.xml" not in names:
        raise WorkbookError([not_xlsx])
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            [
                _(
                    "The workbook unpacks to more than %(limit)s bytes — upload the workbook "
                    "with its one sheet only."
                )
                % {"limit": f"{MAX_UNPACKED_BYTES:,}"}
            ]
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file: each is "not readable"
        raise WorkbookError([not_xlsx]) from None


def _amount(sheet: str, ref: str, cell: Any, errors: list[str]) -> int:
    """A cell's amount in whole yen (blank is 0), or 0 with the fault added to ``errors``."""
    value = cell.value
    where = f"{sheet}!{ref}"
    right = _("type the amount in yen as a whole number, e.g. 1500000")
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.startswith("=")
    ):
        errors.append(
            _("%(where)s: a formula (%(formula)s) where an amount is expected — %(right)s")
            % {"where": where, "formula": str(value)[:40], "right": right}
        )
        return 0
    if isinstance(value, bool):
        errors.append(
            _("%(where)s: a truth value where an amount is expected — %(right)s")
            % {"where": where, "right": right}
        )
        return 0
    if isinstance(value, str):
        errors.append(
            _("%(where)s: “%(text)s” is text, not a number — %(right)s")
            % {"where": where, "text": value[:40], "right": right}
        )
        return 0
    if not isinstance(value, (int, float)):
        errors.append(
            _("%(where)s: a date or time where an amount is expected — %(right)s")
            % {"where": where, "right": right}
        )
        return 0
    if isinstance(value, float) and not value.is_integer():
        errors.append(
            _(
                "%(where)s: %(value)s has a fraction of a yen — amounts are whole yen, e.g. "
                "%(whole)s"
            )
            % {"where": where, "value": value, "whole": int(value) if value == value else 0}
        )
        return 0
    amount = int(value)
    if amount < 0:
        errors.append(
            _("%(where)s: %(value)s is negative — an amount is 0 or more")
            % {"where": where, "value": f"{amount:,}"}
        )
        return 0
    if amount > MAX_AMOUNT_JPY:
        errors.append(
            _("%(where)s: %(value)s is larger than any budget — an amount is at most %(limit)s yen")
            % {"where": where, "value": f"{amount:,}", "limit": f"{MAX_AMOUNT_JPY:,}"}
        )
        return 0
    return amount


def _empty(cell: Any) -> bool:
    v = cell.value
    return v is None or (isinstance(v, str) and not v.strip())


def read_budget_xlsx(
    data: bytes, *, lang: str = "ja", kind: Kind = "budget"
) -> dict[int, dict[str, int]]:
    """The statement an uploaded workbook holds: ``{fiscal year: {category: yen}}`` with every
    category of every year column; ``WorkbookError`` naming every faulty cell otherwise."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    with translation.override(lang):
        return _read(data, kind)


def _read(data: bytes, kind: str) -> dict[int, dict[str, int]]:
    aliases = _aliases()
    book = _open(data)
    try:
        sheet_title = _sheet_title(kind)
        by_name = {_norm(name): name for name in book.sheetnames}
        found = next((by_name[a] for a in aliases["sheets"][kind] if a in by_name), None)
        if found is None:
            other = next(k for k in KINDS if k != kind)
            if any(a in by_name for a in aliases["sheets"][other]):
                raise WorkbookError(
                    [
                        _(
                            "%(sheet)s: the workbook is a %(other)s statement, not a %(kind)s "
                            "statement — download the %(kind)s workbook and fill it in"
                        )
                        % {
                            "sheet": sheet_title,
                            "other": _sheet_title(other).lower(),
                            "kind": sheet_title.lower(),
                        }
                    ]
                )
            raise WorkbookError(
                [
                    _(
                        "%(sheet)s: the sheet is missing (the workbook has %(sheets)s) — keep the "
                        "sheet “%(sheet)s” of the workbook downloaded here"
                    )
                    % {
                        "sheet": sheet_title,
                        "sheets": ", ".join(f"“{n}”" for n in book.sheetnames[:5]) or "—",
                    }
                ]
            )
        ws = book[found]
        ws.reset_dimensions()  # the file's own claim of its size is not trusted
        try:  # the sheet is parsed here (read-only mode): a damaged one is "not readable"
            rows = list(ws.iter_rows(min_row=1, max_row=MAX_ROWS + 1))
        except Exception:
            raise WorkbookError([_not_xlsx()]) from None
    finally:
        book.close()
    return _parse_sheet(found, rows, aliases)


def _parse_sheet(
    sheet: str, rows: list[tuple], aliases: dict[str, Any]
) -> dict[int, dict[str, int]]:
    errors: list[str] = []
    # bounds first: a sheet larger than a statement is refused without reading its cells
    if len(rows) > MAX_ROWS and any(not _empty(c) for c in rows[MAX_ROWS]):
        raise WorkbookError(
            [
                _(
                    "%(where)s: the sheet has more than %(n)s rows — a statement has %(n)s at "
                    "most; delete the rows below"
                )
                % {"where": f"{sheet}!A{MAX_ROWS + 1}", "n": MAX_ROWS}
            ]
        )
    for r, row in enumerate(rows[:MAX_ROWS], start=1):
        for cell in row:
            col = getattr(cell, "column", None)
            if col and col > MAX_COLUMNS and not _empty(cell):
                raise WorkbookError(
                    [
                        _(
                            "%(where)s: the sheet has more than %(n)s columns — a statement has "
                            "%(n)s at most; delete the columns to the right"
                        )
                        % {"where": f"{sheet}!{_col(col)}{r}", "n": MAX_COLUMNS}
                    ]
                )

    def cells(row: tuple) -> dict[int, Any]:
        return {c.column: c for c in row if getattr(c, "column", None) and not _empty(c)}

    header_at = next(
        (
            r
            for r, row in enumerate(rows[:MAX_ROWS], start=1)
            if 1 in cells(row) and _norm(cells(row)[1].value) in aliases["category_header"]
        ),
        None,
    )
    if header_at is None:
        raise WorkbookError(
            [
                _(
                    "%(where)s: the header row (“%(category)s” followed by the fiscal years) is "
                    "missing — keep the layout of the workbook downloaded here"
                )
                % {"where": f"{sheet}!A{HEADER_ROW}", "category": _("Category")}
            ]
        )

    # above the header only the title and the note (column A): anything else would be lost
    for r in range(1, header_at):
        for col, cell in sorted(cells(rows[r - 1]).items()):
            if col > 1:
                errors.append(
                    _(
                        "%(where)s: “%(value)s” is above the table and would not be read — "
                        "move it into the table under its fiscal year, or delete it"
                    )
                    % {"where": f"{sheet}!{_col(col)}{r}", "value": str(cell.value)[:40]}
                )

    # the columns: fiscal years, then the total
    years: dict[int, int] = {}  # column → year
    ignored: set[int] = set()  # total columns
    header = cells(rows[header_at - 1])
    for col, cell in sorted(header.items()):
        if col == 1:
            continue
        ref = f"{sheet}!{_col(col)}{header_at}"
        label = cell.value
        if _norm(label) in aliases["total"]:
            ignored.add(col)
            continue
        year = _fiscal_year(label)
        if year is None:
            errors.append(
                _(
                    "%(where)s: “%(label)s” is not a fiscal year — a column is a fiscal year "
                    "such as %(example)s, or the total"
                )
                % {"where": ref, "label": str(label)[:40], "example": _fy_label(2025)}
            )
            ignored.add(col)
        elif not FY_MIN <= year <= FY_MAX:
            errors.append(
                _(
                    "%(where)s: fiscal year %(year)s is outside %(min)s–%(max)s — type a year "
                    "such as %(example)s"
                )
                % {
                    "where": ref,
                    "year": year,
                    "min": FY_MIN,
                    "max": FY_MAX,
                    "example": _fy_label(2025),
                }
            )
            ignored.add(col)
        elif year in years.values():
            errors.append(
                _("%(where)s: %(label)s appears twice — keep one column per fiscal year")
                % {"where": ref, "label": _fy_label(year)}
            )
            ignored.add(col)
        else:
            years[col] = year

    # the rows: the categories, then the total
    out: dict[int, dict[str, int]] = {y: dict.fromkeys(CATEGORIES, 0) for y in years.values()}
    seen: dict[str, int] = {}
    for r in range(header_at + 1, min(len(rows), MAX_ROWS) + 1):
        row = cells(rows[r - 1])
        if not row:
            continue
        label = row.get(1)
        if label is not None and _norm(label.value) in aliases["total"]:
            continue
        category = aliases["categories"].get(_norm(label.value)) if label is not None else None
        if category is None:
            what = (
                _("“%(label)s” is not a category") % {"label": str(label.value)[:40]}
                if label is not None
                else _("amounts without a category")
            )
            errors.append(
                _("%(where)s: %(what)s — a row is one of %(categories)s, or the total")
                % {
                    "where": f"{sheet}!A{r}",
                    "what": what,
                    "categories": ", ".join(f"“{_category_label(c)}”" for c in CATEGORIES),
                }
            )
            continue
        if category in seen:
            errors.append(
                _(
                    "%(where)s: “%(label)s” appears twice (row %(first)s) — keep one row per "
                    "category"
                )
                % {
                    "where": f"{sheet}!A{r}",
                    "label": _category_label(category),
                    "first": seen[category],
                }
            )
            continue
        seen[category] = r
        for col, cell in row.items():
            if col == 1 or col in ignored:
                continue
            ref = f"{_col(col)}{r}"
            if col not in years:
                errors.append(
                    _(
                        "%(where)s: an amount in a column without a fiscal year — put it under a "
                        "year such as %(example)s"
                    )
                    % {"where": f"{sheet}!{ref}", "example": _fy_label(2025)}
                )
                continue
            out[years[col]][category] = _amount(sheet, ref, cell, errors)
    for category in CATEGORIES:
        if category not in seen:
            errors.append(
                _(
                    "%(where)s: the row “%(label)s” is missing — add it back (blank cells count "
                    "as 0)"
                )
                % {"where": f"{sheet}!A{header_at + 1}", "label": _category_label(category)}
            )
    if errors:
        raise WorkbookError(errors)
    return out
