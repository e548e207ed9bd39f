"""The C3P exit part in the REST API (issue 11; guidebook §1.2, §2.3, Ref. Tables 7 and 8): a
project's exits, starting the linked JCM Model Project proposal, exits into other schemes and
their status, the schemes of Tables 7 and 8, and the office's funnel; through the same services
(``renkei.c3p.services.exit``) and rules (``policy.exit``) as the pages. A project the caller may
not see is 404; one it sees but may not act on is 403; a refusal is 422 with the guidebook's
place in ``detail`` (a second draft: the open one's address in ``errors``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from renkei import access
from renkei.apikit import Id, jst, op, path_id, text
from renkei.c3p import selectors_exit as selectors
from renkei.c3p.models import C3pExit, C3pProject
from renkei.c3p.policy.project import projects_for
from renkei.c3p.services import exit as svc
from renkei.calls.models import Round
from renkei.rules.c3p.exits import exit_schemes
from renkei.services import ServiceError
from renkei.web.lists import matches, search_words

router = Router(tags=["c3p"])

ProjectId = path_id("C3P project id.")
ExitId = path_id("C3P exit id.")
ERRORS = (400, 401, 403, 404, 422)
StatusValue = Literal["considering", "applied", "adopted", "not_adopted", "withdrawn"]


# --- answers ------------------------------------------------------------------
class C3pExitPrefilledOut(Schema):
    field: str = Field(description="The JCM proposal's field that was prefilled.")
    value: str = Field(description="The value put in it.")
    source: str = Field(description="Where the value came from.")


class C3pExitOut(Schema):
    id: int = Field(description="Exit id.")
    project_id: int = Field(description="The C3P project.")
    kind: str = Field(description="jcm (a linked JCM proposal) or scheme (Tables 7 and 8).")
    organisation: str = Field(description="The organisation that recorded it (the lead).")
    proposal_id: int | None = Field(description="jcm: the JCM Model Project proposal.")
    proposal_state: str | None = Field(
        description="jcm: the proposal's state (draft, submitted, revision_open)."
    )
    prefilled: list[C3pExitPrefilledOut] = Field(description="jcm: what was prefilled.")
    scheme_id: str = Field(description="scheme: the row of Tables 7 and 8 (empty: not listed).")
    scheme_name: str = Field(description="The scheme's name.")
    other_agency: str = Field(description="scheme not in the tables: its agency.")
    support_type: str = Field(description="scheme not in the tables: its type of support.")
    status: str | None = Field(
        description="scheme: considering, applied, adopted, not_adopted or withdrawn."
    )
    link: str = Field(description="scheme: the link recorded (empty if none).")
    note: str = Field(description="scheme: the note recorded.")
    created_at: dt.datetime = Field(description="When it was recorded (ISO 8601 in JST).")


class C3pExitListOut(Schema):
    exits: list[C3pExitOut] = Field(description="The project's exits, oldest first.")


class C3pExitSchemeOut(Schema):
    id: str = Field(description="Scheme id.")
    table: int = Field(description="7 or 8.")
    row: int = Field(description="Row of the table, from 1.")
    agency: str = Field(description="The agency's English name.")
    name: str = Field(description="The scheme's name as printed.")
    type: str = Field(description="Type of support (id).")
    printed: str = Field(description="The reference exactly as printed ('_' where none).")
    url: str | None = Field(description="The reference as an address; null if none is printed.")
    url_note: str = Field(description="A reading of the printed reference, if any.")
    star: bool = Field(description="Table 7's asterisk (not for partner-government projects).")
    requirements: str | None = Field(
        description="What the guidebook says it takes; null: it does not say [GAP] (B-18)."
    )
    clause: str = Field(description="Where the guidebook prints it.")


class C3pExitSchemesOut(Schema):
    source: str = Field(description="The guidebook edition.")
    schemes: list[C3pExitSchemeOut] = Field(description="Tables 7 and 8, row by row.")


class C3pExitStageOut(Schema):
    key: str = Field(
        description="partnerships, projects, jcm_proposals, submitted, adopted or credits."
    )
    label: str = Field(description="The stage, in the request's language.")
    count: int = Field(description="How many records are at it.")


class C3pExitFunnelRowOut(Schema):
    id: int = Field(description="The record's id (partnership, C3P project or JCM proposal).")
    title: str = Field(description="Its title or the two cities.")
    organisation: str = Field(description="Its organisation (the Japanese city for a partnership).")
    country: str = Field(description="Its country (ISO 3166-1 alpha-2).")
    state: str = Field(description="Its state, in the request's language.")
    url: str = Field(description="Its page (empty for a draft: its organisation's own).")


class C3pExitFunnelOut(Schema):
    stages: list[C3pExitStageOut] = Field(description="The funnel's stages, in order.")
    issued_tco2: int = Field(description="JCM credits issued to the adopted proposals, tCO2.")
    scheme_exits: dict[str, int] = Field(description="Exits into other schemes, by status.")
    stage: str = Field(description="The stage listed in ``rows``.")
    rows: list[C3pExitFunnelRowOut] = Field(description="The records at that stage.")


# --- bodies ------------------------------------------------------------------
class C3pExitJcmIn(Schema):
    round_id: Id = Field(description="An open round of the JCM Model Project call.")
    title: text(300) = Field(description="The JCM proposal's title.")
    technologies: list[text(60)] = Field(
        default_factory=list, max_length=20, description="Annex-3 technology ids (JCM 別添3)."
    )


class C3pExitSchemeIn(Schema):
    scheme_id: text(40, min_length=0) = Field(
        "", description="A row of Tables 7 and 8 (GET /api/c3p/exits/schemes); empty: not listed."
    )
    other_name: text(200, min_length=0) = Field("", description="Needed without scheme_id.")
    other_agency: text(200, min_length=0) = Field("", description="Its agency, if not listed.")
    support_type: text(200, min_length=0) = Field("", description="Its type, if not listed.")
    status: StatusValue = Field("considering", description="The status now.")
    link: text(500, min_length=0) = Field("", description="An http(s) address, or empty.")
    note: text(10_000, min_length=0) = Field("", description="A note.")


class C3pExitStatusIn(Schema):
    status: StatusValue = Field(description="The new status (considering → applied → decided).")
    link: text(500, min_length=0) | None = Field(None, description="A new link, if any.")
    note: text(10_000, min_length=0) = Field("", description="A note on the change.")


class C3pExitFunnelFilters(Schema):
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = Field(
        None, description="Only this partner country (ISO 3166-1 alpha-2)."
    )
    fiscal_year: Annotated[int, Field(ge=2000, le=2100)] | None = Field(
        None, description="Only C3P projects with a contract year in this fiscal year."
    )
    stage: Literal[
        "partnerships", "projects", "jcm_proposals", "submitted", "adopted", "credits"
    ] = Field("projects", description="The stage whose records are listed.")
    q: Annotated[str, Field(max_length=200)] = Field("", description="Words every row contains.")


# --- conversions ------------------------------------------------------------------
def _out(e: C3pExit) -> C3pExitOut:
    return C3pExitOut(
        id=e.pk,
        project_id=e.project_id,
        kind=e.kind,
        organisation=e.organisation.name,
        proposal_id=e.proposal_id,
        proposal_state=e.proposal.state if e.proposal_id else None,
        prefilled=[C3pExitPrefilledOut(**p) for p in e.prefilled],
        scheme_id=e.scheme_id,
        scheme_name=svc.scheme_name(e),
        other_agency=e.other_agency,
        support_type=e.support_type,
        status=e.status if e.kind == C3pExit.Kind.SCHEME else None,
        link=e.link,
        note=e.note,
        created_at=jst(e.created_at),
    )


def _visible(request, project_id: int) -> C3pProject:
    project = projects_for(request.user).filter(pk=project_id).first()
    if project is None or not access.can(request.user, "view_c3p_exits", project):
        raise Http404
    return project


def _fresh(e: C3pExit) -> C3pExitOut:
    return _out(C3pExit.objects.select_related("organisation", "proposal").get(pk=e.pk))


# --- operations ------------------------------------------------------------------
@router.get(
    "/c3p/exits/schemes",
    summary="The exit schemes of C3P Ref. Tables 7 and 8",
    **op({200: (C3pExitSchemesOut, "The tables, row by row, with clauses.")}, 401),
)
def exit_schemes_list(request) -> C3pExitSchemesOut:
    """Agency, name, type and reference as printed; the requirements only where the guidebook
    states them (the JCM Model Project), else null (spec §5.2 B-18)."""
    book = exit_schemes(svc.RULEBOOK)
    return C3pExitSchemesOut(
        source=book.source,
        schemes=[
            C3pExitSchemeOut(
                id=s.id,
                table=s.table,
                row=s.row,
                agency=book.agency(s.agency).name_en,
                name=s.name_en,
                type=s.type,
                printed=s.printed,
                url=s.url,
                url_note=s.url_note,
                star=s.star,
                requirements=s.requirements,
                clause=s.clause,
            )
            for s in book.schemes
        ],
    )


@router.get(
    "/c3p/projects/{project_id}/exits",
    summary="A C3P project's exits",
    **op({200: (C3pExitListOut, "Its linked JCM proposals and other schemes.")}, 401, 404, 422),
)
def exit_list(request, project_id: ProjectId) -> C3pExitListOut:
    """Who sees the project sees its exits."""
    project = _visible(request, project_id)
    return C3pExitListOut(
        exits=[_out(e) for e in project.exits.select_related("organisation", "proposal")]
    )


@router.post(
    "/c3p/projects/{project_id}/exits/jcm",
    summary="Start a JCM Model Project proposal linked to the C3P project (the lead)",
    **op({201: (C3pExitOut, "Started: a draft of your organisation, prefilled.")}, *ERRORS),
)
def exit_start(request, project_id: ProjectId, body: C3pExitJcmIn) -> Status:
    """Prefilled from the project: country, the partner city as the site, your organisation as
    the representative participant, the consortium's foreign organisations (named only), the
    technologies given, the study's GHG reduction. A second draft while one is open: 422 with
    the open one's address in ``errors``."""
    project = _visible(request, project_id)
    round_ = Round.objects.select_related("call").filter(pk=body.round_id).first()
    if round_ is None:
        raise ServiceError(
            _("There is no round %(id)s; choose an open round of the JCM Model Project call.")
            % {"id": body.round_id}
        )
    try:
        e = svc.c3p_exit_start_jcm(
            actor=request.user,
            project=project,
            round=round_,
            title=body.title,
            technologies=body.technologies,
        )
    except svc.DraftAlreadyOpen as exc:
        raise ServiceError(str(exc), errors=[f"/proposals/{exc.proposal.pk}/"]) from exc
    return Status(201, _fresh(e))


