"""``{% retention_line grant as rt %}``: how long the grant's records are kept (JCM 4.(5)), by
which reading, and, for the office only, whether and where they were archived."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from renkei.grants.policy.base import is_office
from renkei.ops.retention import retention_of

register = template.Library()


@register.simple_tag(takes_context=True)
def retention_line(context: Any, grant: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    r = retention_of(grant)
    lang = get_language() or "ja"
    return {
        "r": r,
        "office": is_office(user),
        "readings": [
            {"part": p.key, "until": rd.until, "applied": rd.applied, "text": rd.text(lang)}
            for p in r.parts
            for rd in p.readings
        ],
        "reason": r.to_dict(lang)["reason_text"] if r.reason else "",
    }
