"""The monitoring stage's period part (issue 9, JCM 2.(1)③, "Bad input and integrity"): periods
within the monitoring span that never overlap, their computation through the MRV core, the
submission, a verified period that cannot be changed (services and the database), its correction
as a new version, and the monitoring report as .xlsx and PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from monitoringfactories import cast, operating_grant, plan_for
from monitoringfactories_period import D, assign, period_data, put

from renkei.audit.models import AuditEvent
from renkei.monitoring.models import DataUpload, MonitoringPeriod
from renkei.monitoring.services import period as services
from renkei.mrv.types import MrvError
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(monkeypatch):
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    monkeypatch.setattr(services, "_period_data", period_data())
    return plan, people


def create(plan, people, start="2025-04-01", end="2025-09-30", *, actor=None):
    return services.period_create(
        actor=actor or people.filer, plan=plan, start=D(start), end=D(end)
    )


# --- 1. periods ------------------------------------------------------------------------------
def test_the_filer_creates_a_draft_period_within_the_monitoring_span(setup) -> None:
    plan, people = setup
    period = create(plan, people)
    assert (period.state, period.version, period.start, period.end) == (
        "draft",
        1,
        D("2025-04-01"),
        D("2025-09-30"),
    )
    event = AuditEvent.objects.get(action="period_create")
    assert event.object_id == str(period.pk) and event.to_state == "draft"


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-03-31", "2025-06-30"), ("2040-01-01", "2040-04-01")],
    ids=["before the start of operation", "after the useful life"],
)
def test_a_period_outside_the_monitoring_span_is_refused(setup, start, end) -> None:
    plan, people = setup
    with pytest.raises(ServiceError, match=r"outside the monitoring span.*2025-04-01–2040-03-31"):
        create(plan, people, start, end)
    assert not MonitoringPeriod.objects.exists()


def test_the_last_day_of_the_useful_life_ends_the_span(setup) -> None:
    """E is the last day of L years counted from O (15 years from 2025-04-01: 2040-03-31)."""
    plan, people = setup
    assert create(plan, people, "2040-01-01", "2040-03-31").end == D("2040-03-31")


def test_a_grant_without_its_start_of_operation_has_no_span_yet(setup) -> None:
    plan, people = setup
    type(plan.grant).objects.filter(pk=plan.grant.pk).update(operation_started_on=None)
    plan = type(plan).objects.get(pk=plan.pk)
    with pytest.raises(ServiceError, match="record the completion first"):
        create(plan, people)


def test_the_bilateral_documents_validity_ends_the_span(setup) -> None:
    plan, people = setup
    type(plan).objects.filter(pk=plan.pk).update(bilateral_valid_until=D("2030-12-31"))
    plan.refresh_from_db()
    with pytest.raises(ServiceError, match="2025-04-01–2030-12-31"):
        create(plan, people, "2030-07-01", "2031-06-30")


def test_an_end_before_the_start_is_refused(setup) -> None:
    plan, people = setup
    with pytest.raises(ServiceError, match="before it starts"):
        create(plan, people, "2025-06-30", "2025-04-01")


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-09-30", "2025-12-31"), ("2025-01-01", "2025-04-01"), ("2025-05-01", "2025-05-31")],
)
def test_periods_of_a_plan_never_overlap(setup, start, end) -> None:
    plan, people = setup
    create(plan, people)
    with pytest.raises(ServiceError, match="overlaps the period 2025-04-01–2025-09-30"):
        create(plan, people, max(start, "2025-04-01"), end)
    assert MonitoringPeriod.objects.count() == 1


def test_adjacent_periods_are_fine(setup) -> None:
    plan, people = setup
    create(plan, people)
    create(plan, people, "2025-10-01", "2026-03-31")
    assert MonitoringPeriod.objects.count() == 2


@pytest.mark.parametrize("who", ["office", "outsider", "verifier", "reviewer"])
def test_only_the_representatives_applicants_create_periods(setup, who) -> None:
    plan, people = setup
    with pytest.raises(NotAllowed):
        create(plan, people, actor=getattr(people, who))
    assert not MonitoringPeriod.objects.exists()


# --- compute -----------------------------------------------------------------------------------
def test_compute_stores_the_result_the_totals_and_the_inputs(setup) -> None:
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    # RE = 100 × 3.2/2.1 × 0.533 = 81.219…; PE = 100 × 0.533 = 53.3; ER = 27.919… → 27
    assert period.emission_reductions_tco2 == 27
    assert period.project_emissions_tco2 == Decimal("53.3")
    assert Decimal("81.21") < period.reference_emissions_tco2 < Decimal("81.22")
    assert period.result["emission_reductions_tco2"] == 27
    assert period.result["steps"] and period.result["methodology"].startswith("ID_AM003")
    inputs = period.result["inputs"]
    assert {f["parameter"]: f["source"] for f in inputs["fixed"]}["EF_elec"].startswith("JCM")
    assert inputs["points"][0]["values"]["EC_PJ"] == {"value": "100", "unit": "MWh"}
    assert inputs["points"][0]["fixed"][0]["source"] == "manufacturer's specification"
    assert period.computed_at is not None and period.state == "draft"
    assert AuditEvent.objects.filter(action="period_compute", object_id=str(period.pk)).exists()


def test_compute_reads_the_periods_data_through_the_intake_part(setup, monkeypatch) -> None:
    """No seam replaced: the spreadsheet's readings of the period, as stored by the intake part."""
    import datetime as dt

    from renkei.monitoring.models import Reading
    from renkei.monitoring.services import intake

    plan, people = setup
    monkeypatch.setattr(services, "_period_data", intake.period_data)
    upload = DataUpload.objects.create(
        plan=plan,
        kind="sheet",
        status="done",
        original_name="readings.xlsx",
        stored_name="x",
        sha256="0" * 64,
        size=1,
        rows_read=2,
        rows_kept=2,
        uploaded_by=people.filer,
    )
    jst = dt.timezone(dt.timedelta(hours=9))
    for month, mwh in ((4, "60"), (5, "40")):
        Reading.objects.create(
            upload=upload,
            point=plan.points.get(code="1"),
            start=dt.datetime(2025, month, 1, tzinfo=jst),
            end=dt.datetime(2025, month + 1, 1, tzinfo=jst),
            value=Decimal(mwh),
            unit="MWh",
            source=f"Readings!D{month}",
        )
    period = create(plan, people, "2025-04-01", "2025-05-31")
    period = services.period_compute(actor=people.filer, period=period)
    assert period.emission_reductions_tco2 == 27  # 100 MWh over the two months
    assert period.result["inputs"]["points"][0]["values"]["EC_PJ"]["unit"] == "MWh"
    assert any("readings.xlsx" in s for s in period.result["inputs"]["sources"])


