"""The structured proposal editor: a JCM proposal document ⇄ the forms of the editor page.

A proposal lives in three shapes:

- the document: the rules core's mapping (``Proposal.document``, schema ``JcmProposal``);
- flat form data, ``name → text``, what the browser posts; ``document_to_data`` writes it and
  ``apply_action`` adds or removes a partner, site, technology line, cost row (form 4) or funding
  row on it, so nothing typed is lost by a structural change;
- the bound forms, ``ProposalEditor``: Django checks the format of every field and
  ``to_document`` turns the cleaned values back into a document. Keys the form does not own
  (the call, the targeted deadline, the assessment date, reviewer scores, documents, anything
  unknown) are kept from the stored document.

Whether the document is complete and passes the call is the rules core's answer:
``ProposalEditor.attach_issues`` puts its "required before submitting" answers next to the
fields, and ``assess`` summarises its assessment (rate caps, maximum subsidy, cost-effectiveness
against its limit, 事務費, missing documents, computed score items) for the live panel.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import ValidationError

from renkei.errors import RenkeiError
from renkei.proposals.forms import (
    BasicForm,
    CostForm,
    CreditForm,
    DeclarationsForm,
    EditorForm,
    FinancingForm,
    FundingForm,
    LeaseForm,
    LineForm,
    MethodologiesField,
    MethodologyForm,
    MilestonesForm,
    PartnerForm,
    ProjectIdeaForm,
    RepresentativeForm,
    SiteForm,
    TargetsForm,
    YenField,
    form_classes,
    technologies,
)
from renkei.proposals.names import english_sentence, jcm_name, subject_label
from renkei.proposals.services import document_errors
from renkei.proposals.templatetags.renkei import status_label
from renkei.rules import assess_proposal, load_rulebook, validate_proposal
from renkei.rules.countries import country_name_en, iso_codes
from renkei.rules.jcm import JcmProposal
from renkei.rules.useful_lives import useful_lives

logger = logging.getLogger(__name__)

#: top-level keys the form owns; every other key of the stored document is kept as it is
OWNED = (
    "title",
    "kind",
    "country",
    "pre_registered_on",
    "consortium",
    "sites",
    "lease",
    "deferred_payment",
    "deferred_payment_benefit_documented",
    "financing",
    "methodology",
    "declarations",
    "targets",
    "milestones",
    "project_idea",
)
_BASIC = tuple(BasicForm.base_fields)


# --- how large the form editor goes ---------------------------------------------------------
# Every row of a list is a form the server builds, checks and renders, and a posted
# ``…-TOTAL_FORMS`` decides how many: without bounds a 16 KB request could make the server build
# hundreds of thousands of forms. The bounds are far above a real proposal (the largest sample
# has 3 sites; the editor's benchmark 20 sites of 3 lines and 12 cost rows, ~800 forms); a
# proposal beyond them is still stored, assessed and edited whole in the YAML editor.

#: partner participants of the consortium (2.(4)②)
MAX_PARTNERS = 30
#: sites (form 4 per site)
MAX_SITES = 100
#: technology lines of one site
MAX_LINES_PER_SITE = 20
#: cost rows (form 4's 経費内訳) of one technology line
MAX_COSTS_PER_LINE = 60
#: rows of the funding plan
MAX_FUNDING_ROWS = 30
#: rows of the credit allocation between the partner participants (form 3-16)
MAX_CREDIT_ROWS = 30
#: forms one page builds in all (the single sections included); ~1 s of work at most
MAX_FORMS = 3000


class TooLarge(ValueError):
    """Form data whose row counts go beyond the editor's bounds: refused before a form is built.
    The message says which list, how many rows were asked for and how many are allowed."""


def _rows_asked(data: Mapping[str, str], formset: str, limit: int) -> int:
    asked = _count(data, formset)
    if asked > limit:
        raise TooLarge(
            _(
                "%(what)s: %(asked)s rows were sent; the form editor takes at most %(limit)s. "
                "Edit a larger proposal in the YAML editor."
            )
            % {"what": _list_label(formset), "asked": asked, "limit": limit}
        )
    return asked


def _total_checked(total: int) -> int:
    if total > MAX_FORMS:
        raise TooLarge(
            _(
                "The form would have more than %(limit)s rows and sections; the form editor "
                "takes at most %(limit)s. Edit a larger proposal in the YAML editor."
            )
            % {"limit": MAX_FORMS}
        )
    return total


def check_size(data: Mapping[str, str]) -> int:
    """The number of forms a JCM editor page would build from ``data``; raises TooLarge beyond
    the bounds (``MAX_*``), before any form is made."""
    total = 11  # the single sections: basic, lease, representative, financing, …
    total += _rows_asked(data, "partners", MAX_PARTNERS)
    total += _rows_asked(data, "funding", MAX_FUNDING_ROWS)
    total += _rows_asked(data, "credits", MAX_CREDIT_ROWS)
    for i in range(_rows_asked(data, "sites", MAX_SITES)):
        lines = _rows_asked(data, f"sites-{i}-lines", MAX_LINES_PER_SITE)
        total = _total_checked(total + 1 + lines)
        for j in range(lines):
            costs = _rows_asked(data, f"sites-{i}-lines-{j}-costs", MAX_COSTS_PER_LINE)
            total = _total_checked(total + costs)
    return _total_checked(total)


#: the most rows of each list of the JCM form, by formset prefix pattern
_LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^partners$"), MAX_PARTNERS),
    (re.compile(r"^funding$"), MAX_FUNDING_ROWS),
    (re.compile(r"^credits$"), MAX_CREDIT_ROWS),
    (re.compile(r"^sites$"), MAX_SITES),
    (re.compile(r"^sites-\d+-lines$"), MAX_LINES_PER_SITE),
    (re.compile(r"^sites-\d+-lines-\d+-costs$"), MAX_COSTS_PER_LINE),
)


# --- formsets -------------------------------------------------------------------------------


class _FormSet(forms.BaseFormSet):
    """A formset whose forms may hold a nested formset (site → lines → cost rows).

    ``classes`` are the page's form classes (``form_classes``): each formset makes its forms
    from the one named like its declared form.
    """

    child: tuple[str, type[_FormSet]] | None = None

    def __init__(self, data: Mapping[str, str], *, prefix: str, classes: dict[str, type], url: str):
        self.classes = classes
        self.url = url
        self.form = classes[self.form.__name__]
        super().__init__(data, prefix=prefix, form_kwargs={"url": url})

    def initial_form_count(self) -> int:
        """Every row is validated as given (all fields are optional; empty rows are left out of
        the document), so no row is an "extra" one that Django compares with its initial."""
        return self.total_form_count() if self.is_bound else 0

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.children = None
        if self.child is not None and index is not None:
            suffix, formset = self.child
            form.children = formset(
                self.data, prefix=f"{form.prefix}-{suffix}", classes=self.classes, url=self.url
            )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid, *(f.children.is_valid() for f in self.forms if f.children)])


def _formset(
    form: type[EditorForm], base: type[_FormSet] = _FormSet, *, limit: int, **attrs: Any
) -> type:
    """A formset of at most ``limit`` forms: Django builds no more than that whatever
    ``TOTAL_FORMS`` says, and says so (the editors also refuse beyond it, ``check_size``)."""
    cls = forms.formset_factory(
        form, formset=base, extra=0, max_num=limit, absolute_max=limit, validate_max=True
    )
    for key, value in attrs.items():
        setattr(cls, key, value)
    return cls


CostFormSet = _formset(CostForm, limit=MAX_COSTS_PER_LINE)
LineFormSet = _formset(LineForm, limit=MAX_LINES_PER_SITE, child=("costs", CostFormSet))


class _SiteFormSet(_FormSet):
    def clean(self) -> None:
        seen: dict[str, int] = {}
        for form in self.forms:
            site_id = (form.cleaned_data or {}).get("id")
            if site_id and site_id in seen:
                form.add_error(
                    "id",
                    _("Site id “%(id)s” is already used by site %(n)s; give each site its own id.")
                    % {"id": site_id, "n": seen[site_id]},
                )
            elif site_id:
                seen[site_id] = len(seen) + 1


SiteFormSet = _formset(SiteForm, base=_SiteFormSet, limit=MAX_SITES, child=("lines", LineFormSet))
PartnerFormSet = _formset(PartnerForm, limit=MAX_PARTNERS)
FundingFormSet = _formset(FundingForm, limit=MAX_FUNDING_ROWS)
CreditFormSet = _formset(CreditForm, limit=MAX_CREDIT_ROWS)

#: the formsets an add/remove button may name
_FORMSET_PREFIX = re.compile(
    r"^(partners|funding|credits|sites|sites-\d+-lines|sites-\d+-lines-\d+-costs)$"
)


# --- document → flat form data -----------------------------------------------------------------


def _number(value: Any) -> str:
    if isinstance(value, float):  # what a YAML loader may have stored: shown as written
        return format(Decimal(repr(value)), "f")
    return str(value)


def _text(field: forms.Field, value: Any) -> str | None:
    """A document value as the text its widget shows; None when the form cannot show it."""
    if value is None:
        return ""
    as_text = getattr(field, "as_text", None)
    if as_text is not None:  # a field that shows a structured value its own way
        return as_text(value)
    if isinstance(field, forms.NullBooleanField):
        return {True: "true", False: "false"}.get(value) if isinstance(value, bool) else None
    if isinstance(field, forms.BooleanField):
        return ("on" if value else "") if isinstance(value, bool) else None
    if isinstance(field, YenField) and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"  # read back without the separators
    if isinstance(field, MethodologiesField):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return value if isinstance(value, str) else None
    if isinstance(value, (bool, dict, list)):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return _number(value)
    return str(value)


def _mapping(value: Any, where: str, dropped: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        dropped.append(where)
        return {}
    return value


def _sequence(value: Any, where: str, dropped: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        dropped.append(where)
        return []
    return value


def _join(where: str, key: Any) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else key)


def _put(
    data: dict[str, str],
    prefix: str,
    form: type[EditorForm],
    mapping: dict[str, Any],
    where: str,
    dropped: list[str],
    *,
    strict: bool = True,
    skip: tuple[str, ...] = (),
) -> None:
    """Write the fields of ``form`` found in ``mapping``; note the keys it cannot show."""
    known: dict[str, set[str]] = {}
    for name, field in form.base_fields.items():
        path = form.path(name)
        node: Any = mapping
        for i, key in enumerate(path[:-1]):
            node = _mapping(node.get(key), _join(where, ".".join(path[: i + 1])), dropped)
            known.setdefault(key, set())
        value = node.get(path[-1])
        text = _text(field, value)
        if text is None:
            dropped.append(_join(where, ".".join(path)))
        elif text:
            data[f"{prefix}-{name}"] = text
        if len(path) == 1:
            known.setdefault(path[0], set())
        else:
            known[path[0]].add(path[1])
    if not strict:
        return
    for key, value in mapping.items():
        if key in skip:
            continue
        if key not in known:
            dropped.append(_join(where, key))
        elif known[key] and isinstance(value, dict):
            dropped.extend(_join(_join(where, key), k) for k in value if k not in known[key])


def _management(data: dict[str, str], prefix: str, count: int) -> None:
    data[f"{prefix}-TOTAL_FORMS"] = str(count)
    data[f"{prefix}-INITIAL_FORMS"] = "0"


def document_to_data(document: Any) -> tuple[dict[str, str], list[str]]:
    """The form data showing ``document``, and the paths of what the form cannot show."""
    data: dict[str, str] = {}
    dropped: list[str] = []
    doc = document if isinstance(document, dict) else {}
    _put(data, "basic", BasicForm, doc, "", dropped, strict=False)
    _put(data, "lease", LeaseForm, _mapping(doc.get("lease"), "lease", dropped), "lease", dropped)
    consortium = _mapping(doc.get("consortium"), "consortium", dropped)
    dropped.extend(f"consortium.{k}" for k in consortium if k not in ("representative", "partners"))
    rep = _mapping(consortium.get("representative"), "consortium.representative", dropped)
    _put(data, "rep", RepresentativeForm, rep, "consortium.representative", dropped)
    if not rep:  # a new draft: the representative is a Japanese corporation (2.(4)①)
        data["rep-country"] = "JP"
    partners = _sequence(consortium.get("partners"), "consortium.partners", dropped)
    _management(data, "partners", len(partners))
    for i, partner in enumerate(partners):
        where = f"consortium.partners[{i}]"
        _put(data, f"partners-{i}", PartnerForm, _mapping(partner, where, dropped), where, dropped)
    sites = _sequence(doc.get("sites"), "sites", dropped)
    if not sites:  # a new draft shows form 4's structure: a site, a line and a cost row
        _management(data, "sites", 1)
        _management(data, "sites-0-lines", 1)
        _management(data, "sites-0-lines-0-costs", 1)
    else:
        _management(data, "sites", len(sites))
    for i, site_value in enumerate(sites):
        where = f"sites[{i}]"
        site = _mapping(site_value, where, dropped)
        _put(data, f"sites-{i}", SiteForm, site, where, dropped, skip=("technologies",))
        lines = _sequence(site.get("technologies"), f"{where}.technologies", dropped)
        _management(data, f"sites-{i}-lines", len(lines))
        for j, line_value in enumerate(lines):
            lwhere = f"{where}.technologies[{j}]"
            line = _mapping(line_value, lwhere, dropped)
            prefix = f"sites-{i}-lines-{j}"
            _put(data, prefix, LineForm, line, lwhere, dropped, skip=("costs",))
            costs = _sequence(line.get("costs"), f"{lwhere}.costs", dropped)
            _management(data, f"{prefix}-costs", len(costs))
            for k, cost in enumerate(costs):
                cwhere = f"{lwhere}.costs[{k}]"
                _put(
                    data,
                    f"{prefix}-costs-{k}",
                    CostForm,
                    _mapping(cost, cwhere, dropped),
                    cwhere,
                    dropped,
                )
    financing = _mapping(doc.get("financing"), "financing", dropped)
    _put(data, "fin", FinancingForm, financing, "financing", dropped, skip=("funding",))
    funding = _sequence(financing.get("funding"), "financing.funding", dropped)
    _management(data, "funding", len(funding))
    for i, row in enumerate(funding):
        where = f"financing.funding[{i}]"
        _put(data, f"funding-{i}", FundingForm, _mapping(row, where, dropped), where, dropped)
    for prefix, form, key in _SECTIONS:
        _put(data, prefix, form, _mapping(doc.get(key), key, dropped), key, dropped)
    idea = _mapping(doc.get("project_idea"), "project_idea", dropped)
    _put(data, "pin", ProjectIdeaForm, idea, "project_idea", dropped, skip=("credit_allocation",))
    credits = _sequence(idea.get("credit_allocation"), "project_idea.credit_allocation", dropped)
    _management(data, "credits", len(credits))
    for i, row in enumerate(credits):
        where = f"project_idea.credit_allocation[{i}]"
        _put(data, f"credits-{i}", CreditForm, _mapping(row, where, dropped), where, dropped)
    return data, list(dict.fromkeys(dropped))


_SECTIONS: tuple[tuple[str, type[EditorForm], str], ...] = (
    ("meth", MethodologyForm, "methodology"),
    ("targets", TargetsForm, "targets"),
    ("decl", DeclarationsForm, "declarations"),
    ("ms", MilestonesForm, "milestones"),
)


# --- structural changes on the flat data ------------------------------------------------------


def form_data(post: Mapping[str, Any]) -> dict[str, str]:
    """The editor's fields of a POST (the last value of each name)."""
    skip = {"csrfmiddlewaretoken", "editor_action", "editor"}
    data = {k: str(post.get(k, "")) for k in post if k not in skip}
    for key in [k for k in data if k.endswith("-TOTAL_FORMS")]:  # rows count as given
        data.setdefault(key.removesuffix("TOTAL_FORMS") + "INITIAL_FORMS", "0")
    return data


