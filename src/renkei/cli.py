"""The ``renkei`` command: a thin layer over the rules core.

Exit codes: 0 success; 1 the assessed proposal fails a rule; 2 bad input (unknown country,
technology or call, malformed proposal, a date outside the rulebook's period).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from renkei.errors import BadInput, RenkeiError, RuleError
from renkei.rules import (
    Status,
    assess_proposal,
    available_rulebooks,
    load_rulebook,
    parse_proposal,
    proposal_schema,
)
from renkei.rules._result import jsonable, render

EXIT_OK, EXIT_FAILS_RULE, EXIT_BAD_INPUT = 0, 1, 2


class _Group(click.Group):
    """Turns Renkei's own errors into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (BadInput, RuleError) as exc:
            click.echo(f"renkei: error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except RenkeiError as exc:  # pragma: no cover - a bug, but still no traceback
            click.echo(f"renkei: error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


def _emit(data: dict[str, Any], as_json: bool, text: str | None = None) -> None:
    if as_json or text is None:
        click.echo(json.dumps(jsonable(data), ensure_ascii=False, indent=2))
    else:
        click.echo(text)


def _decimal(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise BadInput(f"{name} must be a number like 1234.5 (got {raw!r})") from None
    if not value.is_finite():
        raise BadInput(f"{name} must be a finite number (got {raw!r})")
    return value


def _yen(name: str, raw: str) -> int:
    value = _decimal(name, raw)
    if value != value.to_integral_value():
        raise BadInput(f"{name} must be whole yen (got {raw!r})")
    return int(value)


def _date(raw: str, option: str = "--date") -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{option} must be a date YYYY-MM-DD (got {raw!r})") from None


def _book(call: str, program: str) -> Any:
    book = load_rulebook(call)
    if book.program != program:
        valid = [r for r in available_rulebooks() if r.startswith(program + "/")]
        raise BadInput(
            f"--call {call} is a {book.program} call; this command needs one of: "
            + ", ".join(valid)
        )
    return book


def _table(call: str, adoption_table: Path | None, adoptions: Path | None) -> Any:
    from renkei.rules.jcm import read_adoptions_csv, reconstructed_table

    table = reconstructed_table(call)
    if adoption_table is not None:
        table = table.replaced_by_csv(adoption_table)
    if adoptions is not None:
        table = table.with_adoptions(read_adoptions_csv(adoptions, table))
    return table


def _country(code: str) -> str:
    from renkei.rules.countries import validate_country

    return validate_country(code.strip().upper())


LANG = click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default="ja",
    show_default=True,
    help="language of the messages",
)
JSON = click.option("--json", "as_json", is_flag=True, help="print JSON")
CALL_JCM = click.option(
    "--call", default="jcm-model-project/fy2024", show_default=True, help="rulebook id"
)
TABLE_OPTS = [
    click.option(
        "--adoption-table",
        type=click.Path(path_type=Path, dir_okay=False),
        help="official annex-3 table (CSV) replacing the reconstructed one",
    ),
    click.option(
        "--adoptions",
        type=click.Path(path_type=Path, dir_okay=False),
        help="CSV of adoptions recorded later (country,technology,adopted_on,project)",
    ),
]


AS_OF = click.option(
    "--as-of",
    "as_of",
    help="application date YYYY-MM-DD: later adoptions count only up to it (2.(9))",
)


def _table_options(f: Any) -> Any:
    for opt in reversed(TABLE_OPTS):
        f = opt(f)
    return f


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="renkei")
def main() -> None:
    """Renkei: the JCM Model Project and C3P calls as cited rules."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@JSON
@LANG
@_table_options
@click.pass_context
def assess(
    ctx: click.Context,
    file: Path,
    as_json: bool,
    lang: str,
    adoption_table: Path | None,
    adoptions: Path | None,
) -> None:
    """Assess a proposal (YAML or JSON) clause by clause."""
    proposal = parse_proposal(file)
    options = {}
    if proposal.call.startswith("jcm-model-project/"):
        options["table"] = _table(proposal.call, adoption_table, adoptions)
    result = assess_proposal(proposal, **options)
    if as_json:
        _emit(result.to_dict(lang), True)
    else:
        click.echo(_report_text(result, lang))
    ctx.exit(EXIT_FAILS_RULE if result.status is Status.FAIL else EXIT_OK)


_MARK = {"pass": "✔", "fail": "✘", "needs_review": "?", "info": "·"}


def _report_text(result: Any, lang: str) -> str:
    data = result.to_dict(lang)
    status_label = render(f"status.{data['status']}", {}, lang)
    lines = [
        f"{data['subject']}",
        f"[{data['rulebook']['id']} v{data['rulebook']['version']}] "
        f"{'総合判定' if lang == 'ja' else 'Overall'}: {status_label}",
        "",
    ]
    for sec in data["sections"]:
        lines.append(f"■ {sec['title']} ({render('status.' + sec['status'], {}, lang)})")
        for f in sec["findings"]:
            subject = f"[{f['subject']}] " if "subject" in f else ""
            lines.append(f"  {_MARK[f['status']]} {f['clause']}: {subject}{f['message']}")
            for note in f.get("notes", []):
                lines.append(f"      ※ {note['message']}")
        lines.append("")
    figs = data["figures"]
    summary = {k: v for k, v in figs.items() if not isinstance(v, list | dict)}
    lines.append("■ " + ("主要数値" if lang == "ja" else "Key figures"))
    lines.extend(f"  {k}: {v}" for k, v in summary.items())
    return "\n".join(lines)


def _with_notes(finding: Any, lang: str) -> str:
    notes = "".join(f"\n  ※ {n.message(lang)}" for n in finding.notes)
    return f"{finding.clause}: {finding.message(lang)}{notes}"


@main.command()
def schema() -> None:
    """Print the JSON Schema of a proposal file (both calls, selected by `call`)."""
    click.echo(json.dumps(proposal_schema(), ensure_ascii=False, indent=2))


@main.group()
def rules() -> None:
    """Quick checks against a rulebook."""


@rules.command()
@CALL_JCM
@JSON
def technologies(call: str, as_json: bool) -> None:
    """List the annex-3 technologies: id, Japanese and English names, sector."""
    _book(call, "jcm-model-project")
    from renkei.rules.jcm import reconstructed_table

    techs = [t.to_dict() for t in reconstructed_table(call).technologies]
    text = "\n".join(
        f"{t['id']:<32} {t['sector']:<22} {t['name_ja']} / {t['name_en']}" for t in techs
    )
    if as_json:
        click.echo(json.dumps(techs, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


@rules.command("adoption-count")
@CALL_JCM
@click.option("--country", required=True, help="ISO 3166-1 alpha-2")
@click.option("--technology", required=True, help="annex-3 id or Japanese name")
@JSON
@AS_OF
@_table_options
def adoption_count(
    call: str,
    country: str,
    technology: str,
    as_json: bool,
    adoption_table: Path | None,
    adoptions: Path | None,
    as_of: str | None,
) -> None:
    """Similar-technology adoptions in a country (別添3)."""
    _book(call, "jcm-model-project")
    table = _table(call, adoption_table, adoptions)
    day = _date(as_of, "--as-of") if as_of else None
    count = table.count(table.technology(technology).id, _country(country), day)
    _emit(count.to_dict(), as_json, str(count))


@rules.command("subsidy-cap")
@CALL_JCM
@click.option("--country", required=True, help="ISO 3166-1 alpha-2")
@click.option("--technology", required=True, help="annex-3 id or Japanese name")
@click.option(
    "--outside-annex3",
    is_flag=True,
    help="the technology is not in annex 3: counted at 0 similar adoptions (2.(9))",
)
@click.option("--eco-lease", is_flag=True, help="JCM eco-lease (rate ≤ 10%)")
@JSON
@LANG
@AS_OF
@_table_options
def subsidy_cap(
    call: str,
    country: str,
    technology: str,
    outside_annex3: bool,
    eco_lease: bool,
    as_json: bool,
    lang: str,
    adoption_table: Path | None,
    adoptions: Path | None,
    as_of: str | None,
) -> None:
    """The subsidy-rate cap for a technology in a country (2.(9))."""
    from renkei.rules.jcm import rate_cap

    book = _book(call, "jcm-model-project")
    table = _table(call, adoption_table, adoptions)
    day = _date(as_of, "--as-of") if as_of else None
    cap = rate_cap(
        book,
        table,
        technology,
        _country(country),
        eco_lease=eco_lease,
        as_of=day,
        outside_annex3=outside_annex3,
    )
    _emit(cap.to_dict(lang), as_json, _with_notes(cap.finding(), lang))


@rules.command("cost-effectiveness")
@CALL_JCM
@click.option("--country", required=True, help="ISO 3166-1 alpha-2")
@click.option("--technology", required=True, help="annex-3 id or Japanese name")
@click.option("--subsidy-jpy", required=True, help="subsidy in whole yen")
@click.option("--annual-tco2", required=True, help="annual reduction, tCO2/year")
@click.option("--useful-life-years", required=True, type=int, help="statutory useful life")
@JSON
@LANG
def cost_effectiveness_cmd(
    call: str,
    country: str,
    technology: str,
    subsidy_jpy: str,
    annual_tco2: str,
    useful_life_years: int,
    as_json: bool,
    lang: str,
) -> None:
    """Subsidy ÷ lifetime reduction against its limit (別添2 3.(2)(D))."""
    from renkei.rules.jcm import cost_effectiveness, reconstructed_table

    book = _book(call, "jcm-model-project")
    tech = reconstructed_table(call).technology(technology)
    ce = cost_effectiveness(
        book,
        technology=tech.id,
        country=_country(country),
        subsidy_jpy=_yen("--subsidy-jpy", subsidy_jpy),
        annual_tco2=_decimal("--annual-tco2", annual_tco2),
        useful_life_years=useful_life_years,
    )
    _emit(ce.to_dict(lang), as_json, _with_notes(ce.finding(), lang))


@rules.command("admin-cost-cap")
@CALL_JCM
@click.option("--base-jpy", required=True, help="works + equipment cost, whole yen")
@JSON
def admin_cost_cap_cmd(call: str, base_jpy: str, as_json: bool) -> None:
    """The 事務費 cap for a works + equipment cost (別表1)."""
    from renkei.rules.jcm import admin_cost_cap

    book = _book(call, "jcm-model-project")
    cap = admin_cost_cap(book, _yen("--base-jpy", base_jpy))
    _emit({"cap_jpy": cap, "clause": book.admin_cost_cap.clause}, as_json, f"{cap:,} JPY")


@rules.command("c3p-score")
@click.option("--call", default="c3p/fy2025", show_default=True, help="rulebook id")
@click.option(
    "--item",
    required=True,
    type=click.Choice(["cost_effectiveness", "ghg_reduction", "engineer_workload"]),
)
@click.option("--value", required=True, help="JPY/tCO2, tCO2/year, or number of projects")
@JSON
@LANG
def c3p_score(call: str, item: str, value: str, as_json: bool, lang: str) -> None:
    """Points of a computed C3P scoring item (Table 6)."""
    from renkei.rules.c3p import score_item

    book = _book(call, "c3p")
    finding = score_item(book, item, _decimal("--value", value))
    data = {"points": finding.params["points"], "clause": finding.clause}
    if finding.notes:
        data["notes"] = [n.to_dict(lang) for n in finding.notes]
    _emit(data, as_json, _with_notes(finding, lang))


@rules.command()
@CALL_JCM
@click.option(
    "--event",
    required=True,
    help="pre-registration, grant-application, "
    "completion-report, year-end-report, payment, jcm-registration, first-issuance, "
    "records-retention",
)
@click.option("--date", "day", required=True, help="the event's basis date, YYYY-MM-DD")
@JSON
@LANG
def deadline(call: str, event: str, day: str, as_json: bool, lang: str) -> None:
    """A deadline of the JCM call from its basis date (2.(1), 4., 5.)."""
    from renkei.rules.jcm import deadline as compute

    book = _book(call, "jcm-model-project")
    d = compute(book, event, _date(day))
    notes = "".join(f"\n  ※ {n.message(lang)}" for n in d.notes)
    _emit(d.to_dict(lang), as_json, f"{d.due.isoformat()} ({d.clause}){notes}")


@rules.command()
@CALL_JCM
@JSON
def documents(call: str, as_json: bool) -> None:
    """The required documents of the call (5.(3)) with their ids and form numbers."""
    book = _book(call, "jcm-model-project")
    docs = [d.model_dump() for d in book.required_documents.documents]
    text = "\n".join(
        f"{d['id']:<22} {d['form'] or '':<10} {d['name_ja']} ({d['required']})" for d in docs
    )
    if as_json:
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


@rules.command("useful-lives")
@JSON
def useful_lives_cmd(as_json: bool) -> None:
    """Reference statutory useful lives (法定耐用年数) with their source and status tag."""
    from renkei.rules.useful_lives import useful_lives

    rows = [u.__dict__ for u in useful_lives()]
    text = "\n".join(
        f"{u['years']:>3} 年  {u['schedule']} {u['item']}  [{u['status']}]  {u['equipment']}"
        for u in rows
    )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
