"""The forms of the structured proposal editor (JCM call: forms 1, 3-00, 4 and 6).

Each form holds one part of the proposal document; ``doc_paths`` says where each field lives in
the document (``renkei.proposals.editor`` converts in both directions). Fields check the format
of what is typed (a number, a country code, a technology of annex 3) and say what would be right;
whether the proposal is complete and passes the call is the rules core's answer, shown beside
the form. Widgets render in Python, not through templates: the editor of a 20-site proposal has
thousands of fields.
"""

from __future__ import annotations

import copy
import html
import re
import unicodedata
from decimal import Decimal
from functools import cache
from typing import Any

import pycountry
from django import forms
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from renkei.proposals.names import jcm_name
from renkei.rules import load_rulebook
from renkei.rules.countries import iso_codes
from renkei.rules.jcm import reconstructed_table
from renkei.rules.jcm.schedule import fiscal_year_start

# --- widgets that render in Python ------------------------------------------------------------


def _esc(value: Any) -> str:
    """HTML-escaped text (the standard library's escape: no lazy-text checks, it is hot)."""
    return html.escape(str(value))


_PLAIN = re.compile(r"[\w .:/()-]*")


def _attrs(attrs: dict[str, Any]) -> str:
    out = []
    for key, value in attrs.items():
        if value is True:
            out.append(f" {key}")
        elif value is not False and value is not None:
            text = str(value)  # names and ids are plain: escaping them is most of the cost
            out.append(f' {key}="{text if _PLAIN.fullmatch(text) else html.escape(text)}"')
    return "".join(out)


class TextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = {**self.attrs, **(attrs or {})}
        text = self.format_value(value)
        shown = f' value="{_esc(text)}"' if text not in (None, "") else ""
        return mark_safe(f'<input type="{self.input_type}" name="{name}"{shown}{_attrs(final)}>')


class Textarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = {**self.attrs, **(attrs or {})}
        text = "" if value is None else str(value)
        return mark_safe(f'<textarea name="{name}"{_attrs(final)}>{_esc(text)}</textarea>')


class DateInput(TextInput):
    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        return value.isoformat() if hasattr(value, "isoformat") else value


class CheckboxInput(forms.CheckboxInput):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = {**self.attrs, **(attrs or {})}
        checked = " checked" if self.check_test(value) else ""
        return mark_safe(f'<input type="checkbox" name="{name}"{checked}{_attrs(final)}>')


def _options(choices: Any, current: str) -> str:
    out, found = [], False
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            inner = []
            for v, lab in label:
                sel = " selected" if str(v) == current else ""
                found = found or bool(sel)
                inner.append(f'<option value="{_esc(v)}"{sel}>{_esc(lab)}</option>')
            out.append(f'<optgroup label="{_esc(value)}">{"".join(inner)}</optgroup>')
        else:
            sel = " selected" if str(value) == current else ""
            found = found or bool(sel)
            out.append(f'<option value="{_esc(value)}"{sel}>{_esc(label)}</option>')
    if current and not found:  # a value the list does not offer stays visible, never lost
        out.insert(0, f'<option value="{_esc(current)}" selected>{_esc(current)} (?)</option>')
    return "".join(out)


class Select(forms.Select):
    """Its options are rendered once per selected value: the choices of an editor form never
    change after its class is made (``form_classes``)."""

    def options(self, current: str) -> str:
        cache = self.__dict__.setdefault("_options_html", {})
        if current not in cache:
            cache[current] = _options(self.choices, current)
        return cache[current]

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = {**self.attrs, **(attrs or {})}
        current = "" if value is None else str(value)
        return mark_safe(f'<select name="{name}"{_attrs(final)}>{self.options(current)}</select>')


class TriState(Select):
    """Yes / no / not answered yet: declarations the office confirms from evidence."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.choices = [
            ("", gettext_lazy("— not answered")),
            ("true", gettext_lazy("Yes")),
            ("false", gettext_lazy("No")),
        ]

    def options(self, current: str) -> str:
        current = {"True": "true", "False": "false"}.get(current, current)
        return super().options(current if current in ("true", "false") else "")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool | None:
        return {"true": True, "True": True, "false": False, "False": False}.get(data.get(name))


# --- fields ---------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    """Full-width digits and letters as ASCII, thousands separators and currency signs gone."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"[,\s円¥]", "", text)


class YenField(forms.IntegerField):
    """Whole yen; 45,000,000 and ４５０００００円 are read as 45000000."""

    widget = TextInput(attrs={"inputmode": "numeric", "class": "num", "autocomplete": "off"})
    default_error_messages = {
        "invalid": gettext_lazy("Enter whole yen in digits, e.g. 45000000 or 45,000,000."),
        "min_value": gettext_lazy("Enter an amount of 0 yen or more."),
    }

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)
        self.widget.attrs.pop("min", None)
        self.widget.attrs.pop("step", None)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return super().to_python(_plain(value))


