"""``manage.py credits_reconcile``: the registry ledger's reconciliation (issue 10) from the
command line: per account, blocks held = movements in − movements out; per recorded issuance,
its blocks add up to what was issued. Prints every account and issuance that does not
reconcile and exits with status 1 if any; ``--all`` prints every line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from renkei.credits.services.registry import reconcile


class Command(BaseCommand):
    help = "Reconcile the JCM registry ledger (blocks against movements and issuances)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="print every account and issuance")

    def handle(self, *args, **options) -> None:
        report = reconcile()
        if options["all"]:
            for a in report.accounts:
                self.stdout.write(
                    f"account {a.account.number}: held {a.held}, in {a.moved_in}, "
                    f"out {a.moved_out} {'ok' if a.ok else 'MISMATCH'}"
                )
            for i in report.issuances:
                self.stdout.write(
                    f"issuance {i.issuance.pk}: issued {i.issued}, in blocks {i.in_blocks} "
                    f"{'ok' if i.ok else 'MISMATCH'}"
                )
        if not report.ok:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(f"the ledger does not reconcile: {len(report.problems)} problem(s)")
        self.stdout.write(
            f"the ledger reconciles: {len(report.accounts)} accounts, "
            f"{len(report.issuances)} issuances"
        )
