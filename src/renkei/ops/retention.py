"""Records retention (JCM 4.(5)) and the archive of a grant's records once it has ended.

The call: 「これらの帳簿及びその他の証拠書類は、補助事業完了後5年間保管する必要があります」
(JCM 4.(5)): the books and the other evidence are kept five years after completion (C). Where
the call is unclear the rules core names the reading (post-adoption spec §1.12, DL12, A-20):

- books and evidence (the grant's records, its documents and reports, and the adopted proposal
  with its attachments, the application they rest on): ``C + 5 years`` counted from completion
  (``jcm.reading.records_from_completion``); the alternative counts from the end of the fiscal
  year of completion; Renkei holds them until the **later** of the two
  (``jcm.reading.records_later_of_both``, A-20's "to be safe");
- the property ledger (4.(8)): at least to the useful life's end E, held to E + 1 year
  (``jcm.reading.property_ledger_after_life_end``);
- monitoring records: the call sets no period (a gap); they are held with the grant, at least to
  the last issuance request's deadline, E + 1 year (2.(1)③).

A grant is **due** for archiving on the day after the latest of its parts' dates (the last day
of a period is still inside it, Civil Code Art. 141). Archiving (``grant_archive``) writes a
package through Django's storage under ``archive/<grant id>/`` (a JSON export of every row that
belongs to the grant and its proposal, their audit events, copies of their files and a manifest
with the SHA-256 of each), reads it back to verify it, and records an ``ArchiveRecord`` and an
audit event. It never deletes or changes a live record: deleting after archiving is a decision
the call does not take (docs/ops/retention.md, "The gap").

Grants never completed (stopped, cancelled, 内示 withdrawn, still running) and proposals never
adopted have no period in the call: they are kept, never due, and the listing says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _

from renkei import clock
from renkei.audit.models import AuditEvent
from renkei.audit.services import audit_record
from renkei.errors import RenkeiError
from renkei.grants.models import Grant, PropertyItem
from renkei.grants.policy.base import is_office
from renkei.ops.models import ArchiveRecord
from renkei.rules._result import render
from renkei.rules.jcm.schedule import add_years, deadline, period_end
from renkei.services import NotAllowed, ServiceError

__all__ = [
    "ARCHIVE_ROOT",
    "AlreadyArchived",
    "ArchiveError",
    "Part",
    "ReadingDate",
    "Retention",
    "grant_archive",
    "proposals_without_grant",
    "retention_of",
    "retentions",
    "verify_package",
]

ARCHIVE_ROOT = "archive"
FORMAT = "renkei-archive/1"
# storage names held in text columns rather than FileFields: (field, field holding its SHA-256)
NAMED_FILES = {"monitoring.dataupload": (("stored_name", "sha256"), ("dataset", None))}
# models never walked into: the audit trail is exported by object, archive records are ours
SKIP = {"audit.auditevent", "ops.archiverecord"}


class ArchiveError(ServiceError):
    """An archive refused or failed: the message says which grant, why, and what would work."""


class AlreadyArchived(ArchiveError):
    """The grant has its archive already (another run may have made it a moment ago)."""


@dataclass(frozen=True)
class ReadingDate:
    """One reading of a part's retention period: the date it gives and whether Renkei applies it.
    ``code`` is a reading id of the rules core (its sentence in ``messages/jcm.yaml``) or one of
    this module's ``ops.retention.*`` ids (``GAPS``)."""

    code: str
    until: dt.date
    clause: str
    applied: bool
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "ja") -> str:
        return _sentence(self.code, self.params, lang)


@dataclass(frozen=True)
class Part:
    """A part of a grant's records (``books``, ``property_ledger``, ``monitoring``) and how long
    it is kept; ``until`` is None when a date it needs is not recorded (``missing`` says which)."""

    key: str
    until: dt.date | None
    readings: tuple[ReadingDate, ...] = ()
    missing: str = ""

    @property
    def applied(self) -> ReadingDate | None:
        return next((r for r in self.readings if r.applied), None)