def _interpolated(msgid: str, **values: Any) -> Any:
    """A lazy translated text with its placeholders filled: the fields are built at import, and
    translated per language when the editor's form classes are made (``_resolved``)."""
    return lazy(lambda: _(msgid) % values, str)()


class WholeField(forms.IntegerField):
    widget = TextInput(attrs={"inputmode": "numeric", "class": "num short", "autocomplete": "off"})

    def __init__(self, *, example: str, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.pop("min", None)
        self.widget.attrs.pop("max", None)
        self.widget.attrs.pop("step", None)
        self.error_messages["invalid"] = _interpolated(
            gettext_noop("Enter a whole number, e.g. %(example)s."), example=example
        )

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return super().to_python(_plain(value))


class NumberField(forms.DecimalField):
    """A decimal number (never a float); 1,200.5 is read as 1200.5."""

    widget = TextInput(attrs={"inputmode": "decimal", "class": "num", "autocomplete": "off"})

    def __init__(self, *, example: str, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        for key in ("min", "max", "step"):
            self.widget.attrs.pop(key, None)
        self.error_messages["invalid"] = _interpolated(
            gettext_noop("Enter a number, e.g. %(example)s."), example=example
        )

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        return super().to_python(_plain(value))


class EfficiencyField(NumberField):
    """Module efficiency as a fraction; 22.5 (a percentage) is refused with the right form."""

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is not None and not Decimal(0) < value < Decimal(1):
            hint = ""
            if Decimal(1) <= value < Decimal(100):
                hint = " " + _("%(pct)s%% is written %(frac)s.") % {
                    "pct": value.normalize(),
                    "frac": (value / 100).normalize(),
                }
            raise forms.ValidationError(
                _("Enter the efficiency as a fraction between 0 and 1, e.g. 0.225.") + hint
            )


class TextField(forms.CharField):
    widget = TextInput

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class CountryField(TextField):
    """An ISO 3166-1 alpha-2 code; a name or a three-letter code gets the right code suggested."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.widget = TextInput(
            attrs={"class": "code", "list": "countries", "autocomplete": "off", "size": 4}
        )

    def to_python(self, value: Any) -> str:
        text = unicodedata.normalize("NFKC", super().to_python(value)).strip()
        return text.upper() if len(text) == 2 else text  # ke → KE; a name stays as typed

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and value not in iso_codes():
            raise forms.ValidationError(
                _("“%(value)s” is not a two-letter ISO 3166-1 country code; %(hint)s")
                % {"value": value, "hint": _country_hint(value)}
            )


def _country_hint(given: str) -> str:
    try:
        found = pycountry.countries.lookup(given.strip())
    except LookupError:
        found = None
    if found is not None:
        return _("did you mean %(code)s (%(name)s)?") % {
            "code": found.alpha_2,
            "name": getattr(found, "common_name", None) or found.name,
        }
    return _("use codes like JP, VN, KE or ID.")


@cache
def annex3(rulebook_id: str) -> Any:
    """Annex 3 (別添3 類似技術の分類) as the rules core reads it, once per rulebook."""
    return reconstructed_table(rulebook_id)


def technologies(rulebook_id: str) -> tuple[Any, ...]:
    """Annex 3's technologies as the rules core knows them."""
    return annex3(rulebook_id).technologies


class TechnologyField(TextField):
    """An annex-3 technology, by its id (boiler) or its Japanese name as printed (ボイラ); or,
    on a line marked outside annex 3, the name of a technology annex 3 does not list. Whether
    the name is in annex 3 depends on that mark: ``LineForm.clean`` decides it."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 60)  # with the site id, the findings' subject (120)
        super().__init__(**kwargs)
        self.rulebook_id = ""
        self.widget = TextInput(attrs={"list": "technologies", "autocomplete": "off"})


def technology_problem(rulebook_id: str, value: str, outside: bool, box: str) -> tuple[str, str]:
    """What is wrong with a line's technology, as the rules core would refuse it: a name annex 3
    does not list on a line not marked outside annex 3 (with the listed technologies whose names
    come close, as ``renkei assess`` names them), or an annex-3 technology marked outside it.
    Returns (the field to mark, the message), or two empty texts. ``box``: the mark's label."""
    tech = annex3(rulebook_id).lookup(value)
    if tech.in_annex3 and outside:
        return "outside_annex3", _(
            "“%(value)s” is annex 3's %(name)s (%(id)s): untick “%(box)s”."
        ) % {"value": value, "name": tech.name_ja, "id": tech.id, "box": box}
    if not tech.in_annex3 and not outside:
        hint = (
            _("did you mean %(names)s?") % {"names": " / ".join(tech.similar[:3])}
            if tech.similar
            else _("choose one from the list (annex 3's similar-technology classes).")
        )
        message = _("“%(value)s” is not a technology of annex 3; %(hint)s") % {
            "value": value,
            "hint": hint,
        }
        return "technology", message + " " + _(
            "For a technology annex 3 does not list, tick “%(box)s”: it is assessed at 0 "
            "similar-technology adoptions (2.(9)) and the office confirms the similarity."
        ) % {"box": box}
    return "", ""


_METHODOLOGY = re.compile(r"^[A-Z]{2}_AM\d{3}$")


class MethodologiesField(TextField):
    """JCM methodology ids separated by commas: VN_AM006, ID_AM004."""

    def to_python(self, value: Any) -> list[str]:
        text = unicodedata.normalize("NFKC", super().to_python(value))
        return [m.upper() for m in re.split(r"[,、;\s]+", text) if m]

    def validate(self, value: list[str]) -> None:
        bad = [m for m in value if not _METHODOLOGY.match(m)]
        if bad:
            raise forms.ValidationError(
                _(
                    "“%(value)s” is not a JCM methodology id; write ids like VN_AM006, "
                    "separated by commas."
                )
                % {"value": bad[0]}
            )


def _checkbox(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(
        label=label, help_text=help_text, required=False, widget=CheckboxInput
    )


def _tri(label: str, help_text: str = "") -> forms.NullBooleanField:
    return forms.NullBooleanField(label=label, help_text=help_text, required=False, widget=TriState)


def _date(label: str, help_text: str = "") -> forms.DateField:
    field = forms.DateField(label=label, help_text=help_text, required=False, widget=DateInput)
    field.error_messages["invalid"] = gettext_lazy(
        "Enter a date as year-month-day, e.g. 2024-05-13."
    )
    return field


# --- rendering one field ----------------------------------------------------------------------


class EditorBoundField(BoundField):
    """A field as the editor shows it: label, widget, what is wrong, and what is still needed.

    Renders its widget directly (not through ``as_widget``): a page has thousands of fields.
    """

    def _errors(self) -> list[str]:
        return self.form.errors.get(self.name) or []

    def _widget(self, **attrs: Any) -> str:
        attrs["id"] = self.auto_id
        if self._errors():
            attrs["aria-invalid"] = "true"
            shown = self.help_text and not self.form.compact
            help_id = f" {self.auto_id}_helptext" if shown else ""
            attrs["aria-describedby"] = f"{self.auto_id}-err{help_id}"
        elif self.help_text and not self.form.compact:
            attrs["aria-describedby"] = f"{self.auto_id}_helptext"
        if self.form.focus == self.html_name:
            attrs["autofocus"] = True
        # the posted text as it was typed (every editor form is bound; no initial values)
        return self.field.widget.render(self.html_name, self.form.data.get(self.html_name), attrs)

    def _messages(self) -> str:
        errors = self._errors()
        if errors:
            items = "".join(f"<li>{_esc(e)}</li>" for e in errors)
            return f'<ul class="errorlist" id="{self.auto_id}-err">{items}</ul>'
        issue = self.form.issues.get(self.name)
        return f'<p class="issue">{_esc(issue)}</p>' if issue else ""

    @property
    def block(self) -> SafeString:
        """Label above the widget (or beside a checkbox), then the messages and the help."""
        help_text = (
            f'<small class="help" id="{self.auto_id}_helptext">{_esc(self.help_text)}</small>'
            if self.help_text and not self.form.compact
            else ""
        )
        label = _esc(self.label)
        if isinstance(self.field.widget, forms.CheckboxInput):
            return mark_safe(
                f'<div class="f f-check"><label>{self._widget()} {label}</label>'
                f"{help_text}{self._messages()}</div>"
            )
        return mark_safe(
            f'<div class="f"><label for="{self.auto_id}">{label}</label>'
            f"{self._widget()}{help_text}{self._messages()}</div>"
        )

    @property
    def cell(self) -> SafeString:
        """The widget in a table cell; the column header is its visible label."""
        return mark_safe(self._widget(**{"aria-label": self.label}) + self._messages())


class _SharedFields(dict):
    """The fields of one kind of form, shared by its instances on a page.

    Django deep-copies ``base_fields`` for every form it makes; a 20-site proposal has ~400
    forms and the copies cost more than the rest of the page. Editor forms never change a field
    after their class is made for a rulebook and language (``form_classes``), so they share them.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return dict(self)


class EditorForm(forms.Form):
    """A part of the proposal; ``doc_paths`` maps a field to its place in the document."""

    bound_field_class = EditorBoundField
    doc_paths: dict[str, tuple[str, ...]] = {}
    use_required_attribute = False
    compact = False  # repeated forms show their help once, above them, not at every field

    def __init__(self, *args: Any, url: str = "", **kwargs: Any):
        self.issues: dict[str, str] = {}
        self.focus: str | None = None
        self.url = url
        super().__init__(*args, **kwargs)

    @classmethod
    def path(cls, name: str) -> tuple[str, ...]:
        return cls.doc_paths.get(name, (name,))

    def has_changed(self) -> bool:
        """Editor forms have no initial values to compare with: every row counts as given."""
        return True

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], choices: EditorChoices) -> None:
        """Set what depends on the rulebook and the language (choices, labels)."""

    def blocks(self, *names: str) -> SafeString:
        return mark_safe("".join(self[n].block for n in names))

    def _button(self, css: str, action: str, text: str, label: str = "") -> str:
        aria = f' aria-label="{_esc(label)}"' if label else ""
        return (
            f'<button type="submit" class="{css}" name="editor_action" value="{_esc(action)}"'
            f' hx-post="{_esc(self.url)}"{aria}>{_esc(text)}</button>'
        )


# --- the parts of a JCM proposal --------------------------------------------------------------


def _short(name: str, limit: int = 16) -> str:
    """A cost item's name short enough for a select on every row of form 4 (full names are
    listed once above the table)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


class EditorChoices:
    """The lists the forms offer, from the call's rulebook, built once per page in its language."""

    def __init__(self, book: Any, lang: str):
        ja = not lang.startswith("en")
        self.rulebook_id = book.id
        english = {
            "private_company": _("Private company"),
            "independent_administrative_agency": _("Independent administrative agency"),
            "general_or_public_interest_corporation": _(
                "General or public-interest incorporated association or foundation"
            ),
            "approved_other": _("Other body approved by the Minister of the Environment"),
        }
        self.entity_types = [("", "—")] + [
            (e.id, f"{e.clause[-3:]} {e.name_ja if ja else english.get(e.id, e.name_ja)}")
            for e in book.applicant.entity_types
        ]
        points = book.applicant.capability_points_ja if ja else book.applicant.capability_points_en
        self.capability_labels = [p[:1].upper() + p[1:] for p in points]
        first, last = book.period.start.year, fiscal_year_start(book.period.end)
        self.fiscal_years = [("", "—")] + [
            (str(y), _("FY%(year)s") % {"year": y}) for y in range(first, last + 1)
        ]
        self.fiscal_year_error = _(
            "FY%(value)s is not a fiscal year of this call; choose one from the list."
        )
        items = book.cost_items
        self.cost_items = [
            ("", "—"),
            (
                _("Eligible (2.(7))"),
                [
                    (i.id, _short(jcm_name("cost_item", i.id, i.name_ja, lang)))
                    for i in items.eligible
                ],
            ),
            (
                _("Ineligible (not subsidised)"),
                [
                    (i.id, _short(jcm_name("cost_item", i.id, i.name_ja, lang)))
                    for i in items.ineligible
                ],
            ),
        ]
        self.cost_item_names = [
            (jcm_name("cost_item", i.id, i.name_ja, lang), i in items.eligible)
            for i in (*items.eligible, *items.ineligible)
        ]
        self.eligible_ids = frozenset(items.eligible_ids())
        self.cost_item_error = _(
            "“%(value)s” is not a cost item of form 4; choose one from the list."
        )
        self.focus_areas = [("", "—")] + [
            (s.id, jcm_name("focus_area", s.id, s.name_ja, lang)) for s in book.scoring.f2_sectors
        ]


class BasicForm(EditorForm):
    title = TextField(label=gettext_lazy("Project title"), max_length=300)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of project"),
        required=False,
        widget=Select,
        choices=(
            ("model_project", gettext_lazy("JCM Model Project")),
            ("eco_lease", gettext_lazy("JCM eco-lease")),
        ),
    )
    country = CountryField(
        label=gettext_lazy("Host country (ISO code)"),
        help_text=gettext_lazy("The JCM partner country where the equipment is installed (2.(3))."),
    )
    pre_registered_on = _date(gettext_lazy("Pre-registered on"))
    deferred_payment = _checkbox(
        gettext_lazy("Cross-border deferred payment (2.(6)②)"),
    )
    deferred_payment_benefit_documented = _tri(
        gettext_lazy("The deferred-payment breakdown shows the subsidy benefits the owner"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("deferred_payment_benefit_documented") is not None and not data.get(
            "deferred_payment"
        ):
            self.add_error(
                "deferred_payment_benefit_documented",
                _(
                    "This answer is only for a cross-border deferred payment: tick "
                    "“Cross-border deferred payment” or leave it unanswered."
                ),
            )
        return data


class LeaseForm(EditorForm):
    """The lease (2.(6)): a JCM eco-lease, or a lease inside a model project's consortium, which
    must keep the equipment operating until its useful life ends (2.(6)①)."""

    lease_years = WholeField(
        label=gettext_lazy("Lease period (years)"), example="7", min_value=1, max_value=60
    )
    ends_on = _date(
        gettext_lazy("Lease contract ends on"),
        gettext_lazy("Left empty, the lease period is counted from the start of operation."),
    )
    fee_reduction_documented = _tri(
        gettext_lazy("The lease-fee breakdown deducts the subsidy from the fees"),
    )
    after_lease = forms.ChoiceField(
        label=gettext_lazy("If the lease ends before the useful life (2.(6)①)"),
        required=False,
        widget=Select,
        choices=(
            ("", "—"),
            ("continue", gettext_lazy("The lease is continued until the useful life ends")),
            ("transfer", gettext_lazy("The equipment is transferred to a partner participant")),
        ),
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not one of the choices: the lease is continued, or the "
                "equipment is transferred to a partner participant."
            )
        },
    )
    transfer_to = TextField(
        label=gettext_lazy("Partner participant receiving the equipment"),
        max_length=200,
        widget=TextInput(attrs={"list": "lease-partners", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "One of the partner participants of the consortium, as named there."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # the schema's rule (Lease): a receiving partner only for a transfer
        after = data.get("after_lease", "")
        if data.get("transfer_to") and "after_lease" not in self.errors and after != "transfer":
            self.add_error(
                "transfer_to",
                _(
                    "A partner receives the equipment only when it is transferred: choose "
                    "“%(transfer)s” above, or clear this field."
                )
                % {"transfer": _("The equipment is transferred to a partner participant")},
            )
        return data


class RepresentativeForm(EditorForm):
    doc_paths = {
        name: ("capability", name)
        for name in (
            "financial_soundness",
            "administrative_capacity",
            "clear_basis",
            "technology_understanding",
            "consortium_agreed",
        )
    }

    name = TextField(label=gettext_lazy("Representative participant (Japanese corporation)"))
    name_en = TextField(label=gettext_lazy("English name (for the PIN, form 3-16)"))
    country = CountryField(label=gettext_lazy("Country of incorporation"))
    role = TextField(label=gettext_lazy("Role in the project"))
    entity_type = forms.ChoiceField(
        label=gettext_lazy("Type of corporation (2.(4)①)"), required=False, widget=Select
    )
    antisocial_forces_pledge = _tri(gettext_lazy("Anti-organised-crime pledge given (annex 1)"))
    is_lessor = _tri(gettext_lazy("The representative is the lessor (JCM eco-lease)"))
    financial_soundness = _tri(gettext_lazy("Sound finances and management"))
    administrative_capacity = _tri(gettext_lazy("Accounting and administration in place"))
    clear_basis = _tri(gettext_lazy("Plan, costs and financing on a clear basis"))
    technology_understanding = _tri(
        gettext_lazy("Understands the technology and can manage the project")
    )
    consortium_agreed = _tri(gettext_lazy("Consortium agreed, with a sufficient structure"))

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], choices: EditorChoices) -> None:
        fields["entity_type"].choices = choices.entity_types
        for name, label in zip(cls.doc_paths, choices.capability_labels, strict=True):
            fields[name].label = label


class PartnerForm(EditorForm):
    name = TextField(label=gettext_lazy("Partner participant"))
    name_en = TextField(label=gettext_lazy("English name"))
    country = CountryField(label=gettext_lazy("Country"))
    role = TextField(label=gettext_lazy("Role"))


class SiteForm(EditorForm):
    id = TextField(
        label=gettext_lazy("Site id"),
        max_length=60,
        help_text=gettext_lazy("A short name used in the assessment, e.g. kericho-factory."),
    )
    name = TextField(label=gettext_lazy("Site name"))
    location = TextField(label=gettext_lazy("Location"))


_SOLAR = ("capacity_mw", "module_efficiency", "special_use")
_BATTERY = (
    "capacity_mwh",
    "charges_only_from_renewables",
    "output_measurable",
    "need",
    "policy_or_authority_requirement",
    "daily_cycling",
    "max_daily_surplus_mwh",
    "curtailment_justified",
)


class LineForm(EditorForm):
    """A technology line of a site (4.(5): form 4 per site when rates or lives differ)."""

    doc_paths = {f"solar_{n}": ("solar", n) for n in _SOLAR} | {
        f"battery_{n}": ("battery", n) for n in _BATTERY
    }
    solar_fields = tuple(f"solar_{n}" for n in _SOLAR)
    battery_fields = tuple(f"battery_{n}" for n in _BATTERY)

    technology = TechnologyField(label=gettext_lazy("Technology (annex 3)"))
    outside_annex3 = _checkbox(gettext_lazy("Not in annex 3 (a new technology)"))
    description = TextField(label=gettext_lazy("Description"))
    annual_reduction_tco2 = NumberField(
        label=gettext_lazy("GHG reduction (tCO2eq per year)"),
        example="1200",
        min_value=Decimal("0.000001"),
        max_value=Decimal("1000000000"),
    )
    useful_life_years = WholeField(
        label=gettext_lazy("Statutory useful life (years)"),
        example="17",
        min_value=1,
        max_value=60,
    )
    useful_life_reason = TextField(
        widget=TextInput(attrs={"list": "useful-lives", "autocomplete": "off"}),
        label=gettext_lazy("Reason for this useful life"),
        help_text=gettext_lazy(
            "Schedule and item of the ministerial ordinance (耐用年数省令) for this equipment "
            "in this industry; pick a reference or write your own."
        ),
    )
    requested_subsidy_jpy = YenField(
        label=gettext_lazy("Requested subsidy (yen)"),
        help_text=gettext_lazy("Leave empty to request the maximum."),
    )
    methodologies = MethodologiesField(label=gettext_lazy("JCM methodologies"))
    focus_area = forms.ChoiceField(
        label=gettext_lazy("Focus area claimed (annex 2 3.(2)(F))"), required=False, widget=Select
    )
    solar_capacity_mw = NumberField(
        label=gettext_lazy("PV capacity (MW)"), example="1.2", min_value=Decimal("0.000001")
    )
    solar_module_efficiency = EfficiencyField(
        label=gettext_lazy("Module efficiency (fraction, e.g. 0.225)"), example="0.225"
    )
    solar_special_use = _checkbox(gettext_lazy("Special use (e.g. building-integrated modules)"))
    battery_capacity_mwh = NumberField(
        label=gettext_lazy("Battery capacity (MWh)"), example="2.4", min_value=Decimal("0.000001")
    )
    battery_charges_only_from_renewables = _tri(
        gettext_lazy("Charged only from the project's renewable generation")
    )
    battery_output_measurable = _tri(gettext_lazy("Battery output can be measured"))
    battery_need = forms.ChoiceField(
        label=gettext_lazy("Why the battery is needed"),
        required=False,
        widget=Select,
        choices=(
            ("", "—"),
            ("off_grid", gettext_lazy("Off-grid supply")),
            ("grid_supply", gettext_lazy("Supply to the grid")),
            ("self_consumption", gettext_lazy("Self-consumption")),
            ("surplus_curtailment", gettext_lazy("Avoiding curtailment of surplus")),
        ),
    )
    battery_policy_or_authority_requirement = _tri(
        gettext_lazy("Required by policy or by the grid authority")
    )
    battery_daily_cycling = _tri(gettext_lazy("Charged and discharged daily"))
    battery_max_daily_surplus_mwh = NumberField(
        label=gettext_lazy("Largest daily surplus to store (MWh)"),
        example="1.5",
        min_value=Decimal("0.000001"),
    )
    battery_curtailment_justified = _tri(gettext_lazy("Curtailment avoidance is justified"))

    compact = True

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], choices: EditorChoices) -> None:
        fields["technology"].rulebook_id = choices.rulebook_id
        fields["focus_area"].choices = choices.focus_areas

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value = data.get("technology")
        if value:  # the rules core's rule (2.(9), annex 3): listed, or marked outside it
            field, message = technology_problem(
                self.fields["technology"].rulebook_id,
                value,
                bool(data.get("outside_annex3")),
                self.fields["outside_annex3"].label,
            )
            if field:
                self.add_error(field, message)
        return data

    @property
    def technology_name(self) -> str:
        value = self["technology"].value()
        for t in technologies(self.fields["technology"].rulebook_id):
            if value in (t.id, t.name_ja):
                english = (get_language() or "ja").startswith("en")
                return f"{t.name_ja} / {t.name_en} · {t.sector_name('en' if english else 'ja')}"
        if value and self["outside_annex3"].value():
            return _("not in annex 3: assessed at 0 similar-technology adoptions (2.(9))")
        return ""

    def _shown(self, group: str, names: tuple[str, ...], words: tuple[str, ...]) -> bool:
        """A specification is shown for its technologies, when filled in, or when asked for."""
        tech = str(self["technology"].value() or "")
        return (
            any(w in tech for w in words)
            or self.data.get(f"{self.prefix}-open_{group}") == "1"
            or any(self.data.get(f"{self.prefix}-{n}") not in (None, "") for n in names)
        )

    @property
    def main(self) -> SafeString:
        """The line's fields (form 4's header of a technology line)."""
        return mark_safe(
            '<div class="grid">'
            + f'<div class="f-tech">{self.blocks("technology", "outside_annex3")}</div>'
            + self.blocks("annual_reduction_tco2", "requested_subsidy_jpy")
            + self.blocks("useful_life_years")
            + f'<div class="span2">{self["useful_life_reason"].block}</div>'
            + self.blocks("methodologies", "focus_area")
            + f'<div class="span3">{self["description"].block}</div></div>'
        )

    @property
    def specifications(self) -> SafeString:
        """Solar PV and battery specifications (technology conditions), or buttons to add them."""
        out, buttons = [], []
        for group, names, words, title, add in (
            (
                "solar",
                self.solar_fields,
                ("solar", "太陽光"),
                _("Solar PV specification"),
                _("Add a solar PV specification"),
            ),
            (
                "battery",
                self.battery_fields,
                ("battery", "蓄電池"),
                _("Battery specification"),
                _("Add a battery specification"),
            ),
        ):
            if self._shown(group, names, words):
                out.append(
                    f'<fieldset class="spec"><legend>{_esc(title)}</legend>'
                    f'<input type="hidden" name="{self.prefix}-open_{group}" value="1">'
                    f'<div class="grid">{self.blocks(*names)}</div></fieldset>'
                )
            else:
                buttons.append(self._button("add", f"open:{self.prefix}-{group}", f"+ {add}"))
        if buttons:
            out.append(f'<p class="specs">{" ".join(buttons)}</p>')
        return mark_safe("".join(out))


