"""The ``renkei`` command: a thin layer over the rules core.

Exit codes: 0 success; 1 the assessed proposal fails a rule (or a budget change would break the
事務費 cap); 2 bad input (unknown country, technology, call or category, malformed proposal or
amount, a date outside the rulebook's period).
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


def _notes_text(notes: Any, lang: str) -> str:
    return "".join(f"\n  ※ {n.message(lang)}" for n in notes)


@rules.command()
@CALL_JCM
@click.option(
    "--event",
    required=True,
    help="pre-registration, grant-application, completion-report, year-end-report, payment, "
    "jcm-registration, first-issuance, records-retention, property-ledger-retention, "
    "final-inspection, annual-report",
)
@click.option("--date", "day", required=True, help="the event's basis date, YYYY-MM-DD")
@click.option(
    "--useful-life-years",
    type=int,
    help="statutory useful life in years (needed by annual-report, whose date is the start "
    "of operation)",
)
@JSON
@LANG
def deadline(
    call: str, event: str, day: str, useful_life_years: int | None, as_json: bool, lang: str
) -> None:
    """A deadline of the JCM call from its basis date (2.(1), 4., 5.)."""
    from renkei.rules.jcm import deadline as compute

    book = _book(call, "jcm-model-project")
    d = compute(book, event, _date(day), useful_life_years=useful_life_years)
    if d.due is not None:
        head = f"{d.due.isoformat()} ({d.clause})"
    else:
        head = ("期限の定めなし" if lang == "ja" else "no due date") + f" ({d.clause})"
    reports = d.extra.get("reports", [])
    rows = "".join(
        f"\n  {r['period_start'].isoformat()} – {r['period_end'].isoformat()}" for r in reports
    )
    _emit(d.to_dict(lang), as_json, f"{head}{rows}{_notes_text(d.notes, lang)}")


def _pairs(option: str, raw: str) -> dict[str, int]:
    """``construction=N,equipment=N,admin=N`` (whole yen; a category left out is 0 yen)."""
    from renkei.rules.jcm import CATEGORY_IDS

    shape = "construction=N,equipment=N,admin=N (whole yen)"
    out: dict[str, int] = {}
    for part in raw.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise BadInput(f"{option}: {part.strip()!r} is not category=yen; write {shape}")
        if name not in CATEGORY_IDS:
            raise BadInput(
                f"{option}: unknown category {name!r}; the 別表1 column-1 categories are "
                f"{', '.join(CATEGORY_IDS)}: write {shape}"
            )
        if name in out:
            raise BadInput(f"{option}: {name} is given twice; give each category once")
        yen = _yen(f"{option} {name}", value.strip())
        if yen < 0:
            raise BadInput(f"{option} {name} must be zero or more yen (got {yen:,})")
        out[name] = yen
    return out


@rules.command("change-approval")
@CALL_JCM
@click.option(
    "--from",
    "before",
    required=True,
    help="latest approved allocation: construction=N,equipment=N,admin=N (yen)",
)
@click.option(
    "--to", "after", required=True, help="proposed allocation: construction=N,equipment=N,admin=N"
)
@JSON
@LANG
@click.pass_context
def change_approval_cmd(
    ctx: click.Context, call: str, before: str, after: str, as_json: bool, lang: str
) -> None:
    """Whether a budget change needs the Centre's prior approval (4.(4)); exit code 1 when the
    new allocation breaks the 事務費 cap (別表1), which no approval allows."""
    from renkei.rules.jcm import change_approval

    book = _book(call, "jcm-model-project")
    result = change_approval(book, _pairs("--from", before), _pairs("--to", after))
    text = f"{result.clause}: {result.message(lang)}{_notes_text(result.notes, lang)}"
    _emit(result.to_dict(lang), as_json, text)
    ctx.exit(EXIT_FAILS_RULE if result.finding.status is Status.FAIL else EXIT_OK)


@rules.command()
@CALL_JCM
@click.option("--acquired-jpy", required=True, help="unit price of the item, whole yen")
@click.option(
    "--acquired-on",
    required=True,
    help="the basis date of the useful life, YYYY-MM-DD: the day the equipment starts operating "
    "(2.(5)①(エ))",
)
@click.option("--useful-life-years", required=True, type=int, help="statutory useful life")
@click.option("--date", "day", required=True, help="the day of the disposal, YYYY-MM-DD")
@JSON
@LANG
def disposal(
    call: str,
    acquired_jpy: str,
    acquired_on: str,
    useful_life_years: int,
    day: str,
    as_json: bool,
    lang: str,
) -> None:
    """Whether disposing of an acquired item needs the Centre's approval (4.(8))."""
    from renkei.rules.jcm import disposal as compute

    book = _book(call, "jcm-model-project")
    result = compute(
        book,
        unit_price_jpy=_yen("--acquired-jpy", acquired_jpy),
        operation_start=_date(acquired_on, "--acquired-on"),
        useful_life_years=useful_life_years,
        day=_date(day),
    )
    verdict = {
        ("ja", True): "承認が必要です",
        ("ja", False): "承認は不要です",
        ("en", True): "approval required",
        ("en", False): "no approval required",
    }[(lang, result.approval_required)]
    until = "制限期間の末日" if lang == "ja" else "restriction ends"
    text = (
        f"{result.clause}: {verdict} ({until} {result.restriction_ends.isoformat()})"
        f"{_notes_text(result.notes, lang)}"
    )
    _emit(result.to_dict(lang), as_json, text)


