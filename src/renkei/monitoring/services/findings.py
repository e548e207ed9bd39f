"""A third-party entity's findings and their life, shared by the TPE's two reviews: the
verification of a monitoring period (JCM 2.(1)③, ``verification``) and the validation of a JCM
project's PDD (2.(1)①, ``renkei.credits.services.cycle``). Both have the same kinds (CAR:
corrective action request, CL: clarification request), the same statuses (open → answered →
closed), the same TPE organisations and the same refusals; each keeps its own rows, states,
locks, audit actions and notices.

The caller holds the permission, locks its subject's row then the finding's (``_finding`` in
each module) and checks its subject's state; these helpers check and change the finding.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from renkei import clock
from renkei.accounts.models import Organisation
from renkei.audit.services import audit_record
from renkei.services import ServiceError


def check_kind(kind: str, finding_model: type[models.Model]) -> None:
    """Refused unless ``kind`` is one of the model's kinds (CAR or CL)."""
    if kind not in finding_model.Kind.values:
        raise ServiceError(
            _("%(kind)s is not a kind of finding; choose CAR (corrective action) or CL.")
            % {"kind": kind or "—"}
        )


def tpe_organisation(tpe: Any) -> Organisation:
    """The organisation ``tpe`` names (an organisation or its id), refused unless it is a TPE."""
    org = Organisation.objects.filter(pk=getattr(tpe, "pk", tpe)).first()
    if org is None or org.kind != Organisation.Kind.TPE:
        raise ServiceError(
            _(
                "%(org)s is not a third-party entity (TPE); choose an organisation of the "
                "kind “Third-party entity (TPE)”."
            )
            % {"org": getattr(org, "name", "—")}
        )
    return org


def unresolved(findings: QuerySet) -> int:
    """How many of ``findings`` are not closed (a report waits for none)."""
    return findings.exclude(status="closed").count()


def answer(finding: Any, *, actor: Any, text: str, action: str, payload: dict) -> Any:
    """The participant's answer to a finding not closed (rewritable until it is): answered,
    audited as ``action``."""
    if finding.status == finding.Status.CLOSED:
        raise ServiceError(_("This finding is closed; it needs no answer."))
    before = finding.status
    finding.answer, finding.answered_by, finding.answered_at = text, actor, clock.now()
    finding.status = finding.Status.ANSWERED
    finding.save()
    audit_record(
        actor=actor,
        obj=finding,
        action=action,
        from_state=before,
        to_state=finding.status,
        payload=payload,
    )
    return finding


def close(finding: Any, *, actor: Any, action: str, payload: dict) -> Any:
    """The TPE closes a finding it is satisfied with: closed, audited as ``action``."""
    if finding.status == finding.Status.CLOSED:
        raise ServiceError(_("This finding is already closed."))
    before = finding.status
    finding.status, finding.closed_at = finding.Status.CLOSED, clock.now()
    finding.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        obj=finding,
        action=action,
        from_state=before,
        to_state=finding.status,
        payload=payload,
    )
    return finding
