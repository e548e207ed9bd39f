"""Records for the credits cycle part's tests: a monitored grant (completed 2025-03-20, in
operation from 2025-04-01, a Kenyan project) with its monitoring plan, the people of the cycle
(the office, the filer, a partner participant's applicant, a TPE's verifier and another TPE's,
the Joint Committee contact of Kenya and of another country, a registry administrator), and
helpers that take a JCM project through the cycle with the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from grantfactories_schedule import person
from monitoringfactories_annual import cast, operating_grant, partner_of, plan_for

from renkei.accounts.models import Role, User

NOW = "2026-01-15T10:00:00+09:00"  # JST; registration due (in principle) on 2026-03-20
D = dt.date.fromisoformat
PDF = b"%PDF-1.7\n" + b"x" * 100


@dataclass
class People:
    office: User
    filer: User
    partner: User
    outsider: User
    verifier: User
    other_verifier: User
    reviewer: User
    jc: User
    other_jc: User
    registry: User
    secretariat: User


def monitored(**kw):
    """(plan, people) of a monitored grant whose consortium has one partner participant."""
    grant = operating_grant(**kw)
    plan = plan_for(grant)
    who = cast(grant)
    partner = partner_of(grant)
    people = People(
        office=who.office,
        filer=who.filer,
        partner=partner,
        outsider=who.outsider,
        verifier=who.verifier,
        other_verifier=who.other_verifier,
        reviewer=who.reviewer,
        jc=person(Role.JOINT_COMMITTEE, country="KE"),
        other_jc=person(Role.JOINT_COMMITTEE, country="VN"),
        registry=person(Role.REGISTRY),
        secretariat=person(Role.SECRETARIAT),
    )
    people.tpe = who.tpe
    return plan, people


def pdf(name: str = "pdd.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def opened(plan, people):
    from renkei.credits.services import cycle as c

    return c.project_open(actor=people.filer, plan=plan)


def prepared(plan, people):
    """An open project with PDD version 1 and its PDD and consultation record uploaded."""
    from renkei.credits.services import cycle as c

    project = opened(plan, people)
    c.pdd_save(
        actor=people.filer,
        project=project,
        title="Cold storage chillers, Nairobi",
        lsc_held_on=D("2025-11-20"),
        lsc_summary="Residents and workers heard; no objection.",
    )
    c.pdd_document_add(actor=people.filer, project=project, kind="pdd", upload=pdf())
    c.pdd_document_add(
        actor=people.filer, project=project, kind="lsc", upload=pdf("lsc.pdf", PDF + b"lsc")
    )
    return project


def in_validation(plan, people):
    from renkei.credits.services import cycle as c

    project = prepared(plan, people)
    c.validation_tpe_assign(actor=people.office, project=project, tpe=people.tpe)
    c.validation_request(actor=people.filer, project=project)
    return fresh(project)


def validated(plan, people):
    from renkei.credits.services import cycle as c

    project = in_validation(plan, people)
    c.validation_issue(
        actor=people.verifier,
        project=project,
        validated_on=D("2026-01-15"),
        opinion="The PDD meets the methodology.",
    )
    return fresh(project)


def requested(plan, people):
    from renkei.credits.services import cycle as c

    project = validated(plan, people)
    c.registration_request(actor=people.filer, project=project)
    return fresh(project)


def fresh(project):
    return type(project).objects.get(pk=project.pk)
