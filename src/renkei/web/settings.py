"""Django settings for Renkei.

SQLite (a file under ``var/``) is the embedded default; set ``DATABASE_URL`` (for example
``postgres://renkei:renkei@127.0.0.1:5432/renkei``) to run on PostgreSQL. Times are stored in UTC
and shown in Japan Standard Time, the calls' time zone.

Production is the default: debug is off unless ``RENKEI_DEBUG=1`` (``make demo`` and ``make test``
set it: a developer's machine), and without debug the platform refuses to start unless
``RENKEI_SECRET_KEY`` is set. Without debug, cookies are secure, HTTPS is enforced with HSTS
(``RENKEI_HTTPS=0`` for a server reached over plain HTTP on a private network, such as the
benchmarks' loopback), and ``manage.py check --deploy`` is clean. The content security policy
applies always, so that the pages are developed and tested under it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("RENKEI_HOME", Path.cwd()))
VAR_DIR = BASE_DIR / "var"

DEBUG = os.environ.get("RENKEI_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("RENKEI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "RENKEI_SECRET_KEY is not set. Outside a developer's machine set it to a long random "
            "value (python -c 'import secrets; print(secrets.token_urlsafe(50))'); on a "
            "developer's machine set RENKEI_DEBUG=1 instead (make demo does)."
        )
    SECRET_KEY = "renkei-insecure-development-key-debug-only"
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
    "renkei.grants",
    "renkei.monitoring",
    "renkei.credits",
    "renkei.c3p",
    "renkei.ops",  # operations: backup and restore, records retention, health
    "django_q",  # the task runner: reminders of due dates (renkei.grants.tasks)
    "ninja",  # serves the API docs' Swagger UI from static files, not from a CDN
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # --- logs (issue 14): times every request, gives it its id, logs its line
    "renkei.web.request_log.RequestLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "renkei.web.input_guard.InputGuardMiddleware",  # NUL characters refused with a message
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "renkei.web.account.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "renkei.web.middleware.DatabaseBusyMiddleware",
    # last: it answers a locked-out login before the view runs
    "axes.middleware.AxesMiddleware",
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
                "renkei.web.context.notices",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database under concurrent writes (issue 12): a transaction takes the write
    # lock when it begins (IMMEDIATE), so two requests never both read and then fail to upgrade
    # to writing ("database is locked" at once, whatever the timeout); a writer waits up to 20 s
    # for the lock; WAL lets pages be read while one request writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Log-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one login, or
# from one address, that login or address is refused for AXES_COOLOFF_TIME, with a message
# saying when to try again; the office can unlock it earlier in /admin/ (Axes > Access attempts).
# Behind a reverse proxy, set RENKEI_PROXY_COUNT so that the client's address is the one counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "renkei.accounts.backends.EmailOrUsernameBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RENKEI_LOGIN_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("RENKEI_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_USERNAME_CALLABLE = "renkei.accounts.backends.login_key"
AXES_LOCKOUT_CALLABLE = "renkei.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# --- production recipe: the client's address behind a proxy (issue 14) ---------------------------
# (django-axes' own AXES_IPWARE_PROXY_COUNT needs django-ipware, which Renkei does not install.)
# RENKEI_PROXY_COUNT trusted proxies in front append to X-Forwarded-For; the client is the
# address they received the request from (renkei.web.client_ip), for the log-in throttle and
# the password reset limit alike. Unset or 0: the connection's address, X-Forwarded-For ignored.
RENKEI_PROXY_COUNT = int(os.environ.get("RENKEI_PROXY_COUNT") or 0)
AXES_CLIENT_IP_CALLABLE = "renkei.web.client_ip.client_ip"
# --- end of production recipe: the client's address ----------------------------------------------
# Password reset requests: per address and per e-mail (renkei.accounts.views.password_reset).
RENKEI_PASSWORD_RESET_LIMIT = "5/h"

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
# --- storage (issue 14) ---------------------------------------------------------------------------
# Every uploaded file (proposals' attachments, grant documents, monitoring uploads and the Parquet
# meter datasets) goes through Django's storage API, so that every web process and worker, on any
# machine, sees every file. RENKEI_STORAGE chooses where they live (docs/ops/storage.md):
# - filesystem (the default): the directory RENKEI_UPLOAD_DIR (default var/uploads; relative to
#   RENKEI_HOME); several machines must share it (a network file system);
# - s3: an S3-compatible object store (django-storages): RENKEI_S3_BUCKET (required),
#   RENKEI_S3_ENDPOINT_URL (empty: AWS itself), RENKEI_S3_REGION, RENKEI_S3_PREFIX (a key prefix);
#   the credentials are boto3's own (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile or the
#   machine's role). Objects are private (no ACL is sent: a bucket with ACLs disabled, AWS's
#   default, refuses any but the owner's, and an object is private without one), a name is never
#   replaced (file_overwrite off), and the backend gives no URL at all (renkei.web.storage): files
#   are served only through Renkei's permission-checking views. A file read back is spooled to
#   disk past 5 MB (in FILE_UPLOAD_TEMP_DIR), not held in memory.
RENKEI_STORAGE = os.environ.get("RENKEI_STORAGE", "").strip() or "filesystem"
if RENKEI_STORAGE == "filesystem":
    _upload_dir = Path(os.environ.get("RENKEI_UPLOAD_DIR", "").strip() or VAR_DIR / "uploads")
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BASE_DIR / _upload_dir), "base_url": None},
    }
elif RENKEI_STORAGE == "s3":
    _s3_bucket = os.environ.get("RENKEI_S3_BUCKET", "").strip()
    if not _s3_bucket:
        raise ImproperlyConfigured(
            "RENKEI_STORAGE=s3 needs RENKEI_S3_BUCKET, the name of the bucket that holds the "
            "uploaded files (and RENKEI_S3_ENDPOINT_URL for a store other than AWS S3); see "
            "docs/ops/storage.md."
        )
    _s3_endpoint = os.environ.get("RENKEI_S3_ENDPOINT_URL", "").strip() or None
    _default_storage = {
        "BACKEND": "renkei.web.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": _s3_bucket,
            "endpoint_url": _s3_endpoint,
            "region_name": os.environ.get("RENKEI_S3_REGION", "").strip() or None,
            "location": os.environ.get("RENKEI_S3_PREFIX", "").strip().strip("/"),
            "default_acl": None,
            "file_overwrite": False,
            # a self-hosted store (MinIO, Ceph, …) is reached by path (endpoint/bucket/key): it
            # seldom has a DNS name per bucket; AWS itself chooses
            "addressing_style": "path" if _s3_endpoint else None,
            "max_memory_size": 5 * 1024 * 1024,
        },
    }
else:
    raise ImproperlyConfigured(
        f"RENKEI_STORAGE={RENKEI_STORAGE!r} is not a storage Renkei knows: set it to "
        "'filesystem' (the default: files in RENKEI_UPLOAD_DIR) or 's3' (an S3-compatible "
        "object store: RENKEI_S3_BUCKET, …); see docs/ops/storage.md."
    )
# --- end of storage (issue 14) --------------------------------------------------------------------
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RENKEI_UPLOAD_MAX_BYTES = int(os.environ.get("RENKEI_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
# attachments a proposal may have at once (JCM form 6 lists ~20 documents; C3P 3.4 eleven)
RENKEI_UPLOAD_MAX_FILES = int(os.environ.get("RENKEI_UPLOAD_MAX_FILES", 60))
RENKEI_UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# the proposal editor posts every field of form 4: ~120 per site of 3 technology lines with 12
# cost rows, ~2,500 for 20 sites (Django's default cap of 1,000 would refuse those proposals)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# one handler counts (refusing over RENKEI_UPLOAD_MAX_BYTES as the bytes arrive), hashes and keeps
# each file (renkei.proposals.uploads); the temporary directory is next to the storage's, on the
# same file system, so that saving a large upload is a rename, not a copy (the system's /tmp is
# often another file system, a tmpfs, where the file would be copied a second time); the handler
# makes it when missing (and so does start-up: Django's checks want it to exist, files.E001, and
# say so if it cannot be made)
FILE_UPLOAD_HANDLERS = ["renkei.proposals.uploads.AttachmentUploadHandler"]
FILE_UPLOAD_TEMP_DIR = os.environ.get("RENKEI_UPLOAD_TEMP_DIR") or str(VAR_DIR / "incoming")
with contextlib.suppress(OSError):  # if it cannot be made, `manage.py check` reports it
    os.makedirs(FILE_UPLOAD_TEMP_DIR, exist_ok=True)

EMAIL_BACKEND = os.environ.get(
    "RENKEI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("RENKEI_FROM_EMAIL", "renkei@example.org")
RENKEI_BASE_URL = os.environ.get("RENKEI_BASE_URL", "http://127.0.0.1:8000")

# --- production recipe: e-mail over SMTP (issue 14, docs/ops/deployment.md) ---------------------
# With RENKEI_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, the relay is set here
# (Django's EMAIL_* settings). TLS is STARTTLS on the submission port (587); SSL is implicit TLS
# (465); the two exclude each other.
EMAIL_HOST = os.environ.get("RENKEI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RENKEI_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("RENKEI_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RENKEI_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("RENKEI_EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("RENKEI_EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("RENKEI_EMAIL_TIMEOUT", 30))  # seconds; Django's is none
SERVER_EMAIL = DEFAULT_FROM_EMAIL  # the sender of Django's own error mails, if any are set up
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "RENKEI_EMAIL_USE_TLS=1 and RENKEI_EMAIL_USE_SSL=1 exclude each other: set "
        "RENKEI_EMAIL_USE_TLS=1 for STARTTLS (usually port 587) or RENKEI_EMAIL_USE_SSL=1 for "
        "implicit TLS (usually port 465), not both."
    )
# --- end of production recipe: e-mail ------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = not DEBUG and os.environ.get("RENKEI_HTTPS", "1") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# the preload token only allows the domain owner to submit the domain to browsers' list
SECURE_HSTS_PRELOAD = HTTPS
if os.environ.get("RENKEI_PROXY_SSL_HEADER") == "1":  # behind a proxy that terminates TLS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# check --deploy's W008/W004 do not apply to a plain-HTTP server on a private network
SILENCED_SYSTEM_CHECKS = [] if HTTPS or DEBUG else ["security.W004", "security.W008"]

# Content security policy (django-csp): scripts and styles only from this site's static files;
# the few inline scripts carry the request's nonce. No CDN anywhere (the API docs' Swagger UI is
# served from ninja's static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- logs (issue 14) ----------------------------------------------------------------------------
# Everything is logged to stderr, which the WSGI server, systemd (journald) or the container
# runtime collects: one JSON object per line (python-json-logger) without debug, readable lines
# with it (RENKEI_LOG_FORMAT=json|plain overrides). renkei.request has one line per request
# (renkei.web.request_log); every record carries the id of the request it was logged in
# (request_id), Django's server errors with their traceback among them. Never logged: query
# strings, bodies, names, e-mail addresses, the client's address unless RENKEI_LOG_CLIENT_IP=1
# (docs/ops/logs.md). RENKEI_LOG_LEVEL (default INFO) is the level of Renkei's own loggers;
# Django's and the libraries' never go below WARNING (django.db.backends at DEBUG would print
# every SQL statement with its values).
RENKEI_LOG_FORMAT = os.environ.get("RENKEI_LOG_FORMAT", "") or ("plain" if DEBUG else "json")
if RENKEI_LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(
        f"RENKEI_LOG_FORMAT is {RENKEI_LOG_FORMAT!r}; set it to json or plain (or leave it unset: "
        "json without debug, plain with RENKEI_DEBUG=1)."
    )
RENKEI_LOG_LEVEL = os.environ.get("RENKEI_LOG_LEVEL", "") or "INFO"
if RENKEI_LOG_LEVEL.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"RENKEI_LOG_LEVEL is {RENKEI_LOG_LEVEL!r}; set it to DEBUG, INFO, WARNING, ERROR or "
        "CRITICAL (default INFO)."
    )
RENKEI_LOG_LEVEL = RENKEI_LOG_LEVEL.upper()
# the client's address is personal data (APPI): logged only when the office has a purpose for it
RENKEI_LOG_CLIENT_IP = os.environ.get("RENKEI_LOG_CLIENT_IP", "0") == "1"
_LIBRARY_LOG_LEVEL = "WARNING" if RENKEI_LOG_LEVEL in ("DEBUG", "INFO") else RENKEI_LOG_LEVEL
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "renkei.web.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "renkei.web.request_log.JsonFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": RENKEI_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "loggers": {
        "renkei": {"handlers": ["stderr"], "level": RENKEI_LOG_LEVEL},
        "django": {"handlers": ["stderr"], "level": _LIBRARY_LOG_LEVEL},
        "django-q": {"handlers": ["stderr"], "level": _LIBRARY_LOG_LEVEL},
        "axes": {"handlers": ["stderr"], "level": _LIBRARY_LOG_LEVEL},
    },
}

# the health endpoints answer a load balancer's plain-HTTP probe instead of redirecting it
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^api/(health|ready)$"]

# The demo runs "as of" a moment inside the seed calls; empty means real time.
RENKEI_DEMO_NOW = os.environ.get("RENKEI_DEMO_NOW", "")

# The task runner (django-q2) with its ORM broker: the queue lives in the platform's own database
# (PostgreSQL in production, the embedded SQLite in the demo), so there is no other service to
# run. Start it beside the web server with `manage.py qcluster` (README, "The worker"); the
# periodic jobs are created by `manage.py renkei_reminders` (idempotent). Several workers may
# run: each reminder is still sent once (renkei.grants.services.schedule).
Q_CLUSTER = {
    "name": "renkei",
    "orm": "default",
    "workers": int(os.environ.get("RENKEI_WORKERS", 1)),
    "timeout": 600,  # seconds a job may run
    "retry": 900,  # a job not acknowledged by then is handed out again (more than timeout)
    "max_attempts": 1,  # the next scheduled run does the work a failed one left
    "catch_up": False,  # after downtime, one run, not one per missed slot
    "poll": float(os.environ.get("RENKEI_WORKER_POLL_SECONDS", 2)),
    "save_limit": 500,
    "label": "Task runner",
}
# Reminders of due dates: days before each due date (and once when overdue), and how often the
# worker looks (minutes). A reminder falls on a day, so hourly is enough.
RENKEI_REMINDER_DAYS_BEFORE = tuple(
    int(n) for n in os.environ.get("RENKEI_REMINDER_DAYS_BEFORE", "14,3").split(",") if n.strip()
)
RENKEI_REMINDER_EVERY_MINUTES = int(os.environ.get("RENKEI_REMINDER_EVERY_MINUTES", 60))
# The annual project report to MOEJ has no due date in the call (2.(1)②, spec A-21, DL17). An
# office that sets its own rule gives the number of days after each reporting period; the date
# is then shown as the office's rule, not the call's, and reminded. Unset: no due date.
RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD = (
    int(os.environ["RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD"])
    if os.environ.get("RENKEI_ANNUAL_REPORT_DUE_DAYS_AFTER_PERIOD")
    else None
)
# The Government of Japan's share in a project's credit allocation agreement (form 5): the JCM
# call sets no share (2.(1)③, 2.(5)②(カ), 5.(3)①(ケ); spec §2.6, §5 A-24 [GAP]); the split comes
# from the Joint Committee's rules, the bilateral document and the agreement itself. An office
# that requires a minimum gives it here in percent WITH its source (the instruction or document
# that sets it, shown to the participants); unset: no minimum, and the pages say the office has
# set none (renkei.credits.services.cycle.goj_minimum).
RENKEI_GOJ_MIN_SHARE_PERCENT = os.environ.get("RENKEI_GOJ_MIN_SHARE_PERCENT") or None
RENKEI_GOJ_MIN_SHARE_SOURCE = os.environ.get("RENKEI_GOJ_MIN_SHARE_SOURCE", "")
# The reporting organisation of the open data's IATI activity file (/credits/public/): the
# publisher's registered IATI organisation identifier. The default, XX-RENKEI, is NOT a
# registered identifier (renkei.credits.views_portfolio): set it before publishing to IATI.
RENKEI_IATI_REPORTING_ORG = os.environ.get("RENKEI_IATI_REPORTING_ORG", "XX-RENKEI")