@router.post(
    "/c3p/projects/{project_id}/exits",
    summary="Record an exit into another scheme of Tables 7 and 8 (the lead)",
    **op({201: (C3pExitOut, "Recorded.")}, *ERRORS),
)
def exit_record(request, project_id: ProjectId, body: C3pExitSchemeIn) -> Status:
    """A row of Tables 7 and 8, or a scheme they do not list with its name; a link must be an
    http(s) address. The JCM Model Project is started as a linked proposal instead (422)."""
    project = _visible(request, project_id)
    e = svc.c3p_exit_record(actor=request.user, project=project, **body.dict())
    return Status(201, _fresh(e))


@router.post(
    "/c3p/exits/{exit_id}/status",
    summary="Move an exit into another scheme to its next status (the lead)",
    **op({200: (C3pExitOut, "Moved.")}, *ERRORS),
)
def exit_status(request, exit_id: ExitId, body: C3pExitStatusIn) -> C3pExitOut:
    """considering → applied or withdrawn; applied → adopted, not_adopted or withdrawn; a
    decided exit does not move (422)."""
    e = C3pExit.objects.select_related("project").filter(pk=exit_id).first()
    if e is None:
        raise Http404
    _visible(request, e.project_id)
    e = svc.c3p_exit_status_change(actor=request.user, exit=e, **body.dict())
    return _fresh(e)


