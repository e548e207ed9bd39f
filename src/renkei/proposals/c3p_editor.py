"""The structured editor of a C3P proposal (the FY2025 call's fields, 3.2–3.4, Tables 3, 5, 6).

The same three shapes as the JCM editor (``renkei.proposals.editor``): the document
(``C3pProposal``), flat form data and the bound forms. Each form holds one section of the
document (the lead organisation and its declarations, the Japanese municipality, the partner
city and its letter of interest, the collaboration agreement, the project, the supervising
engineer, the applicant's estimates, certifications and targets, the cost plan in Table 5's
categories with its equipment items, and the activities of Table 3). Keys the form does not own
(the call, the submission date, the documents, reviewer scores, anything unknown) are kept from
the stored document; the documents submitted are the uploads, as for a JCM proposal.
"""

from __future__ import annotations

import copy
import html
import re
import unicodedata
from functools import cache
from typing import Any

from django import forms
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei.proposals import editor
from renkei.proposals.forms import (
    EditorForm,
    NumberField,
    Select,
    TextField,
    WholeField,
    YenField,
    _checkbox,
    _date,
    _resolved,
    _SharedFields,
    _tri,
)
from renkei.rules import load_rulebook
from renkei.rules.c3p.proposal import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN, C3pProposal

#: top-level keys the form owns; every other key of the stored document is kept as it is
OWNED = (
    "title",
    "fiscal_year",
    "applicant",
    "japanese_city",
    "partner_city",
    "agreement",
    "project",
    "supervising_engineer",
    "estimates",
    "commitments",
    "cost_plan",
    "activity_plan",
)
#: the lists of rows a button may add to or remove from
FORMSETS = re.compile(r"^(targets|equipment)$")
#: GHG reduction targets of the lead organisation (Table 6 item 6); see ``editor.MAX_FORMS``
MAX_TARGETS = 30
#: equipment items of the cost plan (Table 5)
MAX_EQUIPMENT = 200
LIMITS = {"targets": MAX_TARGETS, "equipment": MAX_EQUIPMENT}


# --- widgets and fields -----------------------------------------------------------------------


class Textarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = {**self.attrs, **(attrs or {})}
        extra = "".join(f' {k}="{html.escape(str(v))}"' for k, v in final.items() if v)
        text = html.escape("" if value is None else str(value))
        return mark_safe(f'<textarea name="{name}"{extra}>\n{text}</textarea>')


class LinesField(forms.CharField):
    """A list of short texts, one per line (certifications, organisations, stakeholders)."""

    widget = Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:
        text = unicodedata.normalize("NFKC", super().to_python(value))
        return [line.strip() for line in text.splitlines() if line.strip()]

    def run_validators(self, value: list[str]) -> None:
        """Each line as a text field checks it (NUL characters, length): Django's validators
        would read the list's repr, where a NUL is written out and slips through."""
        for line in value:
            super().run_validators(line)

    def as_text(self, value: Any) -> str | None:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "\n".join(value)
        return None  # the form cannot show it: the editor names it


class LongTextField(TextField):
    widget = Textarea(attrs={"rows": 3})


def _choice(label: Any, choices: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, help_text=help_text, required=False, widget=Select, choices=choices
    )


# --- the sections -----------------------------------------------------------------------------


class BasicForm(EditorForm):
    title = TextField(label=gettext_lazy("Proposal title"), max_length=300)
    fiscal_year = WholeField(  # the rules core's bounds: a year outside them is never stored
        label=gettext_lazy("Fiscal year of the contract"),
        example="2025",
        min_value=FISCAL_YEAR_MIN,
        max_value=FISCAL_YEAR_MAX,
    )