_TOTAL = forms.IntegerField(required=False)  # read as Django's management form reads it


def _count(data: Mapping[str, str], formset: str) -> int:
    try:
        return max(0, _TOTAL.clean(data.get(f"{formset}-TOTAL_FORMS")) or 0)
    except forms.ValidationError:
        return 0


def apply_action(
    data: dict[str, str],
    action: str,
    formsets: re.Pattern[str] = _FORMSET_PREFIX,
    limits: tuple[tuple[re.Pattern[str], int], ...] = _LIMITS,
) -> tuple[dict[str, str], str | None]:
    """Add a row to a formset (``add:sites-0-lines``), remove one (``remove:sites-1``) or show
    a line's solar or battery specification (``open:sites-0-lines-1-solar``).

    Returns the new data and what to focus: the new form's prefix or a field's name.
    Raises ValueError for an action that names no formset of the editor, and TooLarge for a row
    beyond the list's bound (``limits``).
    """
    verb, _sep, target = action.partition(":")
    data = dict(data)
    if verb == "add" and formsets.match(target):
        n = _count(data, target)
        limit = next((lim for pattern, lim in limits if pattern.match(target)), None)
        if limit is not None and n >= limit:
            raise TooLarge(
                _("%(what)s: the form editor takes at most %(limit)s rows.")
                % {"what": _list_label(target), "limit": limit}
            )
        _management(data, target, n + 1)
        new = f"{target}-{n}"
        if target == "sites":
            _management(data, f"{new}-lines", 1)
            _management(data, f"{new}-lines-0-costs", 1)
        elif target.endswith("-lines"):
            _management(data, f"{new}-costs", 1)
        elif target.endswith("-costs") and n:
            # a new row of form 4 continues the fiscal year of the row above it
            year = data.get(f"{target}-{n - 1}-fiscal_year", "")
            if year:
                data[f"{new}-fiscal_year"] = year
        return data, new
    spec = re.match(r"^(sites-\d+-lines-\d+)-(solar|battery)$", target)
    if verb == "open" and spec:
        line, group = spec.groups()
        data[f"{line}-open_{group}"] = "1"
        first = "capacity_mw" if group == "solar" else "capacity_mwh"
        return data, f"{line}-{group}_{first}"
    match = re.match(r"^(.+)-(\d+)$", target)
    if verb == "remove" and match and formsets.match(match.group(1)):
        formset, index = match.group(1), int(match.group(2))
        total = _count(data, formset)
        if index < total:
            out: dict[str, str] = {}
            head = f"{formset}-"
            for key, value in data.items():
                if key.startswith(head):
                    number, _sep, tail = key[len(head) :].partition("-")
                    if number.isdigit():
                        j = int(number)
                        if j == index:
                            continue
                        if j > index:
                            key = f"{head}{j - 1}-{tail}"
                out[key] = value
            _management(out, formset, total - 1)
            return out, None
        return data, None
    raise ValueError(f"unknown editor action {action!r}")


