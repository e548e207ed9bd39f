"""Records for the credits portfolio's tests, built with the ORM (the cycle, issuance and registry
services are written in parallel): an operating grant whose adopted version has technology lines
with useful lives, its monitoring plan with verified periods, its JCM project registered, an
allocation agreement, an issuance and its blocks in a holding account and the Government of
Japan's account; and an adopted proposal with no grant yet."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from monitoringfactories_annual import cast, operating_grant, period, plan_for

from renkei.accounts.models import Organisation

D = dt.date.fromisoformat
_seq = itertools.count(1)

__all__ = [
    "adopted_only",
    "agreement",
    "cast",
    "issue",
    "lines",
    "many_projects",
    "registered",
    "world",
]


def lines(version, *items: tuple[str, str, int], milestones: dict | None = None) -> None:
    """The adopted version's technology lines: (technology, annual tCO2, useful life)."""
    document = dict(version.document or {})
    document["sites"] = [
        {
            "id": "A",
            "technologies": [
                {"technology": t, "annual_reduction_tco2": a, "useful_life_years": life}
                for t, a, life in items
            ],
        }
    ]
    if milestones is not None:
        document["milestones"] = milestones
    version.document = document
    version.save(update_fields=["document"])


def publish(selection, **values) -> None:
    """The record published at 内示 (3.(4)), as ``selection_adopt`` freezes it."""
    # the 内示 number as ``selection_adopt`` gives it: it carries the receipt number (not public)
    selection.naiji_number = f"N-{selection.proposal.receipt_number}"
    type(selection).objects.filter(pk=selection.pk).update(naiji_number=selection.naiji_number)
    selection.published = {
        "country": selection.proposal.country,
        "title": selection.proposal.title,
        "title_en": values.get("title_en", "Cold chain energy saving"),
        "company": str(selection.proposal.organisation),
        "company_en": values.get("company_en", "Yotei Co."),
        "partners": [],
        "annual_reduction_tco2": values.get("annual", "1000"),
        "lifetime_reduction_tco2": values.get("lifetime", "15000"),
        "published_on": "2024-07-16",
        "call": selection.proposal.call.rulebook_id,
    }
    type(selection).objects.filter(pk=selection.pk).update(published=selection.published)


def registered(grant, *, reference: str | None = None, on: str = "2026-01-15"):
    from renkei.credits.models import JcmProject

    plan = getattr(grant, "monitoring_plan", None) or plan_for(grant)
    return JcmProject.objects.create(
        plan=plan,
        state="registered",
        registration_requested_on=D(on) - dt.timedelta(days=90),
        registered_on=D(on),
        reference=reference or f"KE{next(_seq):03d}",
        created_by=grant.selection.proposal.created_by,
    )


def agreement(project, goj: str = "50"):
    """The agreement in force: the government's share and the representative's the rest."""
    from renkei.credits.models import AllocationAgreement, AllocationShare

    a = AllocationAgreement.objects.create(
        project=project, agreed_on=D("2024-05-01"), created_by=project.created_by
    )
    AllocationShare.objects.create(agreement=a, key="goj", is_government=True, percent=goj)
    AllocationShare.objects.create(
        agreement=a,
        key="pp1",
        organisation=project.plan.grant.selection.proposal.organisation,
        percent=Decimal(100) - Decimal(goj),
    )
    return a


def accounts(holder: Organisation):
    """The government's account and a company's holding account in Japan's registry, and the
    government's cancellation account."""
    from renkei.credits.models import Account

    n = next(_seq)
    goj = Account.objects.create(
        registry="JP", kind="government", number=f"JP-GOV-{n}", name="Government of Japan"
    )
    holding = Account.objects.create(
        registry="JP", kind="holding", number=f"JP-H-{n}", name=str(holder), holder=holder
    )
    cancel = Account.objects.create(
        registry="JP", kind="cancellation", number=f"JP-C-{n}", name="Cancellation (GoJ)"
    )
    return goj, holding, cancel