class ApplicantForm(EditorForm):
    name = TextField(
        label=gettext_lazy("Lead organisation"),
        help_text=gettext_lazy("Registered name of the organisation that contracts (3.2)."),
        max_length=300,
    )
    kind = _choice(
        gettext_lazy("Kind of organisation"),
        (
            ("", "—"),
            ("company", gettext_lazy("Company")),
            ("research_institution", gettext_lazy("Research institution")),
            ("university", gettext_lazy("University")),
            ("municipality", gettext_lazy("Municipality")),
            ("other", gettext_lazy("Other")),
        ),
    )
    incorporated = _tri(gettext_lazy("The organisation is incorporated (3.2 (1))"))
    not_under_article_70 = _tri(
        gettext_lazy("Not under Article 70 of the Budget, Audit and Accounting Order (3.2 (2))")
    )
    not_under_article_71 = _tri(
        gettext_lazy("Not under Article 71 of the Budget, Audit and Accounting Order (3.2 (3))")
    )
    not_under_suspension_of_designation = _tri(
        gettext_lazy("Not under a suspension of designation by the Ministry (3.2 (4))")
    )
    anti_organised_crime_pledge = _tri(
        gettext_lazy("Pledge on the exclusion of organised crime groups (3.2 (5))")
    )
    survey_research_rating_fy2022_2024 = _choice(
        gettext_lazy("Unified qualification rating FY2022–2024 (3.2 (6))"), ()
    )
    survey_research_rating_fy2025_2027 = _choice(
        gettext_lazy("Unified qualification rating FY2025–2027 (3.2 (6))"), ()
    )
    full_time_employees = WholeField(
        label=gettext_lazy("Full-time employees"),
        help_text=gettext_lazy("Decides whether an implementation plan counts (Table 6 item 5)."),
        example="180",
        min_value=0,
    )

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], book: Any) -> None:
        ratings = [("", "—")] + [(r, r) for r in "ABCD"] + [("none", _("None"))]
        for name in ("survey_research_rating_fy2022_2024", "survey_research_rating_fy2025_2027"):
            fields[name].choices = ratings


class CityForm(EditorForm):
    name_ja = TextField(label=gettext_lazy("Japanese municipality (Japanese)"), max_length=200)
    name_en = TextField(label=gettext_lazy("Japanese municipality (English)"), max_length=200)
    in_consortium = _tri(gettext_lazy("The municipality takes part in the project (3.2 (8))"))
    letter_of_interest = _tri(gettext_lazy("Letter of interest from the municipality (3.2 (9))"))


class PartnerCityForm(EditorForm):
    name = TextField(label=gettext_lazy("Partner city (English)"), max_length=200)
    name_ja = TextField(label=gettext_lazy("Partner city (Japanese)"), max_length=200)
    country = _choice(
        gettext_lazy("Country"),
        (),
        gettext_lazy("Partner countries and candidate countries of Table 3."),
    )
    letter_of_interest = _tri(gettext_lazy("Letter of interest from the partner city (3.2 (9))"))
    letter_japanese_translation = _tri(
        gettext_lazy("The letter has a Japanese translation attached")
    )
    letter_states_intent_to_conclude_agreement = _tri(
        gettext_lazy("The letter states the intent to conclude an agreement (3.2 (7))")
    )

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], book: Any) -> None:
        ja = translation.get_language().startswith("ja")

        def rows(countries: Any) -> list[tuple[str, str]]:
            return [(c.code, f"{c.name_ja if ja else c.name_en} ({c.code})") for c in countries]

        fields["country"].choices = [
            ("", "—"),
            (_("JCM partner countries"), rows(book.countries.partners)),
            (_("Candidate countries"), rows(book.countries.candidates)),
        ]
        fields["country"].error_messages["invalid_choice"] = _(
            "%(value)s is not a country of Table 3; choose a JCM partner country or a candidate "
            "country from the list."
        )


class AgreementForm(EditorForm):
    status = _choice(
        gettext_lazy("City-to-city collaboration agreement (3.2 (7))"),
        (
            ("", "—"),
            ("concluded", gettext_lazy("Concluded (agreement, sister-city agreement or MOU)")),
            ("intended", gettext_lazy("Not yet: the project aims to conclude one")),
            ("none", gettext_lazy("None")),
        ),
    )
    title = TextField(label=gettext_lazy("Name of the agreement or MOU"), max_length=300)
    concluded_on = _date(gettext_lazy("Concluded on"))


class ProjectForm(EditorForm):
    title_ja = TextField(label=gettext_lazy("Project title (Japanese)"), max_length=300)
    title_en = TextField(label=gettext_lazy("Project title (English)"), max_length=300)
    type = _choice(
        gettext_lazy("Project type (the column of Table 6)"),
        (
            ("", "—"),
            ("new", gettext_lazy("New project")),
            ("ongoing", gettext_lazy("Ongoing project")),
        ),
    )
    phase = forms.TypedChoiceField(
        label=gettext_lazy("Phase (2.1)"),
        required=False,
        widget=Select,
        choices=(("", "—"), ("1", "1"), ("2", "2")),
        coerce=int,
        empty_value=None,
    )
    year_in_phase = forms.TypedChoiceField(
        label=gettext_lazy("Year within the phase"),
        required=False,
        widget=Select,
        choices=(("", "—"), ("1", "1"), ("2", "2"), ("3", "3")),
        coerce=int,
        empty_value=None,
    )
    past_c3p_projects_last_3_years = WholeField(
        label=gettext_lazy("Collaboration projects with this partner city in the past 3 years"),
        help_text=gettext_lazy("Ongoing projects (Table 6 item 3)."),
        example="2",
        min_value=0,
    )
    higher_novelty_statement = LongTextField(
        label=gettext_lazy("Higher novelty (an ongoing project entering phase 2)"),
    )
    other_stakeholder_letters = LinesField(
        label=gettext_lazy("Other stakeholders' letters of interest (one per line)"),
        help_text=gettext_lazy("Recommended from the second project year (3.2 (9))."),
    )


