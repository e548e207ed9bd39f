"""Monitoring periods and their monitoring reports (JCM 2.(1)③ 「モニタリングレポートの作成」,
2.(5)②(イ)): the representative participant's applicants create a period within the plan's
monitoring span, compute its reductions from the period's data and the plan's methodology
(``renkei.mrv.compute``), and submit it for verification; a verified period never changes, and
a correction is a new version with its reason (issue 9, "Bad input and integrity").

Every service: the permission (``core.require``), the plan's or the period's row fresh and
locked, the checks (what was wrong, the clause, what would be right), the change, an audit
event, notices after commit. See ``renkei.monitoring.models.period`` for what the database
holds by itself.

Seams with the other parts of the stage (written in parallel; each named here once):
``_monitoring_span`` (the plan part's ``monitoring_end``), ``_period_data`` (the intake part's
``period_data``), ``_methodology`` (the MRV core's ``methodologies.load``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import clock
from renkei.accounts.models import Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.monitoring.models import DataUpload, FixedValue, MonitoringPeriod, MonitoringPlan
from renkei.monitoring.models import PeriodState as S
from renkei.monitoring.services.core import locked_period, locked_plan, require
from renkei.services import ServiceError

__all__ = [
    "REASON_LIMIT",
    "period_compute",
    "period_correct",
    "period_create",
    "period_submit",
]

REASON_LIMIT = 5_000
TCO2_LIMIT = Decimal("1e10")  # the totals' column holds 10 digits before the point
EDITABLE = (S.DRAFT, S.RETURNED)


# --- seams with the other parts ----------------------------------------------------------------
def _monitoring_span(plan: MonitoringPlan) -> tuple[dt.date, dt.date]:
    """[operation start O, monitoring end] of the plan (2.(1)②): the plan part's
    ``monitoring_end(plan)["monitor_end"]`` = min(E + days not measurable, BDV), E the last day
    of L years counted from O (spec §2.3, the reading A-22); the same formula here while the
    plan part is not merged."""
    grant = plan.grant
    try:
        from renkei.monitoring.services.plan import monitoring_end
    except ImportError:  # the plan part not merged yet
        end = None
        if grant.operation_started_on is not None and grant.useful_life_years:
            end = _add_years(grant.operation_started_on, grant.useful_life_years)
            end += dt.timedelta(days=plan.unmeasurable_days - 1)
            if plan.bilateral_valid_until is not None:
                end = min(end, plan.bilateral_valid_until)
    else:
        end = monitoring_end(plan)["monitor_end"]
    if grant.operation_started_on is None or end is None:
        raise ServiceError(
            _(
                "The grant has no start of operation or useful life recorded yet, so the "
                "monitoring span (2.(1)②: from the start of operation to the end of the useful "
                "life) is not known: record the completion first."
            )
        )
    return grant.operation_started_on, end


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _period_data(plan: MonitoringPlan, start: dt.date, end: dt.date) -> Any:
    """The period's monitored totals per point, findings, adjustments and sources."""
    from renkei.monitoring.services.intake import period_data

    return period_data(plan, start, end)


def _methodology(plan: MonitoringPlan, start: dt.date, end: dt.date) -> Any:
    """The plan's methodology version, in force on the period's first and last day."""
    from renkei.mrv import methodologies

    methodology = methodologies.load(plan.methodology_id, plan.methodology_version, on=start)
    methodologies.load(plan.methodology_id, plan.methodology_version, on=end)
    return methodology


# --- helpers -----------------------------------------------------------------------------------
def _office() -> list[Any]:
    return list(get_user_model().objects.filter(role=Role.OFFICE, is_active=True))


def _verifiers(period: MonitoringPeriod) -> list[Any]:
    assignment = getattr(period, "assignment", None)
    if assignment is None:
        return []
    return list(
        get_user_model().objects.filter(
            role=Role.VERIFIER, organisation_id=assignment.tpe_id, is_active=True
        )
    )


def _span_text(period: MonitoringPeriod) -> str:
    return f"{period.start}–{period.end}"


def _editable(period: MonitoringPeriod, what: str) -> None:
    if period.frozen:
        raise ServiceError(
            _(
                "%(what)s: the period %(span)s (version %(version)s) is %(state)s and cannot be "
                "changed (2.(1)③); a correction is a new version with its reason."
            )
            % {
                "what": what,
                "span": _span_text(period),
                "version": period.version,
                "state": period.get_state_display(),
            }
        )
    if period.state not in EDITABLE:
        raise ServiceError(
            _(
                "%(what)s: the period %(span)s is %(state)s; it can be changed only while it is "
                "a draft or returned with findings by the TPE."
            )
            % {"what": what, "span": _span_text(period), "state": period.get_state_display()}
        )


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ServiceError(
            _("%(what)s must be a date like 2025-04-01 (got %(value)r).")
            % {"what": what, "value": value}
        )
    return value