def _width(text: str) -> int:
    """Columns a text takes in a terminal (full-width characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _exclusions(raw: tuple[str, ...]) -> list[tuple[str, int]]:
    out = []
    for value in raw:
        for name, yen in _pairs("--excluded", value).items():
            out.append((name, yen))
    return out


@rules.command("fixed-amount")
@CALL_JCM
@click.option("--decided-jpy", required=True, help="the decided amount (交付決定額), whole yen")
@click.option("--rate", required=True, help="the decided subsidy rate, e.g. 0.5")
@click.option(
    "--decided",
    required=True,
    help="decided (latest approved) allocation: construction=N,equipment=N,admin=N (yen)",
)
@click.option(
    "--actual", required=True, help="actual cost: construction=N,equipment=N,admin=N (yen)"
)
@click.option(
    "--excluded",
    multiple=True,
    help="cost to exclude (own-product profit, ineligible items, 2.(7)): category=N; repeatable",
)
@click.option("--advances-jpy", default="0", show_default=True, help="advances paid (概算払)")
@JSON
@LANG
def fixed_amount_cmd(
    call: str,
    decided_jpy: str,
    rate: str,
    decided: str,
    actual: str,
    excluded: tuple[str, ...],
    advances_jpy: str,
    as_json: bool,
    lang: str,
) -> None:
    """The amount to fix, line by line, and the final payment or refund (2.(8), 4.(6)②, 4.(7))."""
    from renkei.rules.jcm import fixed_amount

    book = _book(call, "jcm-model-project")
    advances = _yen("--advances-jpy", advances_jpy)
    if advances < 0:
        raise BadInput(f"--advances-jpy must be zero or more yen (got {advances:,})")
    decided_yen = _yen("--decided-jpy", decided_jpy)
    if decided_yen < 0:
        raise BadInput(f"--decided-jpy must be zero or more yen (got {decided_yen:,})")
    result = fixed_amount(
        book,
        decided_amount_jpy=decided_yen,
        rate=_decimal("--rate", rate),
        decided_budget=_pairs("--decided", decided),
        actual=_pairs("--actual", actual),
        excluded=_exclusions(excluded),
        advances_jpy=advances,
    )
    data = result.to_dict(lang)
    width = max(_width(line["label"]) for line in data["lines"])
    rows = [
        line["label"]
        + " " * (width - _width(line["label"]) + 2)
        + (f"{line['value']:>15,}" if isinstance(line["value"], int) else f"{line['value']:>15}")
        + f"  ({line['clause']})"
        for line in data["lines"]
    ]
    _emit(data, as_json, "\n".join(rows) + _notes_text(result.notes, lang))


@rules.command("cancellation-grounds")
@CALL_JCM
@JSON
@LANG
def cancellation_grounds_cmd(call: str, as_json: bool, lang: str) -> None:
    """The grounds on which the Centre may cancel a grant decision (4.(10) ①–④, 4.(11))."""
    from renkei.rules.jcm import cancellation_grounds

    grounds = [g.to_dict(lang) for g in cancellation_grounds(_book(call, "jcm-model-project"))]
    text = "\n".join(
        f"{g['id']} ({g['clause']}) {g['text']}"
        + (f"\n   {g['proviso']}" if "proviso" in g else "")
        for g in grounds
    )
    if as_json:
        click.echo(json.dumps(grounds, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


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


@main.group()
def credits() -> None:
    """JCM credits: the arithmetic of an issuance's split (issue 10)."""


@credits.command("allocate")
@click.option("--issued", required=True, help="credits issued, a whole number of tCO2")
@click.option(
    "--shares",
    required=True,
    help="the allocation agreement's shares in percent: goj=50,pp1=30,pp2=20 (adding up to 100)",
)
@click.option(
    "--government",
    default="goj",
    show_default=True,
    help="the party that is the Government of Japan (its share is rounded up)",
)
@JSON
def credits_allocate(issued: str, shares: str, government: str, as_json: bool) -> None:
    """Splits an issuance by the allocation agreement (様式5): the Government of Japan's share
    rounded up, the others' down, the rest to the largest remainders; the parts add up to the
    issuance exactly. The call sets no share (spec A-24)."""
    from renkei.rules.jcm.credits import allocate, parse_shares

    value = _decimal("--issued", issued)
    if value != value.to_integral_value():
        raise BadInput(f"--issued must be whole credits (tCO2), not {issued!r}")
    result = allocate(int(value), parse_shares(shares), government=government.strip())
    data = result.to_dict()
    width = max(len(k) for k in result.allocations)
    text = "\n".join(
        f"{k:<{width}}  {n:>12,}  ({v.normalize():f} % of {result.issued:,} = "
        f"{data['exact'][k]})" + ("  +1 remainder" if k in result.remainder_to else "")
        for (k, n), v in zip(result.allocations.items(), result.shares.values(), strict=True)
    )
    _emit(data, as_json, text)


