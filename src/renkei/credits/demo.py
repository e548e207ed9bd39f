"""The demo's credits story (issue 10, "demo data (a project registered with two issuances
delivered)"): the monitoring story's sample project (sample A: the Kenyan tea factories' solar
PV) goes through the JCM project cycle (``demo_cycle``: opened 2026-05-18, validated, registered
by Kenya's Joint Committee on 2026-08-24), then, through the services "as of" each date and only
once the demo's clock has reached it:

- 2026-08-31 the registry administrator opens the accounts (``demo_registry.open_accounts``);
- 2026-11-02 the filer requests issuance for period 1 (verified 2026-10-20); 2026-11-30 the Joint
  Committee issues; 2026-12-07 the registry records the issuance as blocks split by the
  allocation agreement; 2026-12-14 the Japanese participants' credits are delivered to the
  Government of Japan's account (JCM 2.(1)③);
- 2027-03-22 the request for period 2 (verified 2027-03-10); 2027-04-19 issued; 2027-04-26
  recorded; 2027-05-10 delivered.

``make demo DEMO_NOW=2027-06-01T10:00:00+09:00`` shows it all: a registered project with two
issuances delivered, the ledger, the portfolio against Japan's target and the public page.
Each step checks whether it is done, so a later run goes on from where an earlier one stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.test.utils import override_settings

from renkei import clock
from renkei.credits.demo_cycle import cycle_story
from renkei.credits.models import (
    Account,
    AccountKind,
    AgreementState,
    Issuance,
    IssuanceRequest,
    JcmProject,
    ProjectState,
    RequestState,
)
from renkei.monitoring.models import MonitoringPlan

JST = ZoneInfo("Asia/Tokyo")
CREDITS_DEMO_NOW = "2027-06-01T10:00:00+09:00"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def credits_story(
    *, plan: MonitoringPlan | None, applicant, office, verifier, tpe, joint_committee, registry
) -> JcmProject | None:
    """Build (or continue) the story up to the demo's clock; returns the sample project."""
    project = cycle_story(
        plan=plan,
        applicant=applicant,
        office=office,
        verifier=verifier,
        tpe=tpe,
        joint_committee=joint_committee,
    )
    if project is None or project.state != ProjectState.REGISTERED:
        return project
    for when, done, step in _steps(applicant, joint_committee, registry):
        project = JcmProject.objects.get(pk=project.pk)
        if done(project):
            continue
        if clock.now() < _at(when):
            break
        with _on(when):
            step(project)
    return JcmProject.objects.get(pk=project.pk)


Step = tuple[str, Callable[[JcmProject], bool], Callable[[JcmProject], Any]]


def _requests(project: JcmProject) -> list[IssuanceRequest]:
    return list(
        project.issuance_requests.exclude(
            state__in=(RequestState.REJECTED, RequestState.WITHDRAWN)
        ).order_by("pk")
    )


def _issuances(project: JcmProject) -> list[Issuance]:
    return list(Issuance.objects.filter(request__project=project).order_by("pk"))


def _steps(applicant, joint_committee, registry) -> list[Step]:
    from renkei.credits import demo_registry
    from renkei.credits.services import issuance as issuing

    def accounts_open(project: JcmProject) -> bool:
        agreement = project.agreements.get(state=AgreementState.CURRENT)
        parties = agreement.shares.filter(is_government=False).values_list("organisation_id")
        held = Account.objects.filter(kind=AccountKind.HOLDING, holder__in=parties).count()
        return (
            held == len(parties)
            and Account.objects.filter(
                registry="JP", kind=AccountKind.GOVERNMENT, holder=None
            ).exists()
        )

    def open_accounts(project: JcmProject) -> None:
        demo_registry.open_accounts(registry, project)

    def request(project: JcmProject) -> None:
        # the periods verified by the step's date (a first run of the demo at a later moment
        # has the monitoring story verify later periods before this step runs)
        today = clock.now().astimezone(JST).date()
        free = [
            period
            for period, _tco2 in issuing.issuable_periods(project)
            if period.verification.verified_on <= today
        ]
        draft = issuing.issuance_request_create(actor=applicant, project=project, periods=free)
        issuing.issuance_request_submit(actor=applicant, request=draft)

    def decide(n: int) -> Callable[[JcmProject], None]:
        def step(project: JcmProject) -> None:
            issuing.issuance_request_approve(actor=joint_committee, request=_requests(project)[n])

        return step

    def record(project: JcmProject) -> None:
        demo_registry.record_issuances(registry, project)

    def deliver(project: JcmProject) -> None:
        # the representative participant delivers its own credits; a Japanese participant
        # without a demo login (the sample consortium's second company) has the registry
        # administrator deliver its credits on its instruction
        demo_registry.deliver_to_goj(applicant, project)
        demo_registry.deliver_to_goj(registry, project)

    def requested(n: int) -> Callable[[JcmProject], bool]:
        return lambda p: len(_requests(p)) > n

    def issued(n: int) -> Callable[[JcmProject], bool]:
        return lambda p: len(_issuances(p)) > n

    def recorded(n: int) -> Callable[[JcmProject], bool]:
        return lambda p: len(_issuances(p)) > n and _issuances(p)[n].recorded_at is not None

    def delivered(n: int) -> Callable[[JcmProject], bool]:
        return lambda p: len(_issuances(p)) > n and not _japanese_holdings(_issuances(p)[n])

    return [
        ("2026-08-31T10:00", accounts_open, open_accounts),
        ("2026-11-02T10:00", requested(0), request),
        ("2026-11-30T10:00", issued(0), decide(0)),
        ("2026-12-07T10:00", recorded(0), record),
        ("2026-12-14T10:00", delivered(0), deliver),
        ("2027-03-22T10:00", requested(1), request),
        ("2027-04-19T10:00", issued(1), decide(1)),
        ("2027-04-26T10:00", recorded(1), record),
        ("2027-05-10T10:00", delivered(1), deliver),
    ]


def _japanese_holdings(issuance: Issuance) -> bool:
    """Whether credits of ``issuance`` still sit in a Japanese-registry holding account."""
    return issuance.blocks.filter(
        account__registry="JP", account__kind=AccountKind.HOLDING
    ).exists()
