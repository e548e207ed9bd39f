"""Annex 3 (別添3) of the FY2024 JCM Model Project call, reconstructed from its damaged text.

The seed text lost the empty cells of the table; scripts/reconstruct_annex3.py recovers,
per cell, the exact value or the [min, max] range over all tables consistent with the
printed row values, row/column totals and the sentences of 別添2.  These tests pin the
parse, the committed YAML (re-solved here: the solve takes about 2 s) and the tightness of
every range.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "reconstruct_annex3.py"
SEED = Path(__file__).resolve().parents[3] / "shared/seeds/003_8ca40c6c91f571dc.txt"
YAML_PATH = REPO / "src/renkei/rules/rulebooks/jcm-model-project/fy2024-annex3.yaml"

# fmt: off
COUNTRIES = [
    "MN", "BD", "KE", "MV", "VN", "LA", "ID", "CR", "PW",
    "KH", "MX", "SA", "CL", "MM", "TH", "PH", "TN", "LK",
]
# fmt: on


def _load_script():
    spec = importlib.util.spec_from_file_location("reconstruct_annex3", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


ra = _load_script()


@pytest.fixture(scope="module")
def seed_text() -> str:
    assert SEED.is_file(), f"seed text missing: expected {SEED} (shared/ beside the clone)"
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(seed_text):
    return ra.parse_table(seed_text)


@pytest.fixture(scope="module")
def solved(parsed):
    return ra.solve(parsed, ra.EVIDENCE_CONSTRAINTS)


@pytest.fixture(scope="module")
def doc() -> dict:
    return yaml.safe_load(YAML_PATH.read_text(encoding="utf-8"))


def _bounds(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


# (a) ---------------------------------------------------------------------------------


def test_parse_gives_51_rows_18_column_totals_and_257(parsed) -> None:
    assert len(parsed.rows) == 51
    assert parsed.countries == COUNTRIES
    assert len(parsed.column_totals) == 18
    assert parsed.grand_total == 257
    assert sum(parsed.column_totals) == 257
    assert parsed.technology_count == 51
    assert parsed.methodology_count == 85
    sectors = [r.sector for r in parsed.rows]
    assert sectors.count("energy_efficiency") == 32
    assert sectors.count("renewable_energy") == 11
    assert sectors.count("effective_energy_use") == 3
    assert sectors.count("waste") == 2
    assert sectors.count("transport") == 3
    assert parsed.row_by_name("熱媒ボイラ").methodologies == ()
    assert parsed.row_by_name("空調機(エアコン)").methodologies == ("VN_AM006", "ID_AM004")


# (b) ---------------------------------------------------------------------------------


def test_every_row_sums_to_its_printed_total(parsed) -> None:
    for row in parsed.rows:
        assert 1 <= len(row.values) <= 18, row.name_ja
        assert sum(row.values) == row.total, row.name_ja
    assert sum(r.total for r in parsed.rows) == 257


def test_committed_yaml_rows_sum_to_their_totals(doc) -> None:
    assert len(doc["technologies"]) == 51
    for tech in doc["technologies"]:
        assert sum(tech["printed_values"]) == tech["row_total"], tech["id"]


# (c) ---------------------------------------------------------------------------------


def test_committed_yaml_is_what_the_script_produces(parsed, solved) -> None:
    rendered = ra.render_yaml(ra.build_document(parsed, solved))
    committed = YAML_PATH.read_text(encoding="utf-8")
    assert committed == rendered, "run: python scripts/reconstruct_annex3.py"


def test_main_writes_the_same_file(seed_text, tmp_path) -> None:
    out = tmp_path / "annex3.yaml"
    assert ra.main(["--seed", str(SEED), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == YAML_PATH.read_text(encoding="utf-8")


def test_yaml_shape(doc) -> None:
    assert doc["clause"] == "別添3"
    assert str(doc["as_of"]) == "2024-04-05"
    assert doc["countries"] == COUNTRIES
    assert list(doc["column_totals"]) == COUNTRIES
    assert doc["grand_total"] == 257
    ids = [t["id"] for t in doc["technologies"]]
    assert len(set(ids)) == 51
    assert all(i.isascii() and i == i.lower() and " " not in i for i in ids)
    names = {t["id"]: t["name_ja"] for t in doc["technologies"]}
    assert names["solar_pv"] == "太陽光発電"
    assert names["solar_pv_battery"] == "太陽光発電+蓄電池"
    assert names["battery"] == "蓄電池"
    assert names["small_hydro"] == "小水力発電"
    assert names["chiller_air_conditioning"] == "冷凍機(空調用)"
    assert names["chiller_refrigeration"] == "冷凍機(冷蔵・冷凍用)"
    for tech in doc["technologies"]:
        assert list(tech["counts"]) == COUNTRIES, tech["id"]
        for value in tech["counts"].values():
            if isinstance(value, list):
                assert len(value) == 2 and 0 <= value[0] < value[1], tech["id"]
            else:
                assert isinstance(value, int) and value >= 0, tech["id"]
    clauses = {c["clause"] for c in doc["evidence_constraints"]}
    assert clauses == {"別添2 3.(1) 6)", "別添2 3.(2)(D)"}


def test_yaml_names_are_exactly_as_printed(seed_text, parsed, doc) -> None:
    assert [t["name_ja"] for t in doc["technologies"]] == [r.name_ja for r in parsed.rows]
    for tech, row in zip(doc["technologies"], parsed.rows, strict=True):
        assert f"| {tech['name_ja']} |" in seed_text or f"{tech['name_ja']} |" in seed_text
        assert tech["methodologies"] == list(row.methodologies)
        assert tech["printed_values"] == list(row.values)


# (d) ---------------------------------------------------------------------------------


def test_bounds_bracket_row_and_column_totals(doc) -> None:
    col_lo = dict.fromkeys(COUNTRIES, 0)
    col_hi = dict.fromkeys(COUNTRIES, 0)
    for tech in doc["technologies"]:
        lo_sum = hi_sum = 0
        nonzero_possible = 0
        for country, value in tech["counts"].items():
            lo, hi = _bounds(value)
            lo_sum += lo
            hi_sum += hi
            col_lo[country] += lo
            col_hi[country] += hi
            if hi > 0:
                # a non-zero cell must be able to hold one of the printed values
                assert hi in tech["printed_values"], (tech["id"], country)
                nonzero_possible += 1
        assert lo_sum <= tech["row_total"] <= hi_sum, tech["id"]
        assert nonzero_possible >= len(tech["printed_values"]), tech["id"]
    for country in COUNTRIES:
        assert col_lo[country] <= doc["column_totals"][country] <= col_hi[country], country


def test_exact_rows_reproduce_their_printed_values(doc) -> None:
    """A row whose cells are all exact must list exactly its printed values, in order."""
    exact_rows = 0
    for tech in doc["technologies"]:
        values = list(tech["counts"].values())
        if all(isinstance(v, int) for v in values):
            exact_rows += 1
            assert [v for v in values if v] == tech["printed_values"], tech["id"]
    assert exact_rows >= 1


# (e) ---------------------------------------------------------------------------------


def _counts(doc, tech_id: str) -> dict:
    (tech,) = [t for t in doc["technologies"] if t["id"] == tech_id]
    return tech["counts"]


def test_known_cells(doc) -> None:
    solar = _counts(doc, "solar_pv")
    assert all(isinstance(v, int) for v in solar.values())
    assert solar == dict(
        zip(COUNTRIES, [5, 1, 4, 1, 17, 3, 9, 1, 5, 3, 2, 2, 12, 1, 24, 11, 2, 1], strict=True)
    )
    assert _counts(doc, "small_hydro")["ID"] == 10
    chiller = _counts(doc, "chiller_air_conditioning")
    assert chiller["VN"] == chiller["ID"] == chiller["TH"] == 5
    # columns that solar PV fills completely are zero for every other technology
    for tech in doc["technologies"]:
        if tech["id"] != "solar_pv":
            for country in ("KE", "MV", "PW", "TN", "LK"):
                assert tech["counts"][country] == 0, (tech["id"], country)


def test_evidence_constraints_hold_in_yaml(doc) -> None:
    for con in doc["evidence_constraints"]:
        counts = _counts(doc, con["technology"])
        for country in con["countries"]:
            lo, hi = _bounds(counts[country])
            assert lo >= con.get("min", 0), (con, country)
            assert hi <= con.get("max", 10**9), (con, country)


def test_example_table_is_consistent(parsed, solved) -> None:
    """The witness table returned by solve meets every piece of evidence."""
    example = solved["example"]
    for row in parsed.rows:
        cells = [example[row.name_ja][c] for c in COUNTRIES]
        assert [v for v in cells if v] == list(row.values), row.name_ja
    for j, country in enumerate(COUNTRIES):
        assert sum(example[r.name_ja][country] for r in parsed.rows) == parsed.column_totals[j]
    assert example["太陽光発電"]["VN"] >= 10
    assert example["小水力発電"]["ID"] >= 10
    assert 5 <= example["冷凍機(空調用)"]["TH"] <= 9
    for name, row in solved["counts"].items():
        for country, value in row.items():
            lo, hi = _bounds(value)
            assert lo <= example[name][country] <= hi


# (f) ---------------------------------------------------------------------------------


def test_every_cell_is_tight(parsed, doc) -> None:
    """Every cell: both bounds are attained and nothing outside them is (an exact cell's
    value is attained and every other value is impossible).

    Uses one compiled FeasibilityChecker: about 5 s for all 918 cells."""
    checker = ra.FeasibilityChecker(parsed, ra.EVIDENCE_CONSTRAINTS)

    def feasible(tech_id: str, country: str, lo: int, hi: int) -> bool:
        extra = {"technology": tech_id, "countries": [country], "min": lo, "max": hi}
        return checker.feasible([extra])

    ranges = 0
    for tech in doc["technologies"]:
        for country, value in tech["counts"].items():
            lo, hi = _bounds(value)
            ranges += lo < hi
            key = (tech["id"], country, value)
            assert feasible(tech["id"], country, lo, lo), key
            assert feasible(tech["id"], country, hi, hi), key
            if lo > 0:
                assert not feasible(tech["id"], country, 0, lo - 1), key
            assert not feasible(tech["id"], country, hi + 1, 10**6), key
    assert ranges == 629


def test_sample_bounds_with_fresh_searches(parsed, doc) -> None:
    """A few cells re-checked through is_feasible, which rebuilds the search from the
    constraints (a different code path from the checker's restrictions)."""
    sample = [
        ("air_conditioner", "VN"),
        ("boiler", "MM"),
        ("small_hydro", "PH"),
        ("chiller_air_conditioning", "MN"),
        ("thermal_oil_boiler", "SA"),
    ]
    for tech_id, country in sample:
        value = _counts(doc, tech_id)[country]
        lo, hi = _bounds(value)
        assert lo < hi, (tech_id, country, value)  # the sample is of ranges

        def feasible(a: int, b: int, tech_id=tech_id, country=country) -> bool:
            extra = {"technology": tech_id, "countries": [country], "min": a, "max": b}
            return ra.is_feasible(parsed, [*ra.EVIDENCE_CONSTRAINTS, extra])

        assert feasible(lo, lo) and feasible(hi, hi), (tech_id, country)
        assert not feasible(hi + 1, 10**6), (tech_id, country)
        if lo > 0:
            assert not feasible(0, lo - 1), (tech_id, country)


def test_the_sentences_are_what_pin_chiller_th_and_small_hydro_id(parsed, solved) -> None:
    """Without the 別添2 sentences, chiller TH and small hydro ID are ranges; with them,
    exact.  (Chiller VN/ID = 5 is forced by the row order and column totals alone.)"""
    loose = ra.solve(parsed, [])
    assert loose["counts"]["冷凍機(空調用)"]["TH"] == [0, 5]
    assert loose["counts"]["冷凍機(空調用)"]["VN"] == 5
    assert loose["counts"]["小水力発電"]["ID"] == [0, 10]
    assert solved["counts"]["冷凍機(空調用)"]["TH"] == 5
    assert solved["counts"]["小水力発電"]["ID"] == 10
    assert loose["counts"]["太陽光発電"] == solved["counts"]["太陽光発電"]  # printed in full


# (g) ---------------------------------------------------------------------------------


def _replace_total_line(text: str, transform) -> str:
    lines = text.splitlines()
    (i,) = [k for k, line in enumerate(lines) if line.startswith("合計 | 技術の件数")]
    lines[i] = transform(lines[i])
    return "\n".join(lines) + "\n"


def test_changed_column_total_fails_parse(seed_text) -> None:
    broken = _replace_total_line(seed_text, lambda s: s.replace("| 7 | 4 | 4 |", "| 8 | 4 | 4 |"))
    assert broken != seed_text
    with pytest.raises(ra.Annex3Error, match="column totals sum to 258"):
        ra.parse_table(broken)


def test_swapped_column_totals_fail_solve(seed_text) -> None:
    """KE and MV totals swapped: the sums still agree, but solar PV's KE=4 no longer fits."""
    broken = _replace_total_line(
        seed_text, lambda s: s.replace("| 7 | 4 | 4 | 1 |", "| 7 | 4 | 1 | 4 |")
    )
    assert broken != seed_text
    parsed = ra.parse_table(broken)
    with pytest.raises(ra.Annex3Error, match=r"太陽光発電.*cannot be placed"):
        ra.solve(parsed, ra.EVIDENCE_CONSTRAINTS)


def test_changed_row_value_fails_parse(seed_text) -> None:
    broken = seed_text.replace("熱媒ボイラ | 1 | 1 |", "熱媒ボイラ | 2 | 1 |")
    assert broken != seed_text
    with pytest.raises(ra.Annex3Error, match="熱媒ボイラ"):
        ra.parse_table(broken)


def test_dropped_row_fails_parse(seed_text) -> None:
    line = next(x for x in seed_text.splitlines(keepends=True) if x.startswith("熱交換器 |"))
    broken = seed_text.replace(line, "")
    assert broken != seed_text
    with pytest.raises(ra.Annex3Error, match="parsed 50 technology rows; expected 51"):
        ra.parse_table(broken)


def test_blank_line_inside_table_fails_parse(seed_text) -> None:
    broken = seed_text.replace("熱交換器 | 1 | 1 |", "")
    with pytest.raises(ra.Annex3Error, match="empty line inside the table"):
        ra.parse_table(broken)


def test_missing_table_fails_parse() -> None:
    with pytest.raises(ra.Annex3Error, match="table header"):
        ra.parse_table("no table here\n")


def test_main_reports_errors(tmp_path, seed_text, capsys) -> None:
    bad = tmp_path / "seed.txt"
    bad.write_text(seed_text.replace("熱媒ボイラ | 1 | 1 |", "熱媒ボイラ | 2 | 1 |"), "utf-8")
    out = tmp_path / "out.yaml"
    assert ra.main(["--seed", str(bad), "--out", str(out)]) == 1
    assert "熱媒ボイラ" in capsys.readouterr().err
    assert not out.exists()
