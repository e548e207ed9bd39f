"""The platform's clock. Real time in production; the demo may run "as of" a date inside the
seed calls (whose windows are in the past) by setting RENKEI_DEMO_NOW, shown in a banner."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    fixed = getattr(settings, "RENKEI_DEMO_NOW", "")
    if fixed:
        value = dt.datetime.fromisoformat(fixed)
        if value.tzinfo is None:
            raise ValueError("RENKEI_DEMO_NOW must include a time zone, e.g. +09:00")
        return value
    return timezone.now()


JST = ZoneInfo("Asia/Tokyo")


def today() -> dt.date:
    """Today's date in Japan Standard Time, the calendar the calls count their days in."""
    return now().astimezone(JST).date()
