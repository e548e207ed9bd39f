"""The grant stage of the JCM Model Project call: from 内示 to payment and the years after.

Pure functions of a rulebook (``book.grant`` and ``book.schedule``) that answer what the
office and the grantee ask after the 内示 (4., 2.(7)–(9), 別表1):

- the budget by fiscal year and 別表1 column-1 category (工事費 / 設備費 / 事務費) of an adopted
  proposal, and the checks of a grant decision against the 内示 and the caps;
- change control (4.(4)): which change needs the Centre's prior approval;
- property (4.(8)): whether disposing of an item needs approval, and until when;
- the amount to fix at the end and what is paid or refunded (2.(8), 4.(6)②, 4.(7));
- the cancellation grounds (4.(10), 4.(11)).

Budgets are ``{fiscal_year: {"construction": yen, "equipment": yen, "admin": yen}}`` or, "flat",
``{"construction": yen, "equipment": yen, "admin": yen}`` for the whole project. Money is whole
yen (``int``); rates are ``Decimal``. Where the call is unclear each result names the reading it
applies (``reading``, a ``jcm.reading.…`` id) and carries every reading it rests on in ``notes``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from pydantic import ValidationError

from renkei.errors import BadInput, FieldError, InvalidDocument
from renkei.rules._result import DEFAULT_LANG, Finding, Note, Status, jsonable, render
from renkei.rules.jcm.readings import reading
from renkei.rules.jcm.rulebook import CancellationGround, JcmRulebook
from renkei.rules.jcm.schedule import period_end
from renkei.rules.jcm.subsidy import admin_cost_cap

CATEGORY_IDS = ("construction", "equipment", "admin")
DEFAULT_CALL = "jcm-model-project/fy2024"

Ground = CancellationGround


# --- categories and budgets -------------------------------------------------------------------
def category_of(item_id: str, book: JcmRulebook | None = None) -> str | None:
    """The 別表1 column-1 category of a 2.(7) cost item id: main_works, ancillary_works,
    machinery, survey_and_testing → construction; equipment, lease_interest → equipment;
    admin → admin. ``other_approved`` (2.(7)⑦) has none until the Centre decides where it goes,
    and ineligible ids have none: both give None."""
    if book is None:
        from renkei.rules import load_rulebook

        book = load_rulebook(DEFAULT_CALL)
    return book.grant.categories.of(item_id)


def _yen(what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what} must be whole yen as an integer (got {value!r})")
    if value < 0:
        raise BadInput(f"{what} must be zero or more yen (got {value:,})")
    return value


def _flat_of(what: str, amounts: Mapping[Any, Any]) -> dict[str, int]:
    unknown = [k for k in amounts if k not in CATEGORY_IDS]
    if unknown:
        raise BadInput(
            f"{what}: unknown category {unknown[0]!r}; the 別表1 column-1 categories are "
            + ", ".join(CATEGORY_IDS)
        )
    return {k: _yen(f"{what} {k}", amounts.get(k, 0)) for k in CATEGORY_IDS}


def _fiscal_year(what: str, key: Any) -> int:
    if isinstance(key, bool):
        raise BadInput(f"{what}: {key!r} is neither a category nor a fiscal year")
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.isdigit() and len(key) == 4:
        return int(key)
    raise BadInput(
        f"{what}: {key!r} is neither a category ({', '.join(CATEGORY_IDS)}) nor a fiscal year "
        "such as 2024"
    )


def by_fiscal_year(budget: Mapping[Any, Any], what: str = "budget") -> dict[int, dict[str, int]]:
    """A by-FY budget, checked: whole non-negative yen, known categories (every one present)."""
    if not isinstance(budget, Mapping):
        raise BadInput(f"{what} must be a mapping of fiscal years to categories (got {budget!r})")
    out: dict[int, dict[str, int]] = {}
    for key, amounts in budget.items():
        fy = _fiscal_year(what, key)
        if not isinstance(amounts, Mapping):
            raise BadInput(f"{what} FY{fy} must map categories to yen (got {amounts!r})")
        out[fy] = _flat_of(f"{what} FY{fy}", amounts)
    return dict(sorted(out.items()))


def flat(budget: Mapping[Any, Any], what: str = "budget") -> dict[str, int]:
    """Per-category totals over fiscal years; a flat budget comes back checked and complete."""
    if not isinstance(budget, Mapping):
        raise BadInput(f"{what} must be a mapping of categories to yen (got {budget!r})")
    if all(isinstance(k, str) and not k.isdigit() for k in budget):
        return _flat_of(what, budget)
    totals = dict.fromkeys(CATEGORY_IDS, 0)
    for amounts in by_fiscal_year(budget, what).values():
        for k in CATEGORY_IDS:
            totals[k] += amounts[k]
    return totals


def budget_from_proposal(book: JcmRulebook, doc: Any) -> dict[int, dict[str, int]]:
    """Eligible cost by fiscal year and category from a JCM proposal (a ``JcmProposal`` or its
    document as a mapping): form 4's cost lines, own products at ``cost_price_jpy`` when given
    and not above the price (2.(7) 利益排除), ineligible lines left out (2.(7) 補助対象外経費),
    and for a JCM eco-lease only the equipment portion and lease interest (2.(7) ただし書).
    ``other_approved`` lines (2.(7)⑦) are left out until the Centre approves and places them."""
    from renkei.rules.jcm.proposal import JcmProposal

    if isinstance(doc, JcmProposal):
        proposal = doc
    else:
        try:
            proposal = JcmProposal.model_validate(doc)
        except ValidationError as exc:
            from renkei.rules._registry import validation_errors

            raise InvalidDocument("proposal", validation_errors(exc)) from exc
    items = book.cost_items.eligible_by_id
    ineligible = book.cost_items.ineligible_by_id
    eco_lease = proposal.kind == "eco_lease"
    out: dict[int, dict[str, int]] = {}
    for site, line in proposal.technology_lines():
        for c in line.costs:
            if c.item in ineligible:
                continue
            item = items.get(c.item)
            if item is None:
                raise InvalidDocument(
                    "proposal",
                    [FieldError(f"sites.{site.id}", f"unknown cost item {c.item!r}")],
                )
            if eco_lease and item.group not in ("equipment", "lease"):
                continue
            if item.group == "lease" and not eco_lease:
                continue
            category = book.grant.categories.of(c.item)
            if category is None:
                continue
            amount = c.amount_jpy
            if c.own_product and c.cost_price_jpy is not None and c.cost_price_jpy <= amount:
                amount = c.cost_price_jpy
            out.setdefault(c.fiscal_year, dict.fromkeys(CATEGORY_IDS, 0))[category] += amount
    return dict(sorted(out.items()))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _rate(what: str, rate: Any) -> Decimal:
    if isinstance(rate, bool | float):
        raise BadInput(f"{what} must be a Decimal such as Decimal('0.5'), never a float")
    try:
        value = Decimal(rate)
    except Exception:
        raise BadInput(f"{what} must be a number such as 0.5 (got {rate!r})") from None
    if not value.is_finite() or not Decimal(0) < value <= Decimal(1):
        raise BadInput(f"{what} must be more than 0 and at most 1, e.g. 0.5 for 50% (got {rate})")
    return value


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- the grant decision -----------------------------------------------------------------------
def check_decision(
    book: JcmRulebook,
    *,
    naiji_amount_jpy: int,
    amount_jpy: int,
    rate: Decimal,
    rate_cap: Decimal | None,
    budget: Mapping[Any, Any],
) -> list[Finding]:
    """A grant decision against the 内示 and the caps: amount ≤ 内示 amount (reading); rate ≤ its
    cap (2.(9)); amount ≤ eligible cost × rate (2.(8)); 事務費 ≤ its cap on 工事費 + 設備費
    (別表1); the per-project guideline of 2.(8)."""
    naiji = _yen("内示 amount", naiji_amount_jpy)
    amount = _yen("decided amount", amount_jpy)
    rate = _rate("rate", rate)
    cap = None if rate_cap is None else _rate("rate cap", rate_cap)
    totals = flat(budget)
    eligible = sum(totals.values())
    out: list[Finding] = []
    within = reading(book, "jcm.reading.decision_within_naiji")
    params = {"amount": f"{amount:,}", "naiji": f"{naiji:,}"}
    out.append(
        Finding(
            "jcm.grant.naiji_amount",
            "3.(1); 3.(4)",
            Status.PASS if amount <= naiji else Status.FAIL,
            "jcm.grant.decision_within_naiji"
            if amount <= naiji
            else "jcm.grant.decision_over_naiji",
            params,
            (within,),
        )
    )
    rate_clause = book.subsidy.rate_caps.clause
    if cap is None:
        out.append(
            Finding(
                "jcm.grant.rate",
                rate_clause,
                Status.NEEDS_REVIEW,
                "jcm.grant.decision_rate_no_cap",
                {"rate": _pct(rate)},
            )
        )
    else:
        ok = rate <= cap
        out.append(
            Finding(
                "jcm.grant.rate",
                rate_clause,
                Status.PASS if ok else Status.FAIL,
                "jcm.grant.decision_rate_ok" if ok else "jcm.grant.decision_rate_over",
                {"rate": _pct(rate), "cap": _pct(cap)},
            )
        )
    ceiling = _floor(Decimal(eligible) * rate)
    ok = amount <= ceiling
    out.append(
        Finding(
            "jcm.grant.max_amount",
            "2.(8)",
            Status.PASS if ok else Status.FAIL,
            "jcm.grant.decision_amount_ok" if ok else "jcm.grant.decision_amount_over",
            {
                "amount": f"{amount:,}",
                "max": f"{ceiling:,}",
                "eligible": f"{eligible:,}",
                "rate": _pct(rate),
            },
            (reading(book, "jcm.reading.amount_rounding"),),
        )
    )
    base = totals["construction"] + totals["equipment"]
    admin_cap = admin_cost_cap(book, base)
    ok = totals["admin"] <= admin_cap
    out.append(
        Finding(
            "jcm.grant.admin_cap",
            book.admin_cost_cap.clause,
            Status.PASS if ok else Status.FAIL,
            "jcm.grant.decision_admin_ok" if ok else "jcm.grant.decision_admin_over",
            {"admin": f"{totals['admin']:,}", "cap": f"{admin_cap:,}", "base": f"{base:,}"},
            (reading(book, "jcm.reading.admin_cap_marginal"),),
        )
    )
    limit = book.subsidy.per_project_limit_jpy
    ok = amount <= limit.value
    out.append(
        Finding(
            "jcm.grant.per_project",
            limit.clause,
            Status.PASS if ok else Status.NEEDS_REVIEW,
            "jcm.grant.decision_guideline_ok" if ok else "jcm.grant.decision_guideline_over",
            {"amount": f"{amount:,}", "limit": f"{limit.value:,}"},
        )
    )
    return out


# --- change control (4.(4)) -------------------------------------------------------------------
def _notes_dict(notes: Iterable[Note], lang: str) -> list[dict[str, Any]]:
    return [n.to_dict(lang) for n in notes]


@dataclass(frozen=True)
class ChangeApproval:
    """Whether a budget change needs the Centre's prior approval (4.(4)).

    ``kind``: "amount" (the total changes: a change of the subsidy amount, 4.(4)1)),
    "reallocation" (the total stays, categories change, 4.(4)2)①) or "none".
    ``threshold_jpy``: for a reallocation, the largest change per category that needs no
    approval (15 % of the lowest allocation among the changed categories, boundary exempt)."""

    approval_required: bool
    kind: str
    threshold_jpy: int | None
    clause: str
    reading: str
    before: dict[str, int]
    after: dict[str, int]
    changes: dict[str, int]
    finding: Finding
    notes: tuple[Note, ...] = ()

    def message(self, lang: str = DEFAULT_LANG) -> str:
        return self.finding.message(lang)

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {
            "approval_required": self.approval_required,
            "kind": self.kind,
            "threshold_jpy": self.threshold_jpy,
            "clause": self.clause,
            "reading": self.reading,
            "reading_message": render(self.reading, {}, lang),
            "message": self.message(lang),
            "before": dict(self.before),
            "after": dict(self.after),
            "changes": dict(self.changes),
            "notes": _notes_dict(self.notes, lang),
        }


def _threshold(book: JcmRulebook, base: int) -> int:
    """The largest whole-yen change within 15 % of ``base`` (以内: the boundary is exempt)."""
    return _floor(Decimal(base) * book.grant.reallocation_exempt_share.value)


def change_approval(
    book: JcmRulebook, before: Mapping[Any, Any], after: Mapping[Any, Any]
) -> ChangeApproval:
    """Compare the latest approved budget (``before``) with the proposed one (``after``), flat
    or by fiscal year, on per-category totals for the whole project.

    Reading (spec §1.7): with K* the categories whose allocation changes,
    approval is required ⇔ any |after_k − before_k| > 15 % × min_{j∈K*} before_j."""
    a, b = flat(before, "before"), flat(after, "after")
    changes = {k: b[k] - a[k] for k in CATEGORY_IDS}
    changed = [k for k in CATEGORY_IDS if changes[k]]
    common = (
        reading(book, "jcm.reading.three_categories"),
        reading(book, "jcm.reading.change_base_latest"),
        reading(book, "jcm.reading.change_cumulative"),
        reading(book, "jcm.reading.change_eligible_basis"),
        reading(book, "jcm.reading.change_whole_project"),
    )
    notes: list[Note] = []
    total_a, total_b = sum(a.values()), sum(b.values())
    params: dict[str, Any] = {"before": f"{total_a:,}", "after": f"{total_b:,}"}
    if total_a != total_b:
        kind, clause, approval, threshold = (
            "amount",
            book.grant.amount_change_needs_approval.clause,
            True,
            None,
        )
        main = "jcm.reading.total_change_is_amount"
        notes.append(reading(book, "jcm.reading.total_change_is_amount"))
        code, status = "jcm.grant.change_amount", Status.NEEDS_REVIEW
    elif not changed:
        kind, clause, approval, threshold = (
            "none",
            book.grant.reallocation_exempt_share.clause,
            False,
            None,
        )
        main = "jcm.reading.change_base_latest"
        code, status = "jcm.grant.change_none", Status.PASS
    else:
        kind, clause = "reallocation", book.grant.reallocation_exempt_share.clause
        lowest = min(a[k] for k in changed)
        threshold = _threshold(book, lowest)
        largest = max(abs(changes[k]) for k in changed)
        approval = largest > threshold
        params |= {
            "threshold": f"{threshold:,}",
            "lowest": f"{lowest:,}",
            "largest": f"{largest:,}",
            "share": _pct(book.grant.reallocation_exempt_share.value),
        }
        if lowest == 0:
            main = "jcm.reading.change_zero_allocation"
            notes.append(reading(book, "jcm.reading.change_zero_allocation"))
        else:
            main = "jcm.reading.change_min_changed"
        notes.append(reading(book, "jcm.reading.change_min_changed"))
        if approval:
            code, status = "jcm.grant.change_reallocation_over", Status.NEEDS_REVIEW
        else:
            code, status = "jcm.grant.change_reallocation_within", Status.PASS
    cap = admin_cost_cap(book, b["construction"] + b["equipment"])
    if b["admin"] > cap:
        notes.append(
            Note(
                "jcm.grant.change_admin_over_cap",
                (book.admin_cost_cap.clause,),
                {"admin": f"{b['admin']:,}", "cap": f"{cap:,}"},
            )
        )
    all_notes = tuple(notes) + common
    finding = Finding("jcm.grant.change", clause, status, code, params, all_notes)
    return ChangeApproval(
        approval, kind, threshold, clause, main, a, b, changes, finding, all_notes
    )


@dataclass(frozen=True)
class MinorChange:
    """Whether a change of the project's content is minor (4.(4)2)② (ア)–(ウ))."""

    minor: bool
    approval_required: bool
    clause: str
    reading: str
    conditions: dict[str, bool]
    minor_if_alternatives: bool
    notes: tuple[Note, ...] = ()

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {
            "minor": self.minor,
            "approval_required": self.approval_required,
            "clause": self.clause,
            "reading": self.reading,
            "reading_message": render(self.reading, {}, lang),
            "conditions": dict(self.conditions),
            "minor_if_alternatives": self.minor_if_alternatives,
            "notes": _notes_dict(self.notes, lang),
        }