class EngineerForm(EditorForm):
    name = TextField(label=gettext_lazy("Supervising engineer"), max_length=200)
    other_projects = WholeField(
        label=gettext_lazy("The engineer's other projects"),
        help_text=gettext_lazy("Existing projects, excluding this one (Table 6 item 2)."),
        example="1",
        min_value=0,
    )


class EstimatesForm(EditorForm):
    cost_effectiveness_jpy_per_tco2 = NumberField(
        label=gettext_lazy("Cost-effectiveness (JPY per tCO2 per year)"),
        help_text=gettext_lazy("As the scoring sheet states it (Table 6 item 1)."),
        example="3850",
        min_value=0,
    )
    ghg_reduction_tco2_per_year = NumberField(
        label=gettext_lazy("Expected GHG reduction (tCO2 per year)"),
        example="12000",
        min_value=0,
    )


class CommitmentsForm(EditorForm):
    ems_certifications = LinesField(
        label=gettext_lazy("Environmental management certifications held (one per line)"),
        help_text=gettext_lazy(
            "Third-party certifications of the head office valid at submission, e.g. ISO14001, "
            "Eco-Action 21 (Table 6 item 4)."
        ),
    )
    ems_past_certification = TextField(
        label=gettext_lazy("A past certification (when none is held now)"), max_length=300
    )
    ems_own_system = TextField(
        label=gettext_lazy("The environmental management system operated in-house"),
        max_length=300,
    )
    decokatsu_supporters_club = _checkbox(gettext_lazy("Member of the Decokatsu Supporters Club"))
    decokatsu_declaration = _checkbox(gettext_lazy("Has registered a Decokatsu Declaration"))

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], book: Any) -> None:
        """One tick box per work-life-balance certification of Table 6 item 5."""
        ja = translation.get_language().startswith("ja")
        for cert in book.scoring.wlb.certifications:
            fields[f"wlb_{cert.id}"] = _checkbox(
                f"{cert.name_ja if ja else cert.name_en} ({cert.points})"
            )

    @classmethod
    def path(cls, name: str) -> tuple[str, ...]:
        return (
            ("wlb_certifications", name.removeprefix("wlb_"))
            if name.startswith("wlb_")
            else (name,)
        )


class TargetForm(EditorForm):
    compact = True
    row_label = gettext_lazy("GHG target %(n)s")
    description = TextField(label=gettext_lazy("Target"), max_length=500)
    disclosure_url = TextField(label=gettext_lazy("Where it is published (URL)"), max_length=500)


class CostPlanForm(EditorForm):
    field_survey_tasks = LongTextField(
        label=gettext_lazy("Tasks needing field surveys (raise the cap; 3.3 (3) note 1)"),
    )

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], book: Any) -> None:
        """One amount per category of Table 5 (equipment is itemised below)."""
        ja = translation.get_language().startswith("ja")
        for category in book.costs.categories:
            if category.id != "equipment":
                fields[f"{category.id}_jpy"] = YenField(
                    label=category.name_ja if ja else category.name_en
                )


class EquipmentForm(EditorForm):
    compact = True
    row_label = gettext_lazy("Equipment item %(n)s")
    name = TextField(label=gettext_lazy("Equipment item"), max_length=300)
    unit_price_jpy = YenField(label=gettext_lazy("Unit price before tax (yen)"))
    quantity = WholeField(label=gettext_lazy("Quantity"), example="1", min_value=1)


class ActivityForm(EditorForm):
    deliverables = _tri(gettext_lazy("Deliverables: report, summary, DVD-R (Table 3 (1))"))
    monthly_reports = _tri(gettext_lazy("Monthly progress reports (Table 3 (2))"))
    report_sessions = WholeField(
        label=gettext_lazy("Report sessions (about 3; Table 3 (3))"), example="3", min_value=0
    )
    field_surveys = WholeField(
        label=gettext_lazy("Field surveys and invitations to Japan (about 2; Table 3 (4))"),
        example="2",
        min_value=0,
    )
    local_workshops = WholeField(
        label=gettext_lazy("Local workshops (1; Table 3 (5))"), example="1", min_value=0
    )
    presentations_in_japan = WholeField(
        label=gettext_lazy("Presentations in Japan (1; Table 3 (6))"), example="1", min_value=0
    )
    supporting_organisations = LinesField(
        label=gettext_lazy("Supporting organisations to work with (one per line; Table 3 (7))"),
    )
    jica_field_office_discussions = WholeField(
        label=gettext_lazy("Discussions with JICA field offices (Table 3 (7))"),
        example="1",
        min_value=0,
    )


