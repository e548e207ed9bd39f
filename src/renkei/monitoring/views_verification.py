"""The monitoring stage's verification pages: the verification panel on the project's monitoring
page (one block per submitted period the viewer may see: the office's assignment form, the
findings thread with the participant's answer forms and the TPE's close buttons, the TPE's
finding, return and issue forms), and one URL per action, each calling one service. On a refusal
or a bad value the project's page is shown again with the form as typed and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renkei import access
from renkei.accounts.models import Organisation
from renkei.monitoring.models import Finding, MonitoringPeriod, MonitoringPlan, PeriodState
from renkei.monitoring.policy import periods_for
from renkei.monitoring.policy.verification import RULES
from renkei.monitoring.services import verification as services
from renkei.web.forms_run import require_can, run_form

S = PeriodState
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


# --- forms -------------------------------------------------------------------------------------
class AssignForm(forms.Form):
    tpe = forms.ModelChoiceField(
        label=gettext_lazy("Third-party entity (TPE)"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.TPE).order_by("name"),
        empty_label="—",
    )


class FindingForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of finding"), choices=Finding.Kind.choices)
    text = forms.CharField(
        label=gettext_lazy("Finding"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )


class IssueForm(forms.Form):
    verified_tco2 = forms.IntegerField(
        label=gettext_lazy("Verified reductions (tCO2)"), min_value=0, max_value=services.MAX_TCO2
    )
    verified_on = forms.DateField(label=gettext_lazy("Date of the verification"), widget=DATE)
    statement = forms.CharField(
        label=gettext_lazy("Verification statement"),
        widget=TEXTAREA,
        max_length=services.TEXT_LIMIT,
    )


class ActionForm(forms.Form):
    """A button without fields (start, return, close): only the service's refusal to show."""


# --- the panel ---------------------------------------------------------------------------------
def panel(
    request: HttpRequest,
    plan: MonitoringPlan,
    bound: dict[tuple[str, int], forms.Form] | None = None,
) -> dict:
    """The context of this part's panel on the project's monitoring page: the periods that have
    been submitted (the TPE sees only those assigned to it), each with what the viewer may do.
    ``bound`` holds the form that was posted, by (form name, pk), kept as typed."""
    bound = bound or {}
    user = request.user
    periods = list(
        periods_for(user)
        .filter(plan=plan)
        .exclude(state=S.DRAFT)
        .select_related("assignment__tpe", "verification")
        .prefetch_related("findings")
        .order_by("start", "version")
    )
    rows = []
    for period in periods:
        can = {action: access.can(user, action, period) for action in RULES}
        findings = []
        for f in sorted(period.findings.all(), key=lambda f: (f.raised_at, f.pk)):
            findings.append(
                {
                    "finding": f,
                    "answer_form": bound.get(("answer", f.pk))
                    or AnswerForm(initial={"answer": f.answer}, prefix=f"a{f.pk}"),
                    "close_form": bound.get(("close", f.pk)),
                }
            )
        rows.append(
            {
                "period": period,
                "assignment": getattr(period, "assignment", None),
                "verification": getattr(period, "verification", None),
                "can": can,
                "findings": findings,
                "open_count": sum(f.status != Finding.Status.CLOSED for f in period.findings.all()),
                "assign_form": bound.get(("assign", period.pk))
                or AssignForm(prefix=f"t{period.pk}"),
                "finding_form": bound.get(("finding", period.pk))
                or FindingForm(prefix=f"f{period.pk}"),
                "issue_form": bound.get(("issue", period.pk))
                or IssueForm(
                    prefix=f"i{period.pk}",
                    initial={
                        "verified_tco2": period.emission_reductions_tco2,
                        "verified_on": services.today(),
                    },
                ),
                "action_form": bound.get(("action", period.pk)),
            }
        )
    return {"verification_rows": rows, "verification_S": S}


# --- the actions -------------------------------------------------------------------------------
def _period(request: HttpRequest, pk: int) -> MonitoringPeriod:
    period = periods_for(request.user).filter(pk=pk).first()
    if period is None:
        raise Http404
    return period


