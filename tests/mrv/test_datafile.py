"""The monitoring data file: readings out, every bad cell named by sheet and cell (or CSV line and
column), every good row kept, JST assumed and said once."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from renkei.mrv import datafile
from renkei.mrv.types import MrvError

HEADER = ["site", "point", "parameter", "start", "end", "value", "unit", "meter"]


def xlsx(rows, *, sheet="Readings", extra_sheet=False) -> bytes:
    book = Workbook()
    ws = book.active
    if extra_sheet:
        ws.title = "Notes"
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_bad_cells_named_by_sheet_and_cell_good_rows_kept() -> None:
    rows = [
        ["A", 1, "EC_PJ", "2025-04-01T00:00+09:00", "2025-05-01T00:00+09:00", 120.5, "MWh", "M-1"],
        ["A", 1, "EC_PJ", "2025-05-01T00:00+09:00", "2025-06-01T00:00+09:00", "abc", "MWh", "M-1"],
        ["A", 1, "EC_PJ", "yesterday", "2025-07-01T00:00+09:00", 1, "MWh", "M-1"],
        [None, 1, "EC_PJ", "2025-07-01T00:00+09:00", "2025-06-01T00:00+09:00", 1, "MWh", ""],
        ["B", 2, "EC_PJ", dt.datetime(2025, 4, 1), dt.datetime(2025, 5, 1), 3, "kWh", None],
    ]
    out = datafile.read_readings(xlsx(rows, extra_sheet=True), name="data.xlsx")
    wheres = [e.where for e in out.errors]
    assert wheres == ["Readings!F3", "Readings!D4", "Readings!A5", "Readings!E5"]
    assert str(out.errors[0]) == (
        "Readings!F3: 'abc' is not a number — give the reading in the unit of column G, e.g. 1234.5"
    )
    assert "not after the start" in out.errors[3].message
    assert [(r.site, r.point, r.value, r.unit) for r in out.readings] == [
        ("A", "1", Decimal("120.5"), "MWh"),
        ("B", "2", Decimal("3"), "kWh"),
    ]
    assert out.readings[0].meter == "M-1" and out.readings[1].meter == ""
    assert out.readings[0].source == "data.xlsx!Readings!F2"
    assert out.rows == 5


def test_csv_errors_by_line_and_column() -> None:
    data = (
        b"Site,Point,Parameter,Start,End,Value,Unit\n"
        b'A,1,EC_PJ,2025-04-01,2025-05-01,"1,234.5",MWh\n'
        b"A,1,EC_PJ,2025-05-01,2025-06-01,NaN,MWh\n"
        b"A,1,EC_PJ,2025-06-01,2025-07-01,,\n"
    )
    out = datafile.read_readings(data, name="data.csv")
    assert [str(e) for e in out.errors] == [
        "data.csv:3:value: 'NaN' is not a number — give the reading in the unit of the unit "
        "column, e.g. 1234.5",
        "data.csv:4:unit: the unit is empty — give the value's unit, e.g. MWh",
        "data.csv:4:value: the value is empty — give the reading in the unit of the unit "
        "column, e.g. 1234.5",
    ]
    assert [r.value for r in out.readings] == [Decimal("1234.5")]
    assert out.readings[0].source == "data.csv:2:value"


def test_jst_assumed_without_offset_and_said_once() -> None:
    data = (
        b"site,point,parameter,start,end,value,unit\n"
        b"A,1,EC_PJ,2025-04-01T00:00,2025-05-01T00:00,1,MWh\n"
        b"A,1,EC_PJ,2025-05-01T00:00,2025-06-01,1,MWh\n"
    )
    out = datafile.read_readings(data, name="d.csv")
    assert out.readings[0].start == dt.datetime(2025, 3, 31, 15, tzinfo=dt.UTC)
    assert out.readings[0].start.utcoffset() == dt.timedelta(hours=9)
    assert out.notes == [datafile.JST_NOTE]
    with_offset = data.replace(b"T00:00,", b"T00:00+07:00,").replace(
        b"2025-06-01,", b"2025-06-01T00:00Z,"
    )
    out = datafile.read_readings(with_offset, name="d.csv")
    assert out.notes == []
    assert out.readings[0].start == dt.datetime(2025, 3, 31, 17, tzinfo=dt.UTC)


def test_missing_column_and_bad_file_refused_clearly() -> None:
    with pytest.raises(MrvError, match="lacks the column unit") as exc:
        datafile.read_readings(b"site,point,parameter,start,end,value\n", name="d.csv")
    assert exc.value.code == "missing_column"
    with pytest.raises(MrvError, match=r"could not be opened as an \.xlsx"):
        datafile.read_readings(b"not a zip", name="d.xlsx")
    with pytest.raises(MrvError, match=r"\.xlsx or \.csv"):
        datafile.read_readings(b"", name="d.txt")
    with pytest.raises(MrvError, match="not UTF-8"):
        datafile.read_readings("site;é".encode("latin-1"), name="d.csv")


def test_size_and_row_limits(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(datafile, "MAX_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 101)
    with pytest.raises(MrvError, match="at most 0 MiB") as exc:
        datafile.read_readings(path, name="big.csv")
    assert exc.value.code == "file_too_large"
    path.write_bytes(b"x" * 100)  # at the limit: read (and refused for its header instead)
    with pytest.raises(MrvError) as exc:
        datafile.read_readings(path, name="big.csv")
    assert exc.value.code == "missing_column"
    monkeypatch.setattr(datafile, "MAX_BYTES", 10_000)
    monkeypatch.setattr(datafile, "MAX_ROWS", 2)
    row = "A,1,EC_PJ,2025-04-01,2025-05-01,1,MWh\n"
    head = "site,point,parameter,start,end,value,unit\n"
    assert len(datafile.read_readings((head + row * 2).encode(), name="d.csv").readings) == 2
    with pytest.raises(MrvError, match="more than 2 readings") as exc:
        datafile.read_readings((head + row * 3).encode(), name="d.csv")
    assert exc.value.code == "too_many_rows"