@dataclass(frozen=True)
class Retention:
    """How long a grant's records are kept as of ``as_of``, and whether they are due for
    archiving (``due``); ``reason`` is a message id of ``GAPS`` when they are not."""

    grant: Grant
    as_of: dt.date
    completed_on: dt.date | None
    parts: tuple[Part, ...]
    keep_until: dt.date | None
    reading: str
    due: bool
    reason: str
    archive: ArchiveRecord | None

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        return {
            "grant": self.grant.number,
            "grant_id": self.grant.pk,
            "as_of": self.as_of.isoformat(),
            "completed_on": _iso(self.completed_on),
            "keep_until": _iso(self.keep_until),
            "reading": self.reading,
            "due": self.due,
            "reason": self.reason,
            "reason_text": _sentence(self.reason, {}, lang) if self.reason else "",
            "archived": None
            if self.archive is None
            else {
                "package": self.archive.package,
                "sha256": self.archive.sha256,
                "at": self.archive.created_at.isoformat(),
            },
            "parts": [
                {
                    "part": p.key,
                    "until": _iso(p.until),
                    "missing": p.missing,
                    "readings": [
                        {
                            "reading": r.code,
                            "until": r.until.isoformat(),
                            "clause": r.clause,
                            "applied": r.applied,
                            "text": r.text(lang),
                        }
                        for r in p.readings
                    ],
                }
                for p in self.parts
            ],
        }


# The platform's own sentences (where the rules core has none: gaps of the call)
GAPS = {
    "ops.retention.not_completed": {
        "en": "Not completed: the call counts the retention period from completion "
        "(4.(5)) and sets none for a grant that never completed; its records are kept.",
        "ja": "未完了です。公募要領は保管期間を完了から数えており(4.(5))、完了しなかった補助事業の"
        "保管期間は定めていないため、記録は保管を続けます。",
    },
    "ops.retention.no_rule": {
        "en": "The call's rulebook gives no retention date for this completion date; the "
        "records are kept.",
        "ja": "この完了日について公募要領のルールブックは保管期限を示していないため、記録は保管を"
        "続けます。",
    },
    "ops.retention.life_end_unknown": {
        "en": "The useful life's end is not recorded (start of operation and useful life, or "
        "the property ledger): the property ledger's date cannot be computed; kept.",
        "ja": "法定耐用年数の満了日が記録されていない(稼働開始日・耐用年数又は取得財産等管理台帳)"
        "ため、管理台帳の保管期限を計算できません。保管を続けます。",
    },
    "ops.retention.within_period": {
        "en": "Within its retention period.",
        "ja": "保管期間中です。",
    },
    "ops.retention.archived": {
        "en": "Archived (the live records are kept as well).",
        "ja": "アーカイブ済みです(元の記録も保管しています)。",
    },
    "ops.retention.monitoring_no_period": {
        "en": "[Gap] The call sets no retention period for monitoring records; they are held "
        "with the grant at least until the last issuance request is due ({until}, 2.(1)③).",
        "ja": "【定めなし】公募要領はモニタリング記録の保管期間を定めていません。補助事業の記録と"
        "ともに、少なくとも最後の発行申請の期限({until}、2.(1)③)まで保管します。",
    },
}


def _sentence(code: str, params: dict[str, Any], lang: str) -> str:
    lang = "en" if lang.startswith("en") else "ja"
    if code in GAPS:
        return GAPS[code][lang].format(**params)
    return render(code, params, lang)


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- how long ---------------------------------------------------------------------------------
def _life_end(grant: Grant) -> dt.date | None:
    """E: the latest useful-life end of the property ledger's items, or of the grant's own start
    of operation and useful life (counted as the rules core counts it, the start day included)."""
    ends = [
        e
        for e in PropertyItem.objects.filter(grant=grant).values_list("restriction_ends", flat=True)
        if e is not None
    ]
    if grant.operation_started_on and grant.useful_life_years:
        ends.append(period_end(grant.operation_started_on, grant.useful_life_years))
    return max(ends) if ends else None


def _books(book: Any, completed: dt.date) -> Part:
    d = deadline(book, "records-retention", completed)
    from_c, from_fy = d.extra["from_completion"], d.extra["from_fiscal_year_end"]
    later = d.extra["later_of_both"]
    params = {
        "from_completion": from_c.isoformat(),
        "from_fiscal_year_end": from_fy.isoformat(),
        "until": later.isoformat(),
    }
    return Part(
        "books",
        later,
        (
            ReadingDate("jcm.reading.records_from_completion", from_c, d.clause, False),
            ReadingDate("jcm.reading.records_later_of_both", later, d.clause, True, params),
        ),
    )