def test_a_methodology_version_not_in_force_is_named_with_what_would_be_right(
    setup, monkeypatch
) -> None:
    plan, people = setup
    period = create(plan, people)

    def not_in_force(plan, start, end):
        raise MrvError(
            "ID_AM003 1.0 is valid 2026-01-01 to (open); versions in force on 2025-04-01: none",
            code="methodology_not_in_force",
        )

    monkeypatch.setattr(services, "_methodology", not_in_force)
    with pytest.raises(ServiceError) as refused:
        services.period_compute(actor=people.filer, period=period)
    assert "not in force for the period 2025-04-01–2025-09-30" in str(refused.value)
    assert "must name a version in force" in str(refused.value)
    assert MonitoringPeriod.objects.get(pk=period.pk).computed_at is None


def test_an_unknown_methodology_version_is_a_clear_refusal(setup) -> None:
    plan, people = setup
    type(plan).objects.filter(pk=plan.pk).update(methodology_version="9.9")
    period = create(plan, people)
    with pytest.raises(ServiceError, match=r"version 9\.9, which is not known"):
        services.period_compute(actor=people.filer, period=period)


def test_a_wrong_unit_is_refused_by_the_core_with_its_reason(setup, monkeypatch) -> None:
    plan, people = setup
    monkeypatch.setattr(services, "_period_data", period_data("100", "m3"))
    with pytest.raises(ServiceError, match="could not be computed"):
        services.period_compute(actor=people.filer, period=create(plan, people))


def test_emissions_beyond_any_projects_size_are_refused_not_a_server_error(
    setup, monkeypatch
) -> None:
    plan, people = setup
    monkeypatch.setattr(services, "_period_data", period_data("1e40"))
    with pytest.raises(ServiceError, match=r"beyond any project's size.*kWh vs MWh"):
        services.period_compute(actor=people.filer, period=create(plan, people))


