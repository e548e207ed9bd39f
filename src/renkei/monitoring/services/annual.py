"""The annual 事業報告書 to MOEJ from monitoring (JCM 2.(1)②, 2.(5)②(エ), 4.(8)): the year's
reductions are taken from the monitoring periods (verified where verified, else monitored:
``renkei.monitoring.selectors``) and the report is filed through the grant's own service,
``renkei.grants.services.closing.annual_report_submit`` (which checks the reporting period, that
it has ended, that it is filed once, and the reason against the completion report's expected
reductions). Nothing is copied: the report is the grant's ``AnnualReport``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from renkei.audit.services import audit_record
from renkei.grants.models import AnnualReport
from renkei.grants.services import closing
from renkei.monitoring import selectors
from renkei.monitoring.models import MonitoringPlan
from renkei.monitoring.services.core import locked_plan, require
from renkei.services import ServiceError

__all__ = ["annual_report_from_monitoring"]


def annual_report_from_monitoring(
    *,
    actor: Any,
    plan: MonitoringPlan,
    period_start: dt.date,
    period_end: dt.date,
    operating_status: str,
    property_status: str,
    shortfall_reason: str = "",
) -> AnnualReport:
    """File the 事業報告書 for one reporting period with the reductions monitoring gives for it
    (the representative participant's applicants, 2.(4)② 注2)."""
    require(actor, "submit_monitoring_annual_report", plan)
    with transaction.atomic():
        plan = locked_plan(plan)  # the periods read below cannot change under the report
        years = selectors.reductions_by_year(plan)
        year = years.get(period_start.year)
        if year is None or (year.start, year.end) != (period_start, period_end):
            periods = ", ".join(f"{y.start}–{y.end}" for y in list(years.values())[:3])
            raise ServiceError(
                _(
                    "%(start)s–%(end)s is not a reporting period of this project: the first runs "
                    "from the start of operation to 31 December, then each calendar year to the "
                    "end of the useful life (2.(1)②), e.g. %(periods)s."
                )
                % {"start": period_start, "end": period_end, "periods": periods or "—"}
            )
        reductions = year.reported_tco2
        if reductions is None and year.ended:
            raise ServiceError(
                _(
                    "No computed monitoring period covers %(start)s–%(end)s: compute the "
                    "period's reductions first (2.(5)②(エ) 「モニタリング結果に基づき…算出し」)."
                )
                % {"start": period_start, "end": period_end}
            )
        # a period not ended yet: the grant's service refuses it with its own message
        ended = year.ended and reductions is not None
        if ended and year.shortfall_tco2 is not None and not (shortfall_reason or "").strip():
            # the grant's service checks against the completion report; when only the
            # adoption states an expected reduction, this check is the one that applies
            raise ServiceError(
                _(
                    "The reductions (%(got)s t) are below the expected %(expected)s t for this "
                    "period: give the reason "
                    "(4.(8) 「やむを得ず達成できない場合には事業報告書にその理由を付記」)."
                )
                % {"got": reductions, "expected": year.expected_tco2}
            )
        report = closing.annual_report_submit(
            actor=actor,
            grant=plan.grant,
            period_start=period_start,
            period_end=period_end,
            reductions_tco2=reductions if reductions is not None else 0,
            operating_status=operating_status,
            property_status=property_status,
            shortfall_reason=shortfall_reason,
        )
        audit_record(
            actor=actor,
            obj=plan,
            action="monitoring_annual_report_submit",
            payload={
                "report": report.pk,
                "period_start": period_start.isoformat(),
                "reductions_tco2": str(reductions),
                "basis": year.basis,
                "expected_tco2": None if year.expected_tco2 is None else str(year.expected_tco2),
                "expected_from": plan_expected_source(plan),
                "periods": [
                    {
                        "start": s.figures.start.isoformat(),
                        "end": s.figures.end.isoformat(),
                        "days": s.days,
                        "basis": s.basis,
                        "tco2": None if s.reported_tco2 is None else str(s.reported_tco2),
                    }
                    for s in year.shares
                ],
            },
        )
    return report


def plan_expected_source(plan: MonitoringPlan) -> str | None:
    return selectors.expected_annual(plan).used