def _ledger(book: Any, life_end: dt.date | None) -> Part:
    if life_end is None:
        return Part("property_ledger", None, (), "ops.retention.life_end_unknown")
    d = deadline(book, "property-ledger-retention", life_end)
    params = {"life_end": life_end.isoformat(), "until": d.due.isoformat()}
    return Part(
        "property_ledger",
        d.due,
        (ReadingDate("jcm.reading.property_ledger_after_life_end", d.due, d.clause, True, params),),
    )


def _monitoring(book: Any, grant: Grant, life_end: dt.date | None) -> Part | None:
    if not _has_monitoring(grant):
        return None
    if life_end is None:
        return Part("monitoring", None, (), "ops.retention.life_end_unknown")
    n = book.schedule.issuance_after_life_end_years
    until = add_years(life_end, n.value)
    gap = ReadingDate(
        "ops.retention.monitoring_no_period", until, n.clause, True, {"until": until.isoformat()}
    )
    return Part("monitoring", until, (gap,))


def _has_monitoring(grant: Grant) -> bool:
    from renkei.monitoring.models import MonitoringPlan

    return MonitoringPlan.objects.filter(grant=grant).exists()


def retention_of(grant: Grant, *, as_of: dt.date | None = None) -> Retention:
    """How long ``grant``'s records are kept and whether they are due for archiving on
    ``as_of`` (default: today in Japan, from the platform's clock)."""
    as_of = as_of or clock.today()
    archive = ArchiveRecord.objects.filter(grant=grant).first()
    completed = grant.completed_on

    def result(parts: tuple[Part, ...], until, reading, due, reason) -> Retention:
        return Retention(grant, as_of, completed, parts, until, reading, due, reason, archive)

    if completed is None:
        return result((), None, "", False, "ops.retention.not_completed")
    book = grant.selection.proposal.call.rulebook()
    try:
        books = _books(book, completed)
    except RenkeiError:
        return result((), None, "", False, "ops.retention.no_rule")
    life_end = _life_end(grant)
    parts = tuple(
        p for p in (books, _ledger(book, life_end), _monitoring(book, grant, life_end)) if p
    )
    missing = next((p for p in parts if p.until is None), None)
    if missing is not None:
        return result(parts, None, "", False, missing.missing)
    last = max(parts, key=lambda p: p.until)
    applied = last.applied
    if archive is not None:
        return result(parts, last.until, applied.code, False, "ops.retention.archived")
    due = as_of > last.until
    return result(
        parts, last.until, applied.code, due, "" if due else "ops.retention.within_period"
    )


def retentions(*, as_of: dt.date | None = None, grants: Iterable[Grant] | None = None):
    """``retention_of`` for every grant (or those given), in grant-number order."""
    qs = grants if grants is not None else Grant.objects.select_related("selection__proposal")
    for grant in qs:
        yield retention_of(grant, as_of=as_of)


def proposals_without_grant() -> int:
    """Proposals with no grant (never adopted, or adopted with no grant opened): the call sets no
    retention period for them; they are kept, never archived here (docs/ops/retention.md)."""
    from renkei.proposals.models import Proposal

    return Proposal.objects.filter(selection__grant__isnull=True).count()


# --- what belongs to a grant -------------------------------------------------------------------
def _renkei_model(model: type[models.Model]) -> bool:
    return model.__module__.startswith("renkei.") and model._meta.label_lower not in SKIP


