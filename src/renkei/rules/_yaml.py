"""Strict YAML loading for rulebooks, proposals and the platform's YAML editor.

Unknown keys are rejected by the typed models; this module rejects what plain YAML lets through:

- duplicate keys (which plain YAML silently overwrites);
- floats: every non-integer number is read as ``Decimal`` so money and rates are never floats,
  and ``.nan``/``.inf`` are refused;
- aliases (``*name``): a few hundred bytes of nested aliases expand to millions of values
  ("billion laughs"), so a Renkei document writes every value out;
- values a JSON document cannot hold: ``!!binary``, ``!!set``, ``!!omap``/``!!pairs``, keys that
  are not text (a date or a number as a key), NUL and control characters, lone surrogates.

Each refusal is a ``YamlRefused`` (a ``yaml.MarkedYAMLError``: it has the line and column) whose
message reads in Japanese or English, saying what was wrong and what to write instead.

The parser is libyaml's (``yaml.CSafeLoader``): the pure-Python parser took ~87 % of assessing a
500-site proposal and ~250 ms of every CLI start-up. Where PyYAML was built without libyaml the
pure-Python loader is used with the same rules, and a warning says so once.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import Node, ScalarNode, SequenceNode

from renkei.errors import FieldError, InvalidDocument

LIBYAML: bool = hasattr(yaml, "CSafeLoader")

# code: (English, Japanese); {params} are filled in by YamlRefused.message
_TEXTS: dict[str, tuple[str, str]] = {
    "duplicate_key": (
        "duplicate key {key} (line {line}); each key may appear once",
        "キー {key} が重複しています({line}行目)。同じキーは一度だけ書いてください",
    ),
    "not_finite": (
        "{text} is not a finite number; write a number such as 1234.5",
        "{text} は有限の数値ではありません。1234.5 のような数値を書いてください",
    ),
    "alias": (
        "an alias (*name) repeats the value anchored (&name) at line {anchor_line}; aliases are "
        "not accepted (a few bytes of them can expand to millions of values): write the value "
        "out in full",
        "エイリアス(*名前)が{anchor_line}行目でアンカー(&名前)を付けた値を繰り返しています。"
        "エイリアスは使えません(数バイトで数百万の値に展開されうるため)。値をそのまま書いてください",
    ),
    "binary": (
        "binary data (!!binary) is not accepted; write the value as text",
        "バイナリデータ(!!binary)は使えません。値を文字列で書いてください",
    ),
    "set": (
        "a set (!!set) is not accepted; write a list, one '- item' per line",
        "集合(!!set)は使えません。リスト(1行に1つ「- 項目」)で書いてください",
    ),
    "ordered_mapping": (
        "{tag} is not accepted; write a plain mapping, one 'key: value' per line",
        "{tag} は使えません。通常のマッピング(1行に1つ「キー: 値」)で書いてください",
    ),
    "tag": (
        "the tag {tag} is not accepted; remove it (Renkei reads text, numbers, true/false, "
        "dates, lists and mappings)",
        "タグ {tag} は使えません。削除してください(使えるのは文字列・数値・true/false・日付・"
        "リスト・マッピングです)",
    ),
    "key_type": (
        "the key {key} is read as {kind}; keys must be text: quote it, e.g. '{key}'",
        "キー {key} が{kind_ja}として読まれます。キーは文字列にしてください(例: '{key}' と"
        "引用符で囲む)",
    ),
    "nul": (
        "the text contains a NUL character (\\0 or \\x00); remove it",
        "文字列に NUL 文字(\\0 または \\x00)が含まれています。削除してください",
    ),
    "surrogate": (
        "the text contains a lone surrogate (such as \\ud800), which is not valid Unicode; "
        "remove it",
        "文字列に単独のサロゲート(\\ud800 など)が含まれており、有効な Unicode ではありません。"
        "削除してください",
    ),
    "control_character": (
        "the character {char} (a control character) is not allowed in YAML text; remove it",
        "文字 {char}(制御文字)は YAML に使えません。削除してください",
    ),
    "too_deep": (
        "lists and mappings are nested more than {max} levels deep; a Renkei document needs "
        "far fewer: flatten it",
        "リストやマッピングの入れ子が{max}階層を超えています。Renkei の文書はもっと浅い構造です。"
        "入れ子を減らしてください",
    ),
    "bad_value": (
        "{text} looks like {kind} but is not one ({error}); correct it, or quote it to keep it "
        "as text",
        "{text} は{kind_ja}のように見えますが、読み取れません({error})。正しく直すか、"
        "文字列として引用符で囲んでください",
    ),
}

_KINDS = {
    "date": ("a date", "日付"),
    "datetime": ("a date and time", "日時"),
    "int": ("a number", "数値"),
    "Decimal": ("a number", "数値"),
    "bool": ("true/false", "真偽値"),
    "NoneType": ("an empty value (null)", "空の値(null)"),
    "list": ("a list", "リスト"),
    "dict": ("a mapping", "マッピング"),
}


class YamlRefused(ConstructorError):
    """Something YAML allows that a Renkei document does not; ``message(lang)`` says why."""

    def __init__(self, code: str, params: dict[str, Any], mark: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(None, None, self.message("en"), mark)

    def message(self, lang: str = "en") -> str:
        en, ja = _TEXTS[self.code]
        return (ja if lang == "ja" else en).format(**self.params)


def _kind(value: object, ja: bool = False) -> str:
    name = type(value).__name__
    en_text, ja_text = _KINDS.get(name, (name, name))
    return ja_text if ja else en_text


MAX_DEPTH = 100  # lists and mappings nested deeper than this are refused

_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_REFUSED_TAGS = {
    "tag:yaml.org,2002:binary": "binary",
    "tag:yaml.org,2002:set": "set",
    "tag:yaml.org,2002:omap": "ordered_mapping",
    "tag:yaml.org,2002:pairs": "ordered_mapping",
}


class _StrictConstructor:
    """Mixed into a safe loader (libyaml's or PyYAML's own): builds the document from the
    composed node tree in one pass, with the checks above. PyYAML's generic constructor
    (per-node generators, state bookkeeping) cost about as much as libyaml's whole parse."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[attr-defined]
        if node is None:
            return None
        return self._build(node, set(), 0)

    def _build(self, node: Node, seen: set[int], depth: int) -> Any:
        # In a tree without aliases each node is met once; a node met again is an alias
        # (or a recursive one: &a [*a]).
        if id(node) in seen:
            raise YamlRefused("alias", {"anchor_line": node.start_mark.line + 1}, node.start_mark)
        seen.add(id(node))
        tag = node.tag
        if tag in _REFUSED_TAGS:
            name = tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlRefused(_REFUSED_TAGS[tag], {"tag": name}, node.start_mark)
        if isinstance(node, ScalarNode):
            construct = _SCALARS.get(tag)
            if construct is None:
                raise YamlRefused("tag", {"tag": tag}, node.start_mark)
            try:
                return construct(self, node)
            except (ValueError, OverflowError) as exc:
                # e.g. 2024-13-45 matches YAML's date pattern but is no date
                kind_en, kind_ja = {
                    "tag:yaml.org,2002:timestamp": ("a date", "日付"),
                    "tag:yaml.org,2002:int": ("a whole number", "整数"),
                }.get(tag, (tag, tag))
                params = {"text": repr(node.value), "kind": kind_en, "kind_ja": kind_ja}
                refused = YamlRefused("bad_value", params | {"error": str(exc)}, node.start_mark)
                raise refused from exc
        if depth >= MAX_DEPTH:
            raise YamlRefused("too_deep", {"max": MAX_DEPTH}, node.start_mark)
        if isinstance(node, SequenceNode):
            if tag != _SEQ:
                raise YamlRefused("tag", {"tag": tag}, node.start_mark)
            items = []
            for item in node.value:
                if id(item) in seen:  # an alias in this list: name the list's line
                    anchor = {"anchor_line": item.start_mark.line + 1}
                    raise YamlRefused("alias", anchor, node.start_mark)
                items.append(self._build(item, seen, depth + 1))
            return items
        if tag != _MAP:
            raise YamlRefused("tag", {"tag": tag}, node.start_mark)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                # a merge key (<<: *base) takes its values from an alias
                anchor = {"anchor_line": value_node.start_mark.line + 1}
                raise YamlRefused("alias", anchor, key_node.start_mark)
            key = self._build(key_node, seen, depth + 1)
            if not isinstance(key, str):
                text = key_node.value if isinstance(key_node, ScalarNode) else "[…]"
                params = {"key": text, "kind": _kind(key), "kind_ja": _kind(key, ja=True)}
                raise YamlRefused("key_type", params, key_node.start_mark)
            if key in result:
                line = key_node.start_mark.line + 1
                params = {"key": repr(key), "line": line}
                raise YamlRefused("duplicate_key", params, key_node.start_mark)
            if id(value_node) in seen:
                # an alias: name the line where it is used, not only the anchor's
                anchor = {"anchor_line": value_node.start_mark.line + 1}
                raise YamlRefused("alias", anchor, key_node.start_mark)
            result[key] = self._build(value_node, seen, depth + 1)
        return result


