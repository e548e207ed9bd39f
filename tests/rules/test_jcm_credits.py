"""The allocation of an issuance among the parties of the allocation agreement
(renkei.rules.jcm.credits.allocate; issue 10): the YAML cases on each side of every rounding
edge, properties over any agreement, and `renkei credits allocate`."""

from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from renkei.cli import main
from renkei.errors import BadInput
from renkei.rules._yaml import load_yaml_text
from renkei.rules.jcm.credits import allocate

CASES = load_yaml_text(
    (Path(__file__).parent / "cases" / "jcm_credits_allocation.yaml").read_text(encoding="utf-8")
)


def _shares(raw: dict) -> dict[str, Decimal]:
    return {str(k): Decimal(str(v)) for k, v in raw.items()}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    kwargs = {"government": case["government"]} if "government" in case else {}
    if "error" in case:
        with pytest.raises(BadInput, match=case["error"].replace("(", r"\(").replace(")", r"\)")):
            allocate(case["issued"], _shares(case["shares"]), **kwargs)
        return
    result = allocate(case["issued"], _shares(case["shares"]), **kwargs)
    assert result.allocations == case["allocations"]
    assert list(result.remainder_to) == case["remainder_to"]
    assert list(result.allocations) == list(case["shares"])  # the agreement's order


@st.composite
def agreements(draw):
    """1–6 other parties and the Government, shares in hundredths of a percent adding to 100."""
    n = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n)))
    bounds = [0, *cuts, 10_000]
    parts = [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]
    names = ["goj", *(f"pp{i}" for i in range(1, n + 1))]
    order = draw(st.permutations(names))
    return dict(zip(order, parts, strict=True))


@given(st.integers(min_value=0, max_value=10**9), agreements())
def test_parts_add_up_and_round_as_stated(issued, shares):
    result = allocate(issued, shares)
    assert sum(result.allocations.values()) == issued
    for party, credits in result.allocations.items():
        exact = Fraction(issued) * Fraction(shares[party]) / 100
        assert isinstance(credits, int) and credits >= 0
        if party == "goj":
            assert credits == math.ceil(exact)  # at least its share, never more than a credit over
        else:
            assert math.floor(exact) <= credits <= math.ceil(exact)
            assert credits == math.floor(exact) + (party in result.remainder_to)


@given(st.integers(min_value=0, max_value=10**6), agreements())
def test_the_remaining_credits_go_to_the_largest_remainders(issued, shares):
    result = allocate(issued, shares)
    exact = {k: Fraction(issued) * Fraction(v) / 100 for k, v in shares.items()}
    rest = {k: e - math.floor(e) for k, e in exact.items() if k != "goj"}
    for winner in result.remainder_to:
        for other, remainder in rest.items():
            if other not in result.remainder_to:
                assert rest[winner] >= remainder


def run(*args: str) -> tuple[int, str, str]:
    out = CliRunner().invoke(main, ["credits", "allocate", *args])
    return out.exit_code, out.stdout, out.stderr


def test_cli_json_as_the_issue_gives_it():
    code, out, _ = run("--issued", "1001", "--shares", "goj=50,pp1=30,pp2=20", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["allocations"] == {"goj": 501, "pp1": 300, "pp2": 200}
    assert data["exact"] == {"goj": "500.5", "pp1": "300.3", "pp2": "200.2"}


def test_cli_text_names_each_party_and_the_remainder():
    code, out, _ = run("--issued", "10", "--shares", "goj=9.5,pp1=45,pp2=45.5")
    assert code == 0
    assert "pp2" in out and "+1 remainder" in out
    assert out.count("\n") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--issued", "7.5", "--shares", "goj=100"), "whole credits"),
        (("--issued", "ten", "--shares", "goj=100"), "must be a number"),
        (("--issued", "10", "--shares", "goj=50,pp1=40"), "add up to 90 %, not 100 %"),
        (("--issued", "10", "--shares", "goj=50,pp1"), "is not party=percent"),
        (("--issued", "10", "--shares", "goj=50,pp1=half"), "not a number"),
        (("--issued", "10", "--shares", "goj=50,goj=50"), "given twice"),
        (("--issued", "10", "--shares", "pp1=100"), "no share for the Government"),
    ],
)
def test_cli_bad_input_exit_2_with_what_would_be_right(args, message):
    code, out, err = run(*args)
    assert code == 2
    assert message in err
    assert out == ""
