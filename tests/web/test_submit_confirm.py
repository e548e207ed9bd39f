"""Before a proposal locks: the submit button asks (in the browser) and, when the assessment
finds points the call does not allow or documents missing, the page lists them and asks again;
the reviewers' part of a document is never taken from an applicant."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from renkei.proposals import services
from renkei.proposals.models import Proposal, ProposalState

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_form1(users, first_round, sample_document, settings):
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    applicant = users["applicant"]
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="one document", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    services.attachment_add(
        actor=applicant,
        proposal=proposal,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    return proposal


def test_missing_documents_are_listed_before_the_proposal_locks(users, only_form1) -> None:
    client = Client()
    client.force_login(users["applicant"])
    url = reverse("proposals:submit", args=[only_form1.pk])
    page = client.post(url, {"key": "k-1"})
    body = page.content.decode()
    assert page.status_code == 200 and 'id="submit-anyway"' in body
    assert "様式2" in body  # a missing document of form 6, by its form number
    assert Proposal.objects.get(pk=only_form1.pk).state == ProposalState.DRAFT  # not yet
    assert 'name="key" value="k-1"' in body  # the same submission key goes on

    done = client.post(url, {"key": "k-1", "confirm": "1"})
    assert done.status_code == 302
    assert Proposal.objects.get(pk=only_form1.pk).state == ProposalState.SUBMITTED


def test_the_editor_asks_before_submitting_and_lists_each_document_once(users, only_form1) -> None:
    client = Client()
    client.force_login(users["applicant"])
    page = client.get(reverse("proposals:edit", args=[only_form1.pk])).content.decode()
    assert 'data-confirm="' in page and "confirm.js" in page
    assert page.count('value="other_references"') == 1
    assert "<code>3-12_…</code>" in page  # how form 6's numbering names the files (5.(3) ※)


def test_the_reviewers_part_is_not_taken_from_an_applicant(users, only_form1) -> None:
    document = {**only_form1.document, "reviewer_scores": {"A1": 10}}
    services.proposal_update_document(
        actor=users["applicant"], proposal=only_form1, document=document
    )
    assert "reviewer_scores" not in Proposal.objects.get(pk=only_form1.pk).document


def test_the_proposal_page_counts_the_uploads_in_its_assessment(users, only_form1) -> None:
    client = Client()
    client.force_login(users["applicant"])
    body = client.get(reverse("proposals:detail", args=[only_form1.pk])).content.decode()
    assert "添付書類がまだ登録されていません" not in body
    assert "<td>E2</td><td>デコ活応援団への参画</td>" in body  # computed items carry their names


def test_the_yaml_tab_speaks_the_pages_language(users, only_form1) -> None:
    client = Client()
    client.force_login(users["applicant"])
    url = reverse("proposals:edit_yaml", args=[only_form1.pk])
    broken = client.post(url, {"document": "title: [unclosed\nfoo: 1\n"})
    body = broken.content.decode()
    assert "YAMLを読み取れません" in body and "[unclosed" in body  # the text typed is kept
    saved = client.post(url, {"document": "country: KE\nfoo: 1\n"}, follow=True)
    body = saved.content.decode()
    assert "title: 必須項目が入力されていません" in body
    assert "foo: 不明な項目です" in body


def test_the_proposals_country_follows_its_document(users, only_form1) -> None:
    # the office's lists, the PIN and the Joint Committee's view use Proposal.country
    document = {**only_form1.document, "country": "VN"}
    services.proposal_update_document(
        actor=users["applicant"], proposal=only_form1, document=document
    )
    assert Proposal.objects.get(pk=only_form1.pk).country == "VN"
    services.proposal_update_document(
        actor=users["applicant"], proposal=only_form1, document={**document, "country": 5}
    )
    assert Proposal.objects.get(pk=only_form1.pk).country == "VN"  # not a code: kept
