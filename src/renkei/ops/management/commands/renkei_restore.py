"""``manage.py renkei_restore FILE``: restore a backup archive into the configured database and
default storage, both empty, and verify them against its manifest (renkei.ops.backup;
docs/ops/backup.md). Exit codes: 0 restored and verified, 2 refused (nothing changed), 1
unexpected error or a verification that failed."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from renkei.ops import backup


class Command(BaseCommand):
    help = (
        "Restore a renkei_backup archive into an empty database and an empty storage, "
        "then verify every table's row count and every file's SHA-256."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the archive renkei_backup wrote")
        parser.add_argument(
            "--database", default="default", help="the DATABASES alias (default: default)"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options) -> None:
        archive = Path(options["archive"])
        settings_dict = connections[options["database"]].settings_dict
        try:
            result = backup.backup_restore(archive=archive, database=settings_dict)
        except backup.RestoreRefused as exc:
            raise CommandError(f"restore refused: {exc}", returncode=2) from exc
        except backup.BackupRefused as exc:
            raise CommandError(f"restore refused: {exc}", returncode=2) from exc
        except backup.BackupError as exc:
            raise CommandError(f"restore failed: {exc}", returncode=1) from exc
        info = result.summary(archive)
        if options["json"]:
            self.stdout.write(json.dumps(info, ensure_ascii=False))
            return
        self.stdout.write(
            f"restored and verified: {archive}\n"
            f"  {info['engine']} database: {info['tables']} tables, {info['rows']} rows "
            "(row counts equal the manifest's)\n"
            f"  storage: {info['files']} files, {info['file_bytes']} bytes (SHA-256 equal)\n"
            f"  backup of {info['created_at_jst']}, Renkei {info['renkei_version']}"
        )
        if info["pending_migrations"]:
            self.stdout.write(
                f"  this Renkei has {len(info['pending_migrations'])} migrations the backup "
                "lacks: run `manage.py migrate` before starting the platform"
            )
