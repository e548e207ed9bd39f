"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE): a developer's machine, as
``make demo`` runs it (RENKEI_DEBUG=1: the development key, plain HTTP). Production settings are
tested by starting ``renkei.web.settings`` with production variables
(tests/web/test_settings_deploy.py)."""

import os

os.environ.setdefault("RENKEI_DEBUG", "1")

from renkei.web.settings import *  # noqa: F403

# a fast hash: the suite logs in through the form many times (the throttle's tests); production
# keeps Django's PBKDF2
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
