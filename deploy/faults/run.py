"""Fault and load tests: two instances, two workers, two beats, one PostgreSQL, one Redis of its own.

Run by ``.ci/run`` (``deploy/faults/run.py``) on one machine, loopback only, within
``FAULTS_BUDGET_SECONDS`` (380 s by default). It starts everything it needs, except
PostgreSQL, and stops all of it at the end, whatever happens:

1. a scratch database (``FAULTS_DATABASE``) and its three roles, as in production
   (deploy/README.md): ``<database>_owner`` owns it and runs ``migrate``, ``setup_db_roles``
   (as the superuser in ``FAULTS_PG``) creates ``<database>_app`` and ``<database>_pruner``
   and their grants, each role gets a password of this run; seeded small as the application;
2. a Redis server on its own port (``FAULTS_REDIS_PORT``), with no persistence;
3. two gunicorn instances of the production profile, two Celery workers, two beats, all
   connecting as the application role (``DATABASE_URL``), and not given the pruner's
   credentials (``AUDIT_PRUNER_DATABASE_URL`` is for ``prune_audit`` only);

then checks, each reported as passed or failed:

- production profile: both probes answer, the metrics need the token, a person signs in on
  one instance and is served a page on the other, and the log is JSON lines that carry the
  correlation id, person, path, status and duration, and no password, code or username;
- beat runs once: of the two beats, one took the lock;
- load: a bounded locust run across both instances (requests, failures, percentiles);
- database roles: every connection the instances and workers opened during the load was the
  application role's, which owns no table, and as that role disabling the audit triggers,
  truncating the audit table, deleting audit rows and turning triggers off for the session
  are all refused (each tried in a transaction rolled back whatever happens);
- after it: ``verify_audit`` passes, one audit entry per recorded write, and no reminder
  sent twice though every reminder task was run twice at once on the two workers;
- a worker process killed with SIGKILL mid-task: the task runs again and sends once;
- Redis restarted while notifications are being queued: every one is sent, once;
- a grant revoked by its IAM while a worker's training sync runs: the revoke stands;
- a subject with a line break: sent once, made one line; one queued with its line break is
  refused by the mail backend, each attempt counted, and given up with its error kept;
- ``pg_dump`` restored into a new database owned by the owner role passes ``verify_audit``.

The roles are cluster-wide, so they are named after the database; a run drops any left by an
earlier one (with the databases) before it starts, and drops them again at the end. The
harness's own observations (counting rows, notifications) connect as the superuser.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests
from django_otp.oath import TOTP
from psycopg import errors, sql

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
BUDGET = float(os.environ.get("FAULTS_BUDGET_SECONDS", "380"))
STARTED = time.monotonic()
PG = os.environ.get("FAULTS_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("FAULTS_DATABASE", "custodian_faults")
RESTORED = f"{DATABASE}_restore"
ROLES = {kind: f"{DATABASE}_{kind}" for kind in ("owner", "app", "pruner")}
PASSWORDS = {kind: secrets.token_urlsafe(24) for kind in ROLES}
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "16391"))
WEB_PORTS = tuple(int(p) for p in os.environ.get("FAULTS_WEB_PORTS", "18101,18102").split(","))
HOSTS = [f"http://127.0.0.1:{port}" for port in WEB_PORTS]
LOAD_USERS = os.environ.get("FAULTS_LOAD_USERS", "12")
LOAD_SECONDS = os.environ.get("FAULTS_LOAD_SECONDS", "30s")
BENCH_PASSWORD = "custodian-bench-2026"  # noqa: S105 - seed_scale's synthetic benchmark accounts
BENCH_KEY = bytes.fromhex("3132333435363738393031323334353637383930")
METRICS_TOKEN = secrets.token_urlsafe(32)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WORK = Path(tempfile.mkdtemp(prefix="custodian-faults-"))
MAILBOX = WORK / "mailbox.jsonl"
results: list[tuple[str, bool, str]] = []
signed_in: list[requests.Session] = []  # bench.handler's session, used again while Redis is down
processes: dict[str, subprocess.Popen] = {}


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", flush=True)


def remaining() -> float:
    return BUDGET - (time.monotonic() - STARTED)


def outcome(name: str, ok: bool, detail: str) -> None:
    results.append((name, ok, detail))
    say(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")


def database_url(name: str, role: str | None = None) -> str:
    """The database ``name`` as the superuser of ``FAULTS_PG``, or as one of this run's roles."""
    if role is None:
        return f"{PG}/{name}"
    parts = urlsplit(PG)
    host = parts.hostname or "127.0.0.1"
    return f"{parts.scheme}://{ROLES[role]}:{PASSWORDS[role]}@{host}:{parts.port or 5432}/{name}"


