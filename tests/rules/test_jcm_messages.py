"""Every JCM message code the rules core uses is catalogued in ja and en, and none is dead.

The codes are found statically in ``src/renkei/rules/jcm/*.py``: the 4th positional argument
(or ``code=``) of ``Finding``/``F`` and the first (or ``code=``) of ``Note``. A code passed
through a local variable or a helper's parameter (``_tri(..., ok, bad, ...)``) is followed to
its assignments or call sites; an f-string code must be expanded here explicitly, so a new
dynamic code cannot slip past unnoticed.
"""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import pytest

from renkei.rules import load_rulebook, parse_proposal
from renkei.rules._result import LANGS, catalogue
from renkei.rules._yaml import load_yaml_text
from renkei.rules.jcm import assess_jcm

ROOT = Path(__file__).resolve().parents[2]
JCM_SRC = ROOT / "src" / "renkei" / "rules" / "jcm"
EXAMPLES = ROOT / "examples"
BOOK = load_rulebook("jcm-model-project/fy2024")

# (positional index, keyword) of the message code in each code-taking constructor.
CODE_ARG = {"F": (3, "code"), "Finding": (3, "code"), "Note": (0, "code")}


def _dynamic_codes() -> dict[str, list[str]]:
    """f-string codes whose values cannot be read from a literal loop: expanded by hand.

    ``Note(f"jcm.country.mark{m[-1]}", ...)`` takes the last character of a partner country's
    mark (``※1`` → ``mark1``); the marks are those the rulebook defines.
    """
    marks = sorted(BOOK.partner_countries.marks)
    return {"f'jcm.country.mark{m[-1]}'": [f"jcm.country.mark{m[-1]}" for m in marks]}


class _Scan:
    def __init__(self) -> None:
        self.trees = {
            p.name: ast.parse(p.read_text(encoding="utf-8")) for p in JCM_SRC.glob("*.py")
        }
        self.parent: dict[ast.AST, ast.AST] = {}
        self.functions: dict[str, list[ast.FunctionDef]] = defaultdict(list)
        for tree in self.trees.values():
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    self.parent[child] = node
                if isinstance(node, ast.FunctionDef):
                    self.functions[node.name].append(node)
        self.codes: dict[str, set[str]] = defaultdict(set)  # code -> where
        self.templates: set[str] = set()
        for name, tree in sorted(self.trees.items()):
            for node in ast.walk(tree):
                arg = self._code_arg(node)
                if arg is not None:
                    where = f"{name}:{node.lineno}"
                    for code in self._resolve(arg, self._enclosing(node), 0):
                        self.codes[code].add(where)

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _callee(node: ast.Call) -> str | None:
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        return None

    def _code_arg(self, node: ast.AST) -> ast.expr | None:
        if not isinstance(node, ast.Call) or self._callee(node) not in CODE_ARG:
            return None
        index, keyword = CODE_ARG[self._callee(node)]
        if len(node.args) > index:
            return node.args[index]
        for kw in node.keywords:
            if kw.arg == keyword:
                return kw.value
        raise AssertionError(f"{ast.unparse(node)}: no message code argument")

    def _enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def _loop_values(self, node: ast.AST, name: str) -> list[str] | None:
        """Values of ``name`` when it is bound by an enclosing ``for name in (literal, ...)``."""
        while node in self.parent:
            node = self.parent[node]
            if (
                isinstance(node, ast.For)
                and isinstance(node.target, ast.Name)
                and node.target.id == name
                and isinstance(node.iter, ast.Tuple | ast.List)
                and all(isinstance(e, ast.Constant) for e in node.iter.elts)
            ):
                return [e.value for e in node.iter.elts]
        return None

    def _expand(self, node: ast.JoinedStr) -> list[str]:
        text = ast.unparse(node)
        self.templates.add(text)
        dynamic = _dynamic_codes()
        if text in dynamic:
            return dynamic[text]
        parts = node.values
        if len(parts) == 2 and isinstance(parts[0], ast.Constant):
            value = parts[1]
            if isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                loop = self._loop_values(node, value.value.id)
                if loop is not None:
                    return [f"{parts[0].value}{v}" for v in loop]
        raise AssertionError(f"dynamic message code {text} is not accounted for in this test")

    def _resolve(self, expr: ast.expr, func: ast.FunctionDef | None, depth: int) -> Iterator[str]:
        assert depth < 5, f"cannot resolve message code {ast.unparse(expr)}"
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            yield expr.value
        elif isinstance(expr, ast.IfExp):
            yield from self._resolve(expr.body, func, depth)
            yield from self._resolve(expr.orelse, func, depth)
        elif isinstance(expr, ast.JoinedStr):
            yield from self._expand(expr)
        elif isinstance(expr, ast.Name) and func is not None:
            yield from self._resolve_name(expr.id, func, depth)
        else:
            raise AssertionError(f"cannot resolve message code {ast.unparse(expr)}")

    def _resolve_name(self, name: str, func: ast.FunctionDef, depth: int) -> Iterator[str]:
        found = False
        for node in ast.walk(func):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found = True
                    yield from self._resolve(node.value, func, depth + 1)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=True):
                        if isinstance(t, ast.Name) and t.id == name:
                            found = True
                            yield from self._resolve(v, func, depth + 1)
        if found:
            return
        params = [a.arg for a in func.args.posonlyargs + func.args.args]
        assert name in params + [a.arg for a in func.args.kwonlyargs], (
            f"{func.name}: {name} is neither assigned nor a parameter"
        )
        position = params.index(name) if name in params else None
        calls = 0
        for tree in self.trees.values():
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or self._callee(node) != func.name:
                    continue
                arg = next((k.value for k in node.keywords if k.arg == name), None)
                if arg is None and position is not None and len(node.args) > position:
                    arg = node.args[position]
                if arg is None:
                    continue  # the parameter's default is not a code
                calls += 1
                yield from self._resolve(arg, self._enclosing(node), depth + 1)
        assert calls, f"{func.name}({name}=…) is never called with a code"


