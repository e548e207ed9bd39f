"""Screening services: start from the rules core's assessment, decide each item (a reason is
required wherever the office departs from the machine or the machine could not decide), and
complete. Each step is atomic and audited.

What is screened comes from the program: JCM basic screening (別添2 3.(1)) is the eligibility
section; for C3P it is eligibility 3.2 (1)–(9) with the countries of Table 3, and the documents
of 3.4 (the letters of interest among them). The guidebook describes no screening step of its
own, so C3P uses the same one; information-only results (recommendations, documents not
needed) are not screening items."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from renkei import access, clock
from renkei.audit.services import audit_record
from renkei.calls.models import Program
from renkei.proposals.assessed import version_assessment
from renkei.proposals.models import Proposal, ProposalVersion
from renkei.reviews.models import Decision, Screening, ScreeningItem
from renkei.services import NotAllowed, ServiceError

#: JCM basic screening (別添2 3.(1)) covers eligibility, and with it what the call requires of
#: every proposal before it is evaluated: the subsidy within 2.(8)–(9) and the cost-effectiveness
#: limit (別添2 3.(2)(D)), the administrative-cost cap (別表1), the pre-registration and round
#: (5.(1), 2.(11)) and the documents of 5.(3). Information-only results are not items, except in
#: eligibility, where they state what the consortium takes on (2.(5)).
SCREENING_SECTIONS = ("eligibility", "subsidy", "costs", "schedule", "documents")
C3P_SCREENING_SECTIONS = ("eligibility", "documents")


def _screened(proposal: Proposal, assessment: dict[str, Any]) -> list[dict[str, Any]]:
    c3p = proposal.call.program == Program.C3P
    sections = C3P_SCREENING_SECTIONS if c3p else SCREENING_SECTIONS
    return [
        f
        for f in assessment.get("findings", ())
        if f["section"] in sections
        and (f["status"] != "info" or (not c3p and f["section"] == "eligibility"))
    ]


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def latest_version(proposal: Proposal) -> ProposalVersion | None:
    return proposal.versions.order_by("-number").first()


def current_screening(proposal: Proposal) -> Screening | None:
    """The screening of the latest submitted version (a resubmitted version is screened
    again: an earlier version's screening is history, not the current verdict)."""
    version = latest_version(proposal)
    return None if version is None else Screening.objects.filter(version=version).first()


def screening_start(*, actor: Any, proposal: Proposal) -> Screening:
    """Screen the latest submitted version; starting twice returns the same screening. The
    items are the rules core's findings stored at submission, decided as the machine decided
    them (pass or fail); the rest wait for the office."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _require(actor, "screen", proposal)  # on the fresh row, not the caller's copy
        version = latest_version(proposal)
        if version is None:
            raise ServiceError(_("Only a submitted proposal can be screened."))
        existing = Screening.objects.filter(version=version).first()
        if existing is not None:
            return existing
        assessment = version_assessment(version)
        screening = Screening.objects.create(
            proposal=proposal,
            version=version,
            rulebook_id=assessment["rulebook_id"],
            rulebook_version=assessment["rulebook_version"],
            started_by=actor,
            started_at=clock.now(),
        )
        ScreeningItem.objects.bulk_create(
            [
                ScreeningItem(
                    screening=screening,
                    position=i,
                    check_id=f["check"],
                    clause=f["clause"],
                    subject=f["subject"][:120],
                    machine_status=f["status"],
                    message_ja=f["ja"],
                    message_en=f["en"],
                    decision=f["status"] if f["status"] in ("pass", "fail") else "",
                )
                for i, f in enumerate(_screened(proposal, assessment))
            ]
        )
        audit_record(
            actor=actor,
            obj=proposal,
            action="screening_start",
            payload={
                "screening": screening.pk,
                "version": version.number,
                "rulebook": f"{screening.rulebook_id} v{screening.rulebook_version}",
            },
        )
    return screening


def _still_current(screening: Screening) -> None:
    latest = latest_version(screening.proposal)
    if latest is None or latest.pk != screening.version_id:
        raise ServiceError(
            _(
                "This screening is of version %(old)s; version %(new)s was submitted since and "
                "is screened on its own."
            )
            % {"old": screening.version.number, "new": latest.number if latest else "?"}
        )


def screening_item_decide(
    *, actor: Any, item: ScreeningItem, decision: str, reason: str
) -> ScreeningItem:
    if decision not in Decision.values:
        raise ServiceError(_("Choose whether the requirement is met."))
    with transaction.atomic():
        # decide on the current state, under lock: never on a caller's cached copy
        screening = Screening.objects.select_for_update().get(pk=item.screening_id)
        item = ScreeningItem.objects.get(pk=item.pk)
        _require(actor, "screen", screening.proposal)
        if screening.completed_at is not None:
            raise ServiceError(_("This screening is complete; it can no longer be changed."))
        _still_current(screening)
        departs = item.machine_status not in ("pass", "fail") or decision != item.machine_status
        if item.machine_status == "fail" and decision == Decision.PASS and not reason.strip():
            raise ServiceError(
                _(
                    "The rules core finds that this requirement is not met (%(clause)s): give "
                    "the reason for passing it anyway (e.g. the evidence the office has seen); "
                    "the override is recorded and shown on the intake list."
                )
                % {"clause": item.clause}
            )
        if departs and not reason.strip():
            raise ServiceError(
                _(
                    "Give the reason: the decision differs from the automatic result or the item "
                    "needed the office's confirmation (%(clause)s)."
                )
                % {"clause": item.clause}
            )
        before = item.decision
        item.decision, item.reason = decision, reason.strip()
        item.decided_by, item.decided_at = actor, clock.now()
        item.save()
        audit_record(
            actor=actor,
            obj=screening.proposal,
            action="screening_item_decide",
            from_state=before,
            to_state=decision,
            payload={
                "item": item.check_id,
                "clause": item.clause,
                "reason": item.reason,
                "machine": item.machine_status,
            },
        )
    return item


def screening_complete(*, actor: Any, screening: Screening) -> Screening:
    """All items decided: the outcome is pass only if every item passes (別添2 3.(1))."""
    _require(actor, "screen", screening.proposal)
    with transaction.atomic():
        screening = Screening.objects.select_for_update().get(pk=screening.pk)
        if screening.completed_at is not None:
            return screening
        _still_current(screening)
        open_items = screening.items.filter(decision="")
        if open_items.exists():
            raise ServiceError(
                _("%(n)s item(s) still need a decision: %(clauses)s")
                % {
                    "n": open_items.count(),
                    "clauses": ", ".join(open_items.values_list("clause", flat=True)[:5]),
                }
            )
        failed = screening.items.filter(decision=Decision.FAIL).exists()
        screening.outcome = Decision.FAIL if failed else Decision.PASS
        screening.completed_at = clock.now()
        screening.save()
        audit_record(
            actor=actor,
            obj=screening.proposal,
            action="screening_complete",
            to_state=screening.outcome,
            payload={
                "screening": screening.pk,
                "version": screening.version.number,
                "overrides": [
                    {"item": i.check_id, "clause": i.clause, "reason": i.reason}
                    for i in screening.items.all()
                    if i.overrides_machine
                ],
            },
        )
    return screening


# evaluation by reviewers (別添2 3.(2)) lives in its own module; its services are exported here
from renkei.reviews.reviewing import (  # noqa: E402
    review_assign_balanced,
    review_declare_conflict,
    review_reopen,
    review_reset_conflict,
    review_score,
    review_submit,
    review_withdraw,
)

__all__ = [
    "review_assign_balanced",
    "review_declare_conflict",
    "review_reopen",
    "review_reset_conflict",
    "review_score",
    "review_submit",
    "review_withdraw",
    "screening_complete",
    "screening_item_decide",
    "screening_start",
]
