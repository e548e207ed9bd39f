"""Who the proposal's document names as its representative (JCM: the representative participant,
form 4; C3P: the lead organisation, 3.2) against the organisation whose accounts edit and submit
it on Renkei. They can differ (a typo, a renamed company, a proposal typed for someone else);
the page says so instead of letting them differ silently."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import template

register = template.Library()


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


@register.simple_tag
def representative_check(proposal: Any) -> dict[str, Any] | None:
    """None when the document's representative is the account's organisation (by its Japanese
    or English name, ignoring width, case and spacing) or names nobody yet."""
    document = proposal.document or {}
    if proposal.call.program == "c3p":
        typed = (document.get("applicant") or {}).get("name") or ""
        anchor = "sec-applicant"
    else:
        typed = ((document.get("consortium") or {}).get("representative") or {}).get("name") or ""
        anchor = "sec-consortium"
    typed = str(typed)
    organisation = proposal.organisation
    if not typed.strip():
        return None
    known = {_plain(organisation.name), _plain(organisation.name_en)} - {""}
    if _plain(typed) in known or any(name and name in _plain(typed) for name in known):
        return None
    return {"typed": typed, "organisation": organisation, "anchor": anchor}
