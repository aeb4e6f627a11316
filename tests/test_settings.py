"""Configuration: the production profile passes Django's deployment checks."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# Nothing here reaches the test database: the checks run in subprocesses given a database URL of
# their own (or none), and the rest reads settings and files. The pass's database cannot change
# what they check, so CI runs them once, in the SQLite pass (the ``no_database`` mark).
pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
# Production refuses SQLite; these checks connect to nothing, so the database need not exist.
PRODUCTION_DB = "postgres://custodian@127.0.0.1:5432/custodian_not_connected"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    inherited = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Everything the production profile requires, with keys made for this run."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signing = tmp_path / "checkpoint-signing.pem"
    signing.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    environment = {
        "PORTAL_PROFILE": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "custodian.example.gov.uk",
        "PORTAL_BASE_URL": "https://custodian.example.gov.uk",
        "WEBAUTHN_RP_ID": "custodian.example.gov.uk",
        "WEBAUTHN_ALLOWED_ORIGINS": "https://custodian.example.gov.uk",
        "DATABASE_URL": PRODUCTION_DB,
        "AUDIT_HMAC_KEYS": f"k1:{secrets.token_hex(32)}",
        "AUDIT_CHECKPOINT_SIGNING_KEY_FILE": str(signing),
    }
    environment.update(overrides)
    return {name: value for name, value in environment.items() if value is not None}


def test_production_profile_passes_check_deploy(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [(None, "is not set"), ("http://custodian.example.gov.uk", "https"), ("https://127.0.0.1:8000", "this machine")],
)
def test_production_refuses_a_missing_or_local_base_url(base_url, problem, tmp_path):
    result = run_manage("check", "--deploy", **production_environment(tmp_path, PORTAL_BASE_URL=base_url))
    assert result.returncode != 0
    assert "governance.E004" in result.stderr and problem in result.stderr


def _settings_variables() -> set[str]:
    """Every environment variable portal/settings.py reads: env.<cast>("NAME"), env("NAME"), os.environ."""
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and (
                (isinstance(func.value, ast.Name) and func.value.id == "env")
                or (isinstance(func.value, ast.Attribute) and func.value.attr == "environ" and func.attr == "get")
            )
        )
        if reads_env and isinstance(node.args[0].value, str) and node.args[0].value.isupper():
            names.add(node.args[0].value)
    return names


def _documented_variables() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text[text.index("## Configuration") :]
    table = table[: table.index("\n\n", table.index("| variable"))]
    return {
        name
        for line in table.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }


def test_the_readme_documents_every_environment_variable_the_settings_read():
    read = _settings_variables()
    assert len(read) > 30  # the parser still sees the settings' reads
    missing = sorted(read - _documented_variables())
    assert not missing, f"Add these variables to README.md's configuration table: {missing}"


def test_production_profile_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check", PORTAL_PROFILE="production", ALLOWED_HOSTS="custodian.example.gov.uk", DATABASE_URL=PRODUCTION_DB
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_profile_serves_collected_static_files(settings):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, 'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)",
        PORTAL_PROFILE="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="custodian.example.gov.uk",
        DATABASE_URL=PRODUCTION_DB,
    )
    assert result.stdout.strip().splitlines()[-1] == "False True", result.stderr


def test_production_profile_refuses_to_start_on_sqlite():
    result = run_manage(
        "check",
        PORTAL_PROFILE="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="custodian.example.gov.uk",
        DATABASE_URL="sqlite:////tmp/custodian-production.sqlite3",
    )
    assert result.returncode != 0
    assert "not SQLite" in result.stderr


def test_production_profile_with_redis_shares_cache_and_keeps_sessions_in_the_database():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.BEAT_LOCK_URL, s.LOG_FORMAT)",
        PORTAL_PROFILE="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="custodian.example.gov.uk",
        DATABASE_URL=PRODUCTION_DB,
        REDIS_URL="redis://127.0.0.1:6379/8",
    )
    assert result.stdout.strip().splitlines()[-1] == (
        "governance.core.cache_backends.TolerantRedisCache django.contrib.sessions.backends.db "
        "redis://127.0.0.1:6379/8 json"
    ), result.stderr


def test_evidence_can_go_to_an_s3_compatible_bucket():
    result = run_manage(
        "shell",
        "-c",
        "from django.core.files.storage import storages; d = storages['default']; "
        "print(type(d).__name__, d.bucket_name, d.default_acl, d.querystring_auth, d.file_overwrite)",
        STORAGE_BACKEND="s3",
        S3_BUCKET="custodian-evidence",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert result.stdout.strip().splitlines()[-1] == "S3Storage custodian-evidence private True False", result.stderr


def test_every_task_has_time_limits_and_the_broker_outlasts_the_longest():
    """Redis redelivers a message unacknowledged after the visibility timeout: with late
    acknowledgement, a task still running then would run twice. Every task stops well before."""
    from celery import current_app
    from django.conf import settings

    import governance.tasks  # noqa: F401 - registers every task

    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = {name: task for name, task in current_app.tasks.items() if name.startswith("governance.")}
    assert len(tasks) > 10 and set(settings.CELERY_LONG_TASKS) <= set(tasks)
    for name, task in tasks.items():
        assert task.soft_time_limit and task.time_limit, f"{name} has no time limit"
        assert task.soft_time_limit < task.time_limit < timeout, name


def test_production_profile_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_manage("check", **production_environment(tmp_path, ALLOWED_HOSTS=""))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "needs ALLOWED_HOSTS" in result.stderr


DEVELOPMENT_LOG_SCRIPT = """
import logging
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseForbidden
from django.test import RequestFactory
from django.utils.log import log_response
from governance.middleware import RequestObserverMiddleware

