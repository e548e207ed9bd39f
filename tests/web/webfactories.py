"""Factories and helpers shared by the web tests (a uniquely named module: every test folder has
its own conftest.py, so helpers are never imported from one)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import factory

from renkei.accounts.models import Organisation, Role, User

JST = ZoneInfo("Asia/Tokyo")
ROOT = Path(__file__).resolve().parents[2]


def jst(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"サンプル株式会社{n}")
    country = "JP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("pw-for-tests-1")


def submitted_proposal(
    applicant,
    round_,
    document: dict,
    title: str,
    *,
    country: str,
    uploads: dict[str, str],
    at: str,
    content: bytes = b"%PDF-1.7 x",
):
    """A proposal created, filled with ``document``, given ``uploads`` (document id -> file
    name) and submitted at ``at`` (JST), through the services; returned fresh."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renkei.proposals import services

    proposal = services.proposal_create(actor=applicant, round=round_, title=title, country=country)
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    for doc_id, name in uploads.items():
        services.attachment_add(
            actor=applicant,
            proposal=proposal,
            document_id=doc_id,
            upload=SimpleUploadedFile(name, content),
        )
    services.proposal_submit(actor=applicant, proposal=proposal, idempotency_key=title, now=jst(at))
    proposal.refresh_from_db()
    return proposal


def link_partner(representative, proposal, partner):
    """The representative invites ``partner``'s address and ``partner`` accepts: its
    organisation is a partner participant of ``proposal`` (the link, returned)."""
    from renkei.proposals import services

    invitation = services.partner_add(actor=representative, proposal=proposal, email=partner.email)
    return services.partner_accept(actor=partner, invitation=invitation)


# --- set-ups shared by the regression guards and the browser walks ---------------------------
# (added for issue 12; the helpers above are unchanged)

# the 12 documents JCM 5.(3) always requires, named after form 6's numbers (5.(3) ※)
JCM_UPLOADS = {
    "form1": "1_提案書.pdf",
    "form2": "2_届出書.pdf",
    "form3_00": "3-00_計画書.pdf",
    "form3_12": "3-12_根拠.pdf",
    "form3_16": "3-16_PIN.pdf",
    "form4": "4_経費.pdf",
    "quotations": "4-1_見積書.pdf",
    "company_profile": "4-2_企業パンフレット.pdf",
    "financial_statements": "4-3_財務諸表.pdf",
    "consortium_agreement": "4-4_コンソーシアム協定書.pdf",
    "form5": "5_Agreement.pdf",
    "form6": "6_チェックリスト.pdf",
}
# C3P 3.4 (1)–(6), (10), (11) from everyone; (8) and (9) back the EMS and WLB points the
# new-project example claims; the collaboration agreement (3.2 (7), BOX 8) is optional
C3P_UPLOADS = [
    "application_form",
    "survey_overview",
    "activity_achievements",
    "project_plan",
    "proposal_summary",
    "organisation_overview",
    "ems_certification",
    "wlb_certification",
    "letters_of_interest",
    "qualification_certificate",
    "collaboration_agreement",
]


def example_document(name: str) -> dict:
    """A bundled example as an applicant's document: without the parts the platform fills in
    (uploads, submission date) and without the reviewers' part."""
    import yaml

    document = yaml.safe_load((ROOT / "examples" / name).read_text("utf-8"))
    for key in ("documents", "documents_submitted", "submitted_on", "reviewer_scores"):
        document.pop(key, None)
    return document


def c3p_round(
    *,
    call_budget_jpy: int | None = None,
    round_budget_jpy: int | None = None,
    code: str = "first",
    deadline: str = "2025-03-03T12:00",
):
    """The FY2025 C3P call (published 2025-02-10 00:00 JST) and one of its rounds; the call is
    created once and shared by the rounds made after it."""
    from renkei.calls.models import Call, Program, Round

    call, _ = Call.objects.get_or_create(
        rulebook_id="c3p/fy2025",
        defaults=dict(
            program=Program.C3P,
            title_ja="令和7年度 都市間連携事業",
            title_en="C3P FY2025",
            opens_at=jst("2025-02-10T00:00"),
            closes_at=jst("2026-03-31T12:00"),
            budget_jpy=call_budget_jpy,
        ),
    )
    return Round.objects.create(
        call=call,
        code=code,
        name_ja=f"第{call.rounds.count() + 1}回",
        name_en=code,
        deadline=jst(deadline),
        budget_jpy=round_budget_jpy,
    )


def complete_screening(office, proposal, *, fail: str | None = None, reason: str = "checked"):
    """Basic screening started, every item still open decided ("pass", or "fail" for the items
    of clause ``fail``) and completed; items the machine decided keep its decision, except the
    items of ``fail``, which the office fails. Returned completed."""
    from renkei.reviews import services

    screening = services.screening_start(actor=office, proposal=proposal)
    for item in screening.items.order_by("position"):
        if fail is not None and item.clause == fail:
            decision = "fail"
        elif item.decision:
            continue  # decided by the machine
        else:
            decision = "pass"
        if decision != item.decision:
            services.screening_item_decide(
                actor=office, item=item, decision=decision, reason=reason
            )
    return services.screening_complete(actor=office, screening=screening)


def submitted_review(office, reviewer, proposal, *, share: float = 0.5):
    """One reviewer assigned, no conflict declared, every item scored at ``share`` of its
    maximum with a justification, and the review submitted."""
    from renkei.reviews import reviewing, services

    (assignment,) = services.review_assign_balanced(
        actor=office, proposals=[proposal], reviewers=[reviewer], per_proposal=1
    )
    services.review_declare_conflict(actor=reviewer, assignment=assignment, has_conflict=False)
    for criterion in reviewing.reviewer_criteria(proposal):
        services.review_score(
            actor=reviewer,
            assignment=assignment,
            criterion=criterion.id,
            points=int(criterion.max * share),
            justification="seen in the plan",
        )
    return services.review_submit(actor=reviewer, assignment=assignment)


def run_at_once(jobs):
    """Run the callables together in threads (a barrier releases them at once); their results
    or errors. For races on PostgreSQL: each thread has its own connection."""
    from django.db import connection

    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # reported to the test, not swallowed
            results[i] = exc
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