# --- services ----------------------------------------------------------------------------------
def period_create(
    *, actor: Any, plan: MonitoringPlan, start: dt.date, end: dt.date
) -> MonitoringPeriod:
    """A draft monitoring period [start, end] (inclusive) within the plan's monitoring span;
    the periods of a plan never overlap (versions of the same period aside)."""
    require(actor, "create_monitoring_period", plan)
    start = _date(start, _("The period start"))
    end = _date(end, _("The period end"))
    if end < start:
        raise ServiceError(
            _(
                "The period ends (%(end)s) before it starts (%(start)s): the end must be on or "
                "after the start."
            )
            % {"start": start, "end": end}
        )
    with transaction.atomic():
        plan = locked_plan(plan)  # two periods created at once are serialised here
        first, last = _monitoring_span(plan)
        if start < first or end > last:
            raise ServiceError(
                _(
                    "The period %(start)s–%(end)s is outside the monitoring span of this project, "
                    "%(first)s–%(last)s (2.(1)②: from the start of operation to the end of the "
                    "useful life, extended by days not measurable, within the bilateral "
                    "document's validity): choose dates within it."
                )
                % {"start": start, "end": end, "first": first, "last": last}
            )
        clash = (
            MonitoringPeriod.objects.filter(plan=plan, start__lte=end, end__gte=start)
            .exclude(state=S.SUPERSEDED)
            .order_by("start")
            .first()
        )
        if clash is not None:
            raise ServiceError(
                _(
                    "The period %(start)s–%(end)s overlaps the period %(other)s (version "
                    "%(version)s, %(state)s): the periods of a project never overlap, so the "
                    "reductions are counted once. Start the new period after %(other_end)s or "
                    "end it before %(other_start)s; to change a verified period, correct it."
                )
                % {
                    "start": start,
                    "end": end,
                    "other": _span_text(clash),
                    "version": clash.version,
                    "state": clash.get_state_display(),
                    "other_end": clash.end,
                    "other_start": clash.start,
                }
            )
        period = MonitoringPeriod.objects.create(plan=plan, start=start, end=end, created_by=actor)
        audit_record(
            actor=actor,
            obj=period,
            action="period_create",
            to_state=period.state,
            payload={"plan": plan.pk, "start": start.isoformat(), "end": end.isoformat()},
        )
    return period


def _quantity_json(q: Any) -> dict[str, str]:
    return {"value": str(q.value), "unit": q.unit}


def _inputs(plan: MonitoringPlan, data: Any, fixed: dict[str, Any]) -> dict[str, Any]:
    """What the computation took, kept with the result so the report shows the figures it was
    computed from (even if the plan changes later): the ex-ante parameters with their sources,
    the monitored totals per point, the data's sources and findings."""
    sources = {
        (
            row.point.site.code if row.point else "",
            row.point.code if row.point else "",
            row.parameter,
        ): row.source
        for row in FixedValue.objects.filter(plan=plan).select_related("point__site")
    }
    return {
        "fixed": [
            {"parameter": name, **_quantity_json(q), "source": sources.get(("", "", name), "")}
            for name, q in sorted(fixed.items())
        ],
        "points": [
            {
                "site": p.site,
                "point": p.point,
                "values": {name: _quantity_json(q) for name, q in sorted(p.values.items())},
                "fixed": [
                    {
                        "parameter": name,
                        **_quantity_json(q),
                        "source": sources.get((p.site, p.point, name), ""),
                    }
                    for name, q in sorted((p.fixed or {}).items())
                ],
            }
            for p in data.points
        ],
        "sources": [_source_text(s) for s in getattr(data, "sources", []) or []],
        "findings": [
            {
                "kind": f.kind,
                "message": f.message,
                "site": f.site,
                "point": f.point,
                "source": f.source,
            }
            for f in getattr(data, "findings", []) or []
        ],
    }


def _source_text(source: Any) -> str:
    """An upload the data came from, as the report names it: "name (kind, upload id)"."""
    if isinstance(source, dict):
        return f"{source.get('name', '')} ({source.get('kind', '')}, #{source.get('id', '')})"
    return str(source)


