"""The monitoring stage's data intake (issue 9, "Data intake", "Bad input and integrity"): the
monitoring spreadsheet (every bad cell named by sheet and cell, rows the plan cannot use named
with what would be right, the valid rows kept, the original file kept), interval meter data
through the task runner into Parquet with its progress, and ``period_data``, what a period is
computed from."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from monitoringfactories import cast, operating_grant, plan_for
from test_api import client_for

from renkei.accounts.models import Notice
from renkei.audit.models import AuditEvent
from renkei.monitoring import tasks
from renkei.monitoring.models import DataUpload, Reading
from renkei.monitoring.services import intake
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db

HEAD = "site,point,parameter,start,end,value,unit\n"


def row(start: str, end: str, value: str, unit: str = "MWh", site="A", point="1", p="EC_PJ"):
    return f"{site},{point},{p},{start}T00:00:00+09:00,{end}T00:00:00+09:00,{value},{unit}\n"


def csv_file(text: str, name: str = "readings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


@pytest.fixture
def world():
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    people.filer.language = "en"  # the task runner writes in the uploader's language
    people.filer.save(update_fields=["language"])
    return {"plan": plan, "people": people}


def upload(world, text: str, name: str = "readings.csv") -> DataUpload:
    return intake.upload_sheet(
        actor=world["people"].filer, plan=world["plan"], upload=csv_file(text, name)
    )


def test_a_clean_sheet_is_stored_as_readings_of_the_plans_points_with_its_file(world) -> None:
    up = upload(
        world,
        HEAD + row("2025-05-01", "2025-06-01", "12.5") + row("2025-06-01", "2025-07-01", "13"),
    )
    assert (up.status, up.rows_read, up.rows_kept, up.errors) == ("done", 2, 2, [])
    values = sorted(Reading.objects.filter(upload=up).values_list("value", "unit"))
    assert values == [(Decimal("12.5"), "MWh"), (Decimal("13"), "MWh")]
    with default_storage.open(up.stored_name, "rb") as f:  # the original, byte for byte
        assert f.read().startswith(HEAD.encode())
    event = AuditEvent.objects.get(action="monitoring_sheet_upload")
    assert event.payload["rows_kept"] == 2


def test_bad_rows_are_named_with_what_would_be_right_and_the_valid_ones_kept(world) -> None:
    text = (
        HEAD
        + row("2025-05-01", "2025-06-01", "12.5")  # good
        + row("2025-05-01", "2025-06-01", "1", site="Z")  # unknown site
        + row("2025-05-01", "2025-06-01", "1", point="9")  # unknown point
        + row("2025-05-01", "2025-06-01", "1", p="COP_PJ")  # not measured there
        + row("2024-05-01", "2024-06-01", "1")  # before operation started
        + row("2025-06-01", "2025-07-01", "1", unit="furlong")  # unknown unit
        + row("2025-07-01", "2025-08-01", "13000", unit="kWh")  # converted to MWh
        + row("2025-08-01", "2025-09-01", "5", unit="t")  # a mass, not an energy
    )
    up = upload(world, text)
    assert (up.rows_read, up.rows_kept) == (8, 2)
    messages = " | ".join(e["message"] for e in up.errors)
    assert "site Z is not in the monitoring plan; its sites are: A" in messages
    assert "9 is not a monitoring point of site A; its points are: 1" in messages
    assert "COP_PJ is not measured at A/1; it measures: EC_PJ" in messages
    assert "outside the plan's monitoring period 2025-04-01" in messages
    assert (
        "unit furlong cannot be used for EC_PJ" in messages and "give the value in MWh" in messages
    )
    assert "unit t cannot be used for EC_PJ" in messages
    assert len(up.errors) == 6 and all(e["where"] for e in up.errors)
    kept = Reading.objects.get(upload=up, start__month=7)
    assert (kept.value, kept.unit) == (Decimal("13"), "MWh")
    notes = [f for f in up.findings if f["kind"] == "unit"]
    assert "13000 kWh converted to 13" in notes[0]["message"]


def test_a_bad_cell_is_named_by_sheet_and_cell_in_an_xlsx(world) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Readings"
    ws.append(["site", "point", "parameter", "start", "end", "value", "unit"])
    ws.append(
        ["A", "1", "EC_PJ", "2025-05-01T00:00:00+09:00", "2025-06-01T00:00:00+09:00", 12.5, "MWh"]
    )
    ws.append(
        ["A", "1", "EC_PJ", "2025-06-01T00:00:00+09:00", "2025-07-01T00:00:00+09:00", "lots", "MWh"]
    )
    buf = io.BytesIO()
    wb.save(buf)
    up = intake.upload_sheet(
        actor=world["people"].filer,
        plan=world["plan"],
        upload=SimpleUploadedFile("sheet.xlsx", buf.getvalue()),
    )
    assert up.rows_kept == 1 and up.rows_read == 2
    assert [e["where"] for e in up.errors] == ["Readings!F3"]


def test_a_reading_of_a_meter_out_of_calibration_is_kept_and_named(world) -> None:
    # the meter is calibrated 2025-04-01 – 2027-04-01
    up = upload(world, HEAD + row("2027-05-01", "2027-06-01", "12"))
    assert up.rows_kept == 1
    (note,) = [f for f in up.findings if f["kind"] == "calibration_expired"]
    assert "meter M-1 is calibrated for 2025-04-01 – 2027-04-01" in note["message"]


def test_the_same_file_twice_is_refused_and_only_the_filer_uploads(world) -> None:
    text = HEAD + row("2025-05-01", "2025-06-01", "12.5")
    upload(world, text)
    with pytest.raises(ServiceError, match="already uploaded"):
        upload(world, text, "again.csv")
    for who in ("office", "verifier", "outsider"):
        with pytest.raises(NotAllowed):
            intake.upload_sheet(
                actor=getattr(world["people"], who), plan=world["plan"], upload=csv_file(text)
            )
    with pytest.raises(ServiceError, match="not accepted"):
        upload(world, "x", "readings.txt")
    assert DataUpload.objects.count() == 1


def test_the_upload_page_names_every_bad_cell_in_the_readers_language(world) -> None:
    up = upload(world, HEAD + row("2025-05-01", "2025-06-01", "1", site="Z"))
    url = reverse("monitoring:intake_upload", args=[world["plan"].pk, up.pk])
    page = client_for(world["people"].verifier).get(url)
    assert page.status_code == 404  # no period assigned to its TPE yet
    page = client_for(world["people"].filer).get(url).content.decode()
    assert "site Z is not in the monitoring plan" in page and "1 row left out" in page
    assert "The first 200 are shown" not in page


def test_a_refused_upload_on_the_page_says_why_and_stores_nothing(world) -> None:
    client = client_for(world["people"].filer)
    url = reverse("monitoring:intake_sheet", args=[world["plan"].pk])
    response = client.post(url, {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert response.status_code == 200
    assert "files of this type are not accepted" in response.content.decode()
    assert DataUpload.objects.count() == 0


# --- interval meter data -------------------------------------------------------------------------
def interval_csv(days: int = 2, *, site="A", point="1", start="2025-05-01", value="250") -> str:
    first = dt.datetime.fromisoformat(start + "T00:00:00+09:00")
    lines = ["site,point,timestamp,value"]
    for n in range(days * 96):
        t = first + dt.timedelta(minutes=15 * n)
        lines.append(f"{site},{point},{t.isoformat()},{value}")
    return "\n".join(lines) + "\n"


def queue_interval(world, text: str, *, unit="kWh", minutes=15, name="meter.csv") -> DataUpload:
    return intake.upload_interval(
        actor=world["people"].filer,
        plan=world["plan"],
        upload=csv_file(text, name),
        unit=unit,
        interval_minutes=minutes,
    )


def run_interval(world, text: str, **kw) -> DataUpload:
    up = queue_interval(world, text, **kw)
    assert up.status == "queued"
    assert tasks.run_interval_import(up.pk) == "done"
    return DataUpload.objects.get(pk=up.pk)


def test_interval_data_is_queued_and_then_stored_as_parquet_with_progress(
    world, monkeypatch
) -> None:
    seen: list[int] = []
    real = tasks._progress

    def recording(upload_id):
        report = real(upload_id)

        def both(percent):
            seen.append(DataUpload.objects.get(pk=upload_id).status)
            report(percent)

        return both

    monkeypatch.setattr(tasks, "_progress", recording)
    up = run_interval(world, interval_csv(2) + interval_csv(1, point="7").split("\n", 1)[1])
    assert up.status == "done" and up.progress_percent == 100
    assert up.dataset.endswith(".parquet") and default_storage.exists(up.dataset)
    assert up.rows_read == 3 * 96 and up.rows_kept == 2 * 96
    (error,) = up.errors
    assert "A/7 is not a metered point of the plan" in error["message"]
    assert up.coverage["A/1"][0].startswith("2025-05-01T00:00:00")
    assert seen and set(seen) == {"running"}  # progress reported while it runs


def test_the_task_queues_on_commit_and_runs_once(
    world, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)  # the worker's job, run in-process
    with django_capture_on_commit_callbacks(execute=True):
        up = queue_interval(world, interval_csv(1))
    up.refresh_from_db()
    assert up.status == "done" and up.rows_kept == 96
    assert tasks.run_interval_import(up.pk) == "skipped"  # not imported twice
    (notice,) = Notice.objects.filter(recipient=world["people"].filer)
    assert notice.message == "meter.csv is imported: 96 of 96 rows kept."
    assert notice.link.endswith(f"/uploads/{up.pk}/")


def test_a_failed_import_says_why_and_keeps_the_file(
    world, django_capture_on_commit_callbacks
) -> None:
    up = queue_interval(world, "this is not,a meter file\n1,2\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run_interval_import(up.pk) == "failed"
    up.refresh_from_db()
    assert Notice.objects.get(recipient=world["people"].filer).subject == (
        "Meter data import failed"
    )
    assert up.status == "failed" and "The import failed" in up.failure
    assert "meter.csv: the header is" in up.failure  # the file as the uploader named it
    assert default_storage.exists(up.stored_name)
    page = client_for(world["people"].filer).get(
        reverse("monitoring:intake_upload", args=[world["plan"].pk, up.pk])
    )
    assert "The import failed" in page.content.decode()


def test_a_running_import_shows_its_progress_and_refreshes_with_a_nonced_script(world) -> None:
    up = queue_interval(world, interval_csv(1))
    DataUpload.objects.filter(pk=up.pk).update(status="running", progress_percent=40)
    page = (
        client_for(world["people"].filer)
        .get(reverse("monitoring:intake_upload", args=[world["plan"].pk, up.pk]))
        .content.decode()
    )
    assert 'value="40"' in page and '<script nonce="' in page


def test_an_unknown_unit_or_interval_is_refused_before_anything_is_stored(world) -> None:
    for unit, minutes, why in (("furlong", 15, "not a unit"), ("kWh", 7, "not offered")):
        with pytest.raises(ServiceError, match=why):
            queue_interval(world, interval_csv(1), unit=unit, minutes=minutes)
    assert DataUpload.objects.count() == 0


# --- period_data ---------------------------------------------------------------------------------
def test_period_data_sums_sheet_readings_per_point_with_the_fixed_values(world) -> None:
    upload(
        world,
        HEAD + row("2025-05-01", "2025-06-01", "12.5") + row("2025-06-01", "2025-07-01", "13"),
    )
    data = intake.period_data(world["plan"], dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    (point,) = data.points
    assert (point.site, point.point) == ("A", "1")
    assert point.values["EC_PJ"].value == Decimal("25.5")
    assert point.fixed["COP_PJ"].value == Decimal("3.2")
    assert set(data.fixed) == {"COP_RE", "EF_elec"}
    assert [s["name"] for s in data.sources] == ["readings.csv"]


def test_period_data_takes_interval_data_in_the_points_unit(world) -> None:
    run_interval(world, interval_csv(2))  # 192 readings of 250 kWh = 48 MWh
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    (point,) = data.points
    assert point.values["EC_PJ"].value == Decimal("48") and point.values["EC_PJ"].unit == "MWh"
    assert [s["kind"] for s in data.sources] == ["interval"]


def test_period_data_never_counts_the_same_point_twice(world) -> None:
    upload(world, HEAD + row("2025-05-01", "2025-05-03", "1"))
    run_interval(world, interval_csv(2))
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    assert data.points[0].values["EC_PJ"].value == Decimal("1")
    assert any(
        f.kind == "overlap" and "spreadsheet's readings are used" in f.message
        for f in data.findings
    )


def test_a_point_without_data_is_left_out_and_named(world) -> None:
    data = intake.period_data(world["plan"], dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert data.points == []
    assert any(f.kind == "missing_period" and "no EC_PJ data" in f.message for f in data.findings)


def test_period_data_is_what_compute_takes(world) -> None:
    """The period part computes from it as is: ER = EC_PJ × (COP_PJ/COP_RE − 1) × EF_elec."""
    from renkei.mrv import compute, methodologies

    upload(world, HEAD + row("2025-05-01", "2025-06-01", "100"))
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    plan = world["plan"]
    methodology = methodologies.load(plan.methodology_id, plan.methodology_version)
    result = compute.compute(
        methodology, fixed=data.fixed, points=data.points, adjustments=data.adjustments
    )
    assert result.emission_reductions_tco2 > 0
    assert set(result.per_site) == {"A"}


def test_the_upload_page_speaks_japanese_by_default(world) -> None:
    up = upload(world, HEAD + row("2025-05-01", "2025-06-01", "1", site="Z"))
    client = client_for(world["people"].filer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    world["people"].filer.language = "ja"
    world["people"].filer.save(update_fields=["language"])
    page = client.get(reverse("monitoring:intake_upload", args=[world["plan"].pk, up.pk]))
    text = page.content.decode()
    assert "除外した行とその理由" in text and "保持した行数" not in text  # the page, not the panel


def test_the_api_uploads_and_answers_bad_input_with_422_never_500(world) -> None:
    client = client_for(world["people"].filer)
    plan = world["plan"].pk
    ok = client.post(
        f"/api/monitoring/plans/{plan}/uploads/sheet",
        {
            "file": csv_file(
                HEAD + row("2025-05-01", "2025-06-01", "7") + row("2025-06-01", "2025-07-01", "x")
            )
        },
    )
    assert ok.status_code == 201
    body = ok.json()
    assert (body["rows_read"], body["rows_kept"]) == (2, 1)
    assert body["errors"][0]["where"] == "readings.csv:3:value"
    refused = client.post(
        f"/api/monitoring/plans/{plan}/uploads/sheet", {"file": csv_file("x", "a.txt")}
    )
    assert refused.status_code == 422 and "not accepted" in refused.json()["detail"]
    backwards = client.get(
        f"/api/monitoring/plans/{plan}/data", {"start": "2025-06-30", "end": "2025-04-01"}
    )
    assert backwards.status_code == 422 and "before it starts" in backwards.json()["detail"]
    data = client.get(
        f"/api/monitoring/plans/{plan}/data", {"start": "2025-05-01", "end": "2025-05-31"}
    )
    assert data.json()["points"][0]["values"] == {"EC_PJ": "7 MWh"}
    detail = client.get(f"/api/monitoring/uploads/{body['id']}")
    assert detail.json()["sha256"] == body["sha256"]


def test_interval_rows_outside_the_monitoring_period_are_named_and_left_out(world) -> None:
    up = run_interval(
        world, interval_csv(1, start="2025-03-31") + interval_csv(1).split("\n", 1)[1]
    )
    assert (up.rows_read, up.rows_kept) == (192, 96)
    (error,) = up.errors
    assert "96 rows are outside the plan's monitoring period 2025-04-01" in error["message"]


def test_a_later_interval_dataset_is_used_where_two_cover_the_same_point(world) -> None:
    run_interval(world, interval_csv(1, value="100"), name="first.csv")
    run_interval(world, interval_csv(1, value="200"), name="second.csv")
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 1))
    assert data.points[0].values["EC_PJ"].value == Decimal("19.2")  # 96 × 200 kWh
    assert [s["name"] for s in data.sources] == ["second.csv"]
    assert any("second.csv, uploaded later, is used" in f.message for f in data.findings)


def test_times_without_an_offset_are_read_as_japan_time_and_the_upload_says_so(world) -> None:
    up = upload(world, HEAD + "A,1,EC_PJ,2025-05-01 00:00,2025-06-01 00:00,12.5,MWh\n")
    assert up.rows_kept == 1
    assert [f["kind"] for f in up.findings] == ["note"]
    kept = Reading.objects.get(upload=up)
    assert kept.start == dt.datetime(2025, 4, 30, 15, tzinfo=dt.UTC)  # 00:00 JST
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    assert data.points[0].values["EC_PJ"].value == Decimal("12.5")


def test_a_span_uploaded_again_in_another_file_is_named_and_counted_once(world) -> None:
    upload(world, HEAD + row("2025-05-01", "2025-06-01", "12.5"), "may.csv")
    again = upload(world, HEAD + row("2025-05-01", "2025-06-01", "12.5") + "\n", "may-again.csv")
    (note,) = [f for f in again.findings if f["kind"] == "duplicate"]
    assert "already uploaded in may.csv" in note["message"]
    data = intake.period_data(world["plan"], dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    assert data.points[0].values["EC_PJ"].value == Decimal("12.5")  # not 25


def test_a_value_too_large_or_too_precise_to_store_is_said_never_a_server_error(world) -> None:
    up = upload(
        world,
        HEAD
        + row("2025-05-01", "2025-06-01", "1e20")
        + row("2025-06-01", "2025-07-01", "1.23456789"),
    )
    assert up.rows_kept == 1
    assert "too large to be a reading" in up.errors[0]["message"]
    assert Reading.objects.get(upload=up).value == Decimal("1.234568")
    assert any("kept to 6 decimal places: 1.234568" in f["message"] for f in up.findings)


def test_a_point_without_meter_or_methodology_unit_takes_only_a_known_unit(world) -> None:
    from renkei.monitoring.models import MonitoringPoint

    plan = world["plan"]
    MonitoringPoint.objects.create(plan=plan, site=plan.sites.get(), code="2", parameter="X_PJ")
    up = upload(
        world,
        HEAD
        + row("2025-05-01", "2025-06-01", "1", point="2", p="X_PJ", unit="bananas")
        + row("2025-05-01", "2025-06-01", "1", point="2", p="X_PJ", unit="MWh/" + "h" * 30)
        + row("2025-05-01", "2025-06-01", "2", point="2", p="X_PJ", unit="kWh"),
    )
    assert up.rows_kept == 1
    assert [e["message"].split(" is not")[0] for e in up.errors] == [
        "unit bananas",
        "unit MWh/" + "h" * 30,
    ]


def test_the_upload_page_lists_the_first_readings_and_says_so(world, monkeypatch) -> None:
    monkeypatch.setattr("renkei.monitoring.views_intake.SHOWN", 1)
    up = upload(
        world, HEAD + row("2025-05-01", "2025-06-01", "1") + row("2025-06-01", "2025-07-01", "2")
    )
    page = (
        client_for(world["people"].filer)
        .get(reverse("monitoring:intake_upload", args=[world["plan"].pk, up.pk]))
        .content.decode()
    )
    assert "The first 1 are shown; the original file holds them all." in page
    assert "2025-05-01 00:00" in page and "2025-06-01 00:00</td><td>2025-07-01" not in page


def test_an_import_ends_on_the_platforms_clock(world, settings) -> None:
    """The period part compares uploads with the time a period was computed, both on the
    platform's clock (settable for the demo): a real-time finish looked newer than any demo
    computation."""
    settings.RENKEI_DEMO_NOW = "2026-09-10T10:00:00+09:00"
    sheet = upload(world, HEAD + row("2025-05-01", "2025-06-01", "1"))
    meter = run_interval(world, interval_csv(1))
    expected = dt.datetime(2026, 9, 10, 1, tzinfo=dt.UTC)
    assert sheet.finished_at == expected and meter.finished_at == expected