@main.group()
def c3p() -> None:
    """C3P after adoption: a contract year's expense settlement (issue 11)."""


SETTLE_KEYS = {
    "fiscal_year",
    "contract_amount_jpy",
    "earlier_settled_incl_tax_jpy",
    "signed_on",
    "lines",
}
LINE_KEYS = {"category", "description", "amount_jpy", "unit_price_jpy", "spent_on"}


def _settle_lines(raw: Any) -> list[Any]:
    from renkei.rules.c3p import ExpenseLine

    if not isinstance(raw, list) or not raw:
        raise BadInput("lines: give a list of expense lines (category, description, amount_jpy)")
    out = []
    for n, line in enumerate(raw, 1):
        if (
            not isinstance(line, dict)
            or set(line) - LINE_KEYS
            or not {"category", "description", "amount_jpy"} <= set(line)
        ):
            got = sorted(line) if isinstance(line, dict) else line
            raise BadInput(
                f"lines[{n}]: give category, description, amount_jpy and optionally "
                f"unit_price_jpy, spent_on (got {got!r})"
            )
        day = line.get("spent_on")
        unit = line.get("unit_price_jpy")
        out.append(
            ExpenseLine(
                category=str(line["category"]),
                description=str(line["description"]),
                amount_jpy=_yen(f"lines[{n}].amount_jpy", str(line["amount_jpy"])),
                unit_price_jpy=None
                if unit is None
                else _yen(f"lines[{n}].unit_price_jpy", str(unit)),
                spent_on=None if day is None else _date(str(day), f"lines[{n}].spent_on"),
            )
        )
    return out


@c3p.command("settle")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML: fiscal_year, contract_amount_jpy, [earlier_settled_incl_tax_jpy], "
    "[signed_on], lines (category, description, amount_jpy, [unit_price_jpy], "
    "[spent_on])",
)
@JSON
@LANG
def c3p_settle(path: Path, as_json: bool, lang: str) -> None:
    """Checks a C3P settlement report by Table 5 categories against the year's contract: the
    categories, the equipment threshold, dates in the contract year, consumption tax, the
    contract amount and the outsourcing share. Exit 1 when a line is refused."""
    from renkei.rules._yaml import load_yaml_file
    from renkei.rules.c3p import check_settlement, rulebook_for_year

    doc = load_yaml_file(path)
    if (
        not isinstance(doc, dict)
        or set(doc) - SETTLE_KEYS
        or not {"fiscal_year", "contract_amount_jpy", "lines"} <= set(doc)
    ):
        raise BadInput(
            f"{path}: give {', '.join(sorted(SETTLE_KEYS))} (lines, fiscal_year and "
            "contract_amount_jpy required)"
        )
    fy = int(_yen("fiscal_year", str(doc["fiscal_year"])))
    book, note = rulebook_for_year(fy)
    signed = doc.get("signed_on")
    result = check_settlement(
        book,
        _settle_lines(doc["lines"]),
        contract_amount_jpy=_yen("contract_amount_jpy", str(doc["contract_amount_jpy"])),
        fiscal_year=fy,
        earlier_settled_incl_tax_jpy=_yen(
            "earlier_settled_incl_tax_jpy", str(doc.get("earlier_settled_incl_tax_jpy", 0))
        ),
        contract_signed_on=None if signed is None else _date(str(signed), "signed_on"),
    )
    data = {
        "rulebook": book.id,
        "pre_tax_jpy": result.pre_tax_jpy,
        "tax_jpy": result.tax_jpy,
        "total_incl_tax_jpy": result.total_incl_tax_jpy,
        "by_category": dict(result.by_category),
        "refused": result.refused,
        "findings": [f.to_dict(lang) for f in result.findings],
        "notes": [note.to_dict(lang)] if note else [],
    }
    text = "\n".join(f"[{f.status}] {f.message(lang)} ({f.clause})" for f in result.findings) + (
        f"\n  ※ {note.message(lang)}" if note else ""
    )
    _emit(data, as_json, text)
    if result.refused:
        sys.exit(EXIT_FAILS_RULE)


def _add_mrv() -> None:
    from renkei.mrv.cli import mrv

    main.add_command(mrv)


_add_mrv()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
