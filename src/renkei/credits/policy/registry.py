"""Permission rules of the credits stage's registry part (issue 10): the registry ledger.

- The registry administrator (``Role.REGISTRY``) opens accounts, records issuances, and may
  move credits out of any account that is not final; it sees the whole ledger.
- The office sees the whole ledger, read-only, with its reconciliation and export.
- An applicant sees the accounts its organisation holds, and moves credits out of them (transfer,
  delivery to the Government of Japan's account, cancellation, retirement: JCM 2.(5)②(カ) puts
  the delivery on every consortium member).
- A Joint Committee contact sees the accounts of its country's registry, read-only.
- Nobody else sees anything (404). Credits in a final account never move (spec §2.6; the
  database refuses it too: migration ``credits.0004_registry``).

``obj`` is an ``Account`` (or an ``Issuance`` to record, or nothing for the ledger as a whole)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.credits.models import Account, Issuance

__all__ = ["RULES", "accounts_for"]

SEES_REGISTRY = (Role.REGISTRY, Role.OFFICE, Role.APPLICANT, Role.JOINT_COMMITTEE)


def accounts_for(user: Any) -> QuerySet[Account]:
    """The accounts ``user`` may see."""
    role = role_of(user)
    qs = Account.objects.select_related("holder")
    if role in (Role.REGISTRY, Role.OFFICE):
        return qs
    if role == Role.APPLICANT and user.organisation_id:
        return qs.filter(holder_id=user.organisation_id)
    if role == Role.JOINT_COMMITTEE and user.country:
        return qs.filter(registry=user.country)
    return qs.none()


def _sees_account(user: Any, obj: Any) -> bool:
    return isinstance(obj, Account) and accounts_for(user).filter(pk=obj.pk).exists()


def _moves_from(user: Any, obj: Any) -> bool:
    """Who may move credits out of the account ``obj``: never out of a final account."""
    if not isinstance(obj, Account) or obj.is_final:
        return False
    role = role_of(user)
    if role == Role.REGISTRY:
        return True
    return (
        role == Role.APPLICANT
        and obj.holder_id is not None
        and obj.holder_id == getattr(user, "organisation_id", None)
    )


def _records(user: Any, obj: Any) -> bool:
    return role_of(user) == Role.REGISTRY and (obj is None or isinstance(obj, Issuance))


RULES: dict[str, Rule] = {
    "view_credits_registry": lambda user, obj=None: role_of(user) in SEES_REGISTRY,
    "view_credits_account": _sees_account,
    "open_credits_account": lambda user, obj=None: role_of(user) == Role.REGISTRY,
    "record_credits_issuance": _records,
    "move_credits": _moves_from,
    "view_credits_ledger": lambda user, obj=None: role_of(user) in (Role.REGISTRY, Role.OFFICE),
}
