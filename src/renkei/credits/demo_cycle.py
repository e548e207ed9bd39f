"""The demo's JCM project cycle (issue 10): the sample monitoring plan's project (the monitoring
story's Nandi Hills PV) goes through the cycle's services "as of" each step's date, only once
the demo's clock has reached it, and goes on from where an earlier run stopped:

- 2026-05-18 the filer opens the JCM project and records the credit allocation agreement it
  signed at application (form 5, agreed 2024-05-10): the Government of Japan 50 %, the rest
  shared among the consortium's participants;
- 2026-06-01 PDD version 1 with its local stakeholder consultation and its documents, handed to
  validation; the office assigns the sample TPE;
- 2026-06-15 the TPE asks a clarification (CL); 2026-06-22 the filer answers it;
- 2026-07-06 the TPE closes it and issues the validation report;
- 2026-07-13 the filer requests registration from Kenya's Joint Committee;
- 2026-08-24 the Joint Committee registers the project (R) with its reference.

``cycle_story(plan=…, applicant=…, office=…, verifier=…, tpe=…, joint_committee=…)`` is what
the demo command calls after the monitoring story; each step is one function
``step(project, actors)`` with its check of whether it is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from renkei import clock
from renkei.credits.models.cycle import JcmProject
from renkei.monitoring.models import MonitoringPlan

JST = ZoneInfo("Asia/Tokyo")
STORY_START = dt.datetime(2026, 5, 18, 10, 0, tzinfo=JST)
REFERENCE = "KE-S001"  # a sample JCM project reference (サンプル)
GOJ_PERCENT = Decimal(50)


@dataclass(frozen=True)
class Actors:
    applicant: Any  # the representative participant's applicant (the filer)
    office: Any
    verifier: Any  # a verifier of the sample TPE
    tpe: Any  # the sample TPE organisation
    joint_committee: Any  # the Joint Committee contact of the project's country


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    body = b"%PDF-1.7\n% (sample) " + text.encode("utf-8") + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def cycle_story(
    *, plan: MonitoringPlan | None, applicant, office, verifier, tpe, joint_committee
) -> JcmProject | None:
    """Build (or continue) the cycle up to the demo's clock; returns the sample project."""
    if plan is None or clock.now() < STORY_START:
        return None
    actors = Actors(applicant, office, verifier, tpe, joint_committee)
    project = JcmProject.objects.filter(plan=plan).first()
    if project is None:
        with _on("2026-05-18T10:00"):
            project = open_project(plan, actors)
    for when, done, step in STEPS:
        project = JcmProject.objects.get(pk=project.pk)
        if done(project):
            continue
        if clock.now() < _at(when):
            break
        with _on(when):
            step(project, actors)
    return JcmProject.objects.get(pk=project.pk)


# --- the steps ---------------------------------------------------------------------------------
def open_project(plan: MonitoringPlan, a: Actors) -> JcmProject:
    from renkei.credits.services import cycle as c

    return c.project_open(actor=a.applicant, plan=plan)


def record_agreement(project: JcmProject, a: Actors) -> None:
    """Form 5 as signed at application: GoJ 50 %, the other half shared by the participants."""
    from renkei.credits.services import cycle as c

    members = c.consortium(project)
    each = ((100 - GOJ_PERCENT) / len(members)).quantize(Decimal("0.0001"))
    shares = [(org.pk, each) for org in members]
    rest = 100 - GOJ_PERCENT - each * len(members)
    shares[0] = (shares[0][0], each + rest)  # the representative takes any rounding remainder
    c.agreement_record(
        actor=a.applicant,
        project=project,
        agreed_on=_d("2024-05-10"),
        goj_percent=GOJ_PERCENT,
        participants=shares,
    )


def write_pdd(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    c.pdd_save(
        actor=a.applicant,
        project=project,
        title="(サンプル) Nandi Hills tea factory 1.2 MW solar PV",
        lsc_held_on=_d("2026-05-25"),
        lsc_summary=(
            "(サンプル) 工場の従業員、近隣住民、郡の環境担当者に事業を説明し、意見を聴取した。"
            "景観と保守作業の安全についての質問に回答し、反対意見はなかった。"
        ),
    )
    c.pdd_document_add(
        actor=a.applicant, project=project, kind="pdd", upload=_pdf("pdd-v1.pdf", "PDD v1")
    )
    c.pdd_document_add(
        actor=a.applicant, project=project, kind="lsc", upload=_pdf("lsc-minutes.pdf", "LSC")
    )
    c.validation_request(actor=a.applicant, project=project)
    c.validation_tpe_assign(actor=a.office, project=project, tpe=a.tpe)


def ask_clarification(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    c.validation_finding_raise(
        actor=a.verifier,
        project=project,
        kind="cl",
        text="(サンプル) 現地ステークホルダー協議の参加者名簿を示してください。",
    )


def answer_clarification(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    for finding in project.validation_findings.filter(status="open"):
        c.validation_finding_answer(
            actor=a.applicant,
            finding=finding,
            answer="(サンプル) 参加者名簿(23名)を協議記録の別紙として添付しました。",
        )


def validate(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    for finding in project.validation_findings.exclude(status="closed"):
        c.validation_finding_close(actor=a.verifier, finding=finding)
    c.validation_issue(
        actor=a.verifier,
        project=project,
        validated_on=_d("2026-07-06"),
        opinion="(サンプル) PDDは適用方法論KE_AM002の要件を満たしている。",
    )


def request_registration(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    c.registration_request(
        actor=a.applicant, project=project, note="(サンプル) 妥当性確認報告書を添付します。"
    )


def register(project: JcmProject, a: Actors) -> None:
    from renkei.credits.services import cycle as c

    c.registration_decide(
        actor=a.joint_committee,
        project=project,
        register=True,
        registered_on=_d("2026-08-24"),
        reference=REFERENCE,
    )


def _past(*states: str) -> Callable[[JcmProject], bool]:
    return lambda project: project.state not in states


STEPS: list[tuple[str, Callable[[JcmProject], bool], Callable[[JcmProject, Actors], None]]] = [
    ("2026-05-18T10:30", lambda p: p.agreements.exists(), record_agreement),
    ("2026-06-01T10:00", _past("preparing"), write_pdd),
    ("2026-06-15T10:00", lambda p: p.validation_findings.exists(), ask_clarification),
    (
        "2026-06-22T10:00",
        lambda p: not p.validation_findings.filter(status="open").exists(),
        answer_clarification,
    ),
    ("2026-07-06T10:00", _past("preparing", "in_validation"), validate),
    ("2026-07-13T10:00", _past("preparing", "in_validation", "validated"), request_registration),
    ("2026-08-24T10:00", lambda p: p.state == "registered", register),
]
