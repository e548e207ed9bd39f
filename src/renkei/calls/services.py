"""Opening a call on the platform from its rulebook: the window, the dated rounds and the budget
come from the rulebook's cited data rather than being typed again."""

from __future__ import annotations

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