_FORMS: tuple[type[EditorForm], ...] = (
    BasicForm,
    ApplicantForm,
    CityForm,
    PartnerCityForm,
    AgreementForm,
    ProjectForm,
    EngineerForm,
    EstimatesForm,
    CommitmentsForm,
    TargetForm,
    CostPlanForm,
    EquipmentForm,
    ActivityForm,
)

#: single forms: (attribute and prefix, class name, document key)
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("applicant", "ApplicantForm", "applicant"),
    ("city", "CityForm", "japanese_city"),
    ("partner", "PartnerCityForm", "partner_city"),
    ("agreement", "AgreementForm", "agreement"),
    ("project", "ProjectForm", "project"),
    ("engineer", "EngineerForm", "supervising_engineer"),
    ("estimates", "EstimatesForm", "estimates"),
    ("commitments", "CommitmentsForm", "commitments"),
    ("cost", "CostPlanForm", "cost_plan"),
    ("activities", "ActivityForm", "activity_plan"),
)
#: lists of rows: (prefix, class name, the section holding them, its key for the rows)
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("targets", "TargetForm", "commitments", "ghg_targets"),
    ("equipment", "EquipmentForm", "cost_plan", "equipment"),
)


@cache
def form_classes(rulebook_id: str, lang: str) -> dict[str, type[EditorForm]]:
    """The forms for a C3P rulebook in a language (fields translated once, shared)."""
    with translation.override(lang):
        book = load_rulebook(rulebook_id)
        out: dict[str, type[EditorForm]] = {}
        for cls in _FORMS:
            fields = copy.deepcopy(dict(cls.base_fields))
            cls.configure(fields, book)  # type: ignore[arg-type]
            for field in fields.values():
                _resolved(field)
            made = type(cls.__name__, (cls,), {"__module__": cls.__module__})
            made.base_fields = _SharedFields(fields)
            out[cls.__name__] = made
        return out


# --- document → flat form data ----------------------------------------------------------------


def document_to_data(document: Any, book: Any) -> tuple[dict[str, str], list[str]]:
    """The form data showing ``document``, and the paths of what the form cannot show."""
    classes = form_classes(book.id, "en")  # the fields' names and paths, not their labels
    data: dict[str, str] = {}
    dropped: list[str] = []
    doc = document if isinstance(document, dict) else {}
    editor._put(data, "basic", classes["BasicForm"], doc, "", dropped, strict=False)
    rows = {section: (prefix, name, key) for prefix, name, section, key in ROWS}
    for prefix, name, key in SECTIONS:
        section = editor._mapping(doc.get(key), key, dropped)
        skip: tuple[str, ...] = ()
        if key in rows:
            row_prefix, row_class, row_key = rows[key]
            skip = (row_key,)
            values = editor._sequence(section.get(row_key), f"{key}.{row_key}", dropped)
            editor._management(data, row_prefix, len(values))
            for i, value in enumerate(values):
                where = f"{key}.{row_key}[{i}]"
                mapping = editor._mapping(value, where, dropped)
                editor._put(data, f"{row_prefix}-{i}", classes[row_class], mapping, where, dropped)
        if key == "commitments":
            skip += ("wlb_certifications",)
            held = editor._sequence(
                section.get("wlb_certifications"), "commitments.wlb_certifications", dropped
            )
            known = classes["CommitmentsForm"].base_fields
            for i, cert in enumerate(held):
                if isinstance(cert, str) and f"wlb_{cert}" in known:
                    data[f"commitments-wlb_{cert}"] = "on"
                else:
                    dropped.append(f"commitments.wlb_certifications[{i}]")
            section = {k: v for k, v in section.items() if k != "wlb_certifications"}
        fields = {n: f for n, f in classes[name].base_fields.items() if not n.startswith("wlb_")}
        form = type(name, (classes[name],), {})
        form.base_fields = fields
        editor._put(data, prefix, form, section, key, dropped, skip=skip)
    return data, list(dict.fromkeys(dropped))


def apply_action(data: dict[str, str], action: str) -> tuple[dict[str, str], str | None]:
    """Add or remove a GHG target or an equipment item (see ``editor.apply_action``)."""
    limits = tuple((re.compile(f"^{prefix}$"), limit) for prefix, limit in LIMITS.items())
    return editor.apply_action(data, action, FORMSETS, limits)


