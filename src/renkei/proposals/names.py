"""The names of a call's items in the page's language.

The JCM call names its cost items, documents and focus areas in Japanese only; their English
renderings are in the rules' message catalogue (``rules/messages/names.yaml``). The C3P
rulebook carries both names. A finding's subject (a site and technology id, a document or score
item id) is shown by name, not by its key.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import get_language

from renkei.rules import load_rulebook
from renkei.rules._result import catalogue


def english(lang: str | None = None) -> bool:
    return (lang or get_language() or "ja").startswith("en")


def jcm_name(kind: str, obj_id: str, name_ja: str, lang: str | None = None) -> str:
    """``kind``: cost_item, document or focus_area."""
    if not english(lang):
        return name_ja
    texts = catalogue().get(f"name.jcm.{kind}.{obj_id}")
    return texts["en"] if texts else name_ja


@cache
def _subject_names(rulebook_id: str, lang: str) -> dict[str, str]:
    book = load_rulebook(rulebook_id)
    en = lang == "en"
    names: dict[str, str] = {}
    if getattr(book, "program", "") == "c3p":
        for group in (book.documents.items, book.activities.items):
            names.update({i.id: i.name_en if en else i.name_ja for i in group})
        names.update({i.id: i.name(lang) for i in book.scoring.items})
        return names
    from renkei.proposals.forms import technologies

    names.update({t.id: t.name_en if en else t.name_ja for t in technologies(rulebook_id)})
    for d in book.required_documents.documents:
        names[d.id] = jcm_name("document", d.id, d.name_ja, lang)
    for i in (*book.cost_items.eligible, *book.cost_items.ineligible):
        names[i.id] = jcm_name("cost_item", i.id, i.name_ja, lang)
    return names


def subject_label(subject: str, rulebook_id: str, lang: str | None = None) -> str:
    """``kericho/heat_pump`` → ``kericho/ヒートポンプ``; ``application_form`` → its name."""
    if not subject:
        return subject
    names = _subject_names(rulebook_id, "en" if english(lang) else "ja")
    return "/".join(names.get(part, part) for part in subject.split("/"))


@cache
def _japanese_names(rulebook_id: str) -> tuple[tuple[str, str], ...]:
    """(Japanese name, English name) of the JCM items the rules core quotes in its English
    sentences by their Japanese name, longest first."""
    book = load_rulebook(rulebook_id)
    if getattr(book, "program", "") == "c3p":
        return ()
    pairs = []
    for kind, items in (
        ("cost_item", (*book.cost_items.eligible, *book.cost_items.ineligible)),
        ("document", book.required_documents.documents),
        ("focus_area", book.scoring.f2_sectors),
    ):
        for item in items:
            english_name = jcm_name(kind, item.id, item.name_ja, "en")
            if len(item.name_ja) >= 4 and english_name != item.name_ja:
                pairs.append((item.name_ja, english_name))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def english_sentence(text: str, rulebook_id: str) -> str:
    """An English finding with the call's Japanese item names it quotes put in English."""
    for japanese, english_name in _japanese_names(rulebook_id):
        if japanese in text:
            text = text.replace(japanese, english_name)
    return text