def _project_fixed(plan: MonitoringPlan, data: Any) -> dict[str, Any]:
    """The project-level parameters fixed ex ante (those of no single point)."""
    given = getattr(data, "fixed", None)
    if given is not None:
        return dict(given)
    from renkei.mrv.types import Quantity

    return {
        row.parameter: Quantity(row.value, row.unit)
        for row in FixedValue.objects.filter(plan=plan, point__isnull=True)
    }


def _mrv_refusal(exc: Exception, plan: MonitoringPlan, period: MonitoringPeriod) -> ServiceError:
    """The MRV core's refusal in the reader's language: what was wrong and what would be right."""
    code = getattr(exc, "code", "")
    values = {
        "id": plan.methodology_id,
        "version": plan.methodology_version,
        "span": _span_text(period),
        "why": str(exc),
    }
    if code == "methodology_not_in_force":
        return ServiceError(
            _(
                "The methodology %(id)s version %(version)s is not in force for the period "
                "%(span)s (%(why)s): the monitoring plan must name a version in force over the "
                "whole period, or the period must end while the version is in force."
            )
            % values
        )
    if code == "unknown_methodology":
        return ServiceError(
            _(
                "The monitoring plan names the methodology %(id)s version %(version)s, which is "
                "not known (%(why)s): correct the plan's methodology."
            )
            % values
        )
    return ServiceError(
        _("The reductions for %(span)s could not be computed: %(why)s") % values,
        errors=[str(e) for e in getattr(exc, "details", {}).get("errors", [])] or None,
    )


def _tco2(value: Any) -> Decimal:
    number = Decimal(str(value))
    if not number.is_finite() or abs(number) >= TCO2_LIMIT:
        raise ServiceError(
            _(
                "The computed emissions (%(value)s tCO2) are beyond any project's size: check "
                "the units of the monitored values (kWh vs MWh) and the fixed parameters."
            )
            % {"value": value}
        )
    return number.quantize(Decimal("0.000001"))


def period_compute(*, actor: Any, period: MonitoringPeriod) -> MonitoringPeriod:
    """Compute the period's reductions from its data (``intake.period_data``) and the plan's
    methodology (``renkei.mrv.compute``): the result with every step and adjustment, the totals
    and whether they are provisional. Again as often as needed while draft or returned."""
    from renkei.mrv.compute import compute, result_json
    from renkei.mrv.types import MrvError

    require(actor, "compute_monitoring_period", period)
    with transaction.atomic():
        period = locked_period(period)
        _editable(period, _("Computing the reductions"))
        plan = period.plan
        from renkei.monitoring.services.plan import factors_not_covering

        stale = factors_not_covering(plan, period.start, period.end)
        if stale:
            raise ServiceError(stale[0], errors=stale)
        try:
            methodology = _methodology(plan, period.start, period.end)
            data = _period_data(plan, period.start, period.end)
            fixed = _project_fixed(plan, data)
            result = compute(
                methodology,
                fixed=fixed,
                points=list(data.points),
                adjustments=list(getattr(data, "adjustments", []) or []),
            )
        except MrvError as exc:
            raise _mrv_refusal(exc, plan, period) from exc
        except (InvalidOperation, ArithmeticError) as exc:
            raise ServiceError(
                _(
                    "The reductions for %(span)s could not be computed with these figures "
                    "(%(why)s): check that every value is of a realistic size."
                )
                % {"span": _span_text(period), "why": type(exc).__name__}
            ) from exc
        stored = result_json(result)
        stored["inputs"] = _inputs(plan, data, fixed)
        stored["formulas"] = dict(getattr(methodology, "formulas", {}) or {})
        stored["rounding"] = getattr(methodology, "rounding", "")
        stored["methodology_source"] = getattr(methodology, "source", "")
        before = period.emission_reductions_tco2
        period.reference_emissions_tco2 = _tco2(result.reference_emissions_tco2)
        period.project_emissions_tco2 = _tco2(result.project_emissions_tco2)
        period.emission_reductions_tco2 = max(0, int(result.emission_reductions_tco2))
        period.provisional = bool(result.provisional)
        period.result = stored
        period.computed_at = clock.now()
        period.save()
        audit_record(
            actor=actor,
            obj=period,
            action="period_compute",
            from_state=period.state,
            to_state=period.state,
            payload={
                "emission_reductions_tco2": period.emission_reductions_tco2,
                "before": before,
                "provisional": period.provisional,
                "methodology": stored.get("methodology", ""),
            },
        )
    return period


