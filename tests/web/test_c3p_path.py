"""The C3P path on the platform, as its users walk it (issue 3: "C3P proposals follow the same
path with the C3P call's fields, letters of interest and agreements"; guidebook 3.2–3.4).

An applicant (a company, or a Japanese municipality) drafts a proposal for the C3P round, uploads
the documents of 3.4 (letters of interest among them) and the agreements, submits before the
round's deadline and gets a receipt; the office screens it on eligibility 3.2 and the documents,
reviewers score it on Table 6 in the proposal's column (new or ongoing), and the summary and the
ranking read C3P's figures (contract amount incl. tax against its cap, no budget in the guide).
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from webfactories import ROOT, OrganisationFactory, UserFactory, jst, submitted_proposal

from renkei import access
from renkei.accounts.models import Notice, Organisation, Role
from renkei.calls.models import Call, Program, Round
from renkei.proposals import c3p_editor
from renkei.proposals import services as proposal_services
from renkei.proposals.models import Proposal
from renkei.reviews import reviewing, services
from renkei.reviews.models import Screening
from renkei.rules import assess_proposal, validate_proposal
from renkei.services import ServiceError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7 c3p"
# 3.4 (1)–(6), (10), (11) from everyone; (8) and (9) back the EMS and WLB points the new-project
# example claims; the collaboration agreement (3.2 (7), BOX 8) is optional
UPLOADS = [
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
NEW_MAXIMA = {
    "overall_evaluation": 50,
    "cn_declaration": 10,
    "infrastructure": 20,
    "technology_introduction": 40,
    "multiple_benefits": 20,
    "engineer_suitability": 5,
}


@pytest.fixture(autouse=True)
def _c3p_clock(settings) -> None:
    """Inside the FY2025 C3P call (published 2025-02-10), before the round's deadline."""
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"


@pytest.fixture
def c3p_round(db) -> Round:
    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
        budget_jpy=None,  # the guidebook gives no budget
    )
    return Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )


def _example(name: str) -> dict:
    document = yaml.safe_load((ROOT / "examples" / name).read_text("utf-8"))
    document.pop("documents_submitted")  # the platform fills these from the uploads
    document.pop("submitted_on")  # and this on submission
    return document


@pytest.fixture
def new_document() -> dict:
    return _example("c3p-new-project.yaml")


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _submitted(applicant, round_, document, title: str, uploads=UPLOADS) -> Proposal:
    return submitted_proposal(
        applicant,
        round_,
        {**document, "title": title},
        title,
        country="VN",
        uploads={doc_id: f"{doc_id}.pdf" for doc_id in uploads},
        at="2025-02-20T10:00",
        content=PDF,
    )


def _pass_screening(office, proposal: Proposal) -> Screening:
    screening = services.screening_start(actor=office, proposal=proposal)
    for item in screening.items.filter(decision=""):
        services.screening_item_decide(actor=office, item=item, decision="pass", reason="checked")
    return services.screening_complete(actor=office, screening=screening)


# --- applicant ---------------------------------------------------------------------------------


