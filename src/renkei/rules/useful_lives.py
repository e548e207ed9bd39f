"""Statutory useful lives (法定耐用年数) as reference suggestions, never as a rule.

The same equipment has different lives in different industries (減価償却資産の耐用年数等に関する
省令 別表第一/第二), so a project chooses its life with a reason. The bundled table is a copy of
``shared/reference/useful_lives.csv``; each row keeps its status tag (V seen in the source,
D derived, K unconfirmed background knowledge: provisional).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class UsefulLife:
    equipment: str
    schedule: str
    item: str
    years: int
    status: str
    source: str
    note: str

    @property
    def provisional(self) -> bool:
        return self.status != "V"


@cache
def useful_lives() -> tuple[UsefulLife, ...]:
    text = (resources.files("renkei.reference") / "useful_lives.csv").read_text(encoding="utf-8")
    return tuple(
        UsefulLife(
            r["equipment"],
            r["schedule"],
            r["item"],
            int(r["years"]),
            r["status"],
            r["source"],
            r["note"],
        )
        for r in csv.DictReader(io.StringIO(text))
    )


def matching(years: int) -> tuple[UsefulLife, ...]:
    return tuple(u for u in useful_lives() if u.years == years)
