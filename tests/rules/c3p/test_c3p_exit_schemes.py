"""C3P Ref. Tables 7 and 8 as the rules core loads them (renkei.rules.c3p.exits): every row read
with its clause, strictly (an unknown key, a repeated id or row, an agency not listed, an
address that is not https are refused), and the statuses an exit into a scheme moves through."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from renkei.rules._registry import rulebook_file
from renkei.rules._yaml import load_yaml_text
from renkei.rules.c3p.exits import DECIDED, STATUSES, ExitSchemes, exit_schemes, may_move


def _data() -> dict:
    path = rulebook_file("c3p/fy2025", "-exit-schemes.yaml")
    return load_yaml_text(path.read_text(encoding="utf-8"), path.name)


def test_every_row_of_both_tables_is_read_with_its_clause() -> None:
    book = exit_schemes()
    assert [(s.table, s.row) for s in book.schemes] == [(7, n) for n in range(1, 11)] + [
        (8, n) for n in range(1, 8)
    ]
    assert {s.id for s in book.schemes if s.star} == {
        "jcm_model_project",
        "jcm_fgas",
        "unido",
        "new_decarbonizing_technology",
    }
    # B-17: the table prints ges.jp; the address read is gec.jp, with the reading noted
    jcm = book.get("jcm_model_project")
    assert jcm.printed.startswith("ges.jp/") and jcm.url == "https://gec.jp/jcm/kobo/mp240405/"
    assert "B-17" in jcm.url_note
    assert book.table(8).clause == "C3P Ref. Table 8"


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda d: d["schemes"][0].update(deadline="2025-01-01"), "Extra inputs"),
        (lambda d: d["schemes"][1].update(id=d["schemes"][0]["id"]), "scheme id appears twice"),
        (lambda d: d["schemes"][1].update(row=1), "table row appears twice"),
        (lambda d: d["schemes"][0].update(agency="NASA"), "not in agencies"),
        (lambda d: d["schemes"][0].update(url="http://gec.jp/"), "should match pattern"),
    ],
)
def test_the_tables_are_loaded_strictly(change, problem) -> None:
    data = _data()
    change(data)
    with pytest.raises(ValidationError, match=problem):
        ExitSchemes.model_validate(data)


def test_the_statuses_move_forward_only_and_a_decided_one_stays() -> None:
    assert may_move("considering", "applied") and may_move("considering", "withdrawn")
    assert not may_move("considering", "adopted")  # not without applying
    assert may_move("applied", "adopted") and may_move("applied", "not_adopted")
    assert not may_move("applied", "considering")
    for decided in DECIDED:
        assert not any(may_move(decided, s) for s in STATUSES)
