"""A C3P proposal: what the lead organisation submits to the FY2025 call, as a strict document.

Fields follow the call as the guidebook quotes it: eligibility (3.2 (1)–(9)), the partner
country (Table 3), the scoring-sheet evidence (Table 6), the cost plan for the contract year
(3.3 (3), Table 5), the yearly activities (Table 3 (1)–(7)) and the documents (3.4 (1)–(11)).
Money is whole yen (``int``); reductions and JPY/tCO2 figures are ``Decimal``, never float.
A declaration left out (``null``) is not a failure: the office is asked to confirm it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from renkei.errors import InvalidDocument
from renkei.rules._base import Strict
from renkei.rules._registry import validation_errors
from renkei.rules.countries import iso_codes

Rating = Literal["A", "B", "C", "D", "none"]
WlbId = Literal[
    "platinum_eruboshi",
    "eruboshi_3",
    "eruboshi_2",
    "eruboshi_1",
    "implementation_plan",
    "platinum_kurumin",
    "kurumin_new",
    "kurumin_old",
    "youth_yell",
]
DocumentId = Literal[
    "application_form",
    "survey_overview",
    "activity_achievements",
    "project_plan",
    "proposal_summary",
    "organisation_overview",
    "jcm_achievements",
    "ems_certification",
    "wlb_certification",
    "letters_of_interest",
    "qualification_certificate",
    "collaboration_agreement",
    "joint_implementation_agreement",
]
LeadKind = Literal["company", "research_institution", "university", "municipality", "other"]
Yen = int


def _declaration(text: str) -> Any:
    return Field(
        default=None,
        description=f"{text} true: declared; false: declared not to hold; omit if not yet declared "
        "(the office will ask for it).",
    )


class Applicant(Strict):
    """The lead organisation (the contractor): a Japanese corporation, research institution,
    university or similar body (3.2)."""

    name: str = Field(description="Registered name of the lead organisation.")
    kind: LeadKind | None = Field(
        default=None,
        description="What the lead organisation is: company, research_institution, university, "
        "municipality (a Japanese local government) or other. The guidebook expects companies, "
        "research institutions and universities to lead (3.2).",
    )
    incorporated: bool | None = _declaration("The organisation is incorporated (3.2 (1)).")
    not_under_article_70: bool | None = _declaration(
        "The organisation does not fall under Article 70 of the Cabinet Order on Budgets, the "
        "Settlement of Accounts, and Accounting (3.2 (2))."
    )
    not_under_article_71: bool | None = _declaration(
        "The organisation does not fall under Article 71 of the same Cabinet Order (3.2 (3))."
    )
    not_under_suspension_of_designation: bool | None = _declaration(
        "The organisation is not under a suspension of designation by the Ministry of the "
        "Environment's Budget and Accounting Division (3.2 (4))."
    )
    anti_organised_crime_pledge: bool | None = _declaration(
        "The organisation pledges the exclusion of organised crime groups (3.2 (5))."
    )
    survey_research_rating_fy2022_2024: Rating | None = Field(
        default=None,
        description="Rating in the 'Survey/Research' (調査・研究) category of the Ministry of the "
        "Environment's unified qualification for FY2022–2024: A, B, C, D or none (3.2 (6)).",
    )
    survey_research_rating_fy2025_2027: Rating | None = Field(
        default=None,
        description="Rating in the same category for FY2025–2027, which must be retained "
        "(3.2 (6)); omit if not yet issued.",
    )
    full_time_employees: int | None = Field(
        default=None,
        ge=0,
        description="Number of full-time employees (the implementation-plan work-life-balance "
        "points are only for employers with 300 or fewer; Table 6 item 5).",
    )


class JapaneseCity(Strict):
    name_ja: str = Field(
        description="Japanese municipality (prefecture, city, ward, town, village)."
    )
    name_en: str = Field(description="English name of the Japanese municipality.")
    in_consortium: bool | None = Field(
        default=None,
        description="A consortium has been formed with this municipality (3.2 (8)).",
    )
    letter_of_interest: bool | None = Field(
        default=None, description="A letter of interest from this municipality (3.2 (9))."
    )


class PartnerCity(Strict):
    name: str = Field(
        description="Partner city (or state, province) overseas that receives support."
    )
    name_ja: str | None = Field(default=None, description="Japanese name of the partner city.")
    country: str = Field(
        description="ISO 3166-1 alpha-2 code of the partner city's country, e.g. VN; must be a "
        "JCM partner or candidate country (Table 3)."
    )
    letter_of_interest: bool | None = Field(
        default=None, description="A letter of interest from the partner city (3.2 (9))."
    )
    letter_japanese_translation: bool | None = Field(
        default=None,
        description="The partner city's letter comes with a Japanese translation (3.2 (9)).",
    )
    letter_states_intent_to_conclude_agreement: bool | None = Field(
        default=None,
        description="The partner city's letter states its intention to conclude a "
        "city-to-city collaboration agreement (needed when none is concluded yet; BOX 8).",
    )

    @field_validator("country")
    @classmethod
    def _iso(cls, value: str) -> str:
        if value not in iso_codes():
            raise ValueError(
                f"{value!r} is not an ISO 3166-1 alpha-2 country code (for example VN, PH, PW)"
            )
        return value


class Agreement(Strict):
    status: Literal["concluded", "intended", "none"] = Field(
        description="concluded: a city-to-city collaboration agreement or equivalent (sister-city "
        "agreement, MOU) is in force; intended: the project aims to conclude one; none (3.2 (7))."
    )
    title: str | None = Field(default=None, description="Name of the agreement or MOU.")
    concluded_on: dt.date | None = Field(
        default=None, description="Date the agreement was concluded or last renewed."
    )


class Project(Strict):
    title_ja: str = Field(description="Project title in Japanese.")
    title_en: str = Field(description="Project title in English.")
    type: Literal["new", "ongoing"] = Field(
        description="new or ongoing (continuing) project: selects the column of Table 6."
    )
    phase: int = Field(ge=1, description="Phase of the project: 1 or 2 (2.1).")
    year_in_phase: int = Field(ge=1, description="Year within the phase: 1, 2 or 3 (2.1).")
    past_c3p_projects_last_3_years: int | None = Field(
        default=None,
        ge=0,
        description="City-to-city collaboration projects between the Japanese municipality and "
        "the partner city in the past three years (ongoing projects; Table 6 item 3).",
    )
    higher_novelty_statement: str | None = Field(
        default=None,
        description="For an ongoing project entering phase 2: how it shows a higher standard "
        "of novelty (Table 6 item 1).",
    )
    other_stakeholder_letters: tuple[str, ...] = Field(
        default=(),
        description="Other stakeholders who gave letters of interest (recommended from the "
        "second project year; 3.2 (9)).",
    )

    @property
    def project_year(self) -> int:
        """Year counted over the whole project: phase 2 year 1 is project year 4 (3 years/phase)."""
        return (self.phase - 1) * 3 + self.year_in_phase


class SupervisingEngineer(Strict):
    name: str | None = Field(default=None, description="The designated supervising engineer.")
    other_projects: int = Field(
        ge=0,
        description="The engineer's existing projects, excluding this one (Table 6 item 2).",
    )


class Estimates(Strict):
    cost_effectiveness_jpy_per_tco2: Decimal = Field(
        ge=0,
        description="The applicant's cost-effectiveness figure, JPY per tCO2 per year, as the "
        "scoring sheet states it (Table 6 item 1).",
    )
    ghg_reduction_tco2_per_year: Decimal = Field(
        ge=0,
        description="Expected GHG reduction during or after the project, tCO2 per year "
        "(Table 6 item 1).",
    )


class GhgTarget(Strict):
    description: str = Field(
        description="The target, e.g. carbon neutrality (Scope 1+2) by 2050; intermediate or "
        "Scope 3 targets too (Table 6 item 6)."
    )
    disclosure_url: str | None = Field(
        default=None,
        description="URL where the target is published (targets should in principle be disclosed).",
    )


class Commitments(Strict):
    """Evidence for Table 6 items 4–6 (certifications and targets of the lead organisation)."""

    ems_certifications: tuple[str, ...] = Field(
        default=(),
        description="Third-party environmental management certifications of the head office, "
        "valid when the proposal is submitted (ISO14001, Eco-Action 21, ...; Table 6 item 4).",
    )
    ems_past_certification: str | None = Field(
        default=None,
        description="A past third-party EMS certification, when none is currently held.",
    )
    ems_own_system: str | None = Field(
        default=None,
        description="The EMS the head office currently establishes and operates itself "
        "(counts together with a past certification).",
    )
    wlb_certifications: tuple[WlbId, ...] = Field(
        default=(),
        description="Work-life-balance certifications valid at submission (Table 6 item 5).",
    )
    ghg_targets: tuple[GhgTarget, ...] = Field(
        default=(), description="GHG emission reduction targets (Table 6 item 6)."
    )
    decokatsu_supporters_club: bool = Field(
        default=False, description="Participates in the Decokatsu Supporters Club (デコ活応援団)."
    )
    decokatsu_declaration: bool = Field(
        default=False, description="Has registered a Decokatsu Declaration (デコ活宣言)."
    )


class EquipmentItem(Strict):
    name: str = Field(description="Equipment item.")
    unit_price_jpy: Yen = Field(ge=0, description="Purchase price per unit, yen before tax.")
    quantity: int = Field(default=1, ge=1, description="Number of units.")

    @property
    def total_jpy(self) -> int:
        return self.unit_price_jpy * self.quantity


class CostPlan(Strict):
    """Pre-tax costs for the contract year by Table 5 category; consumption tax is computed."""

    field_survey_tasks: str | None = Field(
        default=None,
        description="Tasks requiring field surveys (environmental assessment, wind condition "
        "survey for a JCM application ...) for which the cap may be raised by up to "
        "JPY 5,000,000 (3.3 (3) footnote 1).",
    )
    personnel_jpy: Yen = Field(default=0, ge=0, description="Personnel costs (人件費).")
    remuneration_jpy: Yen = Field(default=0, ge=0, description="Remuneration (謝金).")
    domestic_travel_jpy: Yen = Field(default=0, ge=0, description="Domestic travel (国内旅費).")
    overseas_travel_jpy: Yen = Field(default=0, ge=0, description="Overseas travel (外国旅費).")
    committee_travel_jpy: Yen = Field(
        default=0, ge=0, description="Committee member travel (委員等旅費)."
    )
    meetings_jpy: Yen = Field(default=0, ge=0, description="Meeting costs (会議費).")
    equipment: tuple[EquipmentItem, ...] = Field(
        default=(), description="Equipment, items of JPY 200,000 or more each (備品費)."
    )
    consumables_jpy: Yen = Field(default=0, ge=0, description="Consumables (消耗品費).")
    rent_and_damages_jpy: Yen = Field(
        default=0, ge=0, description="Rent and damages (借料及び損料)."
    )
    wages_jpy: Yen = Field(default=0, ge=0, description="Wages of assistants (賃金).")
    communication_and_logistics_jpy: Yen = Field(
        default=0, ge=0, description="Communication and logistics (通信運搬費)."
    )
    utilities_jpy: Yen = Field(default=0, ge=0, description="Water and electricity (光熱水料).")
    printing_and_binding_jpy: Yen = Field(
        default=0, ge=0, description="Printing and binding (印刷製本費)."
    )
    miscellaneous_jpy: Yen = Field(
        default=0,
        ge=0,
        description="Miscellaneous, e.g. interpretation and translation (雑役務費).",
    )
    outsourcing_jpy: Yen = Field(default=0, ge=0, description="Outsourcing (外注費).")
    joint_implementation_jpy: Yen = Field(
        default=0, ge=0, description="Joint implementation by co-implementers (共同実施費)."
    )
    general_and_administrative_jpy: Yen = Field(
        default=0, ge=0, description="General and administrative costs (一般管理費)."
    )

    def amount(self, category_id: str) -> int:
        if category_id == "equipment":
            return sum(item.total_jpy for item in self.equipment)
        return int(getattr(self, f"{category_id}_jpy"))


class ActivityPlan(Strict):
    """The yearly activities of Table 3 (1)–(7) planned for the contract year."""

    deliverables: bool | None = Field(
        default=None, description="Deliverables: Japanese report, summary, DVD-R (Table 3 (1))."
    )
    monthly_reports: bool | None = Field(
        default=None, description="Monthly progress reports (Table 3 (2))."
    )
    report_sessions: int | None = Field(
        default=None, ge=0, description="Report sessions in the year; about 3 (Table 3 (3))."
    )
    field_surveys: int | None = Field(
        default=None,
        ge=0,
        description="Field surveys, invitations to Japan, information sharing; about 2 "
        "(Table 3 (4)).",
    )
    local_workshops: int | None = Field(
        default=None, ge=0, description="Local workshops, with a field survey; 1 (Table 3 (5))."
    )
    presentations_in_japan: int | None = Field(
        default=None,
        ge=0,
        description="Presentations at related meetings in Japan; 1 (Table 3 (6)).",
    )
    supporting_organisations: tuple[str, ...] | None = Field(
        default=None,
        description="Supporting organisations and programmes to collaborate with, other than the "
        "Ministry of the Environment (Table 3 (7)).",
    )
    jica_field_office_discussions: int | None = Field(
        default=None, ge=0, description="Discussions with JICA field offices; once (Table 3 (7))."
    )


class ReviewerScores(Strict):
    """Points given by the evaluation committee (Table 6); leave out before review."""

    overall_evaluation: int | None = Field(
        default=None, ge=0, description="Max 50 new / 25 ongoing."
    )
    past_achievements: int | None = Field(
        default=None, ge=0, description="Ongoing projects only; max 20."
    )
    cn_declaration: int | None = Field(default=None, ge=0, description="Max 10.")
    infrastructure: int | None = Field(default=None, ge=0, description="Max 20.")
    technology_introduction: int | None = Field(
        default=None, ge=0, description="Max 40 new / 35 ongoing."
    )
    multiple_benefits: int | None = Field(default=None, ge=0, description="Max 20.")
    engineer_suitability: int | None = Field(default=None, ge=0, description="Max 5.")


#: the fiscal years a C3P document may name at all (a year outside the rulebook's is refused by
#: the assessment, NotInForce; one outside these could not even be dated)
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2000, 2100


class C3pProposal(Strict):
    """A proposal to the C3P FY2025 call (one fiscal-year contract; 2.1, 3.3 (3))."""

    call: Literal["c3p/fy2025"] = Field(description="The call (rulebook id).")
    title: str = Field(description="A short label for this proposal document.")
    fiscal_year: int = Field(
        ge=FISCAL_YEAR_MIN,
        le=FISCAL_YEAR_MAX,
        description="Fiscal year of the contract, e.g. 2025 (April–March).",
    )
    submitted_on: dt.date | None = Field(default=None, description="Date of submission.")
    applicant: Applicant = Field(description="The lead organisation and its declarations (3.2).")
    japanese_city: JapaneseCity = Field(description="The Japanese municipality (3.2 (8), (9)).")
    partner_city: PartnerCity = Field(description="The partner city overseas (3.2 (9), Table 3).")
    agreement: Agreement = Field(
        description="City-to-city collaboration agreement (3.2 (7), BOX 8)."
    )
    project: Project = Field(description="Project title, type, phase and year (2.1, Table 6).")
    supervising_engineer: SupervisingEngineer = Field(
        description="The designated supervising engineer (Table 6 item 2)."
    )
    estimates: Estimates = Field(
        description="The applicant's cost-effectiveness and GHG figures (Table 6 item 1)."
    )
    commitments: Commitments = Field(
        default_factory=Commitments,
        description="Certifications, targets and Decokatsu (Table 6 items 4–6).",
    )
    cost_plan: CostPlan = Field(description="Costs for the contract year (Table 5).")
    activity_plan: ActivityPlan = Field(
        default_factory=ActivityPlan,
        description="Activities planned for the contract year (Table 3 (1)–(7)).",
    )
    documents_submitted: tuple[DocumentId, ...] = Field(
        default=(), description="Documents attached, by id (3.4 (1)–(11))."
    )
    reviewer_scores: ReviewerScores | None = Field(
        default=None, description="Evaluation-committee points, when scored."
    )


def parse_c3p_proposal(data: Any, source: str = "proposal") -> C3pProposal:
    """Validate a decoded document; every error is reported with its path."""
    try:
        return C3pProposal.model_validate(data)
    except ValidationError as exc:
        raise InvalidDocument(source, validation_errors(exc)) from exc
