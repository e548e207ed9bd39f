"""The C3P stage's project pages (guidebook 2.1, BOX 6, 3.3 (3), Tables 3 and 5):

- the list of C3P projects (``/c3p/projects/``): the office's dashboard by country, phase and
  fiscal year with contract amounts against each year's call budget, the adopted C3P proposals
  still without a project, search, pages and .xlsx/CSV export; an applicant sees its
  consortium's projects;
- one project (``/c3p/projects/<pk>/``): its years with plan, contract, changes, activities,
  settlements and year-end reports, and the forms each role may use. A refused form comes back
  as typed with the reason (the guidebook's place and what would be right).

Who sees what is ``policy.project``: a project someone may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access
from renkei.c3p import selectors_project as selectors
from renkei.c3p.models import C3pActivity, C3pAmountChange, C3pProject, C3pProjectYear, YearState
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import project as svc
from renkei.proposals.models import Proposal
from renkei.rules import load_rulebook
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused
from renkei.web.lists import Column, OfficeList

YEN = {"min_value": 0, "max_value": 10**12}
DELIVERABLE_NAMES = {
    "report_ja_print": gettext_lazy("Japanese report (hard copy)"),
    "summary_pptx": gettext_lazy("English/Japanese summary (PowerPoint)"),
    "report_dvd": gettext_lazy("Electronic report (DVD-R)"),
}


# --- forms ---------------------------------------------------------------------------------------
def _text(label, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=10_000, widget=forms.Textarea({"rows": rows})
    )


class PlanForm(forms.Form):
    overview = _text(gettext_lazy("Project overview"))
    methods = _text(gettext_lazy("Implementation methods and content"))
    structure = _text(gettext_lazy("Implementation structure"))
    timeline = _text(gettext_lazy("Timeline"))
    other = _text(gettext_lazy("Other"), required=False)
    requested_jpy = forms.IntegerField(
        label=gettext_lazy("Requested amount incl. tax (JPY)"), **YEN
    )


class ContractForm(forms.Form):
    amount_jpy = forms.IntegerField(label=gettext_lazy("Contract amount incl. tax (JPY)"), **YEN)
    field_survey_addition_jpy = forms.IntegerField(
        label=gettext_lazy("Field-survey addition granted (JPY, 3.3 (3) footnote 1)"),
        initial=0,
        **YEN,
    )
    field_survey_tasks = _text(gettext_lazy("Tasks requiring field surveys"), required=False)
    reduction_reason = _text(
        gettext_lazy("Reason for the reduction from the requested amount (cost review)"),
        required=False,
    )
    signed_on = forms.DateField(
        label=gettext_lazy("Contract signed on"), widget=forms.DateInput({"type": "date"})
    )


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Change"), choices=C3pAmountChange.Kind.choices)
    new_amount_jpy = forms.IntegerField(
        label=gettext_lazy("Reduced contract amount incl. tax (JPY)"), required=False, **YEN
    )
    reason = _text(gettext_lazy("Reason (progress and outcomes, 3.3 (3))"), required=False)


class ActivityForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("Table 3 item"), choices=C3pActivity.Item.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput({"type": "date"}))


class SettlementForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Report"),
        choices=[
            ("interim", gettext_lazy("Account settlement report (during the year)")),
            ("final", gettext_lazy("Expense settlement report (year end)")),
        ],
    )


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Table 5 category"), required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    amount_jpy = forms.IntegerField(
        label=gettext_lazy("Amount before tax (JPY)"), required=False, **YEN
    )
    unit_price_jpy = forms.IntegerField(
        label=gettext_lazy("Unit price (JPY)"), required=False, **YEN
    )
    spent_on = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput({"type": "date"})
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]


ExpenseFormSet = forms.formset_factory(ExpenseForm, extra=6, max_num=60, absolute_max=60)


class ReportForm(forms.Form):
    business_report = _text(gettext_lazy("Business report"), rows=5)
    deliverables = forms.MultipleChoiceField(
        label=gettext_lazy("Deliverables delivered (Table 3 (1))"),
        choices=list(DELIVERABLE_NAMES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class RenewForm(forms.Form):
    novelty = _text(
        gettext_lazy("Phase 2 novelty (Table 6 item 1; only when phase 1's third year closed)"),
        required=False,
    )


def _categories(year: C3pProjectYear) -> list[tuple[str, str]]:
    book = load_rulebook(year.rulebook_id)
    en = (get_language() or "ja").startswith("en")
    return [(c.id, c.name_en if en else c.name_ja) for c in book.costs.categories]


# --- the list / dashboard ---------------------------------------------------------------------
COLUMNS = (
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Lead organisation"), lambda r: r.lead),
    Column(gettext_lazy("Country"), lambda r: r.country),
    Column(gettext_lazy("Japanese municipality"), lambda r: r.japanese_city),
    Column(gettext_lazy("Partner city"), lambda r: r.partner_city),
    Column(gettext_lazy("Fiscal year"), lambda r: r.current.fiscal_year if r.current else ""),
    Column(gettext_lazy("Phase"), lambda r: r.current.phase if r.current else ""),
    Column(
        gettext_lazy("Year in the phase"), lambda r: r.current.year_in_phase if r.current else ""
    ),
    Column(gettext_lazy("State"), lambda r: r.current.get_state_display() if r.current else ""),
    Column(
        gettext_lazy("Contract amount this year (JPY)"),
        lambda r: r.current.contract_amount_jpy if r.current else "",
    ),
    Column(gettext_lazy("Contracted, all years (JPY)"), lambda r: r.contracted_jpy),
    Column(gettext_lazy("Ended"), lambda r: r.ended),
    # the activity part: reports past due or missing (Table 3 (2); 2.1)
    Column(gettext_lazy("Monthly reports overdue"), lambda r: r.reports.monthly_overdue),
    Column(
        gettext_lazy("Monthly reports not received (no due day set)"),
        lambda r: r.reports.monthly_not_received,
    ),
    Column(
        gettext_lazy("Year-end reports missing"),
        lambda r: ", ".join(str(YEAR_END_NAMES[k]) for k in r.reports.year_end_missing),
    ),
)
YEAR_END_NAMES = {
    "business": gettext_lazy("business report"),
    "settlement": gettext_lazy("expense settlement report"),
}


def filters_of(request: HttpRequest) -> dict[str, str]:
    """The dashboard's filters as typed; a value that is not one is dropped, and said so."""
    asked = {
        k: request.GET.get(k, "").strip()[:10]
        for k in ("country", "phase", "fiscal_year", "reports", "sort")
    }
    chosen = {}
    checks = {
        "country": (
            lambda v: len(v) == 2 and v.isalpha() and v.isascii(),
            gettext_lazy("“%(value)s” is not a country code; type its two letters (e.g. VN)."),
        ),
        "phase": (
            lambda v: v in ("1", "2"),
            gettext_lazy("“%(value)s” is not a phase; a project has phase 1 or 2 (2.1)."),
        ),
        "fiscal_year": (
            lambda v: v.isdigit() and len(v) == 4,
            gettext_lazy("“%(value)s” is not a fiscal year; type four digits (e.g. 2025)."),
        ),
        "reports": (
            lambda v: v in ("overdue", "missing"),
            gettext_lazy("“%(value)s” is not a report filter; choose overdue or missing."),
        ),
        "sort": (
            lambda v: v == "reports",
            gettext_lazy("“%(value)s” is not a sort order; choose reports."),
        ),
    }
    for key, (ok, message) in checks.items():
        value = asked[key]
        if value and not ok(value):
            messages.warning(request, message % {"value": value})
            value = ""
        chosen[key] = value.upper() if key == "country" else value
    return chosen


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    office = access.can(request.user, "view_c3p_projects")
    if not office and not projects_for(request.user).exists():
        raise Http404
    filters = filters_of(request)
    rows = selectors.project_rows(request.user, filters)
    if filters.get("sort") == "reports":  # the most reports overdue or missing first
        rows.sort(key=lambda r: -r.reports.total)
    listing = OfficeList(request, rows, columns=COLUMNS, text=lambda r: r.text(), name="c3p")
    if listing.export is not None:
        return listing.export
    adoptable = []
    if office:
        adoptable = list(
            Proposal.objects.filter(
                call__program="c3p", selection__state="adopted", c3p_project__isnull=True
            ).select_related("organisation")
        )
    return render(
        request,
        "c3p/project/list.html",
        {
            "listing": listing,
            "rows": listing.rows,
            "filters": filters,
            "office": office,
            "budgets": selectors.budgets(listing.all_rows) if office else [],
            "adoptable": adoptable,
        },
    )


