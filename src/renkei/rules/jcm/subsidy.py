"""Subsidy-rate caps (2.(9)), cost-effectiveness limits (別添2 3.(2)(D)) and the 事務費 cap (別表1).

Pure functions of a rulebook and an adoption table. Each returns a small result object that
knows its clause, its notes (ambiguities, ranges) and how to render itself as CLI JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from renkei.errors import BadInput
from renkei.rules._result import DEFAULT_LANG, Bilingual, Finding, Note, Status, in_lang
from renkei.rules.jcm._format import num, over_limit, plain
from renkei.rules.jcm.adoption import AdoptionTable, Count
from renkei.rules.jcm.rulebook import JcmRulebook

TWO_PLACES = Decimal("0.01")


def _pct(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).normalize():f}%"


# --- rate cap ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateCap:
    technology: str
    country: str
    count: Count
    cap_low: Decimal | None  # the cap at the highest possible count (None: not adopted)
    cap_high: Decimal | None  # the cap at the lowest possible count
    excluded: bool  # named in 別添2 3.(1) 6)
    eco_lease: bool
    clause: str
    notes: tuple[Note, ...]
    name_ja: str = ""
    name_en: str = ""
    in_annex3: bool = True  # False: a technology outside annex 3, counted at 0 adoptions

    @property
    def eligible(self) -> bool | None:
        """True/False when certain; None when the count range straddles the 10-adoption line."""
        if self.excluded or self.cap_high is None:
            return False
        if self.cap_low is None:
            return None
        return True

    @property
    def exact(self) -> bool:
        return self.cap_low == self.cap_high

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        if self.eligible is False:
            out: dict[str, Any] = {"eligible": False, "reason": self.reason(lang)}
        elif self.exact:
            out = {"rate_cap": str(self.cap_high)}
        else:
            out = {
                "min": None if self.cap_low is None else str(self.cap_low),
                "max": str(self.cap_high),
            }
            if self.eligible is None:
                out["eligible"] = None
        out["clause"] = in_lang(self.clause, lang)
        out["adoption_count"] = self.count.to_dict()
        if self.notes:
            out["notes"] = [n.to_dict(lang) for n in self.notes]
        return out

    def reason(self, lang: str = DEFAULT_LANG) -> str:
        """Why the line is not adopted, with its clause, in ``lang`` (from the catalogue)."""
        f = self.finding()
        return f"{in_lang(f.clause, lang)}: {f.message(lang)}"

    def finding(self, subject: str = "") -> Finding:
        params = {
            "technology": self.technology,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "country": self.country,
            "count": str(self.count),
            "count_ja": self.count.ja(),
            "count_en": str(self.count),
            "cap": _pct(self.cap_high),
            "cap_low": _pct(self.cap_low),
        }
        if self.eligible is False:
            code = "jcm.rate_cap.excluded" if self.excluded else "jcm.rate_cap.not_adopted"
            status = Status.FAIL
        elif not self.in_annex3:
            code, status = "jcm.rate_cap.outside_annex3", Status.NEEDS_REVIEW
        elif self.eligible is None:
            code, status = "jcm.rate_cap.maybe_not_adopted", Status.NEEDS_REVIEW
        elif self.exact:
            code, status = "jcm.rate_cap.exact", Status.PASS
        else:
            code, status = "jcm.rate_cap.range", Status.NEEDS_REVIEW
        return Finding("jcm.rate_cap", self.clause, status, code, params, self.notes, subject)


class RateCapFigures(dict[str, Any]):
    """A line's rate cap in the figures: its dict in Japanese, and in any language in a report
    (``jsonable(figures, lang)`` calls ``to_dict(lang)``), so its notes read in the reader's."""

    def __init__(self, cap: RateCap) -> None:
        super().__init__(cap.to_dict())
        self.cap = cap

    def to_dict(self, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        return self.cap.to_dict(lang)


def rate_cap(
    book: JcmRulebook,
    table: AdoptionTable,
    technology: str,
    country: str,
    *,
    eco_lease: bool = False,
    as_of: dt.date | None = None,
    outside_annex3: bool = False,
) -> RateCap:
    """The cap for a technology in a country; adoptions recorded later count when made on or
    before ``as_of`` (the application date). ``outside_annex3``: a technology annex 3 does not
    list, counted at 0 similar adoptions (an annex-3 name is then refused: it is listed)."""
    if not outside_annex3:
        tech = table.technology(technology)
    else:
        tech = table.lookup(technology)
        if tech.in_annex3:
            raise BadInput(
                f"{technology!r} is annex 3's {tech.id} ({tech.name_ja}); it is not outside annex 3"
            )
    count = table.count(tech.id, country, as_of)
    bands = book.subsidy.rate_caps
    cap_low, cap_high = bands.cap_for(count.max), bands.cap_for(count.min)
    notes: list[Note] = []
    clause = bands.clause
    if not tech.in_annex3:
        # 2.(9) counts adoptions of similar technologies; one annex 3 does not list has none
        # until the office finds a listed technology similar to it
        notes.append(
            Note(
                "jcm.note.outside_annex3",
                ("2.(9)", "別添3"),
                {
                    "technology": tech.id,
                    "similar_ja": "、".join(tech.similar) or "なし",
                    "similar_en": ", ".join(s.en for s in tech.similar) or "none",
                },
            )
        )
    if not count.exact:
        notes.append(
            Note(
                "jcm.note.annex3_range",
                ("別添3",),
                {
                    "technology": tech.id,
                    "name_ja": tech.name_ja,
                    "name_en": tech.name_en,
                    "country": country,
                    "count": str(count),
                    "count_ja": count.ja(),
                    "count_en": str(count),
                },
            )
        )
    if not table.is_reconstructed:
        notes.append(Note("jcm.note.official_table", ("別添3",), {"source": table.source}))
    added = table.added_for(tech.id, country, as_of)
    if added:
        notes.append(Note("jcm.note.added_adoptions", ("2.(9)",), {"n": len(added)}))
        if table.as_of and any(a.adopted_on and a.adopted_on <= table.as_of for a in added):
            notes.append(
                Note(
                    "jcm.note.adoption_before_table", ("別添3",), {"as_of": table.as_of.isoformat()}
                )
            )
    if eco_lease:
        lease_cap = book.subsidy.eco_lease_rate_cap.value
        cap_low = None if cap_low is None else min(cap_low, lease_cap)
        cap_high = None if cap_high is None else min(cap_high, lease_cap)
        lease_clause = book.subsidy.eco_lease_rate_cap.clause
        clause = (
            Bilingual(f"{clause} (JCMエコリース)", f"{clause} (JCM eco-lease)")
            if lease_clause == clause
            else f"{clause}; {lease_clause}"
        )
        notes.append(
            Note(
                "jcm.note.eco_lease_rate",
                (book.subsidy.eco_lease_rate_cap.clause,),
                {"cap": _pct(lease_cap)},
            )
        )
    if book.partner_countries.get(country) is None:
        notes.append(
            Note(
                "jcm.note.non_partner",
                (book.partner_countries.non_partner.clause,),
                {"country": country},
            )
        )
    excluded = book.excluded_pairs.excludes(tech.id, country)
    if excluded:
        clause = f"{clause}; {book.excluded_pairs.clause}"
    return RateCap(
        tech.id,
        country,
        count,
        cap_low,
        cap_high,
        excluded,
        eco_lease,
        clause,
        tuple(notes),
        tech.name_ja,
        tech.name_en,
        tech.in_annex3,
    )


# --- cost-effectiveness -----------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    jpy_per_tco2: int
    clause: str
    basis: str  # general | reduced_pair | technology
    notes: tuple[Note, ...] = ()
    in_principle: bool = False  # the call writes 「原則として」 (the 2,500 and 500 limits)


def cost_effectiveness_limit(book: JcmRulebook, technology: str, country: str) -> Limit:
    ce = book.cost_effectiveness
    for tl in ce.technology_limits:
        if tl.technology == technology:
            return Limit(tl.value, tl.clause, "technology", in_principle=tl.in_principle)
    notes: tuple[Note, ...] = ()
    if technology == "solar_pv_battery":
        notes = (
            Note(
                "jcm.note.solar_battery_limit",
                (ce.clause, "別添 技術別採択条件 2."),
                {"alt": num(_solar_limit(book))},
            ),
        )
    for pair in ce.reduced_limit.pairs:
        if pair.technology == technology and country in pair.countries:
            return Limit(ce.reduced_limit.value, ce.reduced_limit.clause, "reduced_pair", notes)
    return Limit(ce.general_limit.value, ce.general_limit.clause, "general", notes)


@dataclass(frozen=True)
class CostEffectiveness:
    subsidy_jpy: int
    annual_tco2: Decimal
    useful_life_years: int
    lifetime_tco2: Decimal
    jpy_per_tco2: Decimal  # rounded half-up to 0.01 for display; the check is exact
    limit: Limit
    passes: bool
    alt_passes: bool | None  # outcome under the alternative reading, when a note offers one
    alt_limit: int | None = None  # the limit of that alternative reading

    def to_dict(self, lang: str = "ja") -> dict[str, Any]:
        out: dict[str, Any] = {
            "jpy_per_tco2": str(self.jpy_per_tco2),
            "limit_jpy_per_tco2": str(self.limit.jpy_per_tco2),
            "passes": self.passes,
            "lifetime_tco2": str(plain(self.lifetime_tco2)),
            "clause": self.limit.clause,
        }
        if self.limit.notes:
            out["notes"] = [n.to_dict(lang) for n in self.limit.notes]
            out["passes_under_alternative_reading"] = self.alt_passes
        return out

    def finding(self, subject: str = "", extra_notes: tuple[Note, ...] = ()) -> Finding:
        limit = self.limit.jpy_per_tco2
        exact = Decimal(self.subsidy_jpy) / self.lifetime_tco2
        params = {
            # a failing value never reads as equal to the limit (4,000.0001, not 4,000.00)
            "value": f"{self.jpy_per_tco2:,}" if self.passes else over_limit(exact, limit),
            "limit": num(limit),
            "subsidy": num(self.subsidy_jpy),
            "annual": num(self.annual_tco2),
            "life": self.useful_life_years,
            "lifetime": num(self.lifetime_tco2),
        }
        if self.alt_passes is None:
            code = "jcm.ce.pass" if self.passes else "jcm.ce.fail"
        else:
            # solar PV + battery: the sentence itself says the outcome under the 2,500 reading
            params["alt"] = num(self.alt_limit or 0)
            code = (
                "jcm.ce.fail_alt_over"
                if not self.passes
                else "jcm.ce.pass_alt_ok"
                if self.alt_passes
                else "jcm.ce.pass_alt_over"
            )
        status = Status.PASS if self.passes else Status.FAIL
        notes = self.limit.notes + extra_notes
        if status is Status.PASS and self.alt_passes is False:
            status = Status.NEEDS_REVIEW
        if not self.passes and self.limit.in_principle:
            notes += (Note("jcm.note.in_principle", (self.limit.clause,)),)
        return Finding(
            "jcm.cost_effectiveness", self.limit.clause, status, code, params, notes, subject
        )


def _positive(name: str, value: Decimal | int) -> None:
    if value <= 0:
        raise BadInput(f"{name} must be greater than zero (got {value})")


def cost_effectiveness(
    book: JcmRulebook,
    *,
    technology: str,
    country: str,
    subsidy_jpy: int,
    annual_tco2: Decimal,
    useful_life_years: int,
) -> CostEffectiveness:
    """subsidy ÷ (annual reduction × statutory useful life), JPY/tCO2 (別添2 3.(2)(C)(D))."""
    if subsidy_jpy < 0:
        raise BadInput(f"subsidy must be zero or more yen (got {subsidy_jpy})")
    _positive("annual reduction (tCO2/year)", annual_tco2)
    _positive("useful life (years)", useful_life_years)
    if not Decimal("0.000001") <= annual_tco2 <= Decimal("1000000000"):
        raise BadInput(
            f"annual reduction must be between 0.000001 and 1,000,000,000 tCO2/year "
            f"(got {annual_tco2})"
        )
    lifetime = annual_tco2 * useful_life_years
    limit = cost_effectiveness_limit(book, technology, country)
    ratio = (Decimal(subsidy_jpy) / lifetime).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    passes = Decimal(subsidy_jpy) <= limit.jpy_per_tco2 * lifetime
    alt, alt_limit = None, None
    if limit.notes and technology == "solar_pv_battery":
        alt_limit = _solar_limit(book)
        alt = Decimal(subsidy_jpy) <= alt_limit * lifetime
    return CostEffectiveness(
        subsidy_jpy, annual_tco2, useful_life_years, lifetime, ratio, limit, passes, alt, alt_limit
    )


def _solar_limit(book: JcmRulebook) -> int:
    """The solar PV limit (2,500), the alternative reading for solar PV + battery."""
    return next(
        t.value for t in book.cost_effectiveness.technology_limits if t.technology == "solar_pv"
    )


# --- 事務費 cap --------------------------------------------------------------------------------
def admin_cost_cap(book: JcmRulebook, base_jpy: int) -> int:
    """The 事務費 cap: marginal tier rates on works + equipment cost, floored to whole yen."""
    if base_jpy < 0:
        raise BadInput(f"works + equipment cost must be zero or more yen (got {base_jpy})")
    total = Decimal(0)
    lower = 0
    for tier in book.admin_cost_cap.tiers:
        upper = base_jpy if tier.up_to_jpy is None else min(base_jpy, tier.up_to_jpy)
        if upper > lower:
            total += (upper - lower) * tier.rate
        if tier.up_to_jpy is None or base_jpy <= tier.up_to_jpy:
            break
        lower = tier.up_to_jpy
    return int(total.to_integral_value(rounding=ROUND_FLOOR))


def max_subsidy(eligible_cost_jpy: int, rate: Decimal) -> int:
    """Eligible cost × rate cap, floored to whole yen (2.(8))."""
    return int((Decimal(eligible_cost_jpy) * rate).to_integral_value(rounding=ROUND_FLOOR))
