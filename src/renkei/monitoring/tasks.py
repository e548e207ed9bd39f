"""The monitoring stage's jobs for the task runner (django-q2, ``manage.py qcluster``): the
import of interval meter data (``services.intake.upload_interval`` queues it).

The CSV is read into Parquet by ``renkei.mrv.meter.store_interval`` (DuckDB), never row by row
in Django. Both files go through the platform's storage (``renkei.storage``), whichever it is
(``RENKEI_STORAGE``, docs/ops/storage.md): the uploaded CSV is read from the storage's local path
when it has one (``FileSystemStorage``), else from a temporary copy; the Parquet file is written
at its local path in the storage, else to a temporary file that is then saved through the
storage (an S3-compatible object store) under its name. So any worker on any machine imports,
and any web process reads the dataset back (``services.intake.period_data``)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from renkei import clock
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.monitoring.models import DataUpload
from renkei.monitoring.services.intake import (
    FOLDER,
    JST,
    finding_json,
    meter_infos,
    meter_treatments,
    methodology_or_none,
    monitoring_window,
)
from renkei.storage import local_copy, new_stored_file

FUNC = "renkei.monitoring.tasks.run_interval_import"
logger = logging.getLogger(__name__)


def _progress(upload_id: int):
    last = [-1]

    def report(percent: int) -> None:
        percent = max(0, min(100, int(percent)))
        if percent != last[0]:
            last[0] = percent
            DataUpload.objects.filter(pk=upload_id).update(progress_percent=percent)

    return report


def run_interval_import(upload_id: int) -> str:
    """The job: store the upload's interval data as Parquet, then name what the plan cannot use
    (sites or points not in the plan, timestamps outside its monitoring period) and record the
    meters' findings. Runs once: an upload no longer queued is left as it is. A failure is
    recorded on the upload with why; the original file stays."""
    claimed = DataUpload.objects.filter(pk=upload_id, status=DataUpload.Status.QUEUED).update(
        status=DataUpload.Status.RUNNING, progress_percent=0
    )
    if not claimed:
        return "skipped"
    upload = DataUpload.objects.select_related("plan__grant", "uploaded_by").get(pk=upload_id)
    with override(upload.uploaded_by.preferred_language):
        try:
            _import(upload)
        except Exception as exc:  # recorded, never lost: the upload says why
            if not isinstance(exc, ValueError):  # a fault, not the file's: its traceback
                logger.exception("meter data import %s failed", upload_id)
            _fail(upload, exc)
            return "failed"
    return "done"


def _fail(upload: DataUpload, exc: Exception) -> None:
    from renkei.mrv.types import MrvError

    why = str(exc) if isinstance(exc, MrvError | ValueError | OSError) else exc.__class__.__name__
    with transaction.atomic():
        DataUpload.objects.filter(pk=upload.pk).update(
            status=DataUpload.Status.FAILED,
            failure=_("The import failed: %(why)s. Check the file and upload it again.")
            % {"why": why},
            finished_at=clock.now(),
        )
        audit_record(
            actor=upload.uploaded_by,
            obj=upload.plan,
            action="monitoring_interval_failed",
            payload={"upload": upload.pk, "why": why[:500]},
        )
        _tell(
            upload,
            gettext_noop("Meter data import failed"),
            gettext_noop("%(name)s could not be imported; the upload's page says why."),
        )


def _import(upload: DataUpload) -> None:
    from renkei.mrv import meter
    from renkei.mrv.types import MrvError

    plan = upload.plan
    name = f"{FOLDER}/{plan.pk}/{uuid.uuid4().hex}.parquet"
    with local_copy(upload.stored_name) as src, new_stored_file(name) as parquet:
        try:
            outcome = meter.store_interval(
                src, parquet.path, unit=upload.unit, progress=_progress(upload.pk)
            )
        except MrvError as exc:  # named by the file's name as uploaded, not as stored
            message = str(exc).replace(os.path.basename(src), upload.original_name)
            raise MrvError(message, code=exc.code) from None
        coverage, left_out, findings = _check_against_plan(upload, parquet.path)
        dataset = parquet.save()  # the name the storage kept it under
    try:
        _done(upload, outcome, dataset, coverage, left_out, findings)
    except BaseException:  # no dataset is left without its upload's row
        default_storage.delete(dataset)
        raise


def _done(upload: DataUpload, outcome: Any, dataset: str, coverage, left_out, findings) -> None:
    plan = upload.plan
    errors = [_error_json(e, upload.original_name) for e in outcome.errors]
    if outcome.bad_rows > len(outcome.errors):
        errors.append(
            {
                "where": upload.original_name,
                "message": _("%(n)s unreadable rows in all; the first %(shown)s are named above")
                % {"n": outcome.bad_rows, "shown": len(outcome.errors)},
            }
        )
    errors += [e for e, _n in left_out]
    kept = max(0, min(outcome.rows_kept, outcome.rows_read) - sum(n for _e, n in left_out))
    with transaction.atomic():
        DataUpload.objects.filter(pk=upload.pk).update(
            status=DataUpload.Status.DONE,
            progress_percent=100,
            dataset=dataset,
            rows_read=outcome.rows_read,
            rows_kept=kept,
            errors=errors,
            findings=findings,
            coverage=coverage,
            finished_at=clock.now(),
        )
        audit_record(
            actor=upload.uploaded_by,
            obj=plan,
            action="monitoring_interval_done",
            payload={
                "upload": upload.pk,
                "rows_read": outcome.rows_read,
                "rows_kept": kept,
                "errors": len(errors),
            },
        )
        _tell(
            upload,
            gettext_noop("Meter data imported"),
            gettext_noop("%(name)s is imported: %(kept)s of %(read)s rows kept."),
            kept=kept,
            read=outcome.rows_read,
        )


def _tell(upload: DataUpload, subject: str, message: str, **values: Any) -> None:
    """The uploader hears when the import has ended (in-app and by e-mail, once committed)."""
    notify(
        [upload.uploaded_by],
        subject=subject,
        message=message,
        link=reverse("monitoring:intake_upload", args=[upload.plan_id, upload.pk]),
        values={"name": upload.original_name, **values},
    )


def _error_json(error: Any, where: str) -> dict[str, str]:
    if isinstance(error, dict):
        return {"where": str(error.get("where", "")), "message": str(error.get("message", ""))}
    if hasattr(error, "where"):
        return {"where": error.where, "message": error.message}
    return {"where": where, "message": str(error)}


def _epoch(day: dt.date | None, default: float) -> float:
    if day is None:
        return default
    return dt.datetime.combine(day, dt.time(), tzinfo=JST).timestamp()


def _check_against_plan(upload: DataUpload, parquet: str):
    """What the plan cannot use, counted in DuckDB: rows of sites or points that are not metered
    points of the plan, rows outside its monitoring period (each ``(error, rows)``); the first
    and last timestamp per point; the meters' quality findings over the data's own span."""
    import duckdb

    from renkei.mrv import meter

    plan = upload.plan
    first, last = monitoring_window(plan)
    begin = _epoch(first, float("-inf"))
    stop = _epoch(last + dt.timedelta(days=1) if last else None, float("inf"))
    metered = {
        (p.site.code, p.code): p
        for p in plan.points.select_related("site", "meter").filter(meter__isnull=False)
    }
    infos = meter_infos(metered.values())
    names = ", ".join(f"{s}/{c}" for s, c in sorted(metered)) or "—"
    with duckdb.connect() as con:
        seconds = "epoch_us / 1e6"
        rows = con.execute(
            f"SELECT site, point, count(*), min({seconds}), max({seconds}), "
            f"count(*) FILTER (WHERE {seconds} < ? OR {seconds} >= ?) "
            f"FROM {meter.readings_sql(con, parquet)} GROUP BY site, point ORDER BY site, point",
            [begin, stop],
        ).fetchall()
    left_out: list[tuple[dict[str, str], int]] = []
    coverage: dict[str, list[str]] = {}
    span: list[float] = []
    for site, code, count, lo, hi, outside in rows:
        where = f"{upload.original_name}: {site}/{code}"
        if (site, code) not in metered:
            left_out.append(
                (
                    {
                        "where": where,
                        "message": _(
                            "%(n)s rows: %(site)s/%(point)s is not a metered point of the plan "
                            "(its metered points are: %(points)s); left out"
                        )
                        % {"n": count, "site": site, "point": code, "points": names},
                    },
                    count,
                )
            )
            continue
        if outside:
            left_out.append(
                (
                    {
                        "where": where,
                        "message": _(
                            "%(n)s rows are outside the plan's monitoring period %(first)s – "
                            "%(last)s; left out of every period"
                        )
                        % {
                            "n": outside,
                            "first": first or "—",
                            "last": last or _("(not set)"),
                        },
                    },
                    outside,
                )
            )
        lo_t = dt.datetime.fromtimestamp(lo, JST)
        hi_t = dt.datetime.fromtimestamp(hi, JST)
        coverage[f"{site}/{code}"] = [lo_t.isoformat(), hi_t.isoformat()]
        span += [lo, hi]
    findings: list[dict[str, Any]] = []
    if span:
        # whole days (JST) around the data: a whole number of any interval offered
        first_day = dt.datetime.fromtimestamp(max(min(span), begin), JST).date()
        last_day = dt.datetime.fromtimestamp(min(max(span), stop - 1), JST).date()
        start = dt.datetime.combine(first_day, dt.time(), tzinfo=JST)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=JST)
        outcome = meter.period_totals(
            parquet,
            start=start,
            end=end,
            interval_minutes=upload.interval_minutes or 15,
            meters={key: infos[p.meter.serial] for key, p in metered.items()},
            treatments=meter_treatments(methodology_or_none(plan)),
        )
        findings = [finding_json(f) for f in outcome.findings if (f.site, f.point) in metered]
    return coverage, left_out, findings
