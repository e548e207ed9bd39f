"""Two archive runs at the same moment (issue 14, idempotence): the grant's row lock makes the
second see the first's archive and archive nothing (``AlreadyArchived``), so one package and one
``ArchiveRecord`` exist. Threads need real row locks, so this runs on PostgreSQL (the PostgreSQL
pass of `make test`); SQLite serialises writers itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from monitoringfactories import operating_grant
from webfactories import run_at_once

from renkei.ops.models import ArchiveRecord
from renkei.ops.retention import AlreadyArchived, grant_archive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks: runs in the PostgreSQL pass of `make test`",
    ),
]


def test_two_runs_at_once_archive_a_grant_once(settings) -> None:
    settings.RENKEI_DEMO_NOW = "2045-01-10T10:00:00+09:00"
    grant = operating_grant(completed="2025-03-20", operation="2025-04-01", life=1)
    as_of = dt.date(2030, 4, 1)
    results = run_at_once(
        [lambda: grant_archive(actor=None, grant=grant, as_of=as_of) for _ in range(2)]
    )
    made = [r for r in results if isinstance(r, ArchiveRecord)]
    refused = [r for r in results if isinstance(r, AlreadyArchived)]
    assert (len(made), len(refused)) == (1, 1), results
    assert ArchiveRecord.objects.count() == 1
    folders, _files = default_storage.listdir(f"archive/{grant.pk}")
    assert len(folders) == 1
