"""`renkei rules` calculators of the grant stage: change-approval, disposal, fixed-amount, the
new deadline events and the cancellation grounds; JSON shapes, texts, exit codes, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from renkei.cli import main

ALLOC = "construction=300000000,equipment=500000000,admin=10000000"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> dict:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


# --- change-approval --------------------------------------------------------------------------
def test_change_approval_at_the_15_percent_boundary_needs_no_approval() -> None:
    out = run_json(
        "rules",
        "change-approval",
        "--from",
        ALLOC,
        "--to",
        "construction=345000000,equipment=455000000,admin=10000000",
    )
    assert out["approval_required"] is False
    assert out["threshold_jpy"] == 45_000_000
    assert out["clause"] == "4.(4)2)①"
    assert out["reading"] == "jcm.reading.change_min_changed"
    assert out["reading_message"].startswith("【解釈】")


def test_change_approval_one_yen_over_the_boundary_needs_approval() -> None:
    out = run_json(
        "rules",
        "change-approval",
        "--from",
        ALLOC,
        "--to",
        "construction=345000001,equipment=454999999,admin=10000000",
        "--lang",
        "en",
    )
    assert out["approval_required"] is True
    assert out["threshold_jpy"] == 45_000_000
    assert "plan-change application" in out["message"]


def test_change_approval_of_the_total_says_it_is_an_amount_change() -> None:
    out = run_json(
        "rules",
        "change-approval",
        "--from",
        ALLOC,
        "--to",
        "construction=300000000,equipment=500000000,admin=9000000",
    )
    assert (out["approval_required"], out["kind"], out["clause"]) == (True, "amount", "4.(4)1)")
    assert "補助金の額の変更" in out["message"]


def test_change_approval_text_names_the_clause_and_the_readings() -> None:
    code, out, _ = run("rules", "change-approval", "--from", ALLOC, "--to", ALLOC, "--lang", "en")
    assert code == 0
    assert out.startswith("4.(4)2)①: No allocation changes")
    assert "※ [Reading]" in out


# --- disposal ---------------------------------------------------------------------------------
def _disposal(price: str, day: str, *extra: str) -> dict:
    return run_json(
        "rules",
        "disposal",
        "--acquired-jpy",
        price,
        "--acquired-on",
        "2026-02-01",
        "--useful-life-years",
        "17",
        "--date",
        day,
        *extra,
    )


@pytest.mark.parametrize(
    ("price", "day", "required"),
    [
        ("499999", "2030-06-01", False),
        ("500000", "2030-06-01", True),
        ("500000", "2043-01-31", True),
        ("500000", "2043-02-01", False),
    ],
)
def test_disposal_each_side_of_the_price_and_the_restriction_end(
    price: str, day: str, required: bool
) -> None:
    out = _disposal(price, day)
    assert out["approval_required"] is required
    assert out["restriction_ends"] == "2043-01-31"
    assert out["clause"] == "4.(8)"


def test_disposal_reading_says_the_date_given_is_the_basis_of_the_useful_life() -> None:
    out = _disposal("500000", "2030-06-01", "--lang", "en")
    assert "acquisition date is taken as this basis" in out["reading_message"]
    assert "2026-02-01" in out["reading_message"]
    code, text, _ = run(
        "rules",
        "disposal",
        "--acquired-jpy",
        "500,000",
        "--acquired-on",
        "2026-02-01",
        "--useful-life-years",
        "17",
        "--date",
        "2030-06-01",
    )
    assert code == 0 and text.startswith("4.(8): 承認が必要です (制限期間の末日 2043-01-31)")


# --- fixed-amount -----------------------------------------------------------------------------
FIXED = (
    "rules",
    "fixed-amount",
    "--decided-jpy",
    "97500000",
    "--rate",
    "0.5",
    "--decided",
    "construction=100000000,equipment=90000000,admin=5000000",
    "--actual",
    "construction=130000000,equipment=60000000,admin=5000000",
)


def test_fixed_amount_json_line_by_line_with_a_refund() -> None:
    out = run_json(*FIXED, "--advances-jpy", "95000000", "--lang", "en")
    assert (out["amount_jpy"], out["final_payment_jpy"], out["refund_jpy"]) == (
        89_250_000,
        0,
        5_750_000,
    )
    assert out["counted"] == {
        "construction": 113_500_000,
        "equipment": 60_000_000,
        "admin": 5_000_000,
    }
    labels = {line["label"]: line["value"] for line in out["lines"]}
    assert labels["Total counted"] == 178_500_000
    assert labels["Refund"] == 5_750_000
    assert all(line["clause"] for line in out["lines"])


def test_fixed_amount_excludes_own_product_profit() -> None:
    out = run_json(*FIXED, "--excluded", "equipment=1000", "--excluded", "admin=5")
    assert out["counted"]["equipment"] == 59_999_000
    assert out["counted"]["admin"] == 4_999_995


def test_fixed_amount_text_is_a_table() -> None:
    code, out, _ = run(*FIXED, "--lang", "en")
    assert code == 0
    assert "Fixed amount (the lower of the two above)" in out
    assert "89,250,000  (2.(8); 4.(6)②)" in out


# --- deadlines --------------------------------------------------------------------------------
def test_grant_application_in_february_reads_the_fiscal_year_end() -> None:
    out = run_json("rules", "deadline", "--event", "grant-application", "--date", "2025-02-10")
    assert out["due"] == "2025-03-12"
    assert out["naiji_cancellable_from"] == "2025-04-01"
    assert out["naiji_cancellable_reason"] == "fiscal_year_end"
    assert out["naiji_cancellable_clause"] == "4.(2)"


def test_annual_report_lists_every_period_without_due_dates() -> None:
    out = run_json(
        "rules",
        "deadline",
        "--event",
        "annual-report",
        "--date",
        "2028-02-29",
        "--useful-life-years",
        "1",
    )
    assert out["due"] is None
    assert out["reports"] == [
        {"period_start": "2028-02-29", "period_end": "2028-12-31", "due": None},
        {"period_start": "2029-01-01", "period_end": "2029-02-28", "due": None},
    ]
    code, text, _ = run(
        "rules",
        "deadline",
        "--event",
        "annual-report",
        "--date",
        "2028-02-29",
        "--useful-life-years",
        "1",
        "--lang",
        "en",
    )
    assert code == 0 and text.startswith("no due date (2.(1)②; 4.(8))\n  2028-02-29 – 2028-12-31")


def test_final_inspection_has_no_due_date_and_a_guideline_window() -> None:
    out = run_json("rules", "deadline", "--event", "final-inspection", "--date", "2025-03-05")
    assert out["due"] is None
    assert (out["guideline_window_start"], out["guideline_window_end"]) == (
        "2025-02-01",
        "2025-03-31",
    )


# --- cancellation grounds ---------------------------------------------------------------------
def test_cancellation_grounds() -> None:
    code, out, _ = run("rules", "cancellation-grounds", "--json", "--lang", "en")
    assert code == 0
    grounds = json.loads(out)
    assert [g["id"] for g in grounds] == ["①", "②", "③", "④", "4.(11)"]
    assert "proviso" in grounds[3] and "proviso" not in grounds[0]


# --- bad input: exit 2, saying what would be right --------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("rules", "change-approval", "--from", "works=1", "--to", ALLOC), "unknown category"),
        (("rules", "change-approval", "--from", "construction=-1", "--to", ALLOC), "zero or more"),
        (("rules", "change-approval", "--from", "construction:1", "--to", ALLOC), "category=yen"),
        (("rules", "change-approval", "--from", "construction=", "--to", ALLOC), "category=yen"),
        (
            ("rules", "change-approval", "--from", "admin=1,admin=2", "--to", ALLOC),
            "given twice",
        ),
        (("rules", "change-approval", "--from", "admin=1.5", "--to", ALLOC), "whole yen"),
        (
            (
                "rules",
                "disposal",
                "--acquired-jpy",
                "-1",
                "--acquired-on",
                "2026-02-01",
                "--useful-life-years",
                "17",
                "--date",
                "2030-01-01",
            ),
            "zero or more",
        ),
        (
            (
                "rules",
                "disposal",
                "--acquired-jpy",
                "1",
                "--acquired-on",
                "1/2/2026",
                "--useful-life-years",
                "17",
                "--date",
                "2030-01-01",
            ),
            "--acquired-on must be a date YYYY-MM-DD",
        ),
        (
            (
                "rules",
                "disposal",
                "--acquired-jpy",
                "1",
                "--acquired-on",
                "2026-02-01",
                "--useful-life-years",
                "0",
                "--date",
                "2030-01-01",
            ),
            "at least 1 year",
        ),
        ((*FIXED[:5], "1.5", *FIXED[6:]), "at most 1"),
        ((*FIXED, "--advances-jpy", "-1"), "zero or more"),
        ((*FIXED, "--excluded", "equipment=60000001"), "exceed its actual cost"),
        (
            ("rules", "deadline", "--event", "annual-report", "--date", "2026-02-01"),
            "--useful-life-years",
        ),
    ],
)
def test_bad_input_exits_2_with_what_would_be_right(args: tuple[str, ...], expected: str) -> None:
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert expected in err
    assert "Traceback" not in err
