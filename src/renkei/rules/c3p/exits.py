"""The C3P's exit strategies (guidebook §1.2 and "[Reference] Next Steps Beyond the C3P", C3P
Ref.; post-adoption spec §3.11): the schemes of Tables 7 and 8 as reference data, and the status
an exit into one of them moves through.

The tables give each scheme's agency, name, support type and reference URL; they do not give the
requirements to move into any scheme but the JCM Model Project (spec §5.2 B-18): ``requirements``
is then ``None`` and is shown as "the guidebook does not set this". The data is
``rulebooks/c3p/<period>-exit-schemes.yaml``, loaded strictly (unknown or duplicate keys refused).

The statuses of an exit are Renkei's, not the guidebook's (which names none: [GAP]): considering
→ applied → adopted / not adopted, and withdrawn from considering or applied. A decided exit
(adopted, not adopted, withdrawn) does not move again.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field, model_validator

from renkei.errors import UnknownChoice
from renkei.rules._base import Strict
from renkei.rules._registry import rulebook_file
from renkei.rules._yaml import load_yaml_text

__all__ = [
    "DECIDED",
    "STATUSES",
    "TRANSITIONS",
    "ExitScheme",
    "ExitSchemes",
    "exit_schemes",
    "may_move",
]

SupportType = Literal[
    "subsidy",
    "grant",
    "project_subsidies_technical_cooperation",
    "technical_cooperation",
    "commissioned_project",
    "financial_assistance",
    "hosting_staff",
    "specialist_dispatch",
]

#: the statuses of an exit into another scheme (Renkei's: the guidebook names none, [GAP])
STATUSES = ("considering", "applied", "adopted", "not_adopted", "withdrawn")
DECIDED = frozenset({"adopted", "not_adopted", "withdrawn"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "considering": frozenset({"applied", "withdrawn"}),
    "applied": frozenset({"adopted", "not_adopted", "withdrawn"}),
    "adopted": frozenset(),
    "not_adopted": frozenset(),
    "withdrawn": frozenset(),
}


def may_move(before: str, after: str) -> bool:
    """May an exit in status ``before`` move to ``after``?"""
    return after in TRANSITIONS.get(before, frozenset())


class Agency(Strict):
    id: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    name_ja: str = Field(min_length=1)


class ExitTable(Strict):
    table: Literal[7, 8]
    title_en: str
    title_ja: str
    clause: str = Field(min_length=1)
    note: str = ""


class ExitScheme(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    table: Literal[7, 8]
    row: int = Field(ge=1)
    agency: str
    name_en: str = Field(min_length=1)
    type: SupportType
    #: the reference exactly as the table prints it ("_" where it prints none)
    printed: str
    #: the reference as an address; ``None`` where the table prints none or prints it damaged
    url: str | None = Field(None, pattern=r"^https://\S+$")
    url_note: str = ""
    #: Table 7's asterisk: state-owned companies of partner countries yes, partner-country
    #: governments acting directly no
    star: bool
    #: what the sources say it takes to move into the scheme; ``None``: they do not say [GAP]
    requirements: str | None
    clause: str = Field(min_length=1)


class ExitSchemes(Strict):
    source: str
    clause: str
    agencies: tuple[Agency, ...]
    tables: tuple[ExitTable, ...]
    schemes: tuple[ExitScheme, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ExitSchemes:
        ids = [s.id for s in self.schemes]
        if len(ids) != len(set(ids)):
            raise ValueError("a scheme id appears twice")
        rows = [(s.table, s.row) for s in self.schemes]
        if len(rows) != len(set(rows)):
            raise ValueError("a table row appears twice")
        agencies = {a.id for a in self.agencies}
        for s in self.schemes:
            if s.agency not in agencies:
                raise ValueError(f"scheme {s.id}: agency {s.agency!r} is not in agencies")
        return self

    def get(self, scheme_id: str) -> ExitScheme:
        for s in self.schemes:
            if s.id == scheme_id:
                return s
        raise UnknownChoice("scheme", scheme_id, tuple(s.id for s in self.schemes))

    def agency(self, agency_id: str) -> Agency:
        return next(a for a in self.agencies if a.id == agency_id)

    def table(self, number: int) -> ExitTable:
        return next(t for t in self.tables if t.table == number)


@cache
def exit_schemes(rulebook_id: str = "c3p/fy2025") -> ExitSchemes:
    """Tables 7 and 8 as the guidebook quoted by ``rulebook_id`` prints them."""
    path = rulebook_file(rulebook_id, "-exit-schemes.yaml")
    data = load_yaml_text(path.read_text(encoding="utf-8"), path.name)
    return ExitSchemes.model_validate(data)
