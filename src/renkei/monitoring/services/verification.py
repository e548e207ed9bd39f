"""Verification by a third-party entity (JCM 2.(1)③ 「TPEによる検証の実施」; 2.(5)②(イ): the
consortium supplies the TPE with what it needs).

The office assigns a submitted period to a TPE organisation (``tpe_assign``); the TPE's
verifiers start the verification, raise findings (CAR: corrective action request, CL:
clarification request) and return the period to the participant; the representative
participant's applicants answer each finding and resubmit (the period part's
``period_submit``: returned → submitted); the TPE starts again, closes the findings and issues
its verification with the verified amount. A verified period and its verification never change
again: every service here refuses them (a correction is a new version, ``period_correct``, and
the version it corrects is superseded only when the correction is verified).

Every service: the permission (``renkei.access``), the period's row fresh and locked
(``locked_period``: two verifiers acting on one period at once are serialised, and the second
decides on what the first did), the checks with what would be right, the transition, an audit
event and the notices after commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import clock
from renkei.accounts.models import Organisation, Role
from renkei.accounts.notices import Msg, notify
from renkei.audit.services import audit_record
from renkei.monitoring.models import (
    Finding,
    MonitoringPeriod,
    MonitoringPlan,
    PeriodState,
    Verification,
    VerificationAssignment,
)
from renkei.monitoring.services import findings
from renkei.monitoring.services.core import locked_period, require
from renkei.services import ServiceError, clean_text

__all__ = [
    "finding_answer",
    "finding_close",
    "finding_raise",
    "period_return",
    "tpe_assign",
    "verification_issue",
    "verification_start",
    "verified_reductions",
]

S = PeriodState
TEXT_LIMIT = 10_000
MAX_TCO2 = 10**11  # far above any project, below the databases' bigint


today = clock.today


# --- shared helpers ----------------------------------------------------------------------------
def _text(value: Any, what: str) -> str:
    return clean_text(value, what, limit=TEXT_LIMIT)


def _state(period: MonitoringPeriod, allowed: tuple[str, ...], doing: str) -> None:
    if period.state not in allowed:
        raise ServiceError(
            _(
                "%(doing)s is not possible while the monitoring period is “%(state)s”; it is "
                "possible when it is: %(allowed)s."
            )
            % {
                "doing": doing,
                "state": period.get_state_display(),
                "allowed": ", ".join(str(PeriodState(s).label) for s in allowed),
            }
        )


def _fixed(period: MonitoringPeriod) -> None:
    """A verified (or superseded) period is fixed: nothing about it or its verification changes."""
    if period.state in (S.VERIFIED, S.SUPERSEDED):
        raise ServiceError(
            _(
                "The monitoring period %(start)s–%(end)s (version %(version)s) is verified: its "
                "verified reductions are fixed and nothing about it can change. A correction is "
                "a new version with its reason."
            )
            % {"start": period.start, "end": period.end, "version": period.version}
        )


def _move(period: MonitoringPeriod, transition: str, actor: Any, action: str, **payload) -> None:
    before = period.state
    getattr(period, transition)()
    period.save(update_fields=["state"])
    audit_record(
        actor=actor,
        obj=period,
        action=action,
        from_state=before,
        to_state=period.state,
        payload=payload,
    )


def _users(**filters: Any) -> list[Any]:
    return list(get_user_model().objects.filter(is_active=True, **filters).order_by("pk"))


def tpe_members(tpe_id: int) -> list[Any]:
    return _users(role=Role.VERIFIER, organisation_id=tpe_id)


def filers(plan: MonitoringPlan) -> list[Any]:
    """The representative participant's applicants (they file: 2.(4)② 注2, spec A-35)."""
    return _users(
        role=Role.APPLICANT, organisation_id=plan.grant.selection.proposal.organisation_id
    )


def office() -> list[Any]:
    return _users(role=Role.OFFICE)


def _tell(recipients: list[Any], period: MonitoringPeriod, subject: str, message: str, **values):
    notify(
        recipients,
        subject=subject,
        message=message,
        link=reverse("monitoring:detail", args=[period.plan_id]),
        values={
            "number": period.plan.grant.number,
            "start": period.start,
            "end": period.end,
            "version": period.version,
            **values,
        },
    )


def _finding(finding: Finding) -> Finding:
    """The finding's row fresh and locked, its period locked first (the order every service
    here locks in, so two of them never wait on each other)."""
    locked_period(finding.period_id)
    return (
        Finding.objects.select_for_update().select_related("period__plan__grant").get(pk=finding.pk)
    )


