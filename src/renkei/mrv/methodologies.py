"""JCM methodologies as cited, versioned data (issue 9; JCM 2.(1)①: a JC-approved MRV
methodology).

One YAML file per version, ``methodologies/<ID>_v<version>.yaml``: a new version is a new file,
never an edited one. Every file is taken from ``shared/reference/methodologies.csv`` only; each
formula, default and eligibility text carries its source and the reference list's status tag
(``V`` seen, ``D`` derived, ``K`` background knowledge, ``X`` not found, ``INTERP`` a named
reading). A methodology any of whose formulas is tagged ``K`` is *provisional*: every result
computed from it says so.

Files are loaded strictly (libyaml through ``renkei.rules._yaml``: duplicate keys, floats and
aliases refused; pydantic with unknown keys refused), once, and cached.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from renkei.errors import InvalidDocument
from renkei.mrv import units
from renkei.mrv.types import Methodology, MrvError, Parameter

__all__ = [
    "FAMILIES",
    "MethodologyFile",
    "all_methodologies",
    "describe",
    "file_for",
    "load",
    "parse_ref",
]

Tag = Literal["V", "D", "K", "X", "INTERP"]
FAMILIES = ("pv", "pv_battery", "cop_ratio", "efficacy_ratio", "efficiency_ratio")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cited(_Strict):
    text: str
    tag: Tag
    source: str
    note: str = ""


class ParameterSpec(_Strict):
    name: str  # without indices
    role: str = ""  # the family formula's symbol this parameter plays, when named otherwise
    as_written: str  # as the methodology writes it, e.g. "EC_PJ,i,p"
    kind: Literal["fixed", "monitored"]
    per: Literal["point", "project"] = "point"
    unit: str
    description: str
    default: Decimal | None = None
    default_source: str = ""
    option: Literal["A", "B", "C"] | None = None
    frequency: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    source: str
    tag: Tag

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        units.dimension(unit)  # raises MrvError for an unknown unit
        return unit


class Treatment(_Strict):
    treatment: str
    tag: Tag
    source: str

    @field_validator("treatment")
    @classmethod
    def _treatment(cls, value: str) -> str:
        if value in ("exclude", "default"):
            return value
        if value.startswith("discount:"):
            try:
                pct = Decimal(value.removeprefix("discount:"))
            except ArithmeticError:
                pct = Decimal(-1)
            if 0 < pct <= 100:
                return value
        raise ValueError("a treatment is 'exclude', 'default' or 'discount:<pct>' (0 < pct <= 100)")


class MethodologyFile(_Strict):
    """The YAML document of one version of a methodology."""

    id: str
    version: str
    version_note: str = ""  # when the reference list gives no version number
    country: str  # ISO 3166-1 alpha-2
    title: str
    sectoral_scope: str
    status: Literal["approved", "proposed"]
    status_note: str = ""
    family: Literal["pv", "pv_battery", "cop_ratio", "efficacy_ratio", "efficiency_ratio"]
    proponent: str = ""
    approval: str  # as the reference list writes it ("2016-08-23", "approved by 2015-02-06", "")
    valid_from: dt.date | None
    valid_until: dt.date | None = None
    source: str
    source_status: str  # the reference list's status column, verbatim
    summary: dict[Literal["reference", "project", "monitoring"], Cited]
    eligibility: list[Cited]
    parameters: list[ParameterSpec]
    formulas: dict[Literal["RE", "PE", "ER"], Cited]
    rounding: Literal["ER_p"]
    rounding_source: Cited
    treatments: dict[str, Treatment]
    interpretations: list[str] = []  # readings of ambiguous or contradictory sources
    gaps: list[str] = []  # what the sources leave open ("the reference does not set this")

    @field_validator("parameters")
    @classmethod
    def _unique(cls, params: list[ParameterSpec]) -> list[ParameterSpec]:
        names = [p.name for p in params]
        if len(names) != len(set(names)):
            raise ValueError(f"parameter names repeat: {names}")
        return params

    @property
    def provisional(self) -> bool:
        return any(f.tag == "K" for f in self.formulas.values())

    def to_methodology(self, path: str) -> Methodology:
        return Methodology(
            id=self.id,
            version=self.version,
            country=self.country,
            title=self.title,
            status=self.status,
            family=self.family,
            provisional=self.provisional,
            source=self.source,
            source_status=self.source_status,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            eligibility=tuple(e.text for e in self.eligibility),
            parameters=tuple(
                Parameter(
                    name=p.name,
                    kind=p.kind,
                    unit=p.unit,
                    description=p.description,
                    per=p.per,
                    default=p.default,
                    source=p.default_source or p.source,
                    option=p.option,
                    frequency=p.frequency,
                    minimum=p.minimum,
                    maximum=p.maximum,
                )
                for p in self.parameters
            ),
            formulas={k: v.text for k, v in self.formulas.items()},
            rounding=self.rounding,
            treatments={k: v.treatment for k, v in self.treatments.items()},
            path=path,
        )


def _directory():
    return resources.files("renkei.mrv") / "methodologies"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@cache
def _files() -> dict[tuple[str, str], MethodologyFile]:
    from renkei.mrv.formulas import check_parameters
    from renkei.rules._registry import validation_errors
    from renkei.rules._yaml import load_yaml_text

    found: dict[tuple[str, str], MethodologyFile] = {}
    for entry in sorted(_directory().iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = load_yaml_text(entry.read_text(encoding="utf-8"), f"methodology {entry.name}")
        try:
            doc = MethodologyFile.model_validate(data)
        except ValidationError as exc:
            raise InvalidDocument(f"methodology {entry.name}", validation_errors(exc)) from exc
        expected = f"{doc.id}_v{doc.version}.yaml"
        if entry.name != expected:
            raise MrvError(
                f"methodology file {entry.name} holds {doc.id} version {doc.version}; name it "
                f"{expected}",
                code="methodology_file",
            )
        check_parameters(doc.family, {p.role or p.name: p.unit for p in doc.parameters}, entry.name)
        found[(doc.id, doc.version)] = doc
    return found


def file_for(methodology: Methodology) -> MethodologyFile:
    """The cited document behind a loaded methodology (sources, tags, interpretations, gaps)."""
    return _files()[(methodology.id, methodology.version)]


@cache
def _all() -> tuple[Methodology, ...]:
    directory = _directory()
    return tuple(
        doc.to_methodology(str(directory / f"{doc.id}_v{doc.version}.yaml"))
        for _, doc in sorted(_files().items(), key=lambda kv: (kv[0][0], _version_key(kv[0][1])))
    )


def all_methodologies() -> list[Methodology]:
    """Every methodology file, every version, by id then version."""
    return list(_all())


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``"ID_AM003@1.0"`` -> ``("ID_AM003", "1.0")``; ``"ID_AM003"`` -> ``("ID_AM003", None)``."""
    ident, _, version = ref.strip().partition("@")
    return ident.strip(), (version.strip().removeprefix("v") or None)


