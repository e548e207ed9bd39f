"""Log-in throttling, the login field and password reset (issue 12, points 4 and 16).

django-axes counts failed log-ins per login (normalised: case and spaces) and per client
address; past the limit, even the right password is refused for the cool-off, with a message
saying until when; the office unlocks in /admin/. Password reset answers the same whether or not
an account has the address, and is throttled per address and per client."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from webfactories import UserFactory

from renkei.accounts.models import PasswordResetRequest

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "192.0.2.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_field_is_the_email_address_and_takes_it_in_any_case() -> None:
    user = UserFactory(username="yamada", email="Yamada@Example.org")
    client = Client()
    page = client.get(LOGIN).content.decode()
    assert re.search(r'<label for="id_username">[^<]*メールアドレス', page)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert re.search(
        r'<label for="id_username">E-mail address', english.get(LOGIN).content.decode()
    )
    assert _login(client, " yamada@example.ORG ", PASSWORD).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    other = Client()
    assert _login(other, "yamada", PASSWORD).status_code == 302  # the login name still works


def test_thirty_wrong_passwords_then_the_right_one_is_refused_until_the_cool_off() -> None:
    """The probe of the issue: 30 wrong passwords in seconds, then a success."""
    user = UserFactory()
    client = Client()
    statuses = [_login(client, user.email, f"wrong-{n}").status_code for n in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(statuses[limit:]) == {429}
    refused = _login(client, user.email, PASSWORD)
    assert refused.status_code == 429 and not _logged_in(client)
    page = refused.content.decode()
    assert "再度お試しください" in page
    assert re.search(r"\d{2}:\d{2}", page)  # says until when
    # the same login typed differently counts as the same login, from another address too
    assert (
        _login(Client(), f"  {user.email.upper()} ", PASSWORD, ip="198.51.100.7").status_code == 429
    )


def test_one_address_trying_many_logins_is_paused() -> None:
    victims = [UserFactory() for _ in range(settings.AXES_FAILURE_LIMIT + 1)]
    client = Client()
    for v in victims[:-1]:
        _login(client, v.email, "wrong", ip="203.0.113.9")
    last = victims[-1]
    assert _login(client, last.email, PASSWORD, ip="203.0.113.9").status_code == 429
    # the same account from elsewhere is not locked: the lock was the address's
    elsewhere = Client()
    assert _login(elsewhere, last.email, PASSWORD, ip="198.51.100.20").status_code == 302


def test_the_lock_out_message_is_in_english_on_english_pages() -> None:
    user = UserFactory()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        response = _login(client, user.email, f"wrong-{n}")
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_the_office_unlocks_a_login_in_admin(users) -> None:
    user = users["applicant"]
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), user.username, f"wrong-{n}", ip=f"192.0.2.{n + 10}")
    assert _login(Client(), user.username, PASSWORD, ip="192.0.2.99").status_code == 429
    office = Client()
    office.force_login(users["office"])
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert office.get(changelist).status_code == 200
    assert Client().get(changelist).status_code == 302  # not for anyone else
    applicant_admin = Client()
    applicant_admin.force_login(users["other_applicant"])
    assert applicant_admin.get(changelist).status_code in (302, 403)
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    office.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert _login(Client(), user.username, PASSWORD, ip="192.0.2.99").status_code == 302


def test_password_reset_tells_nothing_and_sends_only_to_an_account(
    django_capture_on_commit_callbacks,
) -> None:
    user = UserFactory(email="reset-me@example.org")
    user.set_unusable_password()  # issued, password never set: the reset link sets it
    user.save()
    url = reverse("accounts:password_reset")
    assert "メールアドレス" in Client().get(url).content.decode()
    known = Client().post(url, {"email": "RESET-me@example.org"})
    unknown = Client().post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("accounts:password_reset_done")
    assert [m.to for m in mail.outbox] == [["reset-me@example.org"]]
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-1", "new_password2": "a-new-long-password-1"},
    )
    assert done.status_code == 302 and _logged_in(client)
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-1")
    assert Client().get(link, follow=True).context["validlink"] is False  # once only


def test_password_reset_is_throttled_per_address_and_per_client() -> None:
    UserFactory(email="target@example.org")
    url = reverse("accounts:password_reset")
    count = int(settings.RENKEI_PASSWORD_RESET_LIMIT.split("/")[0])
    for n in range(count):
        assert (
            Client()
            .post(url, {"email": "target@example.org"}, REMOTE_ADDR=f"192.0.2.{n}")
            .status_code
            == 302
        )
    refused = Client().post(url, {"email": "target@example.org"}, REMOTE_ADDR="192.0.2.200")
    assert refused.status_code == 429
    assert len(mail.outbox) == count
    assert "target@example.org" in refused.content.decode()  # what was typed stays
    # one client trying many addresses (existing or not) is paused too
    for n in range(count * 2):
        Client().post(url, {"email": f"probe{n}@example.org"}, REMOTE_ADDR="203.0.113.50")
    assert (
        Client().post(url, {"email": "another@example.org"}, REMOTE_ADDR="203.0.113.50").status_code
        == 429
    )
    assert PasswordResetRequest.objects.filter(ip_address="203.0.113.50").count() == count * 2


def test_the_emailed_login_link_sets_the_password_and_logs_in() -> None:
    """With two authentication backends (axes' and the e-mail one) the login after setting the
    password must name its backend."""
    from renkei.accounts.services import login_link

    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client = Client()
    link = login_link(user, "")
    response = client.post(
        link, {"new_password1": "a-new-long-password-2", "new_password2": "a-new-long-password-2"}
    )
    assert response.status_code == 302 and _logged_in(client)
