"""The office's list of pre-registrations (5.(1)① 応募案件事前登録): newest first, searchable by
organisation, contact, e-mail or title, filtered by call and round, paginated. Each row says
whether the organisation has asked for an account and whether a proposal came of it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from renkei import access
from renkei.accounts.models import AccountRequest, Role
from renkei.calls.models import Call
from renkei.proposals.models import PreRegistration

PAGE_SIZE = 50


def _clean(value: str | None, limit: int = 200) -> str:
    """A query-string value as searched: NUL dropped (PostgreSQL refuses it), bounded."""
    return (value or "").replace("\x00", "").strip()[:limit]


@login_required
def preregistrations(request: HttpRequest) -> HttpResponse:
    if access.role_of(request.user) != Role.OFFICE:
        raise Http404
    q = _clean(request.GET.get("q"))
    call_id = _clean(request.GET.get("call"), 100)
    regs = (
        PreRegistration.objects.select_related("call", "round")
        .annotate(n_proposals=Count("proposals"))
        .order_by("-registered_at", "-pk")
    )
    if q:
        regs = regs.filter(
            Q(organisation_name__icontains=q)
            | Q(contact_name__icontains=q)
            | Q(email__icontains=q)
            | Q(title__icontains=q)
        )
    if call_id:
        regs = regs.filter(call__rulebook_id=call_id)
    page = Paginator(regs, PAGE_SIZE).get_page(request.GET.get("page"))
    requested = {
        e.casefold(): status
        for e, status in AccountRequest.objects.filter(
            email__in=[r.email for r in page]
        ).values_list("email", "status")
    }
    rows = [(r, requested.get(r.email.casefold())) for r in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "proposals/preregistrations.html",
        {
            "page": page,
            "rows": rows,
            "calls": Call.objects.order_by("rulebook_id"),
            "filters": {"q": q, "call": call_id},
            "query": query.urlencode(),
            "statuses": dict(AccountRequest.Status.choices),
        },
    )
