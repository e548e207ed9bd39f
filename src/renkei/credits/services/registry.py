"""The credits stage's registry services (issue 10; JCM call 2.(1)③, 2.(5)②(カ); spec §2.6):
every state change of the registry ledger, each with its permission check, fresh rows under
lock, a ``Movement`` per range of serials moved, an audit event, and notices after commit.

- ``registry_account_open``: the registry administrator opens an account in the Japanese or a
  partner country's registry (government holding, a participant's holding, cancellation,
  retirement).
- ``registry_issuance_record``: the Joint Committee has decided an issuance (another part makes
  the ``Issuance``); the registry creates its serial-numbered blocks, split by the issuance's
  allocation agreement through ``renkei.rules.jcm.credits.allocate`` (the Government of Japan's
  share rounded up, into the Japanese registry's government account; the others' down, the
  remaining credits to the largest remainders), once.
- ``registry_transfer`` (and ``registry_deliver`` to the Government of Japan's account,
  ``registry_cancel``, ``registry_retire``): a quantity moves from an account, first-in
  first-out by serial or out of one chosen block; the part moved becomes a new block, the rest
  stays. Credits in a cancellation or retirement account never move again.

The read side (balances, the ledger, its reconciliation) is at the end of the module. The
database holds the ledger's invariants itself (migration ``credits.0004_registry``); the
refusals here come first, with a message that says what would be right."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Organisation, Role, User
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.credits.models import (
    JAPAN,
    Account,
    AccountKind,
    Block,
    Issuance,
    Movement,
    MovementKind,
)
from renkei.errors import BadInput
from renkei.rules.jcm import credits as rule
from renkei.services import NotAllowed, ServiceError, clean_text

__all__ = [
    "government_account",
    "reconcile",
    "registry_account_open",
    "registry_cancel",
    "registry_deliver",
    "registry_issuance_record",
    "registry_retire",
    "registry_transfer",
]

KIND_CODE = {
    AccountKind.GOVERNMENT: "GOV",
    AccountKind.HOLDING: "HLD",
    AccountKind.CANCELLATION: "CAN",
    AccountKind.RETIREMENT: "RET",
}
MAX_QUANTITY = rule.MAX_ISSUED


def _require(user: Any, action: str, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _locked_account(account: Account | int) -> Account:
    pk = account.pk if isinstance(account, Account) else account
    return Account.objects.select_for_update(of=("self",)).select_related("holder").get(pk=pk)


# --- accounts ---------------------------------------------------------------------------------
def registry_account_open(
    *,
    actor: Any,
    registry: str,
    kind: str,
    holder: Organisation | None = None,
    name: str = "",
) -> Account:
    """Open an account (the registry administrator). A holding account has a holder; the
    government, cancellation and retirement accounts of a registry may have none (then one of
    each per registry), or a holder (then one of each per holder in that registry)."""
    _require(actor, "open_credits_account")
    code = (registry or "").strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ServiceError(
            _(
                "“%(value)s” is not a registry: give JP for Japan's JCM registry or the partner "
                "country's two-letter ISO code (e.g. KE)."
            )
            % {"value": (registry or "")[:20]}
        )
    if kind not in AccountKind.values:
        raise ServiceError(
            _("“%(value)s” is not an account kind: choose one of %(kinds)s.")
            % {"value": str(kind)[:30], "kinds": ", ".join(AccountKind.values)}
        )
    if kind == AccountKind.HOLDING and holder is None:
        raise ServiceError(_("A holding account needs its holder: choose the organisation."))
    if kind == AccountKind.GOVERNMENT and code == JAPAN and holder is not None:
        raise ServiceError(
            _(
                "The Government of Japan's account in Japan's registry has no organisation as "
                "holder (JCM 2.(1)③ 「日本国政府の口座」): leave the holder empty."
            )
        )
    name = clean_text(name, _("name"), required=False, limit=200)
    with transaction.atomic():
        same = Account.objects.select_for_update().filter(registry=code, kind=kind)
        same = same.filter(holder=holder) if holder is not None else same.filter(holder=None)
        existing = same.first()
        if existing is not None:
            raise ServiceError(
                _("This account is already open: %(number)s. One account of a kind per holder.")
                % {"number": existing.number}
            )
        if not name:
            label = AccountKind(kind).label
            name = f"{holder.name} — {label}" if holder is not None else f"{code} — {label}"
        seq = Account.objects.filter(registry=code).count() + 1
        number = f"{code}-{KIND_CODE[AccountKind(kind)]}-{seq:06d}"
        while Account.objects.filter(number=number).exists():  # pragma: no cover (a race)
            seq += 1
            number = f"{code}-{KIND_CODE[AccountKind(kind)]}-{seq:06d}"
        account = Account.objects.create(
            registry=code, kind=kind, number=number, name=name, holder=holder, opened_by=actor
        )
        audit_record(
            actor=actor,
            obj=account,
            action="credits_account_open",
            to_state=kind,
            payload={"registry": code, "number": number, "holder": holder and holder.pk},
        )
    return account


def government_account() -> Account | None:
    """The Government of Japan's account: the government account of Japan's registry."""
    return Account.objects.filter(
        registry=JAPAN, kind=AccountKind.GOVERNMENT, holder__isnull=True
    ).first()


def _registry_account(registry: str, kind: str) -> Account | None:
    return Account.objects.filter(registry=registry, kind=kind, holder__isnull=True).first()


def _holding_account(org: Organisation, host: str) -> Account | None:
    """A participant's holding account: in its own country's registry if open there, else in
    Japan's or the host country's registry."""
    accounts = {a.registry: a for a in Account.objects.filter(holder=org, kind=AccountKind.HOLDING)}
    for registry in (org.country, JAPAN, host):
        if registry in accounts:
            return accounts[registry]
    return None


# --- recording an issuance --------------------------------------------------------------------
def _issuance_for_update(issuance: Issuance | int) -> Issuance:
    pk = issuance.pk if isinstance(issuance, Issuance) else issuance
    return (
        Issuance.objects.select_for_update(of=("self",))
        .select_related("request__project__plan__grant__selection__proposal", "agreement")
        .get(pk=pk)
    )


def registry_issuance_record(*, actor: Any, issuance: Issuance | int) -> list[Block]:
    """Create the issuance's serial-numbered blocks in each party's account, once (the
    registry administrator). Serials run 1..issued_tco2 in the agreement's order."""
    with transaction.atomic():
        issuance = _issuance_for_update(issuance)  # a second recording waits here, then sees
        _require(actor, "record_credits_issuance", issuance)
        if issuance.recorded_at is not None:
            raise ServiceError(
                _(
                    "This issuance is already recorded in the registry (%(at)s): it is never "
                    "recorded twice."
                )
                % {"at": f"{timezone.localtime(issuance.recorded_at):%Y-%m-%d %H:%M}"}
            )
        project = issuance.request.project
        if not project.reference:
            raise ServiceError(
                _(
                    "The project has no JCM project reference: the serials carry it. Record the "
                    "registration (date and reference) first."
                )
            )
        host = project.plan.grant.selection.proposal.country
        shares = list(issuance.agreement.shares.select_related("organisation").order_by("pk"))
        government = next((s.key for s in shares if s.is_government), rule.GOVERNMENT)
        try:
            split = rule.allocate(
                int(issuance.issued_tco2),
                {s.key: s.percent for s in shares},
                government=government,
            )
        except BadInput as exc:
            raise ServiceError(
                _("The allocation agreement cannot split this issuance: %(reason)s")
                % {"reason": exc}
            ) from exc
        targets: list[tuple[Any, Account, int]] = []
        missing = []
        for share in shares:
            n = split.allocations[share.key]
            if n == 0:
                continue
            if share.is_government:
                account = government_account()
                if account is None:
                    missing.append(
                        _("the Government of Japan's account (registry JP, government holding)")
                    )
                    continue
            else:
                account = _holding_account(share.organisation, host)
                if account is None:
                    missing.append(
                        _("a holding account of %(org)s (registry %(registry)s, JP or %(host)s)")
                        % {
                            "org": share.organisation.name,
                            "registry": share.organisation.country,
                            "host": host,
                        }
                    )
                    continue
            targets.append((share, account, n))
        if missing:
            raise ServiceError(
                _("Open the accounts the issuance goes to first: %(missing)s.")
                % {"missing": "; ".join(str(m) for m in missing)},
                errors=[str(m) for m in missing],
            )
        blocks, serial = [], 1
        for share, account, n in targets:
            block = Block.objects.create(
                issuance=issuance, account=account, serial_start=serial, serial_end=serial + n - 1
            )
            Movement.objects.create(
                kind=MovementKind.ISSUANCE,
                issuance=issuance,
                destination=account,
                serial_start=block.serial_start,
                serial_end=block.serial_end,
                quantity=n,
                actor=actor,
                note=share.key,
            )
            blocks.append(block)
            serial += n
        issuance.recorded_at = clock.now()
        issuance.save(update_fields=["recorded_at"])
        audit_record(
            actor=actor,
            obj=issuance,
            action="credits_issuance_record",
            to_state="recorded",
            payload={
                **split.to_dict(),
                "blocks": [
                    {"account": b.account.number, "serial": b.serial, "quantity": b.quantity}
                    for b in blocks
                ],
            },
        )
        _tell_holders(
            [b.account for b in blocks],
            gettext_noop("Credits issued into your registry account"),
            gettext_noop("%(n)s credits of the issuance %(serial)s are in account %(account)s."),
            {b.account.pk: {"n": b.quantity, "serial": b.serial} for b in blocks},
        )
    return blocks


