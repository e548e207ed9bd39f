"""Monitoring plans for the monitoring stage's tests, built with the ORM directly (the stage's
parts are written in parallel): a completed grant in operation with its monitoring plan (one
site, one meter, one monitoring point, the ex-ante parameters of the COP-ratio family), and the
people of the stage (the office, the representative's applicant, a partner's applicant, a TPE
verifier and another TPE's verifier)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from grantfactories_schedule import adopted_grant, person, set_state

from renkei.accounts.models import Organisation, Role, User

_seq = itertools.count(1)


@dataclass
class Cast:
    office: User
    filer: User  # an applicant of the representative participant
    outsider: User  # an applicant of another organisation
    verifier: User  # the TPE the period is (to be) assigned to
    other_verifier: User  # a verifier of another TPE
    reviewer: User
    tpe: Organisation


def cast(grant) -> Cast:
    n = next(_seq)
    tpe = Organisation.objects.create(
        name=f"検証機関{n}", name_en=f"TPE {n}", country="JP", kind="tpe"
    )
    other = Organisation.objects.create(name=f"他検証機関{n}", country="JP", kind="tpe")
    outsider_org = Organisation.objects.create(name=f"無関係株式会社{n}", country="JP")
    filer = grant.selection.proposal.created_by
    return Cast(
        office=User.objects.filter(role=Role.OFFICE).first() or person(Role.OFFICE),
        filer=filer,
        outsider=person(Role.APPLICANT, outsider_org),
        verifier=person(Role.VERIFIER, tpe),
        other_verifier=person(Role.VERIFIER, other),
        reviewer=person(Role.REVIEWER),
        tpe=tpe,
    )


def operating_grant(
    *, operation: str = "2025-04-01", completed: str = "2025-03-20", life: int = 15, **kw
):
    """A paid grant whose equipment runs from ``operation`` with a useful life of ``life``."""
    grant = adopted_grant(**kw)
    set_state(grant, "paid")
    type(grant).objects.filter(pk=grant.pk).update(
        decided_on=dt.date(2024, 9, 2),
        completed_on=dt.date.fromisoformat(completed),
        operation_started_on=dt.date.fromisoformat(operation),
        useful_life_years=life,
    )
    return type(grant).objects.get(pk=grant.pk)  # the FSM field is protected: no refresh


def plan_for(grant, *, methodology: str = "ID_AM003", version: str = "1.0"):
    """The grant's monitoring plan: site ``A``, meter ``M-1`` calibrated for two years from
    the start of operation, point ``1`` measuring ``EC_PJ`` in MWh, ``COP_PJ``/``COP_RE`` and
    ``EF_elec`` fixed ex ante."""
    from renkei.monitoring.models import FixedValue, Meter, MonitoringPlan, MonitoringPoint, Site

    plan = MonitoringPlan.objects.create(
        grant=grant,
        methodology_id=methodology,
        methodology_version=version,
        created_by=grant.selection.proposal.created_by,
    )
    site = Site.objects.create(plan=plan, code="A", name="Cold storage A")
    start = grant.operation_started_on
    meter = Meter.objects.create(
        plan=plan,
        site=site,
        serial="M-1",
        unit="MWh",
        calibrated_on=start,
        calibration_valid_until=start.replace(year=start.year + 2),
    )
    point = MonitoringPoint.objects.create(
        plan=plan, site=site, code="1", parameter="EC_PJ", meter=meter
    )
    for name, value, unit, source in (
        ("COP_PJ", "3.2", "-", "manufacturer's specification"),
        ("COP_RE", "2.1", "-", "methodology default"),
        ("EF_elec", "0.533", "tCO2/MWh", "JCM Case 2 (reference/emission_factors.csv)"),
    ):
        FixedValue.objects.create(
            plan=plan,
            point=point if name == "COP_PJ" else None,
            parameter=name,
            value=Decimal(value),
            unit=unit,
            source=source,
        )
    return plan
