"""The demo's selection story: two sample proposals of the JCM call's first round taken through
the office's path with consistent dates, so that each demo login finds work waiting.

- 2024-05-10 both samples submitted with placeholder attachments (labelled as samples);
- 2024-05-14 basic screening passed; 2024-05-15 both reviewers assigned, 2024-05-20 scored;
- 2024-05-21 hearings scheduled for 2024-06-03 and 2024-06-04, held and recorded those days;
- 2024-06-05 the multi-site sample becomes a candidate and its PIN goes to the JCM secretariat.

What is left for the demo's people: the secretariat forwards the PIN, the Joint Committee contact
for Kenya answers, the office issues 内示 (the round's budget is the sample figure below) and
decides the eco-lease sample. Every step runs through the services at its story date, so audit
events and notices carry those dates. Only built when the demo clock is past the story.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from renkei import clock
from renkei.adoption import services
from renkei.proposals import services as proposal_services
from renkei.proposals.models import Proposal
from renkei.reviews import reviewing
from renkei.reviews import services as review_services

JST = ZoneInfo("Asia/Tokyo")
STORY_END = dt.datetime(2024, 6, 5, 18, 0, tzinfo=JST)
SAMPLE_BUDGET_JPY = 300_000_000  # a sample figure: the call announces no amount per round
SAMPLE_PDF = b"%PDF-1.7\n% SAMPLE placeholder attachment for the Renkei demo\n%%EOF\n"
DOCUMENTS = [
    ("form1", "1_公募提案書.pdf"),
    ("form2", "2_代表事業者届出書.pdf"),
    ("form3_00", "3-00_実施計画書.pdf"),
    ("form3_12", "3-12_GHG排出削減量算定根拠.pdf"),
    ("form3_16", "3-16_PIN.pdf"),
    ("form4", "4_経費内訳.pdf"),
    ("quotations", "見積書.pdf"),
    ("company_profile", "企業パンフレット.pdf"),
    ("financial_statements", "経理状況説明書.pdf"),
    ("consortium_agreement", "国際コンソーシアム協定書案.pdf"),
    ("form5", "5_Agreement_on_Allocation.pdf"),
    ("form6", "6_チェックリスト.pdf"),
]
STORY = [
    ("jcm-multi-site-pass.yaml", "2024-06-03T10:00"),
    ("jcm-eco-lease.yaml", "2024-06-04T14:00"),
]


def review_all(*, proposal: Proposal, assignments, top_tenths: int) -> None:
    """Each assigned reviewer declares no conflict and scores every criterion: the first
    ``top_tenths``/10 of each maximum, the next one tenth less, and so on; then submits."""
    for n, assignment in enumerate(assignments):
        reviewer = assignment.reviewer
        review_services.review_declare_conflict(
            actor=reviewer, assignment=assignment, has_conflict=False
        )
        for c in reviewing.reviewer_criteria(proposal):
            review_services.review_score(
                actor=reviewer,
                assignment=assignment,
                criterion=c.id,
                points=c.max * (top_tenths - n) // 10,
                justification="サンプルの評価 (sample justification)",
            )
        review_services.review_submit(actor=reviewer, assignment=assignment)


def screen_all_pass(*, office, proposal: Proposal) -> None:
    """The office's screening of a sample: every item passes, checked against its documents."""
    screening = review_services.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        review_services.screening_item_decide(
            actor=office,
            item=item,
            decision="pass",
            reason="サンプル: 提出書類で確認 (sample: checked against the documents)",
        )
    review_services.screening_complete(actor=office, screening=screening)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def selection_story(
    *, round_, applicant, office, reviewers, examples: Path, secretariat=None, partner=None
) -> list[Proposal]:
    """Build the story once (idempotent: samples already submitted are left alone). With the
    secretariat, its sample PIN carries a query for the applicant to answer (3.(3)); with a
    partner account, the representative links it to the samples as a partner participant."""
    if clock.now() < STORY_END:
        return []
    if round_.budget_jpy is None:
        round_.budget_jpy = SAMPLE_BUDGET_JPY
        round_.save(update_fields=["budget_jpy"])
    made = []
    for name, hearing_at in STORY:
        proposal = sample_through_hearing(
            round_=round_,
            applicant=applicant,
            office=office,
            reviewers=reviewers,
            document=yaml.safe_load((examples / name).read_text("utf-8")),
            title_suffix="(選定の流れ)",
            hearing_at=hearing_at,
            partner=partner,
        )
        if proposal is not None:
            made.append(proposal)
    if made and "multi-site" in STORY[0][0]:
        first = made[0]
        with _on("2024-06-05T10:00"):
            from renkei.reviews.reviewing import review_summary

            selection = services.selection_nominate(
                actor=office, proposal=first, total_score=review_summary(first).total
            )
            pin = services.pin_send(actor=office, selection=selection)
        if secretariat is not None:
            with _on("2024-06-06T10:00"):
                services.pin_query_ask(
                    actor=secretariat,
                    pin=pin,
                    question=(
                        "(Sample) Please confirm the grid emission factor used for the solar "
                        "PV line and its source."
                    ),
                )
    return made


