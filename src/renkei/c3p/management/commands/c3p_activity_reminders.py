"""``manage.py c3p_activity_reminders``: put the C3P activity and monthly-report reminders
(Table 3; §2.3) in the task runner's schedule (idempotent: run it after every ``migrate``, beside
``renkei_reminders`` and ``renkei_issuance_reminders``); ``--send-now`` sends today's at once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renkei.c3p import tasks_activity as tasks


class Command(BaseCommand):
    help = (
        "Schedule the C3P activity and monthly-report reminders for the worker (manage.py "
        "qcluster); --send-now sends today's reminders at once instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--send-now", action="store_true", help="send the reminders due today now"
        )

    def handle(self, *args, send_now: bool = False, **options) -> None:
        if send_now:
            self.stdout.write(f"{tasks.send_reminders()} C3P activity reminder(s) sent.")
            return
        schedule = tasks.ensure_schedule()
        self.stdout.write(
            f"Scheduled {schedule.func} every {schedule.minutes} minutes "
            f"(next run {schedule.next_run:%Y-%m-%d %H:%M %Z}); start the worker with "
            "`manage.py qcluster`."
        )
