"""The monitoring plan's pages (issue 9; JCM 2.(1)②, 2.(5)②(ウ)(エ)): creating the plan from the
grant, its panel on the project's monitoring page (methodology, parameters, eligibility, the
monitoring end, sites, meters, points, fixed values, the forms the viewer may use), and the
office's emission-factor table.

Each form posts to its own URL, which calls one service (``services.plan``); on a refusal or a
bad value the page comes back with the form as typed and the reason beside it (status 200 with
the error summary, as the grant pages do)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei import access
from renkei.grants.models import Grant
from renkei.monitoring.models import EmissionFactor, Meter, MonitoringPlan
from renkei.monitoring.policy import plans_for
from renkei.monitoring.policy.plan import RULES as PLAN_RULES
from renkei.monitoring.services import plan as services
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused, require_can, run_form

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- forms -------------------------------------------------------------------------------------
class CreateForm(forms.Form):
    methodology = forms.ChoiceField(label=gettext_lazy("Methodology and version"))
    bilateral_valid_until = forms.DateField(
        label=gettext_lazy("Bilateral document valid until (BDV)"), widget=DATE, required=False
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["methodology"].choices = [("", "—"), *choices]


class UpdateForm(forms.Form):
    methodology_version = forms.CharField(
        label=gettext_lazy("Methodology version"), max_length=20, required=False
    )
    bilateral_valid_until = forms.DateField(
        label=gettext_lazy("Bilateral document valid until (BDV)"), widget=DATE, required=False
    )
    unmeasurable_days = forms.IntegerField(
        label=gettext_lazy("Days not measurable through the grantee's fault"),
        min_value=0,
        max_value=36_500,
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class SiteForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Site code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Site name"), max_length=200)


class MeterForm(forms.Form):
    site = forms.ChoiceField(label=gettext_lazy("Site"))
    serial = forms.CharField(label=gettext_lazy("Meter serial number"), max_length=80)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=20, initial="MWh")
    calibrated_on = forms.DateField(label=gettext_lazy("Calibrated on"), widget=DATE)
    calibration_valid_until = forms.DateField(
        label=gettext_lazy("Calibration valid until"), widget=DATE
    )

    def __init__(self, *args: Any, plan: MonitoringPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, f"{s.code} {s.name}") for s in plan.sites.all()]


class CalibrationForm(forms.Form):
    calibrated_on = forms.DateField(label=gettext_lazy("Calibrated on"), widget=DATE)
    calibration_valid_until = forms.DateField(
        label=gettext_lazy("Calibration valid until"), widget=DATE
    )


class PointForm(forms.Form):
    site = forms.ChoiceField(label=gettext_lazy("Site"))
    code = forms.CharField(label=gettext_lazy("Monitoring point"), max_length=40)
    parameter = forms.ChoiceField(label=gettext_lazy("Parameter monitored"))
    meter = forms.ChoiceField(label=gettext_lazy("Meter"), required=False)

    def __init__(self, *args: Any, plan: MonitoringPlan, monitored: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, f"{s.code} {s.name}") for s in plan.sites.all()]
        self.fields["parameter"].choices = [(p, p) for p in monitored]
        self.fields["meter"].choices = [("", "—")] + [
            (m.pk, f"{m.serial} ({m.unit}, {m.site.code})")
            for m in plan.meters.select_related("site")
        ]


class FixedForm(forms.Form):
    parameter = forms.ChoiceField(label=gettext_lazy("Parameter fixed ex ante"))
    point = forms.ChoiceField(label=gettext_lazy("For"), required=False)
    factor = forms.ChoiceField(
        label=gettext_lazy("From the office's emission-factor table"), required=False
    )
    value = forms.DecimalField(
        label=gettext_lazy("Value"), max_digits=20, decimal_places=8, required=False
    )
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=20, required=False)
    source = forms.CharField(
        label=gettext_lazy("Source"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, plan: MonitoringPlan, fixed: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["parameter"].choices = [(p, p) for p in fixed]
        self.fields["point"].choices = [("", gettext_lazy("the whole project"))] + [
            (p.pk, f"{p.site.code}/{p.code} ({p.parameter})")
            for p in plan.points.select_related("site")
        ]
        self.fields["factor"].choices = [("", gettext_lazy("— none: type the value below —"))] + [
            (f.pk, services.factor_source(f))
            for f in EmissionFactor.objects.order_by("country", "system")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("factor"):
            for name in ("value", "unit", "source"):
                if data.get(name) in (None, ""):
                    self.add_error(
                        name,
                        gettext_lazy("Give it, or choose a factor of the office's table."),
                    )
        return data


class FactorForm(forms.Form):
    csv_file = forms.FileField(label=gettext_lazy("Emission-factor table (.csv)"), required=False)
    csv_text = forms.CharField(
        label=gettext_lazy("or paste the CSV"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=2_000_000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("csv_file")
        if upload is not None:
            raw = upload.read(2_000_001)
            if len(raw) > 2_000_000:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                data["csv_text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(
                    _("The file is not UTF-8 text; save the table as CSV (UTF-8).")
                ) from None
        if not (data.get("csv_text") or "").strip():
            raise forms.ValidationError(_("Choose a CSV file or paste the table."))
        return data


# --- reading ----------------------------------------------------------------------------------
def _plan(request: HttpRequest, pk: int) -> MonitoringPlan:
    from renkei.monitoring.views import visible_plan

    return visible_plan(request, pk)


def _methodology(plan: MonitoringPlan) -> tuple[Any, str]:
    """The plan's methodology, or None with why (the MRV core does not know it)."""
    try:
        return services.plan_methodology(plan), ""
    except (ServiceError, ImportError) as exc:
        return None, str(exc)