def sample_through_hearing(
    *, round_, applicant, office, reviewers, document, title_suffix, hearing_at, partner=None
) -> Proposal | None:
    """One sample proposal submitted on 2024-05-10, screened, reviewed and heard on
    ``hearing_at`` through the services at those dates; None if it already exists."""
    title = f"{document['title']}{title_suffix}"
    if Proposal.objects.filter(title=title, sample=True).exists():
        return None
    document.update(
        title=title,
        target_deadline=round_.deadline.isoformat(),
        pre_registered_on="2024-04-22",
        assessed_on="2024-05-10",
    )
    document.pop("documents", None)
    document.pop("reviewer_scores", None)  # the reviewers' scores come from the reviews
    with _on("2024-05-10T09:00"):
        proposal = proposal_services.proposal_create(
            actor=applicant,
            round=round_,
            title=title,
            country=document["country"],
            document=document,
        )
        Proposal.objects.filter(pk=proposal.pk).update(sample=True)
        extra = [("lease_contract", "リース契約書案.pdf")] if document.get("lease") else []
        for doc_id, file_name in DOCUMENTS + extra:
            proposal_services.attachment_add(
                actor=applicant,
                proposal=proposal,
                document_id=doc_id,
                upload=SimpleUploadedFile(file_name, SAMPLE_PDF),
            )
        if partner is not None:  # invited, and the partner accepts
            invitation = proposal_services.partner_add(
                actor=applicant, proposal=proposal, email=partner.email
            )
            proposal_services.partner_accept(actor=partner, invitation=invitation)
        proposal_services.proposal_submit(
            actor=applicant,
            proposal=proposal,
            idempotency_key=f"demo-story-{proposal.pk}",
            now=_at("2024-05-10T09:00"),
        )
    proposal.refresh_from_db()
    with _on("2024-05-14T10:00"):
        screen_all_pass(office=office, proposal=proposal)
    with _on("2024-05-15T10:00"):
        assignments = review_services.review_assign_balanced(
            actor=office, proposals=[proposal], reviewers=reviewers, per_proposal=2
        )
    with _on("2024-05-20T15:00"):
        review_all(proposal=proposal, assignments=assignments, top_tenths=7)
    with _on("2024-05-21T10:00"):
        services.hearing_schedule(
            actor=office, proposal=proposal, at=_at(hearing_at), place="東京(サンプル)"
        )
    with _on(hearing_at):
        proposal.refresh_from_db()
        services.hearing_record(
            actor=office,
            hearing=proposal.hearing,
            record="サンプル: 代表事業者が出席し、調達計画と資金計画を説明した。",
        )
    return proposal
