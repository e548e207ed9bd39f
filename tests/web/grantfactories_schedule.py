"""Grants for the schedule part's tests, built with the ORM directly (the award and closing
services are written in parallel): an adopted JCM selection with its 内示, its grant, and the
records that close due dates. Also imported by the worker test's subprocess."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from renkei.accounts.models import Organisation, Role, User

JST = ZoneInfo("Asia/Tokyo")
_seq = itertools.count(1)


def jcm_call():
    from renkei.calls.models import Call
    from renkei.calls.services import call_open_from_rulebook

    call = Call.objects.filter(rulebook_id="jcm-model-project/fy2024").first()
    return call or call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024", title_ja="JCM", title_en="JCM"
    )


def person(role: str, organisation=None, **kw) -> User:
    n = next(_seq)
    name = kw.pop("username", f"sched{n}-{role}")
    return User.objects.create_user(
        username=name,
        email=f"{name}@example.org",
        password="pw-for-tests-1",
        role=role,
        organisation=organisation,
        **kw,
    )


def adopted_grant(*, naiji: str = "2024-07-16", applicant: User | None = None, title: str = ""):
    """A grant in drafting for an adopted JCM proposal whose 内示 was given at 10:00 JST on
    ``naiji``; its representative participant is ``applicant``'s organisation (a new one
    with one applicant if not given)."""
    from renkei.adoption.models import Selection
    from renkei.grants.models import Grant, GrantApplication
    from renkei.proposals.models import Proposal, ProposalVersion

    call = jcm_call()
    round_ = call.rounds.get(code="first")
    n = next(_seq)
    if applicant is None:
        org = Organisation.objects.create(name=f"予定株式会社{n}", country="JP")
        applicant = person(Role.APPLICANT, org)
    office = User.objects.filter(role=Role.OFFICE).first() or person(
        Role.OFFICE, is_staff=True, username=f"sched-office{n}"
    )
    at = dt.datetime.fromisoformat(f"{naiji}T10:00").replace(tzinfo=JST)
    proposal = Proposal.objects.create(
        call=call,
        round=round_,
        organisation=applicant.organisation,
        title=title or f"予定案件{n}",
        country="KE",
        state="submitted",
        created_by=applicant,
        submitted_at=at - dt.timedelta(days=60),
        receipt_number=f"JCM-SCHED-{n:04d}",
    )
    version = ProposalVersion.objects.create(
        proposal=proposal,
        number=1,
        document={},
        submitted_by=applicant,
        submitted_at=proposal.submitted_at,
        rulebook_id=call.rulebook_id,
        rulebook_version=1,
        assessment_status="pass",
    )
    selection = Selection.objects.create(
        proposal=proposal,
        version=version,
        state="adopted",
        decided_by=office,
        decided_at=at,
        naiji_number=f"N-{n}",
        naiji_at=at,
        naiji_amount_jpy=98_000_000,
    )
    grant = Grant.objects.create(
        selection=selection, number=f"G-{proposal.receipt_number}", opened_by=applicant
    )
    GrantApplication.objects.create(grant=grant)
    return grant


def set_state(grant, state: str) -> None:
    """Put the grant in ``state`` (the FSM field is protected: an update bypasses it)."""
    from renkei.grants.models import Grant

    Grant.objects.filter(pk=grant.pk).update(state=state)
    grant.__dict__["state"] = state


def decide(grant, *, on: str = "2024-09-02", completion_due: str = "2026-02-27"):
    """The grant decided on ``on`` (JST), to be completed by ``completion_due``."""
    from renkei.grants.models import Allocation, GrantApplicationVersion, GrantDecision

    application = grant.application
    version = GrantApplicationVersion.objects.create(
        application=application,
        number=application.versions.count() + 1,
        budget={"2024": {"construction": 1, "equipment": 1, "admin": 0}},
        created_by=grant.opened_by,
        submitted_at=dt.datetime.fromisoformat(f"{on}T09:00").replace(tzinfo=JST),
    )
    decided_on, due = dt.date.fromisoformat(on), dt.date.fromisoformat(completion_due)
    office = User.objects.filter(role=Role.OFFICE).first()
    GrantDecision.objects.create(
        grant=grant,
        application_version=version,
        number=f"D-{grant.pk}",
        decided_on=decided_on,
        amount_jpy=90_000_000,
        rate="0.5",
        completion_due=due,
        decided_by=office,
        decided_at=dt.datetime.combine(decided_on, dt.time(15), tzinfo=JST),
    )
    Allocation.objects.create(
        grant=grant, budget=version.budget, amount_jpy=90_000_000, source="decision"
    )
    grant.decided_on, grant.completion_due = decided_on, due
    grant.save()
    set_state(grant, "implementing")
    return grant
