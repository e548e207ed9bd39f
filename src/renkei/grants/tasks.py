"""The grant stage's jobs for the task runner (django-q2, ``manage.py qcluster``): the periodic
reminder of due dates. ``ensure_schedule`` creates (or updates) its django-q2 ``Schedule``, once
however often it is called; ``manage.py renkei_reminders`` calls it."""

from __future__ import annotations

from django.conf import settings

SCHEDULE_NAME = "renkei.grants: due-date reminders"
FUNC = "renkei.grants.tasks.send_reminders"


def send_reminders() -> int:
    """The job: every reminder that falls due today, each sent once (see the service)."""
    from renkei.grants.services.schedule import send_due_reminders

    return send_due_reminders()


def ensure_schedule():
    """The periodic job in django-q2's schedule, every ``RENKEI_REMINDER_EVERY_MINUTES``; a
    second call updates it instead of adding another (its next run is kept)."""
    from django_q.models import Schedule

    minutes = int(getattr(settings, "RENKEI_REMINDER_EVERY_MINUTES", 60))
    schedule, _created = Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
    return schedule