def _tell_holders(accounts: Iterable[Account], subject: str, message: str, values: dict) -> None:
    for account in {a.pk: a for a in accounts}.values():
        if account.holder_id is None:
            continue
        people = User.objects.filter(
            role=Role.APPLICANT, organisation_id=account.holder_id, is_active=True
        )
        notify(
            people,
            subject=subject,
            message=message,
            link=reverse("credits:registry_account", args=[account.pk]),
            values={**values[account.pk], "account": account.number},
        )


# --- transfers ----------------------------------------------------------------------------------
def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise ServiceError(
                _("“%(value)s” is not a whole number of credits: give an integer, e.g. 100.")
                % {"value": str(value)[:30]}
            ) from None
    if value <= 0 or value > MAX_QUANTITY:
        raise ServiceError(
            _("Move at least one credit: give a whole number from 1 to the credits held.")
        )
    return value


def _kind_to(destination: Account) -> str:
    if destination.kind == AccountKind.CANCELLATION:
        return MovementKind.CANCELLATION
    if destination.kind == AccountKind.RETIREMENT:
        return MovementKind.RETIREMENT
    government = government_account()
    if government is not None and destination.pk == government.pk:
        return MovementKind.DELIVERY
    return MovementKind.TRANSFER


def registry_transfer(
    *,
    actor: Any,
    source: Account | int,
    destination: Account | int,
    quantity: Any,
    block: Block | int | None = None,
    note: str = "",
) -> list[Movement]:
    """Move ``quantity`` credits from ``source`` to ``destination``: out of ``block`` if given,
    else first-in first-out (the lowest serials of the oldest issuance first). Each block
    touched is split: the part moved becomes a new block in ``destination``, the rest stays."""
    quantity = _quantity(quantity)
    note = clean_text(note, _("note"), required=False, limit=500)
    with transaction.atomic():
        source = _locked_account(source)
        _require(actor, "move_credits", source)
        dest_pk = destination.pk if isinstance(destination, Account) else destination
        destination = Account.objects.filter(pk=dest_pk).first()
        if destination is None:
            raise ServiceError(_("The destination account does not exist: choose another."))
        if destination.pk == source.pk:
            raise ServiceError(_("The destination is the account itself: choose another."))
        # fresh blocks under lock: a transfer of the same credits at once waits here
        held = Block.objects.select_for_update(of=("self",)).filter(account=source)
        if block is not None:
            block_pk = block.pk if isinstance(block, Block) else block
            held = held.filter(pk=block_pk)
            if not held.exists():
                raise ServiceError(
                    _(
                        "That block is not in account %(number)s (any more): choose a block it "
                        "holds."
                    )
                    % {"number": source.number}
                )
        blocks = list(held.select_related("issuance").order_by("issuance_id", "serial_start"))
        available = sum(b.quantity for b in blocks)
        if quantity > available:
            raise ServiceError(
                _(
                    "Account %(number)s holds %(held)s credits%(where)s: %(asked)s cannot be "
                    "moved. Give at most %(held)s."
                )
                % {
                    "number": source.number,
                    "held": available,
                    "asked": quantity,
                    "where": _(" in that block") if block is not None else "",
                }
            )
        kind = _kind_to(destination)
        movements, left = [], quantity
        for b in blocks:
            if left == 0:
                break
            take = min(left, b.quantity)
            start, end = b.serial_start, b.serial_start + take - 1
            if take == b.quantity:
                b.account = destination
                b.save(update_fields=["account"])
            else:
                b.serial_start = end + 1  # the rest stays; shrink first, then the new block
                b.save(update_fields=["serial_start"])
                Block.objects.create(
                    issuance=b.issuance, account=destination, serial_start=start, serial_end=end
                )
            movements.append(
                Movement.objects.create(
                    kind=kind,
                    issuance=b.issuance,
                    source=source,
                    destination=destination,
                    serial_start=start,
                    serial_end=end,
                    quantity=take,
                    actor=actor,
                    note=note,
                )
            )
            left -= take
        audit_record(
            actor=actor,
            obj=source,
            action=f"credits_{kind}",
            payload={
                "to": destination.number,
                "quantity": quantity,
                "serials": [m.serial for m in movements],
                "movements": [m.pk for m in movements],
            },
        )
        _tell_holders(
            [destination],
            gettext_noop("Credits received in your registry account"),
            gettext_noop("%(n)s credits from %(from)s are in account %(account)s."),
            {destination.pk: {"n": quantity, "from": source.number}},
        )
    return movements


