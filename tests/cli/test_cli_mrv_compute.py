"""`renkei mrv methodologies` and `renkei mrv compute`: JSON shapes, exit codes, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from renkei.cli import main

COP = [
    "--methodology",
    "ID_AM003",
    "--param",
    "EC_PJ=167MWh",
    "--param",
    "COP_PJ=3.2",
    "--param",
    "COP_RE=2.1",
    "--param",
    "EF_elec=0.533tCO2/MWh",
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mrv", *args])
    return result.exit_code, result.stdout, result.stderr


def test_methodologies_json_lists_every_version_with_its_parameters() -> None:
    code, out, _ = run("methodologies", "--json")
    assert code == 0
    listed = json.loads(out)
    ids = {(m["id"], m["version"]) for m in listed}
    assert ("ID_AM003", "1.0") in ids and ("MN_AM003", "2.0") in ids
    m = next(m for m in listed if m["id"] == "ID_AM003")
    assert {"id", "version", "title", "status", "provisional", "parameters"} <= set(m)
    assert m["provisional"] is False
    assert {"name": "EC_PJ", "unit": "MWh", "kind": "monitored"}.items() <= m["parameters"][
        0
    ].items()
    assert all(x["provisional"] for x in listed if x["id"] == "TH_AM001")


def test_methodologies_text_marks_provisional() -> None:
    code, out, _ = run("methodologies")
    assert code == 0
    assert "TH_AM001 1.0 [approved, pv] PROVISIONAL" in out
    assert "    EC_PJ (MWh, monitored, per point)" in out


def test_compute_json_shape() -> None:
    code, out, err = run("compute", *COP, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["reference_emissions_tco2"] == "135.63580952380952380952"
    assert data["project_emissions_tco2"] == "89.011"
    assert data["emission_reductions_tco2"] == 46
    assert data["provisional"] is False
    assert set(data) == {
        "methodology",
        "reference_emissions_tco2",
        "project_emissions_tco2",
        "emission_reductions_tco2",
        "provisional",
        "per_site",
        "per_point",
        "steps",
        "adjustments",
        "notes",
    }
    assert set(data["steps"][0]) == {"key", "formula", "result", "unit", "site", "point", "note"}
    assert any(s["formula"].endswith("167 × (3.2 / 2.1) × 0.533") for s in data["steps"])


def test_compute_kwh_is_converted_not_misread() -> None:
    args = [a.replace("EC_PJ=167MWh", "EC_PJ=167000kWh") for a in COP]
    _, out, _ = run("compute", *args, "--json")
    data = json.loads(out)
    assert data["emission_reductions_tco2"] == 46
    assert data["steps"][0]["formula"] == "167000 kWh = 167 MWh"


def test_compute_provisional_pv_at_version() -> None:
    code, out, _ = run(
        "compute", "--methodology", "TH_AM001@1.0", "--param", "EG=1000MWh",
        "--param", "EF_RE=0.5812tCO2/MWh", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["emission_reductions_tco2"] == 581
    assert data["provisional"] is True
    assert data["notes"][0].startswith("provisional:")


def test_compute_text_output() -> None:
    code, out, _ = run("compute", *COP)
    assert code == 0
    assert "emission reductions: 46 tCO2" in out
    assert "  ER_p = max(0, floor(46.62480952380952380952)) = 46 tCO2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--methodology", "XX_AM1"], "unknown methodology 'XX_AM1'"),
        (["--methodology", "ID_AM003@9.9"], "its versions are: 1.0"),
        (["--methodology", "TH_AM001", "--on", "2016-08-22"], "not in force on 2016-08-22"),
        (["--methodology", "TH_AM001", "--on", "22/08/2016"], "--on must be a date"),
        (["--methodology", "TH_AM001", "--param", "EG=5"], "write it with its unit"),
        (["--methodology", "TH_AM001", "--param", "EG=5tCO2"], "it takes MWh"),
        (["--methodology", "TH_AM001", "--param", "XX=5MWh"], "XX is not a parameter"),
        (["--methodology", "TH_AM001", "--param", "EG"], "is not NAME=VALUE"),
        (["--methodology", "TH_AM001", "--param", "EG=abc MWh"], "not a value with a unit"),
        (["--methodology", "TH_AM001", "--param", "EG=5MWhh"], "unknown unit 'MWhh'"),
        (["--methodology", "TH_AM001", "--param", "EG=5MWh"], "EF_RE is missing"),
        (["--methodology", "TH_AM001", "--param", "EG=1MWh", "--param", "EG=2MWh"], "twice"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    code, out, err = run("compute", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


DATA = (
    "site,point,parameter,start,end,value,unit\n"
    "A,1,EC_PJ,2025-04-01T00:00+09:00,2025-05-01T00:00+09:00,100,MWh\n"
    "A,1,EC_PJ,2025-05-01T00:00+09:00,2025-06-01T00:00+09:00,67000,kWh\n"
    "B,1,EC_PJ,2025-04-01T00:00+09:00,2025-06-01T00:00+09:00,-5,MWh\n"
)


def test_compute_from_a_data_file_sums_it_per_point_and_treats_its_findings(tmp_path) -> None:
    """--data: the file's readings summed per point (67,000 kWh counted as 67 MWh), the
    negative reading of site B excluded as the methodology treats it, and said so."""
    path = tmp_path / "readings.csv"
    path.write_text(DATA, encoding="utf-8")
    fixed = ["--param", "COP_PJ=3.2", "--param", "COP_RE=2.1", "--param", "EF_elec=0.533tCO2/MWh"]
    code, out, err = run(
        "compute", "--methodology", "ID_AM003", *fixed, "--data", str(path), "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    # 167 MWh at site A only: RE = 167 × 3.2 / 2.1 × 0.533, PE = 167 × 0.533
    assert result["emission_reductions_tco2"] == 46  # floor(135.6334… − 89.011)
    assert result["per_site"].keys() == {"A"}
    assert any(a["kind"] == "negative" and a["site"] == "B" for a in result["adjustments"])


def test_compute_refuses_a_data_file_with_a_bad_cell(tmp_path) -> None:
    path = tmp_path / "readings.csv"
    path.write_text(DATA.replace(",100,MWh", ",abc,MWh"), encoding="utf-8")
    code, out, err = run("compute", *COP[:2], "--data", str(path), "--json")
    assert code == 2 and out == ""
    assert "abc" in err