def check_size(data: Any) -> int:
    """The number of forms a C3P editor page would build from ``data``; raises
    ``editor.TooLarge`` beyond the bounds, before any form is made."""
    total = 1 + len(SECTIONS)
    for prefix, limit in LIMITS.items():
        total += editor._rows_asked(data, prefix, limit)
    return total


# --- the bound forms --------------------------------------------------------------------------


class C3pEditor(editor.ProposalEditor):
    """Every form of a C3P proposal, bound to flat form data."""

    def __init__(
        self,
        data: Any,
        *,
        book: Any,
        lang: str,
        url: str = "",
        focus: str | None = None,
    ):
        self.form_count = check_size(data)  # before any form is built
        self.data = data
        self.book = book
        classes = form_classes(book.id, lang)
        self.basic = classes["BasicForm"](data, prefix="basic", url=url)
        self.sections: dict[str, EditorForm] = {}
        for prefix, name, _key in SECTIONS:
            form = classes[name](data, prefix=prefix, url=url)
            self.sections[prefix] = form
            setattr(self, prefix, form)
        self.rows: dict[str, forms.BaseFormSet] = {}
        for prefix, name, _section, _key in ROWS:
            formset_class = editor._formset(classes[name], limit=LIMITS[prefix])
            formset = formset_class(data, prefix=prefix, classes=classes, url=url)
            self.rows[prefix] = formset
            setattr(self, prefix, formset)
        self.wlb = [
            self.commitments[name] for name in self.commitments.fields if name.startswith("wlb_")
        ]
        self.container_issues: dict[str, str] = {}
        self.other_issues: list[str] = []
        self._fields: dict[tuple[Any, ...], tuple[EditorForm, str]] = {}
        self._containers: dict[tuple[Any, ...], str] = {}
        if focus:
            for form in self.forms():
                if form.prefix == focus:
                    form.focus = f"{focus}-{next(iter(form.fields))}"

    def formsets(self):  # type: ignore[override]
        yield from self.rows.values()

    def forms(self):  # type: ignore[override]
        yield self.basic
        for prefix, *_rest in SECTIONS:
            yield self.sections[prefix]
            for row_prefix, _name, section, _key in ROWS:
                if section == SECTIONS_BY_PREFIX[prefix]:
                    yield from self.rows[row_prefix]

    def to_document(self, base: Any = None) -> dict[str, Any]:
        """The document the forms say, on top of ``base``'s keys the form does not own."""
        self._fields.clear()
        self._containers.clear()
        owned: dict[str, Any] = dict(self._emit(self.basic, ()))
        for prefix, _name, key in SECTIONS:
            form = self.sections[prefix]
            section = self._emit(form, (key,))
            if key == "commitments":
                held = section.pop("wlb_certifications", {})
                ids = [cid for cid, ticked in held.items() if ticked]
                if ids:
                    section["wlb_certifications"] = ids
            for row_prefix, _class, row_section, row_key in ROWS:
                if row_section == key:
                    self._containers[(key, row_key)] = row_prefix
                    rows = self._rows(self.rows[row_prefix], (key, row_key))
                    if rows:
                        section[row_key] = rows
            if section:
                owned[key] = section
        return editor._ordered(base or {}, owned, C3pProposal, OWNED)

    def container_label(self, prefix: str) -> str:
        labels = {
            "applicant": _("Lead organisation"),
            "city": _("Japanese municipality"),
            "partner": _("Partner city"),
            "agreement": _("Collaboration agreement"),
            "project": _("Project"),
            "engineer": _("Supervising engineer"),
            "estimates": _("Estimates"),
            "commitments": _("Certifications and targets"),
            "cost": _("Cost plan (Table 5)"),
            "activities": _("Activities (Table 3)"),
            "targets": _("GHG targets"),
            "equipment": _("Equipment items"),
        }
        return labels.get(prefix, prefix)


SECTIONS_BY_PREFIX = {prefix: key for prefix, _name, key in SECTIONS}


def cost_total(ed: C3pEditor) -> int | None:
    """The pre-tax total of the cost plan as typed (None while a figure has the wrong form)."""
    if not ed.cost.is_valid() or not ed.equipment.is_valid():
        return None
    total = sum(v for k, v in ed.cost.cleaned_data.items() if k.endswith("_jpy") and v)
    for row in ed.equipment:
        price = row.cleaned_data.get("unit_price_jpy") or 0
        total += price * (row.cleaned_data.get("quantity") or 1)
    return total
