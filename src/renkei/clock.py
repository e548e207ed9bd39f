"""The platform's clock. Real time in production; the demo may run "as of" a date inside the
seed calls (whose windows are in the past) by setting RENKEI_DEMO_NOW, shown in a banner."""

from __future__ import annotations

import datetime as dt

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
