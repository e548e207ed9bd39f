"""The production recipe (issue 14, docs/ops/deployment.md) stays true to the platform:

- ``manage.py check --deploy`` is clean with the environment template's own production values
  (only the secret, the database and the home directory filled in, as the deployer does);
- every variable the platform reads from the environment is in the template, and the template is
  written so that systemd, the shell and compose all read it alike;
- the container files set only variables Renkei reads, and run what the recipe says;
- nginx's body limit matches the upload limit, it sets X-Forwarded-Proto itself and leaves HSTS
  to Django; the systemd units run as the service user, hardened, and never migrate;
- the installed package carries every non-Python file of ``src/renkei`` (a non-editable
  ``pip install`` once left the apps' templates out: the drill found it);
- the SMTP settings come from the environment, and contradictory TLS settings are refused.

The settings are read at start-up, so each settings case starts a fresh process."""

from __future__ import annotations

import ast
import configparser
import glob
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "renkei"
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "renkei.env.example"

# read by a library, not by Renkei's code: dj-database-url (DATABASE_URL), boto3 (AWS_*),
# django-admin and the WSGI entry point (DJANGO_SETTINGS_MODULE)
READ_BY_LIBRARIES = {
    "DATABASE_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "DJANGO_SETTINGS_MODULE",
}
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _environment_reads(path: Path) -> set[str]:
    """Names read from the environment in one module: ``os.environ.get("X")``,
    ``os.environ["X"]``, ``os.getenv("X")``, ``"X" in os.environ``; in a settings module also
    any helper called with the name as its first argument (``env_int("X", 3)``)."""
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()

    def literal(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    def is_environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    def is_read(func: ast.AST) -> bool:
        if isinstance(func, ast.Attribute):  # os.environ.get / os.environ.pop / os.getenv
            return (func.attr in {"get", "pop"} and is_environ(func.value)) or (
                func.attr == "getenv"
            )
        # in a settings module, a helper called with the name (env_int("X", 3))
        return (
            path.name == "settings.py"
            and isinstance(func, ast.Name)
            and func.id not in {"getattr", "_", "ImproperlyConfigured"}
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            first = literal(node.args[0])
            if first is not None and ENV_NAME.match(first) and is_read(node.func):
                names.add(first)
        elif isinstance(node, ast.Subscript) and is_environ(node.value):
            if (name := literal(node.slice)) is not None:
                names.add(name)
        elif (
            isinstance(node, ast.Compare)
            and any(is_environ(c) for c in node.comparators)
            and (name := literal(node.left)) is not None
        ):
            names.add(name)
    return names


def platform_reads() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name == "settings_test.py":  # the suite's settings, not an operator's
            continue
        names |= _environment_reads(path)
    return names


def template_lines() -> list[str]:
    return TEMPLATE.read_text("utf-8").splitlines()


def template_names() -> set[str]:
    """Every name the template lists, set or shown commented out (``# NAME=default``)."""
    return {
        m.group(1) for line in template_lines() if (m := re.match(r"^#? ?([A-Z][A-Z0-9_]*)=", line))
    }


def template_values() -> dict[str, str]:
    """The lines the template sets (not commented out)."""
    values = {}
    for line in template_lines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RENKEI_", "DJANGO_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("AWS_ACCESS_KEY_ID", None)
    clean.pop("AWS_SECRET_ACCESS_KEY", None)
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "PYTHONPATH": str(ROOT / "src"), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- the environment template ---------------------------------------------------------------------
def test_the_scan_finds_what_settings_read() -> None:
    """The scan itself: it sees the settings' reads in each form they take."""
    reads = platform_reads()
    assert {"RENKEI_SECRET_KEY", "RENKEI_PROXY_COUNT", "RENKEI_WORKERS"} <= reads  # .get / [ ]
    assert {"RENKEI_EMAIL_HOST", "RENKEI_EMAIL_USE_TLS"} <= reads  # the SMTP block


def test_every_variable_the_platform_reads_is_in_the_template() -> None:
    missing = (platform_reads() | READ_BY_LIBRARIES) - template_names()
    assert missing == set(), (
        f"{sorted(missing)} read from the environment but missing from {TEMPLATE.name}: add each "
        "with its meaning and default (docs/ops/deployment.md lists them too)"
    )


def test_the_template_reads_alike_in_systemd_the_shell_and_compose() -> None:
    for line in template_lines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"'`$\\]*", line), line
    values = template_values()
    assert values["RENKEI_DEBUG"] == "0"
    assert values["RENKEI_SECRET_KEY"] == "", "no usable secret in a template: start-up refuses"


def test_check_deploy_is_clean_with_the_templates_production_values(tmp_path) -> None:
    env = {
        **template_values(),
        # what the deployer fills in (the database: SQLite is enough for the check)
        "RENKEI_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "RENKEI_HOME": str(tmp_path),
    }
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    # and the template as it is (no secret yet) refuses to start, saying why
    bare = {**template_values(), "RENKEI_HOME": str(tmp_path)}
    refused = _run(["manage.py", "check"], bare, ROOT)
    assert refused.returncode != 0
    assert "RENKEI_SECRET_KEY is not set" in refused.stderr


# --- containers -----------------------------------------------------------------------------------
def _containerfile_env() -> dict[str, str]:
    text = (DEPLOY / "Containerfile").read_text("utf-8").replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", line)))
    return env


def test_the_container_files_set_only_variables_renkei_reads() -> None:
    known = platform_reads() | READ_BY_LIBRARIES | template_names()
    image = {k for k in _containerfile_env() if not k.startswith(("PYTHON", "PIP_"))}
    assert image <= known, image - known
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    for name in ("web", "worker"):
        service = compose["services"][name]
        assert set(service["environment"]) <= known, service["environment"]
        assert service["env_file"] == "renkei.env"
    assert compose["services"]["worker"]["command"] == ["django-admin", "qcluster"]


def test_the_image_installs_the_prod_extra_runs_as_a_user_and_collects_static() -> None:
    text = (DEPLOY / "Containerfile").read_text("utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert "[prod]" in text and "USER renkei" in text
    assert text.index("USER renkei") < text.index("collectstatic")
    assert _containerfile_env()["DJANGO_SETTINGS_MODULE"] == "renkei.web.settings"
    assert re.search(r'CMD \["gunicorn", "renkei\.web\.wsgi:application"', text)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("gunicorn~=") for dep in extras["prod"])


# --- nginx and systemd ----------------------------------------------------------------------------
def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_nginx_passes_an_upload_at_the_limit_and_leaves_security_headers_to_django(
    settings,
) -> None:
    from renkei.proposals.uploads import BODY_SLACK

    conf = (DEPLOY / "nginx" / "renkei.conf").read_text("utf-8")
    body = _size(re.search(r"client_max_body_size (\w+);", conf).group(1))
    limit = settings.RENKEI_UPLOAD_MAX_BYTES
    # a file a little over the limit still reaches Renkei, which names its size in the refusal
    assert limit + BODY_SLACK < body <= limit + 2 * 1024**2
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header Host $http_host;" in conf  # the port stays for the CSRF check
    # one proxy that writes the client's address: the template counts it and trusts its scheme
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    values = template_values()
    assert (values["RENKEI_PROXY_COUNT"], values["RENKEI_PROXY_SSL_HEADER"]) == ("1", "1")
    assert "ssl_certificate " in conf and "listen 443 ssl" in conf
    assert "Strict-Transport-Security" not in conf  # HSTS is Django's (SECURE_HSTS_SECONDS)
    static = re.search(r"location /static/ \{\s*alias (\S+);", conf).group(1)
    assert static.endswith("/var/static/")  # STATIC_ROOT = RENKEI_HOME/var/static
    upstream = re.search(r"upstream renkei_web \{[^}]*?server (\S+);", conf).group(1)
    web = (DEPLOY / "systemd" / "renkei-web.service").read_text("utf-8")
    assert f"--bind {upstream}" in web


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def test_the_systemd_units_run_hardened_as_the_service_user_and_never_migrate() -> None:
    web, worker = _unit("renkei-web.service"), _unit("renkei-worker.service")
    assert "gunicorn renkei.web.wsgi:application" in web["Service"]["ExecStart"]
    assert worker["Service"]["ExecStart"].endswith("django-admin qcluster")
    # a running job may finish: the stop timeout exceeds the task runner's job timeout
    from django.conf import settings

    assert int(worker["Service"]["TimeoutStopSec"]) > settings.Q_CLUSTER["timeout"]
    for unit in (web, worker):
        service = unit["Service"]
        assert service["User"] == "renkei" and service["Restart"] == "always"
        assert service["EnvironmentFile"] == "/etc/renkei/renkei.env"
        assert "migrate" not in service["ExecStart"]
        for key, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "CapabilityBoundingSet": "",
            "ReadWritePaths": service["WorkingDirectory"],
        }.items():
            assert service[key] == value, key


