"""The life of an adopted C3P project, year by year, as rules (guidebook 2.1, BOX 6, 3.3 (3),
Table 3, Table 5; spec §3.3–3.6).

- ``rulebook_for_year``: the rulebook whose contract year is the fiscal year; for a later year
  that has none yet, the latest earlier one, with a note saying so (3.3 (3) sets the cap per
  fiscal year: "In fiscal 2025, this limit was set at ..."; the office's reading until that
  year's call is loaded);
- ``check_contract``: the yearly contract amount including tax within the cap, plus the
  field-survey addition the office may grant (3.3 (3) and its footnote 1), and the office's
  reduction from the requested amount recorded with its reason (3.3 (3), BOX 6);
- ``check_change``: a reduction or suspension once the amount is finalised (3.3 (3));
- ``check_settlement``: expenses by the Table 5 categories, consumption tax (Table 5), the
  outsourcing share (Table 5, read as spec §5 B-02) and the equipment threshold (Table 5);
- ``next_year``: renewal into the next year (2.1: "the contract is renewed annually"), the
  phase change after the third year with its novelty requirement (Table 6 item 1), never a
  third phase (2.1: "a maximum of two phases"; spec §5 B-01);
- ``check_activity_date``: an activity (or expense) dated inside the contract year (2.1, 3.3 (3):
  "single fiscal year").

Each refusal is a FAIL finding naming the guidebook's place and what would be right; a rule the
guidebook states "as a general rule" or "may" is NEEDS_REVIEW. Money is whole yen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from renkei.errors import BadInput, NotInForce
from renkei.rules._registry import available_rulebooks, load_rulebook
from renkei.rules._result import Finding, Note, Status
from renkei.rules.c3p.costs import _pct, consumption_tax
from renkei.rules.c3p.rulebook import C3pRulebook
from renkei.rules.c3p.schedule import fiscal_year_bounds

__all__ = [
    "ExpenseLine",
    "NextYear",
    "Settlement",
    "check_activity_date",
    "check_change",
    "check_contract",
    "check_settlement",
    "next_year",
    "rulebook_for_year",
]


def _c3p_books() -> list[C3pRulebook]:
    books = [load_rulebook(i) for i in available_rulebooks() if i.startswith("c3p/")]
    return sorted(books, key=lambda b: b.fiscal_year.value)


def rulebook_for_year(fiscal_year: int) -> tuple[C3pRulebook, Note | None]:
    """The rulebook of the call for ``fiscal_year``'s contract; for a later year without one,
    the latest earlier rulebook and a note (the office's reading); before the first, refused."""
    books = _c3p_books()
    for book in books:
        if book.fiscal_year.value == fiscal_year:
            return book, None
    earlier = [b for b in books if b.fiscal_year.value < fiscal_year]
    if not earlier:
        first = books[0]
        start, end = fiscal_year_bounds(fiscal_year)
        raise NotInForce(
            first.id,
            "a contract for",
            f"FY{fiscal_year} ({start} – {end})",
            first.period.start,
            first.period.end,
        )
    book = earlier[-1]
    note = Note(
        "c3pproject.note.rulebook_carried",
        (book.costs.cap_incl_tax_jpy.clause,),
        {"fiscal_year": fiscal_year, "rulebook": book.id, "book_year": book.fiscal_year.value},
    )
    return book, note


# --- the yearly contract -------------------------------------------------------------------------
def check_contract(
    book: C3pRulebook,
    *,
    amount_incl_tax_jpy: int,
    field_survey_addition_jpy: int = 0,
    field_survey_tasks: str = "",
    requested_jpy: int | None = None,
    reduction_reason: str = "",
) -> tuple[Finding, ...]:
    """The contract amount the office agrees for the year (3.3 (3), BOX 6).

    ``field_survey_addition_jpy`` is the increase the office grants for tasks requiring field
    surveys (at most the rulebook's uplift, and only with those tasks stated); the amount must
    be within the base cap plus that addition. An amount below ``requested_jpy`` is the office's
    reduction after its review and needs its reason."""
    c = book.costs
    for what, value in (
        ("the contract amount", amount_incl_tax_jpy),
        ("the field-survey addition", field_survey_addition_jpy),
    ):
        if value < 0:
            raise BadInput(f"{what} must be zero or more yen (got {value})")
    base = c.cap_incl_tax_jpy
    uplift = c.field_survey_uplift_jpy
    tasks = (field_survey_tasks or "").strip()
    add = field_survey_addition_jpy
    out: list[Finding] = []
    params = {"addition": add, "uplift": uplift.value, "tasks": tasks}
    clause = uplift.clause
    if add > uplift.value:
        out.append(
            Finding(
                "c3pproject.contract.addition",
                clause,
                Status.FAIL,
                "c3pproject.contract.addition.over",
                params,
            )
        )
        add = uplift.value
    elif add and not tasks:
        out.append(
            Finding(
                "c3pproject.contract.addition",
                clause,
                Status.FAIL,
                "c3pproject.contract.addition.no_tasks",
                params,
            )
        )
        add = 0
    elif add:
        out.append(
            Finding(
                "c3pproject.contract.addition",
                clause,
                Status.PASS,
                "c3pproject.contract.addition.granted",
                params,
            )
        )
    cap = base.value + add
    total = amount_incl_tax_jpy
    params = {
        "total": total,
        "base_cap": base.value,
        "cap": cap,
        "addition": add,
        "excess": max(0, total - cap),
        "uplift": uplift.value,
    }
    cap_clause = f"{base.clause}; {uplift.clause}" if add else base.clause
    if total <= cap:
        code = "c3pproject.contract.cap.pass" if not add else "c3pproject.contract.cap.pass_added"
        out.append(Finding("c3pproject.contract.cap", cap_clause, Status.PASS, code, params))
    else:
        code = (
            "c3pproject.contract.cap.fail"
            if add or total > base.value + uplift.value
            else "c3pproject.contract.cap.fail_addition_possible"
        )
        out.append(Finding("c3pproject.contract.cap", cap_clause, Status.FAIL, code, params))
    if requested_jpy is not None:
        reduction = requested_jpy - total
        rparams = {
            "requested": requested_jpy,
            "total": total,
            "reduction": reduction,
            "reason": (reduction_reason or "").strip(),
        }
        if reduction > 0:
            ok = bool(rparams["reason"])
            out.append(
                Finding(
                    "c3pproject.contract.reduction",
                    "3.3 (3); BOX 6",
                    Status.PASS if ok else Status.FAIL,
                    "c3pproject.contract.reduction.recorded"
                    if ok
                    else "c3pproject.contract.reduction.no_reason",
                    rparams,
                )
            )
        elif reduction < 0:
            out.append(
                Finding(
                    "c3pproject.contract.reduction",
                    "3.3 (3); BOX 6",
                    Status.NEEDS_REVIEW,
                    "c3pproject.contract.reduction.above_request",
                    rparams,
                )
            )
    return tuple(out)


def check_change(
    *, kind: str, amount_jpy: int, new_amount_jpy: int | None, settled_jpy: int, reason: str
) -> Finding:
    """A mid-year change once the amount is finalised (3.3 (3): "the project may be suspended,
    or costs reduced depending on the project's progress and outcomes"; the criteria are not
    given, spec §5 B-14: the office decides, with its reason). A reduction lowers the amount,
    never below what is already settled for the year; a suspension keeps it."""
    why = (reason or "").strip()
    params = {
        "amount": amount_jpy,
        "new_amount": new_amount_jpy,
        "settled": settled_jpy,
        "reason": why,
    }
    clause = "3.3 (3)"
    if not why:
        return Finding(
            "c3pproject.change", clause, Status.FAIL, "c3pproject.change.no_reason", params
        )
    if kind == "suspension":
        return Finding(
            "c3pproject.change", clause, Status.PASS, "c3pproject.change.suspension", params
        )
    if kind != "reduction" or new_amount_jpy is None:
        raise BadInput(
            f"a change is a reduction (with its new amount) or a suspension (got {kind})"
        )
    if new_amount_jpy >= amount_jpy or new_amount_jpy < 0:
        code = "c3pproject.change.not_lower"
    elif new_amount_jpy < settled_jpy:
        code = "c3pproject.change.below_settled"
    else:
        return Finding(
            "c3pproject.change", clause, Status.PASS, "c3pproject.change.reduction", params
        )
    return Finding("c3pproject.change", clause, Status.FAIL, code, params)


# --- expense settlement --------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpenseLine:
    """One expense of the year: its Table 5 category, what it is, the pre-tax amount, and for
    equipment and consumables the unit purchase price (the Table 5 threshold applies to it)."""

    category: str
    description: str
    amount_jpy: int
    unit_price_jpy: int | None = None
    spent_on: dt.date | None = None


@dataclass(frozen=True)
class Settlement:
    findings: tuple[Finding, ...]
    by_category: Mapping[str, int]
    pre_tax_jpy: int
    tax_jpy: int
    total_incl_tax_jpy: int

    @property
    def refused(self) -> bool:
        return any(f.status == Status.FAIL for f in self.findings)


def check_settlement(
    book: C3pRulebook,
    lines: Iterable[ExpenseLine],
    *,
    contract_amount_jpy: int,
    fiscal_year: int,
    earlier_settled_incl_tax_jpy: int = 0,
    contract_signed_on: dt.date | None = None,
) -> Settlement:
    """An expense settlement report by Table 5 categories: each line in a known category, the
    equipment threshold, each date inside the contract year, consumption tax on the pre-tax total
    (Table 5, rounded down as for the cost plan), the total with earlier settlements of the year
    within the contract amount (3.3 (3)), and the money paid to others within the outsourcing
    share (Table 5, "as a general rule": flagged, not refused)."""
    c = book.costs
    names = {cat.id: cat for cat in c.categories}
    by_category = {cat.id: 0 for cat in c.categories}
    out: list[Finding] = []
    threshold = c.equipment_min_unit_price_jpy
    lines = list(lines)
    for n, line in enumerate(lines, 1):
        subject = f"{n}"
        base = {"line": n, "description": line.description, "amount": line.amount_jpy}
        if line.amount_jpy < 0:
            raise BadInput(f"expense line {n}: the amount must be zero or more yen")
        cat = names.get(line.category)
        if cat is None:
            out.append(
                Finding(
                    "c3pproject.settlement.category",
                    "Table 5",
                    Status.FAIL,
                    "c3pproject.settlement.category.unknown",
                    {
                        **base,
                        "category": line.category,
                        "known": ", ".join(x.id for x in c.categories),
                    },
                    subject=subject,
                )
            )
            continue
        by_category[cat.id] += line.amount_jpy
        unit = line.unit_price_jpy
        if cat.id == "equipment":
            if unit is None:
                unit = line.amount_jpy
            if unit < threshold.value:
                out.append(
                    Finding(
                        "c3pproject.settlement.equipment",
                        threshold.clause,
                        Status.FAIL,
                        "c3pproject.settlement.equipment.below",
                        {**base, "unit_price": unit, "threshold": threshold.value},
                        subject=subject,
                    )
                )
        elif cat.id == "consumables" and unit is not None and unit >= threshold.value:
            out.append(
                Finding(
                    "c3pproject.settlement.consumable",
                    "Table 5 (Consumable costs (2)–(4))",
                    Status.NEEDS_REVIEW,
                    "c3pproject.settlement.consumable.costly",
                    {**base, "unit_price": unit, "threshold": threshold.value},
                    subject=subject,
                )
            )
        if line.spent_on is not None:
            f = check_activity_date(
                fiscal_year, line.spent_on, contract_signed_on, what=line.description
            )
            if f.status != Status.PASS:
                out.append(
                    Finding(
                        f.check,
                        f.clause,
                        f.status,
                        f.code,
                        {**f.params, "line": n},
                        f.notes,
                        subject,
                    )
                )
    pre_tax = sum(by_category.values())
    tax = consumption_tax(pre_tax, c.consumption_tax_rate.value)
    total = pre_tax + tax
    rate = c.consumption_tax_rate
    out.append(
        Finding(
            "c3pproject.settlement.tax",
            rate.clause,
            Status.INFO,
            "c3pproject.settlement.tax",
            {"pre_tax": pre_tax, "rate": _pct(rate.value), "tax": tax, "total": total},
            (Note("c3p.note.tax_rounding", (rate.clause,)),),
        )
    )
    so_far = earlier_settled_incl_tax_jpy + total
    params = {
        "total": total,
        "earlier": earlier_settled_incl_tax_jpy,
        "so_far": so_far,
        "amount": contract_amount_jpy,
        "excess": max(0, so_far - contract_amount_jpy),
    }
    within = so_far <= contract_amount_jpy
    out.append(
        Finding(
            "c3pproject.settlement.amount",
            "3.3 (3)",
            Status.PASS if within else Status.FAIL,
            "c3pproject.settlement.amount.pass" if within else "c3pproject.settlement.amount.over",
            params,
        )
    )
    rule = c.outsourcing_max_share
    paid = sum(by_category[cat.id] for cat in c.categories if cat.paid_to_others)
    share = Decimal(paid) / Decimal(pre_tax) if pre_tax else Decimal(0)
    ok = Decimal(paid) <= Decimal(pre_tax) * rule.value
    out.append(
        Finding(
            "c3pproject.settlement.outsourcing",
            rule.clause,
            Status.PASS if ok else Status.NEEDS_REVIEW,
            "c3pproject.settlement.outsourcing.pass"
            if ok
            else "c3pproject.settlement.outsourcing.over",
            {"paid": paid, "pre_tax": pre_tax, "share": _pct(share), "limit": _pct(rule.value)},
            (Note("c3p.note.outsourcing_literal", (rule.clause,), {"text": rule.literal_text_en}),),
        )
    )
    return Settlement(tuple(out), by_category, pre_tax, tax, total)


# --- renewal and phases --------------------------------------------------------------------------
@dataclass(frozen=True)
class NextYear:
    finding: Finding
    phase: int | None
    year_in_phase: int | None
    fiscal_year: int

    @property
    def allowed(self) -> bool:
        return self.finding.status != Status.FAIL


def next_year(
    book: C3pRulebook, *, fiscal_year: int, phase: int, year_in_phase: int, novelty: str = ""
) -> NextYear:
    """The contract year after (``fiscal_year``, ``phase``, ``year_in_phase``), once that year is
    closed: the same phase's next year (2.1: renewed annually, three years a phase); after the
    third year, phase 2 with a statement of its higher novelty (Table 6 item 1: "Proposals that
    lack novelty will not be eligible for selection"); never a third phase (2.1)."""
    ph = book.phases
    years, max_phases = ph.years_per_phase.value, ph.max_phases.value
    nxt = fiscal_year + 1
    params = {
        "phase": phase,
        "year": year_in_phase,
        "years": years,
        "max": max_phases,
        "next_fiscal_year": nxt,
        "novelty": (novelty or "").strip(),
    }
    if year_in_phase < years:
        f = Finding(
            "c3pproject.renewal",
            "2.1",
            Status.PASS,
            "c3pproject.renewal.same_phase",
            {**params, "next_phase": phase, "next_year": year_in_phase + 1},
        )
        return NextYear(f, phase, year_in_phase + 1, nxt)
    if phase >= max_phases:
        f = Finding(
            "c3pproject.renewal",
            ph.max_phases.clause,
            Status.FAIL,
            "c3pproject.renewal.third_phase",
            params,
        )
        return NextYear(f, None, None, nxt)
    clause = f"{ph.phase2_novelty.clause}; {ph.max_phases.clause}"
    if not params["novelty"]:
        f = Finding(
            "c3pproject.renewal", clause, Status.FAIL, "c3pproject.renewal.novelty_missing", params
        )
        return NextYear(f, None, None, nxt)
    f = Finding(
        "c3pproject.renewal",
        clause,
        Status.PASS,
        "c3pproject.renewal.phase2",
        {**params, "next_phase": phase + 1, "next_year": 1},
    )
    return NextYear(f, phase + 1, 1, nxt)


def check_phase(book: C3pRulebook, phase: int, year_in_phase: int) -> Finding:
    """A phase and year a project year may have: phase 1 or 2 (2.1), year 1–3 of it (2.1)."""
    ph = book.phases
    params = {
        "phase": phase,
        "year": year_in_phase,
        "years": ph.years_per_phase.value,
        "max": ph.max_phases.value,
    }
    if not 1 <= phase <= ph.max_phases.value:
        return Finding(
            "c3pproject.phase", ph.max_phases.clause, Status.FAIL, "c3pproject.phase.beyond", params
        )
    if not 1 <= year_in_phase <= ph.years_per_phase.value:
        return Finding(
            "c3pproject.phase",
            ph.years_per_phase.clause,
            Status.FAIL,
            "c3pproject.phase.year_beyond",
            params,
        )
    return Finding("c3pproject.phase", "2.1", Status.PASS, "c3pproject.phase.pass", params)


# --- dates inside the contract year --------------------------------------------------------------
def check_activity_date(
    fiscal_year: int, day: dt.date, signed_on: dt.date | None = None, *, what: str = ""
) -> Finding:
    """An activity or expense of the contract year is dated inside it (2.1: the contract is
    renewed annually; 3.3 (3): items (1)–(7) of Table 3 for a single fiscal year). Before the
    contract was signed is flagged (BOX 6: "time gap between the adoption and start"; whether
    such work counts is not stated, spec §5 B-13)."""
    start, end = fiscal_year_bounds(fiscal_year)
    params = {
        "what": what,
        "day": day.isoformat(),
        "fiscal_year": fiscal_year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "signed_on": signed_on.isoformat() if signed_on else "",
    }
    if not start <= day <= end:
        return Finding(
            "c3pproject.date", "2.1; 3.3 (3)", Status.FAIL, "c3pproject.date.outside", params
        )
    if signed_on is not None and day < signed_on:
        return Finding(
            "c3pproject.date",
            "BOX 6",
            Status.NEEDS_REVIEW,
            "c3pproject.date.before_contract",
            params,
        )
    return Finding("c3pproject.date", "2.1; 3.3 (3)", Status.PASS, "c3pproject.date.pass", params)
