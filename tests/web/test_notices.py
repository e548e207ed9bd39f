"""Notices in each reader's language, read and unread (issue 12, 16 and 17)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from webfactories import OrganisationFactory, UserFactory

from renkei.accounts.models import Notice, Role
from renkei.accounts.notices import notice_mark_all_read, notify, render
from renkei.proposals import services

pytestmark = pytest.mark.django_db


def _client(user, lang: str) -> Client:
    client = Client()
    client.cookies["django_language"] = lang
    client.force_login(user)
    return client


def test_who_reads_which_language_by_default() -> None:
    kenyan = UserFactory(organisation=OrganisationFactory(country="KE"))
    assert kenyan.preferred_language == "en"
    assert UserFactory().preferred_language == "ja"  # a Japanese organisation
    assert UserFactory(role=Role.SECRETARIAT, organisation=None).preferred_language == "en"
    jc = UserFactory(role=Role.JOINT_COMMITTEE, organisation=None, country="KE")
    assert jc.preferred_language == "en"
    assert UserFactory(role=Role.OFFICE, organisation=None).preferred_language == "ja"
    kenyan.language = "ja"
    assert kenyan.preferred_language == "ja"  # a choice wins


def test_one_partner_notice_reads_in_each_readers_language(
    applicant, first_round, django_capture_on_commit_callbacks
) -> None:
    """The representative invites a Kenyan partner, which accepts: the "added" e-mail is
    English for the Kenyan, Japanese for its Japanese colleague; on the page each notice follows
    the page's language."""
    kenyan = UserFactory(organisation=OrganisationFactory(name="Highlands Ltd", country="KE"))
    colleague = UserFactory(organisation=kenyan.organisation, language="ja")
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="茶工場", country="KE"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.partner_add(actor=applicant, proposal=proposal, email=kenyan.email)
    mail.outbox.clear()
    Notice.objects.all().delete()
    with (
        translation.override("ja"),  # whatever the acting user's page was in
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.partner_accept(actor=kenyan, invitation=invitation)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "partner participant" in by_address[kenyan.email].body
    assert "共同事業者" not in by_address[kenyan.email].body
    assert "共同事業者" in by_address[colleague.email].body
    notice = Notice.objects.get(recipient=kenyan)
    assert notice.msgid and "partner participant" in notice.message
    assert "共同事業者" in render(notice.msgid, notice.params, "ja")
    page = _client(kenyan, "en").get("/notices/")
    assert "partner participant" in page.content.decode()
    page = _client(kenyan, "ja").get("/notices/")
    assert "共同事業者" in page.content.decode()


def test_dates_and_labels_follow_the_reader(django_capture_on_commit_callbacks) -> None:
    import datetime as dt

    reader = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [reader],
            subject="[Renkei] Hearing scheduled",
            message=(
                "The hearing of “%(title)s” (receipt %(receipt)s) is scheduled on %(when)s at "
                "%(place)s."
            ),
            values={
                "title": "T",
                "receipt": "R",
                "when": dt.datetime.fromisoformat("2024-06-03T01:00:00+00:00"),
                "place": "東京",
            },
        )
    notice = Notice.objects.get(recipient=reader)
    assert "2024年6月3日 10:00 JST" in render(notice.msgid, notice.params, "ja")
    english = render(notice.msgid, notice.params, "en")
    assert "June 3, 2024 10:00 JST" in english and "scheduled on" in english


def test_unread_count_open_and_mark_all_read(applicant, first_round) -> None:
    for title in ("一", "二", "三"):
        proposal = services.proposal_create(
            actor=applicant, round=first_round, title=title, country="KE"
        )
        Notice.objects.create(recipient=applicant, message=title, link=f"/proposals/{proposal.pk}/")
    other = UserFactory()
    theirs = Notice.objects.create(recipient=other, message="not yours")
    client = _client(applicant, "en")
    home = client.get("/").content.decode()
    assert 'class="badge"' in home and ">3</span>" in home

    first = Notice.objects.filter(recipient=applicant).last()
    opened = client.post(reverse("notice_open", args=[first.pk]))
    assert opened.status_code == 302 and opened.headers["Location"] == first.link
    first.refresh_from_db()
    assert first.read_at is not None
    assert ">2</span>" in client.get("/").content.decode()

    assert client.post(reverse("notice_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("notice_open", args=[first.pk])).status_code == 405  # POST only

    client.post(reverse("notices_read_all"))
    assert not Notice.objects.filter(recipient=applicant, read_at__isnull=True).exists()
    assert 'class="badge"' not in client.get("/").content.decode()
    assert Notice.objects.get(pk=theirs.pk).read_at is None
    assert notice_mark_all_read(actor=applicant) == 0


def test_the_language_switcher_and_the_account_page_keep_the_choice(applicant) -> None:
    client = Client()
    client.force_login(applicant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    applicant.refresh_from_db()
    assert applicant.language == "en" and applicant.preferred_language == "en"
    fresh = Client()  # another browser, no language cookie: the preference decides the page
    fresh.force_login(applicant)
    assert '<html lang="en">' in fresh.get("/").content.decode()
    fresh.post(reverse("account"), {"language": "ja"})
    applicant.refresh_from_db()
    assert applicant.language == "ja"
    assert '<html lang="ja">' in fresh.get(reverse("account")).content.decode()