@router.get(
    "/c3p/funnel",
    summary="The office's funnel: partnerships → C3P projects → JCM proposals → credits",
    **op({200: (C3pExitFunnelOut, "Counts per stage and one stage's records.")}, 401, 404, 422),
)
def exit_funnel(request, filters: Query[C3pExitFunnelFilters]) -> C3pExitFunnelOut:
    """Counted along the chain the platform holds (no copies); filtered by country and fiscal
    year. The office only (404 for anyone else)."""
    if not access.can(request.user, "view_c3p_funnel"):
        raise Http404
    chosen = {
        "country": (filters.country or "").upper(),
        "fiscal_year": str(filters.fiscal_year or ""),
    }
    rows = selectors.stage_rows(filters.stage, chosen)
    words = search_words(filters.q)
    if words:
        rows = [r for r in rows if matches(words, r.text())]
    return C3pExitFunnelOut(
        stages=[
            C3pExitStageOut(key=s.key, label=s.label, count=s.count)
            for s in selectors.funnel(chosen)
        ],
        issued_tco2=selectors.issued_tco2(chosen),
        scheme_exits=selectors.scheme_exits(chosen),
        stage=filters.stage,
        rows=[
            C3pExitFunnelRowOut(
                id=r.pk,
                title=r.title,
                organisation=r.organisation,
                country=r.country,
                state=r.state,
                url=r.url,
            )
            for r in rows
        ],
    )
