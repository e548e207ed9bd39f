"""The grant itself: opening it from an adopted selection, and what every part shares."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from renkei import access, clock
from renkei.adoption.models import Selection
from renkei.audit.services import audit_record
from renkei.grants.models import Grant
from renkei.services import NotAllowed, ServiceError


def require(user: Any, action: str, obj: Any) -> None:
    """Refuse unless ``renkei.access.can`` allows it."""
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def locked(grant: Grant | int) -> Grant:
    """The grant's row, fresh and locked for the rest of the transaction."""
    pk = grant.pk if isinstance(grant, Grant) else grant
    return Grant.objects.select_for_update().select_related("selection__proposal__call").get(pk=pk)


def move(grant: Grant, transition: str, actor: Any, action: str, **payload: Any) -> None:
    """Apply a state transition of ``Grant`` (a ``_name`` method), save and audit it."""
    before = grant.state
    getattr(grant, transition)()
    grant.updated_at = clock.now()
    grant.save()
    audit_record(
        actor=actor,
        obj=grant,
        action=action,
        from_state=before,
        to_state=grant.state,
        payload=payload,
    )


def grant_open(*, actor: Any, selection: Selection) -> Grant:
    """Open the grant of an adopted JCM selection (4.(1)): the grant and its application,
    whose first version is prefilled from the adopted proposal version. Once per selection."""
    from renkei.grants.services.award import application_create
    from renkei.grants.services.schedule import refresh_deadlines

    selection = Selection.objects.select_related("proposal__call").get(pk=selection.pk)
    require(actor, "open_grant", selection)
    with transaction.atomic():
        selection = Selection.objects.select_for_update().get(pk=selection.pk)
        if Grant.objects.filter(selection=selection).exists():
            raise ServiceError(_("This adopted proposal already has its grant."))
        grant = Grant.objects.create(
            selection=selection,
            number=f"G-{selection.proposal.receipt_number}",
            opened_by=actor,
        )
        audit_record(actor=actor, obj=grant, action="grant_open", to_state=grant.state)
        application_create(actor=actor, grant=grant)
        refresh_deadlines(grant)
    return grant
