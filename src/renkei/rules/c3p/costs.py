"""The cost plan of a C3P contract year: Table 5 categories, consumption tax and the cap (3.3 (3)).

Amounts are pre-tax whole yen. Consumption tax is 10% of the pre-tax total, rounded down to the
yen (the guidebook gives no rounding; 切り捨て is the usual practice and every result says so).
The total including tax must not exceed JPY 20,000,000, which may be raised by up to
JPY 5,000,000 for tasks requiring field surveys (3.3 (3) footnote 1) at the office's discretion.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from renkei.errors import BadInput
from renkei.rules._result import Finding, Note, Status
from renkei.rules.c3p.proposal import CostPlan
from renkei.rules.c3p.rulebook import C3pRulebook


@dataclass(frozen=True)
class CostTotals:
    by_category: dict[str, int]
    pre_tax_jpy: int
    tax_jpy: int
    total_incl_tax_jpy: int
    base_cap_jpy: int
    cap_jpy: int  # base cap, plus the field-survey uplift when field-survey tasks are stated
    paid_to_others_jpy: int  # outsourcing + joint implementation

    @property
    def paid_to_others_share(self) -> Decimal:
        if self.pre_tax_jpy == 0:
            return Decimal(0)
        return Decimal(self.paid_to_others_jpy) / Decimal(self.pre_tax_jpy)


def consumption_tax(pre_tax_jpy: int, rate: Decimal) -> int:
    """Tax on the pre-tax total, rounded down to whole yen."""
    return int((Decimal(pre_tax_jpy) * rate).to_integral_value(rounding=ROUND_FLOOR))


def cost_totals(plan: CostPlan, book: C3pRulebook) -> CostTotals:
    c = book.costs
    by_category = {cat.id: plan.amount(cat.id) for cat in c.categories}
    pre_tax = sum(by_category.values())
    tax = consumption_tax(pre_tax, c.consumption_tax_rate.value)
    base_cap = c.cap_incl_tax_jpy.value
    cap = base_cap + (c.field_survey_uplift_jpy.value if _has_field_survey(plan) else 0)
    paid = sum(by_category[cat.id] for cat in c.categories if cat.paid_to_others)
    return CostTotals(by_category, pre_tax, tax, pre_tax + tax, base_cap, cap, paid)


def _has_field_survey(plan: CostPlan) -> bool:
    return bool((plan.field_survey_tasks or "").strip())


def _pct(share: Decimal) -> str:
    """0.1 -> "10%", 0.2224 -> "22.2%" (one decimal place, half-up, no trailing .0)."""
    shown = (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{shown:f}".removesuffix(".0")
    return f"{text}%"


def contract_cap(
    book: C3pRulebook, total_incl_tax_jpy: int, field_survey_tasks: str | None = None
) -> Finding:
    """The yearly cap incl. tax (3.3 (3)), raised by the field-survey uplift when tasks requiring
    field surveys are stated (3.3 (3) footnote 1; needs review, as the uplift "may be granted")."""
    c = book.costs
    base_cap = c.cap_incl_tax_jpy.value
    uplift = c.field_survey_uplift_jpy
    tasks = (field_survey_tasks or "").strip()
    cap = base_cap + (uplift.value if tasks else 0)
    total = total_incl_tax_jpy
    if total < 0:
        raise BadInput(f"the contract total must be zero or more yen (got {total})")
    params = {
        "total": total,
        "cap": cap,
        "base_cap": base_cap,
        "uplift": uplift.value,
        "uplift_cap": base_cap + uplift.value,
        "excess": max(0, total - cap),
        "tasks": tasks,
    }
    clause = c.cap_incl_tax_jpy.clause
    notes: tuple[Note, ...] = ()
    if total <= base_cap:
        status, code = Status.PASS, "c3p.costs.cap.pass"
    elif total <= base_cap + uplift.value:
        clause = f"{clause}; {uplift.clause}"
        if tasks:
            status, code = Status.NEEDS_REVIEW, "c3p.costs.cap.uplift"
            notes = (Note("c3p.note.field_survey_uplift", (uplift.clause,)),)
        else:
            status, code = Status.FAIL, "c3p.costs.cap.fail_uplift_possible"
    else:
        status, code = Status.FAIL, "c3p.costs.cap.fail"
        if tasks:
            clause = f"{clause}; {uplift.clause}"
    return Finding("c3p.costs.cap", clause, status, code, params, notes)


def _tax_finding(t: CostTotals, book: C3pRulebook) -> Finding:
    rate = book.costs.consumption_tax_rate
    return Finding(
        "c3p.costs.consumption_tax",
        rate.clause,
        Status.INFO,
        "c3p.costs.consumption_tax",
        {
            "pre_tax": t.pre_tax_jpy,
            "rate": _pct(rate.value),
            "tax": t.tax_jpy,
            "total": t.total_incl_tax_jpy,
        },
        (Note("c3p.note.tax_rounding", (rate.clause,)),),
    )


def _outsourcing_finding(t: CostTotals, book: C3pRulebook) -> Finding:
    rule = book.costs.outsourcing_max_share
    params = {
        "outsourcing": t.by_category["outsourcing"],
        "joint": t.by_category["joint_implementation"],
        "paid": t.paid_to_others_jpy,
        "pre_tax": t.pre_tax_jpy,
        "share": _pct(t.paid_to_others_share),
        "limit": _pct(rule.value),
    }
    within = Decimal(t.paid_to_others_jpy) <= Decimal(t.pre_tax_jpy) * rule.value
    status = Status.PASS if within else Status.NEEDS_REVIEW
    code = "c3p.costs.outsourcing.pass" if within else "c3p.costs.outsourcing.review"
    note = Note("c3p.note.outsourcing_literal", (rule.clause,), {"text": rule.literal_text_en})
    return Finding("c3p.costs.outsourcing", rule.clause, status, code, params, (note,))


def _equipment_findings(plan: CostPlan, book: C3pRulebook) -> list[Finding]:
    threshold = book.costs.equipment_min_unit_price_jpy
    out = []
    for item in plan.equipment:
        if item.unit_price_jpy < threshold.value:
            out.append(
                Finding(
                    "c3p.costs.equipment",
                    threshold.clause,
                    Status.NEEDS_REVIEW,
                    "c3p.costs.equipment.consumable",
                    {
                        "item": item.name,
                        "unit_price": item.unit_price_jpy,
                        "threshold": threshold.value,
                    },
                    subject=item.name,
                )
            )
    if plan.equipment and not out:
        out.append(
            Finding(
                "c3p.costs.equipment",
                threshold.clause,
                Status.PASS,
                "c3p.costs.equipment.pass",
                {"n": len(plan.equipment), "threshold": threshold.value},
            )
        )
    return out


def check_costs(plan: CostPlan, book: C3pRulebook) -> tuple[tuple[Finding, ...], CostTotals]:
    t = cost_totals(plan, book)
    findings: list[Finding] = []
    if t.pre_tax_jpy == 0:
        findings.append(
            Finding(
                "c3p.costs.empty",
                "3.3 (3); Table 5",
                Status.NEEDS_REVIEW,
                "c3p.costs.empty",
                {},
            )
        )
    findings += [
        _tax_finding(t, book),
        contract_cap(book, t.total_incl_tax_jpy, plan.field_survey_tasks),
        _outsourcing_finding(t, book),
        *_equipment_findings(plan, book),
    ]
    return tuple(findings), t