def panel(
    request: HttpRequest, plan: MonitoringPlan, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """The context of ``monitoring/plan/_panel.html`` (``bound``: the form posted, as typed)."""
    bound = bound or {}
    m, why = _methodology(plan)
    monitored = [p.name for p in m.parameters if p.kind == "monitored"] if m else []
    fixed_names = [p.name for p in m.parameters if p.kind == "fixed"] if m else []
    can = {a: access.can(request.user, a, plan) for a in PLAN_RULES}
    meters = list(plan.meters.select_related("site").order_by("site__code", "serial"))
    for meter in meters:
        meter.form = bound.get(f"calibrate-{meter.pk}") or CalibrationForm(prefix=f"m{meter.pk}")
    fixed_rows = list(plan.fixed.select_related("point__site").order_by("parameter", "point"))
    present = {(f.parameter, f.point_id) for f in fixed_rows}
    posted = next(iter(bound.values()), None)
    return {
        "plan_part": {
            "methodology": m,
            "methodology_error": why,
            "end": services.monitoring_end(plan),
            "sites": plan.sites.order_by("code"),
            "meters": meters,
            "points": plan.points.select_related("site", "meter").order_by("site__code", "code"),
            "fixed": fixed_rows,
            # the methodology's fixed parameters with a default not yet set for the project
            "defaults": [
                p
                for p in (m.parameters if m else ())
                if p.kind == "fixed" and p.default is not None and (p.name, None) not in present
            ],
            "can": can,
            "summary": _summary(posted) if posted is not None else [],
            "forms": {
                "update": bound.get("update") or UpdateForm(),
                "site": bound.get("site") or SiteForm(),
                "meter": bound.get("meter") or MeterForm(plan=plan),
                "point": bound.get("point") or PointForm(plan=plan, monitored=monitored),
                "fixed": bound.get("fixed") or FixedForm(plan=plan, fixed=fixed_names),
            },
        }
    }


def _summary(form: forms.Form) -> list[str]:
    lines = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return lines


def _page(request: HttpRequest, plan: MonitoringPlan, bound: dict[str, forms.Form]):
    """The project's monitoring page with this part's posted form as typed."""
    from renkei.monitoring.views import PARTS

    plan = MonitoringPlan.objects.select_related("grant__selection__proposal").get(pk=plan.pk)
    context: dict[str, Any] = {
        "plan": plan,
        "grant": plan.grant,
        "proposal": plan.grant.selection.proposal,
    }
    for part in PARTS:
        context.update(part.panel(request, plan))
    context.update(panel(request, plan, bound))
    return render(request, "monitoring/detail.html", context)


def _post(request, plan, action, name, form, run, done) -> HttpResponse:
    require_can(request, action, plan)
    answered = run_form(
        request, form, run, done=done, then=lambda _: redirect("monitoring:detail", pk=plan.pk)
    )
    return answered or _page(request, plan, {name: form})


# --- creating the plan ---------------------------------------------------------------------------
def _grant(request: HttpRequest, pk: int) -> Grant:
    grant = access.grants_for(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    return grant


def _choices(grant: Grant) -> tuple[list[tuple[str, str]], list[Any], str]:
    """The methodology versions in force on O, the methodologies themselves, and why there
    are none (the MRV core is missing, or O is not recorded)."""
    day = grant.operation_started_on
    if day is None:
        return [], [], _("The start of operation is not recorded on the grant.")
    try:
        found = [m for m in services.catalogue() if services.in_force(m, day)]
    except ImportError:
        return [], [], _("The methodology catalogue (renkei.mrv) is not available.")
    found.sort(key=lambda m: (m.id, m.version))
    return [(f"{m.id}|{m.version}", f"{m.id} {m.version} — {m.title}") for m in found], found, ""


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    existing = MonitoringPlan.objects.filter(grant=grant).first()
    if existing is not None:
        return redirect("monitoring:detail", pk=existing.pk)
    require_can(request, "create_monitoring_plan", grant)
    choices, found, why = _choices(grant)
    form = CreateForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        methodology_id, _sep, version = form.cleaned_data["methodology"].partition("|")
        try:
            plan = services.plan_create(
                actor=request.user,
                grant=grant,
                methodology_id=methodology_id,
                methodology_version=version,
                bilateral_valid_until=form.cleaned_data["bilateral_valid_until"],
            )
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("The monitoring plan is created."))
            return redirect("monitoring:detail", pk=plan.pk)
    context = {
        "grant": grant,
        "proposal": grant.selection.proposal,
        "form": form,
        "methodologies": found,
        "why": why,
        "summary": _summary(form) if request.method == "POST" else [],
        "reading": services.READINGS["plan.reading.operation_start"],
    }
    return render(request, "monitoring/plan/new.html", context)


# --- the plan's forms ---------------------------------------------------------------------------
def _methodology_names(plan: MonitoringPlan, kind: str) -> list[str]:
    m, _why = _methodology(plan)
    return [p.name for p in m.parameters if p.kind == kind] if m else []


@login_required
@require_POST
def plan_update(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return _post(
        request,
        plan,
        "update_monitoring_plan",
        "update",
        UpdateForm(request.POST),
        lambda c: services.plan_update(
            actor=request.user,
            plan=plan,
            methodology_version=c["methodology_version"] or None,
            bilateral_valid_until=c["bilateral_valid_until"],
            unmeasurable_days=c["unmeasurable_days"],
            reason=c["reason"],
        ),
        _("The monitoring plan is updated."),
    )


@login_required
@require_POST
def plan_site(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return _post(
        request,
        plan,
        "edit_monitoring_plan",
        "site",
        SiteForm(request.POST),
        lambda c: services.site_add(actor=request.user, plan=plan, **c),
        _("The site is added."),
    )


@login_required
@require_POST
def plan_meter(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return _post(
        request,
        plan,
        "edit_monitoring_plan",
        "meter",
        MeterForm(request.POST, plan=plan),
        lambda c: services.meter_add(
            actor=request.user, plan=plan, **{**c, "site": int(c["site"])}
        ),
        _("The meter is added."),
    )


@login_required
@require_POST
def plan_calibrate(request: HttpRequest, pk: int) -> HttpResponse:
    meter = Meter.objects.filter(pk=pk, plan__in=plans_for(request.user)).first()
    if meter is None:
        raise Http404
    form = CalibrationForm(request.POST, prefix=f"m{meter.pk}")
    return _post(
        request,
        meter.plan,
        "edit_monitoring_plan",
        f"calibrate-{meter.pk}",
        form,
        lambda c: services.meter_calibrate(actor=request.user, meter=meter, **c),
        _("The calibration is recorded."),
    )


@login_required
@require_POST
def plan_point(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = PointForm(request.POST, plan=plan, monitored=_methodology_names(plan, "monitored"))
    return _post(
        request,
        plan,
        "edit_monitoring_plan",
        "point",
        form,
        lambda c: services.point_add(
            actor=request.user,
            plan=plan,
            site=int(c["site"]),
            code=c["code"],
            parameter=c["parameter"],
            meter=int(c["meter"]) if c["meter"] else None,
        ),
        _("The monitoring point is added."),
    )


@login_required
@require_POST
def plan_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = FixedForm(request.POST, plan=plan, fixed=_methodology_names(plan, "fixed"))
    return _post(
        request,
        plan,
        "edit_monitoring_plan",
        "fixed",
        form,
        lambda c: services.fixed_set(
            actor=request.user,
            plan=plan,
            parameter=c["parameter"],
            value=c["value"],
            unit=c["unit"],
            source=c["source"],
            point=int(c["point"]) if c["point"] else None,
            factor=int(c["factor"]) if c["factor"] else None,
        ),
        _("The fixed value is recorded."),
    )


# --- the emission-factor table ---------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def plan_factors(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_emission_factors", None):
        raise Http404
    form = FactorForm()
    errors: list[str] = []
    if request.method == "POST":
        require_can(request, "load_emission_factors", None)
        form = FactorForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = services.factor_table_load(
                    actor=request.user, csv_text=form.cleaned_data["csv_text"]
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
                errors = exc.errors
            else:
                messages.success(
                    request, _("%(count)s emission factors are loaded.") % {"count": len(rows)}
                )
                return redirect("monitoring:plan_factors")
    context = {
        "factors": EmissionFactor.objects.order_by("country", "system", "case", "valid_from"),
        "form": form,
        "errors": errors,
        "can_load": access.can(request.user, "load_emission_factors", None),
        "columns": services.FACTOR_COLUMNS,
    }
    return render(request, "monitoring/plan/factors.html", context)


@login_required
@require_GET
def plan_factor_template(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "view_emission_factors", None):
        raise Http404
    response = HttpResponse(services.reference_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="emission_factors_template.csv"'
    return response


urlpatterns: list[Any] = [
    path("monitoring/grants/<int:pk>/plan/", plan_new, name="plan_new"),
    path("monitoring/<int:pk>/plan/", plan_update, name="plan_update"),
    path("monitoring/<int:pk>/sites/", plan_site, name="plan_site"),
    path("monitoring/<int:pk>/meters/", plan_meter, name="plan_meter"),
    path("monitoring/meters/<int:pk>/calibration/", plan_calibrate, name="plan_calibrate"),
    path("monitoring/<int:pk>/points/", plan_point, name="plan_point"),
    path("monitoring/<int:pk>/fixed/", plan_fixed, name="plan_fixed"),
    path("monitoring/emission-factors/", plan_factors, name="plan_factors"),
    path(
        "monitoring/emission-factors/template.csv",
        plan_factor_template,
        name="plan_factor_template",
    ),
]
