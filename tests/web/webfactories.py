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
