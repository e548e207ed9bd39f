"""Template context shared by every page: the demo-clock banner, the unread notices count."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def demo(request):
    raw = getattr(settings, "RENKEI_DEMO_NOW", "")
    if not raw:
        return {"demo_now": ""}
    moment = dt.datetime.fromisoformat(raw).astimezone(ZoneInfo("Asia/Tokyo"))
    return {"demo_now": f"{moment:%Y-%m-%d %H:%M} JST"}


def notices(request):
    from renkei.accounts.notices import unread_count

    return {"unread_notices": unread_count(getattr(request, "user", None))}
