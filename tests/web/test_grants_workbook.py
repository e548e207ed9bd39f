"""The budget and spending statements as .xlsx (issue 8, "Excel where people live in Excel"):
written by fiscal year × 別表1 category, read back cell by cell with every fault named."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from renkei.grants.models.core import CATEGORIES
from renkei.grants.workbook import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    WorkbookError,
    budget_xlsx,
    read_budget_xlsx,
)

BUDGET = {
    2024: {"construction": 120_000_000, "equipment": 300_000_000, "admin": 4_500_000},
    2025: {"construction": 0, "equipment": 80_000_000, "admin": 1_000_000},
}


def _edit(data: bytes, **cells) -> bytes:
    """The workbook with some cells changed (``B4=…``), as a user would in Excel."""
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _errors(data: bytes, lang: str = "en", kind: str = "budget") -> list[str]:
    with pytest.raises(WorkbookError) as caught:
        read_budget_xlsx(data, lang=lang, kind=kind)
    return caught.value.errors


# --- writing ------------------------------------------------------------------------------------
def test_layout_japanese_by_default():
    data = budget_xlsx(BUDGET, title="JCM-2024-001 予算")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["予算額"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "JCM-2024-001 予算"
    assert rows[2] == ("区分", "2024年度", "2025年度", "合計")
    assert [r[0] for r in rows[3:7]] == ["工事費", "設備費", "事務費", "合計"]
    assert rows[3][1:3] == (120_000_000, 0)
    # totals are the only formulas
    assert rows[3][3] == "=SUM(B4:C4)"
    assert rows[6][1:] == ("=SUM(B4:B6)", "=SUM(C4:C6)", "=SUM(D4:D6)")
    formulas = [c for r in rows for c in r if isinstance(c, str) and c.startswith("=")]
    assert len(formulas) == 3 + 3


def test_layout_english_and_spending():
    data = budget_xlsx(BUDGET, lang="en", kind="spending", title="Spending")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Spending"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[2] == ("Category", "FY2024", "FY2025", "Total")
    assert [r[0] for r in rows[3:6]] == [
        "Construction costs",
        "Equipment costs",
        "Administration costs",
    ]


def test_title_that_reads_as_a_formula_is_quoted():
    data = budget_xlsx(BUDGET, lang="en", title="=HYPERLINK(1)")
    assert load_workbook(io.BytesIO(data)).active["A1"].value == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    "bad",
    [{1999: {}}, {2024: {"travel": 1}}, {2024: {"admin": -1}}, {2024: {"admin": 1.5}}],
)
def test_writer_refuses_what_is_not_a_statement(bad):
    with pytest.raises(ValueError):
        budget_xlsx(bad, title="x")


# --- round trip ---------------------------------------------------------------------------------
budgets = st.dictionaries(
    st.integers(min_value=2000, max_value=2100),
    st.fixed_dictionaries({c: st.integers(min_value=0, max_value=10**12) for c in CATEGORIES}),
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    budget=budgets,
    write_lang=st.sampled_from(["ja", "en"]),
    read_lang=st.sampled_from(["ja", "en"]),
    kind=st.sampled_from(["budget", "spending"]),
)
def test_round_trip_gives_back_the_same_statement(budget, write_lang, read_lang, kind):
    data = budget_xlsx(budget, lang=write_lang, kind=kind, title="t")
    assert read_budget_xlsx(data, lang=read_lang, kind=kind) == budget


def test_missing_categories_are_written_as_zero():
    data = budget_xlsx({2026: {"equipment": 5}}, title="t")
    assert read_budget_xlsx(data) == {2026: {"construction": 0, "equipment": 5, "admin": 0}}


def test_blank_cell_reads_as_zero_and_whole_float_as_yen():
    data = _edit(budget_xlsx(BUDGET, lang="en", title="t"), B4=None, C5=80_000_000.0)
    got = read_budget_xlsx(data, lang="en")
    assert got[2024]["construction"] == 0
    assert got[2025]["equipment"] == 80_000_000


def test_labels_read_in_either_language_and_by_id():
    data = _edit(budget_xlsx(BUDGET, lang="ja", title="t"), A4="construction", B3="FY2024", C3=2025)
    assert read_budget_xlsx(data, lang="en") == BUDGET


# --- every fault, named by sheet and cell, in the request's language -----------------------------
def test_every_cell_fault_is_named_at_once():
    data = _edit(
        budget_xlsx(BUDGET, lang="en", title="t"),
        B4="1,000",
        C4="=1+1",
        B5=-3,
        C5=1.5,
        B6=True,
    )
    errors = _errors(data)
    assert len(errors) == 5
    assert errors[0].startswith("Budget!B4: “1,000” is text, not a number — ")
    assert "whole number" in errors[0]
    assert errors[1].startswith("Budget!C4: a formula (=1+1) where an amount is expected — ")
    assert errors[2].startswith("Budget!B5: -3 is negative — ")
    assert errors[3].startswith("Budget!C5: 1.5 has a fraction of a yen — ")
    assert errors[4].startswith("Budget!B6: a truth value")


def test_errors_in_japanese():
    data = _edit(budget_xlsx(BUDGET, lang="ja", title="t"), B4="abc", B5=-1)
    errors = _errors(data, lang="ja")
    assert errors[0].startswith("予算額!B4: ")
    assert "数値ではありません" in errors[0]
    assert errors[1].startswith("予算額!B5: ")
    assert "負の数" in errors[1]


def test_unknown_row_and_column_labels_and_years_out_of_range():
    data = _edit(
        budget_xlsx(BUDGET, lang="en", title="t"),
        E3="Travel",
        F3="FY1999",
        G3="FY2024",
        A9="Travel costs",
        B9=5,
        E4=7,
    )
    errors = _errors(data)
    assert any(e.startswith("Budget!E3: “Travel” is not a fiscal year — ") for e in errors)
    assert any(e.startswith("Budget!F3: fiscal year 1999 is outside 2000–2100 — ") for e in errors)
    assert any(e.startswith("Budget!G3: FY2024 appears twice — ") for e in errors)
    assert any(e.startswith("Budget!A9: “Travel costs” is not a category — ") for e in errors)


def test_amount_without_a_category_or_year():
    data = _edit(budget_xlsx(BUDGET, lang="en", title="t"), B9=5, F4=3)
    errors = _errors(data)
    assert any(e.startswith("Budget!A9: amounts without a category") for e in errors)
    assert any(
        e.startswith("Budget!F4: an amount in a column without a fiscal year") for e in errors
    )


def test_missing_and_duplicate_category_rows():
    data = _edit(budget_xlsx(BUDGET, lang="en", title="t"), A6="Equipment costs")
    errors = _errors(data)
    assert any("“Equipment costs” appears twice" in e for e in errors)
    assert any(e.startswith("Budget!A4: the row “Administration costs” is missing") for e in errors)


def test_header_row_missing():
    data = _edit(budget_xlsx(BUDGET, lang="en", title="t"), A3="Something")
    assert _errors(data) == [
        "Budget!A3: the header row (“Category” followed by the fiscal years) is missing — "
        "keep the layout of the workbook downloaded here"
    ]


def test_missing_sheet_and_wrong_kind():
    book = Workbook()
    book.active.title = "Sheet1"
    out = io.BytesIO()
    book.save(out)
    [error] = _errors(out.getvalue())
    assert error.startswith("Budget: the sheet is missing (the workbook has “Sheet1”) — ")
    spending = budget_xlsx(BUDGET, lang="en", kind="spending", title="t")
    [error] = _errors(spending, kind="budget")
    assert "a spending statement, not a budget statement" in error


def test_empty_file_not_xlsx_and_too_large():
    assert "empty" in _errors(b"")[0]
    assert "not an Excel workbook (.xlsx)" in _errors(b"%PDF-1.4 not a workbook")[0]
    odd_zip = io.BytesIO()
    with zipfile.ZipFile(odd_zip, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "not an Excel workbook" in _errors(odd_zip.getvalue())[0]
    assert "larger than the 2,097,152 bytes" in _errors(b"x" * (MAX_BYTES + 1))[0]


def test_zip_bomb_refused_before_parsing():
    data = budget_xlsx(BUDGET, lang="en", title="t")
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("xl/padding.bin", b"\0" * (25 * 1024 * 1024))
    assert len(bomb.getvalue()) < MAX_BYTES
    assert "unpacks to more than" in _errors(bomb.getvalue())[0]


def test_too_many_rows_and_columns():
    rows = _edit(budget_xlsx(BUDGET, lang="en", title="t"), **{f"A{MAX_ROWS + 1}": "x"})
    [error] = _errors(rows)
    assert error.startswith(f"Budget!A{MAX_ROWS + 1}: the sheet has more than {MAX_ROWS} rows")
    far = budget_xlsx(BUDGET, lang="en", title="t")
    book = load_workbook(io.BytesIO(far))
    book.active.cell(row=5, column=MAX_COLUMNS + 5, value=1)
    out = io.BytesIO()
    book.save(out)
    [error] = _errors(out.getvalue())
    assert f"more than {MAX_COLUMNS} columns" in error


def test_rows_far_below_are_not_read():
    book = load_workbook(io.BytesIO(budget_xlsx(BUDGET, lang="en", title="t")))
    book.active.cell(row=100_000, column=1, value="far away")
    out = io.BytesIO()
    book.save(out)
    # the far row is beyond the bound: the statement reads as written (nothing there is used)
    assert read_budget_xlsx(out.getvalue(), lang="en") == BUDGET


def _with_sheet_xml(data: bytes, xml: bytes) -> bytes:
    """The workbook with its sheet's XML replaced (what a damaged or hostile file holds)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, xml if item.filename == "xl/worksheets/sheet1.xml" else src.read(item))
    return out.getvalue()


def test_damaged_sheet_is_refused_not_a_crash():
    # read-only mode parses the sheet lazily: past its <dimension>, a fault surfaces only while
    # the rows are read (this was a 500 before the rows were read under the same guard)
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t>'
        b'</is></c></row><row r="2"><c'
    )
    data = _with_sheet_xml(budget_xlsx(BUDGET, lang="en", title="t"), xml)
    assert "not an Excel workbook (.xlsx)" in _errors(data)[0]


def test_entity_expansion_bomb_is_refused():
    lol = b"".join(b'<!ENTITY l%d "%s">' % (i + 1, b"&l%d;" % i * 10) for i in range(9))
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">' + lol + b"]>"
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1"/>'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = _with_sheet_xml(budget_xlsx(BUDGET, lang="en", title="t"), xml)
    assert "not an Excel workbook (.xlsx)" in _errors(data)[0]


def test_a_value_above_the_table_is_not_silently_dropped():
    data = _edit(budget_xlsx(BUDGET, lang="en", title="t"), C2=5_000_000)
    assert _errors(data) == [
        "Budget!C2: “5000000” is above the table and would not be read — move it into the table "
        "under its fiscal year, or delete it"
    ]
