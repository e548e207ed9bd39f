"""``renkei mrv check FILE``: a monitoring data file's quality findings (owned by the data
helper).

FILE is the monitoring data file (.xlsx or .csv with the columns ``site, point, parameter, start,
end, value, unit[, meter]``) or interval meter data (a .csv with the columns
``site,point,timestamp,value``, told by its header). Exit codes as the ``rules`` commands: 0 no
finding, 1 findings that change what would be computed (each with its treatment), 2 bad input
(a file that cannot be read, or cells that cannot: each named)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import tempfile
from pathlib import Path
from typing import Any

import click

from renkei.mrv import datafile, quality
from renkei.mrv.cli import EXIT_BAD_INPUT, EXIT_FAILS_RULE, EXIT_OK
from renkei.mrv.types import Adjustment, Finding, Methodology, MrvError

__all__ = ["COMMANDS", "check_command"]

METER_HEADER = "site,point,timestamp,value"


def _date(raw: str | None, option: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise MrvError(
            f"{option} must be a date YYYY-MM-DD (got {raw!r})", code="bad_date"
        ) from None


def _methodology(ref: str | None, on: dt.date | None) -> Methodology | None:
    if not ref:
        return None
    # the core's module, imported when asked for (and looked up in sys.modules, for the tests)
    methodologies = importlib.import_module("renkei.mrv.methodologies")
    ident, _, version = ref.partition("@")
    return methodologies.load(ident, version or None, on=on)


def _finding_json(f: Finding, adjustment: Adjustment | None) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "message": f.message,
        "site": f.site,
        "point": f.point,
        "parameter": f.parameter,
        "source": f.source,
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "treatment": adjustment.treatment if adjustment else None,
        "note": adjustment.note if adjustment else "",
    }


def _is_meter_data(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    with path.open("rb") as f:
        first = f.readline().decode("utf-8-sig", errors="replace")
    return first.strip().replace(" ", "").lower() == METER_HEADER


def _check_file(path: Path, m: Methodology | None, period: tuple[dt.date, dt.date] | None) -> dict:
    outcome = datafile.read_readings(path, name=path.name)
    report = quality.check(outcome.readings, methodology=m, period=period)
    treated = {id(a.finding): a for a in report.adjustments}
    return {
        "file": path.name,
        "kind": "monitoring data",
        "methodology": f"{m.id} {m.version}" if m else None,
        "period": [d.isoformat() for d in period] if period else None,
        "rows": outcome.rows,
        "readings": len(outcome.readings),
        "errors": [{"where": e.where, "message": e.message} for e in outcome.errors],
        "notes": outcome.notes + report.notes,
        "findings": [_finding_json(f, treated.get(id(f))) for f in report.findings],
        "totals": [
            {"site": s, "point": p, "parameter": n, "value": str(q.value), "unit": q.unit}
            for (s, p, n), q in sorted(quality.period_totals(report.kept).items())
        ],
    }


def _check_meter(
    path: Path, period: tuple[dt.date, dt.date] | None, interval: int, unit: str
) -> dict:
    from renkei.mrv import meter

    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "meter.parquet"
        stored = meter.store_interval(path, parquet, unit=unit)
        notes = []
        if period is None:
            con = meter.connect()
            try:
                first, last = con.execute(
                    "SELECT make_timestamptz(min(epoch_us))::DATE, "
                    "make_timestamptz(max(epoch_us))::DATE "
                    f"FROM {meter.readings_sql(con, parquet)}"
                ).fetchone()
            finally:
                con.close()
            if first is None:
                raise MrvError(f"{path.name} has no readable row", code="bad_file")
            period = (first, last)
            notes.append(
                f"No --from/--to given: the period is the data's first to last day (JST), "
                f"{first.isoformat()} to {last.isoformat()}."
            )
        start, end = quality.period_bounds(period)
        outcome = meter.period_totals(parquet, start=start, end=end, interval_minutes=interval)
    treated = {id(a.finding): a for a in outcome.adjustments}
    return {
        "file": path.name,
        "kind": "interval meter data",
        "methodology": None,
        "period": [d.isoformat() for d in period],
        "rows": stored.rows_read,
        "readings": stored.rows_kept,
        "errors": [{"where": path.name, "message": e} for e in stored.errors],
        "bad_rows": stored.bad_rows,
        "notes": notes,
        "counts": outcome.counts,
        "findings": [_finding_json(f, treated.get(id(f))) for f in outcome.findings],
        "totals": [
            {"site": s, "point": p, "parameter": "", "value": str(q.value), "unit": q.unit}
            for (s, p), q in sorted(outcome.totals.items())
        ],
    }


@click.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--methodology",
    "ref",
    help="ID or ID@version, e.g. ID_AM003@1.0: its parameters, bounds and treatments apply.",
)
@click.option("--from", "date_from", help="The monitoring period's first day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="The monitoring period's last day (inclusive), YYYY-MM-DD.")
@click.option(
    "--interval", default=15, show_default=True, help="Interval meter data: minutes per reading."
)
@click.option(
    "--unit", default="kWh", show_default=True, help="Interval meter data: the values' unit."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def check_command(
    ctx: click.Context,
    file: Path,
    ref: str | None,
    date_from: str | None,
    date_to: str | None,
    interval: int,
    unit: str,
    as_json: bool,
) -> None:
    """A monitoring data file's quality findings, each with the methodology's treatment.

    Exit 0: no finding; 1: findings that change what would be computed; 2: bad input."""
    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    if (first is None) != (last is None):
        raise MrvError(
            "give both --from and --to (the period's first and last day), or neither",
            code="bad_date",
        )
    if first and last and last < first:
        raise MrvError(f"--to {last} is before --from {first}", code="bad_date")
    period = (first, last) if first and last else None
    if _is_meter_data(file):
        if ref:
            raise MrvError(
                "--methodology applies to a monitoring data file; interval meter data "
                "(site,point,timestamp,value) is checked on its own",
                code="bad_option",
            )
        data = _check_meter(file, period, interval, unit)
    else:
        data = _check_file(file, _methodology(ref, first), period)
    code = EXIT_BAD_INPUT if data["errors"] else EXIT_FAILS_RULE if data["findings"] else EXIT_OK
    data["exit"] = code
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print(data)
    ctx.exit(code)


def _print(data: dict) -> None:
    period = " to ".join(data["period"]) if data["period"] else "no period given"
    click.echo(
        f"{data['file']} ({data['kind']}): {data['readings']:,} of {data['rows']:,} rows "
        f"read; {period}" + (f"; {data['methodology']}" if data["methodology"] else "")
    )
    if data["errors"]:
        click.echo(f"{len(data['errors'])} bad cells or rows (left out):")
        for e in data["errors"]:
            click.echo(f"  {e['where']}: {e['message']}")
    for note in data["notes"]:
        click.echo(f"note: {note}")
    if data["findings"]:
        click.echo(f"{len(data['findings'])} findings:")
        for f in data["findings"]:
            where = f" [{f['source']}]" if f["source"] else ""
            treatment = f" → {f['treatment']}" if f["treatment"] else ""
            click.echo(f"  {f['kind']}{where}: {f['message']}{treatment}")
            if f["note"]:
                click.echo(f"    ({f['note']})")
    else:
        click.echo("no findings")
    for t in data["totals"]:
        name = f" {t['parameter']}" if t["parameter"] else ""
        click.echo(f"  total {t['site']}/{t['point']}{name}: {t['value']} {t['unit']}")


COMMANDS: list[click.Command] = [check_command]