# --- the package --------------------------------------------------------------------------------
def test_the_package_carries_every_non_python_file() -> None:
    """A non-editable install (the recipe's `pip install '.[prod]'`) gets only what package-data
    names: every file the platform reads at run time must match one of its patterns."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["renkei"]
    packaged = {p for pattern in patterns for p in glob.glob(pattern, root_dir=SRC, recursive=True)}
    files = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert files - packaged == set()


# --- e-mail over SMTP ---------------------------------------------------------------------------
PROBE = """
import django
from django.conf import settings
django.setup()
print(settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER,
      settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL,
      settings.EMAIL_TIMEOUT)
"""


def test_the_smtp_relay_is_set_from_the_environment(tmp_path) -> None:
    base = {"RENKEI_DEBUG": "1", "RENKEI_HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "renkei.web.settings"}  # fmt: skip
    smtp = {
        "RENKEI_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "RENKEI_EMAIL_HOST": "smtp.example.org",
        "RENKEI_EMAIL_PORT": "587",
        "RENKEI_EMAIL_HOST_USER": "renkei",
        "RENKEI_EMAIL_HOST_PASSWORD": "s3cret",
        "RENKEI_EMAIL_USE_TLS": "1",
        "RENKEI_EMAIL_TIMEOUT": "10",
    }
    out = _run(["-c", PROBE], {**base, **smtp}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "renkei",
        "s3cret",
        "True",
        "False",
        "10",
    ]
    defaults = _run(["-c", PROBE], base, tmp_path)
    assert defaults.stdout.split()[1:] == ["localhost", "25", "False", "False", "30"]
    both = _run(
        ["-c", PROBE], {**base, "RENKEI_EMAIL_USE_TLS": "1", "RENKEI_EMAIL_USE_SSL": "1"}, tmp_path
    )
    assert both.returncode != 0
    assert "exclude each other" in both.stderr


# --- the first account of a new installation ------------------------------------------------------
@pytest.mark.django_db
def test_createsuperuser_makes_the_first_office_account(monkeypatch) -> None:
    """The recipe's first account (`createsuperuser --noinput`): the default role, applicant,
    needs an organisation that a fresh installation does not have, and the command failed on
    the check constraint (the drill found it); a superuser belongs to the program office."""
    from django.core.management import call_command

    from renkei.accounts.models import Role, User

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-Account-2026")
    call_command("createsuperuser", "--noinput", username="admin", email="admin@example.org")
    admin = User.objects.get(username="admin")
    assert (admin.role, admin.is_superuser, admin.is_staff) == (Role.OFFICE, True, True)
    assert admin.check_password("first-Account-2026")
    # an explicit role still wins (a superuser who is, say, a reviewer)
    User.objects.create_superuser("rev", "rev@example.org", "x-Password-2026", role=Role.REVIEWER)
    assert User.objects.get(username="rev").role == Role.REVIEWER


# --- the client's address behind the proxy ----------------------------------------------------
def _meta(remote: str, forwarded: str | None = None):
    from django.test import RequestFactory

    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_the_client_address_is_the_one_the_trusted_proxies_saw(settings) -> None:
    from renkei.web.client_ip import client_ip

    settings.RENKEI_PROXY_COUNT = 0  # no proxy: what a client writes is never read
    assert client_ip(_meta("198.51.100.7", "192.0.2.9")) == "198.51.100.7"
    settings.RENKEI_PROXY_COUNT = 1  # nginx in front: X-Forwarded-For $remote_addr
    assert client_ip(_meta("127.0.0.1", "192.0.2.9")) == "192.0.2.9"
    # a client's own X-Forwarded-For is on the left; the proxy's address for it on the right
    assert client_ip(_meta("127.0.0.1", "6.6.6.6, 192.0.2.9")) == "192.0.2.9"
    assert client_ip(_meta("127.0.0.1")) == "127.0.0.1"  # not through the proxy
    assert client_ip(_meta("127.0.0.1", "not-an-address")) == "127.0.0.1"
    settings.RENKEI_PROXY_COUNT = 2  # a load balancer, then nginx ($proxy_add_x_forwarded_for)
    assert client_ip(_meta("127.0.0.1", "6.6.6.6, 192.0.2.9, 10.0.0.5")) == "192.0.2.9"
    assert client_ip(_meta("127.0.0.1", "10.0.0.5")) == "127.0.0.1"


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_wrong_passwords_lock_out_only_that_client(
    client, settings
) -> None:
    """The drill's finding: behind nginx every request comes from 127.0.0.1, and axes counted
    that address (RENKEI_PROXY_COUNT had no effect), so ten wrong passwords from one client
    refused log-ins from every client. Counted per client, another client logs in."""
    from django.test import Client
    from webfactories import UserFactory

    settings.RENKEI_PROXY_COUNT = 1
    UserFactory(username="office@example.org", email="office@example.org", password="Right-pw-1")
    via_nginx = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            "/accounts/login/",
            {"username": f"guess{n}@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="192.0.2.66",
            **via_nginx,
        )
    refused = client.post(
        "/accounts/login/",
        {"username": "office@example.org", "password": "Right-pw-1"},
        HTTP_X_FORWARDED_FOR="192.0.2.66",
        **via_nginx,
    )
    assert refused.status_code == 429  # that client waits
    other = Client()
    answer = other.post(
        "/accounts/login/",
        {"username": "office@example.org", "password": "Right-pw-1"},
        HTTP_X_FORWARDED_FOR="192.0.2.77",
        **via_nginx,
    )
    assert answer.status_code == 302 and "_auth_user_id" in other.session