# --- assignment --------------------------------------------------------------------------------
def tpe_assign(
    *, actor: Any, period: MonitoringPeriod, tpe: Organisation
) -> VerificationAssignment:
    """The office assigns a submitted period to a TPE organisation (kind ``tpe``). It may assign
    another TPE until the assigned one has raised a finding."""
    require(actor, "assign_tpe", period)
    with transaction.atomic():
        period = locked_period(period)
        _fixed(period)
        _state(period, (S.SUBMITTED,), _("Assigning a TPE"))
        tpe = findings.tpe_organisation(tpe)
        current = VerificationAssignment.objects.filter(period=period).first()
        if current is not None:
            if current.tpe_id == tpe.pk:
                raise ServiceError(
                    _("The period is already assigned to %(tpe)s.") % {"tpe": tpe.name}
                )
            if period.findings.exists():
                raise ServiceError(
                    _(
                        "%(tpe)s has raised findings on this period: its verification continues "
                        "with it and the TPE cannot be changed."
                    )
                    % {"tpe": current.tpe.name}
                )
            before = current.tpe_id
            current.tpe, current.assigned_by, current.assigned_at = tpe, actor, clock.now()
            current.save()
            assignment = current
        else:
            before = None
            assignment = VerificationAssignment.objects.create(
                period=period, tpe=tpe, assigned_by=actor
            )
        audit_record(
            actor=actor,
            obj=period,
            action="tpe_assign",
            payload={"tpe": tpe.pk, "previous_tpe": before},
        )
        _tell(
            tpe_members(tpe.pk),
            period,
            gettext_noop("Monitoring report assigned for verification"),
            gettext_noop(
                "%(number)s: the monitoring report for %(start)s–%(end)s (version %(version)s) is "
                "assigned to your organisation for verification."
            ),
        )
        if before is not None:
            _tell(
                tpe_members(before),
                period,
                gettext_noop("Verification assignment withdrawn"),
                gettext_noop(
                    "%(number)s: the monitoring report for %(start)s–%(end)s (version "
                    "%(version)s) is no longer assigned to your organisation."
                ),
            )
    return assignment


# --- the TPE's verification --------------------------------------------------------------------
def verification_start(*, actor: Any, period: MonitoringPeriod) -> MonitoringPeriod:
    """The TPE starts (or, after a resubmission, resumes) verifying: submitted → in verification."""
    require(actor, "start_verification", period)
    with transaction.atomic():
        period = locked_period(period)
        _fixed(period)
        _state(period, (S.SUBMITTED,), _("Starting the verification"))
        _move(period, "_start_verification", actor, "verification_start")
    return period


def finding_raise(*, actor: Any, period: MonitoringPeriod, kind: str, text: str) -> Finding:
    """A corrective action request (CAR) or clarification request (CL), during verification."""
    require(actor, "raise_finding", period)
    findings.check_kind(kind, Finding)
    text = _text(text, _("The finding"))
    with transaction.atomic():
        period = locked_period(period)
        _fixed(period)
        _state(period, (S.IN_VERIFICATION,), _("Raising a finding"))
        finding = Finding.objects.create(period=period, kind=kind, text=text, raised_by=actor)
        audit_record(
            actor=actor,
            obj=period,
            action="finding_raise",
            payload={"finding": finding.pk, "kind": kind},
        )
    return finding


def period_return(*, actor: Any, period: MonitoringPeriod) -> MonitoringPeriod:
    """The TPE returns the period to the participant with the findings it has not closed (an
    answered one it did not accept is open again): in verification → returned. The
    representative's applicants are told."""
    require(actor, "return_period", period)
    with transaction.atomic():
        period = locked_period(period)
        _fixed(period)
        _state(period, (S.IN_VERIFICATION,), _("Returning the period"))
        unresolved = period.findings.exclude(status=Finding.Status.CLOSED)
        open_ = unresolved.count()
        if not open_:
            raise ServiceError(
                _(
                    "There is no open finding to answer: raise a finding (CAR or CL) before "
                    "returning the period, or issue the verification."
                )
            )
        # an answer the TPE did not accept goes back with the period, to be answered again
        # (the earlier answer is kept in the form to rewrite)
        reopened = list(
            unresolved.filter(status=Finding.Status.ANSWERED).values_list("pk", flat=True)
        )
        Finding.objects.filter(pk__in=reopened).update(status=Finding.Status.OPEN)
        _move(period, "_return", actor, "period_return", open_findings=open_, reopened=reopened)
        _tell(
            filers(period.plan),
            period,
            gettext_noop("Monitoring report returned with findings"),
            gettext_noop(
                "%(number)s: the TPE returned the monitoring report for %(start)s–%(end)s "
                "(version %(version)s) with %(count)s open finding(s); answer each and resubmit."
            ),
            count=open_,
        )
    return period


def finding_answer(*, actor: Any, finding: Finding, answer: str) -> Finding:
    """The representative's applicants answer a finding while the period is returned (an answer
    may be rewritten until the period is resubmitted)."""
    require(actor, "answer_finding", finding)
    answer = _text(answer, _("The answer"))
    with transaction.atomic():
        finding = _finding(finding)
        period = finding.period
        _fixed(period)
        _state(period, (S.RETURNED,), _("Answering a finding"))
        return findings.answer(
            finding,
            actor=actor,
            text=answer,
            action="finding_answer",
            payload={"period": period.pk},
        )


def finding_close(*, actor: Any, finding: Finding) -> Finding:
    """The TPE closes a finding it is satisfied with, during verification."""
    require(actor, "close_finding", finding)
    with transaction.atomic():
        finding = _finding(finding)
        period = finding.period
        _fixed(period)
        _state(period, (S.IN_VERIFICATION,), _("Closing a finding"))
        return findings.close(
            finding, actor=actor, action="finding_close", payload={"period": period.pk}
        )