def collect(grant: Grant) -> list[models.Model]:
    """Every row that belongs to the grant: from its proposal, each row that points at a row
    already collected (reverse foreign keys and one-to-one keys, batched per model), so the
    proposal's versions, attachments, partners and reviews, the selection, the grant and all
    its records, its monitoring plan and periods. Rows a collected row merely points at (users,
    organisations, the call) are shared and stay out; their ids are in the export."""
    root = grant.selection.proposal
    found: dict[type[models.Model], set[int]] = {type(root): {root.pk}}
    queue: list[tuple[type[models.Model], set[int]]] = [(type(root), {root.pk})]
    while queue:
        model, pks = queue.pop(0)
        for rel in model._meta.related_objects:
            if rel.many_to_many or not _renkei_model(rel.related_model):
                continue
            child = rel.related_model
            new = set(
                child._base_manager.filter(**{f"{rel.field.name}__in": pks}).values_list(
                    "pk", flat=True
                )
            ) - found.get(child, set())
            if new:
                found.setdefault(child, set()).update(new)
                queue.append((child, new))
    rows: list[models.Model] = []
    for model in sorted(found, key=lambda m: m._meta.label_lower):
        rows.extend(model._base_manager.filter(pk__in=found[model]).order_by("pk"))
    return rows


def _audit_events(rows: list[models.Model]) -> list[AuditEvent]:
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row._meta.label_lower, []).append(str(row.pk))
    events: list[AuditEvent] = []
    for label, ids in sorted(by_type.items()):
        events.extend(
            AuditEvent.objects.filter(object_type=label, object_id__in=ids).order_by("at", "pk")
        )
    return events


def _files(rows: list[models.Model]) -> Iterator[tuple[models.Model, str, str | None]]:
    """(row, storage name, the SHA-256 the row records for it or None) of every stored file."""
    for row in rows:
        for f in row._meta.concrete_fields:
            if isinstance(f, models.FileField):
                value = getattr(row, f.attname)
                name = getattr(value, "name", value)
                if name:
                    yield row, name, getattr(row, "sha256", None)
        for name_field, sha_field in NAMED_FILES.get(row._meta.label_lower, ()):
            name = getattr(row, name_field)
            if name:
                yield row, name, getattr(row, sha_field) if sha_field else None


# --- the package -------------------------------------------------------------------------------
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def _put(name: str, data: bytes) -> str:
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # a package folder is new: a renamed file means another writer
        raise ArchiveError(f"the storage saved {name} as {saved}; the package is not consistent")
    return saved


def _package_name(grant: Grant) -> str:
    number = re.sub(r"[^A-Za-z0-9_-]+", "_", grant.number)
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{ARCHIVE_ROOT}/{grant.pk}/{number}-{stamp}-{secrets.token_hex(4)}"


def _write_package(grant: Grant, r: Retention, written: list[str]) -> tuple[str, str, dict]:
    """Write the package; return (folder, manifest SHA-256, counts). ``written`` collects the
    names saved, so that a failure can remove this (incomplete) package again."""
    folder = _package_name(grant)
    rows = collect(grant)
    events = _audit_events(rows)
    records = serializers.serialize("json", [*rows, *events], indent=1, ensure_ascii=False)
    data = records.encode("utf-8")
    entries = [{"path": "records.json", "sha256": _sha(data), "size": len(data)}]
    written.append(_put(f"{folder}/records.json", data))
    seen: set[str] = set()
    for row, name, recorded in _files(rows):
        if name in seen:
            continue
        seen.add(name)
        where = f"{row._meta.label_lower} {row.pk}"
        try:
            content = _read(name)
        except (OSError, ValueError) as exc:
            raise ArchiveError(
                f"grant {grant.number}: the file {name} of {where} cannot be read from the "
                f"storage ({exc.__class__.__name__}); restore it (from a backup) and run again"
            ) from exc
        digest = _sha(content)
        if recorded and name_is_upload(row, name) and digest != recorded:
            raise ArchiveError(
                f"grant {grant.number}: the file {name} of {where} does not match the SHA-256 "
                f"recorded when it was uploaded ({recorded[:12]}…, read {digest[:12]}…); the "
                "stored file was altered or damaged: restore it and run again"
            )
        path = f"files/{name}"
        written.append(_put(f"{folder}/{path}", content))
        entries.append(
            {
                "path": path,
                "sha256": digest,
                "size": len(content),
                "source": name,
                "record": where,
            }
        )
    per_model: dict[str, int] = {}
    for row in rows:
        per_model[row._meta.label_lower] = per_model.get(row._meta.label_lower, 0) + 1
    counts = {
        "rows": per_model,
        "audit_events": len(events),
        "files": len(entries) - 1,
        "bytes": sum(e["size"] for e in entries[1:]),
    }
    manifest = {
        "format": FORMAT,
        "grant": {"id": grant.pk, "number": grant.number},
        "proposal": {"id": grant.selection.proposal.pk},
        "as_of": r.as_of.isoformat(),
        "created_at": clock.now().isoformat(),
        "retention": r.to_dict("en"),
        "counts": counts,
        "files": entries,
        "note": "A copy. The live records were not deleted or changed (JCM 4.(5)).",
    }
    blob = json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()
    written.append(_put(f"{folder}/manifest.json", blob))
    return folder, _sha(blob), counts


