"""Statutory useful lives (法定耐用年数) as reference suggestions, never as a rule.

The same equipment has different lives in different industries (減価償却資産の耐用年数等に関する
省令 別表第一/第二), so a project chooses its life with a reason. The bundled table is a copy of
``shared/reference/useful_lives.csv``; each row keeps its status tag (V seen in the source,
D derived, K unconfirmed background knowledge: provisional).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from renkei.rules._result import Bilingual

# 別表第一 (buildings and structures), 別表第二 N (machinery, by industry number N)
_SCHEDULE = re.compile(r"^別表第([一二])(?:\s+(\d+))?")


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

    @property
    def reference(self) -> Bilingual:
        """This row as a reference in a finding: the ordinance's table and item in its words;
        in English the row's equipment and the table's number (the ordinance is in Japanese;
        its table and item names are not translated)."""
        ja = f"{self.schedule} {self.item}".strip()
        m = _SCHEDULE.match(self.schedule)
        if m is None:
            return Bilingual(ja, self.equipment)
        table = f"Appended Table {'1' if m[1] == '一' else '2'}" + (f", No. {m[2]}" if m[2] else "")
        return Bilingual(ja, f"{self.equipment} (useful-life ordinance, {table})")


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
