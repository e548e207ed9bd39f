"""The demo's monitoring story (issue 9): sample A of the grant story (the two Kenyan tea
factories; equipment in operation from 2026-02-16, paid in April 2026) monitors the Nandi Hills
factory's 1.2 MW solar PV under KE_AM002 with 15-minute meter data, through the services "as
of" each step's date and only once the demo's clock has reached it (as the grant story does):

- 2026-05-11 the monitoring plan (site, meter, monitoring point, EF_RE fixed ex ante);
- 2026-09-07 the meter data from the start of operation to the end of August, through the
  task runner's import; period 1 (2026-02-16 – 2026-08-31) computed and submitted;
- 2026-09-14 the office assigns it to the sample TPE; the TPE asks a clarification and returns
  it; the filer answers and resubmits; 2026-10-20 the TPE verifies it;
- 2027-01-12 the data to the end of January 2027 (a year of monitoring data); period 2
  (2026-09-01 – 2026-12-31) computed and submitted; 2027-01-20 assigned and in verification;
- 2027-01-25 the annual 事業報告書 for 2026 from the monitored and verified reductions;
- 2027-03-10 the TPE verifies period 2 (so that the credits story has two verified periods).

``make demo DEMO_NOW=2027-02-01T10:00:00+09:00`` shows it all: one verified period, one in
verification, a year of data, the annual report.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from renkei import clock
from renkei.grants.models import Grant
from renkei.monitoring.models import DataUpload, MonitoringPeriod, MonitoringPlan

JST = ZoneInfo("Asia/Tokyo")
EAT = ZoneInfo("Africa/Nairobi")
STORY_START = dt.datetime(2026, 5, 11, 10, 0, tzinfo=JST)
OPERATION = dt.date(2026, 2, 16)
PEAK_KWH = 240  # per 15 minutes at noon on a clear day: a 1.2 MW array at about 80 %


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def meter_csv(start: dt.date, end: dt.date) -> bytes:
    """15-minute PV generation (kWh) of the Nandi Hills array for [start, end], deterministic:
    a daylight curve (06:30–18:30 East Africa Time) times a day's weather between 55 % and
    100 %; one morning's readings are missing (2026-07-14, 08:00–09:45: a logger restart) for
    the data-quality findings."""
    out = io.StringIO()
    out.write("site,point,timestamp,value\n")
    day = start
    while day <= end:
        weather = random.Random(day.toordinal()).uniform(0.55, 1.0)
        for slot in range(96):
            at = dt.datetime.combine(day, dt.time(), tzinfo=EAT) + dt.timedelta(minutes=15 * slot)
            if day == dt.date(2026, 7, 14) and 32 <= slot < 40:
                continue
            hours = slot / 4 + 0.125
            sun = math.sin(math.pi * (hours - 6.5) / 12) if 6.5 < hours < 18.5 else 0.0
            value = round(PEAK_KWH * weather * max(sun, 0.0), 3)
            out.write(f"nandi,PV1,{at.isoformat()},{value}\n")
        day += dt.timedelta(days=1)
    return out.getvalue().encode("utf-8")


Step = tuple[str, Callable[[MonitoringPlan], bool], Callable[[MonitoringPlan], Any]]


def monitoring_story(
    *, grant: Grant | None, applicant, office, verifier, tpe
) -> MonitoringPlan | None:
    """Build (or continue) the story up to the demo's clock; returns the sample plan."""
    if grant is None or clock.now() < STORY_START or grant.operation_started_on is None:
        return None
    plan = MonitoringPlan.objects.filter(grant=grant).first()
    if plan is None:
        with _on("2026-05-11T10:00"):
            plan = _plan(grant, applicant)
    for when, done, step in _steps(applicant, office, verifier, tpe):
        plan = MonitoringPlan.objects.get(pk=plan.pk)
        if done(plan):
            continue
        if clock.now() < _at(when):
            break
        with _on(when):
            step(plan)
    return MonitoringPlan.objects.get(pk=plan.pk)


def _plan(grant: Grant, applicant) -> MonitoringPlan:
    from renkei.monitoring.services import plan as plans

    plan = plans.plan_create(
        actor=applicant,
        grant=grant,
        methodology_id="KE_AM002",
        methodology_version="1.0",
        bilateral_valid_until=None,
    )
    site = plans.site_add(actor=applicant, plan=plan, code="nandi", name="Nandi Hills tea factory")
    meter = plans.meter_add(
        actor=applicant,
        plan=plan,
        site=site,
        serial="NDI-PV-01",
        unit="kWh",
        calibrated_on=_d("2026-02-10"),
        calibration_valid_until=_d("2028-02-09"),
    )
    plans.point_add(actor=applicant, plan=plan, site=site, code="PV1", parameter="EG", meter=meter)
    plans.fixed_set(
        actor=applicant,
        plan=plan,
        parameter="EF_RE",
        value="0.533",
        unit="tCO2/MWh",
        source=(
            "(サンプル) JCM default for captive diesel generators, 0.533 = 3.6 × 72.6 / 0.49 / "
            "1000 (reference/emission_factors.csv, status D): the factory's diesel generator"
        ),
    )
    return plan


def _import(plan: MonitoringPlan, applicant, start: str, end: str, name: str) -> None:
    from renkei.monitoring.services import intake
    from renkei.monitoring.tasks import run_interval_import

    upload = intake.upload_interval(
        actor=applicant,
        plan=plan,
        upload=SimpleUploadedFile(name, meter_csv(_d(start), _d(end)), "text/csv"),
        unit="kWh",
        interval_minutes=15,
    )
    run_interval_import(upload.pk)  # the worker's job, run here so the demo is ready at once


