"""The home page: what each role has to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renkei import access, clock
from renkei.calls.models import Round


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "open_rounds": Round.objects.select_related("call")
        .filter(deadline__gt=clock.now())
        .order_by("deadline"),
        "proposals": access.proposals_for(user).order_by("-updated_at")[:20],
        "notices": user.notices.all()[:10] if user.is_authenticated else [],
        "role": access.role_of(user),
        "pins": access.pins_for(user).order_by("-sent_at")[:20]
        if access.role_of(user) in ("secretariat", "joint_committee")
        else [],
    }
    return render(request, "home.html", context)