class CostForm(EditorForm):
    """A row of form 4 (経費内訳): fiscal year, item, amount; own products at cost (2.(7))."""

    fiscal_year = forms.TypedChoiceField(
        label=gettext_lazy("Fiscal year"), required=False, coerce=int, widget=Select
    )
    item = forms.ChoiceField(label=gettext_lazy("Cost item"), required=False, widget=Select)
    description = TextField(label=gettext_lazy("Description"))
    amount_jpy = YenField(label=gettext_lazy("Amount (yen)"))
    own_product = _checkbox(gettext_lazy("Own product"))
    cost_price_jpy = YenField(label=gettext_lazy("Cost price (yen)"))

    @classmethod
    def configure(cls, fields: dict[str, forms.Field], choices: EditorChoices) -> None:
        fields["fiscal_year"].choices = choices.fiscal_years
        fields["fiscal_year"].error_messages["invalid_choice"] = choices.fiscal_year_error
        fields["item"].choices = choices.cost_items
        fields["item"].error_messages["invalid_choice"] = choices.cost_item_error

    @property
    def row(self) -> SafeString:
        """The row of form 4's table, with its remove button."""
        number = int(self.prefix.rsplit("-", 1)[1]) + 1
        cells = "".join(
            f"<td{' class=c' if n == 'own_product' else ''}>{self[n].cell}</td>"
            for n in self.fields
        )
        remove = self._button(
            "icon", f"remove:{self.prefix}", "×", _("Remove cost row %(n)s") % {"n": number}
        )
        return mark_safe(f"<tr>{cells}<td>{remove}</td></tr>")


