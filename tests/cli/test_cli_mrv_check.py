"""``renkei mrv check FILE``: findings with their treatments, JSON, and the exit codes (0 clean,
1 findings that change what would be computed, 2 bad input)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import types
from decimal import Decimal

from click.testing import CliRunner

from renkei.cli import main
from renkei.mrv.types import Methodology, MrvError, Parameter

HEADER = "site,point,parameter,start,end,value,unit\n"
CLEAN = HEADER + (
    "A,1,EC_PJ,2025-04-01T00:00+09:00,2025-05-01T00:00+09:00,10,MWh\n"
    "A,1,EC_PJ,2025-05-01T00:00+09:00,2025-06-01T00:00+09:00,20000,kWh\n"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["mrv", "check", *args])
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_clean_file_exits_0_with_totals(tmp_path) -> None:
    code, out, _ = run(write(tmp_path, CLEAN), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["findings"] == [] and data["errors"] == [] and data["exit"] == 0
    assert data["totals"] == [
        {"site": "A", "point": "1", "parameter": "EC_PJ", "value": "30", "unit": "MWh"}
    ]  # no methodology: summed in the series' first unit (20,000 kWh = 20 MWh)
    code, out, _ = run(write(tmp_path, CLEAN))
    assert code == 0 and "no findings" in out


def test_findings_exit_1_with_treatment(tmp_path) -> None:
    text = CLEAN + "A,1,EC_PJ,2025-05-01T00:00+09:00,2025-06-01T00:00+09:00,-3,MWh\n"
    code, out, _ = run(
        write(tmp_path, text), "--from", "2025-04-01", "--to", "2025-06-30", "--json"
    )
    assert code == 1
    data = json.loads(out)
    kinds = [f["kind"] for f in data["findings"]]
    assert kinds == ["negative", "missing_period"]
    assert data["findings"][0]["treatment"] == "exclude"
    assert data["findings"][0]["source"] == "data.csv:4:value"
    code, out, _ = run(write(tmp_path, text))
    assert code == 1 and "negative [data.csv:4:value]" in out and "→ exclude" in out


def test_bad_cells_exit_2_and_are_named(tmp_path) -> None:
    text = CLEAN + "A,1,EC_PJ,2025-06-01,2025-07-01,abc,MWh\n"
    code, out, _ = run(write(tmp_path, text))
    assert code == 2
    assert "data.csv:4:value: 'abc' is not a number" in out
    assert "note: Times without a UTC offset were read as Japan time" in out


def test_bad_input_exit_2_with_a_message(tmp_path) -> None:
    code, _, err = run(write(tmp_path, "a,b\n1,2\n"))
    assert code == 2 and "lacks the columns" in err and "Traceback" not in err
    code, _, err = run(write(tmp_path, CLEAN), "--from", "2025-04-01")
    assert code == 2 and "give both --from and --to" in err
    code, _, err = run(write(tmp_path, CLEAN), "--from", "2025-04-01", "--to", "2025-13-01")
    assert code == 2 and "--to must be a date" in err


def fake_methodologies(monkeypatch) -> None:
    m = Methodology(
        "ID_AM003",
        "1.0",
        "ID",
        "COP",
        "approved",
        "cop_ratio",
        False,
        "",
        "",
        dt.date(2020, 1, 1),
        None,
        (),
        (Parameter("EC_PJ", "monitored", "MWh", "electricity", maximum=Decimal(15)),),
        {},
        "ER_p",
        {"implausible": "discount:50"},
    )

    def load(ident, version=None, *, on=None):
        if ident != "ID_AM003":
            raise MrvError(
                f"unknown methodology {ident}: the known are ID_AM003", code="unknown_methodology"
            )
        return m

    module = types.ModuleType("renkei.mrv.methodologies")
    module.load = load
    monkeypatch.setitem(sys.modules, "renkei.mrv.methodologies", module)


def test_methodology_bounds_units_and_treatments(tmp_path, monkeypatch) -> None:
    fake_methodologies(monkeypatch)
    code, out, _ = run(write(tmp_path, CLEAN), "--methodology", "ID_AM003@1.0", "--json")
    data = json.loads(out)
    assert code == 1 and data["methodology"] == "ID_AM003 1.0"
    assert [(f["kind"], f["treatment"]) for f in data["findings"]] == [
        ("implausible", "discount:50")
    ]
    assert Decimal(data["totals"][0]["value"]) == 20 and data["totals"][0]["unit"] == "MWh"
    assert any("converted to MWh" in n for n in data["notes"])
    code, _, err = run(write(tmp_path, CLEAN), "--methodology", "XX_AM001")
    assert code == 2 and "unknown methodology XX_AM001" in err


def test_interval_meter_data(tmp_path) -> None:
    rows = "".join(
        f"A,1,2025-04-01 {h:02d}:{m:02d}:00,1\n" for h in range(24) for m in (0, 15, 30, 45)
    )
    path = write(tmp_path, "site,point,timestamp,value\n" + rows, "meter.csv")
    code, out, _ = run(path, "--json")
    data = json.loads(out)
    assert code == 0, out
    assert data["kind"] == "interval meter data" and data["period"] == ["2025-04-01", "2025-04-01"]
    assert data["totals"][0]["value"] == "96.000000"
    code, out, _ = run(path, "--from", "2025-04-01", "--to", "2025-04-02", "--json")
    data = json.loads(out)
    assert code == 1 and data["counts"]["missing_intervals"] == 96
    assert [f["kind"] for f in data["findings"]] == ["gap"]
    bad = write(tmp_path, "site,point,timestamp,value\nA,1,2025-04-01 00:00:00,x\n", "bad.csv")
    code, out, _ = run(bad)
    assert code == 2