def minor_change(
    book: JcmRulebook,
    *,
    changes_purpose: bool,
    own_initiative_efficiency: bool,
    detail_only: bool,
    reductions_unchanged: bool,
) -> MinorChange:
    """(ア) no change of purpose and the grantee's own initiative for efficiency; (イ) a detail
    unrelated to purpose and efficiency; (ウ) GHG reductions and expected credits unchanged.
    Reading (spec A-13, conservative): minor ⇔ ((ア) or (イ)) and (ウ); ``minor_if_alternatives``
    gives the other reading (any one suffices)."""
    for name, value in (
        ("changes_purpose", changes_purpose),
        ("own_initiative_efficiency", own_initiative_efficiency),
        ("detail_only", detail_only),
        ("reductions_unchanged", reductions_unchanged),
    ):
        if not isinstance(value, bool):
            raise BadInput(f"{name} must be true or false (got {value!r})")
    a = not changes_purpose and own_initiative_efficiency
    i = detail_only
    u = reductions_unchanged
    minor = (a or i) and u
    code = "jcm.reading.minor_change_conservative"
    return MinorChange(
        minor,
        not minor,
        book.grant.minor_change_clause,
        code,
        {"ア": a, "イ": i, "ウ": u},
        a or i or u,
        (reading(book, "jcm.reading.minor_change_conservative"),),
    )


