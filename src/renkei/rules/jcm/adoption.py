"""Similar-technology adoption counts (別添3 類似技術の分類 各パートナー国における採択実績).

The counts drive the subsidy-rate cap (2.(9)) and the exclusions of 別添2 3.(1) 6). The table
shipped with Renkei is reconstructed from the seed text by ``scripts/reconstruct_annex3.py``:
the seed lost the table's empty cells, so a cell the evidence does not fix is a range
``[min, max]`` and every result derived from it says so. The office can replace the table with
the official one (CSV, ``AdoptionTable.from_csv``) and add adoptions recorded later
(``with_adoptions``). Countries absent from the table count 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from renkei.errors import FieldError, InvalidDocument, UnknownChoice
from renkei.rules._registry import rulebook_file
from renkei.rules._result import Bilingual, catalogue
from renkei.rules._yaml import load_yaml_text

SOURCE_RECONSTRUCTED = "reconstructed"


@dataclass(frozen=True)
class Technology:
    id: str
    name_ja: str
    name_en: str
    sector: str
    sector_ja: str
    methodologies: tuple[str, ...] = ()
    in_annex3: bool = True
    similar: tuple[Bilingual, ...] = ()  # outside annex 3: annex-3 technologies with close names

    def sector_name(self, lang: str = "ja") -> str:
        """The annex-3 sector's name in ``lang`` (English from names.yaml; annex 3 names it in
        Japanese only). A technology outside annex 3 has none."""
        if lang != "en" or not self.sector:
            return self.sector_ja
        texts = catalogue().get(f"name.jcm.sector.{self.sector}")
        return texts["en"] if texts else self.sector_ja

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "sector": self.sector,
        }


@dataclass(frozen=True, order=True)
class Count:
    """An adoption count: exact when ``min == max``, otherwise the range the evidence allows."""

    min: int
    max: int

    def __post_init__(self) -> None:
        if not 0 <= self.min <= self.max:
            raise ValueError(f"invalid count range [{self.min}, {self.max}]")

    @property
    def exact(self) -> bool:
        return self.min == self.max

    def plus(self, n: int) -> Count:
        return Count(self.min + n, self.max + n)

    def to_dict(self) -> dict[str, int]:
        return {"count": self.min} if self.exact else {"min": self.min, "max": self.max}

    def __str__(self) -> str:
        return str(self.min) if self.exact else f"{self.min}–{self.max}"

    def ja(self) -> str:
        """The count as Japanese text writes a range: 0〜2."""
        return str(self.min) if self.exact else f"{self.min}〜{self.max}"


@dataclass(frozen=True)
class Adoption:
    """One adoption recorded after the table's date: it adds 1 to its (technology, country)."""

    technology: str
    country: str
    adopted_on: dt.date | None = None
    project: str = ""


