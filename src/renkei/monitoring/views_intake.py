"""The monitoring stage's intake pages: the uploads panel on the project's monitoring page (the
representative's applicants upload the monitoring spreadsheet or interval meter data there), and
one page per upload with its progress while the task runner imports it, then what it read, kept
and left out, every bad cell by sheet and cell, and the quality findings; the original file can
be downloaded by everyone who sees the plan."""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkei import access
from renkei.monitoring.models import DataUpload, MonitoringPlan
from renkei.monitoring.services import intake as services
from renkei.web.forms_run import require_can, run_form

SHOWN = 200  # readings listed on an upload's page


class SheetForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Monitoring spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy(
            "Columns: site, point, parameter, start, end, value, unit (and meter). Times in ISO "
            "8601; without an offset they are read as Japan time."
        ),
    )


class IntervalForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Interval meter data (.csv)"),
        help_text=gettext_lazy("Columns: site, point, timestamp, value; many sites at once."),
    )
    unit = forms.CharField(label=gettext_lazy("Unit of the values"), max_length=20)
    interval_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Interval (minutes)"),
        choices=[(n, str(n)) for n in services.INTERVALS],
        coerce=int,
        initial=15,
    )


def _plan(request: HttpRequest, pk: int) -> MonitoringPlan:
    from renkei.monitoring.views import visible_plan

    return visible_plan(request, pk)


def _upload(request: HttpRequest, pk: int, upload_pk: int) -> DataUpload:
    plan = _plan(request, pk)
    upload = plan.uploads.filter(pk=upload_pk).first()
    if upload is None:
        raise Http404
    return upload


def panel(request: HttpRequest, plan, bound: dict | None = None) -> dict:
    """The context of this part's panel on the project's monitoring page."""
    bound = bound or {}
    can_upload = access.can(request.user, "upload_monitoring_data", plan)
    return {
        "intake": {
            "uploads": plan.uploads.select_related("uploaded_by").order_by("-uploaded_at", "-pk"),
            "can_upload": can_upload,
            "sheet_form": bound.get("sheet") or (SheetForm() if can_upload else None),
            "interval_form": bound.get("interval") or (IntervalForm() if can_upload else None),
        }
    }


def _again(request: HttpRequest, plan: MonitoringPlan, name: str, form: forms.Form):
    """The project's page again with the posted form and why it was refused (nothing stored)."""
    from renkei.monitoring.views import PARTS

    context = {"plan": plan, "grant": plan.grant, "proposal": plan.grant.selection.proposal}
    for part in PARTS:
        context.update(part.panel(request, plan))
    context.update(panel(request, plan, {name: form}))
    return render(request, "monitoring/detail.html", context)


def _post(request: HttpRequest, pk: int, name: str, form: forms.Form, run) -> HttpResponse:
    plan = _plan(request, pk)
    require_can(request, "upload_monitoring_data", plan)
    answered = run_form(
        request,
        form,
        lambda data: run(plan, data),
        done=_("The file is uploaded."),
        then=lambda upload: redirect("monitoring:intake_upload", pk=plan.pk, upload_pk=upload.pk),
    )
    return answered or _again(request, plan, name, form)


@login_required
@require_POST
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "sheet",
        SheetForm(request.POST, request.FILES),
        lambda plan, c: services.upload_sheet(actor=request.user, plan=plan, upload=c["file"]),
    )


@login_required
@require_POST
def interval(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        "interval",
        IntervalForm(request.POST, request.FILES),
        lambda plan, c: services.upload_interval(
            actor=request.user,
            plan=plan,
            upload=c["file"],
            unit=c["unit"].strip(),
            interval_minutes=c["interval_minutes"],
        ),
    )


@login_required
@require_GET
def upload_page(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    upload = _upload(request, pk, upload_pk)
    running = upload.status in (DataUpload.Status.QUEUED, DataUpload.Status.RUNNING)
    return render(
        request,
        "monitoring/intake/upload.html",
        {
            "plan": upload.plan,
            "grant": upload.plan.grant,
            "upload": upload,
            "running": running,
            "left_out": max(upload.rows_read - upload.rows_kept, 0),
            "readings": upload.readings.select_related("point__site").order_by("start", "pk")[
                :SHOWN
            ],
            "shown": SHOWN,
        },
    )


@login_required
@require_GET
def upload_file(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    """The original file, as uploaded (nothing lost)."""
    return original_file(_upload(request, pk, upload_pk))


def original_file(upload: DataUpload) -> FileResponse:
    """The upload's file as it was uploaded, from the platform's storage (404 if it is gone)."""
    try:
        handle = default_storage.open(upload.stored_name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(upload.original_name)[0] or "application/octet-stream"
    return FileResponse(
        handle, as_attachment=True, filename=upload.original_name, content_type=content_type
    )


urlpatterns: list = [
    path("monitoring/<int:pk>/uploads/sheet/", sheet, name="intake_sheet"),
    path("monitoring/<int:pk>/uploads/interval/", interval, name="intake_interval"),
    path("monitoring/<int:pk>/uploads/<int:upload_pk>/", upload_page, name="intake_upload"),
    path("monitoring/<int:pk>/uploads/<int:upload_pk>/file/", upload_file, name="intake_file"),
]