class FinancingForm(EditorForm):
    payback_years_with_subsidy = NumberField(
        label=gettext_lazy("Payback with the subsidy (years)"),
        example="5.5",
        min_value=Decimal(0),
        help_text=gettext_lazy("The guideline is at least 3 years (annex 2 3.(2)(B)②)."),
    )


class FundingForm(EditorForm):
    party = TextField(label=gettext_lazy("Funding party"))
    amount_jpy = YenField(label=gettext_lazy("Amount (yen)"))


class MethodologyForm(EditorForm):
    approved = MethodologiesField(
        label=gettext_lazy("Approved JCM methodologies for the project"),
        help_text=gettext_lazy("Ids separated by commas, e.g. VN_AM006, ID_AM004."),
    )
    proposed = _checkbox(gettext_lazy("A new methodology is being proposed"))
    monitoring_plan = _tri(gettext_lazy("Monitoring method and structure are planned"))


class TargetsForm(EditorForm):
    """Certifications and targets of the representative (annex 2 3.(2)(E), (F))."""

    carbon_neutral_target = _checkbox(
        gettext_lazy("2050 carbon-neutral or similar reduction target set (E①)")
    )
    interim_or_scope3_target = _checkbox(gettext_lazy("Interim or Scope 3 target set (E①)"))
    target_published_at = TextField(
        label=gettext_lazy("Where the target is published (URL)"), max_length=500
    )
    decokatsu_supporters = _checkbox(gettext_lazy("Member of the Decokatsu supporters (E②)"))
    decokatsu_declaration = _checkbox(gettext_lazy("Decokatsu declaration registered (E③)"))
    co_innovation_or_hydrogen_project = _checkbox(
        gettext_lazy("Carried out as a co-innovation or hydrogen new-technology project (F)")
    )


