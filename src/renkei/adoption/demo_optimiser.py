"""The demo's optimiser samples (issue 13): the demo's first JCM round has two reviewed samples,
too few for the selection optimiser to differ from the ranking. These six more sample proposals
(clearly labelled, invented figures) in four partner countries and four technologies are
submitted on 2024-05-10, screened on 2024-05-14 (one fails basic screening, to show the
exclusion) and reviewed on 2024-05-20, through the services at those dates, so that the office
can compare the optimiser's portfolio with the ranking on the selection board.

Idempotent: a sample already there (by title) is left alone. Built only when the demo clock is
past 2024-05-21 (the reviews are in). Hook: call ``optimiser_samples`` after ``selection_story``
in ``renkei_demo`` with the same round, applicant, office and reviewers.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from renkei import clock
from renkei.adoption.demo import DOCUMENTS, SAMPLE_BUDGET_JPY, SAMPLE_PDF
from renkei.proposals import services as proposal_services
from renkei.proposals.models import Proposal
from renkei.reviews import reviewing
from renkei.reviews import services as review_services

JST = ZoneInfo("Asia/Tokyo")
READY = dt.datetime(2024, 5, 21, 0, 0, tzinfo=JST)
TEMPLATE = "jcm-multi-site-pass.yaml"
TITLE_SUFFIX = "(最適化の比較)"

# (title, country, technology, methodology, annual tCO2, useful life, equipment yen, subsidy
#  requested, share of the reviewers' maximum points (%), passes basic screening)
SAMPLES = [
    (
        "モンゴル工業団地の屋根置き太陽光発電",
        "MN",
        "solar_pv",
        "MN_AM007",
        2600,
        17,
        260_000_000,
        78_000_000,
        80,
        True,
    ),
    (
        "タイ化学工場の高効率ボイラ",
        "TH",
        "boiler",
        "TH_AM002",
        3000,
        15,
        330_000_000,
        160_000_000,
        75,
        True,
    ),
    (
        "インドネシア食品工場の高効率ボイラ",
        "ID",
        "boiler",
        "ID_AM015",
        1500,
        10,
        200_000_000,
        58_000_000,
        70,
        True,
    ),
    (
        "タイ冷凍倉庫のヒートポンプ",
        "TH",
        "heat_pump",
        "TH_AM009",
        1200,
        10,
        90_000_000,
        40_000_000,
        70,
        True,
    ),
    (
        "モンゴル変電所の高効率変圧器",
        "MN",
        "transformer",
        "MN_AM003",
        700,
        15,
        70_000_000,
        30_000_000,
        60,
        True,
    ),
    (
        "ベトナム縫製工場の高効率ボイラ",
        "VN",
        "boiler",
        "VN_AM005",
        1100,
        10,
        80_000_000,
        38_000_000,
        70,
        False,
    ),
]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def sample_document(template: dict, sample: tuple, round_) -> dict:
    """One sample's document: the passing example's consortium and declarations, one site with
    one technology and the sample's figures."""
    title, country, tech, method, annual, life, equipment, requested, _pts, _ok = sample
    doc = copy.deepcopy(template)
    doc.pop("documents", None)
    doc.pop("reviewer_scores", None)  # the reviewers' part comes from the reviews
    doc.update(
        title=f"【サンプル】{title}{TITLE_SUFFIX}",
        country=country,
        target_deadline=round_.deadline.isoformat(),
        pre_registered_on="2024-04-22",
        assessed_on="2024-05-10",
    )
    doc["consortium"]["partners"] = [
        {"name": f"Sample {country} Partner Co.", "country": country, "role": "operator"}
    ]
    doc["sites"] = [
        {
            "id": "site-1",
            "name": f"Sample site ({country})",
            "technologies": [
                {
                    "technology": tech,
                    "description": f"Sample {tech}",
                    "annual_reduction_tco2": annual,
                    "methodologies": [method],
                    "useful_life_years": life,
                    "useful_life_reason": f"Sample: {life} years",
                    "requested_subsidy_jpy": requested,
                    **(
                        {"solar": {"capacity_mw": 1.5, "module_efficiency": 0.22}}
                        if tech == "solar_pv"
                        else {}
                    ),
                    "costs": [
                        {"fiscal_year": 2024, "item": "equipment", "amount_jpy": equipment},
                        {"fiscal_year": 2024, "item": "admin", "amount_jpy": equipment // 50},
                    ],
                }
            ],
        }
    ]
    total = equipment + equipment // 50
    doc["financing"] = {
        "payback_years_with_subsidy": 6,
        "funding": [{"party": doc["consortium"]["representative"]["name"], "amount_jpy": total}],
    }
    doc.setdefault("project_idea", {})["title_en"] = f"[SAMPLE] {tech} in {country}"
    return doc


def optimiser_samples(
    *, round_, applicant, office, reviewers, examples: Path, samples: tuple = ()
) -> list[Proposal]:
    """Submit, screen and review the samples (see the module's docstring); returns those made
    now (``samples``: some of ``SAMPLES``, for a test). Sets the round's sample budget if it
    has none (as the selection story does)."""
    if clock.now() < READY:
        return []
    if round_.budget_jpy is None:
        round_.budget_jpy = SAMPLE_BUDGET_JPY
        round_.save(update_fields=["budget_jpy"])
    template = yaml.safe_load((examples / TEMPLATE).read_text("utf-8"))
    made = []
    for sample in samples or SAMPLES:
        document = sample_document(template, sample, round_)
        if Proposal.objects.filter(title=document["title"], sample=True).exists():
            continue
        made.append(
            _through_review(round_, applicant, office, reviewers, document, sample[8], sample[9])
        )
    return made


def _through_review(round_, applicant, office, reviewers, document, percent, passes) -> Proposal:
    with _on("2024-05-10T09:00"):
        proposal = proposal_services.proposal_create(
            actor=applicant,
            round=round_,
            title=document["title"],
            country=document["country"],
            document=document,
        )
        Proposal.objects.filter(pk=proposal.pk).update(sample=True)
        for doc_id, file_name in DOCUMENTS:
            proposal_services.attachment_add(
                actor=applicant,
                proposal=proposal,
                document_id=doc_id,
                upload=SimpleUploadedFile(file_name, SAMPLE_PDF),
            )
        proposal_services.proposal_submit(
            actor=applicant,
            proposal=proposal,
            idempotency_key=f"demo-optimiser-{proposal.pk}",
            now=_at("2024-05-10T09:00"),
        )
    proposal.refresh_from_db()
    with _on("2024-05-14T11:00"):
        screening = review_services.screening_start(actor=office, proposal=proposal)
        items = list(screening.items.filter(decision=""))
        for n, item in enumerate(items):
            failed = not passes and n == 0
            review_services.screening_item_decide(
                actor=office,
                item=item,
                decision="fail" if failed else "pass",
                reason="サンプル: 必要書類の記載が不足 (sample: a document falls short)"
                if failed
                else "サンプル: 提出書類で確認 (sample: checked against the documents)",
            )
        if not passes and not items:  # every item was decided by the machine: fail the first
            first = screening.items.order_by("position").first()
            review_services.screening_item_decide(
                actor=office,
                item=first,
                decision="fail",
                reason="サンプル: 必要書類の記載が不足 (sample: a document falls short)",
            )
        review_services.screening_complete(actor=office, screening=screening)
    if not passes:
        return proposal
    with _on("2024-05-15T11:00"):
        assignments = review_services.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=reviewers, per_proposal=len(reviewers)
        )
    with _on("2024-05-20T16:00"):
        for assignment in assignments:
            reviewer = assignment.reviewer
            review_services.review_declare_conflict(
                actor=reviewer, assignment=assignment, has_conflict=False
            )
            for c in reviewing.reviewer_criteria(proposal):
                review_services.review_score(
                    actor=reviewer,
                    assignment=assignment,
                    criterion=c.id,
                    points=c.max * percent // 100,
                    justification="サンプルの評価 (sample justification)",
                )
            review_services.review_submit(actor=reviewer, assignment=assignment)
    return proposal
