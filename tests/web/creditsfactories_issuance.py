"""Records for the issuance part's tests, built with the ORM (the cycle part, which registers
projects and records allocation agreements, is written in parallel): an operating grant with its
monitoring plan and verified periods (``monitoringfactories*``), its JCM project registered with
the Joint Committee and a credit allocation agreement in force, and the people of the part (the
filer, a partner participant's applicant, an outsider, the office, the Joint Committee contacts
of the project's country and of another, a registry administrator, a TPE verifier)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grantfactories_schedule import person
from monitoringfactories_annual import cast, operating_grant, partner_of, period, plan_for

from renkei.accounts.models import Role, User

D = dt.date.fromisoformat
NOW = "2026-09-15T10:00:00+09:00"  # JST; two periods verified, registered on 2026-03-01
_seq = itertools.count(1)


@dataclass
class IssuanceCast:
    filer: User
    partner: User
    outsider: User
    office: User
    jc: User  # the Joint Committee contact of the project's country (KE)
    other_jc: User  # of another country
    registry: User
    verifier: User
    reviewer: User
    secretariat: User


def registered_project(plan, *, on: str = "2026-03-01", state: str = "registered", agreement=True):
    """The plan's JCM project, registered on ``on`` with a reference, and (``agreement``) a
    credit allocation agreement in force (GoJ 50 %, the representative 50 %)."""
    from renkei.credits.models import AllocationAgreement, AllocationShare, JcmProject

    n = next(_seq)
    filer = plan.grant.selection.proposal.created_by
    registered = state == "registered"
    project = JcmProject.objects.create(
        plan=plan,
        state=state,
        registration_requested_on=D(on) - dt.timedelta(days=60),
        registered_on=D(on) if registered else None,
        reference=f"KE{n:03d}" if registered else "",
        created_by=filer,
    )
    if agreement:
        a = AllocationAgreement.objects.create(
            project=project, agreed_on=D("2024-05-01"), created_by=filer
        )
        AllocationShare.objects.create(
            agreement=a, key="goj", is_government=True, percent=Decimal("50")
        )
        AllocationShare.objects.create(
            agreement=a,
            key="rep",
            organisation=plan.grant.selection.proposal.organisation,
            percent=Decimal("50"),
        )
    return project


def verified(plan, start: str, end: str, tonnes: int, **kw: Any):
    """A verified monitoring period of the plan with its verification."""
    return period(plan, start, end, "verified", monitored=tonnes + 5, verified=tonnes, **kw)


def people(grant) -> IssuanceCast:
    c = cast(grant)
    return IssuanceCast(
        filer=c.filer,
        partner=partner_of(grant),
        outsider=c.outsider,
        office=c.office,
        jc=person(Role.JOINT_COMMITTEE, country="KE"),
        other_jc=person(Role.JOINT_COMMITTEE, country="VN"),
        registry=person(Role.REGISTRY),
        verifier=c.verifier,
        reviewer=c.reviewer,
        secretariat=person(Role.SECRETARIAT),
    )


def issuance_project(**kw: Any) -> dict[str, Any]:
    """A registered project with two verified periods (2025-04-01–2025-12-31: 100 tCO2,
    2026-01-01–2026-06-30: 60 tCO2) and a draft period, and its people."""
    grant = operating_grant()
    plan = plan_for(grant)
    project = registered_project(plan, **kw)
    p1 = verified(plan, "2025-04-01", "2025-12-31", 100)
    p2 = verified(plan, "2026-01-01", "2026-06-30", 60)
    p3 = period(plan, "2026-07-01", "2026-08-31", "draft", monitored=20)
    return {
        "grant": grant,
        "plan": plan,
        "project": project,
        "periods": [p1, p2],
        "draft_period": p3,
        "cast": people(grant),
    }
