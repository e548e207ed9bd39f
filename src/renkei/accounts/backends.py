"""Log-in by e-mail address (issued accounts' login is their e-mail; the demo's logins are short
names), and the key under which django-axes counts failed attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from renkei.accounts.models import User


def login_key(request: Any, credentials: dict | None) -> str:
    """What the login form's field names, normalised as the backend matches it, so that
    ``Ana@Example.org`` and ``ana@example.org `` count as one login for the throttle."""
    return str((credentials or {}).get("username") or "").strip().casefold()


class EmailOrUsernameBackend(ModelBackend):
    """The login field takes the account's e-mail address (case-insensitive) or its login name."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None or password is None:
            return None
        login = username.strip()
        matches = list(User.objects.filter(Q(username=login) | Q(email__iexact=login))[:2])
        if len(matches) == 2:  # an e-mail shared by two accounts: only the exact login name
            matches = [u for u in matches if u.username == login]
        if len(matches) != 1:
            User().set_password(password)  # the same time as a real check (Django's own defence)
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
