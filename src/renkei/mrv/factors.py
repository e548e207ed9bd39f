"""Electricity CO2 emission factors as a table the office loads, with source, validity period
and case (issue 9; the call's 別添4 is an image missing from the seed, post-adoption-spec §5
A-28: the product never invents a factor).

``FactorTable.from_csv`` reads the office's table (columns ``country, system, case,
ef_tco2_per_mwh, valid_from, valid_until, source, status``), reporting every bad cell by row and
column at once. ``lookup`` answers one factor for a date; a date outside every validity of that
factor is an error naming the validity, never the nearest value.

The reference rows (``shared/reference/emission_factors.csv``, bundled as
``emission_factors_reference.csv``) have no validity period: ``reference_rows`` offers them to the
office, which loads them with a validity it sets; they are never used silently.

Indonesia's JCM rule (reference README and emission_factors.csv): Case 1 is the grid factor;
Case 2 (grid + isolated/captive) is ``min(grid, 0.533)``, 0.533 tCO2/MWh being the JCM default
for captive diesel generation (3.6 x 72.6 / 0.49 / 1000 = 0.5334 [D]).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

from renkei.mrv.types import MrvError

__all__ = [
    "CAPTIVE_DIESEL_DEFAULT",
    "COLUMNS",
    "Factor",
    "FactorTable",
    "ReferenceRow",
    "indonesia_case",
    "reference_rows",
]

COLUMNS = (
    "country",
    "system",
    "case",
    "ef_tco2_per_mwh",
    "valid_from",
    "valid_until",
    "source",
    "status",
)
STATUSES = ("V", "D", "K", "X")
CAPTIVE_DIESEL_DEFAULT = Decimal("0.533")  # tCO2/MWh, reference emission_factors.csv [D]/[V]


def indonesia_case(grid: Decimal, captive: Decimal = CAPTIVE_DIESEL_DEFAULT) -> Decimal:
    """JCM Case 2 for an Indonesian grid: the lower of the grid factor and captive diesel's."""
    return min(grid, captive)


@dataclass(frozen=True)
class Factor:
    country: str
    system: str
    case: str
    value: Decimal
    valid_from: dt.date
    valid_until: dt.date
    source: str
    status: str
    unit: str = "tCO2/MWh"
    row: int = 0  # the row of the table it was read from

    def describe(self) -> str:
        return (
            f"{self.value} {self.unit} ({self.country}, {self.system}, {self.case}; valid "
            f"{self.valid_from.isoformat()} to {self.valid_until.isoformat()}; {self.source} "
            f"[{self.status}])"
        )


def _key(country: str, system: str, case: str) -> tuple[str, str, str]:
    return (country.strip().casefold(), system.strip().casefold(), case.strip().casefold())


class FactorTable:
    """The office's emission-factor table."""

    def __init__(self, factors: list[Factor]) -> None:
        self.factors = list(factors)

    @classmethod
    def from_csv(cls, text: str) -> FactorTable:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise MrvError(
                f"the factor table lacks the column(s) {', '.join(missing)}; its header must be: "
                f"{','.join(COLUMNS)}",
                code="factor_table",
                errors=[f"header: missing {c}" for c in missing],
            )
        errors: list[str] = []
        factors: list[Factor] = []
        for number, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
            if not any(row.values()):
                continue
            bad = len(errors)

            def fail(column: str, message: str, number: int = number) -> None:
                errors.append(f"row {number}, column {column}: {message}")

            for column in ("country", "system", "case", "source"):
                if not row.get(column):
                    fail(column, "is empty; write it")
            value = None
            with contextlib.suppress(InvalidOperation):
                value = Decimal(row.get("ef_tco2_per_mwh", ""))
            if value is None or not value.is_finite() or value <= 0:
                shown = row.get("ef_tco2_per_mwh", "")
                fail(
                    "ef_tco2_per_mwh", f"{shown!r} is not a positive number of tCO2/MWh, e.g. 0.533"
                )
            dates = {}
            for column in ("valid_from", "valid_until"):
                try:
                    dates[column] = dt.date.fromisoformat(row.get(column, ""))
                except ValueError:
                    fail(column, f"{row.get(column, '')!r} is not a date; write YYYY-MM-DD")
            if len(dates) == 2 and dates["valid_until"] < dates["valid_from"]:
                fail("valid_until", "is before valid_from; the validity must run forwards")
            if row.get("status") not in STATUSES:
                fail(
                    "status",
                    f"{row.get('status', '')!r} is not a status tag; write V (seen in the "
                    "source), D (derived), K (background knowledge) or X",
                )
            if len(errors) == bad:
                assert value is not None
                factors.append(
                    Factor(
                        country=row["country"],
                        system=row["system"],
                        case=row["case"],
                        value=value,
                        valid_from=dates["valid_from"],
                        valid_until=dates["valid_until"],
                        source=row["source"],
                        status=row["status"],
                        row=number,
                    )
                )
        by_key: dict[tuple[str, str, str], list[Factor]] = {}
        for f in factors:
            for other in by_key.get(_key(f.country, f.system, f.case), []):
                if f.valid_from <= other.valid_until and other.valid_from <= f.valid_until:
                    errors.append(
                        f"row {f.row}, column valid_from: its validity overlaps row {other.row} "
                        f"for the same country, system and case; one factor applies on any day"
                    )
            by_key.setdefault(_key(f.country, f.system, f.case), []).append(f)
        if errors:
            raise MrvError(
                f"the factor table has {len(errors)} error(s):\n"
                + "\n".join(f"  - {e}" for e in errors),
                code="factor_table",
                errors=errors,
            )
        return cls(factors)

    def lookup(self, country: str, system: str, case: str, on: dt.date) -> Factor:
        """The factor for (country, system, case) in force on ``on``."""
        same = [
            f
            for f in self.factors
            if _key(f.country, f.system, f.case) == _key(country, system, case)
        ]
        if not same:
            known = sorted(
                {
                    f"{f.system} / {f.case}"
                    for f in self.factors
                    if f.country.casefold() == country.strip().casefold()
                }
            )
            listed = "; ".join(known) if known else "none for that country"
            raise MrvError(
                f"no emission factor for {country}, {system}, {case} in the office's table; "
                f"its factors for {country} are: {listed}",
                code="factor_not_found",
            )
        for f in same:
            if f.valid_from <= on <= f.valid_until:
                return f
        validity = "; ".join(
            f"{f.valid_from.isoformat()} to {f.valid_until.isoformat()}"
            for f in sorted(same, key=lambda f: f.valid_from)
        )
        raise MrvError(
            f"the emission factor for {country}, {system}, {case} is not valid on "
            f"{on.isoformat()}: it is valid {validity}; the office loads a factor valid on that "
            "date",
            code="factor_out_of_validity",
            validity=validity,
        )


@dataclass(frozen=True)
class ReferenceRow:
    """A row of the reference list, without validity: for the office to load, not to use."""

    country: str
    system: str
    case: str
    value: Decimal
    basis: str
    year: str
    status: str
    source: str
    note: str


def reference_rows() -> list[ReferenceRow]:
    text = (resources.files("renkei.mrv") / "emission_factors_reference.csv").read_text(
        encoding="utf-8"
    )
    return [
        ReferenceRow(
            country=r["country"],
            system=r["grid_or_system"],
            case=r["case_or_type"],
            value=Decimal(r["ef_tco2_per_mwh"]),
            basis=r["basis"],
            year=r["year"],
            status=r["status"],
            source=r["source"],
            note=r["note"],
        )
        for r in csv.DictReader(io.StringIO(text))
    ]