# --- property (4.(8)) -------------------------------------------------------------------------
@dataclass(frozen=True)
class Disposal:
    """Whether disposing of an acquired item needs the Centre's prior approval (4.(8))."""

    approval_required: bool
    restriction_ends: dt.date
    clause: str
    reading: str
    unit_price_jpy: int
    threshold_jpy: int
    day: dt.date
    notes: tuple[Note, ...] = ()

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return {
            "approval_required": self.approval_required,
            "restriction_ends": self.restriction_ends.isoformat(),
            "clause": self.clause,
            "reading": self.reading,
            "reading_message": render(self.reading, self._reading_params(), lang),
            "unit_price_jpy": self.unit_price_jpy,
            "threshold_jpy": self.threshold_jpy,
            "date": self.day.isoformat(),
            "notes": _notes_dict(self.notes, lang),
        }

    def _reading_params(self) -> dict[str, Any]:
        note = next(n for n in self.notes if n.code == self.reading)
        return dict(note.params)


def disposal(
    book: JcmRulebook,
    *,
    unit_price_jpy: int,
    operation_start: dt.date,
    useful_life_years: int,
    day: dt.date,
) -> Disposal:
    """An item of unit price ≥ ¥500,000 needs approval to be disposed of (used against the
    purpose, sold, exchanged, lent, mortgaged, scrapped) until its statutory useful life ends:
    the restriction's last day is E, the last day of ``useful_life_years`` counted from
    ``operation_start`` (the day it starts operating, that day counted: the same E as the
    monitoring plan's)."""
    price = _yen("unit price", unit_price_jpy)
    if isinstance(useful_life_years, bool) or not isinstance(useful_life_years, int):
        raise BadInput(f"useful life must be whole years (got {useful_life_years!r})")
    if useful_life_years <= 0:
        raise BadInput(f"useful life must be at least 1 year (got {useful_life_years})")
    threshold = book.schedule.property_disposal_approval_unit_price_jpy
    ends = period_end(operation_start, useful_life_years)
    clause = book.grant.disposal_clause
    notes = [
        reading(
            book,
            "jcm.reading.disposal_until_life_end",
            {
                "start": operation_start.isoformat(),
                "years": useful_life_years,
                "end": ends.isoformat(),
            },
        ),
        Note("jcm.grant.disposal_acts", (clause,)),
    ]
    covered = price >= threshold.value
    within = day <= ends
    if not covered:
        notes.append(
            Note(
                "jcm.grant.disposal_below_threshold",
                (threshold.clause,),
                {"price": f"{price:,}", "threshold": f"{threshold.value:,}"},
            )
        )
    elif not within:
        notes.append(Note("jcm.grant.disposal_after_life", (clause,), {"end": ends.isoformat()}))
    return Disposal(
        covered and within,
        ends,
        clause,
        "jcm.reading.disposal_until_life_end",
        price,
        threshold.value,
        day,
        tuple(notes),
    )


