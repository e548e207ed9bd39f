"""The C3P call (City-to-City Collaboration for Zero Carbon Society) as a typed, immutable rulebook.

Mirrors ``rulebooks/c3p/<period>.yaml`` field by field; unknown keys are errors. The source is the
Ministry of the Environment's guidebook (FY2024 edition), which quotes the FY2025 call: Table 3
(scope and yearly activities), 3.2 (eligibility), 3.3 and Table 5 (costs), Table 6 (scoring),
3.4 (documents).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from renkei.rules._base import Cited, RulebookHeader, Strict


class TextRule(Strict):
    clause: str
    text_en: str
    note: str | None = None


class Application(Strict):
    """How the call is applied to and decided, as far as the guidebook says (3.2, 3.3, 3.4,
    BOX 6); each gap it leaves is a note the platform shows."""

    clause: str
    period_weeks: Cited[int]
    lead_organisation: TextRule
    selection: TextRule


class Phases(Strict):
    years_per_phase: Cited[int]
    max_phases: Cited[int]
    phase2_novelty: TextRule


class Country(Strict):
    code: str
    name_en: str
    name_ja: str


class Countries(Strict):
    clause: str
    as_of: str
    as_of_ja: str
    note: str | None = None
    partners: tuple[Country, ...]
    candidates: tuple[Country, ...]

    def get(self, code: str) -> tuple[Country, Literal["partner", "candidate"]] | None:
        for c in self.partners:
            if c.code == code:
                return c, "partner"
        for c in self.candidates:
            if c.code == code:
                return c, "candidate"
        return None


class Criterion(Strict):
    id: str
    clause: str
    text_en: str
    text_ja: str


class Qualification(Strict):
    clause: str
    category_en: str
    category_ja: str
    accepted_ratings: tuple[str, ...]
    fiscal_years: tuple[int, ...]
    retain_fiscal_years: tuple[int, ...]
    note: str
    retain_note: str


class AgreementRule(Strict):
    clause: str
    intent_letter_text_en: str


class Eligibility(Strict):
    clause: str
    criteria: tuple[Criterion, ...]
    qualification: Qualification
    agreement: AgreementRule
    other_stakeholder_letters_from_project_year: Cited[int]

    def criterion(self, cid: str) -> Criterion:
        return next(c for c in self.criteria if c.id == cid)


class OutsourcingShare(Strict):
    value: Decimal
    clause: str
    literal_text_en: str
    note: str


class CostCategory(Strict):
    id: str
    group: Literal["direct", "operating", "joint_implementation", "indirect"]
    name_en: str
    name_ja: str
    clause: str
    paid_to_others: bool = False


class Costs(Strict):
    cap_incl_tax_jpy: Cited[int]
    field_survey_uplift_jpy: Cited[int]
    consumption_tax_rate: Cited[Decimal]
    equipment_min_unit_price_jpy: Cited[int]
    outsourcing_max_share: OutsourcingShare
    categories: tuple[CostCategory, ...]


class Band(Strict):
    up_to: Decimal | None  # inclusive upper bound; None: no upper bound
    points: int


class Bands(Strict):
    """Points by value. A band runs from just above the previous band's bound up to its own."""

    clause: str
    unit: str
    note: str
    bands: tuple[Band, ...]
    lookback_years: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        bounds = [b.up_to for b in self.bands]
        if not bounds or bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("bands need finite upper bounds and a last band with up_to: null")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(finite) or len(set(finite)) != len(finite):
            raise ValueError("band upper bounds must increase")
        return self

    def band_for(self, value: Decimal) -> tuple[int, Band]:
        for index, band in enumerate(self.bands):
            if band.up_to is None or value <= band.up_to:
                return index, band
        raise AssertionError("unreachable: the last band is open-ended")

    def in_gap(self, value: Decimal) -> bool:
        """True when value lies strictly between one band's whole-number bound and the next."""
        index, _ = self.band_for(value)
        if index == 0:
            return False
        below = self.bands[index - 1].up_to
        assert below is not None
        return below < value < below + 1


class ScoreItem(Strict):
    id: str
    item: str
    max_new: int | None
    max_ongoing: int | None
    source: Literal["reviewer", "computed"]
    clause: str
    name_en: str
    name_ja: str

    def max_for(self, project_type: str) -> int | None:
        return self.max_new if project_type == "new" else self.max_ongoing

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" else self.name_ja


class EmsRule(Strict):
    clause: str
    points_per_certification: int
    note: str


class WlbCertification(Strict):
    id: str
    points: int
    name_en: str
    name_ja: str
    clause: str
    max_full_time_employees: int | None = None


class WlbRule(Strict):
    clause: str
    note: str
    certifications: tuple[WlbCertification, ...]

    def get(self, cid: str) -> WlbCertification:
        return next(c for c in self.certifications if c.id == cid)


class TargetsRule(Strict):
    clause: str
    reduction_target: Cited[int]
    decokatsu_supporters_club: Cited[int]
    decokatsu_declaration: Cited[int]
    disclosure_note: str


class Scoring(Strict):
    clause: str
    total_new: Cited[int]
    total_ongoing: Cited[int]
    items: tuple[ScoreItem, ...]
    cost_effectiveness: Bands
    ghg_reduction: Bands
    engineer_workload: Bands
    past_collaboration: Bands
    ems: EmsRule
    wlb: WlbRule
    targets: TargetsRule

    @model_validator(mode="after")
    def _totals(self) -> Scoring:
        for column, total in (("new", self.total_new), ("ongoing", self.total_ongoing)):
            found = sum(i.max_for(column) or 0 for i in self.items)
            if found != total.value:
                raise ValueError(
                    f"the {column}-project maxima add up to {found}, not {total.value} "
                    f"({total.clause})"
                )
        return self

    def item(self, item_id: str) -> ScoreItem:
        return next(i for i in self.items if i.id == item_id)

    def total_for(self, project_type: str) -> int:
        return (self.total_new if project_type == "new" else self.total_ongoing).value


class RequiredDocument(Strict):
    """A document of 3.4 (``item`` "(1)"…"(11)"), or an optional one named elsewhere in the
    guidebook, which then carries its own ``clause``."""

    id: str
    item: str
    clause: str | None = None
    required: Literal["always", "past_collaboration", "ems", "wlb", "optional"]
    name_en: str
    name_ja: str
    note: str | None = None

    def name(self, lang: str = "ja") -> str:
        return self.name_en if lang == "en" else self.name_ja


class Documents(Strict):
    clause: str
    note: str
    items: tuple[RequiredDocument, ...]


class Activity(Strict):
    id: str
    item: str
    kind: Literal["flag", "count", "list"]
    expected: int
    approximate: bool
    clause: str
    name_en: str
    name_ja: str


class Activities(Strict):
    clause: str
    note: str
    items: tuple[Activity, ...]


class C3pRulebook(RulebookHeader):
    program: Literal["c3p"]
    fiscal_year: Cited[int]
    application: Application
    phases: Phases
    countries: Countries
    eligibility: Eligibility
    costs: Costs
    scoring: Scoring
    documents: Documents
    activities: Activities
