"""The demo's C3P project story (issue 11): an adopted C3P proposal of the FY2025 call becomes a C3P
project in its second year. Through the services, "as of" each step's date and only once the
demo's clock has reached it; each step checks whether it is already done, so a later run goes on
from where an earlier one stopped:

- 2025-04-10 the office opens the project (FY2025, phase 1, year 1);
- 2025-05-15 the lead organisation files the implementation plan (BOX 6), requesting the
  adopted amount;
- 2025-06-20 the office signs the FY2025 contract after its cost review, reduced by 5 % with
  its reason (3.3 (3));
- 2025-07-15, 2025-09-18, 2025-09-19, 2025-11-05 activities of Table 3 (kick-off, field survey,
  local workshop, JICA field office);
- 2025-10-20 an account settlement report (2.3); 2026-03-16 the year's expense settlement
  report by Table 5 categories (2.1);
- 2026-03-25 the business report and the deliverables (2.1, Table 3 (1));
- 2026-04-06 the office closes FY2025; 2026-04-08 it opens FY2026 (phase 1, year 2; the FY2025
  rulebook's figures carried with a note until the FY2026 call is loaded);
- 2026-05-14 the FY2026 plan; 2026-06-18 the FY2026 contract.

``c3p_project_story(proposal=…, office=…, lead=…)`` runs them; ``DEMO_NOW`` at or after
2026-06-18 shows year 1 closed and settled and year 2 contracted.

The proposals come from ``c3p_adoption_story``: two C3P proposals of the FY2025 call's first round
taken through the platform's path at consistent dates (submitted 2025-02-25 before the round's
deadline, screened 2025-03-05, scored by both reviewers 2025-03-12, adopted 2025-03-25):

- a new project (the new-project example) linked to the sample city partnership, whose
  municipality confirms the link before it is submitted; it runs ``c3p_project_story``;
- a continuing project in phase 1, year 3 (the ongoing example as a third-year entrant: the
  guidebook scores continuing projects in the call's "Ongoing project" column, Table 4/6 item 1,
  "Past achievements will be evaluated for continuing projects"; spec §3.3, B-22 [INTERP]); its
  story (``c3p_project_story(..., novelty=...)``) closes phase 1 and opens phase 2 on 2026-04-08
  with its higher novelty recorded (2.1; Table 6 item 1: "Projects transitioning to Phase 2 ...
  must demonstrate a higher standard of novelty"). The FY2026 call is not loaded, so the phase 2
  year is the office's renewal with the FY2025 rulebook carried (the project part's reading,
  noted at its contract). A third phase is never opened (2.1: "a maximum of two phases"): the
  project period ends with phase 2's third year and a renewal is refused with 2.1 on the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.test.utils import override_settings

from renkei import clock
from renkei.c3p.models import C3pProject, C3pProjectYear, YearState
from renkei.proposals.models import Proposal

__all__ = [
    "ADOPTED_AT",
    "NOVELTY",
    "STORY_START",
    "c3p_adoption_story",
    "c3p_project_story",
]

JST = ZoneInfo("Asia/Tokyo")
STORY_START = dt.datetime(2025, 4, 10, 10, 0, tzinfo=JST)
PLAN = {
    "overview": "(サンプル) 相手都市の脱炭素ロードマップ策定とJCM案件の形成支援。",
    "methods": "政策対話、現地調査(年2回)、現地ワークショップ、国内での成果発表。",
    "structure": "代表団体(調査会社)、日本の自治体、相手都市、現地コンサルタント。",
    "timeline": "7月キックオフ、10月中間報告、2月最終報告。",
}
LINES_INTERIM = [
    {"category": "personnel", "description": "(サンプル) 上期人件費", "amount_jpy": 4_200_000},
    {
        "category": "overseas_travel",
        "description": "(サンプル) 第1回現地調査",
        "amount_jpy": 1_600_000,
    },
]
LINES_FINAL = [
    {"category": "personnel", "description": "(サンプル) 下期人件費", "amount_jpy": 4_400_000},
    {
        "category": "overseas_travel",
        "description": "(サンプル) 第2回現地調査",
        "amount_jpy": 1_500_000,
    },
    {
        "category": "meetings",
        "description": "(サンプル) ワークショップ会議費",
        "amount_jpy": 80_000,
    },
    {
        "category": "outsourcing",
        "description": "(サンプル) 現地コンサルタント",
        "amount_jpy": 2_600_000,
    },
    {
        "category": "printing_and_binding",
        "description": "(サンプル) 報告書印刷製本",
        "amount_jpy": 120_000,
    },
]
ACTIVITIES = [
    ("2025-07-15", "3", "(サンプル) キックオフ会議"),
    ("2025-09-18", "4", "(サンプル) 第1回現地調査"),
    ("2025-09-19", "5", "(サンプル) 現地ワークショップ"),
    ("2025-11-05", "7", "(サンプル) JICA現地事務所との協議"),
]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def _year(project: C3pProject, fiscal_year: int) -> C3pProjectYear | None:
    return project.years.filter(fiscal_year=fiscal_year).first()


def _state(project: C3pProject, fiscal_year: int) -> str:
    year = _year(project, fiscal_year)
    return "" if year is None else year.state


AFTER_PLAN = {YearState.PLAN_SUBMITTED, YearState.CONTRACTED, YearState.REPORTED, YearState.CLOSED}
AFTER_CONTRACT = {YearState.CONTRACTED, YearState.REPORTED, YearState.CLOSED}


Step = tuple[str, Callable[[C3pProject], bool], Callable[[C3pProject], Any]]


def _steps(office, lead, novelty: str = "") -> list[Step]:
    from renkei.c3p.services import project as svc

    def plan(fy: int, requested: int) -> Callable[[C3pProject], Any]:
        return lambda p: svc.c3p_plan_submit(
            actor=lead, year=_year(p, fy), requested_jpy=requested, **PLAN
        )

    def activity(when: str, item: str, title: str) -> Step:
        return (
            f"{when}T10:00",
            lambda p: _year(p, 2025).activities.filter(title=title).exists(),
            lambda p: svc.c3p_activity_record(
                actor=lead,
                year=_year(p, 2025),
                item=item,
                title=title,
                held_on=dt.date.fromisoformat(when),
            ),
        )

    def settled(kind: str) -> Callable[[C3pProject], bool]:
        return lambda p: _year(p, 2025).settlements.filter(kind=kind).exists()

    return [
        (
            "2025-05-15T10:00",
            lambda p: _state(p, 2025) in AFTER_PLAN,
            lambda p: plan(2025, _year(p, 2025).requested_jpy or 19_000_000)(p),
        ),
        (
            "2025-06-20T10:00",
            lambda p: _state(p, 2025) in AFTER_CONTRACT,
            lambda p: svc.c3p_contract_sign(
                actor=office,
                year=_year(p, 2025),
                amount_jpy=(_year(p, 2025).requested_jpy or 19_000_000) * 95 // 100,
                signed_on=dt.date(2025, 6, 20),
                reduction_reason="(サンプル) 経費審査により外国旅費の単価を見直し、5%減額。",
            ),
        ),
        *(activity(*a) for a in ACTIVITIES),
        (
            "2025-10-20T10:00",
            settled("interim"),
            lambda p: svc.c3p_settlement_submit(
                actor=lead, year=_year(p, 2025), kind="interim", lines=LINES_INTERIM
            ),
        ),
        (
            "2026-03-16T10:00",
            settled("final"),
            lambda p: svc.c3p_settlement_submit(
                actor=lead, year=_year(p, 2025), kind="final", lines=LINES_FINAL
            ),
        ),
        (
            "2026-03-25T10:00",
            lambda p: _state(p, 2025) in {YearState.REPORTED, YearState.CLOSED},
            lambda p: svc.c3p_year_report(
                actor=lead,
                year=_year(p, 2025),
                business_report="(サンプル) ロードマップ素案を作成し、JCM候補案件を2件特定した。",
                deliverables=svc.DELIVERABLES,
            ),
        ),
        (
            "2026-04-06T10:00",
            lambda p: _state(p, 2025) == YearState.CLOSED,
            lambda p: svc.c3p_year_close(actor=office, year=_year(p, 2025)),
        ),
        (
            "2026-04-08T10:00",
            lambda p: _year(p, 2026) is not None,
            lambda p: svc.c3p_year_renew(actor=office, project=p, novelty=novelty),
        ),
        ("2026-05-14T10:00", lambda p: _state(p, 2026) in AFTER_PLAN, plan(2026, 18_700_000)),
        (
            "2026-06-18T10:00",
            lambda p: _state(p, 2026) in AFTER_CONTRACT,
            lambda p: svc.c3p_contract_sign(
                actor=office,
                year=_year(p, 2026),
                amount_jpy=18_700_000,
                signed_on=dt.date(2026, 6, 18),
            ),
        ),
    ]


def c3p_project_story(
    *, proposal: Proposal | None, office, lead, novelty: str = ""
) -> C3pProject | None:
    """Build (or continue) the story up to the demo's clock; returns the sample project.
    ``proposal``: an adopted C3P proposal of ``lead``'s organisation (None: nothing to do).
    ``novelty``: the phase 2 novelty the office records when it renews a project whose phase 1
    closed with its third year (Table 6 item 1; 2.1)."""
    from renkei.c3p.services import project as svc

    if proposal is None or clock.now() < STORY_START:
        return None
    project = C3pProject.objects.filter(proposal=proposal).first()
    if project is None:
        with _on("2025-04-10T10:00"):
            project = svc.c3p_project_create(actor=office, proposal=proposal)
    for when, done, step in _steps(office, lead, novelty):
        project = C3pProject.objects.get(pk=project.pk)
        if done(project):
            continue
        if clock.now() < _at(when):
            break
        with _on(when):
            step(project)
    return C3pProject.objects.get(pk=project.pk)


# --- the adoption of the two sample C3P proposals ------------------------------------------------
ADOPTED_AT = dt.datetime(2025, 3, 25, 10, 0, tzinfo=JST)
SAMPLE_ROUND_BUDGET_JPY = 100_000_000  # a sample figure: the call announces no amount per round
SAMPLE_PDF = b"%PDF-1.7\n% SAMPLE placeholder attachment for the Renkei demo (C3P)\n%%EOF\n"
NOVELTY = (
    "(サンプル) 第2フェーズでは、第1フェーズで策定した行動計画の実施段階として、工業団地の"
    "エネルギー管理システムと屋根置き太陽光のJCM案件化に新たに取り組む。"
)
# the new project takes its cities from the sample partnership it links to; the continuing one
# keeps the ongoing example's (Osaka City – Ho Chi Minh City, BOX 8) as a phase 1 third year
NEW_TITLE = "SAMPLE: サンプル市–Sample Partner City 脱炭素都市間連携(新規案件・採択の流れ)"
NEW_PROJECT = {
    "title_ja": "(サンプル) 相手都市の脱炭素ロードマップ策定とJCM案件形成支援事業",
    "title_en": "(Sample) Decarbonisation roadmap and JCM project formation for the partner city",
}
CONTINUING_TITLE = (
    "SAMPLE: 大阪市–ホーチミン市 脱炭素都市間連携(継続案件・第1フェーズ3年目から第2フェーズへ)"
)
CONTINUING_PROJECT = {"phase": 1, "year_in_phase": 3}


def _sample_document(examples, name: str, title: str, **project) -> dict:
    import yaml

    document = yaml.safe_load((examples / name).read_text("utf-8"))
    for key in ("documents_submitted", "reviewer_scores", "submitted_on"):
        document.pop(key, None)
    document["title"] = title
    document["project"] = {**document["project"], **project}
    if document["project"].get("phase") == 1:
        document["project"].pop("higher_novelty_statement", None)
    return document


def _adopt_one(*, round_, lead, office, reviewers, document: dict, link=None) -> Proposal:
    """One sample C3P proposal submitted, screened, scored and adopted through the services at
    the story's dates; ``link(proposal)`` names its city partnership before it is submitted."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renkei.adoption import services as adoption
    from renkei.adoption.demo import review_all, screen_all_pass
    from renkei.proposals import services as proposals
    from renkei.reviews import services as reviews
    from renkei.rules._registry import load_rulebook

    title = document["title"]
    with _on("2025-02-25T10:00"):
        proposal = proposals.proposal_create(
            actor=lead,
            round=round_,
            title=title,
            country=document["partner_city"]["country"],
            document=document,
        )
        Proposal.objects.filter(pk=proposal.pk).update(sample=True)
        for doc in load_rulebook(round_.call.rulebook_id).documents.items:
            proposals.attachment_add(
                actor=lead,
                proposal=proposal,
                document_id=doc.id,
                upload=SimpleUploadedFile(f"{doc.id}.pdf", SAMPLE_PDF),
            )
        if link is not None:
            proposal = link(proposal)
        proposals.proposal_submit(
            actor=lead,
            proposal=proposal,
            idempotency_key=f"demo-c3p-{proposal.pk}",
            now=_at("2025-02-25T10:00"),
        )
    proposal.refresh_from_db()
    with _on("2025-03-05T10:00"):
        screen_all_pass(office=office, proposal=proposal)
    with _on("2025-03-06T10:00"):
        assignments = reviews.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=reviewers, per_proposal=len(reviewers)
        )
    with _on("2025-03-12T15:00"):
        review_all(proposal=proposal, assignments=assignments, top_tenths=8)
    with _on(ADOPTED_AT.isoformat()):
        adoption.selection_adopt_c3p(actor=office, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def c3p_adoption_story(
    *, round_, lead, office, reviewers, examples, partnership=None, municipality=None
) -> list[Proposal]:
    """The two sample C3P proposals, adopted (idempotent: a sample already made is returned as
    it is); nothing before 2025-03-25, the story's adoption date. ``partnership`` (with a member
    of its Japanese municipality, ``municipality``): the new project's city partnership, asked
    for by the lead organisation and confirmed by the municipality."""
    from django.db import transaction

    from renkei.c3p.demo_partnership import link_sample_proposal

    if clock.now() < ADOPTED_AT:
        return []
    if round_.budget_jpy is None:
        round_.budget_jpy = SAMPLE_ROUND_BUDGET_JPY
        round_.save(update_fields=["budget_jpy"])

    def link(proposal: Proposal) -> Proposal:
        if partnership is None or municipality is None:
            return proposal
        return link_sample_proposal(
            applicant=lead, proposal=proposal, partnership_=partnership, municipality=municipality
        )

    made = []
    for name, title, project, linker in (
        ("c3p-new-project.yaml", NEW_TITLE, NEW_PROJECT, link),
        ("c3p-ongoing-project.yaml", CONTINUING_TITLE, CONTINUING_PROJECT, None),
    ):
        document = _sample_document(examples, name, title, **project)
        existing = Proposal.objects.filter(title=document["title"], sample=True).first()
        if existing is None:
            with transaction.atomic():
                existing = _adopt_one(
                    round_=round_,
                    lead=lead,
                    office=office,
                    reviewers=reviewers,
                    document=document,
                    link=linker,
                )
        made.append(existing)
    return made
