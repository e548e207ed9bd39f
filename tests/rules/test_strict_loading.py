"""Rulebooks and proposals load strictly: duplicate keys, unknown keys and floats are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from renkei.errors import InvalidDocument, UnknownChoice
from renkei.rules import available_rulebooks, load_rulebook
from renkei.rules._registry import rulebook_file
from renkei.rules._yaml import load_yaml_text
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
