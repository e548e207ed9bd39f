"""One monitoring period's emission reductions (issue 9; JCM 2.(1)②③, 2.(5)②(エ)).

Per monitoring point: the parameters resolved (the point's monitored values, then the point's
fixed values, then the project's, then the methodology's default), each converted to the unit
the formula takes; RE, PE and ER = RE - PE, unrounded. Per site: sums. In total: RE_p, PE_p and
ER_p = RE_p - PE_p, then the JCM rounding (down to whole tCO2) applied once, where the
methodology says (``rounding: ER_p``), never per point; a negative total is reported as 0.
Every value a verifier needs is a ``Step``: the formula with its values substituted.

Arithmetic is exact: each point in ``Decimal`` within ``formulas.EXACT`` (which raises instead of
rounding), and a point where some operation has no exact decimal result (a ratio such as
3.2 / 2.1) again in ``Fraction``; the sums stay decimal while every term is, and become fractions
from the first term that is not. Both give the same values, steps and results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from math import floor

from renkei.mrv import formulas, units
from renkei.mrv.types import Adjustment, Methodology, MrvError, Parameter, Quantity, Result, Step

__all__ = ["PointValues", "compute", "jcm_round", "result_json"]


@dataclass(frozen=True)
class PointValues:
    """One monitoring point's period totals (``values``, e.g. EC_PJ summed over the period) and
    its own fixed values (e.g. COP_PJ of refrigerator 1)."""

    site: str
    point: str
    values: Mapping[str, Quantity]
    fixed: Mapping[str, Quantity] = field(default_factory=dict)


def jcm_round(value: Decimal | Fraction) -> int:
    """The JCM rounding: down to whole tCO2, and never below zero."""
    return max(0, floor(value))


def _dec(value: formulas.Number) -> Decimal:
    return formulas.to_decimal(value)


def _num(value: formulas.Number) -> str:
    """A computed value as shown in a step (the same for a Decimal and a Fraction)."""
    return format(formulas.to_decimal(value), "f")


def _add(a: formulas.Number, b: formulas.Number) -> formulas.Number:
    """``a + b`` exactly: in decimal while both are decimals and the sum is exact, else as a
    fraction."""
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        try:
            return formulas.EXACT.add(a, b)
        except Inexact:  # beyond EXACT's 400 digits
            pass
    return Fraction(a) + Fraction(b)


def _sub(a: formulas.Number, b: formulas.Number) -> formulas.Number:
    return _add(a, -Fraction(b) if not isinstance(b, Decimal) else b.copy_negate())


def _lines(fam: formulas.Family, values: dict, roles: Mapping[str, str]) -> tuple:
    """RE, PE and ER of one point: in decimal (exact, ``formulas.EXACT``) when every operation
    has an exact decimal result, else in fractions."""
    try:
        with localcontext(formulas.EXACT):
            re_line, pe_line = fam.re(values, roles), fam.pe(values, roles)
            return re_line, pe_line, re_line.value - pe_line.value
    except Inexact:  # e.g. 3.2 / 2.1: no finite decimal
        exact = {k: Fraction(v) for k, v in values.items()}
        re_line, pe_line = fam.re(exact, roles), fam.pe(exact, roles)
        return re_line, pe_line, re_line.value - pe_line.value


def _fmt(value: Decimal | Fraction) -> str:
    return format(_dec(value) if isinstance(value, Fraction) else value, "f")


def _where(site: str, point: str) -> str:
    return f"[site={site},point={point}]"


def _check_names(
    m: Methodology, given: Mapping[str, Quantity], where: str, known: frozenset[str] = frozenset()
) -> None:
    known = known or frozenset(p.name for p in m.parameters)
    if known.issuperset(given):
        return
    unknown = sorted(set(given) - known)
    if unknown:
        listed = ", ".join(f"{p.name} ({p.unit})" for p in m.parameters)
        raise MrvError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a parameter of "
            f"{m.id} {m.version}{where}; its parameters are: {listed}",
            code="unknown_parameter",
            unknown=unknown,
        )


def _resolve(
    m: Methodology,
    p: Parameter,
    pv: PointValues,
    fixed: Mapping[str, Quantity],
    steps: list[Step],
) -> Decimal:
    where = _where(pv.site, pv.point)
    levels = (("monitored", pv.values), ("fixed for the point", pv.fixed), ("fixed", fixed))
    found = next(((o, level[p.name]) for o, level in levels if p.name in level), None)
    if found is not None:
        origin, given = found
        origin = "fixed for the project" if origin == "fixed" else origin
    else:
        if p.default is None:
            raise MrvError(
                f"{p.name} is missing for site {pv.site} point {pv.point}; {m.id} "
                f"{m.version} sets no default for it: give its value in {p.unit} "
                f"({p.description})",
                code="missing_parameter",
                parameter=p.name,
                unit=p.unit,
            )
        origin, given = f"methodology default ({p.source})", Quantity(p.default, p.unit)
    value = units.convert(given, p.unit, name=p.name).value
    formula = f"{_fmt(given.value)} {given.unit}"
    if given.unit != p.unit:
        formula += f" = {_fmt(value)} {p.unit}"
    steps.append(Step(f"{p.name}{where}", formula, value, p.unit, pv.site, pv.point, origin))
    if value < 0:
        raise MrvError(
            f"{p.name} for site {pv.site} point {pv.point} is {_fmt(value)} {p.unit}; it cannot "
            "be negative: correct the value (a negative reading is a data-quality finding)",
            code="bad_value",
            parameter=p.name,
        )
    return value


def compute(
    methodology: Methodology,
    *,
    fixed: Mapping[str, Quantity],
    points: Sequence[PointValues],
    adjustments: Sequence[Adjustment] = (),
) -> Result:
    """The period's reductions: per point, per site, in total, with every step."""
    from renkei.mrv.methodologies import file_for

    m = methodology
    fam = formulas.family(m.family)
    try:
        doc = file_for(m)
    except KeyError:  # a Methodology built by hand (tests, a plan's own copy): no cited file
        doc = None
    if doc is not None:
        roles = {(spec.role or spec.name): spec.name for spec in doc.parameters}
    else:
        roles = {p.name: p.name for p in m.parameters}
    missing_roles = sorted(set(fam.units) - set(roles))
    if missing_roles:
        raise MrvError(
            f"{m.id} {m.version} does not declare {', '.join(missing_roles)}, which the "
            f"{m.family} formulas need",
            code="methodology_file",
        )
    by_name = {p.name: p for p in m.parameters}
    if not points:
        raise MrvError(
            f"no monitoring point was given; {m.id} {m.version} computes reductions per point: "
            "give each point's monitored values",
            code="no_points",
        )
    known = frozenset(by_name)
    _check_names(m, fixed, " (project fixed values)", known)
    # a parameter no point overrides resolves to the same value, formula and origin at every
    # point: resolved once (on the first point that takes it, so that an error names it)
    shared: dict[str, tuple[str, Decimal, Decimal, str]] = {}
    steps: list[Step] = []
    re_shown: list[str] = []  # each point's RE and PE as shown, for the totals' lines
    pe_shown: list[str] = []
    per_point: dict[str, formulas.Number] = {}
    per_site: dict[str, formulas.Number] = {}
    re_total: formulas.Number = Decimal(0)
    pe_total: formulas.Number = Decimal(0)
    seen: set[tuple[str, str]] = set()
    site_points: dict[str, list[str]] = {}
    for pv in points:
        where = _where(pv.site, pv.point)
        if (pv.site, pv.point) in seen:
            raise MrvError(
                f"site {pv.site} point {pv.point} is given twice; give each point once, with "
                "its totals for the period",
                code="duplicate_point",
            )
        seen.add((pv.site, pv.point))
        _check_names(m, pv.values, f" (site {pv.site} point {pv.point})", known)
        _check_names(m, pv.fixed, f" (site {pv.site} point {pv.point} fixed values)", known)
        values = {}
        for symbol, name in roles.items():
            if name in pv.values or name in pv.fixed:
                values[symbol] = _resolve(m, by_name[name], pv, fixed, steps)
                continue
            if name not in shared:
                values[symbol] = _resolve(m, by_name[name], pv, fixed, steps)
                last = steps[-1]
                shared[name] = (last.formula, values[symbol], last.result, last.note)
                continue
            formula, value, result, origin = shared[name]
            steps.append(
                Step(
                    f"{name}{where}", formula, result, by_name[name].unit, pv.site, pv.point, origin
                )
            )
            values[symbol] = value
        for symbol in fam.divisors:
            if values[symbol] == 0:
                raise MrvError(
                    f"{roles[symbol]} for site {pv.site} point {pv.point} is 0; it divides in "
                    f"the formula and must be greater than 0",
                    code="bad_value",
                    parameter=roles[symbol],
                )
        re_line, pe_line, er = _lines(fam, values, roles)
        for key, line, note, shown in (
            ("RE", re_line, m.formulas["RE"], re_shown),
            ("PE", pe_line, m.formulas["PE"], pe_shown),
        ):
            formula = f"{line.symbols} = {line.substituted}"
            result = _dec(line.value)
            steps.append(Step(f"{key}{where}", formula, result, "tCO2", pv.site, pv.point, note))
            shown.append(_fmt(result))
        steps.append(
            Step(
                f"ER{where}",
                f"RE - PE = {_num(re_line.value)} - {_num(pe_line.value)}",
                _dec(er),
                "tCO2",
                pv.site,
                pv.point,
                "unrounded: the JCM rounding applies to the project total only",
            )
        )
        per_point[f"{pv.site}/{pv.point}"] = er
        site_points.setdefault(pv.site, []).append(f"{pv.site}/{pv.point}")
        per_site[pv.site] = _add(per_site[pv.site], er) if pv.site in per_site else er
        re_total = _add(re_total, re_line.value)
        pe_total = _add(pe_total, pe_line.value)
    for site, er in per_site.items():
        members = site_points[site]
        steps.append(
            Step(
                f"ER[site={site}]",
                " + ".join(_num(per_point[k]) for k in members),
                _dec(er),
                "tCO2",
                site,
            )
        )
    sum_re, sum_pe = " + ".join(re_shown), " + ".join(pe_shown)
    steps.append(Step("RE_p", f"Σ RE = {sum_re}", _dec(re_total), "tCO2"))
    steps.append(Step("PE_p", f"Σ PE = {sum_pe}", _dec(pe_total), "tCO2"))
    er_total = _sub(re_total, pe_total)
    steps.append(
        Step(
            "ER_p (unrounded)",
            f"RE_p - PE_p = {_num(re_total)} - {_num(pe_total)}",
            _dec(er_total),
            "tCO2",
            note="exact; values without a finite decimal are shown to "
            f"{formulas.SHOWN_PLACES} places",
        )
    )
    rounded = jcm_round(er_total)
    steps.append(
        Step(
            "ER_p",
            f"max(0, floor({_num(er_total)}))",
            Decimal(rounded),
            "tCO2",
            note=f"JCM rounding down to whole tCO2, applied once to {m.rounding}"
            + (f" [{doc.rounding_source.tag}: {doc.rounding_source.source}]" if doc else ""),
        )
    )
    notes = _notes(m, doc, er_total, adjustments)
    return Result(
        methodology=f"{m.id} {m.version}",
        provisional=m.provisional,
        reference_emissions_tco2=_dec(re_total),
        project_emissions_tco2=_dec(pe_total),
        emission_reductions_tco2=rounded,
        per_site={k: _dec(v) for k, v in per_site.items()},
        per_point={k: _dec(v) for k, v in per_point.items()},
        steps=steps,
        adjustments=list(adjustments),
        notes=notes,
    )