def test_a_company_drafts_uploads_and_submits_on_the_pages(
    users, c3p_round, new_document, django_capture_on_commit_callbacks
) -> None:
    applicant = users["applicant"]
    client = _client(applicant)
    create = reverse("proposals:create")
    assert f'value="{c3p_round.pk}"' in client.get(create).content.decode()  # the C3P round
    # a country outside Table 3 is refused with the codes that would be right, title kept
    refused = client.post(create, {"round": c3p_round.pk, "title": "C3P draft", "country": "us"})
    body = refused.content.decode()
    assert refused.status_code == 200 and "US" in body and "VN" in body
    assert 'value="C3P draft"' in body and not Proposal.objects.filter(title="C3P draft").exists()
    response = client.post(create, {"round": c3p_round.pk, "title": "C3P draft", "country": "vn"})
    proposal = Proposal.objects.get(title="C3P draft")
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("proposals:edit", args=[proposal.pk])
    )
    # the draft starts from the C3P call's fields, none of the JCM call's
    assert proposal.document["call"] == "c3p/fy2025"
    assert proposal.document["fiscal_year"] == 2025  # the contract year (3.3 (3))
    assert proposal.document["applicant"] == {
        "name": applicant.organisation.name,
        "kind": "company",
    }
    assert proposal.document["partner_city"] == {"country": "VN"}
    assert not {"target_deadline", "assessed_on", "documents"} & set(proposal.document)

    edit = reverse("proposals:edit", args=[proposal.pk])
    page = client.get(edit).content.decode()
    # the upload form offers the documents of 3.4 and the agreements, by the rules core's ids
    for doc_id in ("letters_of_interest", "collaboration_agreement", "qualification_certificate"):
        assert f'value="{doc_id}"' in page, doc_id
    assert 'value="form1"' not in page  # no JCM form here
    assert 'name="editor" value="c3p"' in page  # the C3P call's form
    # the editor says what is still to fill, beside its field
    assert "提案書の提出には入力が必要です。" in page  # "Required before … submitted."

    # the browser posts the form's fields (what the applicant typed), not a document
    data, dropped = c3p_editor.document_to_data(new_document, c3p_round.call.rulebook())
    assert dropped == []
    assert client.post(edit, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.document["partner_city"]["name"] == "Ben Tre Province"
    assert proposal_services.document_errors(proposal.document) == []
    # the assessment says the guidebook gives no deadline (shown, not assumed)
    page = client.get(reverse("proposals:detail", args=[proposal.pk])).content.decode()
    assert "締切日時の記載がありません" in page

    attach = reverse("proposals:attach", args=[proposal.pk])
    for doc_id in UPLOADS:
        client.post(
            attach, {"document_id": doc_id, "file": SimpleUploadedFile(f"{doc_id}.pdf", PDF)}
        )
    refused = client.post(
        attach, {"document_id": "form1", "file": SimpleUploadedFile("1.pdf", PDF)}, follow=True
    )
    assert "letters_of_interest" in refused.content.decode()  # the message lists the C3P ids
    assert sorted(proposal.attachments.values_list("document_id", flat=True)) == sorted(UPLOADS)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("proposals:submit", args=[proposal.pk]), {"key": "c3p-1"})
    proposal.refresh_from_db()
    assert proposal.state == "submitted"
    assert proposal.receipt_number == "C3P-20250220-0001"
    version = proposal.versions.get()
    assert version.rulebook_id == "c3p/fy2025" and version.assessment_status == "pass"
    assert version.document["submitted_on"] == "2025-02-20"
    assert version.document["documents_submitted"] == UPLOADS  # in upload order, by 3.4 id
    assert version.attachments.count() == len(UPLOADS)
    assert Notice.objects.filter(recipient=applicant, message__contains="C3P-20250220").exists()
    assert len(mail.outbox) == 1 and "C3P-20250220-0001" in mail.outbox[0].body
    assert not access.can(applicant, "edit", proposal)  # locked


def test_deadline_to_the_second_and_not_before_the_call_opens(
    users, c3p_round, new_document
) -> None:
    applicant = users["applicant"]

    def ready(title: str) -> Proposal:
        p = proposal_services.proposal_create(
            actor=applicant, round=c3p_round, title=title, country="VN"
        )
        proposal_services.proposal_update_document(
            actor=applicant, proposal=p, document=new_document
        )
        return p

    early, late, last = ready("early"), ready("late"), ready("last")
    with pytest.raises(ServiceError, match="The call opens on 2025-02-10 00:00 JST"):
        proposal_services.proposal_submit(
            actor=applicant, proposal=early, idempotency_key="e", now=jst("2025-02-09T23:59:59")
        )
    with pytest.raises(ServiceError, match="2025-03-03 12:00 JST"):
        proposal_services.proposal_submit(
            actor=applicant, proposal=late, idempotency_key="l", now=jst("2025-03-03T12:00:00")
        )
    version = proposal_services.proposal_submit(
        actor=applicant, proposal=last, idempotency_key="s", now=jst("2025-03-03T11:59:59")
    )
    assert version.proposal.receipt_number == "C3P-20250303-0001"
    assert version.document["submitted_on"] == "2025-03-03"
    # without uploads the required documents of 3.4 fail: the letters of interest among them
    result = assess_proposal(validate_proposal(version.document))
    failed = {f.check for f in result.findings if str(f.status) == "fail"}
    assert "c3p.documents.letters_of_interest" in failed
    assert early.versions.count() == 0 and late.versions.count() == 0