def period_submit(*, actor: Any, period: MonitoringPeriod) -> MonitoringPeriod:
    """Submit the computed period (its monitoring report) for verification: draft or returned
    → submitted (2.(1)③). Data uploaded since the computation must be computed in first."""
    require(actor, "submit_monitoring_period", period)
    with transaction.atomic():
        period = locked_period(period)
        _editable(period, _("Submitting the period"))
        if period.computed_at is None:
            raise ServiceError(
                _(
                    "The period %(span)s has not been computed: compute its reductions, check "
                    "the calculation, then submit it."
                )
                % {"span": _span_text(period)}
            )
        newer = DataUpload.objects.filter(
            Q(uploaded_at__gt=period.computed_at) | Q(finished_at__gt=period.computed_at),
            plan=period.plan,
        ).exists()
        if newer or period.plan.updated_at > period.computed_at:
            raise ServiceError(
                _(
                    "Data or the monitoring plan changed after the period %(span)s was computed "
                    "(%(at)s): compute it again so the report shows the current figures, then "
                    "submit it."
                )
                % {"span": _span_text(period), "at": period.computed_at}
            )
        before = period.state
        period._submit()
        period.submitted_at = clock.now()
        period.save()
        audit_record(
            actor=actor,
            obj=period,
            action="period_submit",
            from_state=before,
            to_state=period.state,
            payload={"emission_reductions_tco2": period.emission_reductions_tco2},
        )
        notify(
            _office() + _verifiers(period),
            subject=gettext_noop("Monitoring report submitted"),
            message=gettext_noop(
                "%(number)s: the monitoring report for %(span)s (version %(version)s) was "
                "submitted for verification: %(tco2)s tCO2."
            ),
            link=f"/monitoring/periods/{period.pk}/",
            values={
                "number": period.plan.grant.number,
                "span": _span_text(period),
                "version": period.version,
                "tco2": period.emission_reductions_tco2,
            },
        )
    return period


def period_correct(*, actor: Any, period: MonitoringPeriod, reason: str) -> MonitoringPeriod:
    """Correct a verified period: a new version (draft, the same dates, ``correction_of`` the
    verified one) with its reason. The verified one stays in force, unchanged, until the
    correction is verified (the verification part then supersedes it)."""
    require(actor, "correct_monitoring_period", period)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            _("Give the reason for the correction: what was wrong in the verified period.")
        )
    if len(reason) > REASON_LIMIT:
        raise ServiceError(
            _("The reason is %(got)s characters long; shorten it to %(limit)s.")
            % {"got": len(reason), "limit": REASON_LIMIT}
        )
    with transaction.atomic():
        plan = locked_plan(period.plan_id)  # one correction at a time per plan
        period = locked_period(period)
        if period.state != S.VERIFIED:
            raise ServiceError(
                _(
                    "Only a verified period is corrected with a new version; the period %(span)s "
                    "is %(state)s: change it directly while it is a draft or returned, or "
                    "correct the version in force."
                )
                % {"span": _span_text(period), "state": period.get_state_display()}
            )
        pending = (
            MonitoringPeriod.objects.filter(plan=plan, start=period.start, end=period.end)
            .exclude(state__in=(S.VERIFIED, S.SUPERSEDED))
            .first()
        )
        if pending is not None:
            raise ServiceError(
                _(
                    "A correction of the period %(span)s is already under way (version "
                    "%(version)s, %(state)s): continue that one."
                )
                % {
                    "span": _span_text(period),
                    "version": pending.version,
                    "state": pending.get_state_display(),
                }
            )
        latest = MonitoringPeriod.objects.filter(
            plan=plan, start=period.start, end=period.end
        ).aggregate(v=Max("version"))["v"]
        correction = MonitoringPeriod.objects.create(
            plan=plan,
            start=period.start,
            end=period.end,
            version=(latest or period.version) + 1,
            correction_of=period,
            correction_reason=reason,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=correction,
            action="period_correct",
            to_state=correction.state,
            payload={"correction_of": period.pk, "version": correction.version, "reason": reason},
        )
        notify(
            _office() + _verifiers(period),
            subject=gettext_noop("Correction of a verified monitoring period"),
            message=gettext_noop(
                "%(number)s: a correction (version %(version)s) of the verified period %(span)s "
                "was started: %(reason)s"
            ),
            link=f"/monitoring/periods/{correction.pk}/",
            values={
                "number": plan.grant.number,
                "version": correction.version,
                "span": _span_text(period),
                "reason": reason[:200],
            },
        )
    return correction
