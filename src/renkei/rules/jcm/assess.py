"""Whole-proposal assessment for the JCM Model Project call, clause by clause.

Sections: basic screening (別添2 3.(1) items 1–14, with 2.(3)–(5)), subsidy (2.(8)(9),
別添2 3.(2)(D)), costs (2.(7), 別表1), scoring (別添2 3.(2) A–F), schedule (2.(1), 2.(10),
4., 5.) and documents (5.(3)). Every finding cites its clause; where a machine cannot decide,
the finding is ``needs_review`` and says what evidence the office must confirm.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from renkei.errors import BadInput, NotInForce, RulebookInvalid
from renkei.rules._result import (
    Assessment,
    Bilingual,
    Finding,
    Note,
    Section,
    Status,
    catalogue,
    name,
)
from renkei.rules.countries import country_name_en
from renkei.rules.jcm import schedule as sched
from renkei.rules.jcm._format import num, plain
from renkei.rules.jcm.adoption import AdoptionTable, reconstructed_table
from renkei.rules.jcm.lease import lease_term
from renkei.rules.jcm.proposal import CostLine, JcmProposal, Site, TechnologyLine
from renkei.rules.jcm.rulebook import JcmRulebook
from renkei.rules.jcm.subsidy import (
    TWO_PLACES,
    RateCap,
    RateCapFigures,
    admin_cost_cap,
    cost_effectiveness,
    max_subsidy,
    rate_cap,
)
from renkei.rules.useful_lives import matching

F = Finding
P, X, R, INFO = Status.PASS, Status.FAIL, Status.NEEDS_REVIEW, Status.INFO


def _percent(rate: Decimal) -> str:
    """0.2119 → '21.19%': exact, so a value just under a limit never prints as the limit."""
    return f"{(rate * 100).normalize():f}%"


@cache
def _jcm_name(kind: str, obj_id: str, name_ja: str) -> Bilingual:
    """An item the call names in Japanese only (cost item, document, entity type), with its
    English rendering from names.yaml."""
    texts = catalogue().get(f"name.jcm.{kind}.{obj_id}")
    return Bilingual(name_ja, texts["en"] if texts else name_ja)


@cache
def _document_label(doc_id: str, form: str, name_ja: str) -> Bilingual:
    """様式1 公募提案書 / Form 1 Proposal."""
    name_en = _jcm_name("document", doc_id, name_ja).en
    return Bilingual(
        f"{form + ' ' if form else ''}{name_ja}",
        f"{form.replace('様式', 'Form ') + ' ' if form else ''}{name_en}",
    )


def _cost_item(item: Any) -> Bilingual:
    return _jcm_name("cost_item", item.id, item.name_ja)


def _evidence(key: str) -> Bilingual:
    """What the office confirms, in the call's words with Renkei's English (names.yaml)."""
    return name(f"name.jcm.evidence.{key}")


def _declared(
    check: str, clause: str, value: bool | None, evidence: Bilingual, *, bad_when: bool = False
) -> Finding:
    """A statement only the office can verify: false (or true when bad) fails; else review."""
    if value is None:
        return F(check, clause, R, "jcm.declared.missing", {"evidence": evidence})
    if value == bad_when:
        return F(check, clause, X, "jcm.declared.negative", {"evidence": evidence})
    return F(check, clause, R, "jcm.declared.confirm", {"evidence": evidence})


def _capability(book: JcmRulebook, p: JcmProposal) -> Finding:
    """2.(4)③: the five capability points, named as the call writes them."""
    clause = "別添2 3.(1) 1)③; 2.(4)③"
    stated = list(p.consortium.representative.capability.model_dump().values())
    ja, en = book.applicant.capability_points_ja, book.applicant.capability_points_en
    if len(stated) != len(ja):
        raise RulebookInvalid(f"{book.id}: {len(ja)} capability points, the proposal {len(stated)}")

    def points(value: bool | None) -> dict[str, str]:
        chosen = [i for i, v in enumerate(stated) if v is value]
        return {
            "ja": "".join(f"「{ja[i]}」" for i in chosen) or "なし",
            "en": "; ".join(f"'{en[i]}'" for i in chosen) or "none",
        }

    false, unstated = points(False), points(None)
    params = {"unstated_ja": unstated["ja"], "unstated_en": unstated["en"]}
    if any(v is False for v in stated):
        params |= {"not_met_ja": false["ja"], "not_met_en": false["en"]}
        return F("jcm.screening.1", clause, X, "jcm.applicant.capability_lacking", params)
    return F("jcm.screening.1", clause, R, "jcm.applicant.capability_confirm", params)


@dataclass(frozen=True)
class LineFigures:
    site: Site
    line: TechnologyLine
    tech_id: str
    eligible_cost_jpy: int
    works_equipment_jpy: int
    admin_jpy: int
    cap: RateCap
    max_subsidy_high: int
    max_subsidy_low: int | None
    subsidy_jpy: int
    life_years: int

    @property
    def subject(self) -> str:
        return f"{self.site.id}/{self.tech_id}"


def _line_costs(
    book: JcmRulebook, line: TechnologyLine, subject: str, out: list[Finding], *, eco_lease: bool
) -> tuple[int, int, int]:
    """Eligible cost, works+equipment base and 事務費 of one technology line.

    For a JCM eco-lease only the equipment portion of the lease fee and its interest are
    eligible (2.(7) ただし書); for a model project lease interest is not a cost item."""
    items = book.cost_items.eligible_by_id
    ineligible = book.cost_items.ineligible_by_id
    eligible = base = admin = 0
    for c in line.costs:
        if c.item in ineligible:
            out.append(
                F(
                    "jcm.costs.ineligible",
                    book.cost_items.clause,
                    INFO,
                    "jcm.costs.ineligible_excluded",
                    {"item": _cost_item(ineligible[c.item]), "amount": f"{c.amount_jpy:,}"},
                    subject=subject,
                )
            )
            continue
        group = items[c.item].group
        lease_only = group == "lease"
        if eco_lease and group not in ("equipment", "lease"):
            out.append(
                F(
                    "jcm.costs.eco_lease_item",
                    book.cost_items.eco_lease_eligible_note.clause,
                    X,
                    "jcm.costs.eco_lease_item",
                    {"item": _cost_item(items[c.item]), "amount": f"{c.amount_jpy:,}"},
                    subject=subject,
                )
            )
            continue
        if lease_only and not eco_lease:
            out.append(
                F(
                    "jcm.costs.eco_lease_item",
                    book.cost_items.eco_lease_eligible_note.clause,
                    X,
                    "jcm.costs.lease_interest_model_project",
                    {"amount": f"{c.amount_jpy:,}"},
                    subject=subject,
                )
            )
            continue
        counted = _counted_amount(book, c, subject, out)
        eligible += counted
        if group in ("works", "equipment"):
            base += counted
        elif group == "admin":
            admin += counted
        elif group == "other":
            out.append(
                F(
                    "jcm.costs.other_approved",
                    "2.(7)⑦",
                    R,
                    "jcm.costs.other_needs_approval",
                    {"amount": f"{counted:,}"},
                    subject=subject,
                )
            )
    return eligible, base, admin


def _counted_amount(book: JcmRulebook, c: CostLine, subject: str, out: list[Finding]) -> int:
    """Own products count at cost (2.(7)), never above what is paid."""
    if not c.own_product:
        return c.amount_jpy
    clause = book.cost_items.own_product_profit_exclusion.clause
    names = {i.id: _cost_item(i) for i in book.cost_items.eligible}
    what = c.description or names.get(c.item, c.item)
    if c.cost_price_jpy is None:
        out.append(
            F(
                "jcm.costs.own_product",
                clause,
                X,
                "jcm.costs.own_product_no_cost",
                {"description": what},
                subject=subject,
            )
        )
        return c.amount_jpy
    if c.cost_price_jpy > c.amount_jpy:
        out.append(
            F(
                "jcm.costs.own_product",
                clause,
                R,
                "jcm.costs.own_product_cost_above_price",
                {"description": what, "price": f"{c.amount_jpy:,}"},
                subject=subject,
            )
        )
        return c.amount_jpy
    out.append(
        F(
            "jcm.costs.own_product",
            clause,
            P,
            "jcm.costs.own_product_at_cost",
            {"description": what, "price": f"{c.amount_jpy:,}", "cost": f"{c.cost_price_jpy:,}"},
            subject=subject,
        )
    )
    return c.cost_price_jpy


def _validate_items(book: JcmRulebook, table: AdoptionTable, proposal: JcmProposal) -> None:
    valid = set(book.cost_items.eligible_ids()) | set(book.cost_items.ineligible_ids())
    first_fy = book.period.start.year
    last_fy = sched.fiscal_year_start(book.period.end)
    errors = []
    for s in proposal.sites:
        for t in s.technologies:
            tech = table.lookup(t.technology)
            if tech.in_annex3 and t.outside_annex3:
                errors.append(
                    f"site {s.id}: {t.technology!r} is annex 3's {tech.id} ({tech.name_ja}); "
                    "remove outside_annex3"
                )
            elif not tech.in_annex3 and not t.outside_annex3:
                hint = f" (did you mean {' or '.join(tech.similar)}?)" if tech.similar else ""
                errors.append(
                    f"site {s.id}: technology {t.technology!r} is not in annex 3{hint}; use an "
                    "annex-3 id or Japanese name (`renkei rules technologies`), or, for a "
                    "technology annex 3 does not list, set `outside_annex3: true` (assessed at 0 "
                    "similar-technology adoptions, 2.(9), for the office to confirm)"
                )
            for c in t.costs:
                if c.item not in valid:
                    errors.append(
                        f"site {s.id}: cost item {c.item!r} is unknown; valid items: "
                        + ", ".join(sorted(valid))
                    )
                if not first_fy <= c.fiscal_year <= last_fy:
                    errors.append(
                        f"site {s.id}: fiscal year {c.fiscal_year} is outside the call "
                        f"(FY{first_fy}–FY{last_fy})"
                    )
    if errors:
        raise BadInput("; ".join(errors))


def _line_figures(
    book: JcmRulebook, table: AdoptionTable, p: JcmProposal, cost_findings: list[Finding]
) -> list[LineFigures]:
    eco = p.kind == "eco_lease"
    costs = []
    for site, line in p.technology_lines():
        tech = table.lookup(line.technology)
        subject = f"{site.id}/{tech.id}"
        costs.append(
            (site, line, tech, *_line_costs(book, line, subject, cost_findings, eco_lease=eco))
        )
    # 事務費 above its cap (別表1) is not eligible: take the excess off the lines that carry
    # 事務費, in proportion, so it can never raise a maximum subsidy.
    admin_total = sum(c[5] for c in costs)
    excess = max(0, admin_total - admin_cost_cap(book, sum(c[4] for c in costs)))
    cuts = _share(excess, [c[5] for c in costs])
    out = []
    for (site, line, tech, eligible, base, admin), cut in zip(costs, cuts, strict=True):
        eligible -= cut
        cap = rate_cap(
            book,
            table,
            tech.id,
            p.country,
            eco_lease=eco,
            as_of=p.assessed_on,
            outside_annex3=line.outside_annex3,
        )
        hi = max_subsidy(eligible, cap.cap_high) if cap.cap_high is not None else 0
        lo = max_subsidy(eligible, cap.cap_low) if cap.cap_low is not None else None
        subsidy = hi if line.requested_subsidy_jpy is None else line.requested_subsidy_jpy
        life = p.lease.lease_years if eco and p.lease else line.useful_life_years
        out.append(
            LineFigures(site, line, tech.id, eligible, base, admin, cap, hi, lo, subsidy, life)
        )
    return out


def _share(total: int, weights: list[int]) -> list[int]:
    """Split whole yen in proportion to weights; the rounding remainder goes to the largest."""
    if total == 0 or not any(weights):
        return [0] * len(weights)
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    parts[weights.index(max(weights))] += total - sum(parts)
    return parts


# --- sections -------------------------------------------------------------------------------
def _screening(
    book: JcmRulebook, table: AdoptionTable, p: JcmProposal, lines: list[LineFigures]
) -> list[Finding]:
    out: list[Finding] = []
    rep = p.consortium.representative
    d = p.declarations
    # host country (2.(3))
    partner = book.partner_countries.get(p.country)
    if p.country == "JP":
        out.append(F("jcm.country", "2.(2)①; 2.(3)", X, "jcm.country.japan", {}))
    elif partner is None:
        out.append(
            F(
                "jcm.country",
                book.partner_countries.non_partner.clause,
                R,
                "jcm.country.non_partner",
                {"country": p.country},
            )
        )
    else:
        notes = tuple(
            Note(f"jcm.country.mark{m[-1]}", (book.partner_countries.marks[m].clause,))
            for m in partner.marks
        )
        out.append(
            F(
                "jcm.country",
                book.partner_countries.clause,
                P,
                "jcm.country.partner",
                {
                    "country": p.country,
                    "name": Bilingual(partner.name_ja, country_name_en(p.country)),
                },
                notes,
            )
        )
    # item 1: applicant requirements (2.(4))
    etype = next(e for e in book.applicant.entity_types if e.id == rep.entity_type)
    if rep.country != "JP":
        out.append(
            F(
                "jcm.screening.1",
                "別添2 3.(1) 1)①; 2.(4)①",
                X,
                "jcm.applicant.not_japanese",
                {"name": rep.name, "country": rep.country},
            )
        )
    elif etype.needs_review:
        out.append(
            F(
                "jcm.screening.1",
                etype.clause,
                R,
                "jcm.applicant.approval_needed",
                {"name": rep.name},
            )
        )
    else:
        out.append(
            F(
                "jcm.screening.1",
                etype.clause,
                P,
                "jcm.applicant.entity_ok",
                {"name": rep.name, "type": _jcm_name("entity_type", etype.id, etype.name_ja)},
            )
        )
    foreign = [m for m in p.consortium.partners if m.country != "JP"]
    if not foreign:
        out.append(
            F(
                "jcm.screening.1",
                "別添2 3.(1) 1)②; 2.(4)② 注1)",
                X,
                "jcm.consortium.no_foreign_partner",
                {},
            )
        )
    else:
        out.append(
            F(
                "jcm.screening.1",
                "別添2 3.(1) 1)②; 2.(4)②",
                P,
                "jcm.consortium.ok",
                {"n": len(p.consortium.partners)},
            )
        )
    out.append(_capability(book, p))
    out.append(
        _declared(
            "jcm.screening.1",
            "別添2 3.(1) 1)④; 別添1",
            rep.antisocial_forces_pledge,
            _evidence("antisocial_pledge"),
        )
    )
    if rep.antisocial_forces_pledge is True:
        out[-1] = F("jcm.screening.1", "別添2 3.(1) 1)④; 別添1", P, "jcm.applicant.pledged", {})
    if p.kind == "eco_lease":
        ok = rep.is_lessor is True
        out.append(
            F(
                "jcm.eco_lease.lessor",
                book.applicant.eco_lease_representative_is_lessor.clause,
                P if ok else X if rep.is_lessor is False else R,
                "jcm.eco_lease.lessor_ok" if ok else "jcm.eco_lease.lessor_required",
                {},
            )
        )
    duties = book.consortium_duties
    out.append(
        F(
            "jcm.consortium.duties",
            f"{duties.representative.clause}; {duties.members.clause}",
            INFO,
            "jcm.consortium.duties",
            {
                "rep": rep.name,
                "n_rep": len(duties.representative.duties_ja),
                "n_members": len(duties.members.duties_ja),
            },
        )
    )
    # item 2: reductions through the JCM
    out.append(
        _declared(
            "jcm.screening.2",
            "別添2 3.(1) 2)",
            d.climate_policy_alignment,
            _evidence("climate_policy"),
        )
    )
    out.append(
        _declared(
            "jcm.screening.2",
            "別添2 3.(1) 2)",
            d.quantifiable_reduction,
            _evidence("quantified_reduction"),
        )
    )
    if d.partner_objection is True:
        out.append(F("jcm.screening.2", "別添2 3.(1) 2)", X, "jcm.partner.objection", {}))
    else:
        out.append(
            F("jcm.screening.2", "別添2 3.(1) 2); 3.(3)", R, "jcm.partner.no_objection_yet", {})
        )
    # item 3: not fossil-fired power
    if d.fossil_fired_power and d.fossil_exception is False:
        # ※原則として: not eligible, but the call leaves room for an exception
        in_principle = (Note("jcm.note.in_principle", ("別添2 3.(1) 3) ※",)),)
        out.append(F("jcm.screening.3", "別添2 3.(1) 3)", X, "jcm.fossil.power", {}, in_principle))
    elif d.fossil_fired_power and d.fossil_exception is None:
        out.append(F("jcm.screening.3", "別添2 3.(1) 3)", R, "jcm.fossil.power_unconfirmed", {}))
    else:
        code = "jcm.fossil.exception" if d.fossil_fired_power else "jcm.fossil.none"
        out.append(
            F("jcm.screening.3", "別添2 3.(1) 3)", R if d.fossil_fired_power else P, code, {})
        )
    # item 4: superiority + technology conditions
    out.append(
        _declared(
            "jcm.screening.4",
            "別添2 3.(1) 4)",
            d.superiority_evidence,
            _evidence("superiority"),
        )
    )
    for lf in lines:
        out.extend(_technology_conditions(book, lf))
    # item 5: commercially proven, local support
    out.append(
        _declared(
            "jcm.screening.5",
            "別添2 3.(1) 5)",
            d.commercial_track_record,
            _evidence("track_record"),
        )
    )
    out.append(
        _declared(
            "jcm.screening.5",
            "別添2 3.(1) 5)",
            d.local_support,
            _evidence("local_support"),
        )
    )
    # item 6: not yet widespread
    for lf in lines:
        if lf.cap.excluded:
            out.append(lf.cap.finding(lf.subject))
    out.append(
        _declared(
            "jcm.screening.6",
            "別添2 3.(1) 6)",
            d.market_strategy,
            _evidence("market_strategy"),
        )
    )
    # item 7: methodology and monitoring
    out.extend(_methodology(table, p, lines))
    # item 8: costs
    out.append(
        _declared(
            "jcm.screening.8",
            "別添2 3.(1) 8)",
            d.cost_basis,
            _evidence("cost_basis"),
        )
    )
    # items 9–12
    out.append(
        _declared(
            "jcm.screening.9",
            "別添2 3.(1) 9)",
            d.infrastructure_initiative_alignment,
            _evidence("infrastructure_initiative"),
        )
    )
    out.append(
        _declared(
            "jcm.screening.10",
            "別添2 3.(1) 10)",
            d.environmental_compliance,
            _evidence("environmental_compliance"),
        )
    )
    out.append(
        _declared(
            "jcm.screening.11",
            "別添2 3.(1) 11)",
            d.sdgs_and_gender,
            _evidence("sdgs_gender"),
        )
    )
    out.append(
        _declared(
            "jcm.screening.12",
            "別添2 3.(1) 12)",
            d.human_rights_due_diligence,
            _evidence("human_rights"),
        )
    )
    # item 13: JICA-linked projects
    if not d.jica_linked:
        out.append(F("jcm.screening.13", "別添2 3.(1) 13)", P, "jcm.jica.not_linked", {}))
    else:
        out.append(
            _declared(
                "jcm.screening.13",
                "別添2 3.(1) 13)",
                d.oda_scope_separated,
                _evidence("oda_scope"),
            )
        )
    # item 14: no other Japanese subsidy
    if d.other_japanese_subsidy is False:
        out.append(
            F("jcm.screening.14", "別添2 3.(1) 14); 2.(2)④", P, "jcm.other_subsidy.none", {})
        )
    elif d.other_japanese_subsidy is True:
        out.append(
            F("jcm.screening.14", "別添2 3.(1) 14); 2.(2)④", X, "jcm.other_subsidy.found", {})
        )
    else:
        out.append(
            F(
                "jcm.screening.14",
                "別添2 3.(1) 14); 2.(2)④",
                R,
                "jcm.declared.missing",
                {"evidence": _evidence("no_other_subsidy")},
            )
        )
    return out


def _technology_conditions(book: JcmRulebook, lf: LineFigures) -> list[Finding]:
    tc = book.technology_conditions
    out: list[Finding] = []
    line, subject = lf.line, lf.subject
    if lf.tech_id in ("solar_pv", "solar_pv_battery"):
        clause = "別添 技術別採択条件 1." if lf.tech_id == "solar_pv" else "別添 技術別採択条件 2."
        if line.solar is None:
            out.append(
                F("jcm.tech.solar", clause, R, "jcm.tech.solar_missing", {}, subject=subject)
            )
        elif line.solar.special_use:
            out.append(
                F("jcm.tech.solar", clause, R, "jcm.tech.solar_special", {}, subject=subject)
            )
        else:
            ok = line.solar.module_efficiency >= tc.solar_module_min_efficiency.value
            out.append(
                F(
                    "jcm.tech.solar",
                    clause,
                    P if ok else X,
                    "jcm.tech.solar_ok" if ok else "jcm.tech.solar_low",
                    {
                        "eff": _percent(line.solar.module_efficiency),
                        "min": _percent(tc.solar_module_min_efficiency.value),
                    },
                    subject=subject,
                )
            )
    if lf.tech_id == "solar_pv_battery":
        out.extend(_battery_with_pv(book, lf))
    if lf.tech_id == "battery":
        out.extend(_battery_alone(lf))
    return out


def _tri(
    check: str,
    clause: str,
    value: bool | None,
    ok: str,
    bad: str,
    subject: str,
    params: dict[str, Any] | None = None,
) -> Finding:
    status = P if value is True else X if value is False else R
    return F(check, clause, status, ok if value is True else bad, params or {}, subject=subject)


def _battery_charging(b: Any, clause: str, ok: str, bad: str, subject: str) -> list[Finding]:
    """(1) of both battery conditions: charged only from its source, output measurable."""
    return [
        _tri("jcm.tech.battery", clause, b.charges_only_from_renewables, ok, bad, subject),
        _tri(
            "jcm.tech.battery",
            clause,
            b.output_measurable,
            "jcm.tech.battery_measurable_ok",
            "jcm.tech.battery_measurable",
            subject,
        ),
    ]


def _battery_with_pv(book: JcmRulebook, lf: LineFigures) -> list[Finding]:
    b, s, subject = lf.line.battery, lf.line.solar, lf.subject
    base = "別添 技術別採択条件 2. 蓄電池について"
    if b is None:
        return [F("jcm.tech.battery", base, R, "jcm.tech.battery_missing", {}, subject=subject)]
    out = _battery_charging(
        b, f"{base} (1)", "jcm.tech.battery_pv_only_ok", "jcm.tech.battery_pv_only", subject
    )
    ratio = book.technology_conditions.battery_min_ratio_of_pv_hour.value
    need = b.need
    if need is None:
        out.append(
            F(
                "jcm.tech.battery",
                f"{base} (2)",
                R,
                "jcm.tech.battery_need_missing",
                {},
                subject=subject,
            )
        )
        return out
    if need == "off_grid":
        out.append(
            F(
                "jcm.tech.battery",
                f"{base} (2) 1)",
                P,
                "jcm.tech.battery_offgrid",
                {},
                subject=subject,
            )
        )
        return out
    if need == "surplus_curtailment":
        out.append(
            F(
                "jcm.tech.battery",
                f"{base} (2)",
                X,
                "jcm.tech.battery_need_invalid",
                {},
                subject=subject,
            )
        )
        return out
    minimum = (s.capacity_mw * ratio) if s else None
    size_params = {"cap": num(b.capacity_mwh), "min": num(minimum) if minimum else "?"}
    if minimum is None:
        out.append(
            F("jcm.tech.battery", f"{base} (2)", R, "jcm.tech.solar_missing", {}, subject=subject)
        )
    elif b.capacity_mwh < minimum:
        out.append(
            F(
                "jcm.tech.battery",
                f"{base} (2)",
                X,
                "jcm.tech.battery_too_small",
                size_params,
                subject=subject,
            )
        )
    else:
        out.append(
            F(
                "jcm.tech.battery",
                f"{base} (2)",
                P,
                "jcm.tech.battery_size_ok",
                size_params,
                subject=subject,
            )
        )
    if need == "grid_supply":
        out.append(
            _tri(
                "jcm.tech.battery",
                f"{base} (2) 2)",
                b.policy_or_authority_requirement,
                "jcm.tech.battery_policy_ok",
                "jcm.tech.battery_policy",
                subject,
            )
        )
    else:  # self_consumption / local supply: 3)
        out.append(
            _tri(
                "jcm.tech.battery",
                f"{base} (2) 3)①",
                b.daily_cycling,
                "jcm.tech.battery_daily_ok",
                "jcm.tech.battery_daily",
                subject,
            )
        )
        if b.max_daily_surplus_mwh is None:
            out.append(
                F(
                    "jcm.tech.battery",
                    f"{base} (2) 3)②",
                    R,
                    "jcm.tech.battery_surplus_missing",
                    {},
                    subject=subject,
                )
            )
        else:
            ok = b.capacity_mwh <= b.max_daily_surplus_mwh
            out.append(
                F(
                    "jcm.tech.battery",
                    f"{base} (2) 3)②",
                    P if ok else X,
                    "jcm.tech.battery_surplus_ok" if ok else "jcm.tech.battery_surplus_over",
                    {"cap": num(b.capacity_mwh), "max": num(b.max_daily_surplus_mwh)},
                    subject=subject,
                )
            )
    return out


def _battery_alone(lf: LineFigures) -> list[Finding]:
    b, subject = lf.line.battery, lf.subject
    base = "別添 技術別採択条件 3. 蓄電池単独"
    if b is None:
        return [F("jcm.tech.battery", base, R, "jcm.tech.battery_missing", {}, subject=subject)]
    return [
        *_battery_charging(
            b, f"{base} (1)", "jcm.tech.battery_re_only_ok", "jcm.tech.battery_re_only", subject
        ),
        _tri(
            "jcm.tech.battery",
            f"{base} (2) 1)",
            b.curtailment_justified,
            "jcm.tech.battery_curtail_ok",
            "jcm.tech.battery_curtail",
            subject,
        ),
    ]


def _methodology(table: AdoptionTable, p: JcmProposal, lines: list[LineFigures]) -> list[Finding]:
    out = []
    m = p.methodology
    for lf in lines:
        tech = table.lookup(lf.tech_id)
        known = set(tech.methodologies)
        named = lf.line.methodologies or m.approved
        used = known & set(named)
        if used:
            out.append(
                F(
                    "jcm.screening.7",
                    "別添2 3.(1) 7)",
                    R,
                    "jcm.method.approved",
                    {"ids": sorted(used)},
                    subject=lf.subject,
                )
            )
        elif named:
            out.append(
                F(
                    "jcm.screening.7",
                    "別添2 3.(1) 7)",
                    R,
                    "jcm.method.other_approved",
                    {"ids": named, "known": sorted(known) or "—"},
                    subject=lf.subject,
                )
            )
        elif known:
            out.append(
                F(
                    "jcm.screening.7",
                    "別添2 3.(1) 7)",
                    R,
                    "jcm.method.none_for_similar",
                    {"known": sorted(known)},
                    subject=lf.subject,
                )
            )
        else:
            out.append(
                F(
                    "jcm.screening.7",
                    "別添2 3.(1) 7)",
                    R,
                    "jcm.method.conservative",
                    {},
                    subject=lf.subject,
                )
            )
    named_any = m.approved or any(lf.line.methodologies for lf in lines)
    if p.kind == "eco_lease" and not (named_any or m.proposed):
        out.append(
            F(
                "jcm.eco_lease.methodology",
                "2.(1)① なお書き",
                X,
                "jcm.eco_lease.methodology_required",
                {},
                (Note("jcm.note.in_principle", ("2.(1)① なお書き",)),),
            )
        )
    out.append(
        _declared(
            "jcm.screening.7",
            "別添2 3.(1) 7)",
            m.monitoring_plan,
            _evidence("monitoring_plan"),
        )
    )
    return out


def _subsidy(book: JcmRulebook, p: JcmProposal, lines: list[LineFigures]) -> list[Finding]:
    out: list[Finding] = []
    for lf in lines:
        if lf.cap.excluded:
            # the cause is reported under screening item 6; here, once, what it means
            out.append(
                F(
                    "jcm.subsidy.excluded",
                    book.excluded_pairs.clause,
                    X,
                    "jcm.subsidy.line_excluded",
                    {"name_ja": lf.cap.name_ja, "name_en": lf.cap.name_en, "country": p.country},
                    subject=lf.subject,
                )
            )
            continue
        out.append(lf.cap.finding(lf.subject))
        if lf.cap.eligible is False:
            continue
        params = {
            "eligible": f"{lf.eligible_cost_jpy:,}",
            "max": f"{lf.max_subsidy_high:,}",
            "max_low": f"{lf.max_subsidy_low:,}" if lf.max_subsidy_low is not None else "—",
            "requested": f"{lf.subsidy_jpy:,}",
        }
        if lf.line.requested_subsidy_jpy is not None and lf.subsidy_jpy > lf.max_subsidy_high:
            out.append(
                F(
                    "jcm.subsidy.amount",
                    "2.(8); 2.(9)",
                    X,
                    "jcm.subsidy.over_max",
                    params,
                    subject=lf.subject,
                )
            )
        elif lf.max_subsidy_low is not None and lf.subsidy_jpy > lf.max_subsidy_low:
            # without a requested amount the subsidy assumed is the higher maximum
            requested = lf.line.requested_subsidy_jpy is not None
            out.append(
                F(
                    "jcm.subsidy.amount",
                    "2.(8); 2.(9)",
                    R,
                    "jcm.subsidy.within_range" if requested else "jcm.subsidy.within_range_assumed",
                    params,
                    lf.cap.notes,
                    subject=lf.subject,
                )
            )
        else:
            out.append(
                F(
                    "jcm.subsidy.amount",
                    "2.(8); 2.(9)",
                    P,
                    "jcm.subsidy.within_max",
                    params,
                    subject=lf.subject,
                )
            )
        # useful life and its reason
        if p.kind == "eco_lease":
            out.append(
                F(
                    "jcm.useful_life",
                    "別添2 3.(2)(C) ※",
                    INFO,
                    "jcm.life.lease",
                    {"years": lf.life_years},
                    subject=lf.subject,
                )
            )
        elif not lf.line.useful_life_reason.strip():
            refs = [u.reference for u in matching(lf.life_years)]
            out.append(
                F(
                    "jcm.useful_life",
                    "別添2 3.(2)(C) ※; 2.(1)② ※",
                    R,
                    "jcm.life.no_reason",
                    {"years": lf.life_years, "refs": refs or "—"},
                    subject=lf.subject,
                )
            )
        else:
            out.append(
                F(
                    "jcm.useful_life",
                    "別添2 3.(2)(C) ※; 2.(1)② ※",
                    P,
                    "jcm.life.reason",
                    {"years": lf.life_years, "reason": lf.line.useful_life_reason},
                    subject=lf.subject,
                )
            )
        ce = cost_effectiveness(
            book,
            technology=lf.tech_id,
            country=p.country,
            subsidy_jpy=lf.subsidy_jpy,
            annual_tco2=lf.line.annual_reduction_tco2,
            useful_life_years=lf.life_years,
        )
        derived_from_range = lf.line.requested_subsidy_jpy is None and not lf.cap.exact
        finding = ce.finding(lf.subject, lf.cap.notes if derived_from_range else ())
        if derived_from_range and finding.status is X and lf.max_subsidy_low is not None:
            # the subsidy is the higher of two possible maxima: if the lower one passes, the
            # outcome depends on the table; if it fails too, the proposal fails either way
            low = cost_effectiveness(
                book,
                technology=lf.tech_id,
                country=p.country,
                subsidy_jpy=lf.max_subsidy_low,
                annual_tco2=lf.line.annual_reduction_tco2,
                useful_life_years=lf.life_years,
            )
            if low.passes:
                finding = replace(finding, status=R)
        out.append(finding)
    total = sum(lf.subsidy_jpy for lf in lines if lf.cap.eligible is not False)
    limit = book.subsidy.per_project_limit_jpy
    status = P if total <= limit.value else R
    out.append(
        F(
            "jcm.subsidy.per_project",
            limit.clause,
            status,
            "jcm.subsidy.total_ok" if status is P else "jcm.subsidy.total_over",
            {"total": f"{total:,}", "limit": f"{limit.value:,}"},
        )
    )
    if p.kind == "eco_lease" and p.lease is not None:
        need = book.subsidy.eco_lease_min_lease_years
        ok = p.lease.lease_years >= need.value
        out.append(
            F(
                "jcm.eco_lease.years",
                need.clause,
                P if ok else X,
                "jcm.eco_lease.years_ok" if ok else "jcm.eco_lease.years_short",
                {"years": p.lease.lease_years, "min": need.value},
            )
        )
    if p.lease is not None:
        # 2.(6)③ for a JCM eco-lease; 2.(6)① for a lease inside a model project's consortium
        out.append(
            _breakdown(
                "jcm.eco_lease.fee" if p.kind == "eco_lease" else "jcm.lease.fee",
                "2.(6)③" if p.kind == "eco_lease" else "2.(6)①",
                p.lease.fee_reduction_documented,
                "jcm.lease.fee_ok",
                "jcm.lease.fee_missing",
                "jcm.lease.fee_not_shown",
            )
        )
    if p.lease is not None and p.kind == "model_project":
        # 2.(6)①: the lease, or its continuation or a transfer, covers the useful life
        partners = [m.name for m in p.consortium.partners]
        partners += [m.name_en for m in p.consortium.partners if m.name_en]
        out.append(
            lease_term(
                lives=[(lf.subject, lf.line.useful_life_years) for lf in lines],
                lease_years=p.lease.lease_years,
                ends_on=p.lease.ends_on,
                operation_start=p.milestones.operation_start_on,
                after_lease=p.lease.after_lease,
                transfer_to=p.lease.transfer_to,
                partners=partners,
            )
        )
    if p.deferred_payment:
        out.append(
            _breakdown(
                "jcm.deferred_payment.breakdown",
                "2.(6)②",
                p.deferred_payment_benefit_documented,
                "jcm.deferred_payment.breakdown_ok",
                "jcm.deferred_payment.breakdown_missing",
                "jcm.deferred_payment.breakdown_not_shown",
            )
        )
    return out


def _breakdown(
    check: str, clause: str, value: bool | None, ok: str, missing: str, not_shown: str
) -> Finding:
    """A breakdown that must show the subsidy passed on (2.(6)): absent → review, no → fail."""
    if value is None:
        return F(check, clause, R, missing, {})
    return F(check, clause, P if value else X, ok if value else not_shown, {})


def _costs(book: JcmRulebook, lines: list[LineFigures], found: list[Finding]) -> list[Finding]:
    base = sum(lf.works_equipment_jpy for lf in lines)
    admin = sum(lf.admin_jpy for lf in lines)
    cap = admin_cost_cap(book, base)
    clause = book.admin_cost_cap.clause
    params = {"admin": f"{admin:,}", "cap": f"{cap:,}", "base": f"{base:,}"}
    ok = admin <= cap
    return [
        *found,
        F(
            "jcm.costs.admin_cap",
            clause,
            P if ok else X,
            "jcm.costs.admin_ok" if ok else "jcm.costs.admin_over",
            params,
            (Note("jcm.note.admin_whole_project", (clause, "4.(5)")),),
        ),
    ]


def _scoring(
    book: JcmRulebook, table: AdoptionTable, p: JcmProposal, lines: list[LineFigures]
) -> tuple[list[Finding], dict[str, Any]]:
    sc = book.scoring
    items = {i.id: i for i in sc.items}
    out: list[Finding] = []
    points: dict[str, int] = {}
    unknown = set(p.reviewer_scores) - {i.id for i in sc.items if i.source == "reviewer"}
    if unknown:
        raise BadInput(
            f"reviewer_scores: unknown item(s) {sorted(unknown)}; reviewer items are "
            + ", ".join(i.id for i in sc.items if i.source == "reviewer")
        )
    for item in sc.items:
        if item.source != "reviewer":
            continue
        given = p.reviewer_scores.get(item.id)
        if given is None:
            out.append(
                F(
                    "jcm.score.reviewer",
                    item.clause,
                    R,
                    "jcm.score.reviewer_pending",
                    {
                        "item": item.id,
                        "name_ja": item.name_ja,
                        "name_en": item.name("en"),
                        "max": item.max,
                    },
                )
            )
            continue
        if not 0 <= given <= item.max:
            raise BadInput(
                f"reviewer_scores.{item.id}: {given} is outside 0–{item.max} "
                f"({item.name_ja}, {item.clause})"
            )
        points[item.id] = given
        out.append(
            F(
                "jcm.score.reviewer",
                item.clause,
                INFO,
                "jcm.score.reviewer_given",
                {
                    "item": item.id,
                    "name_ja": item.name_ja,
                    "name_en": item.name("en"),
                    "points": given,
                    "max": item.max,
                },
            )
        )
    t = p.targets
    computed = {
        "E1a": t.carbon_neutral_target,
        "E1b": t.interim_or_scope3_target,
        "E2": t.decokatsu_supporters,
        "E3": t.decokatsu_declaration,
        "F1": t.co_innovation_or_hydrogen_project,
    }
    for key, flag in computed.items():
        item = items[key]
        points[key] = item.max if flag else 0
        notes: tuple[Note, ...] = ()
        status = INFO
        if key in ("E1a", "E1b") and flag and not t.target_published_at:
            notes = (Note("jcm.note.target_unpublished", (item.clause,)),)
            status = R
        out.append(
            F(
                "jcm.score.computed",
                item.clause,
                status,
                "jcm.score.computed",
                {
                    "item": key,
                    "name_ja": item.name_ja,
                    "name_en": item.name("en"),
                    "points": points[key],
                    "max": item.max,
                },
                notes,
            )
        )
    f2, f2_status, f2_notes = _focus_bonus(table, p, lines)
    points["F2"] = items["F2"].max if f2 else 0
    out.append(
        F(
            "jcm.score.computed",
            items["F2"].clause,
            f2_status,
            # awarded points are provisional: 「先進的な技術」 is the committee's judgement
            "jcm.score.provisional" if f2 else "jcm.score.computed",
            {
                "item": "F2",
                "name_ja": items["F2"].name_ja,
                "name_en": items["F2"].name("en"),
                "points": points["F2"],
                "max": items["F2"].max,
            },
            f2_notes,
        )
    )
    payback = p.financing.payback_years_with_subsidy
    guide = sc.payback_guideline_years
    if payback is None:
        out.append(
            F("jcm.score.payback", guide.clause, R, "jcm.payback.missing", {"min": guide.value})
        )
    elif payback < guide.value:
        out.append(
            F(
                "jcm.score.payback",
                guide.clause,
                R,
                "jcm.payback.short",
                {"years": num(payback), "min": guide.value},
            )
        )
    else:
        out.append(
            F(
                "jcm.score.payback",
                guide.clause,
                P,
                "jcm.payback.ok",
                {"years": num(payback), "min": guide.value},
            )
        )
    reviewer_max = sum(i.max for i in sc.items if i.source == "reviewer")
    computed_keys = [i.id for i in sc.items if i.source == "computed"]
    figures: dict[str, Any] = {
        "score_reviewer": sum(v for k, v in points.items() if items[k].source == "reviewer"),
        "score_computed": sum(points[k] for k in computed_keys),
        "score_max": sc.base_total,
        "score_bonus_max": sum(i.max for i in sc.items if i.bonus),
        "score_reviewer_max": reviewer_max,
        "score_items": points,
        "score_provisional_items": ["F2"] if f2 else [],
    }
    figures["score_total"] = figures["score_reviewer"] + figures["score_computed"]
    return out, figures


def _focus_bonus(
    table: AdoptionTable, p: JcmProposal, lines: list[LineFigures]
) -> tuple[bool, Status, tuple[Note, ...]]:
    """別添2 3.(2)(F): focus-area technology in a country without an adoption record of it.

    「※採択実績がある国は除く」 is read as: no adoption of that technology (annex 3's similar
    technology) in the host country. Whether it is a 「先進的な技術」 is the committee's
    judgement, so points the machine awards are provisional (needs_review)."""
    sector_area = {"renewable_energy": "renewable_energy", "waste": "waste_infrastructure"}
    award, uncertain = False, False
    for lf in lines:
        tech = table.lookup(lf.tech_id)
        area = sector_area.get(tech.sector) or lf.line.focus_area
        if area is None:
            continue
        count = table.count(tech.id, p.country)
        if count.max == 0:
            award = True
            if area != sector_area.get(tech.sector):
                uncertain = True  # claimed focus area the table cannot confirm
        elif count.min == 0:
            uncertain = True
    notes: tuple[Note, ...] = ()
    if uncertain:
        notes += (Note("jcm.note.focus_bonus", ("別添2 3.(2)(F)",)),)
    if award:
        notes += (Note("jcm.note.focus_bonus_provisional", ("別添2 3.(2)(F)",)),)
    return award, R if uncertain or award else INFO, notes


def _jst(moment: dt.datetime) -> str:
    return moment.astimezone(sched.JST).strftime("%Y-%m-%d %H:%M")


def _round(book: JcmRulebook, deadline_jst: dt.datetime) -> Finding:
    """The targeted deadline against the rounds the call dates (2.(11), 5.(2)); the second
    round's date is set by the Centre, so any other date needs review."""
    dated = [r for r in book.rounds if r.deadline is not None]
    match = next(
        (
            r
            for r in dated
            if r.deadline and r.deadline.astimezone(sched.JST).date() == deadline_jst.date()
        ),
        None,
    )
    if match is not None:
        return F(
            "jcm.schedule.round",
            match.clause,
            P,
            "jcm.schedule.round_ok",
            {
                "deadline": _jst(deadline_jst),
                "round_ja": match.name_ja,
                "round_en": match.name_en,
            },
        )
    undated = next(r for r in book.rounds if r.deadline is None)
    listed = [(r, _jst(r.deadline)) for r in dated if r.deadline]
    return F(
        "jcm.schedule.round",
        undated.clause,
        R,
        "jcm.schedule.round_unknown",
        {
            "deadline": _jst(deadline_jst),
            "rounds_ja": "、".join(f"{r.name_ja} {when}" for r, when in listed),
            "rounds_en": "; ".join(f"{r.name_en} {when}" for r, when in listed),
        },
    )