@login_required
@require_POST
def project_create(request: HttpRequest, proposal_pk: int) -> HttpResponse:
    if not access.can(request.user, "create_c3p_project"):
        raise Http404
    proposal = get_object_or_404(Proposal, pk=proposal_pk, call__program="c3p")
    try:
        project = svc.c3p_project_create(actor=request.user, proposal=proposal)
    except NotAllowed as exc:
        raise PermissionDenied from exc
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("c3p:project_list")
    messages.success(request, _("The C3P project is opened."))
    return redirect("c3p:project_detail", pk=project.pk)


# --- one project ---------------------------------------------------------------------------------
def _visible(request: HttpRequest, pk: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=pk).first()
    if project is None or not access.can(request.user, "view_c3p_project", project):
        raise Http404
    return project


def _page(request: HttpRequest, project: C3pProject, bound: dict | None = None, status=200):
    bound = bound or {}
    years = list(
        project.years.prefetch_related("changes", "activities", "settlements__lines").order_by(
            "fiscal_year"
        )
    )
    current = years[-1] if years else None
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    lead = access.can(request.user, "file_c3p_project", project)
    office = access.can(request.user, "run_c3p_contract", project)
    for y in years:
        y.findings_shown = svc.rendered(y.contract_findings, lang)
        y.table3 = selectors.table3(y) if y.signed_on else []
        for s in y.settlements.all():
            s.findings_shown = svc.rendered(s.findings, lang)
    categories = _categories(current) if current else []
    names = dict(categories)
    for y in years:
        for s in y.settlements.all():
            for line in s.lines.all():
                line.category_name = names.get(line.category, line.category)
    forms_: dict[str, Any] = {}
    if current is not None:
        state = current.state
        if lead and state in (YearState.PLANNING, YearState.PLAN_SUBMITTED):
            forms_["plan"] = PlanForm(
                initial={
                    "overview": current.plan_overview,
                    "methods": current.plan_methods,
                    "structure": current.plan_structure,
                    "timeline": current.plan_timeline,
                    "other": current.plan_other,
                    "requested_jpy": current.requested_jpy,
                }
            )
        if office and state == YearState.PLAN_SUBMITTED:
            forms_["contract"] = ContractForm(initial={"amount_jpy": current.requested_jpy})
        if office and state in (YearState.CONTRACTED, YearState.SUSPENDED):
            forms_["change"] = ChangeForm()
        if lead and state in (YearState.CONTRACTED, YearState.SUSPENDED):
            forms_["settlement"] = SettlementForm()
            forms_["lines"] = ExpenseFormSet(prefix="line", form_kwargs={"categories": categories})
        if lead and state == YearState.CONTRACTED:
            forms_["activity"] = ActivityForm()
            forms_["report"] = ReportForm(initial={"deliverables": list(DELIVERABLE_NAMES)})
        if office and state in (YearState.REPORTED, YearState.SUSPENDED):
            forms_["close"] = True
        if office and state == YearState.CLOSED and project.ended_at is None:
            forms_["renew"] = RenewForm()
    forms_.update(bound)
    return render(
        request,
        "c3p/project/detail.html",
        {
            "project": project,
            "years": years,
            "current": current,
            "forms": forms_,
            "lead": lead,
            "office": office,
            "deliverable_names": DELIVERABLE_NAMES,
            "document": selectors._document(project),
        },
        status=status,
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _visible(request, pk))


