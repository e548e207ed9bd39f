"""``renkei mrv methodologies`` and ``renkei mrv compute`` (issue 9).

``compute`` takes parameter values as ``NAME=VALUE[unit]`` (``EC_PJ=120MWh``,
``EC_PJ=120000kWh``, ``EF_elec=0.533tCO2/MWh``, ``COP_PJ=3.2``): a value without its unit is
accepted only for a parameter without a dimension (a COP, an efficiency), so that a kWh figure
is never read as MWh. Monitored parameters given this way form one monitoring point (site ``-``,
point ``-``); with ``--data FILE`` the points come from the monitoring data file (checked for
quality first) and ``--param`` gives the fixed values.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from renkei.mrv import compute as compute_mod
from renkei.mrv import methodologies, units
from renkei.mrv.types import Methodology, MrvError, Quantity

__all__ = ["COMMANDS", "compute_command", "methodologies_command", "parse_params"]


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("methodologies")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def methodologies_command(as_json: bool) -> None:
    """The methodologies encoded: id, version, title, status, provisional, parameters."""
    listed = [methodologies.describe(m) for m in methodologies.all_methodologies()]
    if as_json:
        _echo_json(listed)
        return
    for m in listed:
        flag = " PROVISIONAL" if m["provisional"] else ""
        click.echo(f"{m['id']} {m['version']} [{m['status']}, {m['family']}]{flag}: {m['title']}")
        for p in m["parameters"]:
            click.echo(f"    {p['name']} ({p['unit']}, {p['kind']}, per {p['per']})")


def parse_params(m: Methodology, raw: tuple[str, ...]) -> dict[str, Quantity]:
    """``NAME=VALUE[unit]`` options, each named parameter checked against the methodology."""
    by_name = {p.name: p for p in m.parameters}
    values: dict[str, Quantity] = {}
    for item in raw:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise MrvError(
                f"--param {item!r} is not NAME=VALUE; write e.g. --param EC_PJ=120MWh",
                code="bad_param",
            )
        if name not in by_name:
            listed = ", ".join(f"{p.name} ({p.unit})" for p in m.parameters)
            raise MrvError(
                f"{name} is not a parameter of {m.id} {m.version}; its parameters are: {listed}",
                code="unknown_parameter",
            )
        if name in values:
            raise MrvError(f"--param {name} is given twice; give it once", code="bad_param")
        unit = by_name[name].unit
        bare_ok = units.dimension(unit) == ""
        try:
            q = units.parse(text, default_unit=unit if bare_ok else None, name=name)
        except MrvError as exc:
            if exc.details.get("missing_unit"):
                raise MrvError(
                    f"{name}={text.strip()} has no unit; write it with its unit, e.g. "
                    f"--param {name}={text.strip()}{unit}",
                    code="unit_mismatch",
                    parameter=name,
                ) from None
            raise
        units.convert(q, unit, name=name)  # refuse a wrong dimension here, naming the option
        values[name] = q
    return values


def _points_from_data(path: Path, m: Methodology, period: tuple[dt.date, dt.date] | None):
    # the data helper's modules: imported here so that ``methodologies`` never needs them
    from renkei.mrv import datafile, quality

    outcome = datafile.read_readings(path, name=path.name)
    if outcome.errors:
        shown = "\n".join(f"  - {e.where}: {e.message}" for e in outcome.errors[:50])
        more = len(outcome.errors) - 50
        raise MrvError(
            f"{path.name} has {len(outcome.errors)} cell error(s); correct them (or see "
            f"`renkei mrv check {path.name}`) before computing:\n{shown}"
            + (f"\n  … and {more} more" if more > 0 else ""),
            code="data_file",
        )
    report = quality.check(outcome.readings, methodology=m, period=period)
    totals = quality.period_totals(report.kept)
    grouped: dict[tuple[str, str], dict[str, Quantity]] = {}
    for (site, point, parameter), quantity in totals.items():
        grouped.setdefault((site, point), {})[parameter] = quantity
    points = [
        compute_mod.PointValues(site=site, point=point, values=values)
        for (site, point), values in sorted(grouped.items())
    ]
    return points, report


def _date(raw: str | None, option: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise MrvError(
            f"{option} must be a date YYYY-MM-DD (got {raw!r})", code="bad_date"
        ) from None


@click.command("compute")
@click.option("--methodology", "ref", required=True, help="ID or ID@version, e.g. ID_AM003@1.0.")
@click.option("--param", "params", multiple=True, help="NAME=VALUE[unit], e.g. EC_PJ=120MWh.")
@click.option(
    "--data",
    "data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A monitoring data file (.csv/.xlsx).",
)
@click.option("--on", "on", help="Check the methodology version is in force on this date.")
@click.option("--from", "start", help="The period's first day (with --data).")
@click.option("--to", "end", help="The period's last day (with --data).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def compute_command(
    ref: str,
    params: tuple[str, ...],
    data: Path | None,
    on: str | None,
    start: str | None,
    end: str | None,
    as_json: bool,
) -> None:
    """One period's emission reductions from parameter values and/or a data file."""
    ident, version = methodologies.parse_ref(ref)
    m = methodologies.load(ident, version, on=_date(on, "--on"))
    given = parse_params(m, params)
    first, last = _date(start, "--from"), _date(end, "--to")
    if (first is None) != (last is None):
        raise MrvError("give both --from and --to, or neither", code="bad_date")
    period = (first, last) if first and last else None
    findings: list = []
    kinds = {p.name: p.kind for p in m.parameters}
    if data is not None:
        points, report = _points_from_data(data, m, period)
        findings = list(report.findings)
        adjustments = list(report.adjustments)
        fixed = given
    else:
        monitored = {k: v for k, v in given.items() if kinds[k] == "monitored"}
        fixed = {k: v for k, v in given.items() if kinds[k] != "monitored"}
        points = [compute_mod.PointValues(site="-", point="-", values=monitored)]
        adjustments = []
    result = compute_mod.compute(m, fixed=fixed, points=points, adjustments=adjustments)
    out = compute_mod.result_json(result)
    if data is not None:
        out["findings"] = [
            {
                "kind": f.kind,
                "message": f.message,
                "site": f.site,
                "point": f.point,
                "parameter": f.parameter,
                "source": f.source,
            }
            for f in findings
        ]
    if as_json:
        _echo_json(out)
        return
    flag = " (PROVISIONAL)" if result.provisional else ""
    click.echo(f"{out['methodology']}{flag}")
    for s in out["steps"]:
        line = f"  {s['key']} = {s['formula']}"
        if s["formula"] != s["result"] and not s["formula"].endswith(f"{s['result']} {s['unit']}"):
            line += f" = {s['result']} {s['unit']}"
        click.echo(line)
    click.echo(f"reference emissions: {out['reference_emissions_tco2']} tCO2")
    click.echo(f"project emissions:   {out['project_emissions_tco2']} tCO2")
    click.echo(f"emission reductions: {out['emission_reductions_tco2']} tCO2")
    for a in out["adjustments"]:
        click.echo(f"adjustment: {a['kind']} ({a['treatment']}): {a['effect_tco2']} tCO2")
    for note in out["notes"]:
        click.echo(f"note: {note}")


COMMANDS: list[click.Command] = [methodologies_command, compute_command]
