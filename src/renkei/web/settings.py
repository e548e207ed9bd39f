"""Django settings for Renkei.

SQLite (a file under ``var/``) is the embedded default; set ``DATABASE_URL`` (for example
``postgres://renkei:renkei@127.0.0.1:5432/renkei``) to run on PostgreSQL. Times are stored in UTC
and shown in Japan Standard Time, the calls' time zone.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("RENKEI_HOME", Path.cwd()))
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = os.environ.get("RENKEI_SECRET_KEY", "renkei-insecure-development-key")
DEBUG = os.environ.get("RENKEI_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("RENKEI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "renkei.accounts",
    "renkei.audit",
    "renkei.calls",
    "renkei.proposals",
    "renkei.reviews",
    "renkei.adoption",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "renkei.web.input_guard.InputGuardMiddleware",  # NUL characters refused with a message
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "renkei.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "renkei.web.context.demo",
            ],
        },
    },
]
WSGI_APPLICATION = "renkei.web.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'renkei.sqlite3'}", conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "web" / "static"]
STATIC_ROOT = VAR_DIR / "static"

# Uploaded attachments live outside the web root and are served only through a view that checks
# permission; there is deliberately no MEDIA_URL route.
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "uploads"), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RENKEI_UPLOAD_MAX_BYTES = int(os.environ.get("RENKEI_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
RENKEI_UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# the proposal editor posts every field of form 4: ~120 per site of 3 technology lines with 12
# cost rows, ~2,500 for 20 sites (Django's default cap of 1,000 would refuse those proposals)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "RENKEI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("RENKEI_FROM_EMAIL", "renkei@example.org")
RENKEI_BASE_URL = os.environ.get("RENKEI_BASE_URL", "http://127.0.0.1:8000")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# The demo runs "as of" a moment inside the seed calls; empty means real time.
RENKEI_DEMO_NOW = os.environ.get("RENKEI_DEMO_NOW", "")