# --- the amount to fix (2.(8), 4.(6)②, 4.(7)) ------------------------------------------------
def _label(code: str, params: Mapping[str, Any] | None = None) -> tuple[str, str]:
    note = Note(code, (), dict(params or {}))
    return note.message("ja"), note.message("en")


def _names(book: JcmRulebook, category: str) -> dict[str, str]:
    c = next(c for c in book.grant.categories.categories if c.id == category)
    return {"category_ja": c.name_ja, "category_en": c.name_en}


@dataclass(frozen=True)
class FixedAmount:
    """The amount to fix, computed line by line, and what is then paid or refunded."""

    amount_jpy: int
    final_payment_jpy: int
    refund_jpy: int
    by_rate_jpy: int
    capped_by: str  # "decided_amount" | "rate" (both equal: "decided_amount")
    counted: dict[str, int]
    lines: tuple[dict[str, Any], ...]
    clause: str
    notes: tuple[Note, ...] = ()

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        lines = [
            {"label": line["label_en" if lang == "en" else "label_ja"]} | dict(line)
            for line in self.lines
        ]
        return {
            "amount_jpy": self.amount_jpy,
            "final_payment_jpy": self.final_payment_jpy,
            "refund_jpy": self.refund_jpy,
            "by_rate_jpy": self.by_rate_jpy,
            "capped_by": self.capped_by,
            "counted": dict(self.counted),
            "clause": self.clause,
            "lines": jsonable(lines, lang),
            "notes": _notes_dict(self.notes, lang),
        }