def _construct_decimal(loader: Any, node: ScalarNode) -> Decimal:
    text = node.value.replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise YamlRefused("not_finite", {"text": repr(text)}, node.start_mark)
    return value


def _construct_str(loader: Any, node: ScalarNode) -> str:
    value = node.value
    # only a double-quoted scalar has escapes (\0, \ud800); the reader refuses them elsewhere
    if node.style == '"':
        if "\x00" in value:
            raise YamlRefused("nul", {}, node.start_mark)
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise YamlRefused("surrogate", {}, node.start_mark) from None
    return value


_SCALARS = {
    _STR: _construct_str,
    "tag:yaml.org,2002:float": _construct_decimal,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_timestamp,
}


def _loader(base: type) -> type:
    return type(f"Strict{base.__name__}", (_StrictConstructor, base), {})


PythonStrictLoader = _loader(yaml.SafeLoader)
if LIBYAML:
    StrictLoader = _loader(yaml.CSafeLoader)
else:  # pragma: no cover - depends on how PyYAML was built
    StrictLoader = PythonStrictLoader
    warnings.warn(
        "PyYAML was built without libyaml: Renkei reads YAML with the pure-Python parser, "
        "several times slower (install PyYAML with libyaml for speed)",
        RuntimeWarning,
        stacklevel=2,
    )


