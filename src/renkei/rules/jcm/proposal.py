"""What a JCM Model Project proposal says, as the rules core needs it (forms 1, 3-00, 4, 6).

A proposal has sites; each site has one or more technologies; each technology line has its own
costs per fiscal year in form 4's structure, its reduction, and its chosen statutory useful life
with the reason (4.(5): form 4 per site when rates or lives differ). Declarations the machine
cannot verify are tri-state: true, false, or absent (then the office must confirm).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from renkei.rules._base import Strict
from renkei.rules.countries import iso_codes

Yen = int
MaybeBool = bool | None


def _country(code: str) -> str:
    if code not in iso_codes():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. VN, ID, JP)")
    return code


class Capability(Strict):
    """2.(4)③: the applicant's capacity; each point is confirmed by the office from evidence."""

    financial_soundness: MaybeBool = Field(None, description="経理的基礎・経営健全性")
    administrative_capacity: MaybeBool = Field(None, description="経理その他の事務の管理体制")
    clear_basis: MaybeBool = Field(None, description="明確な根拠に基づく事業内容・経費・資金計画")
    technology_understanding: MaybeBool = Field(None, description="脱炭素技術の理解と管理能力")
    consortium_agreed: MaybeBool = Field(None, description="共同事業者と合意のもと十分な体制")


class Participant(Strict):
    name: str = Field(min_length=1)
    name_en: str = Field("", description="English name, for the PIN (form 3-16, in English)")
    country: str = Field(description="ISO 3166-1 alpha-2 code of the country of incorporation")
    role: str = ""

    _check_country = field_validator("country")(classmethod(lambda cls, v: _country(v)))


class Representative(Participant):
    """代表事業者: must be a Japanese corporation of one of the 2.(4)① types."""

    entity_type: Literal[
        "private_company",
        "independent_administrative_agency",
        "general_or_public_interest_corporation",
        "approved_other",
    ] = Field(description="2.(4)① (ア)〜(エ)")
    antisocial_forces_pledge: MaybeBool = Field(None, description="別添1 暴力団排除に関する誓約")
    is_lessor: MaybeBool = Field(
        None, description="JCMエコリース: the representative is the lessor"
    )
    capability: Capability = Capability()


class Consortium(Strict):
    representative: Representative
    partners: list[Participant] = Field(default_factory=list, description="共同事業者")


class CostLine(Strict):
    """A row of form 4 (経費内訳)."""

    fiscal_year: int = Field(description="Japanese fiscal year in which the cost falls, e.g. 2024")
    item: str = Field(description="an eligible item id (2.(7)) or an ineligible one")
    description: str = ""
    amount_jpy: Yen = Field(ge=0)
    own_product: bool = Field(False, description="補助事業者の自社製品等の調達")
    cost_price_jpy: Yen | None = Field(None, ge=0, description="原価 for own products (2.(7))")


class SolarSpec(Strict):
    capacity_mw: Decimal = Field(gt=0)
    module_efficiency: Decimal = Field(gt=0, lt=1, description="module conversion efficiency")
    special_use: bool = Field(False, description="e.g. building-integrated wall modules")


class BatterySpec(Strict):
    capacity_mwh: Decimal = Field(gt=0)
    charges_only_from_renewables: MaybeBool = Field(
        None, description="charged only from the project's PV (or renewable plant when alone)"
    )
    output_measurable: MaybeBool = None
    need: Literal["off_grid", "grid_supply", "self_consumption", "surplus_curtailment"] | None = (
        Field(None, description="別添 技術別採択条件 2.(2) 1)〜3) / 3.(2)")
    )
    policy_or_authority_requirement: MaybeBool = Field(None, description="2.(2) 2)")
    daily_cycling: MaybeBool = Field(None, description="2.(2) 3)①")
    max_daily_surplus_mwh: Decimal | None = Field(
        None, gt=0, description="storable energy on the day of the largest generation–demand gap"
    )
    curtailment_justified: MaybeBool = Field(None, description="3.(2) 1)")