def _final_account(source: Account | int, kind: str) -> Account:
    registry = (
        source.registry
        if isinstance(source, Account)
        else Account.objects.values_list("registry", flat=True).get(pk=source)
    )
    account = _registry_account(registry, kind)
    if account is None:
        raise ServiceError(
            _("Registry %(registry)s has no %(kind)s yet: the registry administrator opens it.")
            % {"registry": registry, "kind": AccountKind(kind).label}
        )
    return account


def registry_deliver(
    *, actor: Any, source: Account | int, quantity: Any, block: Block | int | None = None
) -> list[Movement]:
    """Deliver credits to the Government of Japan's account (JCM 2.(1)③ 「原則として…日本側に
    発行されたJCMクレジットは日本国政府の口座に納入」, 2.(5)②(カ))."""
    account = government_account()
    if account is None:
        raise ServiceError(
            _(
                "The Government of Japan's account is not open yet: the registry administrator "
                "opens it (registry JP, government holding)."
            )
        )
    return registry_transfer(
        actor=actor, source=source, destination=account, quantity=quantity, block=block
    )


def registry_cancel(
    *, actor: Any, source: Account | int, quantity: Any, block: Block | int | None = None
) -> list[Movement]:
    """Cancel credits: into the registry's cancellation account, for good."""
    dest = _final_account(source, AccountKind.CANCELLATION)
    return registry_transfer(
        actor=actor, source=source, destination=dest, quantity=quantity, block=block
    )


