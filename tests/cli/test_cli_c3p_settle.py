"""``renkei c3p settle --file``: a C3P settlement report checked by Table 5 categories (issue 11):
exit 0 when nothing is refused (flags shown), 1 when a line is refused, 2 for a malformed file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from renkei.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "settlements" / "c3p-fy2025.yaml"


def _run(*args: str):
    return CliRunner().invoke(main, ["c3p", "settle", *args])


def test_the_example_settles_with_one_flag() -> None:
    out = _run("--file", str(EXAMPLE), "--json", "--lang", "en")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["pre_tax_jpy"], data["tax_jpy"], data["refused"]) == (8_740_000, 874_000, False)
    statuses = {f["check"]: f["status"] for f in data["findings"]}
    assert statuses["c3pproject.settlement.consumable"] == "needs_review"
    assert statuses["c3pproject.settlement.amount"] == "pass"


def test_equipment_below_the_threshold_is_refused(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "fiscal_year: 2025\ncontract_amount_jpy: 1000000\nlines:\n"
        "  - {category: equipment, description: Tablet, amount_jpy: 199999}\n",
        encoding="utf-8",
    )
    out = _run("--file", str(path))
    assert out.exit_code == 1
    assert "備品費ではなく消耗品費に計上してください" in out.output


def test_a_later_year_says_which_rulebook_it_carries(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "fiscal_year: 2026\ncontract_amount_jpy: 1000000\nlines:\n"
        "  - {category: personnel, description: Staff, amount_jpy: 100}\n",
        encoding="utf-8",
    )
    out = _run("--file", str(path), "--lang", "en")
    assert out.exit_code == 0 and "No rulebook of the FY2026 call is loaded yet" in out.output


def test_a_malformed_file_is_bad_input(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("fiscal_year: 2025\ncontract: 1\nlines: []\n", encoding="utf-8")
    out = _run("--file", str(path))
    assert out.exit_code == 2 and "contract_amount_jpy" in out.output
