"""The C3P exit part's services (issue 11; guidebook §1.2, §2.3, Ref. Tables 7 and 8; spec §3.11):
exits from a C3P project, each with its permission check, fresh rows under lock, audit event and
notices (the lead organisation and the office) after commit.

- ``c3p_exit_start_jcm``: a member of the lead organisation starts a JCM Model Project proposal
  linked to the project (``Proposal.c3p_origin``) and prefilled from it: the country, the partner
  city as the site, the lead organisation as the representative participant, the consortium's
  foreign organisations as named partners, the technologies chosen, the study's GHG reduction
  estimate; the exit records what was prefilled and from where. One open draft per project and
  organisation: a second start is refused with a link to the first.
- ``c3p_exit_record``: an exit into another scheme of Tables 7 and 8 (a row of the tables) or one
  they do not list (its name), with its status and link.
- ``c3p_exit_status_change``: considering → applied → adopted / not adopted, or withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renkei import access, clock
from renkei.accounts.models import Organisation, Role
from renkei.accounts.notices import notify
from renkei.audit.services import audit_record
from renkei.c3p.models import C3pExit, C3pExitStatusChange, C3pProject
from renkei.calls.models import Program, Round
from renkei.errors import RenkeiError
from renkei.proposals import services as proposals
from renkei.proposals.forms import technologies as annex3_technologies
from renkei.proposals.models import Proposal, ProposalState
from renkei.rules.c3p.exits import STATUSES, exit_schemes, may_move
from renkei.services import NotAllowed, ServiceError, check_lengths, clean_text

__all__ = [
    "DraftAlreadyOpen",
    "c3p_exit_record",
    "c3p_exit_start_jcm",
    "c3p_exit_status_change",
    "jcm_prefill",
    "open_jcm_rounds",
]

JST = ZoneInfo("Asia/Tokyo")
RULEBOOK = "c3p/fy2025"  # the guidebook edition whose Tables 7 and 8 are the reference data


class DraftAlreadyOpen(ServiceError):
    """The organisation already has an open JCM draft started from this C3P project."""

    def __init__(self, message: str, proposal: Proposal):
        super().__init__(message)
        self.proposal = proposal


def _require(user: Any, action: str, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def _tell(project: C3pProject, subject: str, message: str, **values: Any) -> None:
    """The lead organisation's applicants and the office (C3P BOX 6: the office follows the
    project; the exit is the lead organisation's)."""
    users = get_user_model().objects.filter(is_active=True)
    people = list(
        users.filter(role=Role.APPLICANT, organisation=project.proposal.organisation_id)
    ) + list(users.filter(role=Role.OFFICE))
    notify(
        people,
        subject=subject,
        message=message,
        link=f"/c3p/projects/{project.pk}/#exits",
        values={"title": project.proposal.title, **values},
    )


def _locked_project(project: C3pProject) -> C3pProject:
    return (
        C3pProject.objects.select_for_update(of=("self",))  # the selection is an outer join
        .select_related("proposal__organisation", "proposal__selection__version")
        .get(pk=project.pk)
    )


# --- the JCM Model Project proposal ------------------------------------------------------------
def open_jcm_rounds() -> list[Round]:
    """The JCM Model Project rounds still taking proposals (deadline ahead), soonest first."""
    return list(
        Round.objects.select_related("call")
        .filter(call__program=Program.JCM)
        .filter(deadline__gt=clock.now())
        .order_by("deadline")
    )


def _c3p_document(project: C3pProject) -> dict[str, Any]:
    selection = getattr(project.proposal, "selection", None)
    return dict(selection.version.document) if selection is not None else {}


_ENTITY_TYPES = {Organisation.Kind.COMPANY: "private_company"}


