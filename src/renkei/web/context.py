"""Template context shared by every page: the demo-clock banner."""

from django.conf import settings


def demo(request):
    return {"demo_now": getattr(settings, "RENKEI_DEMO_NOW", "")}
