"""The credits stage's issuance services (JCM 2.(1)③, 2.(5)②(カ); spec §2.5 I1–I6): every state
change of this part, each with its permission check (``renkei.access``), fresh rows under lock,
audit event and notices after commit.

- ``issuance_request_create``: the filer (the representative participant's applicants, spec
  A-35) drafts a request for verified periods of a registered project with a credit allocation
  agreement in force; ``issuance_request_set_periods`` changes the draft's periods;
- ``issuance_request_submit``: to the Joint Committee of the project's country;
- ``issuance_request_withdraw``: the filer, before the decision; its periods are free again;
- ``issuance_request_approve``: the Joint Committee issues, per period at most the verified
  reductions (whole tCO2), recording the ``Issuance`` with the agreement in force and the
  vintage; ``issuance_request_refuse``: with the reason; the periods are free again.

A period is in at most one active request (the database's partial unique constraint
``issuance_period_once``) and is never issued above its verified reductions
(``issuance_not_above_verified``). Every service locks the project's row first, then the
request's, so two decisions on one request are serialised and the second sees the first's.

The schedule (``issuance_due_dates``) comes from the rules core
(``renkei.rules.jcm.issuance_schedule``); ``send_issuance_reminders`` is the task runner's job
(``renkei.credits.tasks_issuance``), each reminder sent once (``IssuanceReminderSent``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.accounts.notices import Msg, notify
from renkei.audit.services import audit_record
from renkei.credits.models import (
    AgreementState,
    AllocationAgreement,
    Issuance,
    IssuanceReminderSent,
    IssuanceRequest,
    IssuanceRequestPeriod,
    JcmProject,
    ProjectState,
    RequestState,
)
from renkei.errors import RenkeiError
from renkei.monitoring.models import MonitoringPeriod, PeriodState, Verification
from renkei.services import NotAllowed, ServiceError, clean_text

log = logging.getLogger(__name__)

__all__ = [
    "DueDate",
    "issuable_periods",
    "issuance_due_dates",
    "issuance_request_approve",
    "issuance_request_create",
    "issuance_request_refuse",
    "issuance_request_set_periods",
    "issuance_request_submit",
    "issuance_request_withdraw",
    "send_issuance_reminders",
]

R = RequestState
CLAUSE = "2.(1)③; 2.(5)②(カ)"
TEXT_LIMIT = 10_000
MAX_TCO2 = 10**11  # far above any project, below the databases' bigint


# --- shared helpers ----------------------------------------------------------------------------
def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _locked_project(project: JcmProject | int) -> JcmProject:
    pk = project.pk if isinstance(project, JcmProject) else project
    return (
        JcmProject.objects.select_for_update()
        .select_related("plan__grant__selection__proposal")
        .get(pk=pk)
    )


def _locked(request: IssuanceRequest) -> tuple[JcmProject, IssuanceRequest]:
    """The project's row, then the request's, fresh and locked (the order of every service)."""
    project = _locked_project(request.project_id)
    fresh = IssuanceRequest.objects.select_for_update().get(pk=request.pk)
    fresh.project = project
    return project, fresh


def _state(request: IssuanceRequest, allowed: tuple[str, ...], doing: str) -> None:
    if request.state not in allowed:
        raise ServiceError(
            _(
                "%(doing)s is not possible while the issuance request is “%(state)s”; it is "
                "possible when it is: %(allowed)s."
            )
            % {
                "doing": doing,
                "state": request.get_state_display(),
                "allowed": ", ".join(str(RequestState(s).label) for s in allowed),
            }
        )


def _registered(project: JcmProject) -> None:
    if project.state != ProjectState.REGISTERED:
        raise ServiceError(
            _(
                "The project is not registered with the Joint Committee (it is “%(state)s”): "
                "credits are requested for a registered JCM project only (2.(1)③)."
            )
            % {"state": project.get_state_display()}
        )


def _agreement_in_force(project: JcmProject) -> AllocationAgreement:
    agreement = (
        AllocationAgreement.objects.select_for_update()
        .filter(project=project, state=AgreementState.CURRENT)
        .first()
    )
    if agreement is None:
        raise ServiceError(
            _(
                "The project has no credit allocation agreement in force: record the agreement "
                "(form 5) on the project before requesting issuance (2.(5)②(カ))."
            )
        )
    return agreement


def _users(**filters: Any) -> list[Any]:
    return list(get_user_model().objects.filter(is_active=True, **filters).order_by("pk"))


def filers(project: JcmProject) -> list[Any]:
    """The representative participant's applicants (they file: spec A-35)."""
    org = project.plan.grant.selection.proposal.organisation_id
    return _users(role=Role.APPLICANT, organisation_id=org)