def test_recompute_is_allowed_while_draft_or_returned(setup, monkeypatch) -> None:
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    period = put(period, "returned")
    monkeypatch.setattr(services, "_period_data", period_data("200"))
    period = services.period_compute(actor=people.filer, period=period)
    assert period.emission_reductions_tco2 == 55 and period.state == "returned"


# --- submit --------------------------------------------------------------------------------------
def test_submit_needs_a_computation(setup) -> None:
    plan, people = setup
    with pytest.raises(ServiceError, match="has not been computed"):
        services.period_submit(actor=people.filer, period=create(plan, people))


def test_submit_moves_to_submitted_and_tells_the_office(setup, django_capture_on_commit_callbacks):
    from renkei.accounts.models import Notice

    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    with django_capture_on_commit_callbacks(execute=True):
        period = services.period_submit(actor=people.filer, period=period)
    assert period.state == "submitted" and period.submitted_at is not None
    assert Notice.objects.filter(recipient=people.office, link__contains=str(period.pk)).exists()
    event = AuditEvent.objects.get(action="period_submit")
    assert (event.from_state, event.to_state) == ("draft", "submitted")


def test_data_uploaded_after_the_computation_must_be_computed_in_first(setup) -> None:
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    DataUpload.objects.create(
        plan=plan,
        kind="sheet",
        original_name="late.xlsx",
        stored_name="x",
        sha256="0" * 64,
        size=1,
        uploaded_by=people.filer,
        uploaded_at=period.computed_at + __import__("datetime").timedelta(seconds=1),
    )
    with pytest.raises(ServiceError, match="compute it again"):
        services.period_submit(actor=people.filer, period=period)


def test_a_submitted_period_is_not_computed_again(setup) -> None:
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    period = services.period_submit(actor=people.filer, period=period)
    with pytest.raises(ServiceError, match="only while it is a draft or returned"):
        services.period_compute(actor=people.filer, period=period)


# --- 2. a verified period cannot be changed; a correction is a new version --------------------
@pytest.fixture
def verified(setup):
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    assign(period, people.tpe, people.office)
    return put(period, "verified"), people


@pytest.mark.parametrize("service", ["period_compute", "period_submit"])
def test_the_services_refuse_to_change_a_verified_period(verified, service) -> None:
    period, people = verified
    with pytest.raises(ServiceError, match=r"cannot be changed.*a correction is a new version"):
        getattr(services, service)(actor=people.filer, period=period)