def issue(project, periods, issued: int, *, goj: int, to=None, cancelled: int = 0, on="2026-06-01"):
    """An approved request for ``periods`` and its issuance of ``issued`` credits: ``goj`` of
    them in the government's account (``cancelled`` of those moved on to its cancellation
    account), the rest in the representative's holding account."""
    from renkei.credits.models import Block, Issuance, IssuanceRequest, IssuanceRequestPeriod

    user = project.created_by
    request = IssuanceRequest.objects.create(project=project, state="approved", created_by=user)
    for p in periods:
        IssuanceRequestPeriod.objects.create(
            request=request,
            period=p,
            verified_tco2=p.verification.verified_tco2,
            issued_tco2=p.verification.verified_tco2,
        )
    issuance = Issuance.objects.create(
        request=request,
        agreement=project.agreements.get(state="current"),
        issued_tco2=issued,
        decided_on=D(on),
        vintage_start=min(p.start for p in periods),
        vintage_end=max(p.end for p in periods),
        decided_by=user,
    )
    goj_account, holding, cancel = to or accounts(
        project.plan.grant.selection.proposal.organisation
    )
    start = 1  # serials are numbered within their issuance (1..issued)
    parts = [(goj_account, goj - cancelled), (cancel, cancelled), (holding, issued - goj)]
    for account, n in parts:
        if n:
            Block.objects.create(
                issuance=issuance, account=account, serial_start=start, serial_end=start + n - 1
            )
            start += n
    return issuance


def adopted_only(*, country: str = "KE", title: str = "", annual: str = "500", life: int = 10):
    """An adopted JCM proposal with a grant in drafting (no operation yet) and a planned start
    of operation in its document."""
    from grantfactories_schedule import adopted_grant

    grant = adopted_grant(title=title)
    proposal = grant.selection.proposal
    type(proposal).objects.filter(pk=proposal.pk).update(country=country)
    lines(
        grant.selection.version,
        ("Solar PV", annual, life),
        milestones={"operation_start_on": "2027-04-01"},
    )
    return grant


def world():
    """Project A (KE, chillers, registered, two verified periods, two issuances of which the
    government holds its half and has cancelled a part), and project B (KE too, adopted only,
    solar PV from a planned start of 2027-04-01)."""
    grant = operating_grant(operation="2025-04-01", life=15, title="冷凍倉庫省エネ")
    lines(grant.selection.version, ("Chiller", "1000", 15))
    publish(grant.selection)
    plan = plan_for(grant)
    p1 = period(plan, "2025-04-01", "2025-12-31", "verified", monitored=760, verified=750)
    p2 = period(plan, "2026-01-01", "2026-06-30", "verified", monitored=500, verified=480)
    p3 = period(plan, "2026-07-01", "2026-12-31", "submitted", monitored=490)
    project = registered(grant, reference="KE901")
    agreement(project, "50")
    to = accounts(grant.selection.proposal.organisation)
    first = issue(project, [p1], 750, goj=375, to=to, on="2026-03-01")
    second = issue(project, [p2], 480, goj=240, cancelled=40, to=to, on="2026-10-01")
    other = adopted_only(title="太陽光発電案件")
    return {
        "grant": grant,
        "plan": plan,
        "periods": (p1, p2, p3),
        "project": project,
        "issuances": (first, second),
        "accounts": to,
        "other": other,
        "cast": cast(grant),
    }


def many_projects(n: int, *, periods: int = 4) -> None:
    """``n`` registered projects (countries and technologies varied), each with ``periods``
    verified half-year periods and one issuance per two periods, half of it the government's:
    the benchmark's portfolio (built through the factories above, not in bulk)."""
    countries = ("KE", "ID", "VN", "TH", "MN", "PH")
    technologies = ("Chiller", "Solar PV", "Boiler", "LED")
    for i in range(n):
        grant = operating_grant(operation="2025-04-01", life=10 + i % 6, title=f"案件{i}")
        proposal = grant.selection.proposal
        type(proposal).objects.filter(pk=proposal.pk).update(country=countries[i % 6])
        lines(grant.selection.version, (technologies[i % 4], str(500 + i), 10 + i % 6))
        publish(grant.selection)
        plan = plan_for(grant)
        made = []
        start = D("2025-04-01")
        for _k in range(periods):
            end = D(f"{start.year + (start.month + 5) // 12}-{(start.month + 5) % 12 + 1:02d}-01")
            end -= dt.timedelta(days=1)
            made.append(period(plan, str(start), str(end), "verified", monitored=300, verified=290))
            start = end + dt.timedelta(days=1)
        project = registered(grant, reference=f"B{i:05d}")
        agreement(project, "50")
        to = accounts(proposal.organisation)
        for k in range(0, periods, 2):
            issue(project, made[k : k + 2], 580, goj=290, to=to)