def _year_action(key: str, action: str, form_class, run, done, extra=None):
    """A POST on the project's current year: 404 unless visible, 403 unless allowed, the form
    back as typed with the refusal's reasons, else the success message and the project."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        project = _visible(request, pk)
        if not access.can(request.user, action, project):
            raise PermissionDenied
        year = project.years.order_by("-fiscal_year").first()
        if year is None:
            raise Http404
        form = form_class(request.POST) if form_class else forms.Form(request.POST)
        bound: dict[str, Any] = {}
        data_ok = form.is_valid()
        if extra is not None:
            more, more_ok = extra(request, year)
            bound.update(more)
            data_ok = data_ok and more_ok
        else:
            more = {}
        if data_ok:
            try:
                run(request, project, year, form.cleaned_data, more)
            except NotAllowed as exc:
                raise PermissionDenied from exc
            except ServiceError as exc:
                refused(form, exc)
            else:
                messages.success(request, done)
                return redirect("c3p:project_detail", pk=project.pk)
        bound[key] = form if form_class else True
        if key == "close":
            for error in form.non_field_errors():
                messages.error(request, error)
        return _page(request, project, bound)

    return view


def _lines(request: HttpRequest, year: C3pProjectYear):
    formset = ExpenseFormSet(
        request.POST, prefix="line", form_kwargs={"categories": _categories(year)}
    )
    return {"lines": formset}, formset.is_valid()


def _line_data(formset) -> list[dict[str, Any]]:
    out = []
    for f in formset.forms:
        d = f.cleaned_data
        if not d or not (d.get("category") or d.get("description") or d.get("amount_jpy")):
            continue
        out.append(
            {
                "category": d.get("category") or "",
                "description": d.get("description") or "",
                "amount_jpy": d.get("amount_jpy"),
                "unit_price_jpy": d.get("unit_price_jpy"),
                "spent_on": d.get("spent_on"),
            }
        )
    return out


project_plan = _year_action(
    "plan",
    "file_c3p_project",
    PlanForm,
    lambda r, p, y, d, m: svc.c3p_plan_submit(actor=r.user, year=y, **d),
    gettext_lazy("The implementation plan is filed."),
)
project_contract = _year_action(
    "contract",
    "run_c3p_contract",
    ContractForm,
    lambda r, p, y, d, m: svc.c3p_contract_sign(actor=r.user, year=y, **d),
    gettext_lazy("The contract is signed."),
)
project_change = _year_action(
    "change",
    "run_c3p_contract",
    ChangeForm,
    lambda r, p, y, d, m: svc.c3p_year_change(actor=r.user, year=y, **d),
    gettext_lazy("The change is recorded."),
)
project_activity = _year_action(
    "activity",
    "file_c3p_project",
    ActivityForm,
    lambda r, p, y, d, m: svc.c3p_activity_record(actor=r.user, year=y, **d),
    gettext_lazy("The activity is recorded."),
)
project_settlement = _year_action(
    "settlement",
    "file_c3p_project",
    SettlementForm,
    lambda r, p, y, d, m: svc.c3p_settlement_submit(
        actor=r.user, year=y, kind=d["kind"], lines=_line_data(m["lines"])
    ),
    gettext_lazy("The settlement report is filed."),
    extra=_lines,
)
project_report = _year_action(
    "report",
    "file_c3p_project",
    ReportForm,
    lambda r, p, y, d, m: svc.c3p_year_report(actor=r.user, year=y, **d),
    gettext_lazy("The year-end reports are filed."),
)
project_close = _year_action(
    "close",
    "run_c3p_contract",
    None,
    lambda r, p, y, d, m: svc.c3p_year_close(actor=r.user, year=y),
    gettext_lazy("The year is closed."),
)
project_renew = _year_action(
    "renew",
    "run_c3p_contract",
    RenewForm,
    lambda r, p, y, d, m: svc.c3p_year_renew(actor=r.user, project=p, **d),
    gettext_lazy("The next contract year is opened."),
)


urlpatterns: list[Any] = [
    path("c3p/projects/", project_list, name="project_list"),
    path("c3p/projects/new/<int:proposal_pk>/", project_create, name="project_create"),
    path("c3p/projects/<int:pk>/", project_detail, name="project_detail"),
    path("c3p/projects/<int:pk>/plan/", project_plan, name="project_plan"),
    path("c3p/projects/<int:pk>/contract/", project_contract, name="project_contract"),
    path("c3p/projects/<int:pk>/change/", project_change, name="project_change"),
    path("c3p/projects/<int:pk>/activity/", project_activity, name="project_activity"),
    path("c3p/projects/<int:pk>/settlement/", project_settlement, name="project_settlement"),
    path("c3p/projects/<int:pk>/report/", project_report, name="project_report"),
    path("c3p/projects/<int:pk>/close/", project_close, name="project_close"),
    path("c3p/projects/<int:pk>/renew/", project_renew, name="project_renew"),
]

__all__ = ["urlpatterns"]
