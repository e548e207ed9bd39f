"""Rulebooks and proposals load strictly: duplicate keys, unknown keys and floats are refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from renkei.errors import InvalidDocument, UnknownChoice
from renkei.rules import available_rulebooks, load_rulebook
from renkei.rules._registry import rulebook_file
from renkei.rules._yaml import (
    LIBYAML,
    PythonStrictLoader,
    StrictLoader,
    YamlRefused,
    load_yaml_text,
    parse_yaml,
    yaml_problem,
)
from renkei.rules.jcm import JcmRulebook


def test_duplicate_keys_are_rejected_with_their_line() -> None:
    with pytest.raises(InvalidDocument) as info:
        load_yaml_text("a: 1\nb: 2\na: 3\n", "x.yaml")
    assert "duplicate key 'a'" in str(info.value)
    assert "line 3" in str(info.value)


def test_non_integer_numbers_are_decimals_never_floats() -> None:
    data = load_yaml_text("rate: 0.065\nbig: 1_000.50\nn: 7\n")
    assert data == {"rate": Decimal("0.065"), "big": Decimal("1000.50"), "n": 7}
    assert isinstance(data["rate"], Decimal)


def test_yaml_syntax_errors_say_where() -> None:
    with pytest.raises(InvalidDocument) as info:
        load_yaml_text("a: [1, 2\n", "bad.yaml")
    assert "bad.yaml" in str(info.value)
    assert "line" in str(info.value)


def test_unknown_key_in_a_rulebook_is_an_error() -> None:
    path = rulebook_file("jcm-model-project/fy2024")
    data = load_yaml_text(path.read_text(encoding="utf-8"))
    data["subsidy"]["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        JcmRulebook.model_validate(data)


def test_rulebooks_are_immutable() -> None:
    book = load_rulebook("jcm-model-project/fy2024")
    with pytest.raises(ValidationError):
        book.subsidy.per_project_limit_jpy.value = 1  # type: ignore[misc]


def test_money_in_the_rulebook_is_integer_yen_and_rates_decimal() -> None:
    book = load_rulebook("jcm-model-project/fy2024")
    assert book.subsidy.per_project_limit_jpy.value == 2_000_000_000
    assert isinstance(book.subsidy.per_project_limit_jpy.value, int)
    assert all(isinstance(t.rate, Decimal) for t in book.admin_cost_cap.tiers)
    assert book.subsidy.eco_lease_rate_cap.value == Decimal("0.10")


def test_every_value_that_matters_cites_a_clause() -> None:
    book = load_rulebook("jcm-model-project/fy2024")
    cited = [
        book.subsidy.rate_caps.clause,
        book.cost_effectiveness.clause,
        book.admin_cost_cap.clause,
        book.excluded_pairs.clause,
        *(s.clause for s in book.scoring.items),
        *(
            getattr(book.schedule, f).clause
            for f in type(book.schedule).model_fields
            if hasattr(getattr(book.schedule, f), "clause")
        ),
    ]
    assert all(c and c.strip() for c in cited)


def test_both_calls_are_available_and_unknown_ids_name_the_choices() -> None:
    assert {"jcm-model-project/fy2024", "c3p/fy2025"} <= set(available_rulebooks())
    with pytest.raises(UnknownChoice) as info:
        load_rulebook("jcm-model-project/fy2023")
    assert "jcm-model-project/fy2024" in str(info.value)


def test_the_partner_list_has_29_countries_with_their_marks() -> None:
    book = load_rulebook("jcm-model-project/fy2024")
    countries = book.partner_countries.countries
    assert len(countries) == 29 == len({c.code for c in countries})
    marked1 = {c.code for c in countries if "※1" in c.marks}
    assert marked1 == {"SN", "AZ", "MD", "UZ", "PG", "AE", "KG", "KZ", "UA"}
    assert book.partner_countries.get("MM").marks == ("※2",)


# --- what YAML allows and a Renkei document does not (issue 12, points 3 and 6) -------------
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""

LOADERS = pytest.mark.parametrize(
    "loader", [StrictLoader, PythonStrictLoader], ids=["libyaml", "pure-python"]
)

# text, line, words of the English message, words of the Japanese message
REFUSED = [
    (BILLION_LAUGHS, 2, "aliases are not accepted", "エイリアス"),
    ("a: 1\nb: [&x [1], *x]\n", 2, "alias (*name)", "エイリアス"),
    ("a: &a [*a]\n", 1, "aliases are not accepted", "エイリアス"),
    ("base: &b {x: 1}\nc:\n  <<: *b\n", 3, "aliases are not accepted", "エイリアス"),
    ("title: x\nlogo: !!binary aGVsbG8=\n", 2, "binary data (!!binary)", "バイナリ"),
    ("title: x\ntags: !!set {a, b}\n", 2, "write a list", "集合(!!set)"),
    ("x: !!omap [{a: 1}]\n", 1, "write a plain mapping", "!!omap"),
    ("x: !!pairs [{a: 1}]\n", 1, "write a plain mapping", "!!pairs"),
    ("rate: .nan\n", 1, "not a finite number", "有限の数値"),
    ("rate: -.inf\n", 1, "not a finite number", "有限の数値"),
    ("scores:\n  2024-05-13: 3\n", 2, "read as a date; keys must be text", "日付として"),
    ("scores:\n  1: 3\n", 2, "read as a number", "数値として"),
    ("~: 3\n", 1, "read as an empty value", "空の値"),
    ('title: "a\\0b"\n', 1, "NUL character", "NUL 文字"),
    ("title: ok\nname: a\x00b\n", 2, "U+0000", "制御文字"),
    ("title: é\nname: é\x07\n", 2, "U+0007", "制御文字"),
    ("assessed_on: 2024-13-45\n", 1, "looks like a date but is not one", "日付のように"),
    ("x: !custom 1\n", 1, "the tag !custom is not accepted", "タグ !custom"),
    ("x: " + "[" * 150 + "]" * 150 + "\n", 1, "nested more than 100 levels", "入れ子"),
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'", "重複"),
]


@LOADERS
@pytest.mark.parametrize(("text", "line", "en", "ja"), REFUSED, ids=range(len(REFUSED)))
def test_refused_with_the_line_and_what_to_write(loader, text, line, en, ja) -> None:
    with pytest.raises(YamlRefused) as info:
        parse_yaml(text, loader)
    assert en in info.value.message("en")
    assert ja in info.value.message("ja")
    assert yaml_problem(info.value, "ja")[0] == line


@pytest.mark.parametrize(("text", "line", "en", "ja"), REFUSED, ids=range(len(REFUSED)))
def test_refusals_reach_the_cli_and_the_rules_core_as_invalid_documents(text, line, en, ja):
    with pytest.raises(InvalidDocument) as info:
        load_yaml_text(text, "p.yaml")
    assert "p.yaml" in str(info.value)
    assert f"line {line}" in str(info.value) and en in str(info.value)


def test_the_billion_laughs_document_is_refused_before_it_expands() -> None:
    """250 bytes that would expand to 9**6 strings: refused at the first alias, at once."""
    assert len(BILLION_LAUGHS.encode()) < 400
    with pytest.raises(InvalidDocument, match="aliases are not accepted"):
        load_yaml_text(BILLION_LAUGHS, "laughs.yaml")


@LOADERS
def test_what_a_document_needs_still_loads(loader) -> None:
    text = (
        "title: 'x'\nn: 7\nbig: 1_000.50\nok: true\nnone: ~\nday: 2024-05-13\n"
        "at: 2024-05-13T12:00:00+09:00\nlist: [1, 'a', 0.5]\nnested: {a: {b: [c]}}\n"
        'quoted: "tab\\there é"\nnum_text: !!str 12\n'
    )
    data = parse_yaml(text, loader)
    assert data["big"] == Decimal("1000.50") and isinstance(data["list"][2], Decimal)
    assert data["day"] == dt.date(2024, 5, 13)
    assert data["at"].utcoffset() == dt.timedelta(hours=9)
    assert data["quoted"] == "tab\there é" and data["num_text"] == "12"
    assert data["nested"] == {"a": {"b": ["c"]}}


def test_both_parsers_read_every_bundled_yaml_file_alike() -> None:
    """The fallback (no libyaml) reads rulebooks, messages, cases and examples identically."""
    root = Path(__file__).resolve().parents[2]
    files = [*(root / "src").rglob("*.yaml"), *(root / "examples").glob("*.yaml")]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, slow = parse_yaml(text, StrictLoader), parse_yaml(text, PythonStrictLoader)
        assert fast == slow and repr(fast) == repr(slow), path


def test_libyaml_is_used_when_present() -> None:
    assert hasattr(yaml, "CSafeLoader") is LIBYAML
    if LIBYAML:
        assert issubclass(StrictLoader, yaml.CSafeLoader)
