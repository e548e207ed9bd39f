"""The credits stage's cycle services (JCM 2.(1)①, 2.(5)②(イ)(オ)(カ); spec §2.2, §2.6): the JCM
project of a monitored project, from its PDD through the TPE's validation and the registration
request to the Joint Committee's registration, and the credit allocation agreement (form 5).

- ``project_open``: the office or the filer opens the JCM project of a monitoring plan (one per
  plan).
- ``pdd_save`` / ``pdd_document_add``: the filer writes the PDD with its local stakeholder
  consultation (LSC, part of the PDD: 2.(1)①) as versions (a change is a new version with its
  reason) and uploads its documents; ``validation_request``: preparing → in validation.
- The TPE's validation, after the monitoring stage's verification pattern
  (``renkei.monitoring.services.verification``): the office assigns a TPE organisation
  (``validation_tpe_assign``); its verifiers raise findings (CAR/CL), the filer answers them,
  the TPE closes them and issues its validation report (in validation → validated).
- ``registration_request``: the filer requests registration, due within one year of the grant's
  completion in principle (2.(1)①, 2.(5)②(オ); the date from the rules core,
  ``jcm-registration``); a late request is accepted and flagged (「原則として」; spec A-37).
  ``registration_decide``: the Joint Committee contact of the project's country registers it
  (date R, the JCM project reference) or refuses with its reason; the filer and the office are
  told after commit, each in their language.
- ``agreement_record``: the allocation agreement (form 5, 5.(3)①(ケ)) as a new version, the one
  in force superseded: parties of the grant's consortium and the Government of Japan, shares in
  percent adding up to 100 (``renkei.rules.jcm.credits.check_shares``), and the Government of
  Japan's share at least what the office requires (``RENKEI_GOJ_MIN_SHARE_PERCENT``, with its
  source; the call sets no share: spec §5 A-24 [GAP]).

Every service: the permission (``renkei.access``), the project's row fresh and locked, the
checks with what would be right, the change, an audit event and the notices after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Organisation, Role
from renkei.accounts.notices import Msg, notify
from renkei.audit.services import audit_record
from renkei.credits.models.cycle import (
    AgreementState,
    AllocationAgreement,
    AllocationShare,
    CycleDocument,
    JcmProject,
    PddVersion,
    ProjectState,
    RegistrationRequest,
    ValidationAssignment,
    ValidationFinding,
    ValidationReport,
)
from renkei.errors import BadInput, RenkeiError
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.services import findings
from renkei.proposals.models import ProposalPartner
from renkei.proposals.services import check_file
from renkei.rules.jcm import credits as credit_rules
from renkei.rules.jcm import deadline as rules_deadline
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "agreement_current",
    "agreement_record",
    "consortium",
    "goj_minimum",
    "pdd_document_add",
    "pdd_save",
    "project_open",
    "registration_decide",
    "registration_due",
    "registration_request",
    "validation_finding_answer",
    "validation_finding_close",
    "validation_finding_raise",
    "validation_issue",
    "validation_request",
    "validation_tpe_assign",
]

S = ProjectState
TEXT_LIMIT = 10_000
GOVERNMENT_KEY = credit_rules.GOVERNMENT
MAX_DOCUMENTS = 30  # per PDD version
today = clock.today


# --- shared helpers ----------------------------------------------------------------------------
def require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def locked_project(project: JcmProject | int) -> JcmProject:
    pk = project.pk if isinstance(project, JcmProject) else project
    return (
        JcmProject.objects.select_for_update()
        .select_related("plan__grant__selection__proposal")
        .get(pk=pk)
    )


def _state(project: JcmProject, allowed: tuple[str, ...], doing: str) -> None:
    if project.state not in allowed:
        raise ServiceError(
            _(
                "%(doing)s is not possible while the JCM project is “%(state)s”; it is possible "
                "when it is: %(allowed)s."
            )
            % {
                "doing": doing,
                "state": project.get_state_display(),
                "allowed": ", ".join(str(ProjectState(s).label) for s in allowed),
            }
        )


def _move(project: JcmProject, to: str, actor: Any, action: str, **payload: Any) -> None:
    before = project.state
    project.state = to
    project.save()
    audit_record(
        actor=actor,
        obj=project,
        action=action,
        from_state=before,
        to_state=to,
        payload=payload,
    )


def _date(value: Any, what: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ServiceError(_("Give %(what)s as a date (YYYY-MM-DD).") % {"what": what})
    if value > today():
        raise ServiceError(
            _("%(what)s (%(date)s) is in the future; give today's date or earlier.")
            % {"what": what, "date": value}
        )
    return value


def _users(**filters: Any) -> list[Any]:
    return list(get_user_model().objects.filter(is_active=True, **filters).order_by("pk"))


def filers(project: JcmProject) -> list[Any]:
    """The representative participant's applicants (they file: 2.(4)② 注2, spec A-35)."""
    return _users(
        role=Role.APPLICANT,
        organisation_id=project.plan.grant.selection.proposal.organisation_id,
    )


