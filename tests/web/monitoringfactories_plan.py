"""The plan part's test doubles for the MRV core (``renkei.mrv.methodologies`` and
``renkei.mrv.units``, written in parallel by the core helper; MRV_API.md is their contract):
a small catalogue of the COP-ratio family with two versions of ``ID_AM003`` (1.0 in force
until 2025-12-31, 2.0 from 2026-01-01) and a unit converter for energy, emission factors and
dimensionless ratios. The figures are test data, not the methodology's."""

from __future__ import annotations

import datetime as dt
import sys
import types
from dataclasses import replace
from decimal import Decimal

import pytest

from renkei.mrv.types import Methodology, MrvError, Parameter, Quantity

PARAMETERS = (
    Parameter(
        "EC_PJ",
        "monitored",
        "MWh",
        "Electricity consumed by the project refrigerator",
        option="C",
        frequency="continuous",
    ),
    Parameter("COP_PJ", "fixed", "-", "COP of the project refrigerator", source="catalogue"),
    Parameter(
        "COP_RE",
        "fixed",
        "-",
        "COP of the reference refrigerator",
        per="project",
        default=Decimal("2.1"),
        source="methodology default (test data)",
    ),
    Parameter(
        "EF_elec",
        "fixed",
        "tCO2/MWh",
        "Emission factor of the grid",
        per="project",
        source="the office's emission-factor table",
    ),
)
V1 = Methodology(
    id="ID_AM003",
    version="1.0",
    country="ID",
    title="Refrigerators with high COP (test data)",
    status="approved",
    family="cop_ratio",
    provisional=True,
    source="https://example.org/ID_AM003",
    source_status="summary[V]; symbolic[K]",
    valid_from=dt.date(2014, 1, 1),
    valid_until=dt.date(2025, 12, 31),
    eligibility=("Criterion 1: a refrigerator with a COP above the reference",),
    parameters=PARAMETERS,
    formulas={"RE": "EC_PJ * COP_PJ / COP_RE * EF_elec", "PE": "EC_PJ * EF_elec"},
    rounding="ER_p",
    treatments={"gap": "exclude"},
)
V2 = replace(V1, version="2.0", valid_from=dt.date(2026, 1, 1), valid_until=None, provisional=False)
CATALOGUE = [V1, V2]
FACTORS = {
    "Wh": Decimal("0.000001"),
    "kWh": Decimal("0.001"),
    "MWh": Decimal(1),
    "GWh": Decimal(1000),
}
EF = {"tCO2/MWh": Decimal(1), "kgCO2/kWh": Decimal(1)}


def load(methodology_id: str, version: str | None = None, *, on: dt.date | None = None):
    found = [m for m in CATALOGUE if m.id == methodology_id and version in (None, m.version)]
    if not found:
        raise MrvError("unknown methodology", code="unknown_methodology")
    return found[-1]


def convert(q: Quantity, to: str) -> Quantity:
    for table in (FACTORS, EF, {"-": Decimal(1)}):
        if q.unit in table and to in table:
            return Quantity(q.value * table[q.unit] / table[to], to)
    raise MrvError(f"{q.unit} does not convert to {to}", code="unit_mismatch")


@pytest.fixture
def fake_mrv(monkeypatch):
    """The MRV core's catalogue and units replaced by this module's doubles."""
    import renkei.mrv

    methodologies = types.SimpleNamespace(load=load, all_methodologies=lambda: list(CATALOGUE))
    units = types.SimpleNamespace(convert=convert)
    for name, module in (("methodologies", methodologies), ("units", units)):
        monkeypatch.setitem(sys.modules, f"renkei.mrv.{name}", module)
        monkeypatch.setattr(renkei.mrv, name, module, raising=False)
    return CATALOGUE


def in_indonesia(grant):
    """The grant's project hosted in Indonesia (the test catalogue's country)."""
    proposal = grant.selection.proposal
    type(proposal).objects.filter(pk=proposal.pk).update(country="ID")
    proposal.country = "ID"
    return grant