# --- forms → document ---------------------------------------------------------------------


def _value(field: forms.Field, value: Any) -> Any:
    """A cleaned value as the document holds it (JSON types); None means leave the key out."""
    if isinstance(field, forms.NullBooleanField):
        return value
    if isinstance(field, forms.BooleanField):
        return True if value else None
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        return value or None
    return value


class ProposalEditor:
    """Every form of a JCM proposal, bound to flat form data."""

    def __init__(
        self,
        data: Mapping[str, str],
        *,
        book: Any,
        lang: str,
        url: str = "",
        focus: str | None = None,
    ):
        self.form_count = check_size(data)  # before any form is built
        if "credits-TOTAL_FORMS" not in data:  # a page opened before the PIN fields existed
            data = {**data, "credits-TOTAL_FORMS": "0", "credits-INITIAL_FORMS": "0"}
        self.data = data
        self.book = book
        classes = form_classes(book, lang)
        self.choices = classes["LineForm"].choices

        def one(name: str, prefix: str) -> EditorForm:
            return classes[name](data, prefix=prefix, url=url)

        def many(formset: type[_FormSet], prefix: str) -> _FormSet:
            return formset(data, prefix=prefix, classes=classes, url=url)

        self.basic = one("BasicForm", "basic")
        self.lease = one("LeaseForm", "lease")
        self.representative = one("RepresentativeForm", "rep")
        self.partners = many(PartnerFormSet, "partners")
        self.sites = many(SiteFormSet, "sites")
        self.financing = one("FinancingForm", "fin")
        self.funding = many(FundingFormSet, "funding")
        self.methodology = one("MethodologyForm", "meth")
        self.targets = one("TargetsForm", "targets")
        self.declarations = one("DeclarationsForm", "decl")
        self.milestones = one("MilestonesForm", "ms")
        self.project_idea = one("ProjectIdeaForm", "pin")
        self.credits = many(CreditFormSet, "credits")
        self.container_issues: dict[str, str] = {}
        self.other_issues: list[str] = []
        self._fields: dict[tuple[Any, ...], tuple[EditorForm, str]] = {}
        self._containers: dict[tuple[Any, ...], str] = {}
        if focus:  # a new form (its first field) or one field, after add/open
            for form in self.forms():
                name = focus.removeprefix(f"{form.prefix}-")
                if form.prefix == focus:
                    form.focus = f"{focus}-{next(iter(form.fields))}"
                elif name != focus and name in form.fields:
                    form.focus = focus

    # --- walking the forms
    def formsets(self) -> Iterator[forms.BaseFormSet]:
        yield self.partners
        yield self.funding
        yield self.credits
        yield self.sites
        for site in self.sites:
            yield site.children
            for line in site.children:
                yield line.children

    def forms(self) -> Iterator[EditorForm]:
        yield from (self.basic, self.lease, self.representative)
        yield from self.partners
        for site in self.sites:
            yield site
            for line in site.children:
                yield line
                yield from line.children
        yield from (self.financing, *self.funding, self.methodology)
        yield from (self.targets, self.declarations, self.milestones)
        yield from (self.project_idea, *self.credits)

    def is_valid(self) -> bool:
        valid = all(
            [*(f.is_valid() for f in self.forms()), *(s.is_valid() for s in self.formsets())]
        )
        self._check_transfer()
        return valid

    # --- the lease (2.(6)①)
    def partner_names(self) -> list[str]:
        """The partner participants as typed in the form (names and English names): whom the
        equipment of a lease may be transferred to (2.(6)①)."""
        names = []
        for form in self.partners:
            for name in ("name", "name_en"):
                value = str(form[name].value() or "").strip()
                if value:
                    names.append(value)
        return list(dict.fromkeys(names))

    def _check_transfer(self) -> None:
        """Beside the field, what the rules core finds of a transfer (``lease_term``): it names
        nobody, or someone not a partner participant of the consortium. Not a wrong form (the
        draft is saved; the assessment fails it when the lease ends before the useful life)."""
        lease = getattr(self, "lease", None)  # none in a C3P editor (a subclass)
        cleaned = getattr(lease, "cleaned_data", None) or {}
        if cleaned.get("after_lease") != "transfer" or "transfer_to" in lease.errors:
            return
        named = cleaned.get("transfer_to", "")
        partners = self.partner_names()
        if not named:
            message = _("Name the partner participant that receives the equipment (2.(6)①).")
        elif named in partners:
            return
        elif partners:
            message = _(
                "“%(name)s” is not a partner participant of this proposal; 2.(6)① allows a "
                "transfer only to one of them (%(partners)s)."
            ) % {"name": named, "partners": " / ".join(partners)}
        else:
            message = _(
                "“%(name)s” is not a partner participant of this proposal; 2.(6)① allows a "
                "transfer only to one of them: add it under “Partner participants”."
            ) % {"name": named}
        lease.issues.setdefault("transfer_to", message)

    def lease_open(self) -> bool:
        """Whether the lease section is shown open: anything typed in it, an error or a
        remark in it, an eco-lease or a deferred payment."""
        lease, basic = self.lease, self.basic
        return (
            any(lease[n].value() not in (None, "") for n in lease.fields)
            or bool(lease.errors or lease.issues)
            or basic["kind"].value() == "eco_lease"
            or bool(basic["deferred_payment"].value())
            or "deferred_payment_benefit_documented" in basic.errors
        )

    def error_list(self) -> list[tuple[str, str, str]]:
        """(where, field id, message) for every field whose value has the wrong form."""
        out = []
        for form in self.forms():
            for name, errors in form.errors.items():
                if name in form.fields:
                    bound = form[name]
                    label = f"{_where(form)}{bound.label}"
                    out.extend((label, bound.auto_id, str(e)) for e in errors)
                else:
                    out.extend((_where(form).rstrip(": "), "", str(e)) for e in errors)
        for formset in self.formsets():
            out.extend(("", "", str(e)) for e in formset.non_form_errors())
        return out

    # --- building the document
    def _emit(self, form: EditorForm, loc: tuple[Any, ...]) -> dict[str, Any]:
        if loc:
            self._containers[loc] = form.prefix
        out: dict[str, Any] = {}
        cleaned = getattr(form, "cleaned_data", None) or {}
        for name, field in form.fields.items():
            path = form.path(name)
            self._fields[loc + path] = (form, name)
            value = _value(field, cleaned.get(name))
            if value is None:
                continue
            node = out
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return out

    def to_document(self, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The document the forms say, on top of ``base``'s keys the form does not own.

        Entirely empty rows (a cost row, a partner, a site with nothing typed) are left out.
        Call only after ``is_valid()``.
        """
        self._fields.clear()
        self._containers.clear()
        owned: dict[str, Any] = {}
        basic = self._emit(self.basic, ())
        owned.update(basic)
        consortium: dict[str, Any] = {}
        rep = self._emit(self.representative, ("consortium", "representative"))
        self._containers[("consortium",)] = "consortium"
        if rep:
            consortium["representative"] = rep
        partners = self._rows(self.partners, ("consortium", "partners"))
        if partners:
            consortium["partners"] = partners
        if consortium:
            owned["consortium"] = consortium
        self._containers[("sites",)] = "sites"
        sites = []
        for site_form in self.sites:
            loc = ("sites", len(sites))
            site = self._emit(site_form, loc)
            lines = []
            self._containers[(*loc, "technologies")] = site_form.children.prefix
            for line_form in site_form.children:
                lloc = (*loc, "technologies", len(lines))
                line = self._emit(line_form, lloc)
                self._containers[(*lloc, "costs")] = line_form.children.prefix
                costs = self._rows(line_form.children, (*lloc, "costs"))
                if costs:
                    line["costs"] = costs
                if line:
                    lines.append(line)
            if lines:
                site["technologies"] = lines
            if site:
                sites.append(site)
        if sites:
            owned["sites"] = sites
        lease = self._emit(self.lease, ("lease",))
        if lease:
            owned["lease"] = lease
        financing = self._emit(self.financing, ("financing",))
        funding = self._rows(self.funding, ("financing", "funding"))
        if funding:
            financing["funding"] = funding
        if financing:
            owned["financing"] = financing
        for attr, key in (
            ("methodology", "methodology"),
            ("declarations", "declarations"),
            ("targets", "targets"),
            ("milestones", "milestones"),
        ):
            section = self._emit(getattr(self, attr), (key,))
            if section:
                owned[key] = section
        idea = self._emit(self.project_idea, ("project_idea",))
        self._containers[("project_idea", "credit_allocation")] = "credits"
        credits = self._rows(self.credits, ("project_idea", "credit_allocation"))
        if credits:
            idea["credit_allocation"] = credits
        if idea:
            owned["project_idea"] = idea
        return _ordered(base or {}, owned)

    def _rows(self, formset: forms.BaseFormSet, loc: tuple[Any, ...]) -> list[dict[str, Any]]:
        rows = []
        for form in formset:
            row = self._emit(form, (*loc, len(rows)))
            if row:
                rows.append(row)
        return rows

    # --- the rules core's answers, placed on the page
    def container_label(self, prefix: str) -> str:
        """What a section or list of rows is called in the list of what is still needed."""
        return _container_label(prefix)

    def attach_issues(self, document: dict[str, Any]) -> list[tuple[str, str, str]]:
        """Put what the rules core still needs beside its fields; return them for the panel.

        Call after ``to_document`` (which records where each document path is in the form).
        """
        try:
            validate_proposal(document)
        except ValidationError as exc:
            errors = exc.errors()
        else:
            return []
        out = []
        call = document.get("call")
        for err in errors:
            loc = tuple(err["loc"])
            if loc and loc[0] == call:
                loc = loc[1:]
            message = _issue_message(err, loc)
            if loc in (("consortium",), ("consortium", "representative")):
                loc = ("consortium", "representative", "name")  # where it starts
            if loc in self._fields:
                form, name = self._fields[loc]
                form.issues.setdefault(name, message)
                out.append((f"{_where(form)}{form[name].label}", form[name].auto_id, message))
            elif loc and (loc in self._containers or loc[:1] in (("consortium",), ("sites",))):
                prefix = self._containers.get(loc) or self._containers.get(loc[:1], "")
                self.container_issues.setdefault(prefix, message)
                anchor = "sec-consortium" if prefix == "rep" else f"sec-{prefix}"
                out.append((self.container_label(prefix), anchor, message))
            else:
                text = err.get("msg", "")
                self.other_issues.append(text)
                out.append(("", "", text))
        for formset in self.formsets():
            formset.issue = self.container_issues.get(formset.prefix, "")
        return out


def _ordered(
    base: Mapping[str, Any],
    owned: dict[str, Any],
    model: Any = JcmProposal,
    owned_keys: tuple[str, ...] = OWNED,
) -> dict[str, Any]:
    """The schema's key order; the keys the form does not own come from ``base``."""
    out: dict[str, Any] = {}
    for key in model.model_fields:
        if key in owned_keys:
            if key in owned:
                out[key] = owned[key]
        elif key in base:
            out[key] = base[key]
    out.update({k: v for k, v in base.items() if k not in out and k not in owned_keys})
    return out


def _issue_message(err: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    kind = err.get("type", "")
    rows = bool(loc) and loc[-1] in ("sites", "technologies", "costs")
    if kind == "too_short" or (kind == "missing" and rows):
        return _("Add at least one before the proposal can be submitted.")
    if kind == "missing" and loc in (("consortium",), ("consortium", "representative")):
        return _("Fill in the representative participant before the proposal can be submitted.")
    if kind in ("missing", "string_too_short"):
        return _("Required before the proposal can be submitted.")
    shares = _SHARES.search(str(err.get("msg", "")))
    if loc == ("project_idea",) and shares:
        return _(
            "The shares of the credit allocation add up to %(total)s %%; they must make 100 %%."
        ) % {"total": shares.group(1)}
    return str(err.get("msg", ""))


_SHARES = re.compile(r"credit_allocation shares add up to ([\d.]+)%")


def _where(form: EditorForm) -> str:
    """Where a form is on the page, e.g. “Site 2, line 1, cost row 3: ”."""
    parts = form.prefix.split("-")
    if parts[0] == "sites":
        nums = [int(p) + 1 for p in parts[1::2]]
        labels = [_("Site %(n)s"), _("line %(n)s"), _("cost row %(n)s")]
        return ", ".join(lab % {"n": n} for lab, n in zip(labels, nums, strict=False)) + ": "
    if parts[0] == "partners":
        return _("Partner %(n)s") % {"n": int(parts[1]) + 1} + ": "
    if parts[0] == "funding":
        return _("Funding row %(n)s") % {"n": int(parts[1]) + 1} + ": "
    if parts[0] == "credits":
        return _("Credit allocation row %(n)s") % {"n": int(parts[1]) + 1} + ": "
    row_label = getattr(form, "row_label", None)  # e.g. "Equipment item %(n)s" (C3P)
    if row_label and len(parts) == 2 and parts[1].isdigit():
        return str(row_label) % {"n": int(parts[1]) + 1} + ": "
    return ""


def _list_label(prefix: str) -> str:
    """What a list of rows is called in a message about its size."""
    labels = {
        "partners": _("Partner participants"),
        "funding": _("Funding rows"),
        "credits": _("Credit allocation rows"),
        "targets": _("GHG targets"),
        "equipment": _("Equipment items"),
    }
    return labels.get(prefix) or _container_label(prefix)


def _container_label(prefix: str) -> str:
    if prefix == "rep":
        return _("Representative participant")
    if prefix == "consortium":
        return _("Consortium")
    if prefix == "sites":
        return _("Sites")
    if prefix in ("credits", "pin"):
        return _("Proposed allocation of JCM credits")
    if prefix.endswith("-lines"):
        return _("Site %(n)s: technology lines") % {"n": int(prefix.split("-")[1]) + 1}
    if prefix.endswith("-costs"):
        parts = prefix.split("-")
        return _("Site %(site)s, line %(line)s: cost rows (form 4)") % {
            "site": int(parts[1]) + 1,
            "line": int(parts[3]) + 1,
        }
    return prefix


# --- the assessment, summarised for the live panel -------------------------------------------


def assess(document: dict[str, Any], lang: str, errors: list[str] | None = None) -> dict[str, Any]:
    """The rules core's assessment for the panel, or the reasons it cannot run yet."""
    if errors:
        return {"errors": errors}
    try:
        proposal = validate_proposal(document)
    except ValidationError:
        return {"errors": document_errors(document)}
    try:
        result = assess_proposal(proposal)
    except RenkeiError as exc:
        return {"errors": [str(exc)]}
    except (ArithmeticError, ValueError) as exc:
        # a stored document the validation let through but the rules cannot compute with: the
        # page says so and stays usable, so that the applicant can correct it
        logger.error("rules core failed on a valid document: %r", exc, exc_info=exc)
        return {
            "errors": [
                _(
                    "The rules could not compute with a figure in the document (%(error)s); "
                    "check that every number is of a realistic size."
                )
                % {"error": type(exc).__name__}
            ]
        }
    data = result.to_dict(lang)
    summary = summarise(data, proposal)  # matches findings by their subjects' keys
    book_id, english = data["rulebook"]["id"], lang.startswith("en")
    for section in data.get("sections", []):  # then keys such as heat_pump or
        for finding in section["findings"]:  # application_form are shown by their names
            if finding.get("subject"):
                finding["subject"] = subject_label(finding["subject"], book_id, lang)
            if english:
                finding["message"] = english_sentence(finding["message"], book_id)
    return {
        "result": data,
        "summary": summary,
        "findings_html": findings_html(data),
    }


def findings_html(result: dict[str, Any]) -> SafeString:
    """Every finding, section by section (rendered here: a 60-line proposal has ~450)."""
    labels: dict[str, str] = {}

    def label(status: str) -> str:
        if status not in labels:
            labels[status] = html.escape(status_label(status))
        return labels[status]

    out = []
    for sec in result.get("sections", []):
        status = html.escape(sec["status"])
        out.append(
            f'<h4>{html.escape(sec["title"])} <span class="status-{status}">'
            f"({label(sec['status'])})</span></h4><table>"
        )
        for f in sec["findings"]:
            subject = f"[{html.escape(f['subject'])}] " if f.get("subject") else ""
            notes = "".join(
                f'<div class="note">※ {html.escape(n["message"])}</div>' for n in f.get("notes", ())
            )
            st = html.escape(f["status"])
            out.append(
                f'<tr><td class="status-{st}">{label(f["status"])}</td>'
                f"<td><small>{html.escape(f['clause'])}</small></td>"
                f"<td>{subject}{html.escape(f['message'])}{notes}</td></tr>"
            )
        out.append("</table>")
    return mark_safe("".join(out))


def _percent(value: str | None) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).normalize():f}%"