def _pre_registration(book: JcmRulebook, p: JcmProposal, deadline_jst: dt.datetime) -> Finding:
    pre = sched.deadline(book, "pre-registration", deadline_jst.date())
    check = "jcm.schedule.pre_registration"
    opens = book.call_window.opens.astimezone(sched.JST).date()
    if pre.due < opens:
        return F(
            check,
            f"{pre.clause}; {book.call_window.clause}",
            R,
            "jcm.schedule.pre_before_call",
            {
                "due": pre.due.isoformat(),
                "deadline": deadline_jst.date().isoformat(),
                "opens": opens.isoformat(),
            },
        )
    if p.pre_registered_on is None:
        return F(check, pre.clause, X, "jcm.schedule.pre_missing", {"due": pre.due.isoformat()})
    if p.pre_registered_on > pre.due:
        return F(
            check,
            pre.clause,
            X,
            "jcm.schedule.pre_late",
            {
                "on": p.pre_registered_on.isoformat(),
                "due": pre.due.isoformat(),
                "deadline": deadline_jst.date().isoformat(),
            },
        )
    return F(
        check,
        pre.clause,
        P,
        "jcm.schedule.pre_ok",
        {"on": p.pre_registered_on.isoformat(), "due": pre.due.isoformat()},
    )


def _completion(book: JcmRulebook, p: JcmProposal, on: dt.date) -> list[Finding]:
    """2.(10) (原則として 2027-01-29) and 2.(11): by the end of February of the last fiscal
    year with cost lines (FY2024 → 2025-02-28, FY2025 → 2026-02-28)."""
    limit = book.schedule.completion_deadline
    ok = on <= limit.value
    out = [
        F(
            "jcm.schedule.completion",
            limit.clause,
            P if ok else X,
            "jcm.schedule.completion_ok" if ok else "jcm.schedule.completion_late",
            {"on": on.isoformat(), "limit": limit.value.isoformat()},
            () if ok else (Note("jcm.note.in_principle", (limit.clause,)),),
        )
    ]
    rule = book.schedule.completion_by_last_cost_year
    last_fy = max(c.fiscal_year for _, t in p.technology_lines() for c in t.costs)
    by_year = rule.for_year(last_fy)
    if by_year is not None and by_year.complete_by < limit.value:
        ok = on <= by_year.complete_by
        out.append(
            F(
                "jcm.schedule.completion_fiscal_year",
                by_year.clause,
                P if ok else R,
                "jcm.schedule.completion_fy_ok" if ok else "jcm.schedule.completion_fy_late",
                {"on": on.isoformat(), "fy": last_fy, "limit": by_year.complete_by.isoformat()},
            )
        )
    return out