class TechnologyLine(Strict):
    technology: str = Field(
        min_length=1,
        description="annex-3 technology id or its Japanese name as printed; or, with "
        "`outside_annex3`, the name of a technology annex 3 does not list",
    )
    outside_annex3: bool = Field(
        False,
        description="the technology is not in annex 3: assessed at 0 similar-technology "
        "adoptions (2.(9)) until the office finds a listed technology similar to it",
    )
    description: str = ""
    annual_reduction_tco2: Decimal = Field(
        ge=Decimal("0.000001"), le=Decimal("1000000000"), description="tCO2eq per year"
    )
    useful_life_years: int = Field(gt=0, le=60, description="法定耐用年数 chosen for this line")
    useful_life_reason: str = Field("", description="why this life (schedule, item, industry)")
    requested_subsidy_jpy: Yen | None = Field(None, ge=0)
    costs: list[CostLine] = Field(min_length=1)
    solar: SolarSpec | None = None
    battery: BatterySpec | None = None
    methodologies: list[str] = Field(
        default_factory=list, description="JCM methodology ids for this line (any country's)"
    )
    focus_area: Literal["renewable_energy", "green_logistics", "waste_infrastructure"] | None = (
        Field(None, description="別添2 3.(2)(F): the focus area the applicant claims")
    )


class Site(Strict):
    # an id, not a description: the findings name "<site>/<technology>" and the office's
    # screening stores it (120 characters); the form editor takes the same 60
    id: str = Field(min_length=1, max_length=60)
    name: str = ""
    location: str = ""
    technologies: list[TechnologyLine] = Field(min_length=1)


class Lease(Strict):
    """A JCM eco-lease (2.(6)③), or a lease inside a model project's consortium (2.(6)①)."""

    lease_years: int = Field(gt=0)
    fee_reduction_documented: MaybeBool = Field(
        None, description="リース料算出内訳: the subsidy is deducted from the lease fees"
    )
    ends_on: dt.date | None = Field(
        None,
        description="the day the lease contract (draft) ends; default: lease_years from operation",
    )
    after_lease: Literal["continue", "transfer"] | None = Field(
        None,
        description="2.(6)①: a lease ending before the useful life is continued, or the "
        "equipment transferred to a partner participant, until the useful life ends",
    )
    transfer_to: str = Field(
        "", description="the partner participant (共同事業者) that receives the equipment"
    )

    @model_validator(mode="after")
    def _transfer_named_only_for_a_transfer(self) -> Lease:
        if self.transfer_to.strip() and self.after_lease != "transfer":
            raise ValueError("transfer_to is only for `after_lease: transfer`")
        return self


class Funding(Strict):
    party: str
    amount_jpy: Yen = Field(ge=0)


class Financing(Strict):
    payback_years_with_subsidy: Decimal | None = Field(None, ge=0)
    funding: list[Funding] = Field(default_factory=list)


class Methodology(Strict):
    approved: list[str] = Field(default_factory=list, description="JCM approved methodology ids")
    proposed: bool = Field(False, description="a proposed methodology is being developed")
    monitoring_plan: MaybeBool = None


class Declarations(Strict):
    """Screening items (別添2 3.(1)) the machine cannot decide: the applicant's statements."""

    climate_policy_alignment: MaybeBool = None
    quantifiable_reduction: MaybeBool = None
    partner_objection: MaybeBool = Field(None, description="an objection has been expressed")
    fossil_fired_power: bool = False
    fossil_exception: MaybeBool = Field(None, description="heat use or CCS (3.(1) 3) ※)")
    superiority_evidence: MaybeBool = None
    commercial_track_record: MaybeBool = None
    local_support: MaybeBool = None
    market_strategy: MaybeBool = None
    cost_basis: MaybeBool = None
    infrastructure_initiative_alignment: MaybeBool = None
    environmental_compliance: MaybeBool = None
    sdgs_and_gender: MaybeBool = None
    human_rights_due_diligence: MaybeBool = None
    jica_linked: bool = False
    oda_scope_separated: MaybeBool = None
    other_japanese_subsidy: MaybeBool = Field(None, description="other Japanese subsidy on it")


