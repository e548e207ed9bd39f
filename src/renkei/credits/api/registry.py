"""The credits stage's registry part in the REST API (issue 10, "The registry ledger"; JCM
2.(1)③, 2.(5)②(カ)): accounts (listed, opened, read with their blocks and movements), issuances
recorded into the registry, transfers, deliveries to the Government of Japan's account,
cancellations and retirements, and the reconciliation. The same services
(``services.registry``) and rules (``policy.registry``) as the pages; an account the caller may
not see is 404; credits are integers (tCO2)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.accounts.models import Organisation
from renkei.apikit import Id, op, path_id, text
from renkei.credits.models import Account, Block, Issuance, Movement
from renkei.credits.policy.registry import accounts_for
from renkei.credits.services import registry as services
from renkei.services import ServiceError

router = Router(tags=["credits"])

AccountId = path_id("Registry account id.")
IssuanceId = path_id("Issuance id.")
Quantity = Annotated[int, Field(ge=1, le=10**12)]


class CreditsRegistryAccountOut(Schema):
    id: int = Field(description="Account id.")
    number: str = Field(description="Account number, e.g. JP-GOV-000001.")
    registry: str = Field(description="JP (Japan's JCM registry) or the partner country's code.")
    kind: str = Field(description="government, holding, cancellation or retirement.")
    final: bool = Field(description="Cancellation or retirement: its credits never move again.")
    name: str = Field(description="Account name.")
    holder_id: int | None = Field(description="The holder organisation (null: the registry's).")
    holder: str | None = Field(description="The holder's name.")
    held_tco2: int = Field(description="Credits held (tCO2).")


class CreditsRegistryBlockOut(Schema):
    id: int = Field(description="Block id.")
    issuance_id: int = Field(description="The issuance.")
    serial: str = Field(description="Serial range: country-project-vintage-first-last.")
    serial_start: int = Field(description="First serial within the issuance.")
    serial_end: int = Field(description="Last serial (inclusive).")
    quantity: int = Field(description="Credits (tCO2).")
    account_id: int = Field(description="The account holding it.")


class CreditsRegistryMovementOut(Schema):
    id: int = Field(description="Movement id.")
    kind: str = Field(description="issuance, transfer, delivery, cancellation or retirement.")
    issuance_id: int = Field(description="The issuance of the serials moved.")
    serial: str = Field(description="Serial range moved.")
    quantity: int = Field(description="Credits moved (tCO2).")
    source_id: int | None = Field(description="From account (null at issuance).")
    destination_id: int = Field(description="To account.")
    at: dt.datetime = Field(description="When.")


class CreditsRegistryAccountDetailOut(CreditsRegistryAccountOut):
    blocks: list[CreditsRegistryBlockOut] = Field(description="Blocks held, by serial.")
    movements: list[CreditsRegistryMovementOut] = Field(description="Its last 200 movements.")


class CreditsRegistryAccountIn(Schema):
    registry: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] = Field(
        description="JP or the partner country's ISO 3166-1 alpha-2 code."
    )
    kind: Literal["government", "holding", "cancellation", "retirement"] = Field(
        description="The account's kind."
    )
    holder_id: Id | None = Field(None, description="The holder organisation (a holding account).")
    name: text(200, min_length=0) = Field("", description="Name (optional).")


class CreditsRegistryMoveIn(Schema):
    quantity: Quantity = Field(description="Credits to move: a whole number, at most those held.")
    block_id: Id | None = Field(None, description="Out of this block; else FIFO by serial.")


class CreditsRegistryTransferIn(CreditsRegistryMoveIn):
    to_account_id: Id = Field(description="The destination account.")
    note: text(500, min_length=0) = Field("", description="A note.")


class CreditsRegistryIssuanceOut(Schema):
    id: int = Field(description="Issuance id.")
    project_reference: str = Field(description="The JCM project reference.")
    issued_tco2: int = Field(description="Credits issued by the Joint Committee's decision.")
    vintage_start: dt.date = Field(description="First day of the periods issued.")
    vintage_end: dt.date = Field(description="Last day.")
    recorded_at: dt.datetime | None = Field(description="When the registry recorded it.")
    blocks: list[CreditsRegistryBlockOut] = Field(description="Its blocks, by serial.")


class CreditsRegistryAccountCheckOut(Schema):
    account_id: int = Field(description="Account id.")
    number: str = Field(description="Account number.")
    held_tco2: int = Field(description="Blocks held.")
    moved_in_tco2: int = Field(description="Movements in.")
    moved_out_tco2: int = Field(description="Movements out.")
    ok: bool = Field(description="held = in − out.")


class CreditsRegistryIssuanceCheckOut(Schema):
    issuance_id: int = Field(description="Issuance id.")
    issued_tco2: int = Field(description="Issued.")
    in_blocks_tco2: int = Field(description="In blocks.")
    ok: bool = Field(description="In blocks = issued once recorded (0 before).")


class CreditsRegistryReconciliationOut(Schema):
    ok: bool = Field(description="Everything reconciles.")
    problems: list[str] = Field(description="What does not.")
    accounts: list[CreditsRegistryAccountCheckOut] = Field(description="Per account.")
    issuances: list[CreditsRegistryIssuanceCheckOut] = Field(description="Per issuance.")


def _account_out(a: Account, held: int) -> dict:
    return {
        "id": a.pk,
        "number": a.number,
        "registry": a.registry,
        "kind": a.kind,
        "final": a.is_final,
        "name": a.name,
        "holder_id": a.holder_id,
        "holder": a.holder.name if a.holder_id else None,
        "held_tco2": held,
    }


def _block_out(b: Block) -> CreditsRegistryBlockOut:
    return CreditsRegistryBlockOut(
        id=b.pk,
        issuance_id=b.issuance_id,
        serial=b.serial,
        serial_start=b.serial_start,
        serial_end=b.serial_end,
        quantity=b.quantity,
        account_id=b.account_id,
    )


def _movement_out(m: Movement) -> CreditsRegistryMovementOut:
    return CreditsRegistryMovementOut(
        id=m.pk,
        kind=m.kind,
        issuance_id=m.issuance_id,
        serial=m.serial,
        quantity=m.quantity,
        source_id=m.source_id,
        destination_id=m.destination_id,
        at=m.at,
    )


_ISSUANCE = "issuance__request__project__plan__grant__selection__proposal"


def _detail(a: Account) -> CreditsRegistryAccountDetailOut:
    blocks = list(a.blocks.select_related(_ISSUANCE).order_by("issuance_id", "serial_start"))
    moves = (
        Movement.objects.filter(source=a) | Movement.objects.filter(destination=a)
    ).select_related(_ISSUANCE)
    return CreditsRegistryAccountDetailOut(
        **_account_out(a, sum(b.quantity for b in blocks)),
        blocks=[_block_out(b) for b in blocks],
        movements=[_movement_out(m) for m in moves.order_by("-at", "-pk")[:200]],
    )


def _visible(request, account_id: int) -> Account:
    account = accounts_for(request.user).filter(pk=account_id).first()
    if account is None:
        raise Http404
    return account


def _see(request, action: str) -> None:
    if not access.can(request.user, action):
        raise Http404


@router.get(
    "/credits/registry/accounts",
    summary="The registry accounts the caller may see, with their balances",
    **op({200: (list[CreditsRegistryAccountOut], "The accounts.")}, 401, 404),
)
def accounts(request) -> list[CreditsRegistryAccountOut]:
    """The registry administrator and the office: every account; an applicant: its
    organisation's; a Joint Committee contact: its country's registry."""
    _see(request, "view_credits_registry")
    rows = list(accounts_for(request.user).order_by("registry", "kind", "number"))
    held = services.balances(rows)
    return [CreditsRegistryAccountOut(**_account_out(a, held[a.pk])) for a in rows]


@router.post(
    "/credits/registry/accounts",
    summary="Open a registry account (the registry administrator)",
    **op({201: (CreditsRegistryAccountDetailOut, "Opened.")}, 400, 401, 403, 404, 422),
)
def account_open(request, body: CreditsRegistryAccountIn) -> Status:
    """The registry administrator only: JP or a partner registry; a holding account names its
    holder; one account of a kind per holder (or per registry without a holder)."""
    _see(request, "view_credits_registry")
    holder = None
    if body.holder_id is not None:
        holder = Organisation.objects.filter(pk=body.holder_id).first()
        if holder is None:
            raise ServiceError(f"organisation {body.holder_id} does not exist: give a holder's id")
    account = services.registry_account_open(
        actor=request.user, registry=body.registry, kind=body.kind, holder=holder, name=body.name
    )
    return Status(201, _detail(account))


@router.get(
    "/credits/registry/accounts/{account_id}",
    summary="A registry account with its blocks and movements",
    **op({200: (CreditsRegistryAccountDetailOut, "The account.")}, 401, 404, 422),
)
def account(request, account_id: AccountId) -> CreditsRegistryAccountDetailOut:
    """Its blocks (serial ranges) and its last 200 movements; an account the caller may not
    see is 404."""
    return _detail(_visible(request, account_id))


def _moved(request, account_id: int, run) -> Status:
    source = _visible(request, account_id)
    run(source)
    return Status(201, _detail(Account.objects.get(pk=source.pk)))


@router.post(
    "/credits/registry/accounts/{account_id}/transfers",
    summary="Transfer credits to another account (splits blocks; FIFO by serial or one block)",
    **op({201: (CreditsRegistryAccountDetailOut, "Moved.")}, 400, 401, 403, 404, 422),
)
def transfer(request, account_id: AccountId, body: CreditsRegistryTransferIn) -> Status:
    """The holder's applicants or the registry administrator; never out of a final account.
    The part of a block moved becomes a new block in the destination; the rest stays."""
    return _moved(
        request,
        account_id,
        lambda src: services.registry_transfer(
            actor=request.user,
            source=src,
            destination=body.to_account_id,
            quantity=body.quantity,
            block=body.block_id,
            note=body.note,
        ),
    )


@router.post(
    "/credits/registry/accounts/{account_id}/deliveries",
    summary="Deliver credits to the Government of Japan's account (JCM 2.(5)②(カ))",
    **op({201: (CreditsRegistryAccountDetailOut, "Delivered.")}, 400, 401, 403, 404, 422),
)
def deliver(request, account_id: AccountId, body: CreditsRegistryMoveIn) -> Status:
    """Into the government account of registry JP (JCM 2.(1)③ 「日本国政府の口座に納入」)."""
    return _moved(
        request,
        account_id,
        lambda src: services.registry_deliver(
            actor=request.user, source=src, quantity=body.quantity, block=body.block_id
        ),
    )


@router.post(
    "/credits/registry/accounts/{account_id}/cancellations",
    summary="Cancel credits (final: into the registry's cancellation account)",
    **op({201: (CreditsRegistryAccountDetailOut, "Cancelled.")}, 400, 401, 403, 404, 422),
)
def cancel(request, account_id: AccountId, body: CreditsRegistryMoveIn) -> Status:
    """Into the source registry's cancellation account; the credits never move again."""
    return _moved(
        request,
        account_id,
        lambda src: services.registry_cancel(
            actor=request.user, source=src, quantity=body.quantity, block=body.block_id
        ),
    )


