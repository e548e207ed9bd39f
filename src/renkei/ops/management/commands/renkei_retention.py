"""``manage.py renkei_retention``: the records whose retention period (JCM 4.(5)) has ended.

Without options: a dry run listing, per grant, until when its records are kept, by which reading,
and whether they are due for archiving (nothing is changed). ``--archive`` writes and verifies an
archive package per due grant (``renkei.ops.retention.grant_archive``); it never deletes a live
record. ``--as-of`` looks at another day (a dry run may look ahead; archiving only up to today);
``--grant`` names grants by number; ``--json`` prints JSON. docs/ops/retention.md.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renkei import clock
from renkei.grants.models import Grant
from renkei.ops.models import ArchiveRecord
from renkei.ops.retention import (
    AlreadyArchived,
    ArchiveError,
    grant_archive,
    proposals_without_grant,
    retentions,
    verify_package,
)

GAP_WITHOUT_GRANT = (
    "proposals without a grant (not adopted, or no grant opened): the call sets no retention "
    "period for them; kept, not archived"
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--as-of {text!r} is not a date: give it as YYYY-MM-DD, e.g. 2032-04-01"
        ) from None


class Command(BaseCommand):
    help = (
        "List the grants whose records' retention period (JCM 4.(5)) has ended (a dry run), "
        "or archive them with --archive (never deletes the live records)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--archive",
            action="store_true",
            help="write, verify and record an archive package per due grant",
        )
        parser.add_argument(
            "--as-of", help="the day to look at, YYYY-MM-DD (default: today in Japan)"
        )
        parser.add_argument(
            "--grant", action="append", default=[], help="a grant number (repeatable)"
        )
        parser.add_argument("--all", action="store_true", help="list every grant, not only due")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="read every archive package back and check it against its manifest",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            return self._verify(options["json"])
        today = clock.today()
        as_of = _date(options["as_of"]) if options["as_of"] else today
        if options["archive"] and as_of > today:
            raise CommandError(
                f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}, Japan time): "
                "records are archived only once their retention period has ended; give a date "
                "up to today, or list what will be due with a dry run (without --archive)"
            )
        grants = Grant.objects.select_related("selection__proposal__call").order_by("number")
        if options["grant"]:
            known = set(grants.filter(number__in=options["grant"]).values_list("number", flat=True))
            unknown = [n for n in options["grant"] if n not in known]
            if unknown:
                raise CommandError(f"no grant numbered {', '.join(unknown)}")
            grants = grants.filter(number__in=options["grant"])
        found = list(retentions(as_of=as_of, grants=grants))
        named = bool(options["grant"])
        archived, failed = [], []
        if options["archive"]:
            for r in found:
                if r.archive is not None or (not r.due and not named):
                    continue
                try:
                    record = grant_archive(actor=None, grant=r.grant, as_of=as_of)
                except AlreadyArchived:  # by another run since the listing: nothing new
                    continue
                except ArchiveError as exc:
                    failed.append({"grant": r.grant.number, "error": str(exc)})
                    continue
                archived.append(
                    {
                        "grant": r.grant.number,
                        "package": record.package,
                        "sha256": record.sha256,
                        "files": record.counts["files"],
                        "rows": sum(record.counts["rows"].values()),
                    }
                )
            again = {a["grant"] for a in archived}
            found = [
                next(iter(retentions(as_of=as_of, grants=[r.grant])))
                if r.grant.number in again
                else r
                for r in found
            ]
        done = {a["grant"] for a in archived}
        if options["all"] or named:
            shown = found
        else:
            shown = [r for r in found if r.due or r.grant.number in done]
        report = {
            "as_of": as_of.isoformat(),
            "dry_run": not options["archive"],
            "due": [r.grant.number for r in found if r.due],
            "grants": [r.to_dict("en") for r in shown],
            "archived": archived,
            "failed": failed,
            "kept_without_period": {"proposals_without_grant": proposals_without_grant()},
            "never": "deletes or changes a live record",
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
        else:
            self._text(report, found)
        if failed:
            raise CommandError(
                f"{len(failed)} grant(s) not archived: " + "; ".join(f["error"] for f in failed)
            )

    def _verify(self, as_json: bool) -> None:
        results = []
        for record in ArchiveRecord.objects.select_related("grant").order_by("pk"):
            try:
                verify_package(record.package, record.sha256)
                error = ""
            except ArchiveError as exc:
                error = str(exc)
            results.append(
                {"grant": record.grant.number, "package": record.package, "error": error}
            )
        if as_json:
            self.stdout.write(json.dumps({"verified": results}, ensure_ascii=False, indent=1))
        else:
            for r in results:
                self.stdout.write(f"{r['grant']}: {r['package']}: {r['error'] or 'OK'}")
            if not results:
                self.stdout.write("No archive package recorded.")
        bad = [r for r in results if r["error"]]
        if bad:
            raise CommandError(
                f"{len(bad)} package(s) damaged: " + "; ".join(r["error"] for r in bad)
            )

    def _text(self, report: dict[str, Any], found: list) -> None:
        w = self.stdout.write
        mode = "archive" if not report["dry_run"] else "dry run (nothing changed)"
        w(f"Records retention as of {report['as_of']} — {mode}")
        if not report["grants"]:
            w("No grant is due for archiving.")
        for g in report["grants"]:
            state = "DUE" if g["due"] else ("archived" if g["archived"] else "kept")
            w(
                f"{g['grant']}: {state}; completed {g['completed_on'] or '-'}; "
                f"kept until {g['keep_until'] or '-'} (reading applied: {g['reading'] or '-'})"
            )
            for p in g["parts"]:
                for rd in p["readings"]:
                    mark = "applied" if rd["applied"] else "also"
                    w(f"  {p['part']}: {rd['until']} [{mark}] {rd['reading']} ({rd['clause']})")
                if p["missing"]:
                    w(f"  {p['part']}: not known ({p['missing']})")
            if g["reason_text"] and not g["due"]:
                w(f"  {g['reason_text']}")
            if g["archived"]:
                w(
                    f"  archived {g['archived']['at'][:10]}: {g['archived']['package']} "
                    f"sha256 {g['archived']['sha256']}"
                )
        for a in report["archived"]:
            w(
                f"Archived {a['grant']}: {a['package']} ({a['rows']} rows, {a['files']} files), "
                f"sha256 {a['sha256']}; verified; live records kept"
            )
        n = report["kept_without_period"]["proposals_without_grant"]
        if n:
            w(f"Gap: {n} {GAP_WITHOUT_GRANT}.")
        w(
            "Renkei never deletes the live records: deleting them after archiving is the "
            "office's decision, which the call does not take (docs/ops/retention.md)."
        )