def summarise(result: dict[str, Any], proposal: Any) -> dict[str, Any]:
    """The figures an applicant watches while editing, out of a full assessment."""
    figures = result.get("figures", {})
    findings = [f for s in result.get("sections", []) for f in s["findings"]]
    by_check: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_check.setdefault(f["check"], []).append(f)
    summary: dict[str, Any] = {"program": "c3p" if "project_type" in figures else "jcm"}
    # what fails first, apart from what the office confirms (issue 12, 18)
    summary["failures"] = [f for f in findings if f["status"] == "fail"]
    summary["to_confirm"] = [f for f in findings if f["status"] == "needs_review"]
    if summary["program"] == "c3p":
        return _summarise_c3p(summary, figures, findings, result["rulebook"]["id"])
    english = (get_language() or "ja").startswith("en")
    names = {
        t.id: (t.name_en if english else t.name_ja) for t in technologies(result["rulebook"]["id"])
    }
    subsidy, cap = figures.get("subsidy_jpy"), figures.get("max_subsidy_jpy")
    summary["over_cap"] = subsidy is not None and cap is not None and subsidy > cap
    effect = {f.get("subject"): f for f in by_check.get("jcm.cost_effectiveness", [])}
    lines = []
    for line in figures.get("lines", []):
        cap = line["rate_cap"]
        if cap.get("eligible") is False:
            rate = None
        elif "rate_cap" in cap:
            rate = _percent(cap["rate_cap"])
        else:
            rate = f"{_percent(cap.get('min'))}–{_percent(cap.get('max'))}"
        subject = f"{line['site']}/{line['technology']}"
        ce = effect.get(subject)
        lines.append(
            {
                "site": line["site"],
                "technology": names.get(line["technology"], line["technology"]),
                "rate_cap": rate,
                "eligible_cost_jpy": line["eligible_cost_jpy"],
                "max_subsidy_jpy": line["max_subsidy_jpy"],
                "subsidy_jpy": line["subsidy_jpy"],
                "over_cap": line["subsidy_jpy"] > line["max_subsidy_jpy"],
                "cost_effectiveness": ce["values"].get("value") if ce else None,
                "limit": ce["values"].get("limit") if ce else None,
                "status": ce["status"] if ce else "info",
            }
        )
    summary["lines"] = lines
    admin = by_check.get("jcm.costs.admin_cap", [])
    summary["admin"] = admin[0] if admin else None
    summary["missing_documents"] = [
        f
        for f in findings
        if f["check"].startswith("jcm.documents") and f["status"] in ("fail", "needs_review")
    ]
    summary["computed_scores"] = [
        {**v, "name": v.get("name_en" if english else "name_ja", "")}
        for v in (f["values"] for f in by_check.get("jcm.score.computed", []))
    ]
    summary["form4"] = form4_totals(proposal, result["rulebook"]["id"])
    return summary


