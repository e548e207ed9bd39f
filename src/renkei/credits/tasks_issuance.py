"""The issuance part's job for the grant stage's task runner (django-q2, ``manage.py
qcluster``): the periodic reminder of issuance due dates (JCM 2.(1)③). ``ensure_schedule``
creates (or updates) its django-q2 ``Schedule`` as the grant stage's does
(``renkei.grants.tasks``), at the same interval; ``manage.py renkei_issuance_reminders``
calls it."""

from __future__ import annotations

from django.conf import settings

SCHEDULE_NAME = "renkei.credits: issuance due-date reminders"
FUNC = "renkei.credits.tasks_issuance.send_reminders"


def send_reminders() -> int:
    """The job: every issuance reminder that falls due today, each sent once."""
    from renkei.credits.services.issuance import send_issuance_reminders

    return send_issuance_reminders()


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