def _whole_tonnes(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(
            _("The verified reductions must be a whole number of tonnes of CO2 (got %(value)r).")
            % {"value": value}
        )
    return value


def verification_issue(
    *,
    actor: Any,
    period: MonitoringPeriod,
    verified_tco2: int,
    verified_on: dt.date,
    statement: str,
) -> Verification:
    """The TPE issues its verification: every finding closed; the verified amount a whole number
    of tonnes from 0 to the period's computed reductions; dated between the period's end and
    today. In verification → verified; the version it corrects, if any, → superseded."""
    require(actor, "issue_verification", period)
    verified_tco2 = _whole_tonnes(verified_tco2)
    statement = _text(statement, _("The verification statement"))
    if not isinstance(verified_on, dt.date) or isinstance(verified_on, dt.datetime):
        raise ServiceError(_("Give the date of the verification (YYYY-MM-DD)."))
    with transaction.atomic():
        period = locked_period(period)
        _fixed(period)
        _state(period, (S.IN_VERIFICATION,), _("Issuing the verification"))
        errors: list[str] = []
        unresolved = findings.unresolved(period.findings)
        if unresolved:
            errors.append(
                _(
                    "%(count)s finding(s) are not closed: close each one (or return the period "
                    "for answers) before issuing the verification."
                )
                % {"count": unresolved}
            )
        computed = period.emission_reductions_tco2
        if computed is None:
            errors.append(
                _("The period has no computed reductions: it must be computed before verifying.")
            )
        elif not 0 <= verified_tco2 <= computed:
            errors.append(
                _(
                    "The verified reductions (%(got)s tCO2) must be from 0 to the reductions the "
                    "monitoring report computed (%(computed)s tCO2); a TPE verifies at most what "
                    "was reported."
                )
                % {"got": verified_tco2, "computed": computed}
            )
        if verified_on > today():
            errors.append(
                _("The verification date %(date)s is in the future; give today's date or earlier.")
                % {"date": verified_on}
            )
        if verified_on < period.end:
            errors.append(
                _(
                    "The verification date %(date)s is before the end of the period (%(end)s); a "
                    "period is verified after it ends."
                )
                % {"date": verified_on, "end": period.end}
            )
        if errors:
            raise ServiceError(errors[0], errors=errors)
        if Verification.objects.filter(period=period).exists():  # the state says so already
            raise ServiceError(_("This period is already verified."))
        verification = Verification.objects.create(
            period=period,
            verified_tco2=verified_tco2,
            verified_on=verified_on,
            statement=statement,
            verifier=actor,
        )
        _move(
            period,
            "_verify",
            actor,
            "verification_issue",
            verification=verification.pk,
            verified_tco2=verified_tco2,
            computed_tco2=computed,
            verified_on=verified_on.isoformat(),
        )
        if period.correction_of_id is not None:
            earlier = locked_period(period.correction_of_id)
            if earlier.state == S.VERIFIED:
                _move(earlier, "_supersede", actor, "period_supersede", corrected_by=period.pk)
        values = {"tonnes": verified_tco2, "on": verified_on}
        subject = gettext_noop("Monitoring report verified")
        message = gettext_noop(
            "%(number)s: the TPE verified the monitoring report for %(start)s–%(end)s (version "
            "%(version)s): %(tonnes)s tCO2, on %(on)s."
        )
        _tell(filers(period.plan), period, subject, message, **values)
        _tell(office(), period, subject, message, **values)
    return verification


# --- resubmission: the period part's period_submit (returned → submitted) ------------------------
def tell_resubmitted(period: MonitoringPeriod) -> None:
    """The assigned TPE is told that a returned period was resubmitted with its answers. Called
    (inside the transaction) by the FSM's ``post_transition`` signal on ``_submit`` from
    ``returned`` (``renkei.monitoring.models.verification``), so whichever service resubmits,
    the TPE hears of it."""
    assignment = VerificationAssignment.objects.filter(period=period).first()
    if assignment is None:
        return
    _tell(
        tpe_members(assignment.tpe_id),
        period,
        gettext_noop("Monitoring report resubmitted"),
        gettext_noop(
            "%(number)s: the monitoring report for %(start)s–%(end)s (version %(version)s) was "
            "resubmitted with the answers to your findings (%(state)s)."
        ),
        state=Msg(S.SUBMITTED.label),
    )


# --- selectors ---------------------------------------------------------------------------------
def verified_reductions(plan: MonitoringPlan) -> list[tuple[MonitoringPeriod, int]]:
    """What the credit stage reads: each verified period of the plan (a superseded version is
    left out: its correction counts once verified) with its verified tonnes, by period start."""
    rows = (
        Verification.objects.filter(period__plan=plan, period__state=S.VERIFIED)
        .select_related("period")
        .order_by("period__start", "period__version")
    )
    return [(v.period, int(v.verified_tco2)) for v in rows]