@router.post(
    "/credits/registry/accounts/{account_id}/retirements",
    summary="Retire credits (final: into the registry's retirement account)",
    **op({201: (CreditsRegistryAccountDetailOut, "Retired.")}, 400, 401, 403, 404, 422),
)
def retire(request, account_id: AccountId, body: CreditsRegistryMoveIn) -> Status:
    """Into the source registry's retirement account; the credits never move again."""
    return _moved(
        request,
        account_id,
        lambda src: services.registry_retire(
            actor=request.user, source=src, quantity=body.quantity, block=body.block_id
        ),
    )


def _issuance_out(i: Issuance) -> CreditsRegistryIssuanceOut:
    return CreditsRegistryIssuanceOut(
        id=i.pk,
        project_reference=i.request.project.reference,
        issued_tco2=i.issued_tco2,
        vintage_start=i.vintage_start,
        vintage_end=i.vintage_end,
        recorded_at=i.recorded_at,
        blocks=[_block_out(b) for b in i.blocks.select_related(_ISSUANCE).order_by("serial_start")],
    )


@router.get(
    "/credits/registry/issuances",
    summary="Issuances decided, recorded in the registry or waiting (registry and office)",
    **op({200: (list[CreditsRegistryIssuanceOut], "The issuances.")}, 401, 404),
)
def issuances(request) -> list[CreditsRegistryIssuanceOut]:
    """Every issuance the Joint Committee decided, with its blocks once recorded."""
    _see(request, "view_credits_ledger")
    rows = Issuance.objects.select_related("request__project").order_by("decided_on", "pk")
    return [_issuance_out(i) for i in rows]