def _summarise_c3p(
    summary: dict[str, Any], figures: dict[str, Any], findings: list[dict], rulebook_id: str
) -> dict[str, Any]:
    """A C3P proposal's contract amount against its cap (3.3 (3)), the outsourcing share, the
    computed items of Table 6 and the documents of 3.4 still missing."""
    book = load_rulebook(rulebook_id)
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    names = {i.id: i.name(lang) for i in book.scoring.items}
    summary["contract"] = {
        key: figures.get(key)
        for key in (
            "contract_pre_tax_jpy",
            "consumption_tax_jpy",
            "contract_total_incl_tax_jpy",
            "contract_cap_jpy",
        )
    }
    share = figures.get("outsourcing_share")
    summary["outsourcing_share"] = _percent(share) if share is not None else None
    summary["costs"] = [
        f
        for f in findings
        if f["check"].startswith("c3p.costs") and f["status"] in ("fail", "needs_review")
    ]
    summary["computed_scores"] = [
        {"name": names.get(item, item), "points": points}
        for item, points in (figures.get("score_items") or {}).items()
    ]
    summary["missing_documents"] = [
        f
        for f in findings
        if f["check"].startswith("c3p.documents") and f["status"] in ("fail", "needs_review")
    ]
    return summary


def form4_totals(proposal: Any, rulebook_id: str) -> list[dict[str, Any]]:
    """Form 4's totals per site and fiscal year: eligible and ineligible items (2.(7))."""
    eligible = set(load_rulebook(rulebook_id).cost_items.eligible_ids())
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for site, line in proposal.technology_lines():
        for c in line.costs:
            row = rows.setdefault(
                (site.id, c.fiscal_year),
                {"site": site.id, "fiscal_year": c.fiscal_year, "eligible": 0, "ineligible": 0},
            )
            row["eligible" if c.item in eligible else "ineligible"] += c.amount_jpy
    return list(rows.values())


