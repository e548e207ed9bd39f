"""Units of the MRV core and their conversions (issue 9: "units checked (kWh vs MWh is a
classic error)").

A value is a ``Quantity(value: Decimal, unit: str)``. A unit is a symbol from the table below or
a ratio of two of them (``tCO2/MWh``, ``GJ/t``). Conversions are exact fractions turned into
``Decimal`` once at the end (1 MWh = 3.6 GJ, so GJ -> MWh is the one conversion that is not a
power of ten). A value in a unit of another dimension (MWh given for a tCO2/MWh parameter) or an
unknown unit is refused with ``MrvError(code="unit_mismatch")`` naming what was expected.

The table is small and written out here rather than taken from a units library: the MRV core
needs two dozen units, in ``Decimal``, with messages in the methodology's words; ``pint`` (the
well-kept choice) computes in float unless configured otherwise and costs its registry's load
time on every CLI start.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from renkei.mrv.types import MrvError, Quantity

__all__ = ["DIMENSIONLESS", "convert", "dimension", "parse", "same_dimension", "to_decimal"]

DIMENSIONLESS = "-"

# symbol -> (factor to the dimension's base unit, dimension)
_BASE: dict[str, tuple[Fraction, str]] = {
    # energy (base MWh): electricity in Wh multiples, heat in J multiples; 1 MWh = 3.6 GJ
    "Wh": (Fraction(1, 10**6), "energy"),
    "kWh": (Fraction(1, 10**3), "energy"),
    "MWh": (Fraction(1), "energy"),
    "GWh": (Fraction(10**3), "energy"),
    "MJ": (Fraction(1, 3600), "energy"),
    "GJ": (Fraction(10, 36), "energy"),
    "TJ": (Fraction(10000, 36), "energy"),
    # mass of a fuel or material (base t)
    "kg": (Fraction(1, 10**3), "mass"),
    "t": (Fraction(1), "mass"),
    # mass of CO2 (base tCO2): kept apart from fuel mass so tCO2 is never taken for t of coal
    "gCO2": (Fraction(1, 10**6), "co2"),
    "kgCO2": (Fraction(1, 10**3), "co2"),
    "tCO2": (Fraction(1), "co2"),
    # luminous efficacy of lighting (base lm/W)
    "lm/W": (Fraction(1), "efficacy"),
    # ratios without dimension (COP, efficiency)
    "-": (Fraction(1), ""),
    "%": (Fraction(1, 100), ""),
}

_ALIASES = {"": "-", "1": "-", "tco2": "tCO2", "kwh": "kWh", "mwh": "MWh", "gwh": "GWh"}

_DIMENSION_NAMES = {
    "energy": "energy (Wh, kWh, MWh, GWh, MJ, GJ, TJ)",
    "mass": "mass (kg, t)",
    "co2": "CO2 mass (kgCO2, tCO2)",
    "efficacy": "luminous efficacy (lm/W)",
    "": "a pure number (- or %)",
}


@lru_cache(maxsize=1024)
def _lookup(unit: str) -> tuple[Fraction, str] | None:
    unit = _ALIASES.get(unit.strip(), unit.strip())
    if unit in _BASE:
        return _BASE[unit]
    if unit.count("/") == 1:
        num, den = (part.strip() for part in unit.split("/"))
        top, bottom = _BASE.get(num), _BASE.get(den)
        if top and bottom and top[1] and bottom[1]:
            return top[0] / bottom[0], f"{top[1]}/{bottom[1]}"
    return None


@lru_cache(maxsize=1024)
def _canonical(unit: str) -> str | None:
    """How ``unit`` is spelled once known (``kwh`` → ``kWh``); None for an unknown unit."""
    return _ALIASES.get(unit.strip(), unit.strip()) if _lookup(unit) is not None else None


def dimension(unit: str) -> str:
    """The dimension of ``unit`` ("energy", "co2/energy", "" for a pure number); an unknown
    unit is refused."""
    found = _lookup(unit)
    if found is None:
        raise MrvError(
            f"unknown unit {unit!r}; known units are {', '.join(sorted(_BASE))} and their ratios "
            "(e.g. tCO2/MWh, kgCO2/kWh, GJ/t)",
            code="unit_mismatch",
            unit=unit,
        )
    return found[1]


def same_dimension(a: str, b: str) -> bool:
    return dimension(a) == dimension(b)


def _describe(dim: str) -> str:
    if dim in _DIMENSION_NAMES:
        return _DIMENSION_NAMES[dim]
    num, _, den = dim.partition("/")
    return f"{num} per {den}"


def convert(q: Quantity, to: str, *, name: str = "") -> Quantity:
    """``q`` expressed in ``to``; a unit of another dimension is refused naming the unit the
    parameter (``name``, when given) takes."""
    if q.unit == to and _canonical(to) == to:  # already in the (known) unit asked for
        return q
    what = f"{name} " if name else ""
    source, target = _lookup(q.unit), _lookup(to)
    if target is None:
        dimension(to)  # raises: unknown unit
    if source is None:
        raise MrvError(
            f"{what}is given in {q.unit!r}, which is not a known unit; give it in {to}",
            code="unit_mismatch",
            parameter=name,
            unit=q.unit,
            expected=to,
        )
    assert target is not None
    if source[1] != target[1]:
        raise MrvError(
            f"{what}is given in {q.unit} ({_describe(source[1])}); it takes {to} "
            f"({_describe(target[1])}): give it in {to}",
            code="unit_mismatch",
            parameter=name,
            unit=q.unit,
            expected=to,
        )
    canonical = _ALIASES.get(to.strip(), to.strip())
    if source[0] == target[0]:
        return Quantity(q.value, canonical)
    ratio = source[0] / target[0]
    value = q.value * ratio.numerator / ratio.denominator
    return Quantity(value, canonical)


_NUMBER = re.compile(r"^\s*([+-]?(?:\d[\d_,]*)?(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(.*?)\s*$")


def to_decimal(text: str, *, name: str = "") -> Decimal:
    """A decimal number written as text (no float on the way)."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not cleaned:
        what = f" for {name}" if name else ""
        raise MrvError(
            f"{text!r}{what} is not a number; write a decimal number such as 120.5",
            code="bad_number",
            parameter=name,
        )
    return value


def parse(text: str, *, default_unit: str | None = None, name: str = "") -> Quantity:
    """``"120 MWh"``, ``"120000kWh"``, ``"0.533 tCO2/MWh"``; a bare number takes
    ``default_unit`` only when the caller gives one (the parameter's own unit), otherwise it is
    refused: a number without its unit is how kWh become MWh."""
    match = _NUMBER.match(text)
    if not match or not match.group(1):
        what = f" for {name}" if name else ""
        raise MrvError(
            f"{text!r}{what} is not a value with a unit; write e.g. '120 MWh'",
            code="bad_number",
            parameter=name,
        )
    number, unit = match.groups()
    value = to_decimal(number, name=name)
    if not unit:
        if default_unit is None:
            what = f"{name} " if name else ""
            raise MrvError(
                f"{what}{text.strip()} has no unit; write it with its unit, e.g. "
                f"'{text.strip()} MWh' or '{text.strip()} tCO2/MWh'",
                code="unit_mismatch",
                parameter=name,
                missing_unit=True,
            )
        unit = default_unit
    dimension(unit)
    return Quantity(value, _ALIASES.get(unit, unit))
