"""Each language's report reads in that language (issue 12, point 17).

``renkei assess --lang en --json`` of every example must have no Japanese outside quoted source
text, and the Japanese report no raw keys (snake_case identifiers) in what a person reads. The
allow-lists below are of *fields* and of the applicant's own words, never of sentences:

- ``subject`` (the proposal's title) and anything the applicant wrote in the proposal (names of
  organisations, file names, descriptions, useful-life reasons, which may be in Japanese or may
  be file names with underscores): quoted back as written. They are read from the example
  itself and cut out of a message before it is checked, so a sentence around them still counts.
- in ``clause`` / ``clauses`` (and the clause a rate cap's ``reason`` starts with), the call's
  own numbering and headings (別添2 3.(1) 1)②, 5.(3) (ア), 別表1 事務費, なお書き): the JCM call
  is published in Japanese only, so a citation quotes its numbering as the call prints it, for
  the reader to find the clause there (CALL_NUMBERING lists those words; anything Renkei adds to
  a citation, such as "(JCM eco-lease)", must be in the reader's language).
- ``values``: the raw parameters of a finding, the same in every language (the rules core's
  contract: the stable ``code`` and the raw params are what programs rely on). They keep the
  source's words; pages and the CLI show ``message``, never ``values``.
- ``check``, ``code``, ``id``, ``technology``, ``site``, ``subject`` of a finding: identifiers for
  programs, not text (pages show names for them, ``renkei.proposals.names``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from renkei.cli import main
from renkei.rules import load_rulebook
from renkei.rules._result import Bilingual, catalogue, jsonable, name, render
from renkei.rules._yaml import load_yaml_text
from renkei.rules.jcm.adoption import reconstructed_table
from renkei.rules.useful_lives import useful_lives

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

# Hiragana, katakana, CJK ideographs and punctuation, full-width forms (not ①, ×, 〜-free ASCII)
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

# fields that are identifiers or citations, not text (see the module's docstring)
NOT_TEXT = {"check", "code", "id", "technology", "site", "subject"}
CITATIONS = {"clause", "clauses"}
# the call's numbering and headings, quoted in citations (fy2024.yaml's clauses)
CALL_NUMBERING = re.compile(
    r"別添|別表|注|なお書き|ただし書|事務費|技術別採択条件|蓄電池について|蓄電池単独|表題"
    r"|自社製品等の調達を行う場合の利益排除について|\([アイウエオカキクケコ]\)|[アイウエ](?=\))"
)
SENTENCES = {"title", "message", "reason"}


def _assess(path: Path, *lang: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["assess", str(path), "--json", *lang])
    assert result.exit_code in (0, 1), result.output  # 1: the example fails a rule
    return json.loads(result.output)


def _applicant_words(path: Path) -> list[str]:
    """Every string the applicant wrote in the example, longest first."""

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str) and node.strip():
            yield node

    return sorted(set(strings(load_yaml_text(path.read_text(encoding="utf-8")))), key=len)[::-1]


def _texts(report: dict[str, Any], *, sentences_only: bool = False) -> Iterator[tuple[str, str]]:
    """(where, text) of every string in a report but the fields above; ``sentences_only``:
    only what is written for a person (section titles, messages and notes, a rate cap's
    reason after its clause), not the figures' identifiers (score item ids, project types)."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in NOT_TEXT or key == "values":
                    continue
                if key == "reason" and isinstance(value, str) and "clause" in node:
                    value = value.removeprefix(f"{node['clause']}: ")
                if key in CITATIONS:
                    if sentences_only:
                        continue
                    value = jsonable(value)
                    for i, text in enumerate(value if isinstance(value, list) else [value]):
                        yield f"{where}.{key}[{i}]", CALL_NUMBERING.sub("", text)
                    continue
                yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{where}[{i}]")
        elif isinstance(node, str) and not (
            sentences_only and where.split(".")[-1] not in SENTENCES
        ):
            yield where, node

    report = {k: v for k, v in report.items() if k != "subject"}
    yield from walk(report, "")


def _without(text: str, words: list[str]) -> str:
    for word in words:
        text = text.replace(word, "«applicant»")
    return text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_english_report_has_no_japanese_outside_quoted_source(path: Path) -> None:
    words = _applicant_words(path)
    report = _assess(path, "--lang", "en")
    japanese = [
        f"{where}: {text}" for where, text in _texts(report) if CJK.search(_without(text, words))
    ]
    assert japanese == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_japanese_report_has_no_raw_keys(path: Path) -> None:
    words = _applicant_words(path)
    report = _assess(path)
    keys = [
        f"{where}: {text}"
        for where, text in _texts(report, sentences_only=True)
        if SNAKE.search(_without(text, words))
    ]
    assert keys == []