def joint_committee(project: JcmProject) -> list[Any]:
    return _users(role=Role.JOINT_COMMITTEE, country=project.plan.grant.selection.proposal.country)


def _tell(recipients: list[Any], request: IssuanceRequest, subject: str, message: str, **values):
    project = request.project
    notify(
        recipients,
        subject=subject,
        message=message,
        link=reverse("credits:issuance_request", args=[request.pk]),
        values={
            "project": str(project),
            "number": project.plan.grant.number,
            "request": request.pk,
            **values,
        },
    )


def _move(request: IssuanceRequest, target: str, actor: Any, action: str, **payload) -> None:
    before = request.state
    request.state = target
    request.save()
    audit_record(
        actor=actor,
        obj=request,
        action=action,
        from_state=before,
        to_state=target,
        payload={"project": request.project_id, **payload},
    )


# --- which periods may be requested ------------------------------------------------------------
def issuable_periods(project: JcmProject) -> list[tuple[MonitoringPeriod, int]]:
    """The project's verified periods (a superseded version left out) with their verified
    tonnes that no active request holds, by start."""
    held = IssuanceRequestPeriod.objects.filter(active=True, request__project=project).values_list(
        "period_id", flat=True
    )
    rows = (
        Verification.objects.filter(
            period__plan_id=project.plan_id, period__state=PeriodState.VERIFIED
        )
        .exclude(period_id__in=held)
        .select_related("period")
        .order_by("period__start", "period__version")
    )
    return [(v.period, int(v.verified_tco2)) for v in rows]


