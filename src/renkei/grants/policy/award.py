"""Rules of the grant's award part (see renkei.grants.models.award): the representative
participant's applicants file (2.(4)② 注2, spec A-35), the office pre-checks and decides, the
partner participants' applicants see; each action only in the states where it makes sense."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.grants.models import ChangeRequest, Grant, GrantState, RequestState, StopRequest
from renkei.grants.policy.base import is_office, is_representative, sees

S = GrantState
DURING = (S.IMPLEMENTING, S.STOP_REQUESTED)


def _grant(obj: Any) -> Grant | None:
    return obj if isinstance(obj, Grant) else None


def _rep_in(*states: str) -> Rule:
    def rule(user: Any, obj: Any) -> bool:
        g = _grant(obj)
        return g is not None and g.state in states and is_representative(user, g)

    return rule


def _office_in(*states: str) -> Rule:
    def rule(user: Any, obj: Any) -> bool:
        g = _grant(obj)
        return g is not None and g.state in states and is_office(user)

    return rule


def _decide_grant(user: Any, obj: Any) -> bool:
    g = _grant(obj)
    return g is not None and g.state == S.UNDER_REVIEW and is_office(user)


def _review(user: Any, obj: Any) -> bool:
    """The pre-check: ask for corrections or accept, while the application is with the office
    and not yet accepted."""
    g = _grant(obj)
    if g is None or g.state != S.UNDER_REVIEW or not is_office(user):
        return False
    app = getattr(g, "application", None)
    return app is not None and app.accepted_at is None


def _decision_notice(user: Any, obj: Any) -> bool:
    g = _grant(obj)
    return g is not None and g.decided_on is not None and sees(user, g)


def _decide_change(user: Any, obj: Any) -> bool:
    return (
        isinstance(obj, ChangeRequest)
        and obj.state == RequestState.SUBMITTED
        and obj.grant.state in DURING
        and is_office(user)
    )


def _withdraw_change(user: Any, obj: Any) -> bool:
    return (
        isinstance(obj, ChangeRequest)
        and obj.state == RequestState.SUBMITTED
        and is_representative(user, obj.grant)
    )


def _decide_stop(user: Any, obj: Any) -> bool:
    return (
        isinstance(obj, StopRequest)
        and obj.state == RequestState.SUBMITTED
        and obj.grant.state == S.STOP_REQUESTED
        and is_office(user)
    )


RULES: dict[str, Rule] = {
    "edit_grant_application": _rep_in(S.DRAFTING),
    "submit_grant_application": _rep_in(S.DRAFTING),
    "review_grant_application": _review,
    "revoke_naiji": _office_in(S.DRAFTING, S.UNDER_REVIEW),
    "decide_grant": _decide_grant,
    "download_decision_notice": _decision_notice,
    "record_procurement": _rep_in(*DURING),
    "submit_change_request": _rep_in(S.IMPLEMENTING),
    "decide_change_request": _decide_change,
    "withdraw_change_request": _withdraw_change,
    "submit_stop_request": _rep_in(S.IMPLEMENTING),
    "decide_stop_request": _decide_stop,
    "record_interim_inspection": _office_in(*DURING),
    "submit_year_end_report": _rep_in(S.IMPLEMENTING, S.STOP_REQUESTED, S.STOPPED, S.COMPLETED),
}