def parse_yaml(text: str, loader: type | None = None) -> Any:
    """Parse one YAML document strictly; raises ``yaml.YAMLError`` with a line and column on
    malformed input (``YamlRefused`` for what Renkei refuses, with ``message(lang)``)."""
    loader = loader or StrictLoader
    try:
        return yaml.load(text, Loader=loader)  # a safe loader (strict, on SafeLoader)
    except yaml.reader.ReaderError as exc:
        # a control character in the text: say where, as a marked error (libyaml counts the
        # position in UTF-8 bytes, PyYAML's reader in characters)
        if LIBYAML and issubclass(loader, yaml.CSafeLoader):
            before = text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore")
        else:
            before = text[: exc.position]
        line = before.count("\n")
        column = len(before) - (before.rfind("\n") + 1)
        mark = yaml.Mark("<text>", len(before), line, column, None, None)
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlRefused("control_character", {"char": f"U+{char:04X}"}, mark) from exc
    except RecursionError:  # the pure-Python composer recurses per level of nesting
        raise YamlRefused("too_deep", {"max": MAX_DEPTH}, None) from None


def yaml_problem(exc: yaml.YAMLError, lang: str = "en") -> tuple[int | None, int | None, str]:
    """Line, column (1-based, when known) and the problem of a YAML error, in ``lang``."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, YamlRefused):
        problem = exc.message(lang)
    else:
        problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return None, None, problem
    return mark.line + 1, mark.column + 1, problem


def load_yaml_text(text: str, source: str = "<text>") -> Any:
    """Parse YAML strictly; raise InvalidDocument (with line numbers) on malformed input."""
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        line, column, problem = yaml_problem(exc)
        where = f"line {line}, column {column}" if line else ""
        prefix = "" if isinstance(exc, YamlRefused) else "YAML syntax: "
        raise InvalidDocument(source, [FieldError(where, prefix + problem)]) from exc


def load_yaml_file(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidDocument(
            str(path), [FieldError("", f"cannot read file: {exc.strerror}")]
        ) from exc
    return load_yaml_text(text, str(path))


__all__ = [
    "LIBYAML",
    "PythonStrictLoader",
    "StrictLoader",
    "YamlRefused",
    "load_yaml_file",
    "load_yaml_text",
    "parse_yaml",
    "yaml_problem",
]