def office() -> list[Any]:
    return _users(role=Role.OFFICE)


def tpe_members(tpe_id: int) -> list[Any]:
    return _users(role=Role.VERIFIER, organisation_id=tpe_id)


def joint_committee(project: JcmProject) -> list[Any]:
    return _users(role=Role.JOINT_COMMITTEE, country=project.plan.grant.selection.proposal.country)


def _tell(recipients: list[Any], project: JcmProject, subject: str, message: str, **values):
    grant = project.plan.grant
    notify(
        recipients,
        subject=subject,
        message=message,
        link=reverse("credits:detail", args=[project.pk]),
        values={"number": grant.number, "title": grant.selection.proposal.title, **values},
    )


# --- opening the project -----------------------------------------------------------------------
def project_open(*, actor: Any, plan: MonitoringPlan) -> JcmProject:
    """The office or the filer opens the JCM project of a monitoring plan (one per plan)."""
    require(actor, "open_jcm_project", plan)
    with transaction.atomic():
        plan = MonitoringPlan.objects.select_for_update().select_related("grant").get(pk=plan.pk)
        existing = JcmProject.objects.filter(plan=plan).first()
        if existing is not None:
            raise ServiceError(
                _("The JCM project of %(number)s is already open.") % {"number": plan.grant.number}
            )
        project = JcmProject.objects.create(plan=plan, created_by=actor)
        audit_record(
            actor=actor,
            obj=project,
            action="jcm_project_open",
            to_state=project.state,
            payload={"plan": plan.pk, "grant": plan.grant.number},
        )
    return project


# --- the PDD and its local stakeholder consultation -------------------------------------------
def latest_pdd(project: JcmProject) -> PddVersion | None:
    return project.pdds.order_by("-version").first()


def pdd_save(
    *,
    actor: Any,
    project: JcmProject,
    title: str,
    lsc_held_on: dt.date,
    lsc_summary: str,
    reason: str = "",
) -> PddVersion:
    """A new version of the PDD with its local stakeholder consultation (2.(1)①: 「プロジェクト
    設計書(PDD)作成及びその一環として、地域住民等への説明やコメント聴取(LSC)の実施」). The
    first version needs no reason; each later one says why it changed. Possible until the TPE
    has validated it."""
    require(actor, "save_pdd", project)
    title = clean_text(title, _("The PDD's title"), limit=300)
    lsc_summary = clean_text(lsc_summary, _("The consultation's summary"), limit=TEXT_LIMIT)
    reason = clean_text(reason, _("The reason for the new version"), required=False)
    lsc_held_on = _date(lsc_held_on, _("The date of the local stakeholder consultation"))
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.PREPARING, S.IN_VALIDATION), _("Changing the PDD"))
        last = project.pdds.aggregate(n=Max("version"))["n"] or 0
        if last and not reason:
            raise ServiceError(
                _(
                    "Version %(version)s of the PDD exists: say why it changes (the reason is "
                    "kept with the new version; the earlier one is kept too)."
                )
                % {"version": last}
            )
        pdd = PddVersion.objects.create(
            project=project,
            version=last + 1,
            title=title,
            lsc_held_on=lsc_held_on,
            lsc_summary=lsc_summary,
            reason=reason if last else "",
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=project,
            action="pdd_save",
            payload={"pdd": pdd.pk, "version": pdd.version, "reason": pdd.reason},
        )
        assignment = ValidationAssignment.objects.filter(project=project).first()
        if project.state == S.IN_VALIDATION and assignment is not None:
            _tell(
                tpe_members(assignment.tpe_id),
                project,
                gettext_noop("New version of a PDD under validation"),
                gettext_noop(
                    "%(number)s (%(title)s): version %(version)s of the PDD was saved: %(reason)s"
                ),
                version=pdd.version,
                reason=pdd.reason,
            )
    return pdd


