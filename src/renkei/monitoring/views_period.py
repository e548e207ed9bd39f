"""The monitoring stage's period pages (JCM 2.(1)③): the period panel on the project's
monitoring page (the periods with their state and totals, and the form to create one), one page
per period (the calculation line by line, its monitoring report as .xlsx and PDF, and the forms
to compute, submit and correct it).

Each form posts to its own URL, which calls one service; on a refusal or a bad value the page
is shown again with the form as it was typed and the reason beside it (nothing typed is lost)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from renkei import access
from renkei.monitoring import report as reports
from renkei.monitoring.models import MonitoringPeriod, MonitoringPlan
from renkei.monitoring.policy import periods_for
from renkei.monitoring.policy.period import RULES as PERIOD_RULES
from renkei.monitoring.services import period as services
from renkei.services import NotAllowed, ServiceError
from renkei.web.forms_run import refused, require_can, run_form

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("Period start"), widget=DATE)
    end = forms.DateField(label=gettext_lazy("Period end (inclusive)"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end must be on or after the start."))
        return data


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=services.REASON_LIMIT,
    )


class EmptyForm(forms.Form):
    """The compute and submit buttons: nothing to type, only the service's refusal to show."""


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _period(request: HttpRequest, pk: int) -> MonitoringPeriod:
    period = periods_for(request.user).select_related("plan__grant").filter(pk=pk).first()
    if period is None:
        raise Http404
    return period


def _summary(form: forms.Form) -> list[str]:
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        lines.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return lines


# --- the panel on the project's monitoring page ------------------------------------------------
def panel(request: HttpRequest, plan: MonitoringPlan, bound: forms.Form | None = None) -> dict:
    """The context of this part's panel on the project's monitoring page."""
    periods = list(periods_for(request.user).filter(plan=plan).order_by("start", "version"))
    can_create = access.can(request.user, "create_monitoring_period", plan)
    return {
        "period_panel": {
            "periods": periods,
            "can_create": can_create,
            "form": bound or (PeriodForm() if can_create else None),
            "summary": _summary(bound) if bound is not None else [],
        }
    }


def _project_page(request: HttpRequest, plan: MonitoringPlan, bound: forms.Form) -> HttpResponse:
    """The project's monitoring page with the period form as posted."""
    from renkei.monitoring import views

    context = {"plan": plan, "grant": plan.grant, "proposal": plan.grant.selection.proposal}
    for part in views.PARTS:
        context.update(part.panel(request, plan))
    context.update(panel(request, plan, bound))
    return render(request, "monitoring/detail.html", context)


@login_required
@require_POST
def period_create(request: HttpRequest, pk: int) -> HttpResponse:
    from renkei.monitoring.views import visible_plan

    plan = visible_plan(request, pk)
    require_can(request, "create_monitoring_period", plan)
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            period = services.period_create(actor=request.user, plan=plan, **form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied from exc
        except ServiceError as exc:
            refused(form, exc)
        else:
            messages.success(request, _("The monitoring period is created: compute it next."))
            return redirect("monitoring:period", pk=period.pk)
    return _project_page(request, plan, form)


# --- one period's page -------------------------------------------------------------------------
def _page(
    request: HttpRequest, period: MonitoringPeriod, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    bound = bound or {}
    period = MonitoringPeriod.objects.select_related("plan__grant__selection__proposal").get(
        pk=period.pk
    )
    can = {action: access.can(request.user, action, period) for action in PERIOD_RULES}
    versions = periods_for(request.user).filter(
        plan=period.plan, start=period.start, end=period.end
    )
    posted = next(iter(bound.values()), None)
    unrounded, rounding = reports.rounding_line(period)
    context = {
        "period": period,
        "plan": period.plan,
        "grant": period.plan.grant,
        "result": period.result or {},
        "banner": reports.banner(period),
        "unrounded": unrounded,
        "rounding": rounding,
        "versions": versions.order_by("version"),
        "can": can,
        "editable": period.state in services.EDITABLE,
        "summary": _summary(posted) if posted is not None else [],
        "forms": {
            "compute": bound.get("compute") or EmptyForm(),
            "submit": bound.get("submit") or EmptyForm(),
            "correct": bound.get("correct") or CorrectForm(),
        },
    }
    return render(request, "monitoring/period/page.html", context)


@login_required
@require_GET
def period_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _period(request, pk))


def _post(
    request: HttpRequest, pk: int, action: str, name: str, form: forms.Form, run, done: str
) -> HttpResponse:
    period = _period(request, pk)
    require_can(request, action, period)
    answered = run_form(
        request,
        form,
        lambda data: run(period, data),
        done=done,
        then=lambda result: redirect("monitoring:period", pk=result.pk),
    )
    return answered or _page(request, period, {name: form})


@login_required
@require_POST
def period_compute(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "compute_monitoring_period",
        "compute",
        EmptyForm(request.POST),
        lambda p, c: services.period_compute(actor=request.user, period=p),
        _("The reductions are computed: check the calculation, then submit."),
    )


@login_required
@require_POST
def period_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "submit_monitoring_period",
        "submit",
        EmptyForm(request.POST),
        lambda p, c: services.period_submit(actor=request.user, period=p),
        _("The monitoring report is submitted for verification."),
    )


@login_required
@require_POST
def period_correct(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "correct_monitoring_period",
        "correct",
        CorrectForm(request.POST),
        lambda p, c: services.period_correct(actor=request.user, period=p, reason=c["reason"]),
        _("The correction is a new version of the period: compute it and submit it."),
    )


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    period = _period(request, pk)
    require_can(request, "view_monitoring_period", period)
    return report_download(period, kind)


def report_download(period: MonitoringPeriod, kind: str) -> HttpResponse:
    """The monitoring report as an attachment (``kind`` xlsx or pdf), in the reader's language:
    the pages and the API answer with this."""
    lang = _lang()
    if kind == "xlsx":
        data, content_type = reports.report_xlsx(period, lang=lang), XLSX
    else:
        data, content_type = reports.report_pdf(period, lang=lang), "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report_name(period)}.{kind}"'
    return response


def report_name(period: MonitoringPeriod) -> str:
    grant = period.plan.grant
    return f"monitoring_report_{grant.number}_{period.start}_{period.end}_v{period.version}"


@login_required
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


@login_required
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")


urlpatterns: list[Any] = [
    path("monitoring/<int:pk>/periods/", period_create, name="period_create"),
    path("monitoring/periods/<int:pk>/", period_page, name="period"),
    path("monitoring/periods/<int:pk>/compute/", period_compute, name="period_compute"),
    path("monitoring/periods/<int:pk>/submit/", period_submit, name="period_submit"),
    path("monitoring/periods/<int:pk>/correct/", period_correct, name="period_correct"),
    path("monitoring/periods/<int:pk>/report.xlsx", report_xlsx, name="period_report_xlsx"),
    path("monitoring/periods/<int:pk>/report.pdf", report_pdf, name="period_report_pdf"),
]