@dataclass(frozen=True)
class AdoptionTable:
    technologies: tuple[Technology, ...]
    cells: Mapping[tuple[str, str], Count]
    source: str
    as_of: dt.date | None
    clause: str = "別添3"
    added: tuple[Adoption, ...] = field(default=())

    # --- lookup -------------------------------------------------------------------------
    @cached_property
    def _by_key(self) -> Mapping[str, Technology]:
        """Technologies by id and by Japanese name; the first in the table's order wins."""
        index: dict[str, Technology] = {}
        for t in self.technologies:
            index.setdefault(t.id, t)
            index.setdefault(t.name_ja, t)
        return index

    def technology(self, key: str) -> Technology:
        """Find a technology by its id or its Japanese name exactly as printed in annex 3."""
        tech = self._by_key.get(key)
        if tech is not None:
            return tech
        raise UnknownChoice(
            "technology", key, [t.id for t in self.technologies], " or ".join(self._close(key))
        )

    def _close(self, key: str) -> list[str]:
        """Annex-3 technologies whose id or name contains ``key`` (at most five)."""
        needle = key.strip().lower()
        if not needle:
            return []
        names = {t.id: t for t in self.technologies}
        names |= {t.name_en.lower(): t for t in self.technologies}
        names |= {t.name_ja: t for t in self.technologies}
        close = [
            t
            for t in self.technologies
            if needle in t.name_ja.lower() or needle in t.name_en.lower() or needle in t.id
        ]
        close += [names[n] for n in difflib.get_close_matches(needle, names, n=3, cutoff=0.75)]
        named = (Bilingual(f"{t.name_ja} ({t.id})", f"{t.name_en} ({t.id})") for t in close)
        return list(dict.fromkeys(named))[:5]

    def lookup(self, key: str) -> Technology:
        """Like ``technology``, but a technology outside annex 3 is returned as itself, with no
        adoptions anywhere: 2.(9) counts adoptions of *similar* technologies, so a new one
        counts 0 until the office finds an annex-3 technology similar to it."""
        tech = self._by_key.get(key)
        if tech is not None:
            return tech
        if not key.strip():
            raise UnknownChoice("technology", key, [t.id for t in self.technologies])
        close = tuple(self._close(key))
        return Technology(key, key, key, "", "", (), in_annex3=False, similar=close)

    def count(self, technology: str, country: str, as_of: dt.date | None = None) -> Count:
        """The count for a pair: the table's cell plus adoptions recorded later that were made
        on or before ``as_of`` (2.(9): counted, in principle, at the time of application).
        A technology outside annex 3 counts 0 (see ``lookup``)."""
        tech = self.lookup(technology)
        base = self.cells.get((tech.id, country), Count(0, 0))
        return base.plus(len(self.added_for(tech.id, country, as_of)))

    def added_for(
        self, technology: str, country: str, as_of: dt.date | None = None
    ) -> list[Adoption]:
        return [
            a
            for a in self.added
            if a.technology == technology
            and a.country == country
            and (as_of is None or a.adopted_on is None or a.adopted_on <= as_of)
        ]

    @property
    def is_reconstructed(self) -> bool:
        return self.source == SOURCE_RECONSTRUCTED

    # --- changes ------------------------------------------------------------------------
    def with_adoptions(self, adoptions: Iterable[Adoption]) -> AdoptionTable:
        added = [*self.added]
        for a in adoptions:
            added.append(
                Adoption(self.technology(a.technology).id, a.country, a.adopted_on, a.project)
            )
        return AdoptionTable(
            self.technologies, self.cells, self.source, self.as_of, self.clause, tuple(added)
        )

    def replaced_by_csv(self, path: Path) -> AdoptionTable:
        return AdoptionTable.from_csv(path, self.technologies)

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_csv(cls, path: Path, technologies: tuple[Technology, ...]) -> AdoptionTable:
        """Read the official table: a ``technology`` column (id or Japanese name) then one
        column per country (ISO 3166-1 alpha-2), non-negative integers, empty meaning 0."""
        from renkei.rules.countries import validate_country

        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InvalidDocument(
                str(path), [FieldError("", f"cannot read: {exc.strerror}")]
            ) from exc
        rows = list(csv.reader(io.StringIO(text)))
        errors: list[FieldError] = []
        if not rows or not rows[0] or rows[0][0].strip() != "technology":
            raise InvalidDocument(
                str(path),
                [
                    FieldError(
                        "row 1",
                        "the header must start with 'technology' followed by country codes "
                        "(e.g. technology,MN,BD,VN)",
                    )
                ],
            )
        countries = []
        for i, code in enumerate(rows[0][1:], start=2):
            try:
                countries.append(validate_country(code.strip().upper()))
            except UnknownChoice:
                errors.append(
                    FieldError(
                        f"row 1, column {i}", f"{code!r} is not an ISO 3166-1 alpha-2 country code"
                    )
                )
        by_key = {t.id: t for t in technologies} | {t.name_ja: t for t in technologies}
        cells: dict[tuple[str, str], Count] = {}
        seen: set[str] = set()
        for r, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            tech = by_key.get(row[0].strip())
            if tech is None:
                errors.append(
                    FieldError(
                        f"row {r}, column 1",
                        f"unknown technology {row[0]!r}; use an annex-3 id or "
                        "Japanese name (see `renkei rules technologies`)",
                    )
                )
                continue
            if tech.id in seen:
                errors.append(FieldError(f"row {r}", f"technology {tech.id} appears twice"))
            seen.add(tech.id)
            if len(row) - 1 > len(countries):
                errors.append(FieldError(f"row {r}", "more values than country columns"))
            for c, (code, raw) in enumerate(zip(countries, row[1:], strict=False), start=2):
                raw = raw.strip()
                if not raw:
                    continue
                if not raw.isdigit():
                    errors.append(
                        FieldError(
                            f"row {r}, column {c}", f"{raw!r} is not a non-negative whole number"
                        )
                    )
                    continue
                cells[(tech.id, code)] = Count(int(raw), int(raw))
        if errors:
            raise InvalidDocument(str(path), errors)
        return cls(technologies, cells, f"official:{Path(path).name}", None)


def _count_from_yaml(value: object) -> Count:
    if isinstance(value, int):
        return Count(value, value)
    lo, hi = value  # type: ignore[misc]
    return Count(int(lo), int(hi))


@cache
def reconstructed_table(rulebook_id: str = "jcm-model-project/fy2024") -> AdoptionTable:
    """The annex-3 table reconstructed from the seed text (see scripts/reconstruct_annex3.py)."""
    path = rulebook_file(rulebook_id, "-annex3.yaml")
    data = load_yaml_text(path.read_text(encoding="utf-8"), path.name)
    techs = []
    cells: dict[tuple[str, str], Count] = {}
    for row in data["technologies"]:
        techs.append(
            Technology(
                row["id"],
                row["name_ja"],
                row["name_en"],
                row["sector"],
                row["sector_ja"],
                tuple(row.get("methodologies") or ()),
            )
        )
        for country, value in row["counts"].items():
            cells[(row["id"], country)] = _count_from_yaml(value)
    return AdoptionTable(
        tuple(techs), cells, SOURCE_RECONSTRUCTED, data["as_of"], data.get("clause", "別添3")
    )


def read_adoptions_csv(path: Path, table: AdoptionTable) -> list[Adoption]:
    """Adoptions recorded after the table: columns country, technology[, adopted_on, project]."""
    from renkei.rules.countries import validate_country

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidDocument(str(path), [FieldError("", f"cannot read: {exc.strerror}")]) from exc
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"country", "technology", "adopted_on"} <= set(
        reader.fieldnames
    ):
        raise InvalidDocument(
            str(path),
            [
                FieldError(
                    "row 1",
                    "the header must name at least: country,technology,adopted_on "
                    "(optionally project)",
                )
            ],
        )
    out, errors = [], []
    for r, row in enumerate(reader, start=2):
        try:
            country = validate_country((row.get("country") or "").strip().upper())
            tech = table.technology((row.get("technology") or "").strip())
            raw_date = (row.get("adopted_on") or "").strip()
            if not raw_date:
                raise ValueError
            day = dt.date.fromisoformat(raw_date)
        except UnknownChoice as exc:
            errors.append(FieldError(f"row {r}", str(exc)))
            continue
        except ValueError:
            errors.append(
                FieldError(
                    f"row {r}",
                    "adopted_on must be the adoption date YYYY-MM-DD (counts depend on it, 2.(9))",
                )
            )
            continue
        out.append(Adoption(tech.id, country, day, (row.get("project") or "").strip()))
    if errors:
        raise InvalidDocument(str(path), errors)
    return out
