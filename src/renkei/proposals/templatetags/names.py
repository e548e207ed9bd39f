"""``{{ document|document_name }}``, ``{{ technology|sector_name }}``: a call's names in the
page's language."""

from __future__ import annotations

from typing import Any

from django import template

from renkei.proposals.names import english, jcm_name, subject_label

register = template.Library()


@register.filter
def document_name(document: Any) -> str:
    if not english():
        return document.name_ja
    name_en = getattr(document, "name_en", None)
    if name_en and name_en != document.name_ja:  # C3P: the rulebook has both names
        return name_en
    return jcm_name("document", document.id, document.name_ja, "en")  # JCM: Japanese only


@register.filter
def sector_name(technology: Any) -> str:
    """An annex-3 technology's sector (省エネルギー, Energy efficiency) in the page's language."""
    return technology.sector_name("en" if english() else "ja")


@register.filter
def finding_subject(subject: str, rulebook_id: str) -> str:
    """``kericho/heat_pump`` → ``kericho/ヒートポンプ`` (or Heat pump): names, not keys."""
    return subject_label(subject, rulebook_id) if subject else subject