def _schedule(book: JcmRulebook, p: JcmProposal, lines: list[LineFigures]) -> list[Finding]:
    out: list[Finding] = []
    deadline_jst = p.target_deadline.astimezone(sched.JST)
    window = book.call_window
    if not window.opens <= p.target_deadline <= window.closes:
        out.append(
            F(
                "jcm.schedule.deadline",
                window.clause,
                X,
                "jcm.schedule.deadline_outside",
                {
                    "deadline": deadline_jst.isoformat(),
                    "opens": window.opens.isoformat(),
                    "closes": window.closes.isoformat(),
                },
            )
        )
        return out
    if deadline_jst.time() != dt.time(12, 0):
        out.append(
            F(
                "jcm.schedule.deadline",
                book.schedule.proposal_deadline_time.clause,
                R,
                "jcm.schedule.deadline_not_noon",
                {"deadline": deadline_jst.isoformat()},
            )
        )
    out.append(_round(book, deadline_jst))
    out.append(_pre_registration(book, p, deadline_jst))
    m = p.milestones
    if m.naiji_on:
        d = sched.deadline(book, "grant-application", m.naiji_on)
        out.append(
            F(
                "jcm.schedule.grant_application",
                d.clause,
                INFO,
                "jcm.schedule.grant_app_due",
                {"due": d.due.isoformat(), "cancel": d.extra["naiji_cancellable_from"].isoformat()},
            )
        )
    if m.planned_completion_on:
        out.extend(_completion(book, p, m.planned_completion_on))
        for event in ("completion-report", "jcm-registration", "records-retention"):
            try:
                d = sched.deadline(book, event, m.planned_completion_on)
            except NotInForce:
                continue
            out.append(
                F(
                    f"jcm.schedule.{event}",
                    d.clause,
                    INFO,
                    f"jcm.schedule.{event}",
                    {"due": d.due.isoformat()},
                    d.notes,
                )
            )
    if m.operation_start_on:
        plans: dict[int, sched.MonitoringPlan] = {}  # lines with the same life share a plan
        for lf in lines:
            plan = plans.get(lf.life_years)
            if plan is None:
                plan = plans[lf.life_years] = sched.monitoring_plan(
                    book,
                    operation_start=m.operation_start_on,
                    useful_life_years=lf.life_years,
                    bilateral_valid_until=m.bilateral_valid_until,
                    eco_lease=p.kind == "eco_lease",
                )
            out.append(
                F(
                    "jcm.schedule.monitoring",
                    plan.clause,
                    INFO,
                    "jcm.schedule.monitoring",
                    {
                        "start": plan.operation_start.isoformat(),
                        "end": plan.monitoring_end.isoformat(),
                        "issue_by": plan.issuance_after_life_due.isoformat(),
                    },
                    plan.notes,
                    subject=lf.subject,
                )
            )
    return out