def test_the_checks_see_what_they_look_for() -> None:
    """The scans are not vacuous: they find Japanese in a message and keys in one, and the
    applicant's words are cut out only where they occur."""
    report = {
        "subject": "件名",
        "figures": {"project_type": "new_project"},
        "sections": [
            {
                "title": "Costs",
                "findings": [
                    {
                        "check": "jcm.x",
                        "clause": "別添2 (ア)",
                        "message": "Item 事務費",
                        "values": {},
                    },
                    {
                        "check": "jcm.y",
                        "clause": "2.(9) (エコリース)",
                        "message": "キー heat_pump です",
                    },
                ],
            }
        ],
    }
    texts = dict(_texts(report))
    assert [w for w, t in texts.items() if CJK.search(t)] == [
        ".sections[0].findings[0].message",
        ".sections[0].findings[1].clause[0]",
        ".sections[0].findings[1].message",
    ]
    assert texts[".sections[0].findings[0].clause[0]"] == "2 "
    assert SNAKE.search(texts[".sections[0].findings[1].message"])
    assert ".subject" not in texts
    sentences = [w for w in texts if "clause" not in w][1:]
    assert list(dict(_texts(report, sentences_only=True))) == sentences
    assert next(iter(texts)) == ".figures.project_type"
    assert not CJK.search(_without("Representative サンプル株式会社 is", ["サンプル株式会社"]))


def test_a_bilingual_param_reads_in_each_language_and_stays_japanese_in_values() -> None:
    evidence = Bilingual("人権デューディリジェンスの取組内容", "the human rights due diligence")
    params = {"evidence": evidence}
    assert render("jcm.declared.confirm", params, "ja").endswith(
        "人権デューディリジェンスの取組内容"
    )
    assert render("jcm.declared.confirm", params, "en").endswith("the human rights due diligence")
    assert jsonable(params, "en") == {"evidence": "人権デューディリジェンスの取組内容"}
    assert type(jsonable(params)["evidence"]) is str
    assert render("jcm.life.no_reason", {"years": 1, "refs": [evidence, evidence]}, "en").endswith(
        "the human rights due diligence, the human rights due diligence"
    )


def test_every_name_has_an_english_form_without_japanese() -> None:
    """The catalogue's names (names.yaml) and the useful-life references give English that
    reads as English; a Japanese source term may stand beside it only in parentheses."""
    for code, texts in catalogue().items():
        if code.startswith("name."):
            english = re.sub(r"\([^()]*\)|(.*?)", "", texts["en"])
            assert not CJK.search(english), code
    for row in useful_lives():
        english = re.sub(r"\([^()]*\)", "", row.reference.en)
        assert not CJK.search(english), row
        assert str(row.reference) == f"{row.schedule} {row.item}".strip()


def test_english_names_are_of_the_rulebooks_items() -> None:
    """Each English name added for the rules' sentences names an item of the rulebook: its
    Japanese is the rulebook's, and every item of the kind has one."""
    book = load_rulebook("jcm-model-project/fy2024")
    names = catalogue()
    for entity in book.applicant.entity_types:
        assert names[f"name.jcm.entity_type.{entity.id}"]["ja"] == entity.name_ja
    technologies = reconstructed_table("jcm-model-project/fy2024").technologies
    for tech in technologies:
        assert names[f"name.jcm.sector.{tech.sector}"]["ja"] == tech.sector_ja
        assert tech.sector_name("ja") == tech.sector_ja
        assert not CJK.search(tech.sector_name("en")), tech.sector
    sectors = {t.sector for t in technologies}
    assert {c.removeprefix("name.jcm.sector.") for c in names if ".sector." in c} == sectors


def test_the_screening_evidence_keeps_the_calls_words_in_japanese() -> None:
    """The Japanese findings quote the same words as before the names moved to names.yaml."""
    words = {
        "antisocial_pledge": "暴力団排除に関する誓約事項",
        "climate_policy": "パートナー国の気候変動政策との整合",
        "human_rights": "人権デューディリジェンスの取組内容",
        "no_other_subsidy": "日本国からの他の補助金を受けていないこと",
    }
    for key, japanese in words.items():
        assert name(f"name.jcm.evidence.{key}") == japanese


def test_the_sector_filter_names_the_sector_in_the_pages_language() -> None:
    from django.utils import translation

    from renkei.proposals.templatetags.names import sector_name

    tech = reconstructed_table("jcm-model-project/fy2024").technology("heat_pump")
    with translation.override("en"):
        assert sector_name(tech) == "Energy efficiency"
    with translation.override("ja"):
        assert sector_name(tech) == "省エネルギー"