class DeclarationsForm(EditorForm):
    """Screening items (annex 2 3.(1)) that only the applicant can state; the office confirms."""

    climate_policy_alignment = _tri(
        gettext_lazy("Consistent with the partner country's climate policy (3.(1) 2))")
    )
    quantifiable_reduction = _tri(
        gettext_lazy("The reduction is quantifiable, not from lower activity (3.(1) 2))")
    )
    partner_objection = _tri(gettext_lazy("The partner country has objected (3.(1) 2))"))
    fossil_fired_power = _checkbox(gettext_lazy("Fossil-fired power generation (3.(1) 3))"))
    fossil_exception = _tri(
        gettext_lazy("Fossil-fired: heat use or CCS exception applies (3.(1) 3) ※)")
    )
    superiority_evidence = _tri(
        gettext_lazy("Data or literature show the technology's superiority (3.(1) 4))")
    )
    commercial_track_record = _tri(
        gettext_lazy("Commercial operation or mass production (3.(1) 5))")
    )
    local_support = _tri(gettext_lazy("Maintenance skills and local support (3.(1) 5))"))
    market_strategy = _tri(gettext_lazy("Market and self-sustaining diffusion strategy (3.(1) 6))"))
    cost_basis = _tri(gettext_lazy("Costs are based on records, designs or quotations (3.(1) 8))"))
    infrastructure_initiative_alignment = _tri(
        gettext_lazy("Consistent with the decarbonising-infrastructure initiative (3.(1) 9))")
    )
    environmental_compliance = _tri(
        gettext_lazy("Complies with the partner country's environmental law (3.(1) 10))")
    )
    sdgs_and_gender = _tri(gettext_lazy("Contributes to the SDGs; gender guideline (3.(1) 11))"))
    human_rights_due_diligence = _tri(gettext_lazy("Human-rights due diligence (3.(1) 12))"))
    jica_linked = _checkbox(
        gettext_lazy("Linked to JICA or government-affiliated finance (3.(1) 13))")
    )
    oda_scope_separated = _tri(gettext_lazy("The ODA-funded scope is separated (3.(1) 13))"))
    other_japanese_subsidy = _tri(
        gettext_lazy("Another Japanese subsidy is received for it (3.(1) 14))")
    )


