"""Building blocks shared by every rulebook: cited values, the period in force, strict models."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from renkei.errors import NotInForce

T = TypeVar("T")


class Strict(BaseModel):
    """Immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Cited(Strict, Generic[T]):
    """A value with the place in the seed text where it is written."""

    value: T
    clause: str
    note: str | None = None


class Period(Strict):
    """The dates a rulebook (or one of its rules) covers, inclusive."""

    start: dt.date
    end: dt.date
    clause: str
    note: str | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def require(self, rulebook_id: str, what: str, day: dt.date) -> None:
        if not self.covers(day):
            raise NotInForce(rulebook_id, what, day.isoformat(), self.start, self.end)


class RulebookHeader(Strict):
    id: str
    program: str
    version: int
    title_ja: str
    title_en: str
    published: dt.date
    source: str
    period: Period
