"""The office replaces the reconstructed annex 3 with the official table and adds adoptions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from renkei.cli import main
from renkei.errors import InvalidDocument
from renkei.rules import load_rulebook
from renkei.rules.jcm import (
    Adoption,
    JcmProposal,
    assess_jcm,
    rate_cap,
    read_adoptions_csv,
    reconstructed_table,
)

CALL = "jcm-model-project/fy2024"
BOOK = load_rulebook(CALL)
TABLE = reconstructed_table(CALL)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_official_table_replaces_ranges_with_exact_counts(tmp_path: Path) -> None:
    assert not TABLE.count("transformer", "LA").exact  # a range in the reconstruction
    csv = write(tmp_path, "official.csv", "technology,VN,LA,ID\n変圧器,4,2,\nsolar_pv,17,3,9\n")
    official = TABLE.replaced_by_csv(csv)
    assert official.count("transformer", "LA").to_dict() == {"count": 2}
    assert official.count("transformer", "ID").to_dict() == {"count": 0}  # empty cell = 0
    assert official.count("boiler", "TH").to_dict() == {"count": 0}  # absent row = 0
    cap = rate_cap(BOOK, official, "transformer", "LA")
    assert cap.to_dict()["rate_cap"] == "0.40"
    assert [n.code for n in cap.notes] == ["jcm.note.official_table"]
    assert official.source == "official:official.csv"


def test_official_table_errors_are_all_listed_with_row_and_column(tmp_path: Path) -> None:
    csv = write(tmp_path, "bad.csv", "technology,VN,XX\nnuclear,1,2\nsolar_pv,-1,x\nsolar_pv,1,1\n")
    with pytest.raises(InvalidDocument) as info:
        TABLE.replaced_by_csv(csv)
    text = str(info.value)
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in text
    assert "unknown technology 'nuclear'" in text
    assert "row 3, column 2" in text and "'-1' is not a non-negative whole number" in text
    assert "technology solar_pv appears twice" in text


def test_official_table_needs_a_technology_header(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument, match="must start with 'technology'"):
        TABLE.replaced_by_csv(write(tmp_path, "h.csv", "tech,VN\nsolar_pv,1\n"))


def test_later_adoptions_add_to_the_counts_and_can_lower_the_cap(tmp_path: Path) -> None:
    assert TABLE.count("heat_pump", "KE").to_dict() == {"count": 0}
    csv = write(
        tmp_path,
        "adoptions.csv",
        "country,technology,adopted_on,project\n"
        "KE,ヒートポンプ,2024-05-01,sample A\nKE,heat_pump,2024-08-01,sample B\n",
    )
    adoptions = read_adoptions_csv(csv, TABLE)
    assert [a.project for a in adoptions] == ["sample A", "sample B"]
    table = TABLE.with_adoptions(adoptions)
    assert table.count("heat_pump", "KE").to_dict() == {"count": 2}
    # 2.(9): counted at the time of application; the August adoption is later than May
    assert table.count("heat_pump", "KE", dt.date(2024, 5, 10)).to_dict() == {"count": 1}
    assert table.count("heat_pump", "KE", dt.date(2024, 4, 30)).to_dict() == {"count": 0}
    cap = rate_cap(BOOK, table, "heat_pump", "KE", as_of=dt.date(2024, 5, 10))
    assert cap.to_dict()["rate_cap"] == "0.40"
    assert "jcm.note.added_adoptions" in [n.code for n in cap.notes]


def test_adoptions_on_a_range_keep_it_a_range() -> None:
    before = TABLE.count("transformer", "LA")
    after = TABLE.with_adoptions([Adoption("transformer", "LA")]).count("transformer", "LA")
    assert (after.min, after.max) == (before.min + 1, before.max + 1)


def test_ten_adoptions_make_a_technology_ineligible() -> None:
    table = TABLE.with_adoptions([Adoption("heat_pump", "KE")] * 10)
    assert rate_cap(BOOK, table, "heat_pump", "KE").eligible is False


def test_bad_adoption_rows_are_all_reported(tmp_path: Path) -> None:
    csv = write(
        tmp_path,
        "a.csv",
        "country,technology,adopted_on\nZZ,solar_pv,2024-06-01\nKE,nuclear,2024-06-01\n"
        "KE,solar_pv,2024-13-01\nKE,solar_pv,\n",
    )
    with pytest.raises(InvalidDocument) as info:
        read_adoptions_csv(csv, TABLE)
    text = str(info.value)
    assert "row 2" in text and "row 3" in text and "row 4" in text and "row 5" in text
    assert "YYYY-MM-DD" in text


def test_adoptions_header_is_required(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument, match="country,technology,adopted_on"):
        read_adoptions_csv(write(tmp_path, "a.csv", "where,what\nKE,solar_pv\n"), TABLE)


def test_cli_takes_the_official_table_and_adoptions(tmp_path: Path) -> None:
    official = write(tmp_path, "official.csv", "technology,LA\ntransformer,2\n")
    adoptions = write(
        tmp_path, "adoptions.csv", "country,technology,adopted_on\nLA,transformer,2024-06-01\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "rules",
            "adoption-count",
            "--country",
            "LA",
            "--technology",
            "transformer",
            "--adoption-table",
            str(official),
            "--adoptions",
            str(adoptions),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"count": 3}


def test_cost_effectiveness_from_a_range_maximum_says_so_and_is_not_a_hard_fail() -> None:
    """Transformer in LA is 0–2 adoptions: cap 40–50%. With no requested amount the subsidy is
    the higher maximum; a cost-effectiveness failure there may vanish under the lower cap."""
    data = {
        "call": CALL,
        "title": "range",
        "country": "LA",
        "target_deadline": "2024-05-13T12:00:00+09:00",
        "pre_registered_on": "2024-04-20",
        "assessed_on": "2024-05-10",
        "consortium": {
            "representative": {"name": "A", "country": "JP", "entity_type": "private_company"},
            "partners": [{"name": "B", "country": "LA"}],
        },
        "sites": [
            {
                "id": "s",
                "technologies": [
                    {
                        "technology": "transformer",
                        "annual_reduction_tco2": Decimal("1000"),
                        "useful_life_years": 10,
                        "useful_life_reason": "r",
                        "costs": [
                            {"fiscal_year": 2024, "item": "equipment", "amount_jpy": 90_000_000}
                        ],
                    }
                ],
            }
        ],
    }
    result = assess_jcm(JcmProposal.model_validate(data), BOOK)
    ce = next(f for f in result.findings if f.check == "jcm.cost_effectiveness")
    # 45,000,000 / 10,000 t = 4,500 > 4,000 at 50%; 36,000,000 / 10,000 = 3,600 at 40%
    assert ce.params["value"] == "4,500.00"
    assert ce.status == "needs_review"
    assert "jcm.note.annex3_range" in [n.code for n in ce.notes]