@cache
def _scan() -> _Scan:
    return _Scan()


def _jcm_yaml_codes() -> list[str]:
    path = resources.files("renkei.rules") / "messages" / "jcm.yaml"
    return list(load_yaml_text(path.read_text(encoding="utf-8"), "jcm.yaml"))


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


# --- the scanner itself -----------------------------------------------------------------------
def test_scanner_follows_variables_helpers_and_f_strings() -> None:
    codes = _scan().codes
    assert len(codes) > 100
    # a plain literal, an IfExp, a tuple assignment, a helper parameter, a loop f-string, a Note
    for code in (
        "jcm.applicant.not_japanese",
        "jcm.costs.admin_over",
        "jcm.rate_cap.maybe_not_adopted",
        "jcm.fossil.exception",
        "jcm.ce.fail",
        "jcm.tech.battery_pv_only",
        "jcm.lease.fee_missing",
        "jcm.deferred_payment.breakdown_not_shown",
        "jcm.schedule.records-retention",
        "jcm.country.mark2",
        "jcm.note.pre_registration_time",
    ):
        assert code in codes, code
    # check ids are not message codes unless also passed as one
    assert "jcm.screening.1" not in codes
    assert "jcm.tech.solar" not in codes


def test_every_f_string_code_is_accounted_for() -> None:
    assert _scan().templates == {"f'jcm.schedule.{event}'", "f'jcm.country.mark{m[-1]}'"}
    for event in ("completion-report", "jcm-registration", "records-retention"):
        assert f"jcm.schedule.{event}" in _scan().codes


def test_country_mark_codes_match_the_rulebook_marks() -> None:
    marks = {m for c in BOOK.partner_countries.countries for m in c.marks}
    assert marks == set(BOOK.partner_countries.marks) == {"※1", "※2"}
    assert {"jcm.country.mark1", "jcm.country.mark2"} <= set(_scan().codes)


