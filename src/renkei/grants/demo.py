"""The demo's grant story: two sample proposals of the JCM call's first round adopted (内示) and
carried through the grant stage at their story dates, each step through the services "as of"
its date and only once the demo's clock has reached it, so that the demo shows the grants in
the states of its moment (and a later ``DEMO_NOW`` goes on from where an earlier run stopped).

Sample A (two fiscal years, FY2024–FY2025): 内示 2024-06-12, grant application 2024-06-18,
accepted and decided in July 2024, orders, a reallocation within 15 %, the FY2024 interim
inspection and year-end report, an advance for FY2024, completion in February 2026, the
completion report, final inspection, fixed amount, final claim and payment in April 2026, the
acquired-property ledger; its first annual project report (January 2027) is filed from the
monitoring story's reductions (``renkei.monitoring.demo``).
Sample B: 内示 2024-06-12, its application drafted but not yet submitted on 2024-06-20 (the
default demo moment: the representative's to submit); later submitted, returned by the office's
pre-check, corrected, decided, and then late: its completion is overdue, for the reminders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from renkei import clock
from renkei.adoption import services as adoption_services
from renkei.adoption.demo import SAMPLE_PDF, sample_through_hearing
from renkei.grants.models import Grant, GrantState
from renkei.proposals.models import Proposal

JST = ZoneInfo("Asia/Tokyo")
STORY_START = dt.datetime(2024, 6, 12, 10, 0, tzinfo=JST)
SAMPLES = [
    ("A", "jcm-multi-site-pass.yaml", "(交付の流れ・A)", "2024-06-03T15:00"),
    ("B", "jcm-multi-site-pass.yaml", "(交付の流れ・B)", "2024-06-04T15:00"),
]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def _adopt(proposal: Proposal, *, office, secretariat, joint_committee) -> None:
    """Candidate, PIN, forwarded, no objection, 内示: the selection path at its story dates."""
    from renkei.reviews.reviewing import review_summary

    with _on("2024-06-05T11:00"):
        selection = adoption_services.selection_nominate(
            actor=office, proposal=proposal, total_score=review_summary(proposal).total
        )
        pin = adoption_services.pin_send(actor=office, selection=selection)
    with _on("2024-06-06T11:00"):
        adoption_services.pin_forward(actor=secretariat, pin=pin)
    with _on("2024-06-10T11:00"):
        adoption_services.pin_respond(
            actor=joint_committee, pin=pin, objection=False, comment="(Sample) No objection."
        )
    with _on("2024-06-12T10:00"):
        selection.refresh_from_db()
        adoption_services.naiji_issue(actor=office, selection=selection)


def grant_story(
    *,
    round_,
    applicant,
    office,
    reviewers,
    secretariat,
    joint_committee,
    partner,
    examples: Path,
) -> list[Grant]:
    """Build (or continue) the story up to the demo's clock; returns the story's grants."""
    if clock.now() < STORY_START:
        return []
    if (round_.budget_jpy or 0) < 900_000_000:  # a sample figure (the call gives none per round)
        round_.budget_jpy = 900_000_000
        round_.save(update_fields=["budget_jpy"])
    grants = {}
    for key, example, suffix, hearing_at in SAMPLES:
        title = yaml.safe_load((examples / example).read_text("utf-8"))["title"] + suffix
        proposal = Proposal.objects.filter(title=title, sample=True).first()
        if proposal is None:
            proposal = sample_through_hearing(
                round_=round_,
                applicant=applicant,
                office=office,
                reviewers=reviewers,
                document=yaml.safe_load((examples / example).read_text("utf-8")),
                title_suffix=suffix,
                hearing_at=hearing_at,
                partner=partner,
            )
            _adopt(
                proposal, office=office, secretariat=secretariat, joint_committee=joint_committee
            )
        proposal.refresh_from_db()
        grants[key] = _grant(proposal, applicant=applicant, office=office)
    _run(grants["A"], _steps_a(applicant, office))
    _run(grants["B"], _steps_b(applicant, office))
    return [Grant.objects.get(pk=g.pk) for g in grants.values()]


def _grant(proposal: Proposal, *, applicant, office) -> Grant:
    from renkei.grants.services.core import grant_open

    existing = Grant.objects.filter(selection__proposal=proposal).first()
    if existing is not None:
        return existing
    with _on("2024-06-14T10:00"):
        return grant_open(actor=applicant, selection=proposal.selection)


Step = tuple[str, Callable[[Grant], bool], Callable[[Grant], Any]]


def _run(grant: Grant, steps: list[Step]) -> None:
    """Each step at its date, once: skipped when done, stops at the first one in the future."""
    for when, done, act in steps:
        if clock.now() < _at(when):
            return
        grant = Grant.objects.get(pk=grant.pk)  # the state is protected: a fresh row
        if done(grant):
            continue
        with _on(when):
            act(grant)


def _draft(g: Grant, applicant, *, note: str = "") -> None:
    """Save the application with the plan and the planned completion date (the budget as
    prefilled from the adopted proposal version)."""
    from renkei.grants.services import award

    version = g.application.versions.order_by("-number").first()
    plan = (
        "2拠点の茶工場に高効率ボイラ、ヒートポンプ及び太陽光発電設備を導入する"
        "(サンプルの実施計画)。"
    )
    award.application_save(
        actor=applicant,
        grant=g,
        budget=version.budget,
        content={"plan": plan + note, "planned_completion_on": "2026-02-20"},
    )


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE_PDF, content_type="application/pdf")


def _has(related: str) -> Callable[[Grant], bool]:
    return lambda g: getattr(g, related).exists()


def _state_past(*states: str) -> Callable[[Grant], bool]:
    return lambda g: g.state not in states


def _steps_a(applicant, office) -> list[Step]:
    from renkei.grants.models import ChangeKind, Claim, ProcurementRecord
    from renkei.grants.services import award, closing

    def submit(g: Grant) -> None:
        _draft(g, applicant)
        award.application_document_add(
            actor=applicant,
            grant=g,
            kind="consortium_agreement",
            upload=_upload("国際コンソーシアム協定書(署名済み・サンプル).pdf"),
        )
        award.application_submit(actor=applicant, grant=g)

    def decide(g: Grant) -> None:
        award.application_accept(actor=office, grant=g)
        budget = g.application.versions.last().budget
        award.grant_decide(
            actor=office,
            grant=g,
            decided_on=_d("2024-07-10"),
            amount_jpy=g.selection.naiji_amount_jpy,
            rate=Decimal("0.40"),
            completion_due=_d("2026-02-27"),
            budget=budget,
        )

    def order(g: Grant) -> None:
        award.procurement_record(
            actor=applicant,
            grant=g,
            fiscal_year=2024,
            category="equipment",
            description="高効率ボイラ一式(サンプル)",
            supplier="サンプル機器株式会社",
            method=ProcurementRecord.Method.TENDER,
            method_reason="",
            ordered_on=_d("2024-07-22"),
            amount_jpy=90_000_000,
            paid_on=_d("2025-02-14"),
        )

    def reallocate(g: Grant) -> None:
        current = award.current_allocation(g).budget
        moved = {fy: dict(cats) for fy, cats in current.items()}
        moved["2024"]["construction"] += 1_000_000
        moved["2024"]["equipment"] -= 1_000_000
        award.change_request_submit(
            actor=applicant,
            grant=g,
            kind=ChangeKind.REALLOCATION,
            description="据付工事の追加に伴い設備費から工事費へ100万円を流用(サンプル)",
            budget=moved,
        )

    def interim(g: Grant) -> None:
        award.interim_inspection_record(
            actor=office,
            grant=g,
            fiscal_year=2024,
            inspected_on=_d("2025-02-25"),
            on_site=True,
            representative_attended=True,
            attendees="代表事業者、共同事業者(サンプル)",
            findings="指摘事項なし(サンプル)",
        )

    def year_end(g: Grant) -> None:
        award.year_end_report_submit(
            actor=applicant,
            grant=g,
            fiscal_year=2024,
            spending={"construction": 29_000_000, "equipment": 89_000_000, "admin": 5_000_000},
            narrative="令和6年度分の実績(サンプル)",
        )

    def advance(g: Grant) -> None:
        claim = closing.claim_submit(
            actor=applicant,
            grant=g,
            kind=Claim.Kind.ADVANCE,
            received_on=_d("2025-04-15"),
            fiscal_year=2024,
            amount_jpy=40_000_000,
        )
        with _on("2025-04-25T10:00"):
            closing.payment_record(
                actor=office, claim=claim, paid_on=_d("2025-04-25"), amount_jpy=40_000_000
            )

    def complete(g: Grant) -> None:
        closing.grant_complete(
            actor=applicant,
            grant=g,
            completed_on=_d("2026-02-20"),
            operation_started_on=_d("2026-02-16"),
            useful_life_years=17,
        )

    def report(g: Grant) -> None:
        budget = award.current_allocation(g).budget
        for kind, name in [
            ("invoice", "請求書(サンプル).pdf"),
            ("receipt", "領収書(サンプル).pdf"),
        ]:
            closing.closing_document_add(actor=applicant, grant=g, kind=kind, upload=_upload(name))
        closing.completion_report_submit(
            actor=applicant,
            grant=g,
            spending=budget,
            excluded=[
                {
                    "category": "equipment",
                    "description": "自社製品(データロガー)の利益相当額",
                    "amount_jpy": 1_200_000,
                    "reason": "自社製品等の調達は原価で計上 (2.(7) 利益排除)",
                }
            ],
            narrative="2拠点で設備を導入し試運転を完了した(サンプルの実施報告書)",
            expected_annual_reduction_tco2=Decimal("3100"),
        )

    def inspect(g: Grant) -> None:
        closing.final_inspection_record(
            actor=office,
            grant=g,
            inspected_on=_d("2026-03-12"),
            on_site=True,
            no_site_reason="",
            representative_attended=True,
            attendees="代表事業者、共同事業者(サンプル)",
            findings="交付決定の内容に適合(サンプル)",
            corrections="",
        )

    def fix(g: Grant) -> None:
        closing.amount_fix(actor=office, grant=g, fixed_on=_d("2026-03-19"))

    def claim_final(g: Grant) -> None:
        closing.claim_submit(
            actor=applicant, grant=g, kind=Claim.Kind.FINAL, received_on=_d("2026-03-23")
        )

    def pay(g: Grant) -> None:
        claim = g.claims.get(kind=Claim.Kind.FINAL)
        closing.payment_record(
            actor=office, claim=claim, paid_on=_d("2026-04-24"), amount_jpy=claim.amount_jpy
        )

    def ledger(g: Grant) -> None:
        for name, price, life in [
            ("高効率ボイラ(サンプル)", 45_000_000, 15),
            ("ヒートポンプ(サンプル)", 30_000_000, 13),
            ("太陽光発電設備 一式(サンプル)", 110_000_000, 17),
            ("計測用データロガー(サンプル)", 380_000, 5),
        ]:
            closing.property_item_add(
                actor=applicant,
                grant=g,
                name=name,
                site="Kericho",
                quantity=1,
                unit_price_jpy=price,
                acquired_on=_d("2026-02-16"),
                operation_started_on=_d("2026-02-16"),
                useful_life_years=life,
                location="Kericho, Kenya (sample)",
            )

    def submitted(g: Grant) -> bool:
        return g.application.first_submitted_at is not None

    return [
        ("2024-06-18T10:00", submitted, submit),
        ("2024-07-10T10:00", _state_past(GrantState.DRAFTING, GrantState.UNDER_REVIEW), decide),
        ("2024-07-22T10:00", _has("procurements"), order),
        ("2024-10-01T10:00", _has("changes"), reallocate),
        ("2025-02-25T16:00", _has("interim_inspections"), interim),
        ("2025-04-08T10:00", _has("year_end_reports"), year_end),
        ("2025-04-15T10:00", _has("claims"), advance),
        ("2026-02-20T17:00", lambda g: g.completed_on is not None, complete),
        ("2026-02-24T10:00", _has("property_items"), ledger),
        ("2026-03-05T10:00", lambda g: hasattr(g, "completion_report"), report),
        ("2026-03-12T16:00", lambda g: hasattr(g, "final_inspection"), inspect),
        ("2026-03-19T10:00", lambda g: hasattr(g, "amount_fixing"), fix),
        ("2026-03-23T10:00", lambda g: g.claims.filter(kind="final").exists(), claim_final),
        ("2026-04-24T10:00", lambda g: g.state != GrantState.CLAIMED, pay),
    ]


def _steps_b(applicant, office) -> list[Step]:
    from renkei.grants.services import award

    def submit(g: Grant) -> None:
        _draft(g, applicant)
        award.application_document_add(
            actor=applicant,
            grant=g,
            kind="consortium_agreement",
            upload=_upload("国際コンソーシアム協定書(署名済み・サンプル).pdf"),
        )
        award.application_submit(actor=applicant, grant=g)

    def precheck(g: Grant) -> None:
        award.application_return(
            actor=office,
            grant=g,
            message="(サンプル) 事務費の内訳に根拠資料を添付してください。",
        )

    def resubmit(g: Grant) -> None:
        _draft(g, applicant, note="事務費の根拠資料を添付した。")
        award.application_submit(actor=applicant, grant=g)

    def decide(g: Grant) -> None:
        award.application_accept(actor=office, grant=g)
        award.grant_decide(
            actor=office,
            grant=g,
            decided_on=_d("2024-07-31"),
            amount_jpy=g.selection.naiji_amount_jpy,
            rate=Decimal("0.40"),
            completion_due=_d("2026-02-27"),
            budget=g.application.versions.last().budget,
        )

    return [
        ("2024-07-08T10:00", lambda g: g.application.first_submitted_at is not None, submit),
        ("2024-07-12T10:00", lambda g: g.application.prechecks.exists(), precheck),
        ("2024-07-19T10:00", lambda g: g.state != GrantState.DRAFTING, resubmit),
        ("2024-07-31T10:00", _state_past(GrantState.DRAFTING, GrantState.UNDER_REVIEW), decide),
    ]
