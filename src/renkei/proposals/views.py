"""Applicant and office pages of the proposal path; every write goes through a service."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei import access, clock
from renkei.accounts.models import Role
from renkei.calls.models import Round
from renkei.proposals import c3p_editor, editor, services
from renkei.proposals.models import Attachment, PartnerInvitation, Proposal, ProposalPartner
from renkei.rules._yaml import parse_yaml, yaml_problem
from renkei.services import NotAllowed, ServiceError


def _open_rounds(program: str | None = None):
    rounds = Round.objects.select_related("call").filter(deadline__gt=clock.now())
    return rounds.filter(call__program=program) if program else rounds


class PreRegistrationForm(forms.Form):  # 5.(1)① of the JCM call only
    round = forms.ModelChoiceField(
        queryset=Round.objects.none(), label=gettext_lazy("Deadline targeted")
    )
    # the lengths of the columns that store them (PreRegistration)
    organisation_name = forms.CharField(
        label=gettext_lazy("Representative participant"), max_length=200
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    title = forms.CharField(label=gettext_lazy("Project title"), max_length=300)
    country = forms.CharField(label=gettext_lazy("Host country (ISO code)"), max_length=2)
    technologies = forms.CharField(
        label=gettext_lazy("Technologies (comma separated)"), required=False, max_length=1000
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
        except ServiceError as exc:  # too late for the round, or a country the call lacks
            if any(e.startswith("country:") for e in exc.errors):
                form.add_error("country", str(exc))
            else:
                form.add_error(None if exc.errors else "round", str(exc))
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

    def clean_country(self) -> str:
        # whether the call covers it is the service's to decide (proposal_create), so the page
        # and the API are refused by the same code with the same message
        return self.cleaned_data["country"].strip().upper()


@login_required
def create(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "create_proposal"):
        raise Http404
    form = CreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            proposal = services.proposal_create(
                actor=request.user, round=d["round"], title=d["title"], country=d["country"]
            )
        except ServiceError as exc:  # e.g. a country the call does not cover
            field = "country" if any(e.startswith("country:") for e in exc.errors) else None
            form.add_error(field, str(exc))
        else:
            return redirect("proposals:edit", pk=proposal.pk)
    return render(request, "proposals/create.html", {"form": form})


def _visible(request: HttpRequest, pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal, pk=pk)
    if not access.can(request.user, "view", proposal):
        raise Http404  # do not reveal that it exists
    return proposal


def _lang() -> str:
    return get_language() or "ja"


def _assess(document: dict[str, Any]) -> dict[str, Any]:
    return editor.assess(document, _lang())


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible(request, pk))


def _detail_page(request: HttpRequest, proposal: Proposal, **extra: Any) -> HttpResponse:
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "versions": proposal.versions.all(),
            "attachments": _attachments(proposal),
            "partners": proposal.partners.select_related("organisation"),
            "invitations": proposal.partner_invitations.filter(
                state=PartnerInvitation.State.PENDING
            ),
            "can_edit": access.can(request.user, "edit", proposal),
            "can_manage_partners": access.can(request.user, "manage_partners", proposal),
            "is_partner": access.role_of(request.user) == Role.APPLICANT
            and not access.is_representative(request.user, proposal),
            "can_open_revision": access.can(request.user, "open_revision", proposal),
            "assessment": _assess(services.document_with_uploads(proposal, proposal.document)),
            "can_view_pin": _pin_visible(request.user, proposal),
            **extra,
        },
        status=400 if extra.get("partner_error") else 200,
    )


def _pin_visible(user: Any, proposal: Proposal) -> bool:
    pin = getattr(getattr(proposal, "selection", None), "pin", None)
    return pin is not None and access.can(user, "view_pin", pin)


@login_required
def partner_add(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":  # e.g. the language switch after a refused address
        return redirect(f"{reverse('proposals:detail', args=[pk])}#consortium")
    proposal = _visible(request, pk)
    email = request.POST.get("email", "")
    try:
        invitation = services.partner_add(actor=request.user, proposal=proposal, email=email)
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("proposals:detail", pk=pk)
    except ServiceError as exc:  # the page again, with what was typed and what was wrong
        return _detail_page(request, proposal, partner_email=email, partner_error=str(exc))
    messages.success(  # the same words whether or not an account has the address
        request,
        _(
            "Invitation recorded for %(email)s. If an applicant account uses this address, its "
            "users are told and can accept; the partner participant is listed here once they "
            "have. Without an account, they first request one (5.(1)②)."
        )
        % {"email": invitation.email},
    )
    return redirect(f"{reverse('proposals:detail', args=[pk])}#consortium")


def _own_invitation(request: HttpRequest, pk: int) -> PartnerInvitation:
    """An invitation, for the account it was sent to only (anyone else: not found)."""
    invitation = get_object_or_404(
        PartnerInvitation.objects.select_related("proposal__organisation"), pk=pk
    )
    if not services.may_answer(request.user, invitation):
        raise Http404
    return invitation


@login_required
def partner_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited account reads the invitation and accepts or declines it."""
    invitation = _own_invitation(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                services.partner_accept(actor=request.user, invitation=invitation)
                messages.success(request, _("You are now a partner participant of this proposal."))
                return redirect("proposals:detail", pk=invitation.proposal_id)
            services.partner_decline(actor=request.user, invitation=invitation)
            messages.success(request, _("The invitation was declined."))
            return redirect("home")
        except ServiceError as exc:
            messages.error(request, str(exc))
            invitation.refresh_from_db()
    return render(request, "proposals/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def partner_invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(PartnerInvitation, pk=pk)
    proposal = _visible(request, invitation.proposal_id)
    try:
        services.partner_invitation_withdraw(actor=request.user, invitation=invitation)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect(f"{reverse('proposals:detail', args=[proposal.pk])}#consortium")


@login_required
@require_POST
def partner_remove(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(ProposalPartner, pk=pk)
    proposal = _visible(request, partner.proposal_id)
    try:
        services.partner_remove(actor=request.user, partner=partner)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(org)s no longer sees this proposal.") % {"org": partner.organisation.name},
        )
    return redirect(f"{reverse('proposals:detail', args=[proposal.pk])}#consortium")


def _upload_limits() -> dict[str, Any]:
    """What the upload form says before a file is chosen: the types, the size and the number."""
    types = sorted(settings.RENKEI_UPLOAD_TYPES)
    return {
        "upload_types": ", ".join(types),
        "upload_accept": ",".join(types),
        "upload_max_size": services.human_size(settings.RENKEI_UPLOAD_MAX_BYTES),
        "upload_max_files": settings.RENKEI_UPLOAD_MAX_FILES,
    }


def _attachments(proposal: Proposal) -> list[tuple[Attachment, str]]:
    """Attachments in form 6's order, each labelled with its form number and name."""
    docs = services.required_documents(proposal.call)  # JCM form 6 or C3P 3.4
    order = {d.id: i for i, d in enumerate(docs)}
    labels = {d.id: f"{d.form + ' ' if d.form else ''}{d.name}" for d in docs}
    atts = sorted(
        proposal.attachments.current(),
        key=lambda a: (order.get(a.document_id, len(order)), a.id),
    )
    return [(a, labels.get(a.document_id, a.document_id)) for a in atts]


# libyaml's C emitter when present: the editor round-trips the whole document


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Never writes anchors and aliases, which the strict loader refuses (issue 12, point 3)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_DUMPER = _Dumper


def _yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)


def _yaml_problem(exc: Exception) -> str:
    """Where the YAML text cannot be read and what to write instead, in the page's language
    (the rules core's strict loader says it for what it refuses; else the parser's words)."""
    if not isinstance(exc, yaml.YAMLError):
        return str(exc)
    line, column, problem = yaml_problem(exc, _lang())
    if line is None:
        return _("The YAML cannot be read (%(problem)s).") % {"problem": problem}
    return _("The YAML cannot be read at line %(line)s, column %(column)s (%(problem)s).") % {
        "line": line,
        "column": column,
        "problem": problem,
    }


def _parse(text: str) -> Any:
    """The rules core's strict loader: no aliases, tags, non-text keys, NaN or NUL."""
    return parse_yaml(text)


def _editable(request: HttpRequest, pk: int) -> Proposal | None:
    proposal = _visible(request, pk)
    if not access.can(request.user, "edit", proposal):
        if (
            not access.is_representative(request.user, proposal)
            and access.role_of(request.user) == Role.APPLICANT
        ):
            messages.error(
                request,
                _("Only the representative participant (%(org)s) edits this proposal.")
                % {"org": proposal.organisation.name},
            )
        else:
            messages.error(
                request, _("This proposal is locked; the office can open it for revision.")
            )
        return None
    return proposal


def _page_context(proposal: Proposal, document: dict[str, Any]) -> dict[str, Any]:
    """What both editor pages show below the editor: form 6's checklist and the submit form."""
    attachments = proposal.attachments.current().order_by("id")
    jcm = proposal.call.program == JCM
    documents = services.required_documents(proposal.call)
    return {
        "proposal": proposal,
        "checklist": editor.form6_checklist(proposal.call.rulebook(), document, attachments)
        if jcm
        else [],
        "naming_rule": proposal.call.rulebook().required_documents.naming_rule if jcm else None,
        "required_documents": documents,  # JCM form 6, C3P 3.4
        "lists_other_references": any(d.id == "other_references" for d in documents),
        "attachments": _attachments(proposal),
        "submit_key": services.new_idempotency_key(),
        **_upload_limits(),
        "form_editor": True,  # JCM and C3P; the YAML editor is the advanced tab
    }


JCM = "jcm-model-project"


def _form_panel(proposal: Proposal, ed: editor.ProposalEditor) -> dict[str, Any]:
    """The live assessment of what the form says (its document is never saved here)."""
    if not ed.is_valid():
        return {"form_errors": ed.error_list()}
    document = ed.to_document(proposal.document)
    panel = editor.assess(services.document_with_uploads(proposal, document), _lang())
    if "errors" in panel:  # incomplete: say what is missing beside its field
        panel["issues"] = ed.attach_issues(document)
    return panel


def _form_editor(proposal: Proposal, data: dict[str, str], **kwargs: Any) -> Any:
    """The structured editor of the proposal's call (JCM: form 4's structure; C3P: 3.2–3.4)."""
    cls = editor.ProposalEditor if proposal.call.program == JCM else c3p_editor.C3pEditor
    return cls(data, book=proposal.call.rulebook(), lang=_lang(), **kwargs)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The proposal editor: form 4's structure for a JCM proposal, the C3P call's fields for C3P."""
    proposal = _editable(request, pk)
    if proposal is None:
        return redirect("proposals:detail", pk=pk)
    book = proposal.call.rulebook()
    jcm = proposal.call.program == JCM
    dropped: list[str] = []
    if request.method == "POST":
        data = editor.form_data(request.POST)
        action = request.POST.get("editor_action", "")
        focus = None
        if action:
            try:
                if jcm:
                    data, focus = editor.apply_action(data, action)
                else:
                    data, focus = c3p_editor.apply_action(data, action)
            except editor.TooLarge as exc:  # the row is not added; everything typed is kept
                messages.error(request, str(exc))
            except ValueError:
                return HttpResponseBadRequest(_("Unknown editor action."))
        try:
            ed = _form_editor(proposal, data, url=request.path, focus=focus)
        except editor.TooLarge as exc:  # refused before a form is built
            return _too_large(request, proposal, str(exc))
        if not action:
            if ed.is_valid():
                errors = services.proposal_update_document(
                    actor=request.user,
                    proposal=proposal,
                    document=ed.to_document(proposal.document),
                )
                saved = _("Draft saved.")
                if errors:
                    saved += " " + _("Items still needed before you can submit: %(n)s.") % {
                        "n": len(errors)
                    }
                messages.success(request, saved)
                return redirect("proposals:edit", pk=pk)
            messages.error(
                request,
                _("Not saved: correct the fields marked below; everything you typed is kept."),
            )
    else:
        if jcm:
            data, dropped = editor.document_to_data(proposal.document)
        else:
            data, dropped = c3p_editor.document_to_data(proposal.document, book)
        try:
            ed = _form_editor(proposal, data, url=request.path)
        except editor.TooLarge as exc:  # a document stored through YAML or the API
            messages.error(request, str(exc))
            return redirect("proposals:edit_yaml", pk=pk)
    context = _page_context(proposal, proposal.document)
    context.update({"ed": ed, "dropped": dropped, "assessment": _form_panel(proposal, ed)})
    if jcm:
        context["datalists"] = editor.datalists(book.id)
        return render(request, "proposals/edit.html", context)
    context["cost_total"] = c3p_editor.cost_total(ed)
    return render(request, "proposals/edit_c3p.html", context)


@login_required
def edit_yaml(request: HttpRequest, pk: int) -> HttpResponse:
    """The advanced editor: the whole proposal document as YAML (fields: `renkei schema`)."""
    proposal = _editable(request, pk)
    if proposal is None:
        return redirect("proposals:detail", pk=pk)
    return _yaml_editor(request, proposal)


def _yaml_editor(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    text = ""
    parse_error = ""
    if request.method == "POST":
        text = request.POST.get("document", "")
        try:
            document = _parse(text) or {}
            if not isinstance(document, dict):
                raise ValueError(_("the document must be a mapping of fields"))
        except (yaml.YAMLError, ValueError) as exc:
            parse_error = _yaml_problem(exc)
        else:
            services.proposal_update_document(
                actor=request.user, proposal=proposal, document=document
            )
            messages.success(request, _("Draft saved."))
            return redirect("proposals:edit_yaml", pk=proposal.pk)
    else:
        text = _yaml(proposal.document)
    context = _page_context(proposal, proposal.document)
    context.update(
        {"text": text, "parse_error": parse_error, "assessment": _assess(proposal.document)}
    )
    return render(request, "proposals/edit_yaml.html", context)


_REFUSED = "proposals/_assessment_refused.html"


def _too_large(request: HttpRequest, proposal: Proposal, message: str) -> HttpResponse:
    return render(
        request,
        "proposals/too_large.html",
        {"proposal": proposal, "message": message},
        status=400,
    )


@login_required
@require_POST
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Live assessment of the form or the YAML text being edited (htmx), without saving it.

    Only for those who may edit the proposal (the editor pages' users): a partner participant or
    the office sees the stored document's assessment on the proposal's page, and may not make
    the server build and assess documents of its own."""
    proposal = _visible(request, pk)
    if not access.can(request.user, "edit", proposal):
        message = _("Only those who may edit this proposal use its live assessment.")
        return render(request, _REFUSED, {"message": message}, status=403)
    expected = "jcm" if proposal.call.program == JCM else "c3p"
    if request.POST.get("editor") == expected:
        try:
            ed = _form_editor(proposal, editor.form_data(request.POST))
        except editor.TooLarge as exc:
            return render(request, _REFUSED, {"message": str(exc)}, status=400)
        return render(
            request, "proposals/_assessment.html", {"assessment": _form_panel(proposal, ed)}
        )
    try:
        document = _parse(request.POST.get("document", "")) or {}
        if not isinstance(document, dict):
            raise ValueError(_("the document must be a mapping of fields"))
    except (yaml.YAMLError, ValueError) as exc:
        ctx = {"errors": [_yaml_problem(exc)]}
    else:
        ctx = _assess({**document, "call": proposal.call.rulebook_id})
    return render(request, "proposals/_assessment.html", {"assessment": ctx})


def _back_to_attachments(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    page = "proposals:edit" if access.can(request.user, "edit", proposal) else "proposals:detail"
    return redirect(f"{reverse(page, args=[proposal.pk])}#attachments")


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
    return _back_to_attachments(request, proposal)


def _visible_attachment(request: HttpRequest, pk: int) -> Attachment:
    att = get_object_or_404(Attachment.objects.select_related("proposal"), pk=pk)
    _visible(request, att.proposal_id)
    return att


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    att = _visible_attachment(request, pk)
    try:
        services.attachment_remove(actor=request.user, attachment=att)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": att.original_name})
    return _back_to_attachments(request, att.proposal)


@login_required
@require_POST
def attachment_replace(request: HttpRequest, pk: int) -> HttpResponse:
    att = _visible_attachment(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            new = services.attachment_replace(actor=request.user, attachment=att, upload=upload)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("%(old)s was replaced by %(new)s.")
                % {"old": att.original_name, "new": new.original_name},
            )
    return _back_to_attachments(request, att.proposal)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _visible(request, pk)
    key = request.POST.get("key", "")
    try:
        version = services.proposal_submit(
            actor=request.user,
            proposal=proposal,
            idempotency_key=key,
            confirmed=request.POST.get("confirm") == "1",
        )
    except services.NeedsConfirmation as exc:  # listed before the proposal locks
        return render(
            request,
            "proposals/submit_confirm.html",
            {"proposal": proposal, "failing": exc.failing, "key": key},
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