# --- catalogue ----------------------------------------------------------------------------
def test_every_code_used_in_src_is_catalogued_in_both_languages() -> None:
    kana_or_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    missing = {c: sorted(w) for c, w in _scan().codes.items() if c not in catalogue()}
    assert not missing, f"codes used in src without a message: {missing}"
    for code in _scan().codes:
        texts = catalogue()[code]
        assert set(texts) == set(LANGS), code
        assert texts["ja"].strip() and texts["en"].strip(), code
        assert texts["ja"] != texts["en"], code
        assert kana_or_kanji.search(texts["ja"]), code


def test_no_dead_jcm_messages() -> None:
    defined = _jcm_yaml_codes()
    assert len(defined) == len(set(defined))
    assert all(c.startswith("jcm.") for c in defined)
    dead = set(defined) - set(_scan().codes)
    assert not dead, f"messages never used in src/renkei/rules/jcm: {sorted(dead)}"


def test_jcm_codes_live_only_in_jcm_yaml() -> None:
    assert {c for c in catalogue() if c.startswith("jcm.")} == set(_jcm_yaml_codes())


def _by_language(fields: set[str], lang: str) -> tuple[set[str], set[str]]:
    """(shared placeholders, stems of the ``*_<lang>`` ones)."""
    suffix = f"_{lang}"
    own = {f.removesuffix(suffix) for f in fields if f.endswith(suffix)}
    return {f for f in fields if not f.endswith(suffix)}, own


@pytest.mark.parametrize("code", _jcm_yaml_codes())
def test_both_languages_take_the_same_placeholders(code: str) -> None:
    """A value that reads differently by language (a technology's name, a count range written
    0〜2 or 0–2, a list of the call's phrases) is passed twice, as ``x_ja`` and ``x_en``; every
    other placeholder is shared."""
    ja, en = (_fields(catalogue()[code][lang]) for lang in ("ja", "en"))
    (ja_shared, ja_own), (en_shared, en_own) = _by_language(ja, "ja"), _by_language(en, "en")
    assert ja_shared == en_shared, code
    assert ja_own == en_own, code
    assert not any(f.endswith("_en") for f in ja) and not any(f.endswith("_ja") for f in en), code


def test_placeholders_of_a_single_language_are_paired() -> None:
    """The rule above is not vacuous: these codes do read differently by language."""
    for code, stem in [
        ("jcm.note.annex3_range", "name"),
        ("jcm.note.annex3_range", "count"),
        ("jcm.applicant.capability_lacking", "not_met"),
        ("jcm.schedule.round_unknown", "rounds"),
    ]:
        assert f"{stem}_ja" in _fields(catalogue()[code]["ja"]), code
        assert f"{stem}_en" in _fields(catalogue()[code]["en"]), code


def test_japanese_messages_use_the_centre_and_the_calls_units() -> None:
    """センター (never 実施機関), 円/tCO2eq, and 〜 for ranges in Japanese."""
    for code in _jcm_yaml_codes():
        ja, en = catalogue()[code]["ja"], catalogue()[code]["en"]
        assert "実施機関" not in ja and "executing agency" not in en, code
        assert not re.search(r"円/tCO2(?!eq)", ja), code
        assert not re.search(r"JPY/tCO2(?!eq)", en), code
        assert "–" not in ja, code


def test_section_titles_used_by_the_assessment_exist() -> None:
    tree = _scan().trees["assess.py"]
    titles = {
        node.args[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _Scan._callee(node) == "Section"
        and isinstance(node.args[1], ast.Constant)
    }
    assert len(titles) == 6
    for code in titles:
        assert set(catalogue()[code]) == set(LANGS), code


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("jcm-*.yaml")), ids=lambda p: p.name)
def test_codes_the_examples_produce_are_found_by_the_scan(path: Path) -> None:
    """A cross-check of the scanner: nothing the assessment emits escapes it."""
    a = assess_jcm(parse_proposal(path), BOOK)
    produced = {f.code for f in a.findings} | {n.code for f in a.findings for n in f.notes}
    assert produced
    assert produced <= set(_scan().codes), sorted(produced - set(_scan().codes))