# --- what the page offers beside the forms ---------------------------------------------------


@cache
def country_options(rulebook_id: str) -> tuple[tuple[str, str], ...]:
    """The call's partner countries first (2.(3)), then every other ISO code."""
    book = load_rulebook(rulebook_id)
    partners = [
        (c.code, f"{c.name_ja} · {country_name_en(c.code)}")
        for c in book.partner_countries.countries
    ]
    seen = {code for code, _name in partners}
    others = sorted((code, country_name_en(code)) for code in iso_codes() if code not in seen)
    return (*partners, *others)


@cache
def technology_options(rulebook_id: str) -> tuple[tuple[str, str], ...]:
    return tuple((t.id, f"{t.name_ja} · {t.name_en}") for t in technologies(rulebook_id))


@cache
def useful_life_options() -> tuple[tuple[str, int, str], ...]:
    """Reference lives (法定耐用年数) to choose from with a reason; never a rule."""
    out = []
    for u in useful_lives():
        reason = " ".join(p for p in (u.schedule, u.item) if p) + f" ({u.equipment}), {u.years}"
        label = f"{u.years}" + ("" if not u.provisional else " ?")
        out.append((reason, u.years, label))
    return tuple(out)


@cache
def datalists(rulebook_id: str) -> SafeString:
    """The page's suggestion lists: countries, annex 3's technologies, reference useful lives
    (rendered once: ~330 options the template would otherwise render on every request)."""

    def options(rows: Any) -> str:
        return "".join(
            f'<option value="{html.escape(value)}"{extra}>{html.escape(label)}</option>'
            for value, label, extra in rows
        )

    countries = options((c, n, "") for c, n in country_options(rulebook_id))
    techs = options((t, n, "") for t, n in technology_options(rulebook_id))
    lives = options((r, lab, f' data-years="{y}"') for r, y, lab in useful_life_options())
    return mark_safe(
        f'<datalist id="countries">{countries}</datalist>'
        f'<datalist id="technologies">{techs}</datalist>'
        f'<datalist id="useful-lives">{lives}</datalist>'
    )


