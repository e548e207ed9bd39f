"""The JCM project cycle at the same moment (issue 10's follow-up): two actors acting on one
project at once act once. Two registration requests (a double click) make one request; the
Joint Committee's "register" and "refuse" at once make one decision; two agreement versions at
once are versions 1 and 2 with one in force; the TPE's report and a finding at once never leave
a validated project with an open finding; two projects registered with one JCM reference at
once get one refusal naming the other project. Threads need real row locks, so this runs on
PostgreSQL, as tests/web/test_concurrent_submit.py does (SQLite serialises writers on its own).

Without the services' lock on the project's row (``locked_project``, ``select_for_update``)
both threads read the same state: the database's constraints (one pending request, one
agreement in force, one version number) then refuse the second write with an IntegrityError,
or, for the report and the finding, nothing refuses it. Checked by removing the lock: the
first four tests fail. The reference's race is not a lock's (no row holds a reference not yet
given; each thread locks its own project): the test holds both threads after their state check
so that both check the reference before either writes it, and before the fix the second
registration failed with the unique constraint's IntegrityError (a server error on the page)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from creditsfactories_cycle import (
    NOW,
    D,
    fresh,
    in_validation,
    monitored,
    opened,
    requested,
    validated,
)
from django.db import connection
from django.utils import translation
from webfactories import run_at_once

from renkei.accounts.models import Organisation
from renkei.credits.models import AllocationAgreement
from renkei.credits.models.cycle import RegistrationRequest, ValidationFinding
from renkei.credits.services import cycle as c
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


@pytest.fixture(autouse=True)
def _now(settings, tmp_path):
    settings.RENKEI_DEMO_NOW = NOW
    settings.MEDIA_ROOT = str(tmp_path)


def _english(service, **kwargs):
    with translation.override("en"):  # each thread has its own language
        return service(**kwargs)


def _split(results, kind):
    done = [r for r in results if isinstance(r, kind)]
    refused = [r for r in results if not isinstance(r, kind)]
    return done, refused


def test_two_registration_requests_at_once_make_one() -> None:
    plan, who = monitored()
    project = validated(plan, who)
    results = run_at_once(
        [
            lambda: _english(c.registration_request, actor=who.filer, project=project)
            for _ in range(2)
        ]
    )
    done, refused = _split(results, RegistrationRequest)
    assert len(done) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), results
    assert "Requesting registration is not possible" in str(refused[0])
    assert RegistrationRequest.objects.filter(project=project).count() == 1
    assert fresh(project).state == "registration_requested"


def test_register_and_refuse_at_once_make_one_decision() -> None:
    plan, who = monitored()
    project = requested(plan, who)
    results = run_at_once(
        [
            lambda: _english(
                c.registration_decide,
                actor=who.jc,
                project=project,
                register=True,
                registered_on=D("2026-01-15"),
                reference="KE009",
            ),
            lambda: _english(
                c.registration_decide,
                actor=who.jc,
                project=project,
                register=False,
                reason="LSC too thin",
            ),
        ]
    )
    done, refused = _split(results, RegistrationRequest)
    assert len(done) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), results
    assert "Deciding on the registration is not possible" in str(refused[0])
    (request,) = RegistrationRequest.objects.filter(project=project)
    project = fresh(project)
    if request.outcome == "registered":
        assert (project.state, project.reference) == ("registered", "KE009")
    else:
        assert (project.state, project.reference, request.reason) == (
            "rejected",
            "",
            "LSC too thin",
        )


def test_two_agreement_versions_at_once_are_numbered_apart_with_one_in_force() -> None:
    plan, who = monitored()
    project = opened(plan, who)
    results = run_at_once(
        [
            lambda actor=actor, share=share: _english(
                c.agreement_record,
                actor=actor,
                project=project,
                agreed_on=D("2024-05-01"),
                goj_percent=Decimal(share),
                participants=[(who.partner.organisation_id, Decimal(100 - share))],
                reason="Shares renegotiated.",
            )
            for actor, share in ((who.filer, 50), (who.office, 40))
        ]
    )
    done, refused = _split(results, AllocationAgreement)
    assert len(done) == 2 and not refused, results
    versions = AllocationAgreement.objects.filter(project=project).order_by("version")
    assert [a.version for a in versions] == [1, 2]
    assert [a.state for a in versions] == ["superseded", "current"]
    assert versions[0].reason == ""  # the first version needs no reason, the second keeps it
    assert versions[1].reason == "Shares renegotiated."


def test_the_validation_report_and_a_finding_at_once_leave_no_open_finding() -> None:
    plan, who = monitored()
    project = in_validation(plan, who)
    results = run_at_once(
        [
            lambda: _english(
                c.validation_issue,
                actor=who.verifier,
                project=project,
                validated_on=D("2026-01-15"),
                opinion="The PDD meets the methodology.",
            ),
            lambda: _english(
                c.validation_finding_raise,
                actor=who.verifier,
                project=project,
                kind=ValidationFinding.Kind.CAR,
                text="The baseline's emission factor is not sourced.",
            ),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ServiceError), results
    project = fresh(project)
    findings = ValidationFinding.objects.filter(project=project)
    if project.state == "validated":  # the report first: the finding came too late
        assert not findings.exists()
        assert "Raising a finding is not possible" in str(errors[0])
    else:  # the finding first: the report waits for it to be closed
        assert project.state == "in_validation" and findings.count() == 1
        assert "1 finding(s) are not closed" in str(errors[0])


def test_two_projects_registered_with_one_reference_at_once_get_one_refusal(monkeypatch) -> None:
    """Each thread locks its own project, so nothing orders them: both are held after their
    state check until the other has reached it too, so both check the reference before either
    writes it (without the hold the first usually commits before the second checks)."""
    first_plan, first_who = monitored()
    # a second grant's consortium has a partner of the same name: a name is once per country
    Organisation.objects.filter(pk=first_who.partner.organisation_id).update(name="Partner One")
    second_plan, second_who = monitored()
    projects = [requested(first_plan, first_who), requested(second_plan, second_who)]
    both_checked = threading.Barrier(2, timeout=20)
    state_check = c._state

    def held(*args, **kwargs):
        state_check(*args, **kwargs)
        both_checked.wait()

    monkeypatch.setattr(c, "_state", held)
    results = run_at_once(
        [
            lambda project=project, who=who: _english(
                c.registration_decide,
                actor=who.jc,
                project=project,
                register=True,
                registered_on=D("2026-01-15"),
                reference="KE009",
            )
            for project, who in zip(projects, (first_who, second_who), strict=True)
        ]
    )
    done, refused = _split(results, RegistrationRequest)
    assert len(done) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], ServiceError), results
    winner = done[0].project
    assert f"already the reference of {winner.plan.grant.number}" in str(refused[0])
    loser = next(p for p in projects if p.pk != winner.pk)
    assert (fresh(loser).state, fresh(loser).reference) == ("registration_requested", "")
    assert fresh(winner).reference == "KE009"