def pdd_document_add(*, actor: Any, project: JcmProject, kind: str, upload: Any) -> CycleDocument:
    """A file of the latest PDD version (the PDD, the consultation's record, another annex):
    type, content and size checked as every upload of the platform; added, never
    overwritten; the same bytes twice for one kind are refused."""
    require(actor, "add_pdd_document", project)
    if kind not in CycleDocument.Kind.values:
        raise ServiceError(
            _("%(kind)s is not a kind of document here; choose one of: %(kinds)s")
            % {"kind": kind or "—", "kinds": ", ".join(CycleDocument.Kind.values)}
        )
    checked = check_file(upload)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.PREPARING, S.IN_VALIDATION), _("Uploading a PDD document"))
        pdd = latest_pdd(project)
        if pdd is None:
            raise ServiceError(_("Save the PDD first; its documents belong to a version."))
        if pdd.documents.count() >= MAX_DOCUMENTS:
            raise ServiceError(
                _("This version of the PDD has %(n)s files, the most it can have.")
                % {"n": MAX_DOCUMENTS}
            )
        same = pdd.documents.filter(kind=kind, sha256=checked.sha256).first()
        if same is not None:
            raise ServiceError(
                _("%(name)s is already uploaded as %(existing)s (the same bytes).")
                % {"name": checked.name, "existing": same.original_name}
            )
        doc = CycleDocument(
            pdd=pdd,
            kind=kind,
            original_name=checked.name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        doc.file.save(f"{uuid.uuid4().hex}{checked.ext}", upload, save=False)
        try:
            doc.save()
            audit_record(
                actor=actor,
                obj=project,
                action="pdd_document_add",
                payload={
                    "pdd": pdd.pk,
                    "kind": kind,
                    "name": checked.name,
                    "sha256": checked.sha256,
                },
            )
        except BaseException:
            doc.file.storage.delete(doc.file.name)
            raise
    return doc


def validation_request(*, actor: Any, project: JcmProject) -> JcmProject:
    """The filer hands the PDD to validation (2.(1)①「第三者機関(TPE)による妥当性確認」):
    preparing → in validation. The latest version must have the PDD itself uploaded and the
    consultation's record (the LSC is part of the PDD)."""
    require(actor, "request_validation", project)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.PREPARING,), _("Requesting validation"))
        pdd = latest_pdd(project)
        missing = []
        if pdd is None:
            missing.append(_("Save the PDD with its local stakeholder consultation first."))
        else:
            kinds = set(pdd.documents.values_list("kind", flat=True))
            for kind in (CycleDocument.Kind.PDD, CycleDocument.Kind.LSC):
                if kind not in kinds:
                    missing.append(
                        _("Upload the %(what)s to version %(version)s of the PDD.")
                        % {"what": CycleDocument.Kind(kind).label, "version": pdd.version}
                    )
        if missing:
            raise ServiceError(missing[0], errors=missing)
        _move(project, S.IN_VALIDATION, actor, "validation_request", pdd=pdd.pk)
        assignment = ValidationAssignment.objects.filter(project=project).first()
        message = gettext_noop(
            "%(number)s (%(title)s): version %(version)s of the PDD is handed to validation."
        )
        subject = gettext_noop("PDD handed to validation")
        _tell(office(), project, subject, message, version=pdd.version)
        if assignment is not None:
            _tell(tpe_members(assignment.tpe_id), project, subject, message, version=pdd.version)
    return project


