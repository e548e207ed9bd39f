"""Monitoring periods for the verification part's tests, built with the ORM (the period part
creates, computes and submits them in parallel): a submitted period of the plan with its
computed reductions, optionally already assigned to a TPE, in any state."""

from __future__ import annotations

import datetime as dt

from monitoringfactories import cast, operating_grant, plan_for

from renkei.monitoring.models import MonitoringPeriod, VerificationAssignment

NOW = "2026-06-15T10:00:00+09:00"  # JST; the first year of operation has ended


def submitted_period(
    plan,
    *,
    start: str = "2025-04-01",
    end: str = "2026-03-31",
    tco2: int | None = 120,
    state: str = "submitted",
    version: int = 1,
    correction_of=None,
) -> MonitoringPeriod:
    """A period of ``plan`` in ``state`` (the FSM field is protected: created so directly)."""
    return MonitoringPeriod.objects.create(
        plan=plan,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        version=version,
        correction_of=correction_of,
        correction_reason="meter M-1 read twice in March" if correction_of else "",
        state=state,
        result={"emission_reductions_tco2": tco2},
        emission_reductions_tco2=tco2,
        submitted_at=dt.datetime.fromisoformat(NOW),
        created_by=plan.grant.selection.proposal.created_by,
    )


def assigned(period, who) -> VerificationAssignment:
    return VerificationAssignment.objects.create(period=period, tpe=who.tpe, assigned_by=who.office)


def set_state(period, state: str) -> MonitoringPeriod:
    MonitoringPeriod.objects.filter(pk=period.pk).update(state=state)
    return MonitoringPeriod.objects.get(pk=period.pk)


def project():
    """(plan, cast, submitted period) of an operating grant."""
    grant = operating_grant()
    plan = plan_for(grant)
    return plan, cast(grant), submitted_period(plan)