def _notes(m, doc, er_total: formulas.Number, adjustments: Sequence[Adjustment]) -> list[str]:
    notes = []
    if m.provisional:
        tagged = ", ".join(k for k, f in doc.formulas.items() if f.tag == "K") if doc else "RE, PE"
        notes.append(
            f"provisional: the {tagged} formula(s) of {m.id} {m.version} are background "
            f"knowledge (tag K, {m.source_status}), not confirmed in the methodology's text; "
            "confirm them against the approved methodology before relying on this result"
        )
    if doc is not None and doc.version_note:
        notes.append(f"version: {doc.version_note}")
    if doc is not None:
        notes.extend(f"interpretation: {text}" for text in doc.interpretations)
    if er_total < 0:
        notes.append(
            f"the project emissions exceed the reference emissions by {_num(_sub(0, er_total))} "
            "tCO2: "
            "the emission reductions are reported as 0 (never negative)"
        )
    for adj in adjustments:
        where = " ".join(x for x in (adj.finding.site, adj.finding.point) if x)
        notes.append(
            f"adjustment ({adj.treatment}) for {adj.finding.kind}"
            + (f" at {where}" if where else "")
            + f": {_fmt(adj.effect_tco2)} tCO2 effect on the reductions"
        )
    return notes


def result_json(result: Result) -> dict:
    """The result as the CLI prints it and the platform stores it (MRV_API.md)."""
    return {
        "methodology": result.methodology,
        "reference_emissions_tco2": _fmt(result.reference_emissions_tco2),
        "project_emissions_tco2": _fmt(result.project_emissions_tco2),
        "emission_reductions_tco2": result.emission_reductions_tco2,
        "provisional": result.provisional,
        "per_site": {k: _fmt(v) for k, v in result.per_site.items()},
        "per_point": {k: _fmt(v) for k, v in result.per_point.items()},
        "steps": [
            {
                "key": s.key,
                "formula": s.formula,
                "result": _fmt(s.result),
                "unit": s.unit,
                "site": s.site,
                "point": s.point,
                "note": s.note,
            }
            for s in result.steps
        ],
        "adjustments": [
            {
                "kind": a.finding.kind,
                "message": a.finding.message,
                "treatment": a.treatment,
                "effect_tco2": _fmt(a.effect_tco2),
                "site": a.finding.site,
                "point": a.finding.point,
                "source": a.finding.source,
            }
            for a in result.adjustments
        ],
        "notes": list(result.notes),
    }