@pytest.mark.parametrize(
    "change",
    [
        {"emission_reductions_tco2": 999},
        {"result": {}},
        {"start": D("2025-04-02")},
        {"state": "draft"},
        {"correction_reason": "edited"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_the_database_refuses_to_change_a_verified_period(verified, change) -> None:
    period, _people = verified
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        MonitoringPeriod.objects.filter(pk=period.pk).update(**change)
    stored = MonitoringPeriod.objects.get(pk=period.pk)
    assert (stored.state, stored.emission_reductions_tco2) == ("verified", 27)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the delete trigger is PostgreSQL's (SQLite empties test tables with DELETE)",
)
def test_the_database_refuses_to_delete_a_verified_period(verified) -> None:
    period, _people = verified
    period.assignment.delete()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        MonitoringPeriod.objects.filter(pk=period.pk).delete()
    assert MonitoringPeriod.objects.filter(pk=period.pk).exists()


def test_a_verified_period_is_kept_by_its_verification(verified) -> None:
    """On both databases: the verification protects its period from deletion."""
    from renkei.monitoring.models import Verification

    period, people = verified
    Verification.objects.create(
        period=period,
        verified_tco2=27,
        verified_on=D("2025-10-15"),
        statement="verified (test)",
        verifier=people.verifier,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringPeriod.objects.filter(pk=period.pk).delete()
    assert MonitoringPeriod.objects.filter(pk=period.pk).exists()


def test_a_verified_period_is_superseded_and_then_frozen_too(verified) -> None:
    period, _people = verified
    period._supersede()
    period.save()  # the one change allowed: verified → superseded
    assert MonitoringPeriod.objects.get(pk=period.pk).state == "superseded"
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        MonitoringPeriod.objects.filter(pk=period.pk).update(state="verified")


def test_a_correction_is_a_new_version_with_its_reason(
    verified, django_capture_on_commit_callbacks
) -> None:
    from renkei.accounts.models import Notice

    period, people = verified
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.period_correct(
            actor=people.filer, period=period, reason="meter M-1 read in kWh, not MWh"
        )
    assert (correction.version, correction.correction_of_id, correction.state) == (
        2,
        period.pk,
        "draft",
    )
    assert (correction.start, correction.end) == (period.start, period.end)
    assert correction.correction_reason == "meter M-1 read in kWh, not MWh"
    assert MonitoringPeriod.objects.get(pk=period.pk).state == "verified"  # until v2 is verified
    assert Notice.objects.filter(recipient=people.verifier).exists()  # the assigned TPE is told
    # the correction is computed and submitted like any period
    correction = services.period_compute(actor=people.filer, period=correction)
    assert services.period_submit(actor=people.filer, period=correction).state == "submitted"
    assert AuditEvent.objects.get(action="period_correct").payload["correction_of"] == period.pk


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_needs_its_reason(verified, reason) -> None:
    period, people = verified
    with pytest.raises(ServiceError, match="Give the reason"):
        services.period_correct(actor=people.filer, period=period, reason=reason)
    assert MonitoringPeriod.objects.count() == 1


def test_one_correction_at_a_time(verified) -> None:
    period, people = verified
    services.period_correct(actor=people.filer, period=period, reason="first")
    with pytest.raises(ServiceError, match="already under way \\(version 2"):
        services.period_correct(actor=people.filer, period=period, reason="second")


def test_only_a_verified_period_is_corrected(setup) -> None:
    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    with pytest.raises(ServiceError, match="Only a verified period"):
        services.period_correct(actor=people.filer, period=period, reason="x")


def test_the_database_requires_a_corrections_reason(verified) -> None:
    period, people = verified
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringPeriod.objects.create(
            plan=period.plan,
            start=period.start,
            end=period.end,
            version=2,
            correction_of=period,
            created_by=people.filer,
        )


# --- 3. the monitoring report -------------------------------------------------------------------
def _texts(book) -> str:
    return "\n".join(
        str(cell.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    )


@pytest.mark.parametrize(
    ("lang", "sheets", "words"),
    [
        ("en", ["Input", "Calculation"], ["Parameters fixed ex ante", "JCM rounding"]),
        ("ja", ["入力シート", "計算シート"], ["事前に固定されるパラメータ", "JCM"]),
    ],
)
def test_the_xlsx_report_has_the_input_and_calculation_sheets(setup, lang, sheets, words) -> None:
    from openpyxl import load_workbook

    from renkei.monitoring.report import report_xlsx

    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    book = load_workbook(io.BytesIO(report_xlsx(period, lang=lang)))
    assert book.sheetnames == sheets
    text = _texts(book)
    for word in words:
        assert word in text
    # the ex-ante parameters with their sources, the monitored value, every step, the rounding
    assert "manufacturer's specification" in text and "EF_elec" in text and "EC_PJ" in text
    for step in period.result["steps"]:
        assert step["key"] in text
    assert "→ 27 tCO2" in text


def test_the_report_keeps_text_that_looks_like_a_formula_as_text(setup) -> None:
    from openpyxl import load_workbook

    from renkei.monitoring.report import report_xlsx

    plan, people = setup
    plan.fixed.filter(parameter="EF_elec").update(source='=HYPERLINK("http://x","y")')
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    book = load_workbook(io.BytesIO(report_xlsx(period, lang="en")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == '=HYPERLINK("http://x","y")' for c in cells)


def test_a_provisional_result_carries_the_banner(setup) -> None:
    from openpyxl import load_workbook

    from renkei.monitoring.report import report_xlsx

    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    MonitoringPeriod.objects.filter(pk=period.pk).update(provisional=True)
    period = MonitoringPeriod.objects.get(pk=period.pk)
    book = load_workbook(io.BytesIO(report_xlsx(period, lang="en")))
    assert book["Input"]["A3"].value.startswith("PROVISIONAL")
    assert book["Calculation"]["A3"].value.startswith("PROVISIONAL")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_pdf_report_is_a_pdf_in_the_readers_language(setup, lang) -> None:
    from renkei.monitoring.report import report_pdf

    plan, people = setup
    period = services.period_compute(actor=people.filer, period=create(plan, people))
    data = report_pdf(period, lang=lang)
    assert data.startswith(b"%PDF-") and b"HeiseiKakuGo-W5" in data
    assert len(data) > 2000