# --- the TPE's validation ----------------------------------------------------------------------
def validation_tpe_assign(*, actor: Any, project: JcmProject, tpe: Any) -> ValidationAssignment:
    """The office assigns the TPE organisation (kind ``tpe``) that validates the project, before
    or during validation; another may be assigned until the assigned one raised a finding."""
    require(actor, "assign_validation_tpe", project)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.PREPARING, S.IN_VALIDATION), _("Assigning a TPE"))
        org = findings.tpe_organisation(tpe)
        current = ValidationAssignment.objects.filter(project=project).first()
        before = None
        if current is not None:
            if current.tpe_id == org.pk:
                raise ServiceError(
                    _("The project is already assigned to %(tpe)s.") % {"tpe": org.name}
                )
            if project.validation_findings.exists():
                raise ServiceError(
                    _(
                        "%(tpe)s has raised findings on this project: its validation continues "
                        "with it and the TPE cannot be changed."
                    )
                    % {"tpe": current.tpe.name}
                )
            before = current.tpe_id
            current.tpe, current.assigned_by, current.assigned_at = org, actor, clock.now()
            current.save()
            assignment = current
        else:
            assignment = ValidationAssignment.objects.create(
                project=project, tpe=org, assigned_by=actor
            )
        audit_record(
            actor=actor,
            obj=project,
            action="validation_tpe_assign",
            payload={"tpe": org.pk, "previous_tpe": before},
        )
        _tell(
            tpe_members(org.pk),
            project,
            gettext_noop("JCM project assigned for validation"),
            gettext_noop(
                "%(number)s (%(title)s): the project's PDD is assigned to your organisation "
                "for validation."
            ),
        )
        if before is not None:
            _tell(
                tpe_members(before),
                project,
                gettext_noop("Validation assignment withdrawn"),
                gettext_noop(
                    "%(number)s (%(title)s): the project's validation is no longer assigned "
                    "to your organisation."
                ),
            )
    return assignment


def _finding(finding: ValidationFinding) -> ValidationFinding:
    """The finding fresh and locked, its project locked first (the order every service here
    locks in)."""
    locked_project(finding.project_id)
    return (
        ValidationFinding.objects.select_for_update()
        .select_related("project__plan__grant__selection__proposal")
        .get(pk=finding.pk)
    )


def validation_finding_raise(
    *, actor: Any, project: JcmProject, kind: str, text: str
) -> ValidationFinding:
    """A corrective action request (CAR) or clarification request (CL), during validation; the
    filer is told."""
    require(actor, "raise_validation_finding", project)
    findings.check_kind(kind, ValidationFinding)
    text = clean_text(text, _("The finding"), limit=TEXT_LIMIT)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.IN_VALIDATION,), _("Raising a finding"))
        finding = ValidationFinding.objects.create(
            project=project, kind=kind, text=text, raised_by=actor
        )
        audit_record(
            actor=actor,
            obj=project,
            action="validation_finding_raise",
            payload={"finding": finding.pk, "kind": kind},
        )
        _tell(
            filers(project),
            project,
            gettext_noop("Finding on the PDD"),
            gettext_noop(
                "%(number)s (%(title)s): the validating TPE raised a finding (%(kind)s); answer "
                "it on the project's page."
            ),
            kind=Msg(ValidationFinding.Kind(kind).label),
        )
    return finding


def validation_finding_answer(
    *, actor: Any, finding: ValidationFinding, answer: str
) -> ValidationFinding:
    """The filer answers a finding that is not closed (an answer may be rewritten until the TPE
    closes it); the TPE is told."""
    require(actor, "answer_validation_finding", finding)
    answer = clean_text(answer, _("The answer"), limit=TEXT_LIMIT)
    with transaction.atomic():
        finding = _finding(finding)
        project = finding.project
        _state(project, (S.IN_VALIDATION,), _("Answering a finding"))
        findings.answer(
            finding,
            actor=actor,
            text=answer,
            action="validation_finding_answer",
            payload={"project": project.pk},
        )
        assignment = ValidationAssignment.objects.filter(project=project).first()
        if assignment is not None:
            _tell(
                tpe_members(assignment.tpe_id),
                project,
                gettext_noop("Finding answered"),
                gettext_noop("%(number)s (%(title)s): the participant answered a finding."),
            )
    return finding