def _in_force(m: Methodology, on: dt.date) -> bool:
    return (m.valid_from is None or m.valid_from <= on) and (
        m.valid_until is None or on <= m.valid_until
    )


def _validity(m: Methodology) -> str:
    start = m.valid_from.isoformat() if m.valid_from else "(no approval date in the reference)"
    end = m.valid_until.isoformat() if m.valid_until else "open"
    return f"{m.version} from {start} to {end}"


def load(id: str, version: str | None = None, *, on: dt.date | None = None) -> Methodology:
    """One methodology version (the latest when ``version`` is None; with ``on``, the latest in
    force on that date). Unknown id or version, or a version not in force on ``on``, is refused
    naming what exists."""
    versions = [m for m in _all() if m.id == id]
    if not versions:
        known = ", ".join(sorted({m.id for m in _all()}))
        raise MrvError(
            f"unknown methodology {id!r}; the methodologies encoded are: {known}",
            code="unknown_methodology",
            known=known,
        )
    if version is not None:
        chosen = [m for m in versions if m.version == version]
        if not chosen:
            listed = ", ".join(m.version for m in versions)
            raise MrvError(
                f"{id} has no version {version!r}; its versions are: {listed}",
                code="unknown_methodology",
                known=listed,
            )
        candidates = chosen
    else:
        candidates = versions
    if on is not None:
        in_force = [m for m in candidates if _in_force(m, on)]
        if not in_force:
            all_in_force = [m for m in versions if _in_force(m, on)]
            listed = ", ".join(_validity(m) for m in all_in_force) or "none"
            asked = f"{id} {version}" if version else id
            raise MrvError(
                f"{asked} is not in force on {on.isoformat()} "
                f"({'; '.join(_validity(m) for m in candidates)}); versions in force on that "
                f"date: {listed}",
                code="methodology_not_in_force",
                in_force=[m.version for m in all_in_force],
            )
        candidates = in_force
    return max(candidates, key=lambda m: _version_key(m.version))


def describe(m: Methodology) -> dict:
    """A methodology as the ``renkei mrv methodologies --json`` command and the platform list
    it."""
    doc = file_for(m)
    return {
        "id": m.id,
        "version": m.version,
        "country": m.country,
        "title": m.title,
        "status": m.status,
        "family": m.family,
        "provisional": m.provisional,
        "source": m.source,
        "source_status": m.source_status,
        "valid_from": m.valid_from.isoformat() if m.valid_from else None,
        "valid_until": m.valid_until.isoformat() if m.valid_until else None,
        "formulas": dict(m.formulas),
        "rounding": m.rounding,
        "parameters": [
            {
                "name": p.name,
                "as_written": p.as_written,
                "kind": p.kind,
                "per": p.per,
                "unit": p.unit,
                "description": p.description,
                "default": str(p.default) if p.default is not None else None,
                "option": p.option,
                "frequency": p.frequency,
                "source": p.source,
                "tag": p.tag,
            }
            for p in doc.parameters
        ],
        "eligibility": list(m.eligibility),
        "interpretations": list(doc.interpretations),
        "gaps": list(doc.gaps),
    }