def environment(**extra: str) -> dict[str, str]:
    own = ("DATABASE_URL", "AUDIT_PRUNER_DATABASE_URL", "CELERY_", "CACHE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}  # set below, or not at all
    env.update(
        PORTAL_PROFILE="production",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The application's role. Not AUDIT_PRUNER_DATABASE_URL: the pruner's credentials are for
        # prune_audit, run by an operator, never for the processes that serve and work.
        DATABASE_URL=database_url(DATABASE, "app"),
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/1",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        SECURE_SSL_REDIRECT="False",  # loopback HTTP; the cookies stay Secure
        EMAIL_BACKEND="mailbox.MailboxBackend",
        FAULTS_MAILBOX=str(MAILBOX),
        PYTHONPATH=f"{ROOT / 'deploy' / 'faults'}{os.pathsep}{ROOT}",
        METRICS_TOKEN=METRICS_TOKEN,
        PRIVATE_MEDIA_ROOT=str(WORK / "media"),
        LOG_FORMAT="json",
        BEAT_LOCK_SECONDS="6",
        # The production profile's system checks want the public https address and what hangs
        # on it, the audit chain's key and the checkpoint signing key: this run's own.
        PORTAL_BASE_URL=f"https://{PUBLIC_HOST}",
        WEBAUTHN_RP_ID=PUBLIC_HOST,
        WEBAUTHN_ALLOWED_ORIGINS=f"https://{PUBLIC_HOST}",
        AUDIT_HMAC_KEYS=AUDIT_HMAC_KEYS,
        AUDIT_CHECKPOINT_SIGNING_KEY_FILE=str(SIGNING_KEY),
        AUDIT_CHECKPOINT_DIR=str(WORK / "checkpoints"),
    )
    env.update(extra)
    return env


SECRET_KEY = secrets.token_urlsafe(50)
PUBLIC_HOST = "custodian.faults.invalid"  # email links only; the clients speak to the loopback instances
MAKE_KEYS = [PYTHON, str(ROOT / "deploy" / "make_keys.py")]  # the documented way (deploy/README.md, 2a)
AUDIT_HMAC_KEYS = subprocess.run(  # noqa: S603 - our own script
    [*MAKE_KEYS, "hmac-key", "faults"], capture_output=True, text=True, check=True, timeout=60
).stdout.strip()
SIGNING_KEY = WORK / "checkpoint-signing-key.pem"


def write_signing_key() -> None:
    subprocess.run([*MAKE_KEYS, "signing-key", str(SIGNING_KEY)], capture_output=True, check=True, timeout=60)  # noqa: S603


def run(
    args: list[str], *, timeout: float, env: dict | None = None, check: bool = True, bounded: bool = True
) -> subprocess.CompletedProcess:
    """Run a program to its end, within ``timeout`` and (unless ``bounded`` is false) what is left of the budget."""
    result = subprocess.run(  # noqa: S603 - fixed programs from this repository and PostgreSQL's tools
        args,
        cwd=ROOT,
        env=env or environment(),
        capture_output=True,
        text=True,
        timeout=max(min(timeout, remaining()), 5) if bounded else timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def manage(
    *args: str, timeout: float = 120, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    return run([PYTHON, "manage.py", *args], timeout=timeout, env=env, check=check)


def shell(code: str, timeout: float = 60) -> str:
    return manage("shell", "-c", code, timeout=timeout).stdout


def start(name: str, args: list[str], **extra: str) -> subprocess.Popen:
    log = open(WORK / f"{name}.log", "w")  # noqa: SIM115 - closed with the process at the end
    process = subprocess.Popen(  # noqa: S603 - fixed programs from this repository
        args, cwd=ROOT, env=environment(**extra), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    processes[name] = process
    return process


def stop(name: str, wait: float = 15) -> None:
    """Stop a process and everything it started (its own session), by its id: TERM, then KILL."""
    process = processes.pop(name, None)
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=wait)
    with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def query(statement, params: tuple = (), database: str = DATABASE) -> list[tuple]:
    """Run one statement as the superuser (the harness's own look at the database)."""
    with psycopg.connect(database_url(database), autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def drop_databases_and_roles() -> list[str]:
    """Drop the scratch databases, then the roles (they own nothing once the databases are gone).

    Each step is tried whatever became of the one before, outside the budget; returns what failed.
    """
    failed = []
    for name in (RESTORED, DATABASE):
        try:
            pg_tool("dropdb", "--if-exists", "--force", name, timeout=60, bounded=False)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            failed.append(f"database {name}: {exc}")
    for kind in ("pruner", "app", "owner"):
        try:
            query(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLES[kind])), database="postgres")
        except psycopg.Error as exc:
            failed.append(f"role {ROLES[kind]}: {exc}")
    return failed


def wait_for(what: str, probe, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + min(timeout, max(remaining(), 1))
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}")


def pg_tool(tool: str, *args: str, timeout: float = 120, bounded: bool = True) -> subprocess.CompletedProcess:
    parts = urlsplit(PG)
    base = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    return run([tool, *base, *args], timeout=timeout, env=env, bounded=bounded)


# --- services ----------------------------------------------------------------------------


def redis_cli(*args: str) -> subprocess.CompletedProcess:
    return run(["redis-cli", "-p", str(REDIS_PORT), *args], timeout=10, check=False)


def start_redis() -> None:
    run(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--dir",
            str(WORK),
            "--pidfile",
            str(WORK / "redis.pid"),
        ],
        timeout=10,
    )
    wait_for("Redis", lambda: redis_cli("ping").stdout.strip() == "PONG", 10, 0.2)


def stop_redis() -> None:
    redis_cli("shutdown", "nosave")


def _loopback_secure_ok(self, cookie, request):
    return request.host.split(":")[0] in ("127.0.0.1", "localhost") or _return_ok_secure(self, cookie, request)


# The production cookies are Secure; these clients speak plain HTTP to loopback instances, so
# they send them there all the same. requests copies cookie jars with the default policy, so
# the policy class itself is changed, in this process only.
_return_ok_secure = DefaultCookiePolicy.return_ok_secure
DefaultCookiePolicy.return_ok_secure = _loopback_secure_ok


def sign_in(base: str, username: str) -> tuple[requests.Session, list[str]]:
    session = requests.Session()
    token = CSRF.search(session.get(f"{base}/account/login/", timeout=20).text).group(1)
    step = "portal_login_view-current_step"
    session.post(
        f"{base}/account/login/",
        {"csrfmiddlewaretoken": token, step: "auth", "auth-username": username, "auth-password": BENCH_PASSWORD},
        timeout=20,
    )
    codes = []
    for ahead in (0, 1, 2):
        generator = TOTP(BENCH_KEY)
        generator.time = time.time() + 30 * ahead
        codes.append(f"{generator.token():06d}")
        page = session.post(
            f"{base}/account/login/",
            {"csrfmiddlewaretoken": token, step: "token", "token-otp_token": codes[-1]},
            timeout=20,
        )
        if "Enter your one-time code" not in page.text:
            return session, codes
    raise RuntimeError(f"{username} could not sign in")


# --- the checks --------------------------------------------------------------------------


# Each is run as the application role in a transaction of its own, rolled back whatever happens.
REFUSED = (
    ("disable the audit triggers", "ALTER TABLE governance_auditentry DISABLE TRIGGER USER"),
    ("disable the guard trigger", "ALTER TABLE governance_auditentry DISABLE TRIGGER governance_auditentry_guard"),
    ("turn triggers off for the session", "SET session_replication_role = replica"),
    ("truncate the audit table", "TRUNCATE governance_auditentry"),
    ("delete audit rows", "DELETE FROM governance_auditentry"),
)


class ConnectionWatch:
    """Notes the role of every client connection to the scratch database, twice a second, in a thread."""

    def __init__(self):
        self.seen: dict[int, str] = {}  # backend pid -> role
        self.errors: list[str] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        try:
            with psycopg.connect(database_url(DATABASE), autocommit=True) as connection:
                while not self.done.is_set():
                    rows = connection.execute(
                        "SELECT pid, usename FROM pg_stat_activity WHERE datname = %s "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                        (DATABASE,),
                    ).fetchall()
                    self.seen.update(rows)
                    self.done.wait(0.5)
        except psycopg.Error as exc:
            self.errors.append(str(exc).splitlines()[0])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=10)

    def roles(self) -> Counter:
        return Counter(self.seen.values())


