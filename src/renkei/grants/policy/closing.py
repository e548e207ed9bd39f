"""Rules of the grant's closing part (see renkei.grants.models.closing): the representative
participant's applicants file (completion, its report, claims, the property ledger, disposal
requests, annual reports, corporate changes: 2.(4)② 注2, spec A-35); the office inspects, fixes
the amount, pays, orders refunds, decides disposals, cancels and closes; partner participants
see it all read-only. ``obj`` is the grant."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.grants.models import Grant
from renkei.grants.policy.base import is_office, is_representative, sees


def _representative(user: Any, obj: Any) -> bool:
    return isinstance(obj, Grant) and is_representative(user, obj)


def _office(user: Any, obj: Any) -> bool:
    return isinstance(obj, Grant) and is_office(user)


def _representative_or_office(user: Any, obj: Any) -> bool:
    return _representative(user, obj) or _office(user, obj)


RULES: dict[str, Rule] = {
    "view_grant_closing": sees,
    "add_closing_document": _representative_or_office,
    "complete_grant": _representative,
    "submit_completion_report": _representative,
    "record_final_inspection": _office,
    "fix_amount": _office,
    "submit_claim": _representative,
    "record_payment": _office,
    "issue_refund_order": _office,
    "record_refund": _office,
    "add_property_item": _representative,
    "submit_disposal_request": _representative,
    "decide_disposal_request": _office,
    "submit_annual_report": _representative,
    "report_corporate_change": _representative,
    "cancel_grant": _office,
    "close_grant": _office,
}