def registry_retire(
    *, actor: Any, source: Account | int, quantity: Any, block: Block | int | None = None
) -> list[Movement]:
    """Retire credits: into the registry's retirement account, for good."""
    dest = _final_account(source, AccountKind.RETIREMENT)
    return registry_transfer(
        actor=actor, source=source, destination=dest, quantity=quantity, block=block
    )


# --- the read side: balances, the ledger, its reconciliation -----------------------------------
def balances(accounts: Iterable[Account]) -> dict[int, int]:
    """Credits held per account id (the blocks' serials)."""
    ids = [a.pk for a in accounts]
    rows = (
        Block.objects.filter(account_id__in=ids)
        .values("account_id")
        .annotate(n=Sum(F("serial_end") - F("serial_start") + 1))
    )
    out = dict.fromkeys(ids, 0)
    out.update({r["account_id"]: int(r["n"]) for r in rows})
    return out


@dataclasses.dataclass
class AccountCheck:
    account: Account
    held: int  # the blocks' serials
    moved_in: int
    moved_out: int

    @property
    def by_movements(self) -> int:
        return self.moved_in - self.moved_out

    @property
    def ok(self) -> bool:
        return self.held == self.by_movements and self.held >= 0


@dataclasses.dataclass
class IssuanceCheck:
    issuance: Issuance
    issued: int
    in_blocks: int

    @property
    def ok(self) -> bool:
        recorded = self.issuance.recorded_at is not None
        return self.in_blocks == (self.issued if recorded else 0)


@dataclasses.dataclass
class Reconciliation:
    accounts: list[AccountCheck]
    issuances: list[IssuanceCheck]

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.accounts) and all(i.ok for i in self.issuances)

    @property
    def problems(self) -> list[str]:
        out = [
            f"account {a.account.number}: blocks {a.held}, movements {a.by_movements}"
            for a in self.accounts
            if not a.ok
        ]
        out += [
            f"issuance {i.issuance.pk}: issued {i.issued}, in blocks {i.in_blocks}"
            for i in self.issuances
            if not i.ok
        ]
        return out


def reconcile() -> Reconciliation:
    """Per account: balance = blocks held = movements in − movements out; per issuance
    recorded: its blocks add up to what was issued (none before it is recorded)."""
    accounts = list(Account.objects.select_related("holder").order_by("registry", "number"))
    held = balances(accounts)
    moved_in: dict[int, int] = defaultdict(int)
    moved_out: dict[int, int] = defaultdict(int)
    for row in Movement.objects.values("destination_id").annotate(n=Sum("quantity")):
        moved_in[row["destination_id"]] = int(row["n"])
    for row in (
        Movement.objects.filter(source__isnull=False)
        .values("source_id")
        .annotate(n=Sum("quantity"))
    ):
        moved_out[row["source_id"]] = int(row["n"])
    per_issuance = {
        r["issuance_id"]: int(r["n"])
        for r in Block.objects.values("issuance_id").annotate(
            n=Sum(F("serial_end") - F("serial_start") + 1)
        )
    }
    issuances = list(Issuance.objects.order_by("pk"))
    return Reconciliation(
        accounts=[AccountCheck(a, held[a.pk], moved_in[a.pk], moved_out[a.pk]) for a in accounts],
        issuances=[
            IssuanceCheck(i, int(i.issued_tco2), per_issuance.get(i.pk, 0)) for i in issuances
        ],
    )