def _documents(book: JcmRulebook, p: JcmProposal) -> list[Finding]:
    rd = book.required_documents
    given: dict[str, list[str]] = defaultdict(list)
    for doc in p.documents:
        given[doc.id].append(doc.file)
    known = {d.id for d in rd.documents}
    out: list[Finding] = []
    if not p.documents:
        # A draft with no attachments yet: one reminder instead of a failure per document.
        out.append(
            F(
                "jcm.documents.none",
                rd.clause,
                R,
                "jcm.documents.none",
                {"n": sum(1 for d in rd.documents if d.required == "always")},
            )
        )
        out.append(F("jcm.documents.numbering", rd.clause, INFO, "jcm.documents.numbering_gap", {}))
        return out
    for unknown in sorted(set(given) - known):
        out.append(
            F(
                "jcm.documents.unknown",
                rd.clause,
                R,
                "jcm.documents.unknown",
                {"id": unknown, "known": sorted(known)},
            )
        )
    needs = {"always"}
    if p.kind == "eco_lease" or p.lease is not None:
        needs.add("lease")
    if p.deferred_payment:
        needs.add("deferred_payment")
    for d in rd.documents:
        label = _document_label(d.id, d.form, d.name_ja)
        if d.required not in needs:
            continue
        files = given.get(d.id, [])
        if not files:
            out.append(
                F(
                    "jcm.documents.missing",
                    f"{rd.clause} {d.item}",
                    X,
                    "jcm.documents.missing",
                    {"doc": label},
                )
            )
            continue
        prefix = (d.form or "").replace("様式", "")
        bad = [f for f in files if prefix and not re.match(rf"{re.escape(prefix)}(?![0-9])", f)]
        if bad and not d.entered_in_system:
            out.append(
                F(
                    "jcm.documents.naming",
                    rd.naming_rule.clause,
                    R,
                    "jcm.documents.naming",
                    {"doc": label, "files": bad, "prefix": prefix},
                )
            )
        else:
            out.append(
                F(
                    "jcm.documents.present",
                    f"{rd.clause} {d.item}",
                    P,
                    "jcm.documents.present",
                    {"doc": label, "files": files},
                )
            )
    out.append(F("jcm.documents.numbering", rd.clause, INFO, "jcm.documents.numbering_gap", {}))
    return out


