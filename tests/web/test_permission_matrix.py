"""Every role × every page of the proposal path: the expected answer is written out per cell.

Pages answer 200 (allowed), 302 (to login, or back to a read-only page), 404 (not visible: the
page never reveals that someone else's proposal exists) or 405 (wrong method).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from webfactories import jst, link_partner

from renkei.proposals import services
from renkei.proposals.models import Attachment, Proposal, ProposalPartner, ProposalState

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "applicant",
    "other_applicant",
    "office",
    "reviewer",
    "secretariat",
    "joint_committee",
    "partner",  # an applicant of a partner participant the representative linked
]

# page -> expected status per role, in ROLES order
MATRIX = {
    ("home", "GET", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("proposals:preregister", "GET", None): [200, 200, 200, 200, 200, 200, 200, 200],
    ("proposals:preregistrations", "GET", None): [302, 404, 404, 200, 404, 404, 404, 404],
    ("proposals:create", "GET", None): [302, 200, 200, 404, 404, 404, 404, 200],
    ("proposals:detail", "GET", "draft"): [302, 200, 404, 404, 404, 404, 404, 200],
    ("proposals:detail", "GET", "submitted"): [302, 200, 404, 200, 404, 404, 404, 200],
    ("proposals:edit", "GET", "draft"): [302, 200, 404, 404, 404, 404, 404, 302],
    ("proposals:edit", "GET", "submitted"): [302, 302, 404, 302, 404, 404, 404, 302],
    ("proposals:edit_yaml", "GET", "draft"): [302, 200, 404, 404, 404, 404, 404, 302],
    ("proposals:edit_yaml", "GET", "submitted"): [302, 302, 404, 302, 404, 404, 404, 302],
    # the live assessment is for those who edit: a partner sees the stored one (403)
    ("proposals:assessment", "POST", "draft"): [302, 200, 404, 404, 404, 404, 404, 403],
    ("proposals:attach", "POST", "draft"): [302, 302, 404, 404, 404, 404, 404, 302],
    ("proposals:submit", "POST", "draft"): [302, 302, 404, 404, 404, 404, 404, 302],
    ("proposals:open_revision", "POST", "submitted"): [302, 302, 404, 302, 404, 404, 404, 302],
    ("proposals:download", "GET", "attachment"): [302, 200, 404, 200, 404, 404, 404, 200],
    # a draft's attachment: replacing without a file and removing lead back with a message for
    # who sees the draft; only the representative's removal happens (checked below)
    ("proposals:attachment_replace", "POST", "draft_att"): [302, 302, 404, 404, 404, 404, 404, 302],
    ("proposals:attachment_remove", "POST", "draft_att"): [302, 302, 404, 404, 404, 404, 404, 302],
    ("admin:index", "GET", None): [302, 302, 302, 200, 302, 302, 302, 302],
    # the consortium: only the representative links partners (400: no e-mail given, the form
    # again with the error); the unlink row comes last, as the representative's run unlinks
    ("proposals:partner_add", "POST", "draft"): [302, 400, 404, 404, 404, 404, 404, 302],
    ("proposals:partner_remove", "POST", "partner_link"): [302, 302, 404, 404, 404, 404, 404, 302],
    # an invitation is the invited account's alone to read (other_applicant's address here);
    # the representative withdraws it
    ("proposals:partner_invitation", "GET", "invitation"): [302, 404, 200, 404, 404, 404, 404, 404],
    ("proposals:partner_invitation_withdraw", "POST", "invitation"): [
        *[302, 302, 404, 404, 404, 404, 404, 302]
    ],
}


@pytest.fixture
def objects(users, first_round, sample_document):
    applicant = users["applicant"]
    draft = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    submitted = services.proposal_create(
        actor=applicant, round=first_round, title="sub", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=submitted, document=sample_document)
    att = services.attachment_add(
        actor=applicant,
        proposal=submitted,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    link_partner(applicant, submitted, users["partner"])
    services.proposal_submit(
        actor=applicant, proposal=submitted, idempotency_key="m", now=jst("2024-05-10T09:00")
    )
    link = link_partner(applicant, draft, users["partner"])
    invitation = services.partner_add(
        actor=applicant, proposal=draft, email=users["other_applicant"].email
    )
    draft_att = services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_draft.pdf", b"%PDF-1.7 draft"),
    )
    return {
        "invitation": invitation.pk,
        "draft_att": draft_att.pk,
        "draft": draft.pk,
        "submitted": submitted.pk,
        "attachment": att.pk,
        "partner_link": link.pk,
    }


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_role_on_every_page(role, users, objects, settings) -> None:
    settings.RENKEI_DEMO_NOW = "2024-05-10T09:00:00+09:00"
    client = _client(users[role])
    got, want = {}, {}
    for (name, method, obj), expected in MATRIX.items():
        args = [objects[obj]] if obj else []
        url = reverse(name, args=args)
        data = {"document": "title: x", "reason": "r", "key": f"k-{role}"}
        response = client.get(url) if method == "GET" else client.post(url, data)
        if response.streaming:  # consuming a streamed file lets the test client close it
            b"".join(response.streaming_content)
        label = f"{method} {name} {obj or ''}".strip()
        got[label] = response.status_code
        want[label] = expected[ROLES.index(role)]
    assert got == want
    linked = ProposalPartner.objects.filter(pk=objects["partner_link"]).exists()
    assert linked == (role != "applicant")  # only the representative could unlink
    kept = Attachment.objects.filter(pk=objects["draft_att"]).exists()
    assert kept == (role != "applicant")  # only the representative could remove


def test_the_matrix_covers_every_proposal_url() -> None:
    from renkei.proposals.urls import urlpatterns

    names = {f"proposals:{p.name}" for p in urlpatterns}
    assert names <= {name for name, _, _ in MATRIX}


def test_the_representative_and_office_decisions_are_made_on_the_row(
    users, first_round, django_assert_num_queries
) -> None:
    """Deciding edit/attach/submit for the representative and open_revision for the office asks
    the database nothing (issue 12, point 27: each decision used to add a visibility query that
    could not change its answer); the answers themselves are the matrix's."""
    from renkei import access

    applicant, office = users["applicant"], users["office"]
    draft = services.proposal_create(
        actor=applicant, round=first_round, title="decisions", country="KE"
    )
    with django_assert_num_queries(0):
        assert access.can(applicant, "attach", draft)
        assert access.can(applicant, "edit", draft)
        assert not access.can(users["other_applicant"], "attach", draft)
        assert not access.can(office, "open_revision", draft)  # a draft: not the office's yet
    Proposal.objects.filter(pk=draft.pk).update(state=ProposalState.SUBMITTED, receipt_number="R-1")
    submitted = Proposal.objects.get(pk=draft.pk)
    with django_assert_num_queries(0):
        assert access.can(office, "open_revision", submitted)
        assert not access.can(applicant, "attach", submitted)