class Targets(Strict):
    carbon_neutral_target: bool = False
    interim_or_scope3_target: bool = False
    target_published_at: str = ""
    decokatsu_supporters: bool = False
    decokatsu_declaration: bool = False
    co_innovation_or_hydrogen_project: bool = Field(False, description="別添2 3.(2)(F)")


class Milestones(Strict):
    naiji_on: dt.date | None = None
    planned_completion_on: dt.date | None = None
    operation_start_on: dt.date | None = None
    bilateral_valid_until: dt.date | None = None


class CreditShare(Strict):
    party: str = Field(min_length=1)
    share_percent: Decimal = Field(gt=0, le=100)


class ProjectIdea(Strict):
    """The English project information of the PIN (form 3-16: "プロジェクト情報やクレジット配分案等
    を、英文で"). The call prints no layout for the form; these are the items it names."""

    title_en: str = ""
    summary_en: str = Field("", description="project outline in English")
    credit_allocation: list[CreditShare] = Field(
        default_factory=list, description="proposed allocation of JCM credits (cf. form 5)"
    )

    @model_validator(mode="after")
    def _shares_add_up(self) -> ProjectIdea:
        total = sum((c.share_percent for c in self.credit_allocation), Decimal(0))
        if self.credit_allocation and total != 100:
            raise ValueError(f"credit_allocation shares add up to {total}%, they must make 100%")
        return self


class Document(Strict):
    id: str = Field(description="required-document id (see `renkei rules documents`)")
    file: str = Field(min_length=1)


class JcmProposal(Strict):
    call: Literal["jcm-model-project/fy2024"]
    sample: bool = Field(False, description="true for bundled samples")
    title: str = Field(min_length=1)
    kind: Literal["model_project", "eco_lease"] = "model_project"
    country: str = Field(description="ISO 3166-1 alpha-2 code of the host country")
    target_deadline: dt.datetime = Field(description="the proposal deadline targeted (JST)")
    pre_registered_on: dt.date | None = None
    assessed_on: dt.date = Field(description="the date the assessment speaks for (counts as of)")
    consortium: Consortium
    sites: list[Site] = Field(min_length=1)
    lease: Lease | None = None
    deferred_payment: bool = Field(False, description="クロスボーダー延払 (2.(6)②)")
    deferred_payment_benefit_documented: MaybeBool = Field(
        None,
        description="延払額算出内訳: the equipment owner benefits by the subsidy (2.(6)②)",
    )
    financing: Financing = Financing()
    methodology: Methodology = Methodology()
    declarations: Declarations = Declarations()
    targets: Targets = Targets()
    reviewer_scores: dict[str, int] = Field(
        default_factory=dict, description="scores of reviewer items A1…D, each within its maximum"
    )
    milestones: Milestones = Milestones()
    project_idea: ProjectIdea = ProjectIdea()
    documents: list[Document] = Field(default_factory=list)

    _check_country = field_validator("country")(classmethod(lambda cls, v: _country(v)))

    @field_validator("target_deadline")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2024-05-13T12:00:00+09:00")
        return v

    @model_validator(mode="after")
    def _lease_for_eco_lease(self) -> JcmProposal:
        if self.kind == "eco_lease" and self.lease is None:
            raise ValueError("an eco_lease proposal needs `lease` (lease_years, …)")
        if self.deferred_payment_benefit_documented is not None and not self.deferred_payment:
            raise ValueError(
                "deferred_payment_benefit_documented is only for `deferred_payment: true`"
            )
        return self

    def technology_lines(self) -> list[tuple[Site, TechnologyLine]]:
        return [(s, t) for s in self.sites for t in s.technologies]
