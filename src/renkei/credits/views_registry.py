"""The credits stage's registry pages (issue 10, "The registry ledger"; JCM 2.(1)③, 2.(5)②(カ)):

- the accounts one may see, with their balances; the registry administrator opens accounts;
- an account: the blocks it holds (serial ranges), its movements, and, for whoever may move its
  credits, one form to transfer, deliver to the Government of Japan's account, cancel or retire;
- the issuances decided by the Joint Committee, recorded (or to record) in the registry;
- the ledger (every block) and the movements, each exported as .xlsx or CSV; the
  reconciliation (the registry administrator and the office);
- the panel on the project's page: the project's credits by account.

Who sees what is ``policy.registry``: a page someone may not see is 404; an action someone sees
but may not take is 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import access
from renkei.accounts.models import Organisation
from renkei.credits.models import Account, AccountKind, Block, Issuance, Movement
from renkei.credits.policy.registry import accounts_for
from renkei.credits.services import registry as services
from renkei.web.forms_run import require_can, run_form
from renkei.web.lists import Column, OfficeList

__all__ = ["panel", "urlpatterns"]


def _see(request: HttpRequest, action: str, obj: Any = None) -> None:
    if not access.can(request.user, action, obj):
        raise Http404


def _account(request: HttpRequest, pk: int) -> Account:
    account = accounts_for(request.user).filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


# --- accounts -----------------------------------------------------------------------------------
class OpenAccountForm(forms.Form):
    registry = forms.CharField(
        label=gettext_lazy("Registry (JP or the partner country's ISO code)"),
        max_length=2,
        min_length=2,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AccountKind.choices)
    holder = forms.ModelChoiceField(
        label=gettext_lazy("Holder (none for the registry's own accounts)"),
        queryset=Organisation.objects.order_by("country", "name"),
        required=False,
    )
    name = forms.CharField(label=gettext_lazy("Name (optional)"), max_length=200, required=False)


def _accounts_page(request: HttpRequest, form: OpenAccountForm | None) -> HttpResponse:
    accounts = list(accounts_for(request.user).order_by("registry", "kind", "number"))
    held = services.balances(accounts)
    return render(
        request,
        "credits/registry/accounts.html",
        {
            "rows": [(a, held[a.pk]) for a in accounts],
            "form": form,
            "can_record": access.can(request.user, "record_credits_issuance"),
            "can_ledger": access.can(request.user, "view_credits_ledger"),
        },
    )


@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_registry")
    can_open = access.can(request.user, "open_credits_account")
    return _accounts_page(request, OpenAccountForm() if can_open else None)


@login_required
def account_open(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_registry")
    if request.method != "POST":
        return redirect("credits:registry_accounts")
    require_can(request, "open_credits_account", None)
    form = OpenAccountForm(request.POST)
    done = run_form(
        request,
        form,
        lambda d: services.registry_account_open(actor=request.user, **d),
        done=_("The account is open."),
        then=lambda a: redirect("credits:registry_account", pk=a.pk),
    )
    return done or _accounts_page(request, form)


# --- one account --------------------------------------------------------------------------------
ACTIONS = (
    ("transfer", gettext_lazy("Transfer to another account")),
    ("deliver", gettext_lazy("Deliver to the Government of Japan's account (2.(5)②(カ))")),
    ("cancel", gettext_lazy("Cancel (final)")),
    ("retire", gettext_lazy("Retire (final)")),
)


class MoveForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("What to do"), choices=ACTIONS)
    quantity = forms.IntegerField(
        label=gettext_lazy("Credits (tCO2, a whole number)"), min_value=1, max_value=10**12
    )
    destination = forms.ModelChoiceField(
        label=gettext_lazy("To account (for a transfer)"),
        queryset=Account.objects.none(),
        required=False,
    )
    block = forms.ModelChoiceField(
        label=gettext_lazy("Out of the block (else first in, first out by serial)"),
        queryset=Block.objects.none(),
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, account: Account, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["destination"].queryset = Account.objects.exclude(pk=account.pk).order_by(
            "registry", "number"
        )
        self.fields["block"].queryset = account.blocks.select_related(
            "issuance__request__project__plan__grant__selection__proposal"
        ).order_by("issuance_id", "serial_start")
        self.fields["block"].label_from_instance = lambda b: f"{b.serial} ({b.quantity})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "transfer" and not data.get("destination"):
            self.add_error("destination", _("A transfer needs the account it goes to."))
        return data


def _move(actor: Any, account: Account, d: dict[str, Any]) -> list[Movement]:
    common = {"actor": actor, "source": account, "quantity": d["quantity"], "block": d["block"]}
    if d["action"] == "transfer":
        return services.registry_transfer(destination=d["destination"], note=d["note"], **common)
    return {
        "deliver": services.registry_deliver,
        "cancel": services.registry_cancel,
        "retire": services.registry_retire,
    }[d["action"]](**common)


def _account_page(request: HttpRequest, account: Account, form: MoveForm | None) -> HttpResponse:
    blocks = list(
        account.blocks.select_related(
            "issuance__request__project__plan__grant__selection__proposal"
        ).order_by("issuance_id", "serial_start")
    )
    moves = (
        Movement.objects.filter(source=account) | Movement.objects.filter(destination=account)
    ).select_related(
        "source", "destination", "issuance__request__project__plan__grant__selection__proposal"
    )
    return render(
        request,
        "credits/registry/account.html",
        {
            "account": account,
            "blocks": blocks,
            "held": sum(b.quantity for b in blocks),
            "movements": list(moves.order_by("-at", "-pk")[:200]),
            "form": form,
        },
    )


@login_required
def account(request: HttpRequest, pk: int) -> HttpResponse:
    acc = _account(request, pk)
    can_move = access.can(request.user, "move_credits", acc) and acc.blocks.exists()
    return _account_page(request, acc, MoveForm(account=acc) if can_move else None)


@login_required
def account_move(request: HttpRequest, pk: int) -> HttpResponse:
    acc = _account(request, pk)
    if request.method != "POST":
        return redirect("credits:registry_account", pk=acc.pk)
    require_can(request, "move_credits", acc)
    form = MoveForm(request.POST, account=acc)
    done = run_form(
        request,
        form,
        lambda d: _move(request.user, acc, d),
        done=_("The credits are moved."),
        then=lambda _m: redirect("credits:registry_account", pk=acc.pk),
    )
    return done or _account_page(request, acc, form)


# --- issuances ----------------------------------------------------------------------------------
def _issuances() -> list[Issuance]:
    return list(
        Issuance.objects.select_related(
            "request__project__plan__grant__selection__proposal", "agreement"
        ).order_by("recorded_at", "decided_on", "pk")
    )


@login_required
def issuances(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_ledger")
    rows = _issuances()
    return render(
        request,
        "credits/registry/issuances.html",
        {
            "rows": rows,
            "in_blocks": {r.issuance.pk: r.in_blocks for r in services.reconcile().issuances},
            "can_record": access.can(request.user, "record_credits_issuance"),
        },
    )


@login_required
def issuance_record(request: HttpRequest, pk: int) -> HttpResponse:
    _see(request, "view_credits_ledger")
    issuance = Issuance.objects.filter(pk=pk).first()
    if issuance is None:
        raise Http404
    if request.method != "POST":
        return redirect("credits:registry_issuances")
    require_can(request, "record_credits_issuance", issuance)
    form = forms.Form(request.POST)
    done = run_form(
        request,
        form,
        lambda _d: services.registry_issuance_record(actor=request.user, issuance=issuance),
        done=_("The issuance is recorded in the registry."),
        then=lambda _b: redirect("credits:registry_issuances"),
    )
    if done:
        return done
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("credits:registry_issuances")


# --- the ledger, the movements, the reconciliation ----------------------------------------------
def _serial(b: Any) -> str:
    return b.serial


LEDGER_COLUMNS = (
    Column(gettext_lazy("Serial range"), _serial),
    Column(gettext_lazy("Credits (tCO2)"), lambda b: b.quantity),
    Column(gettext_lazy("Registry"), lambda b: b.account.registry),
    Column(gettext_lazy("Account number"), lambda b: b.account.number),
    Column(gettext_lazy("Account kind"), lambda b: b.account.get_kind_display()),
    Column(gettext_lazy("Holder"), lambda b: b.account.holder.name if b.account.holder else ""),
    Column(gettext_lazy("JCM project reference"), lambda b: b.issuance.request.project.reference),
    Column(gettext_lazy("Vintage start"), lambda b: b.issuance.vintage_start),
    Column(gettext_lazy("Vintage end"), lambda b: b.issuance.vintage_end),
    Column(gettext_lazy("First serial"), lambda b: b.serial_start),
    Column(gettext_lazy("Last serial"), lambda b: b.serial_end),
)
MOVEMENT_COLUMNS = (
    Column(gettext_lazy("When"), lambda m: m.at),
    Column(gettext_lazy("Kind"), lambda m: m.get_kind_display()),
    Column(gettext_lazy("Serial range"), _serial),
    Column(gettext_lazy("Credits (tCO2)"), lambda m: m.quantity),
    Column(gettext_lazy("From account"), lambda m: m.source.number if m.source else ""),
    Column(gettext_lazy("To account"), lambda m: m.destination.number),
    Column(gettext_lazy("By"), lambda m: m.actor.username),
    Column(gettext_lazy("Note"), lambda m: m.note),
)
_ISSUANCE = "issuance__request__project__plan__grant__selection__proposal"


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_ledger")
    rows = list(
        Block.objects.select_related("account__holder", _ISSUANCE).order_by(
            "issuance_id", "serial_start"
        )
    )
    listing = OfficeList(
        request,
        rows,
        columns=LEDGER_COLUMNS,
        text=lambda b: " ".join(
            [b.serial, b.account.number, b.account.holder.name if b.account.holder else ""]
        ),
        name="jcm-registry-ledger",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request,
        "credits/registry/ledger.html",
        {"listing": listing, "rows": listing.rows, "total": sum(b.quantity for b in rows)},
    )


@login_required
def movements(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_ledger")
    rows = list(
        Movement.objects.select_related("source", "destination", "actor", _ISSUANCE).order_by(
            "at", "pk"
        )
    )
    listing = OfficeList(
        request,
        rows,
        columns=MOVEMENT_COLUMNS,
        text=lambda m: " ".join(
            [m.serial, m.kind, m.destination.number, m.source.number if m.source else ""]
        ),
        name="jcm-registry-movements",
    )
    if listing.export is not None:
        return listing.export
    return render(
        request, "credits/registry/movements.html", {"listing": listing, "rows": listing.rows}
    )


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    _see(request, "view_credits_ledger")
    return render(request, "credits/registry/reconciliation.html", {"report": services.reconcile()})


# --- the panel on the project's page -----------------------------------------------------------
def panel(request: HttpRequest, project: Any) -> dict:
    """The context of this part's panel on the project's page: the project's credits by account
    (only the accounts the viewer may see), per issuance recorded or waiting."""
    if not access.can(request.user, "view_credits_registry"):
        return {}
    visible = accounts_for(request.user)
    blocks = list(
        Block.objects.filter(issuance__request__project=project, account__in=visible)
        .select_related("account__holder", _ISSUANCE)
        .order_by("issuance_id", "serial_start")
    )
    issued = list(Issuance.objects.filter(request__project=project).order_by("vintage_start", "pk"))
    by_account: dict[int, list] = {}
    for b in blocks:
        by_account.setdefault(b.account_id, [b.account, 0])[1] += b.quantity
    return {
        "registry": {
            "issuances": issued,
            "blocks": blocks,
            "by_account": list(by_account.values()),
            "can_record": access.can(request.user, "record_credits_issuance"),
        }
    }


urlpatterns: list[Any] = [
    path("credits/registry/", accounts, name="registry_accounts"),
    path("credits/registry/accounts/open/", account_open, name="registry_account_open"),
    path("credits/registry/accounts/<int:pk>/", account, name="registry_account"),
    path("credits/registry/accounts/<int:pk>/move/", account_move, name="registry_account_move"),
    path("credits/registry/issuances/", issuances, name="registry_issuances"),
    path(
        "credits/registry/issuances/<int:pk>/record/",
        issuance_record,
        name="registry_issuance_record",
    ),
    path("credits/registry/ledger/", ledger, name="registry_ledger"),
    path("credits/registry/movements/", movements, name="registry_movements"),
    path("credits/registry/reconciliation/", reconciliation, name="registry_reconciliation"),
]
