"""Runs the YAML cases beside the JCM rulebook (rules/rulebooks/jcm-model-project/*.cases.yaml)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from renkei import errors
from renkei.rules import load_rulebook
from renkei.rules._registry import rulebook_file
from renkei.rules._yaml import load_yaml_text
from renkei.rules.jcm import (
    admin_cost_cap,
    change_approval,
    check_decision,
    cost_effectiveness,
    deadline,
    disposal,
    fixed_amount,
    issuance_schedule,
    minor_change,
    procurement,
    rate_cap,
    reconstructed_table,
)
from renkei.rules.jcm.lease import lease_term

CALL = "jcm-model-project/fy2024"
BOOK = load_rulebook(CALL)
CASES = load_yaml_text(rulebook_file(CALL, ".cases.yaml").read_text(encoding="utf-8"))


def _with_note_codes(out: dict) -> dict:
    return out | {"note_codes": [n["code"] for n in out.get("notes", [])]}


def _run(function: str, args: dict) -> dict:
    if function == "rate_cap_for_count":
        cap = BOOK.subsidy.rate_caps.cap_for(args["count"])
        return {"cap": None if cap is None else str(cap)}
    if function == "subsidy_cap":
        table = reconstructed_table(CALL)
        cap = rate_cap(
            BOOK,
            table,
            args["technology"],
            args["country"],
            eco_lease=args.get("eco_lease", False),
            outside_annex3=args.get("outside_annex3", False),
        )
        notes = {n.code for n in cap.notes}
        return cap.to_dict() | {
            "status": cap.finding().status.value,
            "outside_annex3": "jcm.note.outside_annex3" in notes,
        }
    if function == "admin_cost_cap":
        return {"cap_jpy": admin_cost_cap(BOOK, args["base_jpy"])}
    if function == "cost_effectiveness":
        return cost_effectiveness(
            BOOK,
            technology=args["technology"],
            country=args["country"],
            subsidy_jpy=args["subsidy_jpy"],
            annual_tco2=Decimal(args["annual_tco2"]),
            useful_life_years=args["useful_life_years"],
        ).to_dict()
    if function == "deadline":
        out = deadline(
            BOOK,
            args["event"],
            dt.date.fromisoformat(args["date"]),
            useful_life_years=args.get("useful_life_years"),
        ).to_dict()
        if "reports" in out:
            reports = out["reports"]
            out |= {"report_count": len(reports), "first_report": reports[0]}
            out["last_report"] = reports[-1]
        return _with_note_codes(out)
    if function == "issuance_schedule":
        day = {
            k: None if args[k] is None else dt.date.fromisoformat(args[k])
            for k in ("registered_on", "operation_start", "bilateral_valid_until")
        }
        sched = issuance_schedule(BOOK, useful_life_years=args["useful_life_years"], **day)
        out = sched.to_dict("en")
        out["events"] = [d["event"] for d in out["deadlines"]]
        for d in out["deadlines"]:
            out[d["event"]] = d["due"]
            for key in ("window_start", "reductions_until"):
                if key in d:
                    out[f"{d['event']}_{key}"] = d[key]
        codes = [n["code"] for n in out["notes"]]
        codes += [n["code"] for d in out["deadlines"] for n in d.get("notes", [])]
        return out | {"note_codes": codes}
    if function == "change_approval":
        return _with_note_codes(change_approval(BOOK, args["before"], args["after"]).to_dict())
    if function == "minor_change":
        return _with_note_codes(minor_change(BOOK, **args).to_dict())
    if function == "disposal":
        return _with_note_codes(
            disposal(
                BOOK,
                unit_price_jpy=args["unit_price_jpy"],
                operation_start=dt.date.fromisoformat(args["operation_start"]),
                useful_life_years=args["useful_life_years"],
                day=dt.date.fromisoformat(args["day"]),
            ).to_dict()
        )
    if function == "fixed_amount":
        out = fixed_amount(
            BOOK,
            decided_amount_jpy=args["decided_amount_jpy"],
            rate=Decimal(args["rate"]),
            decided_budget=args["decided_budget"],
            actual=args["actual"],
            excluded=[tuple(e) if isinstance(e, list) else e for e in args.get("excluded", [])],
            advances_jpy=args.get("advances_jpy", 0),
        ).to_dict("en")
        out["lines_en"] = {line["label_en"]: line["value"] for line in out["lines"]}
        return _with_note_codes(out)
    if function == "check_decision":
        cap = args["rate_cap"]
        found = check_decision(
            BOOK,
            naiji_amount_jpy=args["naiji_amount_jpy"],
            amount_jpy=args["amount_jpy"],
            rate=Decimal(args["rate"]),
            rate_cap=None if cap is None else Decimal(cap),
            budget=args["budget"],
        )
        return {f.check: f.status.value for f in found}
    if function == "procurement":
        days = {
            k: dt.date.fromisoformat(args[k]) if k in args else None
            for k in ("decided_on", "ordered_on", "paid_on")
        }
        found = procurement(BOOK, **days, competitive=args.get("competitive"))
        return {f.check: f.status.value for f in found}
    if function == "lease_term":
        day = {
            k: dt.date.fromisoformat(args[k]) if k in args else None
            for k in ("ends_on", "operation_start")
        }
        found = lease_term(
            lives=[
                tuple(x) for x in args.get("lives", [["s1/boiler", args.get("useful_life_years")]])
            ],
            lease_years=args["lease_years"],
            ends_on=day["ends_on"],
            operation_start=day["operation_start"],
            after_lease=args.get("after_lease"),
            transfer_to=args.get("transfer_to", ""),
            partners=["Nandi Foods Ltd", "ナンディ・フーズ"],
        )
        return {
            "status": found.status.value,
            "code": found.code,
            "life_end": found.params.get("life_end_en"),
            "lease_end": found.params.get("lease_end_en"),
            "subjects": found.params.get("subjects"),
            "note": found.notes[0].code if found.notes else None,
        }
    raise AssertionError(f"no runner for function {function!r}")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict) -> None:
    if "error" in case:
        with pytest.raises(getattr(errors, case["error"])):
            _run(case["function"], case["input"])
        return
    got = _run(case["function"], case["input"])
    for key, expected in case["output"].items():
        if key == "notes_include":
            assert set(expected) <= set(got["note_codes"]), got["note_codes"]
        elif key == "notes_exclude":
            assert not set(expected) & set(got["note_codes"]), got["note_codes"]
        elif key == "lines_en":
            for label, value in expected.items():
                assert got["lines_en"].get(label) == value, (label, got["lines_en"])
        else:
            assert key in got, f"{key} missing from {sorted(got)}"
            assert got[key] == expected, f"{key}: expected {expected!r}, got {got[key]!r}"


def test_every_function_has_cases_on_both_sides() -> None:
    functions = {c["function"] for c in CASES}
    assert functions == {
        "rate_cap_for_count",
        "subsidy_cap",
        "admin_cost_cap",
        "cost_effectiveness",
        "deadline",
        "lease_term",
        "change_approval",
        "minor_change",
        "disposal",
        "fixed_amount",
        "check_decision",
        "procurement",
        "issuance_schedule",
    }
    ce = [c for c in CASES if c["function"] == "cost_effectiveness"]
    assert any(c["output"].get("passes") for c in ce)
    assert any(c["output"].get("passes") is False for c in ce)