class MilestonesForm(EditorForm):
    naiji_on = _date(gettext_lazy("Notice of selection (内示) expected on"))
    planned_completion_on = _date(gettext_lazy("Planned completion"))
    operation_start_on = _date(gettext_lazy("Start of operation"))
    bilateral_valid_until = _date(gettext_lazy("Bilateral JCM document valid until"))


class ProjectIdeaForm(EditorForm):
    """The English project information of the PIN (form 3-16, 5.(3)①(エ): プロジェクト情報や
    クレジット配分案等を、英文で); the office cannot send the PIN without it."""

    title_en = TextField(
        label=gettext_lazy("Project title in English (for the PIN, form 3-16)"), max_length=300
    )
    summary_en = TextField(
        label=gettext_lazy("Project outline in English (for the PIN)"),
        max_length=5000,
        widget=Textarea(attrs={"rows": 4}),
    )


class CreditForm(EditorForm):
    """A row of the proposed allocation of JCM credits (cf. form 5); the shares make 100 %."""

    party = TextField(label=gettext_lazy("Party"), max_length=200)
    share_percent = NumberField(
        label=gettext_lazy("Share (%)"),
        example="50",
        min_value=Decimal(0),
        max_value=Decimal(100),
    )


_FORMS: tuple[type[EditorForm], ...] = (
    BasicForm,
    LeaseForm,
    RepresentativeForm,
    PartnerForm,
    SiteForm,
    LineForm,
    CostForm,
    FinancingForm,
    FundingForm,
    MethodologyForm,
    TargetsForm,
    DeclarationsForm,
    MilestonesForm,
    ProjectIdeaForm,
    CreditForm,
)