def name_is_upload(row: models.Model, name: str) -> bool:
    """Is ``name`` the file whose SHA-256 the row records (not a derived file like a dataset)?"""
    if row._meta.label_lower == "monitoring.dataupload":
        return name == row.stored_name
    return True


def verify_package(folder: str, sha256: str | None = None) -> dict[str, Any]:
    """Read a package back from the storage and check the manifest (against ``sha256`` when
    given) and every file it lists; raise ``ArchiveError`` naming the first difference."""
    try:
        blob = _read(f"{folder}/manifest.json")
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{folder}: the manifest cannot be read ({exc})") from exc
    if sha256 is not None and _sha(blob) != sha256:
        raise ArchiveError(f"{folder}: the manifest differs from the one recorded")
    manifest = json.loads(blob)
    for entry in manifest["files"]:
        name = f"{folder}/{entry['path']}"
        try:
            data = _read(name)
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{name} is missing from the package ({exc})") from exc
        if len(data) != entry["size"] or _sha(data) != entry["sha256"]:
            raise ArchiveError(f"{name} differs from its SHA-256 in the manifest")
    return manifest


def _discard(names: list[str]) -> None:
    """Remove an incomplete package's own files (never a live record's)."""
    for name in names:
        with contextlib.suppress(OSError):  # else left for the operator (docs/ops/retention.md)
            default_storage.delete(name)


def grant_archive(*, actor: Any, grant: Grant, as_of: dt.date | None = None) -> ArchiveRecord:
    """Archive ``grant``'s records whose retention period has ended on ``as_of`` (default today):
    write and verify the package, record it and audit it. ``actor`` None is the operator's
    command (``manage.py renkei_retention --archive``); a person must be of the office. Refused
    (``ArchiveError``) when ``as_of`` is after today, the records are still within their period,
    their dates are not known, or the grant is archived already. Deletes nothing live."""
    if actor is not None and not is_office(actor):
        raise NotAllowed(_("Only the program office archives records."))
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise ArchiveError(
            f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}, Japan time): "
            "records are archived only once their retention period has ended; give a date up "
            "to today, or list what will be due with a dry run (without --archive)"
        )
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update().select_related("selection__proposal").get(pk=grant.pk)
        )
        r = retention_of(grant, as_of=as_of)
        if r.archive is not None:
            raise AlreadyArchived(
                f"grant {grant.number} was archived on {r.archive.created_at.date().isoformat()} "
                f"({r.archive.package}); nothing to do"
            )
        if not r.due:
            until = r.keep_until.isoformat() if r.keep_until else "not known"
            raise ArchiveError(
                f"grant {grant.number} is not due for archiving on {as_of.isoformat()}: its "
                f"records are kept until {until} ({r.reading or '-'}); "
                + _sentence(r.reason, {}, "en")
            )
        written: list[str] = []
        try:
            folder, sha, counts = _write_package(grant, r, written)
            verify_package(folder, sha)
            record = ArchiveRecord.objects.create(
                grant=grant,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                as_of=as_of,
                package=folder,
                sha256=sha,
                counts=counts,
                keep_until=r.keep_until,
                reading=r.reading,
            )
            audit_record(
                actor=actor,
                obj=grant,
                action="grant_archive",
                payload={
                    "package": folder,
                    "sha256": sha,
                    "keep_until": r.keep_until.isoformat(),
                    "reading": r.reading,
                    "as_of": as_of.isoformat(),
                    "files": counts["files"],
                    "rows": sum(counts["rows"].values()),
                },
            )
        except Exception:  # nothing recorded: this package's own files go again
            _discard(written)
            raise
    return record
