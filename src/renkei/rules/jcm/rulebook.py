"""The JCM Model Project call (公募要領) as a typed, immutable rulebook.

Mirrors ``rulebooks/jcm-model-project/<period>.yaml`` field by field; unknown keys are errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from pydantic import model_validator

from renkei.rules._base import Cited, Period, RulebookHeader, Strict


class CallWindow(Strict):
    opens: dt.datetime
    closes: dt.datetime
    clause: str
    note: str | None = None


class Round(Strict):
    id: str
    name_ja: str
    name_en: str
    deadline: dt.datetime | None
    clause: str
    note: str | None = None


class PartnerCountry(Strict):
    code: str
    name_ja: str
    marks: tuple[str, ...] = ()


class Mark(Strict):
    clause: str
    text_ja: str


class NonPartner(Strict):
    clause: str
    text_ja: str


class PartnerCountries(Strict):
    clause: str
    as_of: dt.date
    countries: tuple[PartnerCountry, ...]
    marks: dict[str, Mark]
    non_partner: NonPartner

    def get(self, code: str) -> PartnerCountry | None:
        return next((c for c in self.countries if c.code == code), None)


class EntityType(Strict):
    id: str
    clause: str
    name_ja: str
    needs_review: bool = False


class Applicant(Strict):
    clause: str
    entity_types: tuple[EntityType, ...]
    capability_points_clause: str
    capability_points_ja: tuple[str, ...]
    capability_points_en: tuple[str, ...]
    eco_lease_representative_is_lessor: Cited[bool]

    @model_validator(mode="after")
    def _same_points(self) -> Applicant:
        if len(self.capability_points_ja) != len(self.capability_points_en):
            raise ValueError("capability_points_ja and capability_points_en differ in length")
        return self


class DutyList(Strict):
    clause: str
    duties_ja: tuple[str, ...]


class ConsortiumDuties(Strict):
    representative: DutyList
    members: DutyList


class RateBand(Strict):
    min: int
    max: int | None
    cap: Decimal | None


class RateCaps(Strict):
    clause: str
    basis: str
    bands: tuple[RateBand, ...]
    per_technology: Cited[bool]

    def cap_for(self, count: int) -> Decimal | None:
        """The rate cap for an adoption count; None means the call does not adopt (10 or more)."""
        for band in self.bands:
            if count >= band.min and (band.max is None or count <= band.max):
                return band.cap
        raise ValueError(f"adoption count {count} is not covered by any band")


class Subsidy(Strict):
    rate_caps: RateCaps
    eco_lease_rate_cap: Cited[Decimal]
    per_project_limit_jpy: Cited[int]
    budget_total_jpy: Cited[int]
    budget_eco_lease_jpy: Cited[int]
    eco_lease_min_lease_years: Cited[int]


class TechCountries(Strict):
    technology: str
    countries: tuple[str, ...]


class ReducedLimit(Strict):
    value: int
    clause: str
    pairs: tuple[TechCountries, ...]
    note: str | None = None


class TechLimit(Strict):
    technology: str
    value: int
    clause: str
    in_principle: bool = False


class CostEffectiveness(Strict):
    clause: str
    formula: str
    general_limit: Cited[int]
    reduced_limit: ReducedLimit
    technology_limits: tuple[TechLimit, ...]


class ExcludedPairs(Strict):
    clause: str
    pairs: tuple[TechCountries, ...]

    def excludes(self, technology: str, country: str) -> bool:
        return any(p.technology == technology and country in p.countries for p in self.pairs)


class Tier(Strict):
    up_to_jpy: int | None
    rate: Decimal


class AdminCostCap(Strict):
    clause: str
    base: str
    tiers: tuple[Tier, ...]


class CostItem(Strict):
    id: str
    name_ja: str
    group: Literal["works", "equipment", "admin", "other", "lease"] | None = None
    clause: str | None = None


class OwnProduct(Strict):
    clause: str
    text_ja: str


class CostItems(Strict):
    clause: str
    eligible: tuple[CostItem, ...]
    ineligible: tuple[CostItem, ...]
    eco_lease_eligible_note: Cited[str]
    own_product_profit_exclusion: OwnProduct

    def eligible_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.eligible)

    @cached_property
    def eligible_by_id(self) -> Mapping[str, CostItem]:
        return MappingProxyType({i.id: i for i in self.eligible})

    @cached_property
    def ineligible_by_id(self) -> Mapping[str, CostItem]:
        return MappingProxyType({i.id: i for i in self.ineligible})

    def ineligible_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.ineligible)


class TechnologyConditions(Strict):
    clause: str
    solar_module_min_efficiency: Cited[Decimal]
    battery_min_ratio_of_pv_hour: Cited[Decimal]


class TextRule(Strict):
    clause: str
    text_ja: str


class FiscalYearCompletion(Strict):
    fiscal_year: int
    complete_by: dt.date
    clause: str
    note: str | None = None


class CompletionByLastCostYear(Strict):
    """2.(11): a project completes by the end of February of the last fiscal year it spends in."""

    clause: str
    note: str | None = None
    by_fiscal_year: tuple[FiscalYearCompletion, ...]

    def for_year(self, fiscal_year: int) -> FiscalYearCompletion | None:
        return next((c for c in self.by_fiscal_year if c.fiscal_year == fiscal_year), None)


class Schedule(Strict):
    pre_registration_days_before_deadline: Cited[int]
    proposal_deadline_time: Cited[str]
    timezone: str
    grant_application_days_after_naiji: Cited[int]
    naiji_cancellable_after_days: Cited[int]
    decision_target_days_after_naiji: Cited[int] | None = None
    hearing_within_weeks_after_deadline: Cited[int] | None = None
    completion_deadline: Cited[dt.date]
    completion_by_last_cost_year: CompletionByLastCostYear
    completion_report_days_after_completion: Cited[int]
    completion_report_fiscal_year_cutoff: Cited[str]
    year_end_report_due: Cited[str]
    payment_due: Cited[str]
    jcm_registration_years_after_completion: Cited[int]
    first_issuance_years_after_registration: Cited[int]
    issuance_after_life_end_years: Cited[int]
    issuance_2030_rule: TextRule
    records_retention_years: Cited[int]
    property_ledger_retention_after_life_end_years: Cited[int] | None = None
    property_disposal_approval_unit_price_jpy: Cited[int]
    order_after_grant_decision: Cited[bool]


class ScoreItem(Strict):
    """One item of the evaluation (別添2 3.(2)). ``name_en`` is Renkei's English rendering of
    the call's Japanese name, cited by the same clause; ``name(lang)`` falls back to Japanese
    where no English name is given."""

    id: str
    max: int
    clause: str
    name_ja: str
    name_en: str | None = None
    source: Literal["reviewer", "computed"]
    bonus: bool = False

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_ja


class NamedId(Strict):
    id: str
    name_ja: str


class Scoring(Strict):
    clause: str
    payback_guideline_years: Cited[int]
    items: tuple[ScoreItem, ...]
    base_total: int
    f2_sectors: tuple[NamedId, ...]


class RequiredDocument(Strict):
    id: str
    item: str
    form: str | None
    name_ja: str
    required: Literal["always", "lease", "deferred_payment", "optional"]
    entered_in_system: bool = False
    note: str | None = None


class RequiredDocuments(Strict):
    clause: str
    naming_rule: TextRule
    documents: tuple[RequiredDocument, ...]
    numbering_gap: str


class GrantCategory(Strict):
    """A 別表1 column-1 category (区分) and the 2.(7) cost items it holds."""

    id: Literal["construction", "equipment", "admin"]
    name_ja: str
    name_en: str
    items: tuple[str, ...]


class GrantCategories(Strict):
    clause: str
    reading: str
    categories: tuple[GrantCategory, ...]

    @model_validator(mode="after")
    def _all_three(self) -> GrantCategories:
        ids = tuple(c.id for c in self.categories)
        if ids != ("construction", "equipment", "admin"):
            raise ValueError("categories must be construction, equipment, admin, in this order")
        items = [i for c in self.categories for i in c.items]
        if len(items) != len(set(items)):
            raise ValueError("a cost item belongs to one category only")
        return self

    def of(self, item_id: str) -> str | None:
        return next((c.id for c in self.categories if item_id in c.items), None)


class Reading(Strict):
    """A named reading of text the call leaves unclear ([INTERP] of the post-adoption spec):
    its sentence is the message of the same id (``messages/jcm.yaml``)."""

    clause: str
    spec: str


class CancellationGround(Strict):
    """A ground on which the Centre may cancel the grant decision (4.(10) ①–④, 4.(11))."""

    id: str
    clause: str
    text_ja: str
    text_en: str
    proviso_ja: str | None = None
    proviso_en: str | None = None

    def to_dict(self, lang: str = "ja") -> dict[str, str | None]:
        out: dict[str, str | None] = {
            "id": self.id,
            "clause": self.clause,
            "text": self.text_en if lang == "en" else self.text_ja,
        }
        if self.proviso_ja is not None:
            out["proviso"] = self.proviso_en if lang == "en" else self.proviso_ja
        return out


class AnnualReport(Strict):
    clause: str
    recipient: str
    first_period_ends: str
    due: None = None
    note: str | None = None


class FinalInspection(Strict):
    clause: str
    on_site_in_principle: Cited[bool]
    guideline_months: Cited[tuple[int, ...]]


class ChangeKind(Strict):
    """A kind of change during or after the project and what the call asks for it."""

    id: str
    clause: str
    approval: Literal[
        "required", "beyond_threshold", "unless_minor", "report_in_advance", "report_without_delay"
    ]
    document_ja: str | None
    document_en: str | None
    when_ja: str
    when_en: str

    def to_dict(self, lang: str = "ja") -> dict[str, str | None]:
        en = lang == "en"
        return {
            "id": self.id,
            "clause": self.clause,
            "approval": self.approval,
            "document": self.document_en if en else self.document_ja,
            "when": self.when_en if en else self.when_ja,
        }


class Procurement(Strict):
    competitive_selection: Cited[bool]
    paid_within_fiscal_year: Cited[bool]


class Grant(Strict):
    """The grant stage (4., 2.(8)–(11), 別表1): values cited, readings named."""

    categories: GrantCategories
    amount_change_needs_approval: Cited[bool]
    reallocation_exempt_share: Cited[Decimal]
    minor_change_clause: str
    consortium_change_needs_approval: Cited[bool]
    naiji_cancellable_when_fiscal_year_ends: Cited[bool]
    decision_caps_amount_and_rate: Cited[bool]
    fixed_amount_clause: str
    advances_netting: Cited[bool]
    refund_terms: Cited[str]
    disposal_clause: str
    final_inspection: FinalInspection
    annual_report: AnnualReport
    cancellation_grounds: tuple[CancellationGround, ...]
    change_kinds: tuple[ChangeKind, ...]
    procurement: Procurement
    readings: dict[str, Reading]

    @model_validator(mode="after")
    def _reading_ids(self) -> Grant:
        bad = [r for r in self.readings if not r.startswith("jcm.reading.")]
        if bad:
            raise ValueError(f"reading ids must start with jcm.reading.: {bad}")
        if self.categories.reading not in self.readings:
            raise ValueError(f"categories.reading {self.categories.reading} is not a reading")
        return self


class JcmRulebook(RulebookHeader):
    program: Literal["jcm-model-project"]
    post_completion_period: Period
    call_window: CallWindow
    rounds: tuple[Round, ...]
    partner_countries: PartnerCountries
    applicant: Applicant
    consortium_duties: ConsortiumDuties
    subsidy: Subsidy
    cost_effectiveness: CostEffectiveness
    excluded_pairs: ExcludedPairs
    admin_cost_cap: AdminCostCap
    cost_items: CostItems
    technology_conditions: TechnologyConditions
    schedule: Schedule
    scoring: Scoring
    required_documents: RequiredDocuments
    grant: Grant
