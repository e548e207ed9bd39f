"""The values the MRV core's modules exchange. Numbers are ``Decimal`` (never float); emission
reductions after the JCM rounding are ``int`` tCO2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "Adjustment",
    "Finding",
    "Methodology",
    "MrvError",
    "Parameter",
    "Quantity",
    "Reading",
    "Result",
    "Step",
]


class MrvError(ValueError):
    """Bad input to the MRV core: the message says what was wrong and what would be right.
    ``code`` is a stable machine-readable id (e.g. ``unit_mismatch``, ``factor_out_of_validity``,
    ``methodology_not_in_force``, ``unknown_parameter``)."""

    def __init__(self, message: str, *, code: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    unit: str  # as ``renkei.mrv.units`` spells it, e.g. "MWh", "kWh", "tCO2/MWh", "-"


@dataclass(frozen=True)
class Parameter:
    """A parameter as the methodology writes it, without its indices (``EC_PJ`` for
    ``EC_PJ,i,p``)."""

    name: str
    kind: Literal["fixed", "monitored"]
    unit: str
    description: str
    per: Literal["point", "project"] = "point"
    default: Decimal | None = None  # fixed ex ante: the default value, if the methodology sets one
    source: str = ""  # where the default or the value comes from
    option: Literal["A", "B", "C"] | None = None  # monitoring option of a monitored parameter
    frequency: str = ""  # e.g. "continuous", "monthly"
    minimum: Decimal | None = None  # plausibility bounds, if the methodology states them
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Methodology:
    id: str  # e.g. "ID_AM003"
    version: str  # e.g. "1.0"
    country: str  # ISO 3166-1 alpha-2
    title: str
    status: Literal["approved", "proposed"]
    family: str  # the formula family, e.g. "pv", "pv_battery", "cop_ratio", "efficacy_ratio"
    provisional: bool  # a formula whose source is background knowledge only (tag K)
    source: str  # URL of the methodology
    source_status: str  # the reference list's tags, e.g. "summary[V]; symbolic[K]"
    valid_from: dt.date | None
    valid_until: dt.date | None
    eligibility: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    formulas: dict[str, str]  # "RE", "PE", "ER": as written, for people to read
    rounding: str  # where the JCM rounding (down to whole tCO2) is applied, e.g. "ER_p"
    treatments: dict[str, str]  # finding kind -> "exclude" | "default" | "discount:<pct>"
    path: str = ""  # the file it was loaded from


@dataclass(frozen=True)
class Reading:
    """One value of a monitored parameter at one monitoring point for [start, end)."""

    site: str
    point: str
    parameter: str
    start: dt.datetime
    end: dt.datetime
    value: Decimal
    unit: str
    meter: str = ""
    source: str = ""  # e.g. "data.xlsx!Readings!D7" or "meter.csv:42", for findings


@dataclass(frozen=True)
class Step:
    """One line of the calculation a verifier follows: ``key = formula = result``."""

    key: str  # e.g. "RE[site=A,point=1]"
    formula: str  # the formula with its values substituted
    result: Decimal
    unit: str
    site: str = ""
    point: str = ""
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A data-quality finding: what, where, and how it was treated."""

    # gap, duplicate, negative, implausible, calibration_expired, overlap, missing_period,
    # outside_period, unit
    kind: str
    message: str
    site: str = ""
    point: str = ""
    parameter: str = ""
    source: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Adjustment:
    """The conservative treatment applied to a finding, and its effect on the result."""

    finding: Finding
    treatment: str  # exclude | default | discount:<pct>
    effect_tco2: Decimal  # the change in emission reductions it caused (<= 0 when conservative)
    note: str = ""


@dataclass
class Result:
    methodology: str  # "ID_AM003 1.0"
    provisional: bool
    reference_emissions_tco2: Decimal
    project_emissions_tco2: Decimal
    emission_reductions_tco2: int  # after the JCM rounding, never negative
    per_site: dict[str, Decimal] = field(default_factory=dict)  # ER per site, before rounding
    per_point: dict[str, Decimal] = field(default_factory=dict)  # "site/point" -> ER
    steps: list[Step] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. why it is provisional