def jcm_prefill(
    project: C3pProject,
    round: Round,
    organisation: Organisation,
    *,
    title: str,
    technologies: Sequence[str] = (),
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The JCM proposal document prefilled from the C3P project, and the list of what was
    prefilled from where (``field``, ``value``, ``source``: shown on the page, kept on the
    exit). Only what maps is filled; the rest is the applicant's to write in the editor."""
    c3p = _c3p_document(project)
    partner_city = c3p.get("partner_city") or {}
    japanese_city = c3p.get("japanese_city") or {}
    c3p_project = c3p.get("project") or {}
    estimates = c3p.get("estimates") or {}
    country = (partner_city.get("country") or project.proposal.country or "").upper()
    source_doc = _("the adopted C3P proposal %(receipt)s") % {
        "receipt": project.proposal.receipt_number or project.proposal.pk
    }
    filled: list[dict[str, str]] = []

    def said(field: str, value: Any, source: str) -> None:
        filled.append({"field": field, "value": str(value), "source": source})

    representative: dict[str, Any] = {
        "name": organisation.name,
        "country": organisation.country or "JP",
    }
    if organisation.name_en:
        representative["name_en"] = organisation.name_en
    if organisation.kind in _ENTITY_TYPES:
        representative["entity_type"] = _ENTITY_TYPES[organisation.kind]
    said(_("Representative participant"), organisation.name, _("your organisation's account"))
    partners = []
    # the consortium's organisations linked on the platform that are incorporated abroad: named
    # in the document only; on Renkei they see the proposal once they accept an invitation
    for p in project.proposal.partners.select_related("organisation"):
        org = p.organisation
        if org.country and org.country != "JP":
            partners.append(
                {"name": org.name, "name_en": org.name_en, "country": org.country, "role": ""}
            )
            said(_("Partner participant (named only)"), org.name, _("the C3P consortium"))
    said(_("Host country"), country, source_doc)
    city = partner_city.get("name") or ""
    site: dict[str, Any] = {
        "id": "site-1",
        "name": city,
        "location": ", ".join(x for x in (city, country) if x),
        "technologies": [],
    }
    if city:
        said(_("Site"), city, _("%(source)s: the partner city") % {"source": source_doc})
    reduction = estimates.get("ghg_reduction_tco2_per_year")
    lines = [{"technology": t} for t in technologies] or [{"technology": ""}]
    for t in technologies:
        said(_("Technology"), t, _("chosen when starting"))
    if reduction is not None and Decimal(str(reduction)) > 0:
        lines[0]["annual_reduction_tco2"] = str(reduction)
        said(
            _("GHG reduction of the first technology line (tCO2/year)"),
            reduction,
            _("%(source)s: the study's estimate (Table 6 item 1)") % {"source": source_doc},
        )
    site["technologies"] = lines
    title_en = c3p_project.get("title_en") or ""
    summary = _(
        "Prepared under the C3P project “%(title)s” (%(japan)s – %(partner)s), the primary exit "
        "strategy of the C3P (guidebook §1.2)."
    ) % {
        "title": project.proposal.title,
        "japan": japanese_city.get("name_en") or japanese_city.get("name_ja") or "",
        "partner": city,
    }
    document: dict[str, Any] = {
        "call": round.call.rulebook_id,
        "title": title,
        "country": country,
        "target_deadline": round.deadline.astimezone(JST).isoformat(),
        "assessed_on": clock.now().astimezone(JST).date().isoformat(),
        "consortium": {"representative": representative, "partners": partners},
        "sites": [site],
        "project_idea": {"title_en": title_en, "summary_en": summary},
    }
    if title_en:
        said(_("Project title in English (PIN)"), title_en, source_doc)
    said(_("Project outline in English (PIN)"), _("a sentence naming the C3P project"), "Renkei")
    return document, filled


def _open_draft(project: C3pProject, organisation: Organisation) -> Proposal | None:
    return Proposal.objects.filter(
        c3p_origin=project, organisation=organisation, state=ProposalState.DRAFT
    ).first()


def c3p_exit_start_jcm(
    *,
    actor: Any,
    project: C3pProject,
    round: Round,
    title: str,
    technologies: Sequence[str] = (),
) -> C3pExit:
    """A JCM Model Project proposal of the actor's organisation (the project's lead
    organisation), linked to the C3P project and prefilled from it (C3P §1.2, §2.3; Ref. Table 7
    row 1). Refused: someone not of the lead organisation; a round of another programme or past
    its deadline; a country that is not a JCM partner country (JCM 2.(3); spec §5.3 X-03); a
    second draft while one is open (the refusal links it)."""
    _require(actor, "start_c3p_jcm_exit", project)
    title = clean_text(title, _("Title"), limit=300)
    if round.call.program != Program.JCM:
        raise ServiceError(
            _("Choose a round of the JCM Model Project call (C3P Ref. Table 7 row 1).")
        )
    if round.deadline <= clock.now():
        raise ServiceError(
            _(
                "The round “%(round)s” closed on %(deadline)s (JCM 2.(11), 5.(2)); choose a round "
                "still open."
            )
            % {"round": round.name, "deadline": f"{round.deadline.astimezone(JST):%Y-%m-%d %H:%M}"}
        )
    technologies = list(dict.fromkeys(t.strip() for t in technologies if t and t.strip()))
    known = {t.id for t in annex3_technologies(round.call.rulebook_id)}
    unknown = [t for t in technologies if t not in known]
    if unknown:
        raise ServiceError(
            _("%(names)s: not a technology of annex 3 (JCM 別添3); choose from the list.")
            % {"names": ", ".join(unknown)[:200]}
        )
    with transaction.atomic():
        project = _locked_project(project)
        organisation = actor.organisation
        open_draft = _open_draft(project, organisation)
        if open_draft is not None:
            raise DraftAlreadyOpen(
                _(
                    "Your organisation already has a JCM draft started from this C3P project: "
                    "“%(title)s” (/proposals/%(pk)s/). Continue that draft; a new one can be "
                    "started once it is submitted (C3P Ref. Table 7 row 1)."
                )
                % {"title": open_draft.title, "pk": open_draft.pk},
                open_draft,
            )
        document, filled = jcm_prefill(
            project, round, organisation, title=title, technologies=technologies
        )
        try:
            country = proposals.check_call_country(round.call, document["country"])
        except ServiceError as exc:
            raise ServiceError(
                _(
                    "The C3P project's country %(code)s is not a JCM partner country of this call "
                    "(JCM 2.(3); a C3P candidate country may not yet be one, spec §5.3 X-03): a "
                    "JCM Model Project proposal cannot be started for it. %(reason)s"
                )
                % {"code": document["country"] or "—", "reason": str(exc)}
            ) from exc
        try:
            with transaction.atomic():
                proposal = proposals.proposal_create(
                    actor=actor, round=round, title=title, country=country, document=document
                )
                # the database's one-draft rule is met here: a start racing this one (past the
                # project's lock, e.g. on SQLite) made the draft first
                Proposal.objects.filter(pk=proposal.pk).update(c3p_origin=project)
        except IntegrityError as exc:
            raise ServiceError(
                _(
                    "Your organisation already has a JCM draft started from this C3P project; "
                    "open it from the project's page (C3P Ref. Table 7 row 1)."
                )
            ) from exc
        proposal.refresh_from_db()
        exit_ = C3pExit.objects.create(
            project=project,
            organisation=organisation,
            kind=C3pExit.Kind.JCM,
            proposal=proposal,
            prefilled=filled,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            obj=exit_,
            action="c3p_exit_start_jcm",
            to_state=proposal.state,
            payload={"project": project.pk, "proposal": proposal.pk, "round": round.pk},
        )
        _tell(
            project,
            gettext_noop("[Renkei] JCM proposal started from a C3P project"),
            gettext_noop(
                "A JCM Model Project proposal “%(proposal)s” was started from the C3P project "
                "“%(title)s” by %(organisation)s (C3P §1.2; Ref. Table 7)."
            ),
            proposal=proposal.title,
            organisation=organisation.name,
        )
    return exit_


# --- another scheme of Tables 7 and 8 ------------------------------------------------------------
def _check_link(link: str) -> str:
    link = clean_text(link, _("Link"), required=False, limit=500)
    if not link:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError as exc:
        raise ServiceError(
            _(
                "“%(link)s” is not a web address; give one that starts with https:// (or "
                "http://), e.g. the scheme's page or your application's (C3P Ref. Tables 7 and 8 "
                "give each scheme's reference URL)."
            )
            % {"link": link[:80]},
            errors=[_("Link: not a web address")],
        ) from exc
    return link


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise ServiceError(
            _("“%(status)s” is not a status of an exit; choose one of: %(choices)s.")
            % {"status": status[:40], "choices": ", ".join(STATUSES)}
        )
    return status


def c3p_exit_record(
    *,
    actor: Any,
    project: C3pProject,
    scheme_id: str = "",
    other_name: str = "",
    other_agency: str = "",
    support_type: str = "",
    status: str = "considering",
    link: str = "",
    note: str = "",
) -> C3pExit:
    """An exit into another scheme (C3P Ref. Tables 7 and 8, or one they do not list, named).
    Refused: someone not of the lead organisation; a scheme id not in the tables; neither a
    scheme nor a name; the JCM Model Project (started as a linked proposal instead); a link that
    is not a web address; a status that is not one."""
    _require(actor, "record_c3p_exit", project)
    schemes = exit_schemes(RULEBOOK)
    scheme_id = (scheme_id or "").strip()
    other_name = clean_text(other_name, _("Name of the scheme"), required=False, limit=200)
    other_agency = clean_text(other_agency, _("Agency"), required=False, limit=200)
    support_type = clean_text(support_type, _("Type of support"), required=False, limit=200)
    note = clean_text(note, _("Note"), required=False)
    if scheme_id:
        try:
            scheme = schemes.get(scheme_id)
        except RenkeiError as exc:
            raise ServiceError(
                _(
                    "“%(id)s” is not a scheme of C3P Ref. Tables 7 and 8; choose one of the "
                    "tables' rows, or “another scheme” with its name."
                )
                % {"id": scheme_id[:40]}
            ) from exc
        if scheme.id == "jcm_model_project":
            raise ServiceError(
                _(
                    "The JCM Model Project (C3P Ref. Table 7 row 1) is started as a linked JCM "
                    "proposal from this project's page, not recorded as another scheme."
                )
            )
        other_name = other_agency = ""
        support_type = ""
    elif not other_name:
        raise ServiceError(
            _(
                "Choose a scheme of C3P Ref. Tables 7 and 8, or give the name of the scheme the "
                "tables do not list (and its agency)."
            ),
            errors=[_("Name of the scheme: required for a scheme not in Tables 7 and 8")],
        )
    status = _check_status(status)
    link = _check_link(link)
    check_lengths(C3pExit, other_name=other_name, other_agency=other_agency)
    with transaction.atomic():
        project = _locked_project(project)
        exit_ = C3pExit.objects.create(
            project=project,
            organisation=actor.organisation,
            kind=C3pExit.Kind.SCHEME,
            scheme_id=scheme_id,
            rulebook_id=RULEBOOK if scheme_id else "",
            other_name=other_name,
            other_agency=other_agency,
            support_type=support_type,
            status=status,
            link=link,
            note=note,
            created_by=actor,
        )
        C3pExitStatusChange.objects.create(
            exit=exit_, from_status="", to_status=status, note=note, changed_by=actor
        )
        audit_record(
            actor=actor,
            obj=exit_,
            action="c3p_exit_record",
            to_state=status,
            payload={"project": project.pk, "scheme": scheme_id, "other_name": other_name},
        )
        _tell(
            project,
            gettext_noop("[Renkei] C3P exit recorded"),
            gettext_noop(
                "An exit of the C3P project “%(title)s” into “%(scheme)s” is recorded: "
                "%(status)s (C3P Ref. Tables 7 and 8)."
            ),
            scheme=scheme_name(exit_),
            status=C3pExit.Status(status).label,  # lazy: each reader's language
        )
    return exit_


def scheme_name(exit_: C3pExit) -> str:
    if exit_.kind == C3pExit.Kind.JCM:
        return "JCM Model Project"
    if exit_.scheme_id:
        return exit_schemes(exit_.rulebook_id or RULEBOOK).get(exit_.scheme_id).name_en
    return exit_.other_name


def c3p_exit_status_change(
    *, actor: Any, exit: C3pExit, status: str, link: str | None = None, note: str = ""
) -> C3pExit:
    """Move an exit into another scheme: considering → applied → adopted / not adopted, or
    withdrawn (Renkei's statuses; the guidebook names none). A decided exit does not move. A
    JCM exit's status is its proposal's own and is not moved here."""
    _require(actor, "change_c3p_exit", exit)
    status = _check_status(status)
    note = clean_text(note, _("Note"), required=False)
    new_link = _check_link(link) if link is not None else None
    with transaction.atomic():
        exit_ = (
            C3pExit.objects.select_for_update().select_related("project__proposal").get(pk=exit.pk)
        )
        if exit_.kind == C3pExit.Kind.JCM:
            raise ServiceError(
                _(
                    "A JCM exit follows its proposal (draft, submitted, adopted); submit or "
                    "withdraw the proposal itself."
                )
            )
        before = exit_.status
        if not may_move(before, status):
            allowed = [str(C3pExit.Status(s).label) for s in STATUSES if may_move(before, s)]
            raise ServiceError(
                _("The exit is “%(before)s”; it may move to: %(allowed)s (not to “%(after)s”).")
                % {
                    "before": C3pExit.Status(before).label,
                    "allowed": ", ".join(allowed) or _("nothing: it is decided"),
                    "after": C3pExit.Status(status).label,
                }
            )
        exit_.status = status
        if new_link is not None and new_link:
            exit_.link = new_link
        exit_.updated_at = clock.now()
        exit_.save(update_fields=["status", "link", "updated_at"])
        C3pExitStatusChange.objects.create(
            exit=exit_, from_status=before, to_status=status, note=note, changed_by=actor
        )
        audit_record(
            actor=actor,
            obj=exit_,
            action="c3p_exit_status_change",
            from_state=before,
            to_state=status,
            payload={"note": note},
        )
        _tell(
            exit_.project,
            gettext_noop("[Renkei] C3P exit status changed"),
            gettext_noop(
                "The exit of the C3P project “%(title)s” into “%(scheme)s” moved from "
                "%(before)s to %(after)s."
            ),
            scheme=scheme_name(exit_),
            before=C3pExit.Status(before).label,
            after=C3pExit.Status(status).label,
        )
    return exit_
