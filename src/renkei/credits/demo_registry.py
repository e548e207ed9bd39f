"""The registry part's demo steps (issue 10, "demo data (a project registered with two issuances
delivered)"): functions the demo story composes, each driving this part's services and each
idempotent (it checks what is already done and does only the rest).

- ``open_accounts(registry_admin, project)``: the Government of Japan's account, the
  cancellation and retirement accounts of Japan's and the host country's registries, and a
  holding account for every other party of the project's allocation agreement in force (in its
  own country's registry);
- ``record_issuances(registry_admin, project)``: every issuance of the project the Joint
  Committee has decided and the registry has not recorded yet;
- ``deliver_to_goj(actor, project)``: every credit of the project held in a Japanese-registry
  holding account that ``actor`` may move, delivered to the Government of Japan's account
  (JCM 2.(1)③ 「日本側に発行されたJCMクレジットは日本国政府の口座に納入」)."""

from __future__ import annotations

from typing import Any

from renkei import access
from renkei.credits.models import (
    JAPAN,
    Account,
    AccountKind,
    AgreementState,
    Block,
    Issuance,
    JcmProject,
    Movement,
)
from renkei.credits.services import registry as services

__all__ = ["deliver_to_goj", "open_accounts", "record_issuances"]


def _once(actor: Any, registry: str, kind: str, holder: Any = None) -> Account:
    found = Account.objects.filter(registry=registry, kind=kind, holder=holder).first()
    return found or services.registry_account_open(
        actor=actor, registry=registry, kind=kind, holder=holder
    )


def open_accounts(registry_admin: Any, project: JcmProject) -> dict[str, Account]:
    host = project.plan.grant.selection.proposal.country
    out = {"goj": _once(registry_admin, JAPAN, AccountKind.GOVERNMENT)}
    for registry in dict.fromkeys((JAPAN, host)):
        for kind in (AccountKind.CANCELLATION, AccountKind.RETIREMENT):
            out[f"{registry}-{kind}"] = _once(registry_admin, registry, kind)
    agreement = project.agreements.filter(state=AgreementState.CURRENT).first()
    for share in agreement.shares.filter(is_government=False) if agreement else ():
        org = share.organisation
        out[share.key] = _once(registry_admin, org.country, AccountKind.HOLDING, org)
    return out


def record_issuances(registry_admin: Any, project: JcmProject) -> list[Issuance]:
    waiting = list(
        Issuance.objects.filter(request__project=project, recorded_at=None).order_by(
            "vintage_start", "pk"
        )
    )
    for issuance in waiting:
        services.registry_issuance_record(actor=registry_admin, issuance=issuance)
    return waiting


def deliver_to_goj(actor: Any, project: JcmProject) -> list[Movement]:
    blocks = Block.objects.filter(
        issuance__request__project=project,
        account__registry=JAPAN,
        account__kind=AccountKind.HOLDING,
    ).select_related("account")
    moved: list[Movement] = []
    for block in list(blocks.order_by("issuance_id", "serial_start")):
        if access.can(actor, "move_credits", block.account):
            moved += services.registry_deliver(
                actor=actor, source=block.account, quantity=block.quantity, block=block
            )
    return moved
