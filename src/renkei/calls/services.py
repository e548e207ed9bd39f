"""Opening a call on the platform from its rulebook: the window, the dated rounds and the budget
come from the rulebook's cited data rather than being typed again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from renkei.calls.models import Call, Program, Round
from renkei.rules import load_rulebook


@transaction.atomic
def call_open_from_rulebook(*, rulebook_id: str, title_ja: str, title_en: str) -> Call:
    """Create (once) the JCM call of ``rulebook_id`` with its dated rounds; idempotent."""
    book = load_rulebook(rulebook_id)
    if book.program != Program.JCM:
        raise ValueError(f"{rulebook_id} has no call window in its rulebook; create it by hand")
    call, _ = Call.objects.get_or_create(
        rulebook_id=rulebook_id,
        defaults=dict(
            program=book.program,
            title_ja=title_ja,
            title_en=title_en,
            opens_at=book.call_window.opens,
            closes_at=book.call_window.closes,
            budget_jpy=book.subsidy.budget_total_jpy.value,
        ),
    )
    for r in book.rounds:
        if r.deadline is not None:  # the second round's date is set by the Centre (2.(11))
            Round.objects.get_or_create(
                call=call,
                code=r.id,
                defaults=dict(name_ja=r.name_ja, name_en=r.name_en, deadline=r.deadline),
            )
    return call


#: the largest budget a round stores (the column is a 64-bit integer)
BUDGET_MAX_JPY = 2**63 - 1


def budget_too_large() -> str:
    from django.utils.translation import gettext as _

    return _("Give a budget of at most %(limit)s yen.") % {"limit": f"{BUDGET_MAX_JPY:,}"}


def round_set_budget(*, actor, round: Round, budget_jpy: int | None) -> Round:
    """The office announces (or clears) a round's budget in yen; audited. Without one, 内示
    and adoption count against the call's budget."""
    from django.utils.translation import gettext as _

    from renkei import access
    from renkei.accounts.models import Role
    from renkei.audit.services import audit_record
    from renkei.services import NotAllowed, ServiceError

    if access.role_of(actor) != Role.OFFICE:
        raise NotAllowed(_("You are not allowed to do this."))
    if budget_jpy is not None and budget_jpy < 0:
        raise ServiceError(_("Give the budget as whole yen, 0 or more (e.g. 300000000)."))
    if budget_jpy is not None and budget_jpy > BUDGET_MAX_JPY:
        raise ServiceError(budget_too_large())
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        before = locked.budget_jpy
        locked.budget_jpy = budget_jpy
        locked.save(update_fields=["budget_jpy"])
        audit_record(
            actor=actor,
            obj=locked,
            action="round_set_budget",
            from_state="" if before is None else str(before),
            to_state="" if budget_jpy is None else str(budget_jpy),
        )
    return locked


def round_to_work_on(rounds: Any, chosen_id: str | None) -> Any:
    """The round the office asked for, else the one of the latest submission, else the first:
    the office's board and ranking open where the proposals are."""
    try:  # ?round=abc is not a round: the default one is shown (the page says so)
        pk = int(chosen_id) if chosen_id else 0
    except ValueError:
        pk = 0
    if not 0 < pk < 2**63:  # beyond the primary keys the databases store
        pk = 0
    chosen = rounds.filter(pk=pk).first()
    if chosen is None:
        latest = (
            rounds.filter(proposals__state="submitted").order_by("-proposals__submitted_at").first()
        )
        chosen = latest or rounds.first()
    return chosen