@router.post(
    "/credits/registry/issuances/{issuance_id}/record",
    summary="Record an issuance: its blocks, split by the allocation agreement, once",
    **op({201: (CreditsRegistryIssuanceOut, "Recorded.")}, 400, 401, 403, 404, 422),
)
def issuance_record(request, issuance_id: IssuanceId) -> Status:
    """The registry administrator only: the blocks split by the allocation agreement (the
    Government of Japan's share rounded up, the others' down, the rest to the largest
    remainders) into each party's account; a second recording is refused (422)."""
    _see(request, "view_credits_ledger")
    issuance = Issuance.objects.filter(pk=issuance_id).first()
    if issuance is None:
        raise Http404
    services.registry_issuance_record(actor=request.user, issuance=issuance)
    return Status(201, _issuance_out(Issuance.objects.get(pk=issuance.pk)))


@router.get(
    "/credits/registry/reconciliation",
    summary="The ledger's reconciliation (registry and office)",
    **op({200: (CreditsRegistryReconciliationOut, "The reconciliation.")}, 401, 404),
)
def reconciliation(request) -> CreditsRegistryReconciliationOut:
    """Per account, blocks held = movements in − out; per issuance, blocks = issued."""
    _see(request, "view_credits_ledger")
    report = services.reconcile()
    return CreditsRegistryReconciliationOut(
        ok=report.ok,
        problems=report.problems,
        accounts=[
            CreditsRegistryAccountCheckOut(
                account_id=a.account.pk,
                number=a.account.number,
                held_tco2=a.held,
                moved_in_tco2=a.moved_in,
                moved_out_tco2=a.moved_out,
                ok=a.ok,
            )
            for a in report.accounts
        ],
        issuances=[
            CreditsRegistryIssuanceCheckOut(
                issuance_id=i.issuance.pk,
                issued_tco2=i.issued,
                in_blocks_tco2=i.in_blocks,
                ok=i.ok,
            )
            for i in report.issuances
        ],
    )
