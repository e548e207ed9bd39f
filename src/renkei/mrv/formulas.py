"""The reference- and project-emission formulas of each methodology family, per monitoring point
(issue 9; ``shared/reference/methodologies.csv``, columns ``formula_re`` / ``formula_pe``).

A family's formulas are written once here in the symbols the reference list uses; a methodology
file names its parameters (``role`` maps a differently named parameter, e.g. ID_AM002's
temperature-corrected ``COP_PJ_tc``, onto the family's symbol). Every parameter is in the unit
the family's formula is written for, so the products come out in tCO2:

======================  =========================================  ===========================
family                  RE (per point, tCO2)                       PE (per point, tCO2)
======================  =========================================  ===========================
pv                      EG * EF_RE                                 0
pv_battery              EG_displaced * EF_RE                       0
cop_ratio               EC_PJ * (COP_PJ / COP_RE) * EF_elec        EC_PJ * EF_elec
efficacy_ratio          EC_PJ * (eta_PJ / eta_RE) * EF_elec        EC_PJ * EF_elec
efficiency_ratio        Q / eta_RE * EF_coal                       FC_PJ * NCV * EF_coal
======================  =========================================  ===========================

Evaluation is exact: a ratio such as 3.2 / 2.1 has no finite decimal, and an evaluation
rounded to 28 digits could put a total that is exactly 47 tCO2 at 46.999… and floor it to 46.
``renkei.mrv.compute`` evaluates with the ``Decimal`` inputs in ``EXACT`` (a context in which an
inexact operation raises instead of rounding: every result is then exact) and, for a point where
some operation has no exact decimal result (3.2 / 2.1), again with ``fractions.Fraction``. The
two give the same values wherever both are defined; the decimal one is several times faster
(C arithmetic, no ``gcd`` per operation). Nothing is rounded here: the JCM rounding is applied
once, to the exact project total, in ``renkei.mrv.compute``, and values are shown as decimals
(``to_decimal``) only for people to read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact
from fractions import Fraction
from functools import lru_cache

from renkei.mrv.types import MrvError

__all__ = [
    "EXACT",
    "FAMILIES",
    "SHOWN_PLACES",
    "Family",
    "Line",
    "Number",
    "check_parameters",
    "family",
    "to_decimal",
]

SHOWN_PLACES = 20  # a value without a finite decimal is shown to 20 decimal places


_EXACT = Context(prec=400)  # wide enough for any decimal the inputs can make exactly
_NEAR = Context(prec=80)  # for a value shown to SHOWN_PLACES places (below 10**50 tCO2)
_SHOWN = Decimal(1).scaleb(-SHOWN_PLACES)
EXACT = Context(prec=400, traps=[Inexact])
"""Decimal arithmetic that is exact or raises ``decimal.Inexact`` (never rounds): the results
computed in it are the exact values (see the module's docstring)."""

Number = Fraction | Decimal
"""An exact value: a ``Decimal`` computed in ``EXACT``, or a ``Fraction`` (no finite decimal)."""


def to_decimal(value: Number | int) -> Decimal:
    """``value`` as a decimal: exact when it has a finite decimal expansion, else rounded
    (half-even) to ``SHOWN_PLACES`` places, for display only. A ``Decimal`` and a ``Fraction``
    of the same value give the same decimal (its shortest form; whole numbers without a
    fractional part)."""
    if isinstance(value, Decimal):
        return _shown_decimal(value)
    if isinstance(value, int):
        return _to_decimal(value, 1)
    # cached on the two integers: hashing a Fraction costs a modular inverse (pow), which was
    # most of the time of a cache hit
    return _to_decimal(value.numerator, value.denominator)


@lru_cache(maxsize=65536)
def _shown_decimal(value: Decimal) -> Decimal:
    # (equal decimals share a cache entry: 6.0 and 6 give the same result, so that is right;
    # zero is spelled 0 whatever its sign or exponent, as Fraction(0) gives)
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if not value:
        return Decimal(0)
    if value == value.to_integral_value():
        return value.quantize(1, context=_EXACT)
    return value.normalize(_EXACT)


@lru_cache(maxsize=65536)
def _to_decimal(numerator: int, denominator: int) -> Decimal:
    den = denominator
    den >>= (den & -den).bit_length() - 1  # the factors 2
    while den % 5 == 0:
        den //= 5
    if den == 1:  # a finite decimal: the division is exact
        exact = _EXACT.divide(Decimal(numerator), Decimal(denominator))
        if exact == exact.to_integral_value():
            return exact.quantize(1, context=_EXACT)
        return exact.normalize(_EXACT)
    shown = _NEAR.divide(Decimal(numerator), Decimal(denominator))
    return shown.quantize(_SHOWN, context=_EXACT)


@dataclass(frozen=True)
class Line:
    """One evaluated formula: its symbols, the same with values substituted, the result."""

    symbols: str
    substituted: str
    value: Number


Values = Mapping[str, Number]  # every value a Decimal (evaluated in EXACT) or every one a Fraction
Names = Mapping[str, str]  # family symbol -> the methodology's parameter name


def _v(x: Number) -> str:
    return format(to_decimal(x), "f")


def _product(values: Values, names: Names, *symbols: str) -> Line:
    value = values[symbols[0]]
    for s in symbols[1:]:
        value *= values[s]
    return Line(
        " × ".join(names[s] for s in symbols),
        " × ".join(_v(values[s]) for s in symbols),
        value,
    )


def _ratio_product(values: Values, names: Names, amount: str, top: str, bottom: str, ef: str):
    return Line(
        f"{names[amount]} × ({names[top]} / {names[bottom]}) × {names[ef]}",
        f"{_v(values[amount])} × ({_v(values[top])} / {_v(values[bottom])}) × {_v(values[ef])}",
        values[amount] * (values[top] / values[bottom]) * values[ef],
    )


def _quotient_product(values: Values, names: Names, amount: str, eff: str, ef: str) -> Line:
    return Line(
        f"{names[amount]} / {names[eff]} × {names[ef]}",
        f"{_v(values[amount])} / {_v(values[eff])} × {_v(values[ef])}",
        values[amount] / values[eff] * values[ef],
    )


def _zero(values: Values, names: Names) -> Line:
    # a zero of the values' own kind (a Decimal and a Fraction do not add up)
    kind = Decimal if any(isinstance(v, Decimal) for v in values.values()) else Fraction
    return Line("0", "0", kind(0))


@dataclass(frozen=True)
class Family:
    name: str
    units: dict[str, str]  # symbol -> the unit the formula is written for
    divisors: tuple[str, ...]  # symbols that must be > 0
    re: Callable[[Values, Names], Line]
    pe: Callable[[Values, Names], Line]


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "pv",
            {"EG": "MWh", "EF_RE": "tCO2/MWh"},
            (),
            lambda v, n: _product(v, n, "EG", "EF_RE"),
            _zero,
        ),
        Family(
            "pv_battery",
            {"EG_displaced": "MWh", "EF_RE": "tCO2/MWh"},
            (),
            lambda v, n: _product(v, n, "EG_displaced", "EF_RE"),
            _zero,
        ),
        Family(
            "cop_ratio",
            {"EC_PJ": "MWh", "COP_PJ": "-", "COP_RE": "-", "EF_elec": "tCO2/MWh"},
            ("COP_RE",),
            lambda v, n: _ratio_product(v, n, "EC_PJ", "COP_PJ", "COP_RE", "EF_elec"),
            lambda v, n: _product(v, n, "EC_PJ", "EF_elec"),
        ),
        Family(
            "efficacy_ratio",
            {"EC_PJ": "MWh", "eta_PJ": "lm/W", "eta_RE": "lm/W", "EF_elec": "tCO2/MWh"},
            ("eta_RE",),
            lambda v, n: _ratio_product(v, n, "EC_PJ", "eta_PJ", "eta_RE", "EF_elec"),
            lambda v, n: _product(v, n, "EC_PJ", "EF_elec"),
        ),
        Family(
            "efficiency_ratio",
            {"Q": "GJ", "eta_RE": "-", "EF_coal": "tCO2/GJ", "FC_PJ": "t", "NCV": "GJ/t"},
            ("eta_RE",),
            lambda v, n: _quotient_product(v, n, "Q", "eta_RE", "EF_coal"),
            lambda v, n: _product(v, n, "FC_PJ", "NCV", "EF_coal"),
        ),
    )
}


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise MrvError(
            f"unknown formula family {name!r}; the families are {', '.join(FAMILIES)}",
            code="unknown_family",
        ) from None


def check_parameters(name: str, declared: Mapping[str, str], where: str) -> None:
    """A methodology file declares exactly its family's symbols, each in the unit the formula is
    written for (so that MWh × tCO2/MWh is tCO2 without a hidden factor)."""
    fam = family(name)
    problems = []
    for symbol, unit in fam.units.items():
        if symbol not in declared:
            problems.append(f"{symbol} ({unit}) is missing")
        elif declared[symbol] != unit:
            problems.append(f"{symbol} is declared in {declared[symbol]}; the formula takes {unit}")
    extra = sorted(set(declared) - set(fam.units))
    if extra:
        problems.append(f"{', '.join(extra)} are not in the {name} formulas")
    if problems:
        raise MrvError(
            f"methodology file {where} does not fit the {name} family: {'; '.join(problems)}",
            code="methodology_file",
        )