def _exclusions(excluded: Iterable[Any]) -> dict[str, int]:
    """``excluded``: items of actual cost that are not eligible, by category, each a mapping
    ``{"category", "amount_jpy", "reason"?}`` or a tuple ``(category, amount_jpy[, reason])``
    (an own product's profit, 2.(7) 利益排除; an ineligible item, 2.(7))."""
    out = dict.fromkeys(CATEGORY_IDS, 0)
    for entry in excluded:
        if isinstance(entry, Mapping):
            category, amount = entry.get("category"), entry.get("amount_jpy")
        elif isinstance(entry, tuple | list) and len(entry) in (2, 3):
            category, amount = entry[0], entry[1]
        else:
            raise BadInput(
                f"an exclusion must be {{'category', 'amount_jpy', 'reason'}} or "
                f"(category, amount_jpy, reason) (got {entry!r})"
            )
        if category not in CATEGORY_IDS:
            raise BadInput(
                f"exclusion: unknown category {category!r}; use one of {', '.join(CATEGORY_IDS)}"
            )
        out[category] += _yen(f"exclusion from {category}", amount)
    return out


def _exempt_shift(
    book: JcmRulebook, alloc: dict[str, int], spent: dict[str, int]
) -> tuple[dict[str, int], int]:
    """The largest reallocation needing no approval (4.(4)2)①) from categories spent below
    their allocation to categories spent above it: per category at most 15 % of the lowest
    allocation among the categories involved. Returns the shift per category (+ into, − out of)
    and that threshold; receivers are filled in the order construction, equipment, admin."""
    over = {k: max(0, spent[k] - alloc[k]) for k in CATEGORY_IDS}
    under = {k: max(0, alloc[k] - spent[k]) for k in CATEGORY_IDS}
    receivers = [k for k in CATEGORY_IDS if over[k]]
    donors = [k for k in CATEGORY_IDS if under[k]]
    best: tuple[int, int, tuple[str, ...], tuple[str, ...]] = (0, 0, (), ())
    for r in range(1, len(receivers) + 1):
        for into in itertools.combinations(receivers, r):
            for d in range(1, len(donors) + 1):
                for out_of in itertools.combinations(donors, d):
                    t = _threshold(book, min(alloc[k] for k in into + out_of))
                    moved = min(
                        sum(min(over[k], t) for k in into), sum(min(under[k], t) for k in out_of)
                    )
                    if moved > best[0]:
                        best = (moved, t, into, out_of)
    moved, t, into, out_of = best
    shift = dict.fromkeys(CATEGORY_IDS, 0)
    left = moved
    for k in into:
        shift[k] = min(over[k], t, left)
        left -= shift[k]
    left = moved
    for k in out_of:
        take = min(under[k], t, left)
        shift[k] = -take
        left -= take
    return shift, t