def check_database_roles(watched: ConnectionWatch) -> None:
    problems, refusals = [], []
    app = ROLES["app"]
    before = query("SELECT count(*) FROM governance_auditentry")[0][0]
    with psycopg.connect(database_url(DATABASE, "app")) as connection:
        for what, statement in REFUSED:
            try:
                connection.execute(statement)
            except errors.InsufficientPrivilege as exc:
                message = str(exc).splitlines()[0]
                # The privilege check, not the guard trigger (whose error has the same code).
                if "permission denied" in message or "must be owner" in message:
                    refusals.append(what)
                else:
                    problems.append(f"{what}: refused by something other than the role's privileges: {message}")
            except psycopg.Error as exc:
                problems.append(f"{what}: failed otherwise: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            else:
                problems.append(f"{what}: allowed to {app}")
            finally:
                connection.rollback()
        connection.execute("SELECT count(*) FROM governance_auditentry").fetchone()  # reading is still allowed
    after = query("SELECT count(*) FROM governance_auditentry")[0][0]
    if after != before:
        problems.append(f"audit entries changed from {before} to {after}")
    owners = {row[0] for row in query("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
    if owners != {ROLES["owner"]}:
        problems.append(f"the tables are owned by {sorted(owners)}")
    superuser = query("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (app,))
    if superuser != [(False,)]:
        problems.append(f"{app} is a superuser or missing: {superuser}")
    sessions = watched.roles()
    if set(sessions) != {app} or watched.errors:
        problems.append(
            f"during the load the instances and workers connected as {dict(sessions) or 'nobody'}, not {app} only"
            + "".join(f"; watching failed: {error}" for error in watched.errors)
        )
    outcome(
        "database roles",
        not problems,
        "; ".join(problems)
        or f"all {sessions[app]} connections the instances and workers opened during the load were {app}'s; "
        f"the tables are {ROLES['owner']}'s; "
        f"as {app}, refused: {', '.join(refusals)}; {after} audit entries still there",
    )


def check_production_profile() -> None:
    problems = []
    for host in HOSTS:
        for path in ("/health/live/", "/health/ready/"):
            response = requests.get(f"{host}{path}", timeout=20)
            if response.status_code != 200 or response.json() != {"status": "ok"}:
                problems.append(f"{host}{path} answered {response.status_code} {response.text[:80]}")
    if requests.get(f"{HOSTS[0]}/metrics", timeout=20).status_code != 403:
        problems.append("metrics answered without the token")
    scraped = requests.get(f"{HOSTS[0]}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=20)
    if scraped.status_code != 200 or "custodian_training_overdue" not in scraped.text:
        problems.append(f"metrics with the token answered {scraped.status_code}")
    if requests.get(f"{HOSTS[0]}/assets/", timeout=20, allow_redirects=False).status_code != 302:
        problems.append("a page opened without signing in")

    session, codes = sign_in(HOSTS[0], "bench.handler")
    signed_in.append(session)
    page = session.get(f"{HOSTS[1]}/training/", timeout=20)  # signed in on one instance, served by the other
    if page.status_code != 200 or "Sign out" not in page.text:
        problems.append(f"signed-in page on the second instance answered {page.status_code}")
    user_id = query("SELECT id FROM governance_user WHERE username = 'bench.handler'")[0][0]

    time.sleep(1)
    lines, not_json = [], 0
    for host_log in ("web-1.log", "web-2.log"):
        for raw in (WORK / host_log).read_text().splitlines():
            if not raw.strip():
                continue
            try:
                lines.append(json.loads(raw))
            except ValueError:
                not_json += 1
    requests_logged = [line for line in lines if line.get("logger") == "custodian.requests"]
    mine = [line for line in requests_logged if line.get("user_id") == user_id and line.get("path") == "/training/"]
    keys = {"correlation_id", "user_id", "path", "status", "duration_ms", "time", "level"}
    if not mine or not keys <= set(mine[0]) or not mine[0]["correlation_id"]:
        problems.append(f"no complete request line for the signed-in page: {mine[:1]}")
    text = "\n".join((WORK / name).read_text() for name in ("web-1.log", "web-2.log"))
    for secret in (BENCH_PASSWORD, *codes, "bench.handler", METRICS_TOKEN, AUDIT_HMAC_KEYS, *PASSWORDS.values()):
        if secret in text:
            problems.append(f"a secret or name reached the log: {secret[:4]}...")
    if not_json:
        problems.append(f"{not_json} log lines are not JSON")
    outcome(
        "production profile under gunicorn",
        not problems,
        "; ".join(problems)
        or f"probes ok on both, metrics need the token, signed in on :{WEB_PORTS[0]} and served on :{WEB_PORTS[1]}, "
        f"{len(lines)} JSON log lines ({len(requests_logged)} request lines) without secrets",
    )


def check_one_beat() -> None:
    taken = [name for name in ("beat-1", "beat-2") if "Beat lock taken" in (WORK / f"{name}.log").read_text()]
    outcome("beat runs once", len(taken) == 1, f"lock taken by {taken or 'no beat'} of two beats")


def load_run() -> dict:
    writes = WORK / "load-writes.txt"
    writes.touch()
    # Every reminder task twice, at once, on the two workers, while the load runs.
    shell(
        "from portal.celery import app\n"
        "for name in ('contracts.tasks.send_contract_reminders', 'training.tasks.send_training_reminders',\n"
        "             'register.tasks.send_asset_review_reminders'):\n"
        "    for _ in range(2):\n"
        "        app.send_task('governance.' + name)\n"
    )
    locust = run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "deploy" / "faults" / "locustfile.py"),
            "--headless",
            "-u",
            LOAD_USERS,
            "-r",
            "6",
            "-t",
            LOAD_SECONDS,
            "--csv",
            str(WORK / "load"),
            "--only-summary",
            "--host",
            HOSTS[0],
            "--stop-timeout",
            "5",
        ],
        timeout=150,
        env=environment(LOAD_HOSTS=",".join(HOSTS), LOAD_WRITES=str(writes)),
        check=False,
    )
    with open(WORK / "load_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows["Aggregated"]
    figures = {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": total["50%"],
        "p95": total["95%"],
        "p99": total["99%"],
        "max": round(float(total["Max Response Time"])),
        "writes": len(writes.read_text().splitlines()),
    }
    served = [
        sum('"custodian.requests"' in line for line in (WORK / f"web-{n}.log").read_text().splitlines())
        for n in range(1, len(HOSTS) + 1)
    ]
    detail = (
        f"{figures['requests']} requests across {len(HOSTS)} instances (request lines logged: "
        f"{' and '.join(map(str, served))}), {figures['failures']} failures, "
        f"{figures['rps']:.1f} req/s, p50 {figures['p50']} ms, p95 {figures['p95']} ms, p99 {figures['p99']} ms, "
        f"max {figures['max']} ms; {figures['writes']} contractors recorded"
    )
    ok = figures["requests"] > 0 and figures["failures"] == 0 and figures["writes"] > 0
    if not ok:
        detail += f"; locust exit {locust.returncode}: {locust.stderr[-800:]}"
    outcome("load run", ok, detail)
    return figures


def unsent() -> int:
    return query("SELECT count(*) FROM governance_notification WHERE sent_at IS NULL")[0][0]


def check_after_load() -> None:
    with contextlib.suppress(TimeoutError):
        wait_for("every queued email to be sent", lambda: unsent() == 0, 60, 1)
    verified = manage("verify_audit", timeout=120, check=False)
    outcome("verify_audit after the load", verified.returncode == 0, " ".join(verified.stdout.split()[-14:]))

    scraped = requests.get(f"{HOSTS[0]}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=20)
    tasks = sum(
        float(line.rsplit(" ", 1)[1])
        for line in scraped.text.splitlines()
        if line.startswith("custodian_celery_tasks_total{") and 'outcome="success"' in line
    )
    views = {m.group(1) for m in re.finditer(r'custodian_http_requests_total\{[^}]*view="([^"]+)"', scraped.text)}
    outcome(
        "metrics after the load",
        tasks > 0 and len(views) > 3,
        f"instance 1 counts requests for {len(views)} views and {tasks:.0f} successful task runs of its worker",
    )

    names = (WORK / "load-writes.txt").read_text().splitlines()
    rows = query(
        "SELECT o.id, count(e.id), bool_and(u.username = 'bench.contracts') FROM governance_externalorganisation o "
        "LEFT JOIN governance_auditentry e ON e.object_pk = o.id::text AND e.action = 0 AND e.content_type_id = "
        "(SELECT id FROM django_content_type WHERE app_label = 'governance' AND model = 'externalorganisation') "
        "LEFT JOIN governance_user u ON u.id = e.actor_id WHERE o.name = ANY(%s) GROUP BY o.id",
        (names,),
    )
    entries = sum(row[1] for row in rows)
    ok = 0 < len(rows) == len(names) == entries and all(row[2] for row in rows)
    outcome(
        "audit entries match the writes",
        ok,
        f"{len(names)} contractors recorded through the two instances, {len(rows)} in the database, "
        f"{entries} creation entries naming the contract manager",
    )

    # Each notification (one per recipient, reason and step) must be one email: compare them per
    # address and subject (a person may rightly get two of one subject for two reasons).
    notifications = Counter(
        (to, subject)
        for to, subject in query("SELECT to_email, subject FROM governance_notification WHERE sent_at IS NOT NULL")
    )
    mails = [json.loads(line) for line in MAILBOX.read_text().splitlines()] if MAILBOX.exists() else []
    emails = Counter((mail["to"][0], mail["subject"]) for mail in mails)
    extra = emails - notifications
    ok = emails == notifications and unsent() == 0
    outcome(
        "no reminder sent twice",
        ok,
        f"every reminder task ran twice at once on the two workers: {len(mails)} emails for "
        f"{sum(notifications.values())} notifications, {sum(extra.values())} more than once, {unsent()} unsent",
    )


def notify_code(key: str, subject: str) -> str:
    return (
        "from governance.models import User\n"
        "from governance.core.notifications import notify\n"
        "from django.db import transaction\n"
        "person = User.objects.get(username='bench.staff')\n"
        "with transaction.atomic():\n"
        f"    notify(person, key={key!r}, subject={subject!r}, template='emails/audit_chain_broken.txt',"
        " context={'record': None})\n"
    )


def check_worker_killed_mid_task() -> None:
    key, subject = f"faults-slow-{uuid.uuid4().hex[:8]}", "[slow] Fault test: worker killed mid-send"
    for marker in WORK.glob("mailbox.jsonl.slow-*"):
        marker.unlink()
    shell(notify_code(key, subject))
    marker = wait_for("the task to start", lambda: next(iter(WORK.glob("mailbox.jsonl.slow-*")), None), 30, 0.2)
    killed = int(marker.read_text())
    os.kill(killed, signal.SIGKILL)
    marker.unlink()
    say(f"killed worker process {killed} in the middle of sending")
    with contextlib.suppress(TimeoutError):
        wait_for(
            "the task to run again",
            lambda: query("SELECT sent_at FROM governance_notification WHERE dedupe_key = %s", (key,))[0][0],
            40,
            0.5,
        )
    sends = [json.loads(line) for line in MAILBOX.read_text().splitlines() if subject in line]
    attempts, sent_at = query("SELECT attempts, sent_at FROM governance_notification WHERE dedupe_key = %s", (key,))[0]
    ok = len(sends) == 1 and sends[0]["pid"] != killed and sent_at is not None
    outcome(
        "worker killed with SIGKILL mid-task",
        ok,
        f"redelivered (late acknowledgement) and sent {len(sends)} time(s) by process "
        f"{sends[0]['pid'] if sends else '-'} after {killed} was killed; {attempts} recorded attempt(s)",
    )


def check_redis_restart() -> None:
    batch = uuid.uuid4().hex[:8]
    count = 12
    code = (
        "import time\n"
        "from django.db import transaction\n"
        "from governance.models import User\n"
        "from governance.core.notifications import notify\n"
        "person = User.objects.get(username='bench.staff')\n"
        f"for n in range({count}):\n"
        "    with transaction.atomic():\n"
        f"        notify(person, key=f'faults-redis-{batch}-{{n}}', subject=f'Fault test {batch} message {{n}}',"
        " template='emails/audit_chain_broken.txt', context={'record': None})\n"
        "    print('queued', n, flush=True)\n"
        "    time.sleep(0.5)\n"
    )
    creator = start("redis-writer", [PYTHON, "manage.py", "shell", "-c", code])
    wait_for("the first notification", lambda: "queued 0" in (WORK / "redis-writer.log").read_text(), 60, 0.2)
    stop_redis()
    say("Redis stopped (nothing saved) while notifications are being queued")
    during = [signed_in[0].get(f"{host}/training/", timeout=20).status_code for host in HOSTS] if signed_in else []
    time.sleep(3)
    start_redis()
    say("Redis started again")
    creator.wait(timeout=max(min(60, remaining()), 5))
    processes.pop("redis-writer", None)

    def sent_now() -> int:
        pattern = f"faults-redis-{batch}-%"
        return query(
            "SELECT count(*) FROM governance_notification WHERE dedupe_key LIKE %s AND sent_at IS NOT NULL", (pattern,)
        )[0][0]

    with contextlib.suppress(TimeoutError):
        wait_for("delivery after the restart", lambda: sent_now() == count, 20, 1)
    direct = sent_now()
    if direct < count:  # lost with the restart: the scheduled sweep finds them in the database
        shell(
            "from governance.core.tasks import send_pending_notifications\n"
            "send_pending_notifications.run(older_than_minutes=-1)\n"
        )
        with contextlib.suppress(TimeoutError):
            wait_for("the sweep", lambda: sent_now() == count, 30, 1)
    mails = [json.loads(line) for line in MAILBOX.read_text().splitlines() if f"Fault test {batch}" in line]
    per_subject = Counter(mail["subject"] for mail in mails)
    ok = (
        sent_now() == count
        and len(per_subject) == count
        and max(per_subject.values(), default=0) == 1
        and during == [200] * len(HOSTS)
    )
    outcome(
        "Redis restarted mid-run",
        ok,
        f"{count} notifications queued around a restart: {direct} delivered once it was back, "
        f"{sent_now() - direct} by the sweep, {len(mails)} emails for {len(per_subject)} messages; "
        f"a signed-in page during the outage answered {during}",
    )


def task_runs(name: str) -> float:
    """How many runs of task ``name`` ended (in success or failure) on the workers, from the metrics."""
    total = 0.0
    for host in HOSTS:
        scraped = requests.get(f"{host}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=20)
        for line in scraped.text.splitlines():
            ended = 'outcome="success"' in line or 'outcome="failure"' in line
            if line.startswith("custodian_celery_tasks_total{") and f'task="{name}"' in line and ended:
                total += float(line.rsplit(" ", 1)[1])
    return total


# A grant of personal data whose holder's training is not current (the sync would suspend it),
# on an asset whose IAM may revoke it. The seed's grants give no personal data, so one is
# marked as the grant of personal data it would be (audited, as any change).
RACE_SUBJECT = (
    "import json\n"
    "from governance.access.models import AccessGrant\n"
    "from governance.access.policy import can_revoke\n"
    "from governance.core.audit import acting_as, system_user\n"
    "from governance.training.courses import personal_data_clearance\n"
    "live = AccessGrant.objects.filter(state='active', asset__manager__is_active=True)\n"
    "live = live.select_related('holder', 'asset__manager', 'asset__business_area').order_by('pk')\n"
    "revocable = [g for g in live if can_revoke(g.asset.manager, g)]\n"
    "chosen = next((g for g in revocable if not personal_data_clearance(g.holder).cleared), None)\n"
    "with acting_as(system_user()):\n"
    "    if chosen is None:  # every holder cleared: one stops being a data handler\n"
    "        chosen = revocable[0]\n"
    "        chosen.holder.is_data_handler = False\n"
    "        chosen.holder.save(update_fields=['is_data_handler'])\n"
    "    chosen.needs_clearance = True\n"
    "    chosen.save(update_fields=['needs_clearance'])\n"
    "print(json.dumps({'grant': chosen.pk}))\n"
)


def check_revoke_during_training_sync() -> None:
    """A revoke made while the training sync runs stands: the sync does not save a stale copy over it.

    The IAM's revoke is made and held uncommitted (its row lock held) while a worker runs the
    nightly lifecycle; once the sync is seen waiting on a lock, the revoke commits and the
    sync goes on. The grant must end revoked, with no move after the revoke.
    """
    grant = json.loads(shell(RACE_SUBJECT).strip().splitlines()[-1])["grant"]
    release = WORK / f"release-revoke-{grant}"
    code = (
        "import pathlib, time\n"
        "from django.db import transaction\n"
        "from governance.access.grants import revoke\n"
        "from governance.access.models import AccessGrant\n"
        "from governance.core.audit import acting_as\n"
        f"grant = AccessGrant.objects.select_related('asset__manager').get(pk={grant})\n"
        "iam = grant.asset.manager\n"
        "with acting_as(iam), transaction.atomic():\n"
        "    revoke(grant, by=iam, reason='Fault test: revoked while the training sync runs')\n"
        "    print('revoked, not committed', flush=True)\n"
        "    deadline = time.monotonic() + 40\n"
        f"    while not pathlib.Path({str(release)!r}).exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.1)\n"
        "print('committed', flush=True)\n"
    )
    task = "governance.access.tasks.run_access_lifecycle"
    runs_before = task_runs(task)
    revoker = start("revoker", [PYTHON, "manage.py", "shell", "-c", code])
    wait_for("the revoke", lambda: "revoked, not committed" in (WORK / "revoker.log").read_text(), 60, 0.2)
    shell(f"from portal.celery import app\napp.send_task({task!r})\n")

    def sync_waiting() -> bool:
        return bool(
            query(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND query ILIKE %s",
                (DATABASE, "%governance_accessgrant%"),
            )
        )

    waited = True
    try:
        wait_for("the sync to reach the grant", sync_waiting, 30, 0.2)
    except TimeoutError:
        waited = False
    release.touch()
    revoker.wait(timeout=max(min(45, remaining()), 5))
    processes.pop("revoker", None)
    with contextlib.suppress(TimeoutError):
        wait_for("the lifecycle run to end", lambda: task_runs(task) > runs_before, 60, 0.5)
    ended = task_runs(task) > runs_before
    state = query("SELECT state FROM governance_accessgrant WHERE id = %s", (grant,))[0][0]
    history = "SELECT to_state FROM governance_statuschange WHERE grant_id = %s ORDER BY id"
    moves = [row[0] for row in query(history, (grant,))]
    committed = "committed" in (WORK / "revoker.log").read_text().replace("not committed", "")
    ok = committed and waited and ended and state == "revoked" and moves[-1:] == ["revoked"]
    detail = (
        f"grant {grant} revoked by its IAM while the lifecycle ran on a worker "
        f"({'the sync waited on its lock' if waited else 'the sync was never seen waiting'}; "
        f"{'the run ended' if ended else 'the run did not end in time'}): now {state}, moves {moves}"
    )
    if not committed:
        detail += f"; the revoke: {(WORK / 'revoker.log').read_text()[-600:]}"
    outcome("revoke during the training sync", ok, detail)


def check_subject_with_a_line_break() -> None:
    """A subject with a line break is sent once, made one line; one queued raw (as before subjects
    were normalised) is refused by the mail backend, counted each time and given up, its error kept."""
    batch = uuid.uuid4().hex[:8]
    queued, raw = f"faults-newline-{batch}", f"faults-newline-raw-{batch}"
    # Each attempt is sent once the one before is counted: one run at a time, as the sweep sends them.
    limit = int(
        shell(
            "import time\n"
            "from django.conf import settings\n"
            "from django.db import transaction\n"
            "from governance.core.models import Notification\n"
            "from governance.core.notifications import notify\n"
            "from governance.models import User\n"
            "from portal.celery import app\n"
            "person = User.objects.get(username='bench.staff')\n"
            "with transaction.atomic():\n"
            f"    notify(person, key={queued!r}, subject='Newline test {batch}\\nname on a second line',"
            " template='emails/audit_chain_broken.txt', context={'record': None})\n"
            f"raw = Notification.objects.create(recipient=person, to_email=person.email, dedupe_key={raw!r},"
            f" subject='Newline test {batch} raw\\nsecond line', body='Queued before subjects were made one line.')\n"
            "limit = settings.NOTIFICATION_MAX_ATTEMPTS\n"
            "for n in range(1, limit + 2):  # one more than the limit: that one finds it given up\n"
            "    app.send_task('governance.core.tasks.send_notification', args=[raw.pk])\n"
            "    deadline = time.monotonic() + 15\n"
            "    while Notification.objects.get(pk=raw.pk).attempts < min(n, limit) and time.monotonic() < deadline:\n"
            "        time.sleep(0.2)\n"
            "time.sleep(1)  # the extra attempt, had it been counted, would show by now\n"
            "print(limit)\n",
            timeout=150,
        )
        .strip()
        .splitlines()[-1]
    )

    def row(key: str) -> tuple:
        statement = "SELECT attempts, sent_at, last_error FROM governance_notification WHERE dedupe_key = %s"
        return query(statement, (key,))[0]

    with contextlib.suppress(TimeoutError):
        wait_for("the message to be sent", lambda: row(queued)[1] is not None, 30, 0.5)
    mails = [json.loads(line) for line in MAILBOX.read_text().splitlines() if f"Newline test {batch}" in line]
    sent_attempts, sent_at, _error = row(queued)
    attempts, raw_sent, error = row(raw)
    sent_once = [mail["subject"] for mail in mails] == [f"Newline test {batch} name on a second line"]
    given_up = attempts == limit and raw_sent is None and error.startswith("BadHeaderError")
    outcome(
        "subject with a line break",
        sent_once and sent_at is not None and given_up,
        f"made one line and sent {len(mails)} time(s) ({sent_attempts} attempt(s)); the one queued with its "
        f"line break was refused {attempts} time(s) of {limit}, then given up (sent: {raw_sent is not None}), "
        f"error kept: {error[:60]!r}",
    )


def check_backup_restore() -> None:
    dump = WORK / "custodian.dump"
    pg_tool("pg_dump", "-Fc", "-f", str(dump), DATABASE)
    pg_tool("dropdb", "--if-exists", RESTORED)
    pg_tool("createdb", "-O", ROLES["owner"], RESTORED)
    pg_tool("pg_restore", "--no-owner", f"--role={ROLES['owner']}", "-d", RESTORED, str(dump), timeout=180)
    # Counted before verifying: the verification's own record is audited, one entry more afterwards.
    entries = query("SELECT count(*) FROM governance_auditentry", database=RESTORED)[0][0]
    verified = manage(
        "verify_audit", timeout=120, check=False, env=environment(DATABASE_URL=database_url(RESTORED, "owner"))
    )
    outcome(
        "pg_dump restored into a new database",
        verified.returncode == 0,
        f"{entries} audit entries restored as {ROLES['owner']}; "
        f"verify_audit: {' '.join(verified.stdout.split()[-12:])}",
    )


# --- the run -----------------------------------------------------------------------------


def prepare() -> None:
    say(f"scratch database {DATABASE}, Redis on port {REDIS_PORT}, instances on {', '.join(HOSTS)}; work in {WORK}")
    if any(len(name.encode()) > 63 for name in (RESTORED, *ROLES.values())):  # PostgreSQL would cut them short
        raise RuntimeError(f"FAULTS_DATABASE {DATABASE!r} is too long for its roles' names (at most 56 bytes)")
    start_redis()  # the cache is dropped as the seed writes
    left = drop_databases_and_roles()  # whatever an earlier run left
    if left:
        raise RuntimeError(f"could not clear an earlier run's databases and roles: {'; '.join(left)}")
    query(
        sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(ROLES["owner"]), sql.Literal(PASSWORDS["owner"])
        ),
        database="postgres",
    )
    pg_tool("createdb", "-O", ROLES["owner"], DATABASE)
    collect = start(  # compressed for production, unless already collected from the same sources
        "collectstatic", [PYTHON, "manage.py", "shell", "-c", "import static_files; static_files.collect()"]
    )
    manage("migrate", "-v0", timeout=240, env=environment(DATABASE_URL=database_url(DATABASE, "owner")))
    say(f"migrated as {ROLES['owner']}")
    done = manage(
        "setup_db_roles",
        *("--owner", ROLES["owner"], "--app", ROLES["app"], "--pruner", ROLES["pruner"]),
        env=environment(DATABASE_URL=database_url(DATABASE)),
    )
    for kind in ("app", "pruner"):
        query(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(ROLES[kind]), sql.Literal(PASSWORDS[kind])),
            database="postgres",
        )
    say(f"setup_db_roles: {'; '.join(done.stdout.splitlines())}")
    manage(
        "seed_scale",
        *("--staff", "300", "--areas", "4", "--assets", "30", "--items-per-asset", "5", "--signoffs", "400"),
        *("--grants", "200", "--contracts", "30", "--audit", "1000", "--access-events", "100"),
        timeout=180,
        env=environment(PORTAL_PROFILE="development", DEBUG="False"),  # it refuses the production profile
    )
    if collect.wait(timeout=max(min(120, remaining()), 5)) != 0:
        raise RuntimeError(f"collectstatic failed: {(WORK / 'collectstatic.log').read_text()[-1500:]}")
    processes.pop("collectstatic", None)
    say(f"database seeded as {ROLES['app']}; {(WORK / 'collectstatic.log').read_text().strip().splitlines()[-1:]}")
    for n, port in enumerate(WEB_PORTS, 1):
        start(
            f"web-{n}",
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="2",
            PROMETHEUS_MULTIPROC_DIR=str(WORK / f"metrics-web-{n}"),
        )
    for n in (1, 2):
        start(
            f"worker-{n}",
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "worker",
                "-c",
                "2",
                "-n",
                f"faults{n}@%h",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            PROMETHEUS_MULTIPROC_DIR=str(WORK / f"metrics-web-{n}"),  # as on one machine: web shows task outcomes
        )
        start(f"beat-{n}", [str(BIN / "celery"), "-A", "portal", "beat", "-l", "INFO", "-s", str(WORK / f"beat-{n}")])

    def ready() -> bool:
        try:
            return all(requests.get(f"{h}/health/ready/", timeout=5).status_code == 200 for h in HOSTS)
        except requests.RequestException:
            return False

    wait_for("both instances to be ready", ready, 90, 1)
    say("two instances, two workers and two beats running")


def main() -> int:
    for folder in ("media", "checkpoints", *tuple(f"metrics-{kind}-{n}" for kind in ("web",) for n in (1, 2))):
        (WORK / folder).mkdir()
    write_signing_key()
    try:
        prepare()
        check_production_profile()
        check_one_beat()
        with ConnectionWatch() as watched:
            load_run()
        check_database_roles(watched)
        check_after_load()
        check_worker_killed_mid_task()
        check_redis_restart()
        for name, check in (
            ("revoke during the training sync", check_revoke_during_training_sync),
            ("subject with a line break", check_subject_with_a_line_break),
        ):
            try:
                check()
            except Exception as exc:  # reported, and the run goes on to the backup
                outcome(name, False, f"{type(exc).__name__}: {str(exc)[-600:]}")
        check_backup_restore()
    except Exception as exc:  # a step that cannot finish is a failure, reported with what was seen
        outcome("fault tests ran to the end", False, f"{type(exc).__name__}: {exc}")
    finally:
        for process in processes.values():  # all at once, then wait for each
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name in list(processes):
            stop(name)
        stop_redis()
        for failure in drop_databases_and_roles():
            say(f"could not drop {failure}")
        if os.environ.get("FAULTS_KEEP_LOGS"):
            say(f"logs kept in {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    passed = sum(ok for _, ok, _ in results)
    say(f"finished in {time.monotonic() - STARTED:.0f} s")
    print(f"faults: {passed} passed, {len(results) - passed} failed", flush=True)
    return 0 if passed == len(results) and results else 1


if __name__ == "__main__":
    sys.exit(main())
