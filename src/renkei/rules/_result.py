"""Results that explain themselves: every finding names its clause and reads as a sentence.

A finding's message is rendered from a bilingual catalogue (``messages/*.yaml``) so that the
same result reads in Japanese (the default) or English; the stable ``code`` and raw ``params``
are what programs should rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from renkei.errors import RulebookInvalid
from renkei.rules._yaml import load_yaml_text

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NEEDS_REVIEW = "needs_review"
    INFO = "info"


@cache
def catalogue() -> Mapping[str, Mapping[str, str]]:
    """All message templates, merged from every ``messages/*.yaml``; duplicates are errors."""
    merged: dict[str, Mapping[str, str]] = {}
    folder = resources.files("renkei.rules") / "messages"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = load_yaml_text(entry.read_text(encoding="utf-8"), entry.name)
        for code, texts in data.items():
            if code in merged:
                raise RulebookInvalid(f"message code {code!r} is defined twice ({entry.name})")
            if set(texts) != set(LANGS):
                raise RulebookInvalid(f"message {code!r} must have exactly: {', '.join(LANGS)}")
            merged[code] = texts
    return merged


class Bilingual(str):
    """A param in the source's words (Japanese: the call names it so) that reads in English in
    an English message. It is the Japanese string everywhere else (``values``, comparisons,
    the Japanese message), so Japanese output does not change; ``en`` is the English form,
    Renkei's translation unless its catalogue entry says otherwise."""

    en: str

    def __new__(cls, ja: str, en: str) -> Bilingual:
        obj = super().__new__(cls, ja)
        obj.en = en
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Bilingual, (str(self), self.en))


@cache
def name(code: str) -> Bilingual:
    """A name from the message catalogue (``messages/names.yaml``) in both languages."""
    texts = catalogue().get(code)
    if texts is None:
        raise RulebookInvalid(f"no message text for code {code!r}")
    return Bilingual(texts["ja"], texts["en"])


def in_lang(text: str, lang: str = DEFAULT_LANG) -> str:
    """A text (a clause, a name) in ``lang``: a Bilingual's English form in English."""
    if type(text) is str:
        return text
    return text.en if lang == "en" and isinstance(text, Bilingual) else str(text)


def _fmt_param(value: Any, lang: str = DEFAULT_LANG) -> Any:
    kind = type(value)
    if kind is Bilingual:
        return value.en if lang == "en" else str(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(_fmt_param(v, lang)) for v in value)
    return value


_PLAIN = frozenset({str, int, bool, type(None)})  # params and values passed through as they are


def render(code: str, params: Mapping[str, Any], lang: str = DEFAULT_LANG) -> str:
    templates = catalogue().get(code)
    if templates is None:
        raise RulebookInvalid(f"no message text for code {code!r}")
    return templates[lang].format(
        **{k: v if type(v) in _PLAIN else _fmt_param(v, lang) for k, v in params.items()}
    )


@dataclass(frozen=True)
class Note:
    """A caveat carried into every result it affects: an ambiguity, a provisional figure."""

    code: str
    clauses: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return render(self.code, self.params, lang)

    def to_dict(
        self, lang: str = DEFAULT_LANG, rendered: dict[int, str] | None = None
    ) -> dict[str, Any]:
        """``rendered``: messages already rendered in this report, by note (findings of one
        report often share their notes, e.g. every line of the same useful life)."""
        if rendered is None:
            message = self.message(lang)
        else:
            message = rendered.get(id(self))
            if message is None:
                message = rendered[id(self)] = self.message(lang)
        clauses = [in_lang(c, lang) for c in self.clauses]
        return {"code": self.code, "clauses": clauses, "message": message}


@dataclass(frozen=True)
class Finding:
    """The outcome of one rule for one subject, with its clause and a readable sentence."""

    check: str
    clause: str
    status: Status
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    subject: str = ""

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return render(self.code, self.params, lang)

    def to_dict(
        self, lang: str = DEFAULT_LANG, rendered: dict[int, str] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "clause": in_lang(self.clause, lang),
            "status": str(self.status),
            "message": self.message(lang),
        }
        if self.subject:
            out["subject"] = self.subject
        if self.params:
            out["values"] = {
                k: v if type(v) in _PLAIN else jsonable(v) for k, v in self.params.items()
            }
        if self.notes:
            out["notes"] = [n.to_dict(lang, rendered) for n in self.notes]
        return out


def jsonable(value: Any, lang: str = DEFAULT_LANG) -> Any:
    """Decimals become strings (never floats); dates ISO strings; containers recursively; an
    object with ``to_dict(lang)`` (a rate cap in the figures) its dict in ``lang``."""
    kind = type(value)
    # the common exact types first: isinstance against the Mapping ABC is slow
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): jsonable(v, lang) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v, lang) for v in value]
    if isinstance(value, Decimal | Bilingual):
        return str(value)  # a Bilingual value is in the source's words in every language
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict(lang), lang)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, lang) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    return value


def worst(statuses: list[Status]) -> Status:
    """Overall status: any fail fails; else any needs_review; else pass."""
    if Status.FAIL in statuses:
        return Status.FAIL
    if Status.NEEDS_REVIEW in statuses:
        return Status.NEEDS_REVIEW
    return Status.PASS


@dataclass(frozen=True)
class Section:
    """A group of findings in a report (eligibility, subsidy, scoring, deadlines, documents)."""

    id: str
    title_code: str
    findings: tuple[Finding, ...]

    def to_dict(
        self, lang: str = DEFAULT_LANG, rendered: dict[int, str] | None = None
    ) -> dict[str, Any]:
        rendered = {} if rendered is None else rendered
        return {
            "id": self.id,
            "title": render(self.title_code, {}, lang),
            "status": str(worst([f.status for f in self.findings])),
            "findings": [f.to_dict(lang, rendered) for f in self.findings],
        }


@dataclass(frozen=True)
class Assessment:
    """A whole proposal judged clause by clause against one rulebook version."""

    rulebook_id: str
    rulebook_version: int
    subject: str
    sections: tuple[Section, ...]
    figures: Mapping[str, Any] = field(default_factory=dict)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.sections for f in s.findings)

    @property
    def status(self) -> Status:
        return worst([f.status for f in self.findings])

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        rendered: dict[int, str] = {}  # note messages, rendered once per report
        return {
            "rulebook": {"id": self.rulebook_id, "version": self.rulebook_version},
            "subject": self.subject,
            "status": str(self.status),
            "figures": jsonable(self.figures, lang),
            "sections": [s.to_dict(lang, rendered) for s in self.sections],
        }