def _finding(request: HttpRequest, pk: int) -> Finding:
    finding = (
        Finding.objects.filter(pk=pk, period__in=periods_for(request.user))
        .select_related("period__plan__grant")
        .first()
    )
    if finding is None:
        raise Http404
    return finding


def _page(request: HttpRequest, plan: MonitoringPlan, bound: dict) -> HttpResponse:
    """The project's monitoring page again, this part's posted form kept as typed."""
    from renkei.monitoring import views

    context: dict[str, Any] = {
        "plan": plan,
        "grant": plan.grant,
        "proposal": plan.grant.selection.proposal,
    }
    for part in views.PARTS:
        context.update(part.panel(request, plan))
    context.update(panel(request, plan, bound))
    return render(request, "monitoring/detail.html", context)


def _post(
    request: HttpRequest,
    obj: MonitoringPeriod | Finding,
    action: str,
    key: tuple[str, int],
    form: forms.Form,
    run,
    done: str,
) -> HttpResponse:
    """Check the permission, validate, run the service; on a refusal the page again with the
    form as typed and why."""
    require_can(request, action, obj)
    plan = (obj.period if isinstance(obj, Finding) else obj).plan
    answered = run_form(
        request, form, run, done=done, then=lambda _: redirect("monitoring:detail", pk=plan.pk)
    )
    return answered or _page(request, plan, {key: form})


def _view(
    name: str,
    action: str,
    *,
    on: str = "period",
    form=ActionForm,
    prefix: str = "",
    key: str = "action",
    run,
    done: str,
):
    """The view of one action: the period (or finding, ``on``) the viewer sees, else 404; the
    form (fields prefixed per row); ``run(actor, obj, cleaned_data)`` calls the service."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = _period(request, pk) if on == "period" else _finding(request, pk)
        bound = form(request.POST, prefix=f"{prefix}{obj.pk}" if prefix else None)
        return _post(
            request,
            obj,
            action,
            (key, obj.pk),
            bound,
            lambda c: run(request.user, obj, c),
            str(done),
        )

    view.__name__ = name
    return view


assign = _view(
    "assign",
    "assign_tpe",
    form=AssignForm,
    prefix="t",
    key="assign",
    run=lambda u, p, c: services.tpe_assign(actor=u, period=p, tpe=c["tpe"]),
    done=gettext_lazy("The period is assigned to the TPE."),
)
start = _view(
    "start",
    "start_verification",
    run=lambda u, p, c: services.verification_start(actor=u, period=p),
    done=gettext_lazy("The verification has started."),
)
finding = _view(
    "finding",
    "raise_finding",
    form=FindingForm,
    prefix="f",
    key="finding",
    run=lambda u, p, c: services.finding_raise(actor=u, period=p, **c),
    done=gettext_lazy("The finding is raised."),
)
return_ = _view(
    "return_",
    "return_period",
    run=lambda u, p, c: services.period_return(actor=u, period=p),
    done=gettext_lazy("The period is returned to the participant with its open findings."),
)
answer = _view(
    "answer",
    "answer_finding",
    on="finding",
    form=AnswerForm,
    prefix="a",
    key="answer",
    run=lambda u, f, c: services.finding_answer(actor=u, finding=f, **c),
    done=gettext_lazy("The answer is saved."),
)
close = _view(
    "close",
    "close_finding",
    on="finding",
    key="close",
    run=lambda u, f, c: services.finding_close(actor=u, finding=f),
    done=gettext_lazy("The finding is closed."),
)
issue = _view(
    "issue",
    "issue_verification",
    form=IssueForm,
    prefix="i",
    key="issue",
    run=lambda u, p, c: services.verification_issue(actor=u, period=p, **c),
    done=gettext_lazy("The verification is issued; the verified reductions are fixed."),
)


P = "monitoring/periods/<int:pk>/verification/"
urlpatterns: list = [
    path(P + "assign/", assign, name="verification_assign"),
    path(P + "start/", start, name="verification_start"),
    path(P + "findings/", finding, name="verification_finding"),
    path(P + "return/", return_, name="verification_return"),
    path(P + "issue/", issue, name="verification_issue"),
    path("monitoring/findings/<int:pk>/answer/", answer, name="verification_answer"),
    path("monitoring/findings/<int:pk>/close/", close, name="verification_close"),
]
