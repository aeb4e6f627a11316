"""Settings for the Custodian portal.

Everything that differs between a laptop, CI and production comes from the
environment (read with django-environ). ``PORTAL_PROFILE`` selects one of two
profiles:

* ``development`` (the default): SQLite, console email, eager Celery tasks when
  no broker is configured, DEBUG on.
* ``production``: DEBUG off, a real secret key required, secure cookies, HSTS,
  HTTPS redirects; ``manage.py check --deploy`` reports nothing.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PROFILE = env.str("PORTAL_PROFILE", default="development")
if PROFILE not in {"development", "production"}:
    raise ValueError(f"PORTAL_PROFILE must be 'development' or 'production', not {PROFILE!r}")
PRODUCTION = PROFILE == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
else:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-key-not-for-production-use-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The number of reverse proxies in front of the portal whose X-Forwarded-For
# entries are trusted. Zero means the header is ignored (it is client-forgeable).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "axes",
    "guardian",
    "auditlog",
    "django_filters",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "governance.middleware.ClientAddressMiddleware",
    "governance.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.middleware.PortalLoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "governance.middleware.RequireVerifiedDeviceMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must be last: it turns a recorded lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Serves collected, hashed static files; in development runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("governance.middleware.ClientAddressMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.portal",
            ],
        },
    },
]
FORM_RENDERER = "governance.forms.rendering.GovukFormRenderer"

# Short-lived figures (who is cleared for personal data, dashboard totals). Per process by
# default; set CACHE_URL (for example redis://127.0.0.1:6379/2) to share them between processes.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://custodian")}

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services open their own transactions
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "two_factor:login"

# Sessions end after half an hour without a request, and with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Multi-factor authentication (django-otp, django-two-factor-auth).
OTP_TOTP_ISSUER = "Custodian"
OTP_TOTP_THROTTLE_FACTOR = 1
TWO_FACTOR_LOGIN_TIMEOUT = 300
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # never skip the second factor
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"

# Lockout after repeated password failures (django-axes), per account and address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "governance.middleware.attempted_username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_CLIENT_IP_CALLABLE = "governance.middleware.client_address"
AXES_VERBOSE = False

# Object permissions (django-guardian). No anonymous user object is needed.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# Audit trail (django-auditlog). Every model is recorded except those holding
# secrets (password hashes, OTP keys, backup tokens) or churning on every login.
AUDITLOG_LOGENTRY_MODEL = "governance.AuditEntry"
# auditlog's own entry table would stay empty (the model is swapped) yet block
# truncation with its foreign key to users, so its migrations are not run.
MIGRATION_MODULES = {"auditlog": None}
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "admin",
    "auditlog",
    "axes",
    "contenttypes",
    "otp_static",
    "otp_totp",
    "sessions",
    "two_factor",
    "auth.permission",
    "governance.auditentry",
)
# token_hash: a calendar feed key's digest is a credential check value, not history.
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("password", "last_login", "token_hash")
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False
# The audit chain: entries may be sealed out of time order by at most one
# transaction's length; older ones are reported as inserted out of order.
AUDIT_MAX_TRANSACTION_SECONDS = env.int("AUDIT_MAX_TRANSACTION_SECONDS", default=3600)
# Keep the audit trail forever unless a retention period is set (pruning keeps the chain verifiable).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=0) or None
# Each request (and each task or command run) gets its own correlation id.
AUDITLOG_CID_GETTER = "governance.services.audit.current_correlation_id"

# Celery. Without a broker, tasks run in-process so a first run needs nothing else.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE = {
    "send-pending-notifications": {
        "task": "governance.tasks.send_pending_notifications",
        "schedule": crontab(minute="*/15"),
    },
    "asset-review-reminders": {
        "task": "governance.tasks.send_asset_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "training-reminders": {
        "task": "governance.tasks.send_training_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    "access-grant-lifecycle": {
        "task": "governance.tasks.run_access_lifecycle",
        "schedule": crontab(hour=1, minute=0),
    },
    "verify-audit-chain": {
        "task": "governance.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    "deactivate-leavers": {
        "task": "governance.tasks.deactivate_leavers",
        "schedule": crontab(hour=0, minute=30),
    },
}
# Research contracts: retention ends overnight, then the day's reminders go out.
CELERY_BEAT_SCHEDULE |= {
    "contract-retention-ended": {
        "task": "governance.tasks.end_contract_retention",
        "schedule": crontab(hour=0, minute=45),
    },
    "contract-reminders": {
        "task": "governance.tasks.send_contract_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
}
# The compliance dashboards' counts, recomputed before they expire (see services.training.compliance_counts).
CELERY_BEAT_SCHEDULE["refresh-training-figures"] = {
    "task": "governance.tasks.refresh_training_figures",
    "schedule": crontab(minute="*/4"),
}
# Statistical releases: tables checked under superseded disclosure rules are checked again.
CELERY_BEAT_SCHEDULE["recheck-release-tables"] = {
    "task": "governance.tasks.recheck_release_tables",
    "schedule": crontab(hour=3, minute=0),
}

# Email goes through Django's backend: console in development, SMTP in production.
# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, credentials and TLS in one value.
globals().update(env.email("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="custodian@statistics.example.gov.uk")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the web root and is only served by views that
# check permissions.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")

# Information asset register: reviews are half-yearly by default; reminders start
# this many days before a review falls due.
ASSET_REVIEW_MONTHS = env.int("ASSET_REVIEW_MONTHS", default=6)
ASSET_REVIEW_DUE_SOON_DAYS = env.int("ASSET_REVIEW_DUE_SOON_DAYS", default=30)

# Training: reminders start this many days before a sign-off expires; new starters
# (and everyone, when a course is first published) have this long to sign; overdue
# sign-offs escalate to the line manager and Deputy SIRO after this many days.
TRAINING_DUE_SOON_DAYS = env.int("TRAINING_DUE_SOON_DAYS", default=30)
TRAINING_NEW_STARTER_DAYS = env.int("TRAINING_NEW_STARTER_DAYS", default=30)
TRAINING_ESCALATE_AFTER_DAYS = env.int("TRAINING_ESCALATE_AFTER_DAYS", default=14)

# Access to restricted data: the longest a grant may run, when holders are warned
# of its end, how often grants are recertified and how long IAMs have to do it.
ACCESS_MAX_MONTHS = env.int("ACCESS_MAX_MONTHS", default=12)
ACCESS_EXPIRY_WARNING_DAYS = env.int("ACCESS_EXPIRY_WARNING_DAYS", default=14)
ACCESS_RECERTIFICATION_MONTHS = env.int("ACCESS_RECERTIFICATION_MONTHS", default=3)
ACCESS_RECERTIFICATION_DAYS = env.int("ACCESS_RECERTIFICATION_DAYS", default=21)
EXTRACT_MAX_BYTES = env.int("EXTRACT_MAX_BYTES", default=20 * 1024 * 1024)
# Research contracts: reminders this many days before retention ends and before destruction
# is due; weekly reminders while destruction is overdue; escalation to the Deputy SIROs of the
# assets' areas once destruction is this many days overdue. Uploaded evidence is limited in size.
CONTRACT_REMINDER_DAYS = tuple(env.list("CONTRACT_REMINDER_DAYS", cast=int, default=[30, 7]))
CONTRACT_ESCALATION_DAYS = env.int("CONTRACT_ESCALATION_DAYS", default=14)
CONTRACT_UPLOAD_MAX_BYTES = env.int("CONTRACT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

PORTAL_NAME = "Custodian"
PORTAL_ORGANISATION = env.str("PORTAL_ORGANISATION", default="Department for Work and Pensions")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    TWO_FACTOR_REMEMBER_COOKIE_SECURE = True
