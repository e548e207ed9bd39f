"""The representative named in the document against the account's organisation, and what the
typed partner participants are (issue 12, 14)."""

from __future__ import annotations

import pytest
from django.test import Client
from webfactories import UserFactory

from renkei.accounts.models import Role
from renkei.proposals import services
from renkei.proposals.models import Proposal, ProposalState

pytestmark = pytest.mark.django_db


def _page(user, path: str) -> str:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client.get(path).content.decode()


def test_a_different_representative_is_shown_with_a_way_to_align(
    applicant, first_round, sample_document
) -> None:
    office = UserFactory(role=Role.OFFICE, organisation=None, is_staff=True)
    sample_document["consortium"]["representative"]["name"] = "別の株式会社"
    proposal = services.proposal_create(
        actor=applicant,
        round=first_round,
        title="Tea",
        country="KE",
        document=sample_document,
    )
    org = applicant.organisation.name
    detail = _page(applicant, f"/proposals/{proposal.pk}/")
    assert 'id="representative-check"' in detail
    assert "別の株式会社" in detail and org in detail
    assert f"/proposals/{proposal.pk}/edit/#sec-consortium" in detail  # the way to align
    edit = _page(applicant, f"/proposals/{proposal.pk}/edit/")
    assert 'id="representative-check"' in edit
    assert "Typing a name gives nobody access" in edit  # typed partners vs linked accounts
    # the office sees submitted proposals only (the state is set directly: the submission
    # path is not under test here)
    Proposal.objects.filter(pk=proposal.pk).update(
        state=ProposalState.SUBMITTED, receipt_number="JCM-20240510-0001"
    )
    office_view = _page(office, f"/proposals/{proposal.pk}/")
    assert 'id="representative-check"' in office_view and "/edit/#" not in office_view

    aligned = dict(sample_document)
    aligned["consortium"]["representative"]["name"] = f"  {org.upper()} "  # spacing and case
    Proposal.objects.filter(pk=proposal.pk).update(document=aligned)
    assert 'id="representative-check"' not in _page(applicant, f"/proposals/{proposal.pk}/")
