"""Uploads in an S3-compatible object store (issue 14, "Deployment past one machine"): with
``RENKEI_STORAGE=s3`` every file goes through Django's storage API into the bucket, so that any
web process or worker on any machine sees it, and comes back byte for byte only through the
permission-checking views; the interval meter data's Parquet datasets live there too and the
period totals are computed from them. The real S3 code path (django-storages over boto3) runs
against moto's S3 server in this process, offline; the storage settings are the ones
``renkei.web.settings`` builds from the environment, read in a fresh process as at start-up."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from grantfactories import adopted_selection, opened_grant
from monitoringfactories import cast, operating_grant, plan_for
from moto.server import ThreadedMotoServer

from renkei.monitoring import tasks
from renkei.monitoring.models import DataUpload
from renkei.monitoring.services import intake
from renkei.proposals import services
from renkei.storage import LocalCopies, local_copy, local_path

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-northeast-1"
PREFIX = "renkei-files"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40  # every byte value, 10 kB


def settings_process(env: dict[str, str], tmp_path: Path, code: str):
    """``renkei.web.settings`` imported in a fresh process with ``env``, as at start-up."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RENKEI_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-c", "import renkei.web.settings as s\n" + code],
        env={
            **clean,
            "PYTHONPATH": str(ROOT / "src"),
            "RENKEI_HOME": str(tmp_path),
            "RENKEI_DEBUG": "1",
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def default_storage_from(env: dict[str, str], tmp_path: Path) -> dict:
    result = settings_process(
        env, tmp_path, "import json\nprint(json.dumps(s.STORAGES['default']))"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the server and the settings ------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3_env(s3_server, tmp_path_factory) -> dict[str, str]:
    """The operator's variables for the store (the bucket is made per test)."""
    return {
        "RENKEI_STORAGE": "s3",
        "RENKEI_S3_BUCKET": "renkei-uploads",
        "RENKEI_S3_ENDPOINT_URL": s3_server,
        "RENKEI_S3_REGION": REGION,
        "RENKEI_S3_PREFIX": f"/{PREFIX}/",
    }


@pytest.fixture(scope="module")
def s3_storage_settings(s3_env, tmp_path_factory) -> dict:
    return default_storage_from(s3_env, tmp_path_factory.mktemp("home"))


@pytest.fixture
def bucket(s3_server, s3_storage_settings, settings, monkeypatch, tmp_path):
    """A fresh bucket, and the platform's default storage in it (as the settings build it)."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "renkei-test",
        "AWS_SECRET_ACCESS_KEY": "renkei-test-secret",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    name = f"renkei-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    config = json.loads(json.dumps(s3_storage_settings))
    config["OPTIONS"]["bucket_name"] = name
    settings.STORAGES = {**settings.STORAGES, "default": config}
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    yield client, name
    # nothing to clean: the server lives in memory for this module only


def keys(bucket) -> list[str]:
    client, name = bucket
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=name).get("Contents", []))


def object_bytes(bucket, key: str) -> bytes:
    client, name = bucket
    return client.get_object(Bucket=name, Key=key)["Body"].read()


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def login(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_the_settings_build_a_private_s3_storage_from_the_environment(s3_storage_settings) -> None:
    assert s3_storage_settings["BACKEND"] == "renkei.web.storage.PrivateS3Storage"
    options = s3_storage_settings["OPTIONS"]
    assert options["bucket_name"] == "renkei-uploads" and options["region_name"] == REGION
    assert options["location"] == PREFIX  # the prefix without its slashes
    assert options["file_overwrite"] is False  # a name is never silently replaced
    assert options["default_acl"] is None  # private: no ACL sent, none public
    assert options["addressing_style"] == "path"  # a self-hosted endpoint: by path


def test_filesystem_is_the_default_and_its_directory_is_configurable(tmp_path) -> None:
    default = default_storage_from({}, tmp_path)
    assert default["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert default["OPTIONS"]["location"] == str(tmp_path / "var" / "uploads")
    chosen = default_storage_from(
        {"RENKEI_STORAGE": "filesystem", "RENKEI_UPLOAD_DIR": "shared/files"}, tmp_path
    )
    assert chosen["OPTIONS"]["location"] == str(tmp_path / "shared" / "files")
    absolute = default_storage_from({"RENKEI_UPLOAD_DIR": str(tmp_path / "nfs")}, tmp_path)
    assert absolute["OPTIONS"]["location"] == str(tmp_path / "nfs")


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"RENKEI_STORAGE": "s3"}, "RENKEI_STORAGE=s3 needs RENKEI_S3_BUCKET"),
        ({"RENKEI_STORAGE": "s3", "RENKEI_S3_BUCKET": "  "}, "needs RENKEI_S3_BUCKET"),
        (
            {"RENKEI_STORAGE": "gcs"},
            "RENKEI_STORAGE='gcs' is not a storage Renkei knows: set it to 'filesystem'",
        ),
        ({"RENKEI_STORAGE": "S3 "}, "or 's3' (an S3-compatible object store"),
    ],
)
def test_the_platform_refuses_to_start_with_a_storage_it_cannot_use(env, said, tmp_path) -> None:
    result = settings_process(env, tmp_path, "print('started')")
    assert result.returncode != 0 and "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr and said in result.stderr


# --- proposals' attachments ----------------------------------------------------------------------
@pytest.fixture
def draft(applicant, first_round, sample_document):
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="object store", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    return proposal


def test_an_attachment_goes_to_the_bucket_and_comes_back_identical_through_the_view(
    bucket, applicant, users, draft, settings, tmp_path
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # received in a temporary file, then uploaded
    response = login(applicant).post(
        reverse("proposals:attach", args=[draft.pk]),
        {"document_id": "form1", "file": SimpleUploadedFile("1_a.pdf", PDF)},
        follow=True,
    )
    assert response.status_code == 200
    (att,) = draft.attachments.all()
    assert att.sha256 == hashlib.sha256(PDF).hexdigest()
    (key,) = keys(bucket)
    assert key == f"{PREFIX}/{att.file.name}" and key.endswith(".pdf")
    assert object_bytes(bucket, key) == PDF  # in the bucket, byte for byte
    assert local_path(att.file.name) is None  # no local path: the object store only
    assert list((tmp_path / "incoming").iterdir()) == []  # the received file is not left behind
    assert not (tmp_path / "uploads").exists()  # nothing written to a local storage

    download = reverse("proposals:download", args=[att.pk])
    response = login(applicant).get(download)
    assert body(response) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="1_a.pdf"'
    assert login(users["other_applicant"]).get(download).status_code == 404  # checked first


def test_stored_objects_are_private_and_have_no_url(bucket, applicant, draft) -> None:
    att = services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", PDF),
    )
    client, name = bucket
    grants = client.get_object_acl(Bucket=name, Key=f"{PREFIX}/{att.file.name}")["Grants"]
    assert [g["Grantee"].get("URI") for g in grants] == [None]  # the owner only, no group
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    with pytest.raises(NotImplementedError, match="stored files have no URL"):
        default_storage.url(att.file.name)


def test_a_name_in_use_is_never_replaced(bucket) -> None:
    first = default_storage.save("attachments/x/same.pdf", SimpleUploadedFile("a", b"first"))
    second = default_storage.save("attachments/x/same.pdf", SimpleUploadedFile("b", b"second"))
    assert first == "attachments/x/same.pdf" and second != first
    assert object_bytes(bucket, f"{PREFIX}/{first}") == b"first"
    assert object_bytes(bucket, f"{PREFIX}/{second}") == b"second"


def test_a_removed_draft_attachment_is_deleted_from_the_bucket(
    bucket, applicant, draft, django_capture_on_commit_callbacks
) -> None:
    att = services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", PDF),
    )
    assert len(keys(bucket)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=applicant, attachment=att)
    assert keys(bucket) == []


# --- grant documents ----------------------------------------------------------------------------
def test_a_grant_document_is_kept_in_the_bucket_and_streamed_back(
    bucket, users, first_round, sample_document, settings
) -> None:
    from renkei.grants.services import award

    selection = adopted_selection(users["applicant"], users["office"], first_round, sample_document)
    grant = opened_grant(selection, users["applicant"], settings)
    before = set(keys(bucket))  # the proposal's attachments are in the bucket too
    assert before and all(k.startswith(f"{PREFIX}/attachments/") for k in before)
    doc = award.application_document_add(
        actor=users["applicant"],
        grant=grant,
        kind="consortium_agreement",
        upload=SimpleUploadedFile("agreement.pdf", PDF),
    )
    (key,) = set(keys(bucket)) - before
    assert key == f"{PREFIX}/{doc.file.name}" and object_bytes(bucket, key) == PDF
    client = login(users["applicant"])
    page = client.get(reverse("grants:award_document", args=[grant.pk, doc.pk]))
    assert body(page) == PDF
    api = client.get(f"/api/grants/{grant.pk}/documents/{doc.pk}")
    assert body(api) == PDF and api["Content-Type"] == "application/pdf"
    outsider = login(users["other_applicant"])
    assert outsider.get(f"/api/grants/{grant.pk}/documents/{doc.pk}").status_code == 404


# --- monitoring: the interval meter data and its Parquet dataset ---------------------------------
def interval_csv(days: int, value: str = "250") -> str:
    first = dt.datetime.fromisoformat("2025-05-01T00:00:00+09:00")
    lines = ["site,point,timestamp,value"]
    for n in range(days * 96):
        lines.append(f"A,1,{(first + dt.timedelta(minutes=15 * n)).isoformat()},{value}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def world(db):
    grant = operating_grant()
    plan = plan_for(grant)
    people = cast(grant)
    people.filer.language = "en"
    people.filer.save(update_fields=["language"])
    return {"plan": plan, "people": people}


def test_interval_data_is_imported_to_parquet_in_the_bucket_and_its_period_computed(
    bucket, world, tmp_path
) -> None:
    plan, filer = world["plan"], world["people"].filer
    text = interval_csv(2)  # 192 readings of 250 kWh = 48 MWh
    response = login(filer).post(
        reverse("monitoring:intake_interval", args=[plan.pk]),
        {
            "file": SimpleUploadedFile("meter.csv", text.encode()),
            "unit": "kWh",
            "interval_minutes": 15,
        },
        follow=True,
    )
    assert response.status_code == 200
    (up,) = DataUpload.objects.filter(plan=plan)
    assert up.status == "queued" and keys(bucket) == [f"{PREFIX}/{up.stored_name}"]

    assert tasks.run_interval_import(up.pk) == "done"  # the worker's job, on any machine
    up.refresh_from_db()
    assert (up.rows_read, up.rows_kept, up.errors) == (192, 192, [])
    assert up.dataset.endswith(".parquet") and local_path(up.dataset) is None
    assert keys(bucket) == sorted([f"{PREFIX}/{up.stored_name}", f"{PREFIX}/{up.dataset}"])
    assert object_bytes(bucket, f"{PREFIX}/{up.dataset}").startswith(b"PAR1")
    assert up.coverage["A/1"][0].startswith("2025-05-01T00:00:00")

    data = intake.period_data(plan, dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    (point,) = data.points
    assert point.values["EC_PJ"].value == Decimal("48") and point.values["EC_PJ"].unit == "MWh"
    assert [s["kind"] for s in data.sources] == ["interval"]
    assert list((tmp_path / "incoming").iterdir()) == []  # every downloaded copy deleted

    original = login(filer).get(reverse("monitoring:intake_file", args=[plan.pk, up.pk]))
    assert body(original) == text.encode()  # the original, through the permission check
    outsider = login(world["people"].outsider)
    assert outsider.get(reverse("monitoring:intake_file", args=[plan.pk, up.pk])).status_code == 404


def test_a_failed_import_leaves_no_dataset_in_the_bucket(bucket, world) -> None:
    up = intake.upload_interval(
        actor=world["people"].filer,
        plan=world["plan"],
        upload=SimpleUploadedFile("meter.csv", b"this is not,a meter file\n1,2\n"),
        unit="kWh",
        interval_minutes=15,
    )
    assert tasks.run_interval_import(up.pk) == "failed"
    up.refresh_from_db()
    assert "meter.csv: the header is" in up.failure  # named as uploaded, not as downloaded
    assert keys(bucket) == [f"{PREFIX}/{up.stored_name}"]  # the original kept, nothing else


def test_local_copies_download_each_file_once_and_delete_it_after(
    bucket, monkeypatch, tmp_path
) -> None:
    name = default_storage.save("monitoring/1/data.parquet", SimpleUploadedFile("d", b"PAR1 x"))
    opened: list[str] = []
    real_open = type(default_storage._wrapped).open

    def counting(self, stored, mode="rb"):
        opened.append(stored)
        return real_open(self, stored, mode)

    monkeypatch.setattr(type(default_storage._wrapped), "open", counting)
    with LocalCopies() as local:
        path = local.path(name)
        assert local.path(name) == path  # the same copy, not a second download
        assert Path(path).read_bytes() == b"PAR1 x"
        assert Path(path).parent == tmp_path / "incoming"
    assert opened == [name] and not Path(path).exists()
    with pytest.raises(FileNotFoundError), local_copy("monitoring/1/missing.parquet"):
        pass


@pytest.mark.parametrize("where", ["filesystem", "s3"])
def test_a_failure_after_the_parquet_was_written_leaves_no_dataset(
    where, request, world, monkeypatch, tmp_path, settings
) -> None:
    if where == "s3":
        request.getfixturevalue("bucket")

    def broken(*_args):
        raise ValueError("the plan could not be read")

    up = intake.upload_interval(
        actor=world["people"].filer,
        plan=world["plan"],
        upload=SimpleUploadedFile("meter.csv", interval_csv(1).encode()),
        unit="kWh",
        interval_minutes=15,
    )
    monkeypatch.setattr(tasks, "_check_against_plan", broken)
    assert tasks.run_interval_import(up.pk) == "failed"
    up.refresh_from_db()
    assert "the plan could not be read" in up.failure and up.dataset == ""
    folder = up.stored_name.rsplit("/", 1)[0]
    assert default_storage.listdir(folder)[1] == [up.stored_name.rsplit("/", 1)[1]]


def test_a_storage_with_local_paths_is_read_in_place(db, settings) -> None:
    name = default_storage.save("monitoring/1/data.parquet", SimpleUploadedFile("d", b"PAR1 y"))
    own = local_path(name)
    assert own is not None and own.startswith(settings.STORAGES["default"]["OPTIONS"]["location"])
    with local_copy(name) as path:
        assert path == own  # no copy
    assert Path(own).read_bytes() == b"PAR1 y"  # and not deleted after
