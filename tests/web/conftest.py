"""Factories and fixtures for the web platform's tests."""

from __future__ import annotations

import pytest
import yaml
from webfactories import ROOT, UserFactory

from renkei.accounts.models import Role, User
from renkei.calls.models import Call, Round
from renkei.calls.services import call_open_from_rulebook


@pytest.fixture
def jcm_call(db) -> Call:
    return call_open_from_rulebook(
        rulebook_id="jcm-model-project/fy2024", title_ja="JCM", title_en="JCM"
    )


@pytest.fixture
def first_round(jcm_call: Call) -> Round:
    return jcm_call.rounds.get(code="first")  # 2024-05-13 12:00 JST, from the rulebook


@pytest.fixture
def applicant(db) -> User:
    return UserFactory(role=Role.APPLICANT)


@pytest.fixture
def users(db, applicant: User) -> dict[str, User]:
    return {
        "anonymous": None,
        "applicant": applicant,
        "other_applicant": UserFactory(role=Role.APPLICANT),
        "office": UserFactory(role=Role.OFFICE, organisation=None, is_staff=True),
        "reviewer": UserFactory(role=Role.REVIEWER, organisation=None),
        "secretariat": UserFactory(role=Role.SECRETARIAT, organisation=None),
        "joint_committee": UserFactory(role=Role.JOINT_COMMITTEE, organisation=None, country="KE"),
        # an applicant of another organisation; the matrices link it as a partner participant
        "partner": UserFactory(role=Role.APPLICANT),
    }


@pytest.fixture
def sample_document() -> dict:
    """The bundled passing example, as a proposal document (attachments come from uploads)."""
    doc = yaml.safe_load((ROOT / "examples/jcm-multi-site-pass.yaml").read_text("utf-8"))
    doc.pop("documents")
    doc.pop("reviewer_scores")  # the reviewers' part: on the platform it comes from the reviews
    return doc


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path) -> None:
    """Uploaded files go to a temporary directory, never the developer's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads"), "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English here; Japanese is checked in test_i18n.py."""
    from django.utils import translation

    with translation.override("en"):
        yield