def assess_jcm(p: JcmProposal, book: JcmRulebook, table: AdoptionTable | None = None) -> Assessment:
    """Assess a proposal against ``book``; ``table`` defaults to the reconstructed annex 3."""
    if p.call != book.id:
        raise BadInput(f"the proposal is for {p.call}, not {book.id}")
    book.period.require(book.id, "an assessment dated", p.assessed_on)
    table = table or reconstructed_table(book.id)
    _validate_items(book, table, p)
    cost_findings: list[Finding] = []
    lines = _line_figures(book, table, p, cost_findings)
    screening = _screening(book, table, p, lines)
    subsidy = _subsidy(book, p, lines)
    costs = _costs(book, lines, cost_findings)
    scoring, score_figures = _scoring(book, table, p, lines)
    sections = (
        Section("eligibility", "section.eligibility", tuple(screening)),
        Section("subsidy", "section.subsidy", tuple(subsidy)),
        Section("costs", "section.costs", tuple(costs)),
        Section("scoring", "section.scoring", tuple(scoring)),
        Section("schedule", "section.schedule", tuple(_schedule(book, p, lines))),
        Section("documents", "section.documents", tuple(_documents(book, p))),
    )
    eligible_lines = [lf for lf in lines if lf.cap.eligible is not False]
    lifetime = sum((lf.line.annual_reduction_tco2 * lf.life_years for lf in lines), Decimal(0))
    # the whole-proposal JPY/tCO2 counts only lines that can be subsidised
    lifetime_subsidised = sum(
        (lf.line.annual_reduction_tco2 * lf.life_years for lf in eligible_lines), Decimal(0)
    )
    subsidy_total = sum(lf.subsidy_jpy for lf in eligible_lines)
    figures: dict[str, Any] = {
        "adoption_table": table.source,
        "eligible_cost_jpy": sum(lf.eligible_cost_jpy for lf in lines),
        "max_subsidy_jpy": sum(lf.max_subsidy_high for lf in eligible_lines),
        "subsidy_jpy": subsidy_total,
        "annual_reduction_tco2": plain(
            sum((lf.line.annual_reduction_tco2 for lf in lines), Decimal(0))
        ),
        "lifetime_reduction_tco2": plain(lifetime),
        "jpy_per_tco2": (Decimal(subsidy_total) / lifetime_subsidised).quantize(
            TWO_PLACES, rounding=ROUND_HALF_UP
        )
        if lifetime_subsidised
        else None,
        "lines": [
            {
                "site": lf.site.id,
                "technology": lf.tech_id,
                "rate_cap": RateCapFigures(lf.cap),
                "eligible_cost_jpy": lf.eligible_cost_jpy,
                "max_subsidy_jpy": lf.max_subsidy_high,
                "subsidy_jpy": lf.subsidy_jpy,
                "useful_life_years": lf.life_years,
            }
            for lf in lines
        ],
        **score_figures,
    }
    return Assessment(book.id, book.version, p.title, sections, figures)
