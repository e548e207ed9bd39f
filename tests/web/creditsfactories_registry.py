"""Records for the registry part's tests, built with the ORM directly (the cycle and issuance
parts are written in parallel): a registered JCM project in Kenya (reference ``KE001``) with its
allocation agreement (the Government of Japan, the Japanese representative participant and a
Kenyan partner participant), an issuance decided by the Joint Committee and not yet recorded,
the registry's accounts, and the people of the part."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from grantfactories_schedule import person
from monitoringfactories_annual import cast, operating_grant, period, plan_for

from renkei.accounts.models import Organisation, Role, User
from renkei.credits.models import (
    AllocationAgreement,
    AllocationShare,
    Issuance,
    IssuanceRequest,
    IssuanceRequestPeriod,
    JcmProject,
)

D = dt.date.fromisoformat
_seq = itertools.count(1)

__all__ = ["Ledger", "issuance_of", "ledger", "open_accounts"]


@dataclass
class Ledger:
    project: JcmProject
    agreement: AllocationAgreement
    issuance: Issuance
    filer: User  # an applicant of the Japanese representative participant
    partner: User  # an applicant of the Kenyan partner participant
    japanese: Organisation
    kenyan: Organisation
    registry: User  # the registry administrator
    office: User
    outsider: User
    joint_committee: User  # Kenya's
    other_joint_committee: User  # Indonesia's
    verifier: User
    reviewer: User
    secretariat: User


def issuance_of(
    project: JcmProject,
    agreement: AllocationAgreement,
    issued: int,
    start: str = "2026-02-16",
    end: str = "2026-08-31",
) -> Issuance:
    """A request for one verified period and the Joint Committee's decision to issue ``issued``
    credits (not yet recorded in the registry)."""
    plan = project.plan
    p = period(plan, start, end, "verified", monitored=issued, verified=issued)
    request = IssuanceRequest.objects.create(
        project=project, state="approved", created_by=plan.created_by
    )
    IssuanceRequestPeriod.objects.create(
        request=request, period=p, verified_tco2=issued, issued_tco2=issued
    )
    return Issuance.objects.create(
        request=request,
        agreement=agreement,
        issued_tco2=issued,
        decided_on=D(end) + dt.timedelta(days=90),
        vintage_start=D(start),
        vintage_end=D(end),
        decided_by=plan.created_by,
    )


def ledger(
    issued: int = 120, shares: tuple[str, str, str] = ("50", "30", "20"), reference: str = ""
) -> Ledger:
    n = next(_seq)
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    filer = grant.selection.proposal.created_by
    japanese = filer.organisation
    kenyan = Organisation.objects.create(name=f"Kenya Partner {n} Ltd.", country="KE")
    project = JcmProject.objects.create(
        plan=plan,
        state="registered",
        registration_requested_on=D("2025-10-01"),
        registered_on=D("2026-01-15"),
        reference=reference or f"KE{n:03d}",
        created_by=filer,
    )
    agreement = AllocationAgreement.objects.create(
        project=project, agreed_on=D("2024-05-01"), created_by=filer
    )
    goj, jp, ke = (Decimal(s) for s in shares)
    AllocationShare.objects.create(agreement=agreement, key="goj", is_government=True, percent=goj)
    AllocationShare.objects.create(
        agreement=agreement, key="pp1", organisation=japanese, percent=jp
    )
    AllocationShare.objects.create(agreement=agreement, key="pp2", organisation=kenyan, percent=ke)
    return Ledger(
        project=project,
        agreement=agreement,
        issuance=issuance_of(project, agreement, issued),
        filer=filer,
        partner=person(Role.APPLICANT, kenyan),
        japanese=japanese,
        kenyan=kenyan,
        registry=User.objects.filter(role=Role.REGISTRY).first() or person(Role.REGISTRY),
        office=people.office,
        outsider=people.outsider,
        joint_committee=person(Role.JOINT_COMMITTEE, country="KE"),
        other_joint_committee=person(Role.JOINT_COMMITTEE, country="ID"),
        verifier=people.verifier,
        reviewer=people.reviewer,
        secretariat=person(Role.SECRETARIAT),
    )


def open_accounts(lg: Ledger) -> dict[str, object]:
    """The accounts an issuance goes to and the final ones, opened through the service (the
    registry's own accounts once: a second ledger in one test reuses them)."""
    from renkei.credits.models import Account
    from renkei.credits.services.registry import registry_account_open

    def once(registry, kind, holder=None):
        found = Account.objects.filter(registry=registry, kind=kind, holder=holder).first()
        return found or registry_account_open(
            actor=lg.registry, registry=registry, kind=kind, holder=holder
        )

    return {
        "goj": once("JP", "government"),
        "jp": once("JP", "holding", lg.japanese),
        "ke": once("KE", "holding", lg.kenyan),
        "jp_cancel": once("JP", "cancellation"),
        "jp_retire": once("JP", "retirement"),
        "ke_cancel": once("KE", "cancellation"),
        "ke_retire": once("KE", "retirement"),
    }