def validation_finding_close(*, actor: Any, finding: ValidationFinding) -> ValidationFinding:
    """The TPE closes a finding it is satisfied with, during validation."""
    require(actor, "close_validation_finding", finding)
    with transaction.atomic():
        finding = _finding(finding)
        _state(finding.project, (S.IN_VALIDATION,), _("Closing a finding"))
        return findings.close(
            finding,
            actor=actor,
            action="validation_finding_close",
            payload={"project": finding.project_id},
        )


def validation_issue(
    *, actor: Any, project: JcmProject, validated_on: dt.date, opinion: str
) -> ValidationReport:
    """The TPE issues its validation report on the latest PDD version: every finding closed,
    dated between that version's saving and today. In validation → validated; the report is
    fixed from then (the PDD too: no new version)."""
    require(actor, "issue_validation", project)
    opinion = clean_text(opinion, _("The validation opinion"), limit=TEXT_LIMIT)
    validated_on = _date(validated_on, _("The date of the validation"))
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.IN_VALIDATION,), _("Issuing the validation report"))
        pdd = latest_pdd(project)
        errors = []
        unresolved = findings.unresolved(project.validation_findings)
        if unresolved:
            errors.append(
                _(
                    "%(count)s finding(s) are not closed: close each one before issuing the "
                    "validation report."
                )
                % {"count": unresolved}
            )
        saved_on = pdd.created_at.astimezone(clock.JST).date() if pdd else None
        if saved_on and validated_on < saved_on:
            errors.append(
                _(
                    "The validation date %(date)s is before version %(version)s of the PDD was "
                    "saved (%(saved)s); a TPE validates the version it has read."
                )
                % {"date": validated_on, "version": pdd.version, "saved": saved_on}
            )
        if errors:
            raise ServiceError(errors[0], errors=errors)
        report = ValidationReport.objects.create(
            project=project,
            pdd=pdd,
            validated_on=validated_on,
            opinion=opinion,
            verifier=actor,
        )
        _move(
            project,
            S.VALIDATED,
            actor,
            "validation_issue",
            report=report.pk,
            pdd=pdd.pk,
            validated_on=validated_on.isoformat(),
        )
        subject = gettext_noop("PDD validated")
        message = gettext_noop(
            "%(number)s (%(title)s): the TPE validated version %(version)s of the PDD on "
            "%(on)s; the project can be submitted to the Joint Committee for registration."
        )
        values = {"version": pdd.version, "on": validated_on}
        _tell(filers(project), project, subject, message, **values)
        _tell(office(), project, subject, message, **values)
    return report


# --- registration with the Joint Committee -----------------------------------------------------
@dataclass(frozen=True)
class RegistrationDue:
    """When the registration request is due: ``due`` None with ``why`` where it cannot be said
    (no completion date yet, or the rulebook does not cover it)."""

    due: dt.date | None
    completed_on: dt.date | None
    clause: str
    why: str = ""


def registration_due(project: JcmProject) -> RegistrationDue:
    """Within one year of the grant's completion, in principle (2.(1)①, 2.(5)②(オ)), from the
    rules core (``jcm-registration``)."""
    grant = project.plan.grant
    clause = "2.(1)①, 2.(5)②(オ)"
    if grant.completed_on is None:
        return RegistrationDue(
            None, None, clause, _("The grant has no completion date yet (補助事業の完了).")
        )
    try:
        d = rules_deadline(
            grant.selection.proposal.call.rulebook(), "jcm-registration", grant.completed_on
        )
    except RenkeiError as exc:
        return RegistrationDue(None, grant.completed_on, clause, str(exc))
    return RegistrationDue(d.due, grant.completed_on, d.clause)


