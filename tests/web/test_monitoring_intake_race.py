"""Uploads at the same moment (issue 9, "Bad input and integrity"): the same file uploaded twice
at once is stored once (the check for the same bytes is made under the plan's lock), and an
interval import handed to two workers runs once. Threads need real row locks, so this runs on
PostgreSQL (the PostgreSQL pass of `make test`), as tests/web/test_concurrent_submit.py does."""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from monitoringfactories import cast, operating_grant, plan_for
from webfactories import run_at_once

from renkei.monitoring import tasks
from renkei.monitoring.models import DataUpload
from renkei.monitoring.services import intake
from renkei.services import ServiceError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]

SHEET = (
    b"site,point,parameter,start,end,value,unit\n"
    b"A,1,EC_PJ,2025-05-01T00:00:00+09:00,2025-06-01T00:00:00+09:00,12.5,MWh\n"
)
METER = b"site,point,timestamp,value\nA,1,2025-05-01T00:00:00+09:00,1\n"


def test_the_same_file_uploaded_twice_at_once_is_stored_once() -> None:
    grant = operating_grant()
    plan, filer = plan_for(grant), cast(grant).filer
    results = run_at_once(
        [
            lambda n=n: intake.upload_sheet(
                actor=filer, plan=plan, upload=SimpleUploadedFile(f"s{n}.csv", SHEET)
            )
            for n in range(3)
        ]
    )
    stored = [r for r in results if isinstance(r, DataUpload)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(stored) == 1 and len(refused) == 2, results
    # each refusal names the upload that got in first (in the threads' language)
    assert all(stored[0].original_name in str(r) for r in refused), [str(r) for r in refused]
    assert DataUpload.objects.count() == 1
    _dirs, files = default_storage.listdir(f"monitoring/{plan.pk}")
    assert files == [os.path.basename(stored[0].stored_name)]  # no file without its row


def test_an_interval_import_handed_to_two_workers_runs_once() -> None:
    grant = operating_grant()
    plan, filer = plan_for(grant), cast(grant).filer
    upload = intake.upload_interval(
        actor=filer,
        plan=plan,
        upload=SimpleUploadedFile("m.csv", METER),
        unit="kWh",
        interval_minutes=15,
    )
    results = run_at_once([lambda: tasks.run_interval_import(upload.pk) for _ in range(2)])
    assert sorted(results) == ["done", "skipped"], results
