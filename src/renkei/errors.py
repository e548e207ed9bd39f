"""The one tree of Renkei exceptions.

RenkeiError
├── BadInput            the caller gave something unusable (exit code 2 in the CLI)
│   ├── UnknownChoice   a country, technology, call or event not among the valid ones
│   └── InvalidDocument a proposal or table that fails validation (carries every error)
└── RuleError           a rulebook cannot answer
    ├── NotInForce      a date outside the period the rulebook covers
    └── RulebookInvalid the rulebook data itself is malformed

Every message says what was wrong and what would be right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class RenkeiError(Exception):
    """Base of every error Renkei raises on purpose."""


class BadInput(RenkeiError):
    """Input that Renkei cannot use; the message says what would be accepted."""


class UnknownChoice(BadInput):
    def __init__(self, what: str, given: str, choices: Iterable[str], hint: str = ""):
        self.what = what
        self.given = given
        self.choices = sorted(set(choices))
        shown = ", ".join(self.choices)
        lead = f"unknown {what} {given!r}" + (f"; did you mean {hint}?" if hint else "")
        super().__init__(f"{lead}\nvalid choices are: {shown}")


@dataclass(frozen=True)
class FieldError:
    """One validation error at a path inside a document (``sites[0].technologies[1]``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class InvalidDocument(BadInput):
    def __init__(self, source: str, errors: Sequence[FieldError]):
        self.source = source
        self.errors = list(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"{source} is not valid ({len(self.errors)} error(s)):\n{lines}")


class RuleError(RenkeiError):
    """A rulebook cannot answer the question asked."""


class NotInForce(RuleError):
    def __init__(self, rulebook_id: str, what: str, given: object, start: object, end: object):
        self.rulebook_id = rulebook_id
        super().__init__(
            f"{rulebook_id} does not cover {what} {given}: it is in force from {start} to {end}; "
            "use the rulebook for that period"
        )


class RulebookInvalid(RuleError):
    """The rulebook data is malformed (a bug in the data, not in the caller's input)."""