def fixed_amount(
    book: JcmRulebook,
    *,
    decided_amount_jpy: int,
    rate: Decimal,
    decided_budget: Mapping[Any, Any],
    actual: Mapping[Any, Any],
    excluded: Iterable[Any] = (),
    advances_jpy: int = 0,
) -> FixedAmount:
    """The amount to fix: min(decided amount, floor(rate × Σ counted cost)), where a category's
    actual eligible cost counts up to its decided (latest approved) allocation, further only as
    far as a reallocation needing no approval covers it, and 事務費 is re-capped on the counted
    工事費 + 設備費. Then the final payment is the fixed amount less the advances (概算払), and
    advances above it are refunded (4.(7))."""
    decided = _yen("decided amount", decided_amount_jpy)
    rate = _rate("rate", rate)
    advances = _yen("advances", advances_jpy)
    alloc = flat(decided_budget, "decided budget")
    claimed = flat(actual, "actual")
    minus = _exclusions(excluded)
    for k in CATEGORY_IDS:
        if minus[k] > claimed[k]:
            raise BadInput(
                f"exclusions from {k} ({minus[k]:,} yen) exceed its actual cost "
                f"({claimed[k]:,} yen); exclude at most the actual cost"
            )
    spent = {k: claimed[k] - minus[k] for k in CATEGORY_IDS}
    shift, threshold = _exempt_shift(book, alloc, spent)
    counted = {k: min(spent[k], alloc[k] + max(0, shift[k])) for k in CATEGORY_IDS}
    base = counted["construction"] + counted["equipment"]
    admin_cap = admin_cost_cap(book, base)
    admin_before_cap = counted["admin"]
    counted["admin"] = min(counted["admin"], admin_cap)
    total = sum(counted.values())
    by_rate = _floor(Decimal(total) * rate)
    amount = min(decided, by_rate)
    capped_by = "decided_amount" if decided <= by_rate else "rate"
    final_payment = max(0, amount - advances)
    refund = max(0, advances - amount)

    lines: list[dict[str, Any]] = []

    def line(code: str, value: Any, clause: str, **params: Any) -> None:
        ja, en = _label(code, params)
        lines.append({"label_ja": ja, "label_en": en, "value": value, "clause": clause})

    cost_clause = book.cost_items.clause
    realloc = book.grant.reallocation_exempt_share.clause
    for k in CATEGORY_IDS:
        names = _names(book, k)
        line("jcm.grant.line_actual", claimed[k], cost_clause, **names)
        if minus[k]:
            line("jcm.grant.line_excluded", -minus[k], cost_clause, **names)
        line("jcm.grant.line_allocation", alloc[k], book.grant.fixed_amount_clause, **names)
        if shift[k] > 0:
            line("jcm.grant.line_shift_in", shift[k], realloc, threshold=f"{threshold:,}", **names)
        elif shift[k] < 0:
            line("jcm.grant.line_shift_out", shift[k], realloc, threshold=f"{threshold:,}", **names)
        counted_k = admin_before_cap if k == "admin" else counted[k]
        line("jcm.grant.line_counted", counted_k, book.grant.fixed_amount_clause, **names)
    line("jcm.grant.line_admin_cap", admin_cap, book.admin_cost_cap.clause, base=f"{base:,}")
    line("jcm.grant.line_admin_counted", counted["admin"], book.admin_cost_cap.clause)
    line("jcm.grant.line_total", total, book.grant.fixed_amount_clause)
    line("jcm.grant.line_rate", str(rate), book.grant.decision_caps_amount_and_rate.clause)
    line("jcm.grant.line_by_rate", by_rate, "2.(8)")
    line("jcm.grant.line_decided", decided, book.grant.decision_caps_amount_and_rate.clause)
    line("jcm.grant.line_fixed", amount, book.grant.fixed_amount_clause)
    line("jcm.grant.line_advances", advances, book.grant.advances_netting.clause)
    line("jcm.grant.line_final_payment", final_payment, book.grant.advances_netting.clause)
    line("jcm.grant.line_refund", refund, book.grant.advances_netting.clause)

    notes = [
        reading(book, "jcm.reading.fixed_amount_per_category"),
        reading(book, "jcm.reading.admin_cap_marginal"),
        reading(book, "jcm.reading.amount_rounding"),
        reading(book, "jcm.reading.change_eligible_basis"),
        reading(book, "jcm.reading.change_whole_project"),
    ]
    if refund:
        notes.append(
            Note(
                "jcm.grant.refund_terms",
                tuple(c.strip() for c in book.grant.refund_terms.clause.split(";")),
                {"refund": f"{refund:,}"},
            )
        )
    return FixedAmount(
        amount,
        final_payment,
        refund,
        by_rate,
        capped_by,
        counted,
        tuple(lines),
        book.grant.fixed_amount_clause,
        tuple(notes),
    )


# --- cancellation (4.(10), 4.(11)) ------------------------------------------------------------
def cancellation_grounds(book: JcmRulebook) -> tuple[CancellationGround, ...]:
    """Grounds ①–④ of 4.(10) (④ with its proviso) and the fraud clause 4.(11)."""
    return book.grant.cancellation_grounds
