"""The UI speaks Japanese by default and English on request; the catalogue is complete."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client

PO = Path(__file__).resolve().parents[2] / "src/renkei/locale/ja/LC_MESSAGES/django.po"


def test_every_ui_string_has_japanese_and_none_is_fuzzy() -> None:
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po.translated_entries()) > 100
    assert untranslated == [] and fuzzy == []


def test_placeholders_survive_translation() -> None:
    import re

    for entry in polib.pofile(str(PO)).translated_entries():
        want = sorted(re.findall(r"%\(\w+\)s", entry.msgid))
        text = entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr
        assert sorted(re.findall(r"%\(\w+\)s", text)) == want, entry.msgid


def test_compiled_catalogue_matches_the_source() -> None:
    def text(e):
        return e.msgstr_plural.get(0, "") if e.msgid_plural else e.msgstr

    po = {e.msgid: text(e) for e in polib.pofile(str(PO)).translated_entries()}
    mo = {e.msgid: text(e) for e in polib.mofile(str(PO.with_suffix(".mo")))}
    assert mo == po, "run scripts/translations_ja.py to recompile the catalogue"


@pytest.mark.django_db
def test_home_is_japanese_by_default_and_english_on_request() -> None:
    ja = Client().get("/").content.decode()
    assert "受付中の締切回" in ja and "事前登録" in ja
    en = Client(headers={"accept-language": "en"}).get("/").content.decode()
    assert "Open rounds" in en and "受付中の締切回" not in en
