"""Fixtures of the monitoring stage's period part: the period's data as the intake part's
``period_data`` returns it (built here directly, the intake part being written in parallel),
and periods put into a state without the verification part's services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from renkei import clock

D = dt.date.fromisoformat


@dataclass
class Data:
    points: list[Any]
    findings: list[Any] = field(default_factory=list)
    adjustments: list[Any] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def period_data(ec_mwh: str = "100", unit: str = "MWh"):
    """A ``period_data`` seam: point A/1 consumed ``ec_mwh`` over the period, COP_PJ fixed for
    the point (COP_RE and EF_elec are the plan's project-level values)."""
    from renkei.mrv.compute import PointValues
    from renkei.mrv.types import Quantity

    def seam(plan, start, end) -> Data:
        return Data(
            points=[
                PointValues(
                    site="A",
                    point="1",
                    values={"EC_PJ": Quantity(Decimal(ec_mwh), unit)},
                    fixed={"COP_PJ": Quantity(Decimal("3.2"), "-")},
                )
            ],
            sources=["readings.xlsx (sheet upload 1)"],
        )

    return seam


def put(period, state: str, **values: Any):
    """The period in ``state`` (the FSM field is protected: an update bypasses it), computed."""
    type(period).objects.filter(pk=period.pk).update(
        state=state,
        computed_at=period.computed_at or clock.now(),
        emission_reductions_tco2=period.emission_reductions_tco2 or 0,
        **values,
    )
    return type(period).objects.get(pk=period.pk)


def assign(period, tpe, office):
    from renkei.monitoring.models import VerificationAssignment

    return VerificationAssignment.objects.create(period=period, tpe=tpe, assigned_by=office)