def test_a_japanese_municipality_drafts_a_proposal_flagged_for_the_office(
    c3p_round, new_document
) -> None:
    city = OrganisationFactory(
        name="サンプル町", name_en="Sample Town", kind=Organisation.Kind.MUNICIPALITY
    )
    clerk = UserFactory(role=Role.APPLICANT, organisation=city)
    proposal = proposal_services.proposal_create(
        actor=clerk, round=c3p_round, title="町の提案", country="VN"
    )
    doc = proposal.document
    assert doc["applicant"] == {"name": "サンプル町", "kind": "municipality"}
    assert doc["japanese_city"] == {"name_ja": "サンプル町", "name_en": "Sample Town"}
    filled = copy.deepcopy(new_document)
    filled["applicant"] |= doc["applicant"]
    filled["japanese_city"] |= doc["japanese_city"]
    assert (
        proposal_services.proposal_update_document(actor=clerk, proposal=proposal, document=filled)
        == []
    )
    result = assess_proposal(validate_proposal(filled))
    lead = next(f for f in result.findings if f.check == "c3p.eligibility.lead")
    assert str(lead.status) == "needs_review"  # "not expected to apply on their own" (3.2)
    assert "単独で応募することは想定されていない" in lead.message("ja")
    assert access.proposals_for(clerk).get() == proposal  # their own proposal only


# --- office and reviewers ---------------------------------------------------------------------


