"""Template filters for the rules core's results: translated status labels and yen amounts."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from renkei.audit import labels
from renkei.errors import RulebookInvalid
from renkei.rules._result import render

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """'needs_review' → 要確認 / needs review, in the page's language."""
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    try:
        return render(f"status.{status}", {}, lang)
    except RulebookInvalid:  # an unknown status shows as it is rather than breaking the page
        return status


@register.filter
def yen(value: object) -> str:
    """12345678 → 12,345,678 (whole yen; strings of digits too)."""
    try:
        return f"{int(str(value)):,}"
    except ValueError:
        return str(value)


@register.filter
def action_label(code: str) -> str:
    """An audit action code ('pin_send') as its name in the page's language."""
    return labels.action_label(code)


@register.filter
def state_label(code: str, action: str = "") -> str:
    """A state code of the audit trail ('no_objection') as its name in the page's language;
    ``action`` (the event's) tells a submitted review from a submitted proposal."""
    return labels.state_label(code, action or "")


@register.filter
def yen_amount(value: object) -> str:
    """12345678 → '12,345,678 円' on a Japanese page, 'JPY 12,345,678' on an English one."""
    amount = yen(value)
    return f"JPY {amount}" if (get_language() or "ja").startswith("en") else f"{amount} 円"
