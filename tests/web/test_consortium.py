"""The consortium on the platform: the representative participant links partner participants
(JCM call 2.(4)② 注1) by the e-mail address of one of their accounts; their users see the
proposal, its attachments and its selection, and cannot edit, upload or submit (5.(1)④⑤)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from webfactories import UserFactory, jst, link_partner

from renkei import access
from renkei.accounts.models import Notice, Role
from renkei.audit.services import audit_trail
from renkei.proposals import services
from renkei.proposals.models import PartnerInvitation, ProposalPartner
from renkei.services import NotAllowed, ServiceError

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(users, first_round, sample_document):
    proposal = services.proposal_create(
        actor=users["applicant"], round=first_round, title="consortium", country="KE"
    )
    services.proposal_update_document(
        actor=users["applicant"], proposal=proposal, document=sample_document
    )
    return proposal


@pytest.mark.django_db(transaction=True)
def test_the_representative_invites_a_partner_who_accepts_then_sees_but_cannot_change(
    users, draft, settings
) -> None:
    applicant, partner, other = users["applicant"], users["partner"], users["other_applicant"]
    colleague = UserFactory(role=Role.APPLICANT, organisation=partner.organisation)
    assert not access.proposals_for(partner).filter(pk=draft.pk).exists()

    invitation = services.partner_add(actor=applicant, proposal=draft, email=partner.email.upper())
    assert invitation.email == partner.email and invitation.state == "pending"
    assert not access.proposals_for(partner).filter(pk=draft.pk).exists()  # not before accepting
    assert [m.to[0] for m in mail.outbox] == [partner.email]  # the invited address only
    invited = Notice.objects.get(recipient=partner)
    assert invited.link == f"/proposals/invitations/{invitation.pk}/"
    with pytest.raises(NotAllowed):  # another account cannot answer it
        services.partner_accept(actor=colleague, invitation=invitation)
    mail.outbox.clear()

    link = services.partner_accept(actor=partner, invitation=invitation)
    assert link.organisation == partner.organisation and link.added_by == applicant
    for user in (partner, colleague):  # every applicant of the partner's organisation
        assert access.proposals_for(user).filter(pk=draft.pk).exists()
        assert access.can(user, "view", draft)
        assert not access.can(user, "edit", draft)
        assert not access.can(user, "submit", draft)
        assert not access.can(user, "attach", draft)
        assert not access.can(user, "manage_partners", draft)
    assert not access.proposals_for(other).filter(pk=draft.pk).exists()
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([partner.email, colleague.email, applicant.email])
    # once linked, the representative is told which organisation accepted
    accepted = Notice.objects.get(recipient=applicant)
    assert partner.organisation.name in accepted.text and partner.email in accepted.text
    [event] = [e for e in audit_trail(draft) if e.action == "partner_add"]
    assert event.actor == partner and event.payload["name"] == partner.organisation.name
    with pytest.raises(ServiceError, match="accepted already"):
        services.partner_accept(actor=partner, invitation=invitation)

    # the partner sees, and cannot change: each write is refused by the service as well
    with pytest.raises(NotAllowed):
        services.proposal_update_document(actor=partner, proposal=draft, document={"title": "x"})
    with pytest.raises(NotAllowed):
        services.attachment_add(
            actor=partner,
            proposal=draft,
            document_id="form1",
            upload=SimpleUploadedFile("1.pdf", b"%PDF-1.7 x"),
        )
    with pytest.raises(NotAllowed):
        services.partner_add(actor=partner, proposal=draft, email=other.email)
    with pytest.raises(NotAllowed):
        services.partner_remove(actor=partner, partner=link)

    # the representative's attachment is the partner's to download too
    att = services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    assert access.can(partner, "download", att) and not access.can(other, "download", att)

    services.partner_remove(actor=applicant, partner=link)
    assert not access.proposals_for(partner).filter(pk=draft.pk).exists()
    assert [e.action for e in audit_trail(draft) if e.action.startswith("partner")] == [
        "partner_invite",
        "partner_add",
        "partner_remove",
    ]
    with pytest.raises(ServiceError, match="removed already"):
        services.partner_remove(actor=applicant, partner=link)


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_the_same_whether_or_not_an_account_has_the_address(users, draft) -> None:
    """Issue 12, 7: inviting tells nothing about who has an account or its organisation."""
    applicant, partner = users["applicant"], users["partner"]
    colleague = UserFactory(role=Role.APPLICANT, organisation=applicant.organisation)
    with pytest.raises(ServiceError, match="Give the e-mail address"):
        services.partner_add(actor=applicant, proposal=draft, email="  ")
    with pytest.raises(ServiceError, match="not an e-mail address"):
        services.partner_add(actor=applicant, proposal=draft, email="partner at example")
    addresses = ["nobody@example.org", users["office"].email, colleague.email, partner.email]
    answers = [services.partner_add(actor=applicant, proposal=draft, email=a) for a in addresses]
    assert [(i.email, i.state) for i in answers] == [(a, "pending") for a in addresses]
    # the representative's page lists the four the same way, and names no organisation
    client = Client()
    client.force_login(applicant)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("proposals:detail", args=[draft.pk])).content.decode()
    for address in addresses:
        assert f"Invited: {address} · " in page
    assert partner.organisation.name not in page
    with pytest.raises(ServiceError, match="already waiting for an answer"):
        services.partner_add(actor=applicant, proposal=draft, email=partner.email)
    # only an applicant of another organisation can accept
    with pytest.raises(NotAllowed):
        services.partner_accept(actor=users["office"], invitation=answers[1])
    with pytest.raises(ServiceError, match="representative participant already"):
        services.partner_accept(actor=colleague, invitation=answers[2])
    services.partner_decline(actor=partner, invitation=answers[3])
    assert not ProposalPartner.objects.filter(proposal=draft).exists()
    declined = Notice.objects.filter(recipient=applicant).latest("pk")
    assert partner.email in declined.text and "declined" in declined.text
    services.partner_invitation_withdraw(actor=applicant, invitation=answers[0])
    with pytest.raises(ServiceError, match="no longer waiting"):
        services.partner_invitation_withdraw(actor=applicant, invitation=answers[0])


def test_an_invitation_accepted_after_the_submit_links_nothing(users, draft) -> None:
    applicant, partner = users["applicant"], users["partner"]
    invitation = services.partner_add(actor=applicant, proposal=draft, email=partner.email)
    services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    services.proposal_submit(
        actor=applicant, proposal=draft, idempotency_key="c", now=jst("2024-05-10T09:00")
    )
    with pytest.raises(ServiceError, match="consortium is fixed"):
        services.partner_accept(actor=partner, invitation=invitation)
    assert not ProposalPartner.objects.filter(proposal=draft).exists()
    assert not access.proposals_for(partner).filter(pk=draft.pk).exists()


def test_the_consortium_is_fixed_while_the_proposal_is_locked(users, draft) -> None:
    applicant, partner = users["applicant"], users["partner"]
    link = link_partner(applicant, draft, partner)
    services.attachment_add(
        actor=applicant,
        proposal=draft,
        document_id="form1",
        upload=SimpleUploadedFile("1_a.pdf", b"%PDF-1.7 x"),
    )
    services.proposal_submit(
        actor=applicant, proposal=draft, idempotency_key="c", now=jst("2024-05-10T09:00")
    )
    draft.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.partner_remove(actor=applicant, partner=link)
    with pytest.raises(NotAllowed):
        services.partner_add(actor=applicant, proposal=draft, email=users["other_applicant"].email)
    # the partner still sees the submitted proposal; the office reopening it lets the
    # representative change the consortium again
    assert access.proposals_for(partner).filter(pk=draft.pk).exists()
    services.proposal_open_revision(actor=users["office"], proposal=draft, reason="partners")
    draft.refresh_from_db()
    services.partner_remove(actor=applicant, partner=link)


def test_the_consortium_card_on_the_proposal_page(users, draft) -> None:
    url = reverse("proposals:detail", args=[draft.pk])
    representative, partner = Client(), Client()
    representative.force_login(users["applicant"])
    partner.force_login(users["partner"])
    assert partner.get(url).status_code == 404

    empty = representative.post(reverse("proposals:partner_add", args=[draft.pk]), {"email": ""})
    # the page speaks Japanese by default: the message asks for the address, the form stays
    assert empty.status_code == 400 and "メールアドレス" in empty.content.decode()
    answers = []
    for address in ("partnre@example.org", users["partner"].email):  # a typo, and the account
        page = representative.post(
            reverse("proposals:partner_add", args=[draft.pk]), {"email": address}, follow=True
        )
        [message] = [str(m) for m in page.context["messages"]]
        answers.append(message.replace(address, "…"))
    assert answers[0] == answers[1]  # the same answer whether or not an account has the address
    assert users["partner"].organisation.name not in representative.get(url).content.decode()

    invitation = PartnerInvitation.objects.get(email=users["partner"].email)
    invite_url = reverse("proposals:partner_invitation", args=[invitation.pk])
    assert representative.get(invite_url).status_code == 404  # the invited account's alone
    shown = partner.get(invite_url).content.decode()
    draft.refresh_from_db()  # the title the document gave it
    assert users["applicant"].organisation.name in shown and draft.title in shown
    accepted = partner.post(invite_url, {"answer": "accept"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == url
    seen = partner.get(url)
    body = seen.content.decode()
    assert seen.status_code == 200 and "共同事業者として閲覧" in body
    assert 'name="email"' not in body  # no form for the partner
    assert users["partner"].organisation.name in representative.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_removed_partner_is_told_and_an_editing_partner_told_why_not(users, draft) -> None:
    applicant, partner = users["applicant"], users["partner"]
    link = link_partner(applicant, draft, partner)
    client = Client()
    client.force_login(partner)
    refused = client.get(reverse("proposals:edit", args=[draft.pk]), follow=True)
    body = refused.content.decode()
    assert "代表事業者" in body and applicant.organisation.name in body  # not "locked"
    # a GET of the add URL (the language switch after a refused address) leads back
    back = Client()
    back.force_login(applicant)
    moved = back.get(reverse("proposals:partner_add", args=[draft.pk]))
    assert moved.status_code == 302 and moved.headers["Location"].endswith("#consortium")

    mail.outbox.clear()
    services.partner_remove(actor=applicant, partner=link)
    [notice] = Notice.objects.filter(recipient=partner).order_by("-pk")[:1]
    assert partner.organisation.name in notice.text and notice.link == "/"
    assert [m.to[0] for m in mail.outbox] == [partner.email]