def test_office_screens_reviewers_score_on_table_6_and_the_office_ranks(
    users, c3p_round, new_document
) -> None:
    office, reviewer = users["office"], users["reviewer"]
    second = UserFactory(role=Role.REVIEWER, organisation=None)
    proposal = _submitted(users["applicant"], c3p_round, new_document, "C3P reviewed")

    # basic screening: eligibility 3.2 (1)–(9) with the country, and the documents of 3.4
    screening = services.screening_start(actor=office, proposal=proposal)
    assert screening.rulebook_id == "c3p/fy2025"
    checks = set(screening.items.values_list("check_id", flat=True))
    assert {"c3p.eligibility.1", "c3p.eligibility.7", "c3p.eligibility.country"} <= checks
    assert {"c3p.eligibility.9.partner_city", "c3p.documents.letters_of_interest"} <= checks
    assert "info" not in set(screening.items.values_list("machine_status", flat=True))
    assert not access.screening_passed(proposal)
    office_client = _client(office)
    page = office_client.get(reverse("reviews:screening", args=[proposal.pk])).content.decode()
    assert "3.2 eligibility (9)" in page and "関心表明レター" in page
    _pass_screening(office, proposal)
    assert access.screening_passed(proposal)

    # assignment on the page, then the declaration that opens the proposal
    office_client.post(
        reverse("reviews:assign"),
        {"proposal": [proposal.pk], "reviewer": [reviewer.pk, second.pk], "per_proposal": 2},
    )
    assignments = list(proposal.review_assignments.order_by("reviewer_id"))
    assert [a.reviewer_id for a in assignments] == [reviewer.pk, second.pk]
    criteria = {c.id: c.max for c in reviewing.reviewer_criteria(proposal)}
    assert criteria == NEW_MAXIMA  # the new-project column; "past achievements" is "-"

    client = _client(reviewer)
    first = assignments[0]
    client.post(reverse("reviews:declare", args=[first.pk]), {"has_conflict": "no"})
    page = client.get(reverse("reviews:score", args=[first.pk])).content.decode()
    assert 'max="50"' in page and "事業全体の評価" in page and "past_achievements" not in page
    assert "新規案件" in page or "new-project" in page
    form = {f"points_{c}": m for c, m in NEW_MAXIMA.items()}
    form |= {f"justification_{c}": "reason" for c in NEW_MAXIMA}
    form["points_overall_evaluation"] = 51
    client.post(reverse("reviews:score", args=[first.pk]), form)
    assert first.scores.count() == 5  # 51 of 50 refused
    with translation.override("en"):  # the page left Japanese active; services speak English
        with pytest.raises(ServiceError, match="0 to 50"):
            services.review_score(
                actor=reviewer,
                assignment=first,
                criterion="overall_evaluation",
                points=51,
                justification="j",
            )
        with pytest.raises(ServiceError, match="not a reviewer item"):
            services.review_score(
                actor=reviewer,
                assignment=first,
                criterion="ghg_reduction",
                points=1,
                justification="j",
            )
    form["points_overall_evaluation"] = 41  # 41 vs 25: 16 > 30% of 50, flagged
    client.post(reverse("reviews:score", args=[first.pk]), form)
    client.post(reverse("reviews:submit_review", args=[first.pk]))
    services.review_declare_conflict(actor=second, assignment=assignments[1], has_conflict=False)
    for cid, mx in NEW_MAXIMA.items():
        services.review_score(
            actor=second,
            assignment=assignments[1],
            criterion=cid,
            points=mx // 2,
            justification="j",
        )
    services.review_submit(actor=second, assignment=assignments[1])

    summary = reviewing.review_summary(proposal)
    rows = {r.criterion.id: r for r in summary.criteria}
    assert rows["overall_evaluation"].points == (41, 25) and rows["overall_evaluation"].divergent
    assert rows["overall_evaluation"].mean == Decimal("33.00")
    computed = {i.id: i.points for i in summary.computed}
    assert computed == {
        "cost_effectiveness": 5,
        "ghg_reduction": 3,
        "engineer_workload": 5,
        "ems": 5,
        "wlb": 3,
        "targets": 10,
    }  # 31, as the rules core computes it; past collaboration is for ongoing projects only
    assert summary.computed_total == 31
    assert summary.sheet.maximum == 185 and summary.sheet.project_type == "new"
    assert summary.total == summary.reviewer_total + 31
    page = office_client.get(reverse("reviews:summary", args=[proposal.pk])).content.decode()
    assert "cost_effectiveness" in page and "185" in page and str(summary.total) in page

    # ranking: the contract total incl. tax; no budget in the guidebook, so no funding line
    ranking = reverse("reviews:ranking") + f"?round={c3p_round.pk}"
    page = office_client.get(ranking).content.decode()
    assert proposal.receipt_number in page and "19,778,000" in page
    assert "予算が設定されていない" in page or "No budget" in page
    assert 'class="funding-line"' not in page
    Call.objects.filter(pk=c3p_round.call_id).update(budget_jpy=10_000_000)
    page = office_client.get(ranking).content.decode()
    assert 'class="funding-line"' in page  # the funding line, above a 19.8M contract on 10M


def test_an_ongoing_project_is_scored_in_the_ongoing_column(users, c3p_round) -> None:
    proposal = _submitted(
        users["applicant"],
        c3p_round,
        _example("c3p-ongoing-project.yaml"),
        "C3P ongoing",
        uploads=[*UPLOADS, "jcm_achievements"],
    )
    sheet = reviewing.scoring_sheet(proposal)
    assert sheet.project_type == "ongoing" and sheet.maximum == 185
    maxima = {c.id: c.max for c in sheet.reviewer}
    assert maxima["overall_evaluation"] == 25 and maxima["past_achievements"] == 20
    assert maxima["technology_introduction"] == 35
    assert "past_collaboration" in {c.id for c in sheet.computed}
    assert sum(maxima.values()) + sum(c.max for c in sheet.computed) == 185


def test_english_ui_shows_the_english_names_of_table_6(users, c3p_round, new_document) -> None:
    proposal = _submitted(users["applicant"], c3p_round, new_document, "C3P en")
    _pass_screening(users["office"], proposal)
    (a,) = services.review_assign_balanced(
        actor=users["office"], proposals=[proposal], reviewers=[users["reviewer"]], per_proposal=1
    )
    services.review_declare_conflict(actor=users["reviewer"], assignment=a, has_conflict=False)
    client = _client(users["reviewer"])
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("reviews:score", args=[a.pk])).content.decode()
    assert "Overall project evaluation" in page and "事業全体の評価" not in page