def form6_checklist(book: Any, document: Mapping[str, Any], attachments: Any) -> list[dict]:
    """Form 6's documents in its order with what is uploaded for each (5.(3))."""
    by_id: dict[str, list[Any]] = {}
    for a in attachments:
        by_id.setdefault(a.document_id, []).append(a)
    lease = document.get("kind") == "eco_lease" or bool(document.get("lease"))
    deferred = document.get("deferred_payment") is True
    rows = []
    for d in book.required_documents.documents:
        needed = {
            "always": True,
            "lease": lease,
            "deferred_payment": deferred,
            "optional": False,
        }[d.required]
        rows.append(
            {
                "id": d.id,
                "item": d.item,
                "form": d.form or "",
                "name": jcm_name("document", d.id, d.name_ja),
                # 5.(3) ※: files are named by form 6's number, e.g. 3-12_… for 様式3-12
                "prefix": ""
                if getattr(d, "entered_in_system", False)
                else (d.form or "").replace("様式", ""),
                "needed": needed,
                "optional": d.required == "optional",
                "files": by_id.pop(d.id, []),
            }
        )
    for doc_id, files in by_id.items():  # uploaded under an id the checklist does not list
        rows.append(
            {
                "id": doc_id,
                "item": "",
                "form": "",
                "name": doc_id,
                "needed": False,
                "optional": True,
                "files": files,
            }
        )
    return rows
