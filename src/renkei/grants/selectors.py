"""The office's view of the whole portfolio of grants (issue 8): every grant with its state, next
open deadline and overdue items, and the money decided / fixed / paid per fiscal year against
the call's budget (JCM 2.(8): about JPY 12.8 billion over three years, eco-lease at most JPY 0.5
billion), read from the records of the stage in a fixed number of queries whatever the number
of grants.

How the figures are read (each reading is shown on the page, ``READINGS``):

- decided: the subsidy amount in force, i.e. the current ``Allocation`` (the decision's, or an
  approved amount change's), else the ``GrantDecision``; spread over the fiscal years of the
  allocation in proportion to its eligible cost per year (the decision allocates by budget year,
  JCM 4.(3)), in whole yen, the remainders going to the largest fractions so the years add up;
  a grant cancelled or whose 内示 was withdrawn counts no decided amount;
- fixed: the ``AmountFixing`` amount (4.(6)), spread over the same years the same way;
- paid: the sum of the ``Payment`` records, each in the fiscal year (April–March) of its date;
  refunds are the closing part's records and are not netted here;
- eco-lease: a grant whose adopted proposal's document ``kind`` is ``eco_lease``;
- next deadline: the earliest open ``GrantDeadline`` (neither done nor cancelled) due today or
  later; overdue: the open ones due before today (JST).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei import clock
from renkei.grants.models import Grant, GrantState
from renkei.grants.models.award import Allocation, GrantDecision
from renkei.grants.models.closing import AmountFixing, Payment
from renkei.grants.models.schedule import GrantDeadline
from renkei.grants.services.schedule import duties
from renkei.rules.jcm.schedule import fiscal_year_start

#: grants whose decided amount is not counted (no decision, or the decision cancelled)
NOT_COUNTED = (GrantState.NAIJI_REVOKED, GrantState.CANCELLED)

READINGS = (
    (
        "renkei.portfolio.decided_by_budget_year",
        gettext_lazy(
            "Decided: the subsidy amount in force (the grant decision, or the last approved "
            "amount change), spread over the fiscal years of its allocation in proportion to the "
            "eligible cost of each year; a cancelled grant or a withdrawn 内示 counts nothing."
        ),
    ),
    (
        "renkei.portfolio.fixed_by_budget_year",
        gettext_lazy(
            "Fixed: the amount fixed after the final inspection, spread over the same years the "
            "same way."
        ),
    ),
    (
        "renkei.portfolio.paid_by_payment_year",
        gettext_lazy(
            "Paid: each payment in the fiscal year (April–March) of its date; refunds are not "
            "netted."
        ),
    ),
    (
        "renkei.portfolio.eco_lease_by_kind",
        gettext_lazy("Eco-lease: a grant whose adopted proposal is a JCM eco-lease project."),
    ),
)


today = clock.today


def spread(amount: int, weights: dict[int, int]) -> dict[int, int]:
    """``amount`` yen split over the keys in proportion to ``weights``, in whole yen adding up
    exactly (largest remainder; ties to the earlier year). Empty if no weight is positive."""
    positive = {k: w for k, w in weights.items() if w > 0}
    total = sum(positive.values())
    if not positive or amount <= 0:
        return {}
    parts = {k: amount * w // total for k, w in positive.items()}
    left = amount - sum(parts.values())
    by_remainder = sorted(positive, key=lambda k: (-(amount * positive[k] % total), k))
    for k in by_remainder[:left]:
        parts[k] += 1
    return parts


def _year_weights(budget: Any) -> dict[int, int]:
    """Eligible cost per fiscal year of an allocation's ``{fy: {category: yen}}`` (JSON keys
    are text); what is not a year or not whole yen is left out."""
    weights: dict[int, int] = {}
    if not isinstance(budget, dict):
        return weights
    for year, row in budget.items():
        try:
            fy = int(year)
        except (TypeError, ValueError):
            continue
        if isinstance(row, dict):
            weights[fy] = sum(v for v in row.values() if isinstance(v, int) and v > 0)
    return weights


@dataclass
class DeadlineView:
    key: str
    due_on: dt.date
    clause: str

    @property
    def label(self) -> str:
        return deadline_label(self.key)


def deadline_label(key: str) -> str:
    """A deadline key (``year_end_report:2024``) as people read it."""
    base, _sep, arg = key.partition(":")
    labels = {
        "grant_application": _("Grant application"),
        "naiji_cancellable": _("内示 cancellable"),
        "decision_target": _("Grant decision (target)"),
        "year_end_report": _("Year-end report FY%(arg)s"),
        "completion": _("Completion"),
        "completion_report": _("Completion report"),
        "final_inspection": _("Final inspection"),
        "payment": _("Payment of claim %(arg)s"),
        "jcm_registration": _("JCM registration"),
        "annual_report": _("Annual report %(arg)s"),
        "records_retention": _("Records kept until"),
    }
    label = labels.get(base)
    if label is None:
        return key
    return label % {"arg": arg} if "%(arg)s" in label else label


@dataclass
class GrantRow:
    """One grant of the portfolio with its figures."""

    id: int
    number: str
    state: str
    receipt_number: str
    title: str
    country: str
    organisation: str
    call_id: int
    eco_lease: bool
    next_deadline: DeadlineView | None
    overdue: int
    decided_jpy: int | None
    fixed_jpy: int | None
    paid_jpy: int
    decided_by_fy: dict[int, int] = field(default_factory=dict)
    fixed_by_fy: dict[int, int] = field(default_factory=dict)
    paid_by_fy: dict[int, int] = field(default_factory=dict)

    @property
    def state_label(self) -> str:
        return str(GrantState(self.state).label)

    def text(self) -> str:
        """What the office list finds the grant by."""
        return " ".join(
            (self.number, self.receipt_number, self.title, self.organisation, self.country)
        )


@dataclass
class YearFigures:
    fiscal_year: int
    decided_jpy: int = 0
    fixed_jpy: int = 0
    paid_jpy: int = 0


@dataclass
class Money:
    decided_jpy: int = 0
    fixed_jpy: int = 0
    paid_jpy: int = 0

    def add(self, row: GrantRow) -> None:
        self.decided_jpy += row.decided_jpy or 0
        self.fixed_jpy += row.fixed_jpy or 0
        self.paid_jpy += row.paid_jpy


@dataclass
class CallFigures:
    """The money of a call's grants by fiscal year against the call's budget (2.(8))."""

    call: Any
    budget_total_jpy: int | None
    budget_eco_lease_jpy: int | None
    clause: str
    years: list[YearFigures]
    totals: Money
    eco_lease: Money
    grants: int

    @property
    def remaining_jpy(self) -> int | None:
        """The budget less the amounts decided (negative when they exceed it)."""
        if self.budget_total_jpy is None:
            return None
        return self.budget_total_jpy - self.totals.decided_jpy

    @property
    def eco_lease_remaining_jpy(self) -> int | None:
        if self.budget_eco_lease_jpy is None:
            return None
        return self.budget_eco_lease_jpy - self.eco_lease.decided_jpy


def portfolio_rows(grants: Iterable[Grant] | Any, *, on: dt.date | None = None) -> list[GrantRow]:
    """The rows of ``grants`` (a queryset, already limited to what the viewer sees), in a fixed
    number of queries: the grants with their deadline figures, then decisions, allocations,
    fixings and payments of those grants."""
    day = on or today()
    # things to do by a date: not the day from which the 内示 may be withdrawn, nor the end of
    # record retention (``duties``)
    open_ = Q(deadlines__done_at__isnull=True, deadlines__cancelled_at__isnull=True) & duties(
        "deadlines__"
    )
    next_open = (
        GrantDeadline.objects.filter(
            grant=OuterRef("pk"), done_at__isnull=True, cancelled_at__isnull=True, due_on__gte=day
        )
        .filter(duties())
        .order_by("due_on", "pk")
    )
    # plain values, not model instances: a thousand grants read in a fraction of the time
    grants = list(
        grants.annotate(
            overdue_count=Count("deadlines", filter=open_ & Q(deadlines__due_on__lt=day)),
            next_deadline_id=Subquery(next_open.values("pk")[:1]),
            proposal_kind=KeyTextTransform("kind", "selection__version__document"),
        )
        .order_by("number")
        .values(
            "pk",
            "number",
            "state",
            "decided_on",
            "overdue_count",
            "next_deadline_id",
            "proposal_kind",
            receipt=F("selection__proposal__receipt_number"),
            title=F("selection__proposal__title"),
            country=F("selection__proposal__country"),
            organisation=F("selection__proposal__organisation__name"),
            call_id=F("selection__proposal__call_id"),
        )
    )
    ids = [g["pk"] for g in grants]
    deadlines = {
        d["pk"]: DeadlineView(d["key"], d["due_on"], d["clause"])
        for d in GrantDeadline.objects.filter(
            pk__in=[g["next_deadline_id"] for g in grants if g["next_deadline_id"]]
        ).values("pk", "key", "due_on", "clause")
    }
    decisions = dict(
        GrantDecision.objects.filter(grant_id__in=ids).values_list("grant_id", "amount_jpy")
    )
    allocations = {
        a["grant_id"]: a
        for a in Allocation.objects.filter(grant_id__in=ids, superseded_at__isnull=True).values(
            "grant_id", "amount_jpy", "budget"
        )
    }
    fixings = dict(
        AmountFixing.objects.filter(grant_id__in=ids).values_list("grant_id", "amount_jpy")
    )
    paid: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for grant_id, amount, paid_on in Payment.objects.filter(claim__grant_id__in=ids).values_list(
        "claim__grant_id", "amount_jpy", "paid_on"
    ):
        paid[grant_id][fiscal_year_start(paid_on)] += amount
    rows = []
    for g in grants:
        pk = g["pk"]
        allocation = allocations.get(pk)
        decided = allocation["amount_jpy"] if allocation else decisions.get(pk)
        if g["state"] in NOT_COUNTED:
            decided = None
        weights = _year_weights(allocation["budget"]) if allocation else {}
        if not any(w > 0 for w in weights.values()) and g["decided_on"]:
            weights = {fiscal_year_start(g["decided_on"]): 1}  # no budget years: the decision's
        fixed = fixings.get(pk)
        rows.append(
            GrantRow(
                id=pk,
                number=g["number"],
                state=g["state"],
                receipt_number=g["receipt"] or "",
                title=g["title"],
                country=g["country"],
                organisation=g["organisation"],
                call_id=g["call_id"],
                eco_lease=g["proposal_kind"] == "eco_lease",
                next_deadline=deadlines.get(g["next_deadline_id"]),
                overdue=g["overdue_count"],
                decided_jpy=decided,
                fixed_jpy=fixed,
                paid_jpy=sum(paid[pk].values()),
                decided_by_fy=spread(decided or 0, weights),
                fixed_by_fy=spread(fixed or 0, weights),
                paid_by_fy=dict(paid[pk]),
            )
        )
    return rows


def filtered_rows(user: Any, filters: dict[str, str]) -> list[GrantRow]:
    """The portfolio rows of the grants ``user`` sees that the filters keep (``state``: a state
    code, ``country``: two capital letters, ``overdue``: "1" for only those with an open due
    date past), already checked by the caller."""
    from renkei import access

    grants = access.grants_for(user)
    if filters.get("state"):
        grants = grants.filter(state=filters["state"])
    if filters.get("country"):
        grants = grants.filter(selection__proposal__country=filters["country"])
    if filters.get("overdue"):  # a subquery: a join here would bend the counts annotated later
        overdue = GrantDeadline.objects.filter(
            duties(), done_at__isnull=True, cancelled_at__isnull=True, due_on__lt=today()
        )
        grants = grants.filter(pk__in=overdue.values("grant_id"))
    return portfolio_rows(grants)


def _budget_of(call: Any) -> tuple[int | None, int | None, str]:
    """The call's budget and its eco-lease part from its rulebook (2.(8)); None where the
    rulebook sets none."""
    try:
        subsidy = call.rulebook().subsidy
        total, eco = subsidy.budget_total_jpy, subsidy.budget_eco_lease_jpy
    except (AttributeError, LookupError, ValueError, OSError):  # a call without one
        return None, None, ""
    return total.value, eco.value, total.clause


def portfolio_figures(rows: Sequence[GrantRow]) -> list[CallFigures]:
    """The rows' money by call and fiscal year, with each call's budget."""
    from renkei.calls.models import Call

    by_call: dict[int, list[GrantRow]] = defaultdict(list)
    for row in rows:
        by_call[row.call_id].append(row)
    calls = Call.objects.in_bulk(list(by_call))
    out = []
    for call_id, call_rows in sorted(by_call.items()):
        years: dict[int, YearFigures] = {}
        totals, eco = Money(), Money()
        for row in call_rows:
            for attr, by_fy in (
                ("decided_jpy", row.decided_by_fy),
                ("fixed_jpy", row.fixed_by_fy),
                ("paid_jpy", row.paid_by_fy),
            ):
                for fy, amount in by_fy.items():
                    year = years.setdefault(fy, YearFigures(fy))
                    setattr(year, attr, getattr(year, attr) + amount)
            totals.add(row)
            if row.eco_lease:
                eco.add(row)
        total_budget, eco_budget, clause = _budget_of(calls[call_id])
        out.append(
            CallFigures(
                call=calls[call_id],
                budget_total_jpy=total_budget,
                budget_eco_lease_jpy=eco_budget,
                clause=clause,
                years=[years[y] for y in sorted(years)],
                totals=totals,
                eco_lease=eco,
                grants=len(call_rows),
            )
        )
    return out