def _resolved(field: forms.Field) -> None:
    """Translate the field's texts once (lazy texts cost a lookup on every use)."""
    field.label = str(field.label) if field.label is not None else None
    field.help_text = str(field.help_text)
    field.error_messages = {k: str(v) for k, v in field.error_messages.items()}
    if isinstance(field.widget, TriState):
        field.widget.choices = [(v, str(lab)) for v, lab in field.widget.choices]
    if isinstance(field, forms.ChoiceField):
        field.choices = [
            (str(v), [(a, str(b)) for a, b in lab])
            if isinstance(lab, (list, tuple))
            else (v, str(lab))
            for v, lab in field.choices
        ]


@cache
def _form_classes(rulebook_id: str, lang: str) -> dict[str, type[EditorForm]]:
    with translation.override(lang):
        choices = EditorChoices(load_rulebook(rulebook_id), lang)
        out: dict[str, type[EditorForm]] = {}
        for cls in _FORMS:
            fields = copy.deepcopy(dict(cls.base_fields))
            cls.configure(fields, choices)
            for field in fields.values():
                _resolved(field)
            made = type(cls.__name__, (cls,), {"__module__": cls.__module__, "choices": choices})
            made.base_fields = _SharedFields(fields)
            out[cls.__name__] = made
        return out


def form_classes(book: Any, lang: str) -> dict[str, type[EditorForm]]:
    """The editor's forms for a rulebook in a language, by class name (made once, cached)."""
    return _form_classes(book.id, lang)
