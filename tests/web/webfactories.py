"""Factories and helpers shared by the web tests (a uniquely named module: every test folder has
its own conftest.py, so helpers are never imported from one)."""

from __future__ import annotations

import datetime as dt
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
