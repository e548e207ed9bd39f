"""The demo's issuance steps (issue 10; composed into the demo story by ``renkei_demo``): a
registered JCM project's filer requests issuance for its verified monitoring periods and
submits the request; the Joint Committee contact of the project's country issues the credits.
Each step drives the issuance services, is idempotent (it checks whether it is already done and
returns what is there), and, given a moment ``at`` (JST), runs "as of" it and only once the
demo's clock has reached it (as the monitoring story does); without ``at`` it runs now.

- ``request_issuance(project, filer, at=…)`` → the submitted (or already decided) request for
  the project's verified periods no request holds, or None (nothing verified yet, or not yet);
- ``decide_issuance(request, jc, at=…, issued=None)`` → the ``Issuance`` (default: each period's
  verified reductions), or None;
- ``issuance_story(project, filer, jc, request_at=…, decide_at=…)`` → both in turn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.test.utils import override_settings

from renkei import clock
from renkei.credits.models import Issuance, IssuanceRequest, JcmProject, RequestState
from renkei.credits.services import issuance as services

JST = ZoneInfo("Asia/Tokyo")


def _moment(at: str | None):
    """(reached, context): whether the demo's clock has reached ``at``, and the clock set to it."""
    if at is None:
        return True, nullcontext()
    when = dt.datetime.fromisoformat(at)
    when = when if when.tzinfo else when.replace(tzinfo=JST)
    return clock.now() >= when, override_settings(RENKEI_DEMO_NOW=when.isoformat())


def request_issuance(
    project: JcmProject, filer: Any, *, at: str | None = None
) -> IssuanceRequest | None:
    """The filer's submitted request for the free verified periods (a draft left by an earlier
    run is submitted; a submitted or approved request is returned as it is)."""
    held = (
        IssuanceRequest.objects.filter(
            project=project, state__in=(RequestState.SUBMITTED, RequestState.APPROVED)
        )
        .order_by("-pk")
        .first()
    )
    if held is not None:
        return held
    reached, moment = _moment(at)
    if not reached:
        return None
    with moment:
        draft = IssuanceRequest.objects.filter(project=project, state=RequestState.DRAFT).first()
        if draft is None:
            free = [p for p, _t in services.issuable_periods(project)]
            if not free:
                return None
            draft = services.issuance_request_create(actor=filer, project=project, periods=free)
        return services.issuance_request_submit(actor=filer, request=draft)


def decide_issuance(
    request: IssuanceRequest | None,
    jc: Any,
    *,
    at: str | None = None,
    issued: Mapping[int, int] | None = None,
) -> Issuance | None:
    """The Joint Committee issues the submitted request's credits (its Issuance if already)."""
    if request is None:
        return None
    done = Issuance.objects.filter(request=request).first()
    if done is not None:
        return done
    reached, moment = _moment(at)
    if not reached:
        return None
    with moment:
        return services.issuance_request_approve(actor=jc, request=request, issued=issued)


def issuance_story(
    project: JcmProject,
    filer: Any,
    jc: Any,
    *,
    request_at: str | None = None,
    decide_at: str | None = None,
) -> Issuance | None:
    return decide_issuance(request_issuance(project, filer, at=request_at), jc, at=decide_at)
