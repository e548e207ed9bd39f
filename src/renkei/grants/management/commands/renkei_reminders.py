"""``manage.py renkei_reminders``: put the due-date reminders in the task runner's schedule
(idempotent: run it after every ``migrate``); ``--send-now`` sends today's at once;
``--refresh`` recomputes every grant's due dates (after a change of the office's settings, e.g.
``RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD``, or of the rulebook: the services recompute a
grant's only when they change it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renkei.grants import tasks


class Command(BaseCommand):
    help = (
        "Schedule the due-date reminders for the worker (manage.py qcluster); "
        "--send-now sends today's reminders at once instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--send-now", action="store_true", help="send the reminders due today now"
        )
        parser.add_argument(
            "--refresh", action="store_true", help="recompute every grant's due dates"
        )

    def handle(self, *args, send_now: bool = False, refresh: bool = False, **options) -> None:
        if refresh:
            from renkei.grants.models import Grant
            from renkei.grants.services.schedule import refresh_deadlines

            grants = Grant.objects.select_related("selection__proposal__call")
            for grant in grants.iterator():
                refresh_deadlines(grant)
            self.stdout.write(f"Due dates recomputed for {grants.count()} grant(s).")
            return
        if send_now:
            sent = tasks.send_reminders()
            self.stdout.write(f"{sent} reminder(s) sent.")
            return
        schedule = tasks.ensure_schedule()
        self.stdout.write(
            f"Scheduled {schedule.func} every {schedule.minutes} minutes "
            f"(next run {schedule.next_run:%Y-%m-%d %H:%M %Z}); start the worker with "
            "`manage.py qcluster`."
        )
