"""The C3P activity part's job for the platform's task runner (django-q2, ``manage.py
qcluster``): the reminders of planned activities and monthly reports (Table 3; §2.3).
``ensure_schedule`` creates (or updates) its django-q2 ``Schedule`` as the grant stage's and the
issuance part's do, at the same interval; ``manage.py c3p_activity_reminders`` calls it."""

from __future__ import annotations

from django.conf import settings

SCHEDULE_NAME = "renkei.c3p: activity and monthly report reminders"
FUNC = "renkei.c3p.tasks_activity.send_reminders"


def send_reminders() -> int:
    """The job: every activity and monthly-report reminder that falls due today, each once."""
    from renkei.c3p.services.activity import send_activity_reminders

    return send_activity_reminders()


def ensure_schedule():
    """The periodic job in django-q2's schedule, every ``RENKEI_REMINDER_EVERY_MINUTES``; a
    second call updates it instead of adding another."""
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
