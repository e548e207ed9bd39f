"""The credits stage's cycle pages (JCM 2.(1)①, 2.(5)②(イ)(オ), 5.(3)①(ケ)): the cycle panel on
the project's page (the PDD and its documents, the TPE's validation with its findings, the
registration request and the Joint Committee's decision, the credit allocation agreement with
its versions), the opening of a project from the list, and one URL per action, each calling one
service. On a refusal or a bad value the project's page is shown again with the form as typed
and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkei import access
from renkei.accounts.models import Organisation
from renkei.credits.models.cycle import (
    AllocationAgreement,
    CycleDocument,
    JcmProject,
    ProjectState,
    ValidationFinding,
)
from renkei.credits.policy import projects_for
from renkei.credits.policy.cycle import RULES
from renkei.credits.services import cycle as services
from renkei.monitoring.policy import plans_for
from renkei.web.forms_run import require_can, run_form

S = ProjectState
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
LIMIT = services.TEXT_LIMIT


# --- forms -------------------------------------------------------------------------------------
class ActionForm(forms.Form):
    """A button without fields: only the service's refusal to show."""


class PddForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("PDD title"), max_length=300)
    lsc_held_on = forms.DateField(
        label=gettext_lazy("Local stakeholder consultation held on"), widget=DATE
    )
    lsc_summary = forms.CharField(
        label=gettext_lazy("Local stakeholder consultation: who was heard, what was said"),
        widget=TEXTAREA,
        max_length=LIMIT,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the new version"),
        widget=TEXTAREA,
        max_length=LIMIT,
        required=False,
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of document"), choices=CycleDocument.Kind.choices
    )
    file = forms.FileField(label=gettext_lazy("File"))


class AssignForm(forms.Form):
    tpe = forms.ModelChoiceField(
        label=gettext_lazy("Third-party entity (TPE)"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.TPE).order_by("name"),
        empty_label="—",
    )


class FindingForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of finding"), choices=ValidationFinding.Kind.choices
    )
    text = forms.CharField(label=gettext_lazy("Finding"), widget=TEXTAREA, max_length=LIMIT)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Answer"), widget=TEXTAREA, max_length=LIMIT)


class ValidationForm(forms.Form):
    validated_on = forms.DateField(label=gettext_lazy("Date of the validation"), widget=DATE)
    opinion = forms.CharField(
        label=gettext_lazy("Validation opinion"), widget=TEXTAREA, max_length=LIMIT
    )


class RegistrationRequestForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the Joint Committee"),
        widget=TEXTAREA,
        max_length=LIMIT,
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("register", gettext_lazy("Register the project")),
            ("refuse", gettext_lazy("Refuse the registration")),
        ],
        widget=forms.RadioSelect,
    )
    registered_on = forms.DateField(
        label=gettext_lazy("Date of registration (R)"), widget=DATE, required=False
    )
    reference = forms.CharField(
        label=gettext_lazy("JCM project reference"), max_length=40, required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the refusal"),
        widget=TEXTAREA,
        max_length=LIMIT,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "register":
            if not data.get("registered_on"):
                self.add_error("registered_on", gettext_lazy("Give the date of registration."))
            if not data.get("reference"):
                self.add_error("reference", gettext_lazy("Give the JCM project reference."))
        elif data.get("decision") == "refuse" and not data.get("reason"):
            self.add_error("reason", gettext_lazy("Say why the registration is refused."))
        return data


class AgreementForm(forms.Form):
    """Form 5: the date, the Government of Japan's share and each consortium member's share
    (blank: not a party), and the reason for a change."""

    agreed_on = forms.DateField(label=gettext_lazy("Date of the agreement"), widget=DATE)
    goj = forms.DecimalField(
        label=gettext_lazy("Share of the Government of Japan (%)"),
        max_digits=7,
        decimal_places=4,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        widget=TEXTAREA,
        max_length=LIMIT,
        required=False,
    )

    def __init__(self, *args: Any, members: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for org in members:
            self.fields[f"share_{org.pk}"] = forms.DecimalField(
                label=gettext_lazy("Share of %(org)s (%%)") % {"org": org.name},
                max_digits=7,
                decimal_places=4,
                required=False,
            )

    def participants(self) -> list[tuple[int, Any]]:
        data = self.cleaned_data
        return [
            (org.pk, data[f"share_{org.pk}"])
            for org in self.members
            if data.get(f"share_{org.pk}") is not None
        ]


# --- the list's part and the panel -------------------------------------------------------------
def list_context(request: HttpRequest) -> dict[str, Any]:
    """The monitored projects the viewer may open a JCM project for (none open yet)."""
    plans = [
        plan
        for plan in plans_for(request.user)
        .filter(jcm_project__isnull=True)
        .order_by("grant__number")
        if access.can(request.user, "open_jcm_project", plan)
    ]
    return {"cycle_openable": plans}


def _agreement_form(project: JcmProject, data: Any = None) -> AgreementForm:
    members = services.consortium(project)
    current = services.agreement_current(project)
    initial: dict[str, Any] = {"agreed_on": services.today()}
    if current is not None:
        for share in current.shares.all():
            if share.is_government:
                initial["goj"] = share.percent.normalize()
            else:
                initial[f"share_{share.organisation_id}"] = share.percent.normalize()
    return AgreementForm(data, members=members, initial=initial, prefix="ag")


def panel(request: HttpRequest, project: JcmProject) -> dict[str, Any]:
    """The context of the cycle panel: what the viewer may see and do on the project."""
    user = request.user
    can = {action: access.can(user, action, project) for action in RULES}
    pdds = list(project.pdds.order_by("-version").prefetch_related("documents"))
    findings = list(project.validation_findings.order_by("raised_at", "pk"))
    agreements = (
        list(
            AllocationAgreement.objects.filter(project=project)
            .order_by("-version")
            .prefetch_related("shares__organisation")
        )
        if can["view_allocation_agreement"]
        else []
    )
    latest = pdds[0] if pdds else None
    return {
        "cycle_S": S,
        "cycle_can": can,
        "cycle_pdds": pdds,
        "cycle_latest_pdd": latest,
        "cycle_assignment": getattr(project, "validation_assignment", None),
        "cycle_findings": [
            {
                "finding": f,
                "answer_form": AnswerForm(initial={"answer": f.answer}, prefix=f"a{f.pk}"),
            }
            for f in findings
        ],
        "cycle_open_findings": sum(f.status != "closed" for f in findings),
        "cycle_report": getattr(project, "validation_report", None),
        "cycle_requests": list(project.registration_requests.order_by("-requested_at")),
        "cycle_due": services.registration_due(project),
        "cycle_agreements": agreements,
        "cycle_minimum": services.goj_minimum(),
        "cycle_forms": {
            "pdd": PddForm(
                prefix="pdd",
                initial={
                    "title": latest.title,
                    "lsc_held_on": latest.lsc_held_on,
                    "lsc_summary": latest.lsc_summary,
                }
                if latest
                else None,
            ),
            "document": DocumentForm(prefix="doc"),
            "assign": AssignForm(prefix="tpe"),
            "finding": FindingForm(prefix="fnd"),
            "validation": ValidationForm(prefix="val", initial={"validated_on": services.today()}),
            "registration": RegistrationRequestForm(prefix="reg"),
            "decision": DecisionForm(prefix="dec", initial={"registered_on": services.today()}),
            "agreement": _agreement_form(project) if can["record_allocation_agreement"] else None,
        },
        "cycle_action_error": None,
    }


# --- the actions -------------------------------------------------------------------------------
def _project(request: HttpRequest, pk: int) -> JcmProject:
    project = projects_for(request.user).filter(pk=pk).first()
    if project is None:
        raise Http404
    return project


def _finding(request: HttpRequest, pk: int) -> ValidationFinding:
    finding = (
        ValidationFinding.objects.filter(pk=pk, project__in=projects_for(request.user))
        .select_related("project__plan__grant__selection__proposal")
        .first()
    )
    if finding is None:
        raise Http404
    return finding


def _page(request: HttpRequest, project: JcmProject, key: str, form: forms.Form) -> HttpResponse:
    """The project's page again, the posted form kept as typed with its errors."""
    from renkei.credits import views

    context = panel(request, project)
    if isinstance(form, ActionForm):
        context["cycle_action_error"] = form
    elif key.startswith("answer:"):
        for item in context["cycle_findings"]:
            if f"answer:{item['finding'].pk}" == key:
                item["answer_form"] = form
    else:
        context["cycle_forms"] = {**context["cycle_forms"], key: form}
    return views.detail_page(request, project, context)


def _view(
    name: str,
    action: str,
    *,
    key: str,
    run: Callable[[Any, Any, dict[str, Any]], Any],
    done: str,
    form: Callable[..., forms.Form] = lambda project, data, files: ActionForm(data),
    on: str = "project",
):
    """The view of one action on a project (or a finding, ``on``) the viewer sees, else 404;
    403 if the viewer may not act; ``run(actor, obj, cleaned_data)`` calls the service."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        obj = _project(request, pk) if on == "project" else _finding(request, pk)
        project = obj if on == "project" else obj.project
        require_can(request, action, obj)
        bound = form(obj, request.POST, request.FILES)
        answered = run_form(
            request,
            bound,
            lambda c: run(request.user, obj, c),
            done=str(done),
            then=lambda _r: redirect("credits:detail", pk=project.pk),
        )
        form_key = key if on == "project" else f"{key}:{obj.pk}"
        return answered or _page(request, project, form_key, bound)

    view.__name__ = name
    return view


def _with_form(cls: type[forms.Form], prefix: str):
    return lambda project, data, files: cls(data, files, prefix=prefix)


pdd = _view(
    "pdd",
    "save_pdd",
    key="pdd",
    form=_with_form(PddForm, "pdd"),
    run=lambda u, p, c: services.pdd_save(actor=u, project=p, **c),
    done=gettext_lazy("The PDD is saved as a new version."),
)
document = _view(
    "document",
    "add_pdd_document",
    key="document",
    form=_with_form(DocumentForm, "doc"),
    run=lambda u, p, c: services.pdd_document_add(
        actor=u, project=p, kind=c["kind"], upload=c["file"]
    ),
    done=gettext_lazy("The document is uploaded."),
)
validation_request = _view(
    "validation_request",
    "request_validation",
    key="action",
    run=lambda u, p, c: services.validation_request(actor=u, project=p),
    done=gettext_lazy("The PDD is handed to validation."),
)
assign = _view(
    "assign",
    "assign_validation_tpe",
    key="assign",
    form=_with_form(AssignForm, "tpe"),
    run=lambda u, p, c: services.validation_tpe_assign(actor=u, project=p, tpe=c["tpe"]),
    done=gettext_lazy("The validation is assigned to the TPE."),
)
finding = _view(
    "finding",
    "raise_validation_finding",
    key="finding",
    form=_with_form(FindingForm, "fnd"),
    run=lambda u, p, c: services.validation_finding_raise(actor=u, project=p, **c),
    done=gettext_lazy("The finding is raised."),
)
answer = _view(
    "answer",
    "answer_validation_finding",
    key="answer",
    on="finding",
    form=lambda f, data, files: AnswerForm(data, prefix=f"a{f.pk}"),
    run=lambda u, f, c: services.validation_finding_answer(actor=u, finding=f, **c),
    done=gettext_lazy("The answer is saved."),
)
close = _view(
    "close",
    "close_validation_finding",
    key="close",
    on="finding",
    form=lambda f, data, files: ActionForm(data),
    run=lambda u, f, c: services.validation_finding_close(actor=u, finding=f),
    done=gettext_lazy("The finding is closed."),
)
validate = _view(
    "validate",
    "issue_validation",
    key="validation",
    form=_with_form(ValidationForm, "val"),
    run=lambda u, p, c: services.validation_issue(actor=u, project=p, **c),
    done=gettext_lazy("The validation report is issued."),
)
registration = _view(
    "registration",
    "request_registration",
    key="registration",
    form=_with_form(RegistrationRequestForm, "reg"),
    run=lambda u, p, c: services.registration_request(actor=u, project=p, **c),
    done=gettext_lazy("Registration is requested from the Joint Committee."),
)
decide = _view(
    "decide",
    "decide_registration",
    key="decision",
    form=_with_form(DecisionForm, "dec"),
    run=lambda u, p, c: services.registration_decide(
        actor=u,
        project=p,
        register=c["decision"] == "register",
        registered_on=c.get("registered_on"),
        reference=c.get("reference") or "",
        reason=c.get("reason") or "",
    ),
    done=gettext_lazy("The Joint Committee's decision is recorded."),
)


def _agreement_bound(project: JcmProject, data: Any, files: Any) -> AgreementForm:
    return _agreement_form(project, data)


agreement = _view(
    "agreement",
    "record_allocation_agreement",
    key="agreement",
    form=_agreement_bound,
    run=lambda u, p, c: services.agreement_record(
        actor=u,
        project=p,
        agreed_on=c["agreed_on"],
        goj_percent=c["goj"],
        participants=[
            (int(k.removeprefix("share_")), v)
            for k, v in c.items()
            if k.startswith("share_") and v is not None
        ],
        reason=c.get("reason") or "",
    ),
    done=gettext_lazy("The credit allocation agreement is recorded as a new version."),
)


@login_required
@require_POST
def open_project(request: HttpRequest, plan_pk: int) -> HttpResponse:
    """Open the JCM project of a monitoring plan the viewer sees (office or filer)."""
    from django.contrib import messages

    from renkei.services import NotAllowed, ServiceError

    plan = plans_for(request.user).filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    require_can(request, "open_jcm_project", plan)
    try:
        project = services.project_open(actor=request.user, plan=plan)
    except NotAllowed:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied from None
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("credits:list")
    messages.success(request, gettext_lazy("The JCM project is open."))
    return redirect("credits:detail", pk=project.pk)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    doc = (
        CycleDocument.objects.filter(pk=pk, pdd__project__in=projects_for(request.user))
        .select_related("pdd")
        .first()
    )
    if doc is None:
        raise Http404
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name,
        content_type=doc.content_type,
    )


P = "credits/<int:pk>/"
urlpatterns: list = [
    path("credits/plans/<int:plan_pk>/open/", open_project, name="cycle_open"),
    path(P + "pdd/", pdd, name="cycle_pdd"),
    path(P + "pdd/documents/", document, name="cycle_document"),
    path("credits/documents/<int:pk>/", document_download, name="cycle_document_download"),
    path(P + "validation/request/", validation_request, name="cycle_validation_request"),
    path(P + "validation/assign/", assign, name="cycle_validation_assign"),
    path(P + "validation/findings/", finding, name="cycle_finding"),
    path("credits/validation-findings/<int:pk>/answer/", answer, name="cycle_finding_answer"),
    path("credits/validation-findings/<int:pk>/close/", close, name="cycle_finding_close"),
    path(P + "validation/report/", validate, name="cycle_validation_issue"),
    path(P + "registration/request/", registration, name="cycle_registration_request"),
    path(P + "registration/decision/", decide, name="cycle_registration_decide"),
    path(P + "agreement/", agreement, name="cycle_agreement"),
]