try:
    raise PermissionDenied("not yours")
except PermissionDenied as exc:
    log_response(
        "Forbidden (Permission denied): %s", "/refused/", response=HttpResponseForbidden(),
        request=RequestFactory().get("/refused/"), exception=exc,
    )
logging.getLogger("governance.anything").warning("A line of our own")
RequestObserverMiddleware(lambda request: HttpResponse())(RequestFactory().get("/about/?q=secret"))
"""


def test_development_logs_each_line_once_refusals_without_traceback_and_requests_in_words():
    result = run_manage("shell", "-c", DEVELOPMENT_LOG_SCRIPT, PORTAL_PROFILE="development", DEBUG="true")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum("Forbidden (Permission denied): /refused/" in line for line in lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sum("A line of our own" in line for line in lines) == 1, result.stderr
    (request_line,) = [line for line in lines if "custodian.requests" in line]
    assert "GET /about/ 200" in request_line and "secret" not in request_line
    assert not [line for line in lines if line.strip().endswith(": request") or line.strip() == "request"]


# --- the production keys, made the documented way (deploy/README.md, section 2a) ---------------

DEPLOY = ROOT / "deploy"
KEY_SETTINGS = (
    "AUDIT_HMAC_KEY_FILE",
    "AUDIT_CHECKPOINT_SIGNING_KEY_FILE",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ALLOWED_ORIGINS",
)


def make_keys(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(DEPLOY / "make_keys.py"), *args], capture_output=True, text=True, timeout=60
    )


def test_keys_made_as_the_deploy_guide_says_pass_the_production_checks(tmp_path):
    hmac_file, signing = tmp_path / "audit-hmac-keys", tmp_path / "checkpoint-signing-key.pem"
    hmac_file.write_text(make_keys("hmac-key", "k2026").stdout)
    made = make_keys("signing-key", str(signing))
    assert made.returncode == 0 and "SHA-256 fingerprint" in made.stdout
    assert oct(signing.stat().st_mode & 0o777) == "0o600"
    assert make_keys("signing-key", str(signing)).returncode != 0  # never overwritten
    environment = production_environment(
        tmp_path,
        AUDIT_HMAC_KEYS=None,
        AUDIT_HMAC_KEY_FILE=str(hmac_file),
        AUDIT_CHECKPOINT_SIGNING_KEY_FILE=str(signing),
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **environment)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_guide_and_environment_file_name_every_production_key():
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    example = (DEPLOY / "custodian.env.example").read_text(encoding="utf-8")
    for name in (*KEY_SETTINGS, "AUDIT_HMAC_KEY_ID", "AUDIT_HMAC_KEYS"):
        assert name in guide, name
    for name in KEY_SETTINGS:
        assert re.search(rf"^{name}=", example, re.MULTILINE), name
    for duty in ("migrate` needs the HMAC key", "**Back up**", "**Rotate**", "**Store**"):
        assert duty in guide, duty
    # The fault run makes its keys the documented way.
    assert "make_keys.py" in (DEPLOY / "faults" / "run.py").read_text(encoding="utf-8")


def _connection_options(**env: str) -> str:
    shown = (
        "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    result = run_manage("shell", "--no-imports", "-c", shown, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_postgresql_connections_do_not_compile_statements_unless_asked():
    """PostgreSQL's just-in-time compilation is off for the portal's connections (a statement estimated
    costly took longer to compile than to run), kept beside options the address gives, and left to the
    server with DB_JIT=true. SQLite has no such option."""
    assert _connection_options(DATABASE_URL=PRODUCTION_DB) == "-c jit=off"
    given = f"{PRODUCTION_DB}?options=-c%20statement_timeout%3D5000"
    assert _connection_options(DATABASE_URL=given) == "-c statement_timeout=5000 -c jit=off"
    assert _connection_options(DATABASE_URL=PRODUCTION_DB, DB_JIT="true") == ""
    assert _connection_options(DATABASE_URL="sqlite:///:memory:") == ""