def _period(plan: MonitoringPlan, start: str) -> MonitoringPeriod | None:
    return plan.periods.filter(start=_d(start)).order_by("-version").first()


def _state(start: str, *states: str) -> Callable[[MonitoringPlan], bool]:
    def done(plan: MonitoringPlan) -> bool:
        period = _period(plan, start)
        return period is not None and period.state not in states

    return done


def _steps(applicant, office, verifier, tpe) -> list[Step]:
    from renkei.monitoring.services import period as periods
    from renkei.monitoring.services import verification as verifying

    def data_1(plan: MonitoringPlan) -> None:
        _import(plan, applicant, "2026-02-16", "2026-08-31", "nandi-pv-2026-02-08.csv")

    def period_1(plan: MonitoringPlan) -> None:
        period = periods.period_create(
            actor=applicant, plan=plan, start=_d("2026-02-16"), end=_d("2026-08-31")
        )
        periods.period_compute(actor=applicant, period=period)
        periods.period_submit(actor=applicant, period=period)

    def assign_1(plan: MonitoringPlan) -> None:
        period = _period(plan, "2026-02-16")
        verifying.tpe_assign(actor=office, period=period, tpe=tpe)
        verifying.verification_start(actor=verifier, period=period)
        verifying.finding_raise(
            actor=verifier,
            period=period,
            kind="cl",
            text=(
                "(サンプル) 2026-07-14 08:00–09:45 の計測値が欠けています。欠測の理由と、"
                "メーターの校正証明書を示してください。"
            ),
        )
        verifying.period_return(actor=verifier, period=period)

    def answer_1(plan: MonitoringPlan) -> None:
        period = _period(plan, "2026-02-16")
        for finding in period.findings.filter(status="open"):
            verifying.finding_answer(
                actor=applicant,
                finding=finding,
                answer=(
                    "(サンプル) データロガーの再起動による欠測です。欠測分は削減量に算入して"
                    "いません(保守的な扱い)。校正証明書を添付します。"
                ),
            )
        periods.period_submit(actor=applicant, period=period)

    def verify_1(plan: MonitoringPlan) -> None:
        period = _period(plan, "2026-02-16")
        verifying.verification_start(actor=verifier, period=period)
        for finding in period.findings.exclude(status="closed"):
            verifying.finding_close(actor=verifier, finding=finding)
        period = MonitoringPeriod.objects.get(pk=period.pk)
        verifying.verification_issue(
            actor=verifier,
            period=period,
            verified_tco2=period.emission_reductions_tco2,
            verified_on=_d("2026-10-20"),
            statement="(サンプル) モニタリング報告書の削減量を検証しました。",
        )

    def data_2(plan: MonitoringPlan) -> None:
        _import(plan, applicant, "2026-09-01", "2027-01-31", "nandi-pv-2026-09-2027-01.csv")

    def period_2(plan: MonitoringPlan) -> None:
        period = periods.period_create(
            actor=applicant, plan=plan, start=_d("2026-09-01"), end=_d("2026-12-31")
        )
        periods.period_compute(actor=applicant, period=period)
        periods.period_submit(actor=applicant, period=period)

    def assign_2(plan: MonitoringPlan) -> None:
        period = _period(plan, "2026-09-01")
        verifying.tpe_assign(actor=office, period=period, tpe=tpe)
        verifying.verification_start(actor=verifier, period=period)

    def verify_2(plan: MonitoringPlan) -> None:
        period = _period(plan, "2026-09-01")
        verifying.verification_issue(
            actor=verifier,
            period=period,
            verified_tco2=period.emission_reductions_tco2,
            verified_on=_d("2027-03-10"),
            statement="(サンプル) モニタリング報告書の削減量を検証しました。",
        )

    def annual(plan: MonitoringPlan) -> None:
        from renkei.monitoring.services.annual import annual_report_from_monitoring

        annual_report_from_monitoring(
            actor=applicant,
            plan=plan,
            period_start=OPERATION,
            period_end=_d("2026-12-31"),
            operating_status="順調に稼働(サンプル)。7月14日朝に計測の欠測あり(ロガー再起動)。",
            property_status="取得財産等管理台帳のとおり管理(サンプル)",
            shortfall_reason=(
                "(サンプル) 本報告の削減量はモニタリング中の太陽光発電分のみで、ボイラ・"
                "ヒートポンプの方法論は未承認のため計測値を報告していません。"
            ),
        )

    def uploads(n: int) -> Callable[[MonitoringPlan], bool]:
        return lambda plan: DataUpload.objects.filter(plan=plan).count() >= n

    def annual_done(plan: MonitoringPlan) -> bool:
        return plan.grant.annual_reports.exists()

    return [
        ("2026-09-07T10:00", uploads(1), data_1),
        ("2026-09-10T10:00", lambda p: _period(p, "2026-02-16") is not None, period_1),
        ("2026-09-18T10:00", _state("2026-02-16", "submitted"), assign_1),
        ("2026-10-06T10:00", _state("2026-02-16", "returned"), answer_1),
        ("2026-10-20T10:00", _state("2026-02-16", "submitted", "in_verification"), verify_1),
        ("2027-01-12T10:00", uploads(2), data_2),
        ("2027-01-15T10:00", lambda p: _period(p, "2026-09-01") is not None, period_2),
        ("2027-01-20T10:00", _state("2026-09-01", "submitted"), assign_2),
        ("2027-01-25T10:00", annual_done, annual),
        ("2027-03-10T10:00", _state("2026-09-01", "in_verification"), verify_2),
    ]
