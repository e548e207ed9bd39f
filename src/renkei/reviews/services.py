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
from renkei.proposals.models import Proposal
from renkei.reviews.models import Decision, Screening, ScreeningItem
from renkei.rules import assess_proposal, validate_proposal
from renkei.services import NotAllowed, ServiceError

SCREENING_SECTIONS = ("eligibility",)
C3P_SCREENING_SECTIONS = ("eligibility", "documents")


def _screened(proposal: Proposal, result: Any) -> list[Any]:
    if proposal.call.program == Program.C3P:
        return [
            f
            for s in result.sections
            if s.id in C3P_SCREENING_SECTIONS
            for f in s.findings
            if str(f.status) != "info"
        ]
    return [f for s in result.sections if s.id in SCREENING_SECTIONS for f in s.findings]


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def screening_start(*, actor: Any, proposal: Proposal) -> Screening:
    """Screen the latest submitted version; starting twice returns the same screening."""
    _require(actor, "screen", proposal)
    version = proposal.versions.order_by("-number").first()
    if version is None:
        raise ServiceError(_("Only a submitted proposal can be screened."))
    existing = Screening.objects.filter(version=version).first()
    if existing is not None:
        return existing
    result = assess_proposal(validate_proposal(version.document))
    with transaction.atomic():
        screening = Screening.objects.create(
            proposal=proposal,
            version=version,
            rulebook_id=result.rulebook_id,
            rulebook_version=result.rulebook_version,
            started_by=actor,
            started_at=clock.now(),
        )
        findings = _screened(proposal, result)
        ScreeningItem.objects.bulk_create(
            [
                ScreeningItem(
                    screening=screening,
                    position=i,
                    check_id=f.check,
                    clause=f.clause,
                    subject=f.subject,
                    machine_status=str(f.status),
                    message_ja=f.message("ja"),
                    message_en=f.message("en"),
                    decision=str(f.status) if str(f.status) in ("pass", "fail") else "",
                )
                for i, f in enumerate(findings)
            ]
        )
        audit_record(
            actor=actor,
            obj=proposal,
            action="screening_start",
            payload={
                "screening": screening.pk,
                "version": version.number,
                "rulebook": f"{result.rulebook_id} v{result.rulebook_version}",
            },
        )
    return screening


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
        departs = item.machine_status not in ("pass", "fail") or decision != item.machine_status
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
            payload={"screening": screening.pk},
        )
    return screening


# evaluation by reviewers (別添2 3.(2)) lives in its own module; its services are exported here
from renkei.reviews.reviewing import (  # noqa: E402
    review_assign_balanced,
    review_declare_conflict,
    review_reset_conflict,
    review_score,
    review_submit,
    review_withdraw,
)

__all__ = [
    "review_assign_balanced",
    "review_declare_conflict",
    "review_reset_conflict",
    "review_score",
    "review_submit",
    "review_withdraw",
    "screening_complete",
    "screening_item_decide",
    "screening_start",
]
