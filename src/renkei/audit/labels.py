"""Readable names of the audit trail's action codes and states, for the history tables (the
codes stay stable identifiers in the database and the API)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "preregistration_create": _("Pre-registered"),
    "account_request_create": _("Account requested"),
    "account_issue": _("Account issued"),
    "account_reject": _("Account request refused"),
    "account_consent_ask": _("Organisation's consent asked"),
    "account_consent_decline": _("Organisation declined the request"),
    "proposal_create": _("Proposal created"),
    "grant_archive": _("Records archived"),
    "proposal_update_document": _("Proposal saved"),
    "attachment_add": _("Attachment uploaded"),
    "attachment_remove": _("Attachment removed"),
    "attachment_replace": _("Attachment replaced"),
    "proposal_submit": _("Proposal submitted"),
    "proposal_open_revision": _("Opened for revision"),
    "partner_invite": _("Partner participant invited"),
    "partner_add": _("Partner participant linked"),
    "partner_decline": _("Partner invitation declined"),
    "partner_invitation_withdraw": _("Partner invitation withdrawn"),
    "partner_remove": _("Partner participant unlinked"),
    "screening_start": _("Basic screening started"),
    "screening_item_decide": _("Screening item decided"),
    "screening_complete": _("Basic screening completed"),
    "review_assign": _("Reviewer assigned"),
    "review_declare_conflict": _("Conflict of interest declared"),
    "review_reset_conflict": _("Conflict declaration undone"),
    "review_withdraw": _("Assignment withdrawn"),
    "review_reopen": _("Review reopened for the latest version"),
    "review_score": _("Scored"),
    "review_submit": _("Review submitted"),
    "round_set_budget": _("Round budget set"),
    "hearing_schedule": _("Hearing scheduled"),
    "hearing_record": _("Hearing recorded"),
    "hearing_cancel": _("Hearing cancelled"),
    "selection_nominate": _("Selection candidate"),
    "pin_send": _("PIN sent to the JCM secretariat"),
    "pin_forward": _("PIN forwarded to the Joint Committee"),
    "pin_respond": _("Joint Committee answered"),
    "pin_query_ask": _("Query from the partner country"),
    "pin_query_answer": _("Query answered"),
    "naiji_issue": _("内示 issued"),
    "selection_reject": _("Not adopted"),
    "selection_adopt_c3p": _("Adopted (C3P)"),
}

STATES = {
    "draft": _("Draft"),
    "submitted": _("Submitted"),
    "revision_open": _("Open for revision"),
    "pass": _("Meets the requirement"),
    "fail": _("Does not meet the requirement"),
    "undeclared": _("Not yet declared"),
    "conflict": _("Conflict of interest"),
    "no_conflict": _("No conflict of interest"),
    "withdrawn": _("Withdrawn"),
    "open": _("Open"),
    "cancelled": _("Cancelled"),
    "scheduled": _("Scheduled"),
    "held": _("Held"),
    "pending": _("Pending"),
    "issued": _("Issued"),
    "rejected": _("Refused"),
    "registered": _("Registered"),
    "candidate": _("Selection candidate"),
    "pin_sent": _("PIN with the JCM secretariat"),
    "with_joint_committee": _("With the Joint Committee"),
    "no_objection": _("No objection"),
    "objection": _("Objection"),
    "adopted": _("Adopted (内示 issued)"),
    "not_adopted": _("Not adopted"),
}


def action_label(code: str) -> str:
    """The action's name in the page's language; an unknown code shows as it is."""
    return str(ACTIONS.get(code, code))


def state_label(code: str, action: str = "") -> str:
    """A state's name in the page's language; other values (dates, amounts) show as they are.
    A review is submitted (提出), a proposal applied for (申請): the action tells which."""
    if code == "submitted" and action.startswith("review_"):
        return str(ACTIONS["review_submit"])
    return str(STATES.get(code, code))