def _close_grant_due_date(actor: Any, project: JcmProject, request: RegistrationRequest) -> None:
    """The grant's due date for the registration request (its schedule's ``jcm_registration``)
    is done: recorded as the office's mark is, naming the request, so a refresh keeps it."""
    from renkei.grants.models import GrantDeadline

    row = (
        GrantDeadline.objects.select_for_update()
        .filter(grant=project.plan.grant, key="jcm_registration", done_at__isnull=True)
        .first()
    )
    if row is None:
        return
    now = clock.now()
    row.done_at = row.updated_at = now
    row.details = {
        **row.details,
        "marked_done": {
            "by": actor.pk,
            "at": now.isoformat(),
            "reason": f"JCM registration requested on Renkei ({request.requested_on})",
        },
    }
    row.save()
    audit_record(
        actor=actor,
        obj=row,
        action="deadline_done_by_registration_request",
        to_state="done",
        payload={"grant": project.plan.grant.number, "request": request.pk},
    )


def registration_request(*, actor: Any, project: JcmProject, note: str = "") -> RegistrationRequest:
    """The filer requests registration with the Joint Committee (2.(1)①「当該事業をJCM
    プロジェクトとして登録申請」): validated (or refused earlier) → registration requested. Due
    within one year of completion in principle: a later request is accepted and flagged
    (「原則として」; spec A-37). The Joint Committee contacts of the country and the office are
    told; the grant's due date for it is done."""
    require(actor, "request_registration", project)
    note = clean_text(note, _("The note"), required=False, limit=TEXT_LIMIT)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.VALIDATED, S.REJECTED), _("Requesting registration"))
        due = registration_due(project)
        on = today()
        request = RegistrationRequest.objects.create(
            project=project,
            requested_on=on,
            due_on=due.due,
            late=due.due is not None and on > due.due,
            note=note,
            requested_by=actor,
        )
        project.registration_requested_on = on
        _move(
            project,
            S.REGISTRATION_REQUESTED,
            actor,
            "registration_request",
            request=request.pk,
            due_on=due.due.isoformat() if due.due else None,
            late=request.late,
        )
        _close_grant_due_date(actor, project, request)
        values = {"on": on, "due": due.due or "—"}
        _tell(
            joint_committee(project),
            project,
            gettext_noop("Request for JCM project registration"),
            gettext_noop(
                "%(number)s (%(title)s): the project participants request registration as a "
                "JCM project (requested on %(on)s); register it or refuse with the reason."
            ),
            **values,
        )
        _tell(
            office(),
            project,
            gettext_noop("Request for JCM project registration"),
            gettext_noop(
                "%(number)s (%(title)s): registration requested from the Joint Committee on "
                "%(on)s (due in principle by %(due)s)."
            ),
            **values,
        )
    return request


def _reference_free(project: JcmProject, reference: str) -> None:
    """Refused when another project has the reference. The check before writing says it in
    most cases; two projects registered with one reference at once both pass it, and the
    database's unique constraint refuses the second, which then asks again (its transaction
    sees the first one's commit)."""
    taken = (
        JcmProject.objects.filter(reference=reference)
        .exclude(pk=project.pk)
        .select_related("plan__grant")
        .first()
    )
    if taken is not None:
        raise ServiceError(
            _(
                "The JCM project reference %(reference)s is already the reference of "
                "%(other)s; each registered project has its own."
            )
            % {"reference": reference, "other": taken.plan.grant.number}
        )


