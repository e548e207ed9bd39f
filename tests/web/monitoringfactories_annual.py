"""Records for the annual part's tests, built with the ORM (the period and verification parts
are written in parallel): the adopted version's technology lines, a completion report with its
expected annual reduction, monitoring periods in a given state with their computed and verified
reductions, and a partner participant of the consortium."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from grantfactories_schedule import person

from renkei.accounts.models import Organisation, Role

D = dt.date.fromisoformat


def _load_monitoringfactories() -> None:
    """``monitoringfactories`` as committed imports its neighbour relatively, which fails when
    tests/web is not a package (rootdir imports): load it with the absolute import instead.
    Does nothing once the module imports on its own."""
    import importlib.util
    import sys
    from pathlib import Path

    try:
        import monitoringfactories  # noqa: F401
    except ImportError:
        path = Path(__file__).with_name("monitoringfactories.py")
        source = path.read_text("utf-8").replace(
            "from .grantfactories_schedule", "from grantfactories_schedule"
        )
        spec = importlib.util.spec_from_loader("monitoringfactories", loader=None)
        module = importlib.util.module_from_spec(spec)
        module.__file__ = str(path)
        sys.modules["monitoringfactories"] = module
        exec(compile(source, str(path), "exec"), module.__dict__)


_load_monitoringfactories()

from monitoringfactories import cast, operating_grant, plan_for  # noqa: E402

__all__ = [
    "adopted_reductions",
    "cast",
    "completion_expected",
    "operating_grant",
    "partner_of",
    "period",
    "plan_for",
]


def adopted_reductions(grant, *lines: str) -> None:
    """The adopted version's technology lines with these annual reductions (tCO2/year)."""
    version = grant.selection.version
    version.document = {
        "sites": [
            {
                "id": "A",
                "technologies": [
                    {"technology": f"Chiller {n}", "annual_reduction_tco2": value}
                    for n, value in enumerate(lines, 1)
                ],
            }
        ]
    }
    version.save(update_fields=["document"])


def completion_expected(grant, tco2: str | None) -> None:
    from renkei.grants.models import CompletionReport

    CompletionReport.objects.create(
        grant=grant,
        spending={},
        expected_annual_reduction_tco2=None if tco2 is None else Decimal(tco2),
        due_on=D("2025-04-30"),
        basis_on=D("2025-03-20"),
        submitted_by=grant.selection.proposal.created_by,
    )


def period(
    plan,
    start: str,
    end: str,
    state: str = "draft",
    *,
    monitored=None,
    verified=None,
    version: int = 1,
    correction_of=None,
    provisional: bool = False,
    tpe=None,
):
    """A monitoring period in ``state`` (the FSM field is protected: created with it)."""
    from renkei.monitoring.models import MonitoringPeriod, Verification, VerificationAssignment

    p = MonitoringPeriod.objects.create(
        plan=plan,
        start=D(start),
        end=D(end),
        state=state,
        version=version,
        correction_of=correction_of,
        correction_reason="a corrected reading (test)" if correction_of else "",
        emission_reductions_tco2=monitored,
        provisional=provisional,
        created_by=plan.created_by,
    )
    if tpe is not None:
        VerificationAssignment.objects.create(period=p, tpe=tpe, assigned_by=plan.created_by)
    if verified is not None:
        Verification.objects.create(
            period=p,
            verified_tco2=verified,
            verified_on=D(end) + dt.timedelta(days=60),
            statement="Verified.",
            verifier=plan.created_by,
        )
    return p


def partner_of(grant):
    """An applicant of a partner participant of the grant's consortium."""
    from renkei.proposals.models import ProposalPartner

    org = Organisation.objects.create(name="Partner Ltd.", country="ID")
    proposal = grant.selection.proposal
    ProposalPartner.objects.create(
        proposal=proposal, organisation=org, added_by=proposal.created_by
    )
    return person(Role.APPLICANT, org)
