"""``manage.py renkei_backup --output FILE``: one archive of the database and every stored file,
with a manifest (renkei.ops.backup; docs/ops/backup.md). Exit codes: 0 written, 2 refused
(nothing written), 1 unexpected error."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renkei.ops import backup


class Command(BaseCommand):
    help = "Back up the database and every file of the default storage into one archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            help="the archive to write (a .tar.gz that must not exist yet)",
        )
        parser.add_argument(
            "--database", default="default", help="the DATABASES alias (default: default)"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **options) -> None:
        output = Path(options["output"])
        try:
            manifest = backup.backup_create(output=output, using=options["database"])
        except backup.BackupRefused as exc:
            raise CommandError(f"backup refused: {exc}", returncode=2) from exc
        result = backup.summary(manifest, output)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"backup written: {output}\n"
            f"  {result['engine']} database: {result['tables']} tables, {result['rows']} rows, "
            f"{result['migrations']} migrations applied\n"
            f"  storage: {result['files']} files, {result['file_bytes']} bytes\n"
            f"  created {result['created_at_jst']} (UTC {result['created_at_utc']}), "
            f"Renkei {result['renkei_version']}"
        )