def registration_decide(
    *,
    actor: Any,
    project: JcmProject,
    register: bool,
    registered_on: dt.date | None = None,
    reference: str = "",
    reason: str = "",
) -> RegistrationRequest:
    """The Joint Committee contact of the project's country registers the project (date R, the
    JCM project reference) or refuses it with its reason. The filer and the office are told
    after commit, each in their language."""
    require(actor, "decide_registration", project)
    if register:
        reference = clean_text(reference, _("The JCM project reference"), limit=40)
        check_lengths(JcmProject, reference=reference)
        registered_on = _date(registered_on, _("The date of registration"))
    else:
        reason = clean_text(reason, _("The reason for the refusal"), limit=TEXT_LIMIT)
    with transaction.atomic():
        project = locked_project(project)
        _state(project, (S.REGISTRATION_REQUESTED,), _("Deciding on the registration"))
        request = (
            RegistrationRequest.objects.select_for_update()
            .filter(project=project, outcome=RegistrationRequest.Outcome.PENDING)
            .get()
        )
        if register:
            if registered_on < request.requested_on:
                raise ServiceError(
                    _(
                        "The date of registration %(date)s is before the request (%(requested)s); "
                        "give the day the Joint Committee registered the project."
                    )
                    % {"date": registered_on, "requested": request.requested_on}
                )
            _reference_free(project, reference)
            request.outcome = RegistrationRequest.Outcome.REGISTERED
            project.registered_on, project.reference = registered_on, reference
            try:  # another project registered with it meanwhile: the constraint says so
                with transaction.atomic():
                    project.save(update_fields=["registered_on", "reference"])
            except IntegrityError:
                _reference_free(project, reference)
                raise  # not the reference's constraint: as it is
            to = S.REGISTERED
        else:
            request.outcome = RegistrationRequest.Outcome.REFUSED
            request.reason = reason
            to = S.REJECTED
        request.decided_by, request.decided_at = actor, clock.now()
        request.save()
        _move(
            project,
            to,
            actor,
            "registration_decide",
            request=request.pk,
            registered_on=registered_on.isoformat() if register else None,
            reference=reference if register else "",
            reason=reason,
        )
        people = filers(project) + office()
        if register:
            _tell(
                people,
                project,
                gettext_noop("JCM project registered"),
                gettext_noop(
                    "%(number)s (%(title)s) is registered as a JCM project by the Joint "
                    "Committee: reference %(reference)s, registered on %(on)s."
                ),
                reference=reference,
                on=registered_on,
            )
        else:
            _tell(
                people,
                project,
                gettext_noop("JCM project registration refused"),
                gettext_noop(
                    "%(number)s (%(title)s): the Joint Committee refused the registration: "
                    "%(reason)s"
                ),
                reason=reason,
            )
    return request


# --- the credit allocation agreement (form 5) --------------------------------------------------
@dataclass(frozen=True)
class GojMinimum:
    """What the office requires of the Government of Japan's share: ``percent`` None when the
    office has set nothing (the call sets no share: spec §5 A-24)."""

    percent: Decimal | None
    source: str


def goj_minimum() -> GojMinimum:
    value = getattr(settings, "RENKEI_GOJ_MIN_SHARE_PERCENT", None)
    source = getattr(settings, "RENKEI_GOJ_MIN_SHARE_SOURCE", "") or ""
    if value in (None, ""):
        return GojMinimum(None, source)
    return GojMinimum(Decimal(str(value)), source)


def consortium(project: JcmProject) -> list[Organisation]:
    """The organisations of the grant's international consortium: the representative
    participant and the partner participants (2.(4)② 注1)."""
    proposal = project.plan.grant.selection.proposal
    partners = ProposalPartner.objects.filter(proposal=proposal).select_related("organisation")
    return [proposal.organisation, *[p.organisation for p in partners]]


def agreement_current(project: JcmProject) -> AllocationAgreement | None:
    return (
        AllocationAgreement.objects.filter(project=project, state=AgreementState.CURRENT)
        .prefetch_related("shares__organisation")
        .first()
    )


