"""Applicant and office pages of the proposal path; every write goes through a service."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access, clock
from renkei.calls.models import Round
from renkei.errors import RenkeiError
from renkei.proposals import services
from renkei.proposals.models import Attachment, Proposal
from renkei.rules import assess_proposal, validate_proposal
from renkei.services import NotAllowed, ServiceError


def _open_rounds(program: str | None = None):
    rounds = Round.objects.select_related("call").filter(deadline__gt=clock.now())
    return rounds.filter(call__program=program) if program else rounds


class PreRegistrationForm(forms.Form):  # 5.(1)① of the JCM call only
    round = forms.ModelChoiceField(
        queryset=Round.objects.none(), label=gettext_lazy("Deadline targeted")
    )
    organisation_name = forms.CharField(label=gettext_lazy("Representative participant"))
    contact_name = forms.CharField(label=gettext_lazy("Contact person"))
    email = forms.EmailField(label=gettext_lazy("Email"))
    title = forms.CharField(label=gettext_lazy("Project title"), max_length=300)
    country = forms.CharField(label=gettext_lazy("Host country (ISO code)"), max_length=2)
    technologies = forms.CharField(
        label=gettext_lazy("Technologies (comma separated)"), required=False
    )
    needs_account = forms.BooleanField(
        label=gettext_lazy("We need an application account"), required=False, initial=True
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = _open_rounds("jcm-model-project")


def preregister(request: HttpRequest) -> HttpResponse:
    form = PreRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.preregistration_create(
                actor=request.user,
                round=data["round"],
                organisation_name=data["organisation_name"],
                contact_name=data["contact_name"],
                email=data["email"],
                title=data["title"],
                country=data["country"].upper(),
                technologies=[t.strip() for t in data["technologies"].split(",") if t.strip()],
                needs_account=data["needs_account"],
            )
        except ServiceError as exc:
            form.add_error("round", str(exc))
        else:
            messages.success(request, _("Pre-registration received."))
            return redirect("accounts:request" if data["needs_account"] else "home")
    return render(request, "proposals/preregister.html", {"form": form})


class CreateForm(forms.Form):
    round = forms.ModelChoiceField(
        queryset=Round.objects.none(), label=gettext_lazy("Deadline targeted")
    )
    title = forms.CharField(label=gettext_lazy("Project title"), max_length=300)
    country = forms.CharField(label=gettext_lazy("Host country (ISO code)"), max_length=2)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = _open_rounds()


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "create_proposal"):
        raise Http404
    form = CreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        proposal = services.proposal_create(
            actor=request.user, round=d["round"], title=d["title"], country=d["country"].upper()
        )
        return redirect("proposals:edit", pk=proposal.pk)
    return render(request, "proposals/create.html", {"form": form})


def _visible(request: HttpRequest, pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view", proposal):
        raise Http404  # do not reveal that it exists
    return proposal


def _assess(document: dict[str, Any]) -> dict[str, Any]:
    errors = services.document_errors(document)
    if errors:
        return {"errors": errors}
    try:
        result = assess_proposal(validate_proposal(document))
    except RenkeiError as exc:
        return {"errors": [str(exc)]}
    return {"result": result.to_dict(get_language() or "ja")}


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "versions": proposal.versions.all(),
            "attachments": _attachments(proposal),
            "can_edit": access.can(request.user, "edit", proposal),
            "can_open_revision": access.can(request.user, "open_revision", proposal),
            "assessment": _assess(proposal.document),
        },
    )


def _attachments(proposal: Proposal) -> list[tuple[Attachment, str]]:
    """Attachments in form 6's order, each labelled with its form number and name."""
    docs: list = []
    if proposal.call.program == "jcm-model-project":
        docs = list(proposal.call.rulebook().required_documents.documents)
    order = {d.id: i for i, d in enumerate(docs)}
    labels = {d.id: f"{d.form + ' ' if d.form else ''}{d.name_ja}" for d in docs}
    atts = sorted(
        proposal.attachments.all(), key=lambda a: (order.get(a.document_id, len(order)), a.id)
    )
    return [(a, labels.get(a.document_id, a.document_id)) for a in atts]


# libyaml's C emitter and parser when present: the editor round-trips the whole document
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)


def _parse(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # a safe loader (C or Python)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    if not access.can(request.user, "edit", proposal):
        messages.error(request, _("This proposal is locked; the office can open it for revision."))
        return redirect("proposals:detail", pk=pk)
    text = _yaml(proposal.document)
    parse_error = ""
    if request.method == "POST":
        text = request.POST.get("document", "")
        try:
            document = _parse(text) or {}
            if not isinstance(document, dict):
                raise ValueError(_("the document must be a mapping of fields"))
        except (yaml.YAMLError, ValueError) as exc:
            parse_error = str(exc)
        else:
            services.proposal_update_document(
                actor=request.user, proposal=proposal, document=document
            )
            messages.success(request, _("Draft saved."))
            return redirect("proposals:edit", pk=pk)
    return render(
        request,
        "proposals/edit.html",
        {
            "proposal": proposal,
            "text": text,
            "parse_error": parse_error,
            "assessment": _assess(proposal.document),
            "required_documents": proposal.call.rulebook().required_documents.documents
            if proposal.call.program == "jcm-model-project"
            else [],
            "attachments": _attachments(proposal),
            "submit_key": services.new_idempotency_key(),
        },
    )


@login_required
@require_POST
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Live assessment of the text being edited (htmx), without saving it."""
    proposal = _visible(request, pk)
    try:
        document = _parse(request.POST.get("document", "")) or {}
        if not isinstance(document, dict):
            raise ValueError(_("the document must be a mapping of fields"))
    except (yaml.YAMLError, ValueError) as exc:
        ctx = {"errors": [str(exc)]}
    else:
        ctx = _assess({**document, "call": proposal.call.rulebook_id})
    return render(request, "proposals/_assessment.html", {"assessment": ctx})


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.attachment_add(
                actor=request.user,
                proposal=proposal,
                document_id=request.POST.get("document_id", ""),
                upload=upload,
            )
            messages.success(request, _("File uploaded."))
        except ServiceError as exc:
            messages.error(request, str(exc))
    return redirect("proposals:edit", pk=pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    try:
        version = services.proposal_submit(
            actor=request.user, proposal=proposal, idempotency_key=request.POST.get("key", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
        for line in exc.errors:
            messages.error(request, line)
        return redirect(
            "proposals:edit" if access.can(request.user, "edit", proposal) else "proposals:detail",
            pk=pk,
        )
    messages.success(
        request,
        _("Submitted. Receipt number: %(receipt)s") % {"receipt": version.proposal.receipt_number},
    )
    return redirect("proposals:detail", pk=pk)


@login_required
@require_POST
def open_revision(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    try:
        services.proposal_open_revision(
            actor=request.user, proposal=proposal, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The proposal is open for revision."))
    except (ServiceError, NotAllowed) as exc:
        messages.error(request, str(exc))
    return redirect("proposals:detail", pk=pk)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    att = get_object_or_404(Attachment, pk=pk)
    if not access.can(request.user, "download", att):
        raise Http404
    return FileResponse(
        att.file.open("rb"),
        as_attachment=True,
        filename=att.original_name,
        content_type=att.content_type,
    )
