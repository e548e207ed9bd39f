"""The monitoring data file: a spreadsheet (.xlsx) or CSV of readings, one row per value of a
monitored parameter at a monitoring point for a span of time (columns ``site, point, parameter,
start, end, value, unit[, meter]``), read into :class:`~renkei.mrv.types.Reading` values.

Every bad cell is named by where it is (``Readings!D7`` in a workbook, ``data.csv:7:value`` in a
CSV) with what would be right; every good row is kept. Times are ISO 8601; a time without a UTC
offset is read as Japan time (JST, UTC+09:00), the time the call counts in, and the outcome says
so once. Interval meter data (15-minute readings of many sites) is not read here but by
``renkei.mrv.meter``, which stores it as Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from renkei.mrv.types import MrvError, Reading

__all__ = [
    "COLUMNS",
    "JST",
    "MAX_BYTES",
    "MAX_ROWS",
    "CellError",
    "ReadOutcome",
    "parse_time",
    "read_readings",
]

JST = dt.timezone(dt.timedelta(hours=9), "JST")
COLUMNS = ("site", "point", "parameter", "start", "end", "value", "unit")
OPTIONAL_COLUMNS = ("meter",)
MAX_BYTES = 20 * 1024 * 1024
"""A monitoring sheet of daily readings for a few hundred points over a year is well under 1 MiB;
interval meter data belongs in ``renkei.mrv.meter``."""
MAX_ROWS = 200_000
SHEET = "Readings"  # the sheet read when the workbook has it; otherwise its first sheet
JST_NOTE = (
    "Times without a UTC offset were read as Japan time (JST, UTC+09:00); "
    "write the offset (e.g. 2025-04-01T00:00+07:00) where the site keeps another time."
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class CellError:
    """A bad cell: ``where`` is ``Readings!D7`` (workbook) or ``data.csv:7:value`` (CSV).
    ``message`` is English; ``code`` and ``values`` let a caller say it in the reader's language
    (``renkei.monitoring.services.intake`` does)."""

    where: str
    message: str
    code: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ReadOutcome:
    readings: list[Reading]
    errors: list[CellError]
    notes: list[str] = field(default_factory=list)  # e.g. that times were read as JST
    rows: int = 0  # data rows seen (blank rows not counted)


def parse_time(text: Any) -> tuple[dt.datetime, bool]:
    """An ISO 8601 date or date-time (or a spreadsheet's date value) → an aware datetime, and
    whether JST was assumed for want of an offset. Raises ``ValueError`` when it is none."""
    if isinstance(text, dt.datetime):
        value = text
    elif isinstance(text, dt.date):
        value = dt.datetime(text.year, text.month, text.day)
    else:
        raw = str(text).strip()
        if not raw:
            raise ValueError("empty")
        value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is None:
        return value.replace(tzinfo=JST), True
    return value, False


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))  # the shortest decimal that is the float, not its binary tail
    text = str(raw).strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return value


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Table:
    """Rows of one sheet or CSV with a way to name a cell."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], where, name: str) -> None:
        self.rows = rows
        self.where = where  # (row number, column index, column name) -> "Readings!D7"
        self.name = name


def _csv_table(data: bytes, name: str) -> _Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MrvError(
            f"{name} is not UTF-8 text (byte {exc.start}): save the CSV as UTF-8 "
            "(Excel: “CSV UTF-8”), or upload the .xlsx workbook itself",
            code="bad_file",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for row in reader:
            yield reader.line_num, row

    return _Table(rows(), lambda line, _i, column: f"{name}:{line}:{column}", name)


def _xlsx_table(data: bytes, name: str) -> tuple[_Table, Any]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise MrvError(
            f"{name} could not be opened as an .xlsx workbook ({exc.__class__.__name__}): "
            "save it from Excel as “Excel Workbook (.xlsx)”, or upload a UTF-8 CSV",
            code="bad_file",
        ) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    title = sheet.title

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)

    def where(number: int, index: int, _column: str) -> str:
        quoted = title if re.fullmatch(r"\w+", title) else "'" + title.replace("'", "''") + "'"
        return f"{quoted}!{_column_letter(index)}{number}"

    return _Table(rows(), where, name), book


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_readings(path_or_bytes: str | Path | bytes, *, name: str) -> ReadOutcome:
    """Read a monitoring data file (.csv or .xlsx, told by ``name``) into readings, naming every
    bad cell and keeping every good row. A file that cannot be read at all (too large, not a
    workbook, no header) raises :class:`MrvError`."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        path = Path(path_or_bytes)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(name, size)
        data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise _too_large(name, len(data))
    suffix = Path(name).suffix.lower()
    book = None
    if suffix == ".csv":
        table = _csv_table(data, name)
    elif suffix == ".xlsx":
        table, book = _xlsx_table(data, name)
    else:
        raise MrvError(
            f"{name}: a monitoring data file is .xlsx or .csv, not "
            f"{suffix or 'a file without an extension'}",
            code="bad_file",
        )
    try:
        return _read(table)
    finally:
        if book is not None:
            book.close()


def _too_large(name: str, size: int) -> MrvError:
    return MrvError(
        f"{name} is {size / 1024 / 1024:.1f} MiB; a monitoring data file may be at most "
        f"{MAX_BYTES // 1024 // 1024} MiB: split it by period, or import interval meter data "
        "(site, point, timestamp, value) as meter data",
        code="file_too_large",
    )


def _header(table: _Table) -> tuple[int, dict[str, int]]:
    for number, row in table.rows:
        if all(_blank(cell) for cell in row):
            continue
        names = [str(cell).strip().lower() if not _blank(cell) else "" for cell in row]
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            raise MrvError(
                f"{table.name}: the header row (row {number}) lacks the column"
                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}; it has "
                f"{', '.join(n for n in names if n) or 'none'}. The columns are "
                f"{', '.join(COLUMNS)} and optionally meter",
                code="missing_column",
            )
        columns = {}
        for index, column in enumerate(names):
            if column in COLUMNS + OPTIONAL_COLUMNS and column not in columns:
                columns[column] = index
        return number, columns
    raise MrvError(
        f"{table.name} is empty: the first row is the header "
        f"({', '.join(COLUMNS)}[, meter]), one reading per row below it",
        code="missing_column",
    )


def _read(table: _Table) -> ReadOutcome:
    _, columns = _header(table)
    readings: list[Reading] = []
    errors: list[CellError] = []
    assumed_jst = False
    count = 0
    unit_letter = _column_ref(table, columns["unit"])
    # the unit column's letter in a workbook, "" in a CSV (for the caller's own wording)
    unit_col = _column_letter(columns["unit"]) if unit_letter.startswith("column ") else ""
    for number, row in table.rows:
        if all(_blank(cell) for cell in row):
            continue
        count += 1
        if count > MAX_ROWS:
            raise MrvError(
                f"{table.name} has more than {MAX_ROWS:,} readings; split it by period, or "
                "import interval meter data (site, point, timestamp, value) as meter data",
                code="too_many_rows",
            )
        cells = {c: (row[i] if i < len(row) else None) for c, i in columns.items()}

        def bad(column: str, message: str, code: str, *, _n: int = number, **values: str) -> None:
            where = table.where(_n, columns[column], column)
            errors.append(CellError(where, message, code, {"column": column, **values}))

        before = len(errors)
        texts: dict[str, str] = {}
        for column in ("site", "point", "parameter", "unit"):
            if _blank(cells[column]):
                bad(column, f"the {column} is empty — {_EXAMPLES[column]}", "empty")
            else:
                texts[column] = _text(cells[column])
        times: dict[str, dt.datetime] = {}
        for column in ("start", "end"):
            raw = cells[column]
            if _blank(raw):
                bad(
                    column,
                    f"the {column} time is empty — give it as ISO 8601, "
                    "e.g. 2025-04-01T00:00+09:00",
                    "time_empty",
                )
                continue
            try:
                times[column], jst = parse_time(raw)
            except (ValueError, TypeError):
                bad(
                    column,
                    f"{_shown(raw)} is not an ISO 8601 time — give e.g. "
                    "2025-04-01T00:00+09:00 or 2025-04-01",
                    "not_time",
                    value=_shown(raw),
                )
                continue
            assumed_jst = assumed_jst or jst
        if len(times) == 2 and times["end"] <= times["start"]:
            bad(
                "end",
                f"the end {times['end'].isoformat()} is not after the start "
                f"{times['start'].isoformat()} — a reading covers [start, end)",
                "end_not_after_start",
                end=times["end"].isoformat(),
                start=times["start"].isoformat(),
            )
        value = None
        if _blank(cells["value"]):
            bad(
                "value",
                f"the value is empty — give the reading in the unit of {unit_letter}, e.g. 1234.5",
                "value_empty",
                unit_letter=unit_col,
            )
        else:
            try:
                value = _number(cells["value"])
            except ValueError:
                bad(
                    "value",
                    f"{_shown(cells['value'])} is not a number — give the reading in the unit "
                    f"of {unit_letter}, e.g. 1234.5",
                    "not_number",
                    value=_shown(cells["value"]),
                    unit_letter=unit_col,
                )
        if len(errors) > before or value is None:
            continue
        meter = cells.get("meter")
        readings.append(
            Reading(
                site=texts["site"],
                point=texts["point"],
                parameter=texts["parameter"],
                start=times["start"],
                end=times["end"],
                value=value,
                unit=texts["unit"],
                meter="" if _blank(meter) else _text(meter),
                source=table.where(number, columns["value"], "value")
                if table.name.lower().endswith(".csv")
                else f"{table.name}!{table.where(number, columns['value'], 'value')}",
            )
        )
    return ReadOutcome(readings, errors, [JST_NOTE] if assumed_jst else [], count)


_EXAMPLES = {
    "site": "give the site's code as in the monitoring plan, e.g. A",
    "point": "give the monitoring point's code as in the monitoring plan, e.g. 1",
    "parameter": "give the monitored parameter as the methodology writes it, e.g. EC_PJ",
    "unit": "give the value's unit, e.g. MWh",
}


def _column_ref(table: _Table, index: int) -> str:
    where = table.where(1, index, "unit")
    return "the unit column" if "!" not in where else f"column {_column_letter(index)}"


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a point code typed as 1 in a spreadsheet comes back as 1.0
    return str(value).strip()


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")