def _period_ids(periods: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for p in periods or ():
        pk = getattr(p, "pk", p)
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise ServiceError(
                _("%(value)r is not a monitoring period; give the periods by their ids.")
                % {"value": p}
            )
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ServiceError(
            _("Choose at least one verified monitoring period for the issuance request.")
        )
    return ids


def _check_periods(
    project: JcmProject, ids: list[int], request: IssuanceRequest | None = None
) -> list[tuple[MonitoringPeriod, int]]:
    """Each period of the project's plan, verified (not superseded), held by no other active
    request; the reasons for every one that is not."""
    found = {
        p.pk: p
        for p in MonitoringPeriod.objects.filter(
            pk__in=ids, plan_id=project.plan_id
        ).select_related("verification")
    }
    held = dict(
        IssuanceRequestPeriod.objects.filter(period_id__in=ids, active=True)
        .exclude(request=request)
        .values_list("period_id", "request_id")
    )
    errors: list[str] = []
    chosen: list[tuple[MonitoringPeriod, int]] = []
    until = issuance_due_dates(project).eligible_until  # I1 (None: not known yet)
    for pk in ids:
        period = found.get(pk)
        if period is None:
            errors.append(
                _("Monitoring period %(id)s is not a period of this project's monitoring plan.")
                % {"id": pk}
            )
            continue
        verification = getattr(period, "verification", None)
        if period.state != PeriodState.VERIFIED or verification is None:
            errors.append(
                _(
                    "The monitoring period %(start)s–%(end)s (version %(version)s) is "
                    "“%(state)s”: credits are requested for verified periods only (2.(1)③); "
                    "choose a verified period (a superseded one is replaced by its verified "
                    "correction)."
                )
                % {
                    "start": period.start,
                    "end": period.end,
                    "version": period.version,
                    "state": period.get_state_display(),
                }
            )
            continue
        if pk in held:
            errors.append(
                _(
                    "The monitoring period %(start)s–%(end)s is already in issuance request "
                    "#%(other)s: a period is requested (and issued) once; withdraw that request "
                    "first to request it here."
                )
                % {"start": period.start, "end": period.end, "other": held[pk]}
            )
            continue
        if until is not None and period.end > until:
            errors.append(
                _(
                    "The monitoring period %(start)s–%(end)s runs past %(until)s, the last day "
                    "whose reductions may be credited (the end of the useful life or of the "
                    "bilateral document's validity, 2.(1)③)."
                )
                % {"start": period.start, "end": period.end, "until": until}
            )
            continue
        chosen.append((period, int(verification.verified_tco2)))
    if errors:
        raise ServiceError(errors[0], errors=errors)
    return sorted(chosen, key=lambda pv: (pv[0].start, pv[0].version))


def _hold(request: IssuanceRequest, chosen: list[tuple[MonitoringPeriod, int]]) -> None:
    """The request's period rows; the database refuses a period another active request holds."""
    try:
        with transaction.atomic():
            for period, verified in chosen:
                IssuanceRequestPeriod.objects.create(
                    request=request, period=period, verified_tco2=verified
                )
    except IntegrityError as exc:
        raise ServiceError(
            _(
                "One of the periods was requested in another issuance request meanwhile: a "
                "period is requested once. Reload the page and choose again."
            )
        ) from exc


# --- the filer ---------------------------------------------------------------------------------
def issuance_request_create(
    *, actor: Any, project: JcmProject, periods: Iterable[Any]
) -> IssuanceRequest:
    """A draft request for ``periods`` (monitoring periods or their ids) of a registered project
    with an allocation agreement in force."""
    _require(actor, "create_issuance_request", project)
    ids = _period_ids(periods)
    with transaction.atomic():
        project = _locked_project(project)
        _registered(project)
        _agreement_in_force(project)
        chosen = _check_periods(project, ids)
        request = IssuanceRequest.objects.create(project=project, created_by=actor)
        _hold(request, chosen)
        audit_record(
            actor=actor,
            obj=request,
            action="issuance_request_create",
            to_state=request.state,
            payload={"project": project.pk, "periods": [p.pk for p, _v in chosen]},
        )
    return request


def issuance_request_set_periods(
    *, actor: Any, request: IssuanceRequest, periods: Iterable[Any]
) -> IssuanceRequest:
    """The draft's periods replaced by ``periods`` (bundling several years is allowed, I3)."""
    _require(actor, "edit_issuance_request", request)
    ids = _period_ids(periods)
    with transaction.atomic():
        project, request = _locked(request)
        _state(request, (R.DRAFT,), _("Changing the periods"))
        chosen = _check_periods(project, ids, request)
        before = list(request.periods.values_list("period_id", flat=True))
        request.periods.all().delete()
        _hold(request, chosen)
        audit_record(
            actor=actor,
            obj=request,
            action="issuance_request_set_periods",
            payload={"before": before, "periods": [p.pk for p, _v in chosen]},
        )
    return request


def issuance_request_submit(*, actor: Any, request: IssuanceRequest) -> IssuanceRequest:
    """Draft → submitted to the Joint Committee of the project's country, who is told, as is
    the office."""
    _require(actor, "submit_issuance_request", request)
    with transaction.atomic():
        project, request = _locked(request)
        _state(request, (R.DRAFT,), _("Submitting the request"))
        _registered(project)
        _agreement_in_force(project)
        ids = list(request.periods.values_list("period_id", flat=True))
        _check_periods(project, _period_ids(ids), request)  # still verified, still free
        request.submitted_at = clock.now()
        total = sum(request.periods.values_list("verified_tco2", flat=True))
        _move(request, R.SUBMITTED, actor, "issuance_request_submit", verified_tco2=total)
        subject = gettext_noop("Issuance request submitted")
        message = gettext_noop(
            "%(project)s (%(number)s): issuance request #%(request)s for %(tonnes)s tCO2 of "
            "verified reductions is submitted to the Joint Committee."
        )
        _tell(joint_committee(project), request, subject, message, tonnes=total)
        _tell(_users(role=Role.OFFICE), request, subject, message, tonnes=total)
    return request


def issuance_request_withdraw(*, actor: Any, request: IssuanceRequest) -> IssuanceRequest:
    """The filer withdraws a draft or a submitted request before the decision; its periods may
    be requested again."""
    _require(actor, "withdraw_issuance_request", request)
    with transaction.atomic():
        project, request = _locked(request)
        _state(request, (R.DRAFT, R.SUBMITTED), _("Withdrawing the request"))
        was_submitted = request.state == R.SUBMITTED
        request.periods.update(active=False)
        _move(request, R.WITHDRAWN, actor, "issuance_request_withdraw")
        if was_submitted:
            subject = gettext_noop("Issuance request withdrawn")
            message = gettext_noop(
                "%(project)s (%(number)s): issuance request #%(request)s was withdrawn by the "
                "project participant before the decision."
            )
            _tell(joint_committee(project), request, subject, message)
            _tell(_users(role=Role.OFFICE), request, subject, message)
    return request


# --- the Joint Committee -----------------------------------------------------------------------
def _whole_tonnes(value: Any, period: MonitoringPeriod) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(
            _(
                "The credits issued for %(start)s–%(end)s must be a whole number of tonnes of "
                "CO2 (got %(value)r)."
            )
            % {"start": period.start, "end": period.end, "value": value}
        )
    return value


def issuance_request_approve(
    *, actor: Any, request: IssuanceRequest, issued: Mapping[int, int] | None = None
) -> Issuance:
    """The Joint Committee issues credits: ``issued`` maps each period id of the request to the
    credits issued for it (whole tCO2, from 0 to its verified reductions; default: the verified
    reductions), in all more than 0. Submitted → approved, with the ``Issuance`` recorded
    against the allocation agreement in force and the vintage (first period's start to the last
    period's end). The filer, the office and the registry administrators are told."""
    _require(actor, "decide_issuance_request", request)
    with transaction.atomic():
        project, request = _locked(request)
        _state(request, (R.SUBMITTED,), _("Issuing credits"))
        agreement = _agreement_in_force(project)
        rows = list(
            request.periods.select_related("period").order_by("period__start", "period__version")
        )
        errors: list[str] = []
        given = dict(issued or {})
        unknown = set(given) - {r.period_id for r in rows}
        if unknown:
            errors.append(
                _("Periods %(ids)s are not in this request; give amounts for its own periods.")
                % {"ids": ", ".join(str(i) for i in sorted(unknown))}
            )
        amounts: dict[int, int] = {}
        for row in rows:
            period = row.period
            if period.state != PeriodState.VERIFIED:
                errors.append(
                    _(
                        "The monitoring period %(start)s–%(end)s is “%(state)s” since the request "
                        "was submitted (a correction was verified): refuse the request so the "
                        "participant requests the corrected period."
                    )
                    % {
                        "start": period.start,
                        "end": period.end,
                        "state": period.get_state_display(),
                    }
                )
                continue
            try:
                amount = _whole_tonnes(given.get(row.period_id, row.verified_tco2), period)
            except ServiceError as exc:
                errors.append(str(exc))
                continue
            if not 0 <= amount <= row.verified_tco2:
                errors.append(
                    _(
                        "The credits issued for %(start)s–%(end)s (%(got)s tCO2) must be from 0 "
                        "to its verified reductions (%(verified)s tCO2): credits are never issued "
                        "above what the TPE verified."
                    )
                    % {
                        "start": period.start,
                        "end": period.end,
                        "got": amount,
                        "verified": row.verified_tco2,
                    }
                )
                continue
            amounts[row.period_id] = amount
        total = sum(amounts.values())
        if not errors and total <= 0:
            errors.append(
                _(
                    "No credits would be issued (0 tCO2 in all): refuse the request with the "
                    "reason instead."
                )
            )
        if errors:
            raise ServiceError(errors[0], errors=errors)
        for row in rows:
            row.issued_tco2 = amounts[row.period_id]
            row.save(update_fields=["issued_tco2"])
        issuance = Issuance.objects.create(
            request=request,
            agreement=agreement,
            issued_tco2=total,
            decided_on=clock.today(),
            vintage_start=rows[0].period.start,
            vintage_end=max(r.period.end for r in rows),
            decided_by=actor,
        )
        request.decided_at = clock.now()
        _move(
            request,
            R.APPROVED,
            actor,
            "issuance_request_approve",
            issuance=issuance.pk,
            issued_tco2=total,
            per_period={str(k): v for k, v in amounts.items()},
            agreement=agreement.pk,
        )
        values = {
            "tonnes": total,
            "start": issuance.vintage_start,
            "end": issuance.vintage_end,
        }
        subject = gettext_noop("Credits issued")
        message = gettext_noop(
            "%(project)s (%(number)s): the Joint Committee issued %(tonnes)s tCO2 of credits "
            "for issuance request #%(request)s (vintage %(start)s–%(end)s)."
        )
        _tell(filers(project), request, subject, message, **values)
        _tell(_users(role=Role.OFFICE), request, subject, message, **values)
        _tell(_users(role=Role.REGISTRY), request, subject, message, **values)
    return issuance


def issuance_request_refuse(
    *, actor: Any, request: IssuanceRequest, reason: str
) -> IssuanceRequest:
    """The Joint Committee refuses, with the reason; the periods may be requested again."""
    _require(actor, "decide_issuance_request", request)
    reason = clean_text(reason, _("The reason for the refusal"), limit=TEXT_LIMIT)
    with transaction.atomic():
        project, request = _locked(request)
        _state(request, (R.SUBMITTED,), _("Refusing the request"))
        request.periods.update(active=False)
        request.decision_note = reason
        request.decided_at = clock.now()
        _move(request, R.REJECTED, actor, "issuance_request_refuse", reason=reason)
        subject = gettext_noop("Issuance request refused")
        message = gettext_noop(
            "%(project)s (%(number)s): the Joint Committee refused issuance request "
            "#%(request)s: %(reason)s"
        )
        _tell(filers(project), request, subject, message, reason=reason)
        _tell(_users(role=Role.OFFICE), request, subject, message, reason=reason)
    return request


# --- the schedule ------------------------------------------------------------------------------
LABELS = {
    "first-issuance": gettext_noop("First issuance request (within a year of registration)"),
    "issuance-2030": gettext_noop("Issuance request for the reductions up to 2030 (during 2031)"),
    "last-issuance": gettext_noop("Last issuance request (within a year after the end)"),
}


@dataclass
class DueDate:
    key: str
    label: str
    due_on: dt.date
    clause: str
    done: bool
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Schedule:
    due_dates: list[DueDate]
    notes: list[str]
    eligible_from: dt.date | None = None
    eligible_until: dt.date | None = None
    missing: str = ""  # why there is no schedule (a fact not recorded yet)


def _lang() -> str:
    from django.utils import translation

    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


def _note(note: Any, lang: str) -> str:
    """A rules-core note as shown: its sentence and the clauses it cites."""
    d = note.to_dict(lang)
    return f"{d['message']} ({'; '.join(d['clauses'])})" if d["clauses"] else d["message"]


def issuance_due_dates(project: JcmProject) -> Schedule:
    """The project's issuance due dates (I2, I5, I4) from the rules core, each with its clause,
    the readings applied and whether it is done: the first when a request has been submitted;
    [INTERP] the 2030 one when submitted or decided requests cover periods up to 31 December
    2030, the last when they cover periods up to the end of the issuance period (the end of the
    useful life, or of the bilateral document's validity)."""
    from renkei.rules.jcm import issuance_schedule

    grant = project.plan.grant
    if project.state != ProjectState.REGISTERED or project.registered_on is None:
        return Schedule([], [], missing=_("The schedule starts when the project is registered."))
    if grant.operation_started_on is None or not grant.useful_life_years:
        return Schedule(
            [],
            [],
            missing=_(
                "The start of operation and the useful life are not recorded on the grant yet: "
                "the due dates after the first depend on them."
            ),
        )
    try:
        sched = issuance_schedule(
            grant.selection.proposal.call.rulebook(),
            registered_on=project.registered_on,
            operation_start=grant.operation_started_on,
            useful_life_years=grant.useful_life_years,
            bilateral_valid_until=project.plan.bilateral_valid_until,
        )
    except RenkeiError as exc:
        log.warning("no issuance schedule for project %s: %s", project.pk, exc)
        return Schedule([], [], missing=str(exc))
    lang = _lang()
    filed = IssuanceRequestPeriod.objects.filter(
        request__project=project, request__state__in=(R.SUBMITTED, R.APPROVED)
    )
    covered_to = max(filed.values_list("period__end", flat=True), default=None)
    due_dates = []
    for d in sched.deadlines:
        if d.event == "first-issuance":
            done = filed.exists()
        elif d.event == "issuance-2030":
            done = covered_to is not None and covered_to >= d.extra["reductions_until"]
        else:
            done = covered_to is not None and covered_to >= d.basis_date
        due_dates.append(
            DueDate(
                d.event,
                _(LABELS[d.event]),
                d.due,
                d.clause,
                done,
                [_note(n, lang) for n in d.notes],
                dict(d.extra),
            )
        )
    return Schedule(
        due_dates,
        [_note(n, lang) for n in sched.notes],
        sched.eligible_from,
        sched.eligible_until,
    )


# --- reminders (the task runner's job) ---------------------------------------------------------
SUBJECT_SOON = gettext_noop("Renkei: an issuance request is due soon")
SUBJECT_OVERDUE = gettext_noop("Renkei: an issuance request is overdue")
MESSAGES = {
    "before": gettext_noop(
        "%(what)s for %(project)s (%(number)s) is due on %(due)s (JCM call %(clause)s), in "
        "%(days)s days."
    ),
    "overdue": gettext_noop(
        "%(what)s for %(project)s (%(number)s) was due on %(due)s (JCM call %(clause)s) and no "
        "request covering it has been submitted."
    ),
}


def send_issuance_reminders(today: dt.date | None = None) -> int:
    """Every issuance reminder that falls due ``today`` (default: today in JST) and has not been
    sent, to the representative participant's applicants: N days before
    (``RENKEI_REMINDER_DAYS_BEFORE``, as the grant stage's) and once overdue. The number sent."""
    from renkei.grants.services.schedule import reminder_days, stage_on

    today = today or clock.today()
    days = reminder_days()
    sent = 0
    projects = JcmProject.objects.filter(state=ProjectState.REGISTERED).select_related(
        "plan__grant__selection__proposal__call"
    )
    for project in projects.order_by("pk"):
        for due in issuance_due_dates(project).due_dates:
            if due.done:
                continue
            stage = stage_on(due.due_on, today, days)
            if stage is not None and _remind(project, due, stage, today):
                sent += 1
    return sent


def _remind(project: JcmProject, due: DueDate, stage: str, today: dt.date) -> bool:
    """One reminder, recorded and notified in one transaction; False when already sent (the
    unique constraint decides between two workers)."""
    try:
        with transaction.atomic():
            IssuanceReminderSent.objects.create(
                project=project, key=due.key, stage=stage, due_on=due.due_on
            )
            people = filers(project)
            audit_record(
                actor=None,
                obj=project,
                action="issuance_remind",
                to_state=stage,
                payload={
                    "key": due.key,
                    "due_on": due.due_on.isoformat(),
                    "recipients": [p.pk for p in people],
                },
            )
            notify(
                people,
                subject=SUBJECT_OVERDUE if stage == "overdue" else SUBJECT_SOON,
                message=MESSAGES["overdue" if stage == "overdue" else "before"],
                link=reverse("credits:issuance_project", args=[project.pk]),
                values={
                    "what": Msg(LABELS[due.key]),
                    "project": str(project),
                    "number": project.plan.grant.number,
                    "due": due.due_on,
                    "clause": due.clause,
                    "days": (due.due_on - today).days,
                },
            )
    except IntegrityError:
        return False
    return True
