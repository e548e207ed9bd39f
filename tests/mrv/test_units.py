"""Units of the MRV core: kWh vs MWh converted exactly, a wrong dimension refused naming what
the parameter takes, a number without its unit refused unless the caller names the unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from renkei.mrv import units
from renkei.mrv.types import MrvError, Quantity


def q(value: str, unit: str) -> Quantity:
    return Quantity(Decimal(value), unit)


@pytest.mark.parametrize(
    ("given", "to", "expected"),
    [
        (q("120000", "kWh"), "MWh", Decimal("120")),
        (q("1", "kWh"), "MWh", Decimal("0.001")),
        (q("1", "GWh"), "MWh", Decimal("1000")),
        (q("5000000", "Wh"), "MWh", Decimal("5")),
        (q("1", "MWh"), "GJ", Decimal("3.6")),
        (q("3.6", "GJ"), "MWh", Decimal("1")),
        (q("0.0036", "TJ"), "MWh", Decimal("1")),
        (q("0.5", "kgCO2/kWh"), "tCO2/MWh", Decimal("0.5")),
        (q("0.36", "tCO2/GJ"), "tCO2/MWh", Decimal("1.296")),
        (q("500", "kg"), "t", Decimal("0.5")),
        (q("85", "%"), "-", Decimal("0.85")),
        (q("3.2", "-"), "-", Decimal("3.2")),
    ],
)
def test_convert(given: Quantity, to: str, expected: Decimal) -> None:
    out = units.convert(given, to)
    assert out.value == expected
    assert out.unit == to


@pytest.mark.parametrize(
    ("given", "to", "words"),
    [
        (q("1", "MWh"), "tCO2/MWh", "it takes tCO2/MWh"),
        (q("1", "tCO2"), "MWh", "it takes MWh"),
        (q("1", "t"), "tCO2", "it takes tCO2"),  # coal is not CO2
        (q("1", "-"), "lm/W", "it takes lm/W"),
        (q("1", "MWhh"), "MWh", "not a known unit"),
    ],
)
def test_wrong_dimension_is_refused_naming_the_expected_unit(given, to, words) -> None:
    with pytest.raises(MrvError) as caught:
        units.convert(given, to, name="EC_PJ")
    assert caught.value.code == "unit_mismatch"
    assert "EC_PJ" in str(caught.value)
    assert words in str(caught.value)


def test_unknown_target_unit_is_refused() -> None:
    with pytest.raises(MrvError) as caught:
        units.convert(q("1", "MWh"), "furlong")
    assert caught.value.code == "unit_mismatch"
    assert "known units" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("120 MWh", "120", "MWh"),
        ("120000kWh", "120000", "kWh"),
        ("0.533 tCO2/MWh", "0.533", "tCO2/MWh"),
        ("1,200.5 MWh", "1200.5", "MWh"),
        ("-3 MWh", "-3", "MWh"),
        ("50%", "50", "%"),
    ],
)
def test_parse(text: str, value: str, unit: str) -> None:
    assert units.parse(text) == Quantity(Decimal(value), unit)


def test_a_bare_number_needs_the_callers_unit() -> None:
    with pytest.raises(MrvError) as caught:
        units.parse("0.533", name="EF_elec")
    assert caught.value.code == "unit_mismatch"
    assert "no unit" in str(caught.value)
    assert units.parse("0.533", default_unit="tCO2/MWh") == Quantity(Decimal("0.533"), "tCO2/MWh")


@pytest.mark.parametrize("text", ["", "MWh", "abc MWh", "1.2.3 MWh", "nan MWh"])
def test_parse_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(MrvError) as caught:
        units.parse(text, name="EG")
    assert caught.value.code in {"bad_number", "unit_mismatch"}


def test_no_float_on_the_way() -> None:
    out = units.convert(q("0.1", "kWh"), "MWh")
    assert out.value == Decimal("0.0001")  # a float would give 0.00010000000000000000555…