def _percent(value: Any, party: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ServiceError(
            _("The share of %(party)s is “%(value)s”, not a number: give a percent, e.g. 50.")
            % {"party": party, "value": value}
        )
    if number <= 0 or number > 100:
        raise ServiceError(
            _(
                "The share of %(party)s is %(value)s %%: a share is above 0 and at most 100 %% "
                "(a party that receives nothing is left out of the agreement)."
            )
            % {"party": party, "value": number}
        )
    if number.as_tuple().exponent < -4:
        raise ServiceError(
            _("The share of %(party)s is %(value)s %%: give at most four decimal places.")
            % {"party": party, "value": number}
        )
    return number


def agreement_record(
    *,
    actor: Any,
    project: JcmProject,
    agreed_on: dt.date,
    goj_percent: Any,
    participants: list[tuple[Any, Any]],
    reason: str = "",
) -> AllocationAgreement:
    """A new version of the credit allocation agreement (form 5, 「クレジット配分に係る合意書」,
    5.(3)①(ケ)): the Government of Japan's share and each participant's (organisations of the
    grant's consortium), in percent, adding up to 100 (the rules core's ``check_shares``); the
    Government of Japan's share at least what the office requires, if it requires anything
    (``RENKEI_GOJ_MIN_SHARE_PERCENT``). The version in force is superseded and kept; a change
    says why."""
    require(actor, "record_allocation_agreement", project)
    agreed_on = _date(agreed_on, _("The date of the agreement"))
    reason = clean_text(reason, _("The reason for the change"), required=False, limit=TEXT_LIMIT)
    goj_label = _("the Government of Japan")
    goj = _percent(goj_percent, goj_label)
    members = {org.pk: org for org in consortium(project)}
    errors: list[str] = []
    rows: list[tuple[str, Organisation | None, Decimal]] = [(GOVERNMENT_KEY, None, goj)]
    seen: set[int] = set()
    for org_ref, percent in participants:
        org_id = getattr(org_ref, "pk", org_ref)
        try:
            org_id = int(org_id)
        except (TypeError, ValueError):
            org_id = None
        org = members.get(org_id)
        if org is None:
            errors.append(
                _(
                    "%(org)s is not an organisation of the grant's consortium; the parties are "
                    "the Government of Japan and: %(members)s."
                )
                % {
                    "org": getattr(org_ref, "name", org_ref),
                    "members": ", ".join(o.name for o in members.values()),
                }
            )
            continue
        if org.pk in seen:
            errors.append(_("%(org)s is given twice; give each party once.") % {"org": org.name})
            continue
        seen.add(org.pk)
        rows.append((f"org{org.pk}", org, _percent(percent, org.name)))
    if not errors and len(rows) < 2:
        errors.append(
            _("Give the share of at least one project participant besides the Government of Japan.")
        )
    if not errors:
        total = sum((p for _k, _o, p in rows), Decimal(0))
        if total != 100:
            listed = ", ".join(
                f"{o.name if o else goj_label} {p.normalize():f} %" for _k, o, p in rows
            )
            errors.append(
                _(
                    "The shares add up to %(total)s %%, not 100 %%: %(listed)s. Change them so "
                    "that they add up to 100 %%."
                )
                % {"total": f"{total.normalize():f}", "listed": listed}
            )
    minimum = goj_minimum()
    if minimum.percent is not None and goj < minimum.percent:
        errors.append(
            _(
                "The Government of Japan's share is %(share)s %%; the office requires at least "
                "%(minimum)s %% (%(source)s). Give the Government of Japan %(minimum)s %% or more."
            )
            % {
                "share": f"{goj.normalize():f}",
                "minimum": f"{minimum.percent.normalize():f}",
                "source": minimum.source or _("source not given"),
            }
        )
    if errors:
        raise ServiceError(errors[0], errors=errors)
    shares = {key: percent for key, _o, percent in rows}
    try:  # the rules core's own check, the one the issuance's arithmetic relies on
        credit_rules.check_shares(shares, GOVERNMENT_KEY)
    except BadInput as exc:
        raise ServiceError(str(exc)) from exc
    with transaction.atomic():
        project = locked_project(project)
        current = (
            AllocationAgreement.objects.select_for_update()
            .filter(project=project, state=AgreementState.CURRENT)
            .first()
        )
        if current is not None and not reason:
            raise ServiceError(
                _(
                    "Version %(version)s of the agreement is in force: say why it changes (it is "
                    "kept, superseded, with the new version)."
                )
                % {"version": current.version}
            )
        last = project.agreements.aggregate(n=Max("version"))["n"] or 0
        if current is not None:
            current.state = AgreementState.SUPERSEDED
            current.save(update_fields=["state"])
        agreement = AllocationAgreement.objects.create(
            project=project,
            version=last + 1,
            agreed_on=agreed_on,
            reason=reason if current is not None else "",
            created_by=actor,
        )
        AllocationShare.objects.bulk_create(
            AllocationShare(
                agreement=agreement,
                key=key,
                is_government=org is None,
                organisation=org,
                percent=percent,
            )
            for key, org, percent in rows
        )
        audit_record(
            actor=actor,
            obj=project,
            action="agreement_record",
            payload={
                "agreement": agreement.pk,
                "version": agreement.version,
                "superseded": current.pk if current else None,
                "shares": {k: str(v) for k, v in shares.items()},
                "reason": agreement.reason,
            },
        )
    return agreement
