"""gunicorn configuration for the portal (``gunicorn -c deploy/gunicorn.conf.py portal.wsgi``).

Everything that differs between machines comes from the environment, like the
settings. Request lines are written by the portal itself (JSON, with the person's
id and the correlation id, without query strings), so gunicorn's access log is off
and its own lines go through the same JSON formatter. Prometheus counters from every
worker are joined through ``PROMETHEUS_MULTIPROC_DIR``, emptied when the server starts
and cleaned as workers exit.
"""

import os
import tempfile

# Before prometheus-client is imported anywhere: it picks its multiprocess storage on import.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "custodian-metrics"))

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - heartbeat files, not data
# The proxy in front sets X-Forwarded-For; the portal decides how far to believe it (TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "custodian-web"

accesslog = None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "governance.core.logging_json.PortalJsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}},
}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server):
    """Drop metric files of processes that no longer run (a previous server's), keep live ones.

    Celery workers on the same machine may share the folder, so it is not emptied whole.
    """
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        pid = name.rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A worker that exits leaves its counters summed, not its live gauges."""
    multiprocess.mark_process_dead(worker.pid)
