"""The `renkei` command as applicants and the office use it: JSON shapes, exit codes, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from renkei.cli import main

ROOT = Path(__file__).resolve().parents[2]
CALL = ["--call", "jcm-model-project/fy2024"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> dict:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_technologies_lists_all_51_with_names_and_sector() -> None:
    code, out, _ = run("rules", "technologies", *CALL, "--json")
    assert code == 0
    techs = json.loads(out)
    assert len(techs) == 51
    assert set(techs[0]) == {"id", "name_ja", "name_en", "sector"}
    assert {"id": "solar_pv", "name_ja": "太陽光発電"}.items() <= next(
        t for t in techs if t["id"] == "solar_pv"
    ).items()


def test_adoption_count_exact_by_japanese_name() -> None:
    assert run_json(
        "rules", "adoption-count", *CALL, "--country", "VN", "--technology", "太陽光発電"
    ) == {"count": 17}


def test_adoption_count_of_an_absent_country_is_zero() -> None:
    assert run_json(
        "rules", "adoption-count", *CALL, "--country", "UZ", "--technology", "solar_pv"
    ) == {"count": 0}


def test_subsidy_cap_exact_and_ineligible() -> None:
    assert (
        run_json("rules", "subsidy-cap", *CALL, "--country", "MN", "--technology", "solar_pv")[
            "rate_cap"
        ]
        == "0.30"
    )
    out = run_json("rules", "subsidy-cap", *CALL, "--country", "VN", "--technology", "solar_pv")
    assert out["eligible"] is False
    assert "別添2 3.(1) 6)" in out["reason"]


def test_cost_effectiveness_json() -> None:
    out = run_json(
        "rules",
        "cost-effectiveness",
        *CALL,
        "--country",
        "KE",
        "--technology",
        "solar_pv",
        "--subsidy-jpy",
        "42500000",
        "--annual-tco2",
        "1000",
        "--useful-life-years",
        "17",
    )
    assert out["jpy_per_tco2"] == "2500.00"
    assert out["limit_jpy_per_tco2"] == "2500"
    assert out["passes"] is True


def test_admin_cost_cap_json() -> None:
    assert run_json("rules", "admin-cost-cap", *CALL, "--base-jpy", "60000000")["cap_jpy"] == (
        3_800_000
    )


def test_c3p_score_json() -> None:
    out = run_json(
        "rules", "c3p-score", "--call", "c3p/fy2025", "--item", "ghg_reduction", "--value", "50000"
    )
    assert out["points"] == 4


def test_deadline_json() -> None:
    out = run_json(
        "rules", "deadline", *CALL, "--event", "grant-application", "--date", "2024-07-01"
    )
    assert out["due"] == "2024-07-31"
    assert out["clause"].startswith("4.(2)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("rules", "subsidy-cap", *CALL, "--country", "XX", "--technology", "solar_pv"), "VN"),
        (("rules", "subsidy-cap", *CALL, "--country", "VN", "--technology", "nuclear"), "solar_pv"),
        (
            ("rules", "deadline", *CALL, "--event", "completion-report", "--date", "2030-01-01"),
            "2027-03-31",
        ),
        (
            ("rules", "deadline", *CALL, "--event", "payday", "--date", "2025-01-01"),
            "grant-application",
        ),
        (("rules", "deadline", *CALL, "--event", "payment", "--date", "01/02/2025"), "YYYY-MM-DD"),
        (("rules", "admin-cost-cap", *CALL, "--base-jpy", "12.5"), "whole yen"),
        (
            ("rules", "admin-cost-cap", "--call", "c3p/fy2025", "--base-jpy", "1"),
            "jcm-model-project/fy2024",
        ),
        (
            (
                "rules",
                "subsidy-cap",
                "--call",
                "jcm/fy2099",
                "--country",
                "VN",
                "--technology",
                "solar_pv",
            ),
            "jcm-model-project/fy2024",
        ),
    ],
)
def test_bad_input_exits_2_and_says_what_would_be_right(
    args: tuple[str, ...], expected: str
) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert "Traceback" not in err + out
    assert expected in err


def test_assess_malformed_proposal_lists_every_error_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "call: jcm-model-project/fy2024\ntitle: x\ncountry: ZZ\nassessed_on: 2024-05-01\n"
        "target_deadline: 2024-05-13T12:00:00+09:00\nsurprise: 1\n"
        "consortium: {representative: {name: A, country: JP, entity_type: private_company}}\n"
        "sites: [{id: s1, technologies: [{technology: solar_pv, annual_reduction_tco2: -1,"
        " useful_life_years: 17, costs: [{fiscal_year: 2024, item: equipment,"
        " amount_jpy: 1.5}]}]}]\n",
        encoding="utf-8",
    )
    code, _out, err = run("assess", str(bad))
    assert code == 2
    assert "Traceback" not in err
    for path in (
        "country",
        "surprise",
        "sites[0].technologies[0].annual_reduction_tco2",
        "sites[0].technologies[0].costs[0].amount_jpy",
    ):
        assert path in err, f"{path} not reported in:\n{err}"


def test_assess_unknown_call_names_the_choices(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"call": "jcm/2020"}', encoding="utf-8")
    code, _, err = run("assess", str(bad))
    assert code == 2
    assert "c3p/fy2025" in err and "jcm-model-project/fy2024" in err


def test_schema_is_json_schema_for_both_calls() -> None:
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    text = json.dumps(schema)
    assert "jcm-model-project/fy2024" in text and "c3p/fy2025" in text
    assert schema["$schema"].endswith("2020-12/schema")


def test_installed_entry_point_runs() -> None:
    exe = shutil.which("renkei", path=str(Path(sys.executable).parent))
    assert exe, "the renkei console script is installed beside the interpreter"
    proc = subprocess.run(
        [exe, "rules", "admin-cost-cap", "--base-jpy", "50000000", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["cap_jpy"] == 3_250_000


@pytest.mark.parametrize(
    ("option", "given", "suggestion"),
    [
        ("--country", "Vietnam", "did you mean VN"),
        ("--country", "VNM", "did you mean VN"),
        ("--technology", "太陽光", "太陽光発電 (solar_pv) or 太陽光発電+蓄電池 (solar_pv_battery)"),
        ("--technology", "hydro", "小水力発電 (small_hydro)"),
    ],
)
def test_unknown_choice_suggests_what_was_meant(option: str, given: str, suggestion: str) -> None:
    args = {"--country": "VN", "--technology": "solar_pv"} | {option: given}
    code, _, err = run("rules", "subsidy-cap", *CALL, *(x for kv in args.items() for x in kv))
    assert code == 2
    assert suggestion in err


def test_a_json_proposal_assesses_like_its_yaml(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((ROOT / "examples/jcm-multi-site-pass.yaml").read_text("utf-8"))
    as_json = tmp_path / "p.json"
    as_json.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    from_yaml = run_json("assess", str(ROOT / "examples/jcm-multi-site-pass.yaml"))
    from_json = run_json("assess", str(as_json))
    assert from_json == from_yaml
    assert from_json["figures"]["subsidy_jpy"] == 98_000_000


@pytest.mark.parametrize(
    ("example", "exit_code"),
    [
        ("jcm-multi-site-pass.yaml", 0),
        ("jcm-eco-lease.yaml", 0),
        ("jcm-fails-excluded-technology.yaml", 1),
        ("c3p-new-project.yaml", 0),
        ("c3p-fails-eligibility.yaml", 1),
    ],
)
def test_assess_exit_codes(example: str, exit_code: int) -> None:
    code, out, _ = run("assess", str(ROOT / "examples" / example))
    assert code == exit_code
    assert "総合判定" in out  # Japanese by default


# --- a technology outside annex 3 (issue 12, point 21) ----------------------------------------
def _with_new_technology(tmp_path: Path, *, declared: bool) -> Path:
    import yaml

    data = yaml.safe_load((ROOT / "examples/jcm-multi-site-pass.yaml").read_text("utf-8"))
    line = data["sites"][1]["technologies"][0]
    assert line["technology"] == "solar_pv"
    line["technology"] = "地熱発電"
    if declared:
        line["outside_annex3"] = True
    path = tmp_path / "new-technology.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_technology_outside_annex3_is_assessed_at_zero_adoptions(tmp_path: Path) -> None:
    path = _with_new_technology(tmp_path, declared=True)
    code, out, err = run("assess", str(path), "--json", "--lang", "en")
    assert code == 0, err
    result = json.loads(out)
    line = next(x for x in result["figures"]["lines"] if x["technology"] == "地熱発電")
    assert line["rate_cap"]["rate_cap"] == "0.50"
    assert line["rate_cap"]["adoption_count"] == {"count": 0}
    cap = next(
        f
        for s in result["sections"]
        for f in s["findings"]
        if f["check"] == "jcm.rate_cap" and f["subject"].endswith("地熱発電")
    )
    assert cap["status"] == "needs_review"
    note = " ".join(n["message"] for n in cap["notes"])
    assert "not in annex 3" in note and "geothermal_binary" in note


def test_an_undeclared_name_outside_annex3_exits_2_saying_how(tmp_path: Path) -> None:
    code, _, err = run("assess", str(_with_new_technology(tmp_path, declared=False)))
    assert code == 2
    assert "did you mean 地熱発電(バイナリー) (geothermal_binary)" in err
    assert "outside_annex3: true" in err


def test_subsidy_cap_of_a_technology_outside_annex3() -> None:
    out = run_json(
        "rules", "subsidy-cap", *CALL, "--country", "VN", "--technology", "地熱発電",
        "--outside-annex3",
    )  # fmt: skip
    assert out["rate_cap"] == "0.50" and out["adoption_count"] == {"count": 0}
    assert any(n["code"] == "jcm.note.outside_annex3" for n in out["notes"])
    code, _, err = run(
        "rules", "subsidy-cap", *CALL, "--country", "VN", "--technology", "solar_pv",
        "--outside-annex3",
    )  # fmt: skip
    assert code == 2 and "not outside annex 3" in err
