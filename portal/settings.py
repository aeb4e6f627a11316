"""Settings for the Custodian portal.

Everything that differs between a laptop, CI and production comes from the
environment (read with django-environ). ``PORTAL_PROFILE`` selects one of two
profiles:

* ``development`` (the default): SQLite, console email, eager Celery tasks when
  no broker is configured, DEBUG on.
* ``production``: DEBUG off, a real secret key required, secure cookies, HSTS,
  HTTPS redirects; ``manage.py check --deploy`` reports nothing.

Sections, in order:

1. Profile and environment
2. Core Django: apps, middleware, templates, URLs, forms, language and time
3. Database
4. Cache and sessions
5. Authentication: passwords, second factor, security keys, lockout, object permissions
6. Security headers and production hardening
7. Static files, media and uploads
8. Email and notifications
9. Logging
10. REST API
11. Celery: broker and workers, then the whole beat timetable
12. Domain settings: register, training, access, contracts, releases and disclosure,
    incidents, assurance, imports, audit trail and chain, operations and metrics
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
import whitenoise.compress
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

# =============================================================================
# 1. Profile and environment
# =============================================================================

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
if PRODUCTION and not ALLOWED_HOSTS:
    # Django would start and answer every request with 400 (Bad Request): refuse to start instead.
    raise ImproperlyConfigured("PORTAL_PROFILE=production needs ALLOWED_HOSTS: the portal's host name(s)")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

PORTAL_NAME = "Custodian"
PORTAL_ORGANISATION = env.str("PORTAL_ORGANISATION", default="Department for Work and Pensions")
# The Government Security Classification printed at the head and foot of every page of the SIRO's report.
PROTECTIVE_MARKING = env.str("PROTECTIVE_MARKING", default="OFFICIAL-SENSITIVE")
# The public address in email links and calendar feeds: required in production (governance/checks.py).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="" if PRODUCTION else "http://127.0.0.1:8000")
# Where people report an accessibility problem (the accessibility statement names it).
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="custodian-support@statistics.example.gov.uk"
)

# =============================================================================
# 2. Core Django: apps, middleware, templates, URLs, forms, language and time
# =============================================================================

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",  # the search's trigram lookups (pg_trgm); inert on SQLite
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "django_otp_webauthn",
    "axes",
    "guardian",
    "auditlog",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_scim",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "governance.middleware.ClientAddressMiddleware",
    # One log line and one metric observation per request, just inside ClientAddressMiddleware
    # so the line carries the correlation id (see Logging and Metrics below).
    "governance.middleware.RequestObserverMiddleware",
    "governance.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.middleware.SessionActivityMiddleware",
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
        MIDDLEWARE.index("governance.middleware.RequestObserverMiddleware") + 1,
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
                "governance.core.context_processors.portal",
            ],
        },
    },
    # Email bodies are plain text: nothing in them is HTML, so nothing is escaped (a name such as
    # O'Neill arrives as written, not as O&#x27;Neill).
    {
        "NAME": "email",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]
FORM_RENDERER = "governance.core.forms.rendering.GovukFormRenderer"
# Forms (issue 17): the longest free text any form field takes when its form sets no
# limit of its own; longer input is refused with a message naming the field.
FORM_TEXT_MAX_LENGTH = env.int("FORM_TEXT_MAX_LENGTH", default=10000)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# =============================================================================
# 3. Database
# =============================================================================

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services open their own transactions
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0)
# Behind a pooler in transaction mode (PgBouncer), a server-side cursor or a prepared statement need not
# outlive its transaction's server connection: Django's own setting turns both off (the search and the
# statements compiled once are otherwise prepared on a connection kept between requests: governance.core.prepared).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_TRANSACTION_POOLER", default=False)
# prune_audit deletes through the database's pruning function, as the pruner role (setup_db_roles).
if env.str("AUDIT_PRUNER_DATABASE_URL", default=""):
    DATABASES["audit_pruner"] = env.db("AUDIT_PRUNER_DATABASE_URL") | {"TEST": {"MIRROR": "default"}}
# One-time codes are verified under the device's row lock. SQLite has no row locks: its
# transactions take the write lock when they begin, so concurrent sign-ins take turns
# (waiting up to 20 s) rather than failing with "database is locked".
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # SQLite ignores an index's INCLUDE columns (the undecided reviews' index keeps its campaign and
    # id there so that PostgreSQL, the production database, answers the IAM's count from it alone).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# PostgreSQL compiles a statement to machine code when its estimated cost passes jit_above_cost. The
# portal's statements are short, and an estimate can be far off (a table just loaded in bulk, before
# its statistics are gathered; a filter PostgreSQL cannot judge): on a freshly seeded database the
# audit explorer took 83 ms a view with compiling, 41 ms without, and a draft of the SIRO's report's
# counts estimated costly took 0.8 s. DB_JIT=true leaves the server's own setting.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env.bool("DB_JIT", default=False):
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# Production never runs on SQLite: one file cannot be shared by several instances, and the
# audit trail's protections (triggers, the non-owner role) exist only on PostgreSQL.
if PRODUCTION and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("PORTAL_PROFILE=production needs DATABASE_URL to name a PostgreSQL database, not SQLite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# =============================================================================
# 4. Cache and sessions
# =============================================================================

# One Redis for the cache and the locks (Celery beat's, below): every instance must see the
# same cached figures and their drops. While Redis restarts the cache answers misses and pages
# are computed from the database (governance.core.cache_backends).
REDIS_URL = env.str("REDIS_URL", default="")
# Short-lived figures (who is cleared for personal data, dashboard totals). Per process by
# default; set CACHE_URL (for example redis://127.0.0.1:6379/2) to share them between
# processes. With REDIS_URL set and no CACHE_URL, the cache is that Redis.
if REDIS_URL and "CACHE_URL" not in os.environ:
    CACHES = {"default": {"BACKEND": "governance.core.cache_backends.TolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://custodian")}

# Sessions live in the database (shared by every instance) unless another engine is named.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")
# Sessions end after half an hour without a request, and with the browser.
# Session activity (issue 13): the idle timeout is enforced exactly by
# governance.middleware.SessionActivityMiddleware, which writes the session at most
# once every SESSION_ACTIVITY_WRITE_SECONDS; the stored session outlives the idle
# timeout by that much so an unwritten minute of activity never expires it early.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ACTIVITY_WRITE_SECONDS = env.int("SESSION_ACTIVITY_WRITE_SECONDS", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + SESSION_ACTIVITY_WRITE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# =============================================================================
# 5. Authentication: passwords, second factor, security keys, lockout, object permissions
# =============================================================================

AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    # django-axes' lock on an account and address, noting whether a refused attempt had the right password.
    "governance.core.auth_backends.LockoutAxesBackend",
    # Account-wide lockout (issue 15), ACCOUNT_LOCKOUT_LIMIT below.
    "governance.core.auth_backends.AccountLockoutBackend",
    # With LOCAL_SIGN_IN_FOR_EVERYONE off, passwords are for break-glass accounts only.
    "governance.core.auth_backends.LocalSignInBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OIDC_* below): answers only for the provider's callback.
    "governance.core.sso.ProviderBackend",
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

# Multi-factor authentication (django-otp, django-two-factor-auth).
OTP_TOTP_ISSUER = "Custodian"
OTP_TOTP_THROTTLE_FACTOR = 1
TWO_FACTOR_LOGIN_TIMEOUT = 300
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # never skip the second factor
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"

# Security keys (FIDO2 / WebAuthn through django-otp-webauthn): a second factor only,
# never passwordless; the PIN or biometric (user verification) is required by the helper.
# The relying-party id is the portal's host name and every allowed origin must be on it;
# in production a system check compares both with PORTAL_BASE_URL.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "governance.core.webauthn.UserVerifyingHelper"
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="" if PRODUCTION else "localhost")
OTP_WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Custodian")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[] if PRODUCTION else ["http://localhost:8000"],
)
# none, indirect or direct: whether to ask the key for a statement of its make and model.
WEBAUTHN_ATTESTATION = env.str("WEBAUTHN_ATTESTATION", default="none")
OTP_WEBAUTHN_TIMEOUT_SECONDS = env.int("WEBAUTHN_TIMEOUT_SECONDS", default=300)

# Lockout after repeated password failures (django-axes), per account and address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# An attempt refused during a lock neither restarts it nor counts: only wrong passwords count, and
# those the portal's own record (the account-wide count) sees through the failure signal.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "governance.middleware.attempted_username"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_CLIENT_IP_CALLABLE = "governance.middleware.client_address"
AXES_VERBOSE = False
# Account-wide lockout (issue 15): besides the per-account-and-address lock above, an account
# is locked after this many failures from any addresses within the cool-off period
# (governance.core.auth_backends.AccountLockoutBackend).
ACCOUNT_LOCKOUT_LIMIT = env.int("ACCOUNT_LOCKOUT_LIMIT", default=15)
# Only real accounts are recorded as locked and told. Administrators get at most one email
# about locks in each period of this many minutes, however many accounts lock in it.
ACCOUNT_LOCKOUT_ALERT_WINDOW = timedelta(minutes=env.int("ACCOUNT_LOCKOUT_ALERT_MINUTES", default=60))

# Single sign-on through the department's OpenID Connect provider (docs/single-sign-on.md):
# off unless OIDC_ISSUER and OIDC_CLIENT_ID are set, so the demo and the tests sign in with
# passwords. The endpoints come from the issuer's discovery document; people are matched by
# the provider's stable subject (User.oidc_subject), never by email alone.
OIDC_OP_ISSUER = env.str("OIDC_ISSUER", default="")  # Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0
OIDC_OP_DISCOVERY_URL = env.str("OIDC_DISCOVERY_URL", default="")  # default: <issuer>/.well-known/openid-configuration
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_ENABLED = bool(OIDC_OP_ISSUER and OIDC_RP_CLIENT_ID)
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your department account")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
# The claim holding the stable subject (Entra ID: oid) and, optionally, the tenant (tid) it must name.
OIDC_SUBJECT_CLAIM = env.str("OIDC_SUBJECT_CLAIM", default="sub")
OIDC_TENANT_ID = env.str("OIDC_TENANT_ID", default="")
# A person not yet linked to the provider may be linked once by this claim naming their
# username (Entra ID: upn or preferred_username); empty links no one (SCIM or an administrator does).
OIDC_LINK_CLAIM = env.str("OIDC_LINK_CLAIM", default="")
# The token proof: every value of OIDC_REQUIRED_AMR must be in the token's amr (for example
# hwk), and with OIDC_REQUIRED_ACR set its acr must be one of them. An answer without them is refused.
OIDC_REQUIRED_AMR = env.list("OIDC_REQUIRED_AMR", default=[])
OIDC_REQUIRED_ACR = env.list("OIDC_REQUIRED_ACR", default=[])
# The claim carrying it: acr, or acrs for Entra ID's authentication contexts (a list).
OIDC_ACR_CLAIM = env.str("OIDC_ACR_CLAIM", default="acr")
# Clock skew allowed on exp, iat and auth_time (at most five minutes), and the oldest ID token accepted.
OIDC_CLOCK_SKEW_SECONDS = min(env.int("OIDC_CLOCK_SKEW_SECONDS", default=60), 300)
OIDC_ID_TOKEN_MAX_AGE_SECONDS = env.int("OIDC_ID_TOKEN_MAX_AGE_SECONDS", default=600)
# A critical step by someone signed in through the provider: they sign in there again, and the
# proof (auth_time after the portal asked) must be used for that step within this many seconds.
OIDC_STEP_UP_SECONDS = env.int("OIDC_STEP_UP_SECONDS", default=300)
# The provider's groups mapped to portal groups, as JSON: {"<group id>": "<portal group name>"}.
# Applied at every sign-in: a mapped portal group is given or taken away to match the provider.
OIDC_GROUP_ROLES = env.json("OIDC_GROUP_ROLES", default={})
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# Password sign-in: with this off, only break-glass accounts (superusers) may use a password.
LOCAL_SIGN_IN_FOR_EVERYONE = env.bool("LOCAL_SIGN_IN_FOR_EVERYONE", default=True)

# SCIM 2.0 provisioning of joiners, movers and leavers from the identity provider, at
# /scim/v2/ (django-scim2, governance/register/scim.py). Only an API token marked for SCIM
# opens it (governance/core/scim_auth.py), never a session. Groups may be written too; the
# portal's role groups keep their names and cannot be deleted (governance/register/people.py).
SCIM_SERVICE_PROVIDER = {
    "USER_ADAPTER": "governance.register.scim.PortalSCIMUser",
    "GROUP_ADAPTER": "governance.register.scim.PortalSCIMGroup",
    "USER_FILTER_PARSER": "governance.register.scim_filters.PortalUserFilter",
    "GROUP_FILTER_PARSER": "governance.register.scim_filters.PortalGroupFilter",
    "SERVICE_PROVIDER_CONFIG_MODEL": "governance.register.scim.PortalServiceProviderConfig",
    "AUTH_CHECK_MIDDLEWARE": "governance.core.scim_auth.ScimTokenCheck",
    "NETLOC": PORTAL_BASE_URL.split("://", 1)[-1].split("/", 1)[0] or "localhost",
    "SCHEME": PORTAL_BASE_URL.split("://", 1)[0] if "://" in PORTAL_BASE_URL else "https",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "An API token marked for SCIM provisioning, created by an administrator",
        }
    ],
}

# Object permissions (django-guardian). No anonymous user object is needed.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# =============================================================================
# 6. Security headers and production hardening
# =============================================================================

# The number of reverse proxies in front of the portal whose X-Forwarded-For
# entries are trusted. Zero means the header is ignored (it is client-forgeable).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's probes and the metrics scraper may speak plain HTTP on the inside.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    TWO_FACTOR_REMEMBER_COOKIE_SECURE = True

# =============================================================================
# 7. Static files, media and uploads
# =============================================================================

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Source maps are read only by a developer's browser tools: compressing them (the API documentation's
# bundles carry 12 MB of them) was more than half of collectstatic's time, for no one's benefit.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*whitenoise.compress.Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploaded evidence lives outside the web root and is only served by views that
# check permissions.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
# Uploaded evidence: the filesystem under PRIVATE_MEDIA_ROOT (one shared volume for several
# instances), or an S3-compatible bucket. The bucket stays private: files are read back by
# the permission-checked views, never linked to directly.
STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env.str("S3_PREFIX", default="evidence"),
        },
    }
elif STORAGE_BACKEND != "filesystem":
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}")
# Size limits on uploads belong to their domains: EXTRACT_MAX_BYTES (access) and
# CONTRACT_UPLOAD_MAX_BYTES (contracts) below.

# =============================================================================
# 8. Email and notifications
# =============================================================================

# Email goes through Django's backend: console in development, SMTP in production.
# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, credentials and TLS in one value.
globals().update(env.email("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"))
# A named email backend class overrides EMAIL_URL's (the fault tests count what is sent).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or globals()["EMAIL_BACKEND"]  # set by EMAIL_URL above
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="custodian@statistics.example.gov.uk")
# Notifications are queued and sent by Celery tasks; a sweep re-sends lost ones (beat timetable below).
# After this many failed attempts a message is given up: it is no longer re-sent, and administrators
# see it on their home page and in the notifications list of the admin.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)

# GOV.UK Notify (governance/core/notifications.py): with an API key, messages go through Notify
# instead of SMTP. Each kind of message (its key's first part, such as account-locked) names a
# Notify template id in NOTIFY_TEMPLATES (JSON), falling back to "default"; every template gets
# the personalisation fields subject, body and portal_name, and the message's key as reference.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TEMPLATES = env.json("NOTIFY_TEMPLATES", default={})
NOTIFY_TIMEOUT_SECONDS = env.int("NOTIFY_TIMEOUT_SECONDS", default=30)

# =============================================================================
# 9. Logging
# =============================================================================

# Logs: one JSON object a line in production (LOG_FORMAT=json), carrying the request's
# correlation id, the person's id, the path, the status and the duration; never a query
# string, a form value, a cookie or a name (governance.core.logging_json).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
# Every line is written once, by the root's handler: Django's own loggers lose the console (and
# mail) handlers Django gives them, which wrote each of their lines a second time. A refusal (a 4xx
# answer) is logged as one line without its traceback; errors (5xx) keep theirs.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_traceback_for_refusals": {"()": "governance.core.logging_json.NoTracebackForRefusals"}},
    "formatters": {"text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "text", "filters": ["no_traceback_for_refusals"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # The SIRO's report PDF: WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        # One line a request (governance.middleware.RequestObserverMiddleware).
        "custodian.requests": {"level": "INFO"},
    },
}
if LOG_FORMAT == "json":
    LOGGING["formatters"]["json"] = {"()": "governance.core.logging_json.PortalJsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# =============================================================================
# 10. REST API
# =============================================================================

# REST API (issue 19): Django REST framework under /api/, personal tokens, OpenAPI schema.
# Only an HMAC of each token's secret is stored, keyed with this server-side pepper; by
# default one derived from SECRET_KEY (set it apart so rotating one leaves the other).
API_TOKEN_PEPPER = env.str("API_TOKEN_PEPPER", default="") or f"api-token-pepper:{SECRET_KEY}"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.core.rest.authentication.TokenAuthentication",
        "governance.core.rest.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "governance.core.rest.permissions.TokenWriteScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["governance.core.rest.throttling.PerTokenThrottle"],
    # Counted in the default cache: set CACHE_URL to Redis so every web process shares the count.
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="600/minute")},
    "DEFAULT_PAGINATION_CLASS": "governance.core.rest.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["governance.core.rest.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "governance.core.rest.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Custodian API",
    "DESCRIPTION": "The portal's records, with the same permissions as its pages. "
    "Authenticate with `Authorization: Bearer cus_<key>.<secret>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": ["governance.core.rest.authentication.VerifiedSessionAuthentication"],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "governance.contracts.models.ResearchContract.Status",
        "ReleaseStatusEnum": "governance.releases.models.StatisticalRelease.Status",
        "DecisionEnum": "governance.access.models.AccessRequest.Decision",
    },
}

# =============================================================================
# 11. Celery: broker and workers, then the beat timetable
# =============================================================================

# Without a broker, tasks run in-process so a first run needs nothing else.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# A task published during a short broker outage (a Redis restart) waits for it rather than failing.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 10, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
# Celery's own processes log through LOGGING too (JSON in production), not Celery's format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Time limits, in seconds. Past its soft limit a task is interrupted (SoftTimeLimitExceeded) and
# stops; every task is idempotent and its next run, or the nightly sweep, picks up what is left.
# Past its hard limit its worker process is killed. The nightly sweeps over every record and the
# check of one large release table get the long limits; everything else the short ones.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)
CELERY_LONG_TASK_SOFT_TIME_LIMIT = env.int("CELERY_LONG_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_LONG_TASK_TIME_LIMIT = env.int("CELERY_LONG_TASK_TIME_LIMIT", default=30 * 60)
CELERY_LONG_TASKS = (
    "governance.access.tasks.run_access_lifecycle",
    "governance.assurance.tasks.prepare_assurance_round",
    "governance.assurance.tasks.send_assurance_reminders",
    "governance.contracts.tasks.send_contract_reminders",
    "governance.core.tasks.export_audit_checkpoint",
    "governance.core.tasks.verify_audit_chain",
    "governance.register.tasks.deactivate_leavers",
    "governance.register.tasks.send_asset_review_reminders",
    "governance.releases.tasks.check_output_table",
    "governance.training.tasks.send_training_reminders",
    "governance.trends.tasks.take_compliance_snapshot",
)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": CELERY_LONG_TASK_SOFT_TIME_LIMIT, "time_limit": CELERY_LONG_TASK_TIME_LIMIT}
    for name in CELERY_LONG_TASKS
}
# Redis hands a message not acknowledged within the visibility timeout to another worker; with
# late acknowledgement a task still running then would run twice. So the timeout is well above
# the longest hard limit (tests/test_settings.py checks every task against it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=2 * max(CELERY_TASK_TIME_LIMIT, CELERY_LONG_TASK_TIME_LIMIT)
    )
}

# Celery beat: a second beat process (a standby, or one started by mistake) waits on a Redis
# lock and sends nothing while the first holds it (governance.core.beat.LockedScheduler).
CELERY_BEAT_SCHEDULER = "governance.core.beat:LockedScheduler"
BEAT_LOCK_URL = env.str("BEAT_LOCK_URL", default="") or REDIS_URL
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=60)

# The beat timetable: every periodic task, in the order of the day (Europe/London time).
CELERY_BEAT_SCHEDULE = {
    # --- Every few minutes ---------------------------------------------------------------
    # Every 4 minutes: the compliance dashboards' counts, recomputed before they expire
    # (governance.training.courses.compliance_counts).
    "refresh-training-figures": {
        "task": "governance.training.tasks.refresh_training_figures",
        "schedule": crontab(minute="*/4"),
    },
    # Every 15 minutes: re-send queued emails whose first send was lost (broker down, worker killed).
    "send-pending-notifications": {
        "task": "governance.core.tasks.send_pending_notifications",
        "schedule": crontab(minute="*/15"),
    },
    # Every 15 minutes: incident handlers reminded before the ICO decision's 72 hours run out;
    # the SIRO told (INCIDENT_REMINDER_HOURS, INCIDENT_ESCALATION_HOURS).
    "incident-deadline-reminders": {
        "task": "governance.incidents.tasks.send_incident_reminders",
        "schedule": crontab(minute="*/15"),
    },
    # --- Overnight -----------------------------------------------------------------------
    # 00:30: the rights of everyone whose leaving date has arrived are removed.
    "deactivate-leavers": {
        "task": "governance.register.tasks.deactivate_leavers",
        "schedule": crontab(hour=0, minute=30),
    },
    # 00:45: research contracts whose retention has ended move to "retention ended"
    # (before the morning's contract reminders).
    "contract-retention-ended": {
        "task": "governance.contracts.tasks.end_contract_retention",
        "schedule": crontab(hour=0, minute=45),
    },
    # 00:50: after the contracts' retention moves, the researchers of ended contracts lose their accounts.
    "end-researchers": {
        "task": "governance.outputs.tasks.end_researchers",
        "schedule": crontab(hour=0, minute=50),
    },
    # 01:00: access grants end, their holders are warned of ends ahead, and grants past their
    # recertification deadline are suspended or restored.
    "access-grant-lifecycle": {
        "task": "governance.access.tasks.run_access_lifecycle",
        "schedule": crontab(hour=1, minute=0),
    },
    # 02:30: the whole audit chain is verified; on a break every administrator is alerted.
    "verify-audit-chain": {
        "task": "governance.core.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    # 02:50: after the verification, the signed checkpoint of the chain's head is written and
    # emailed to the auditors (AUDIT_CHECKPOINT_*).
    "export-audit-checkpoint": {
        "task": "governance.core.tasks.export_audit_checkpoint",
        "schedule": crontab(hour=2, minute=50),
    },
    # 03:00: statistical release tables checked under superseded disclosure rules are checked again.
    "recheck-release-tables": {
        "task": "governance.releases.tasks.recheck_release_tables",
        "schedule": crontab(hour=3, minute=0),
    },
    # 03:30: previewed import files never confirmed are deleted (IMPORT_PENDING_MAX_AGE_HOURS).
    "purge-pending-imports": {
        "task": "governance.core.tasks.purge_pending_imports",
        "schedule": crontab(hour=3, minute=30),
    },
    # 03:40: single sign-on's links from the provider's sessions to ended portal sessions, and
    # logout tokens too old to be replayed, are deleted (governance.core.sso_pruning).
    "prune-provider-sessions": {
        "task": "governance.core.tasks.prune_provider_sessions",
        "schedule": crontab(hour=3, minute=40),
    },
    # --- Morning -------------------------------------------------------------------------
    # 06:30: the day's compliance figures are recorded for the trend charts.
    "compliance-snapshot": {
        "task": "governance.trends.tasks.take_compliance_snapshot",
        "schedule": crontab(hour=6, minute=30),
    },
    # 07:00: IAMs reminded of asset reviews falling due; overdue reviews escalated to Deputy SIROs.
    "asset-review-reminders": {
        "task": "governance.register.tasks.send_asset_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # 07:15: training reminders before and on expiry, weekly while overdue, then escalation.
    "training-reminders": {
        "task": "governance.training.tasks.send_training_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    # 07:15: research contract retention and destruction reminders, weekly overdue reminders,
    # escalation to Deputy SIROs.
    "contract-reminders": {
        "task": "governance.contracts.tasks.send_contract_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    # 07:30: owners reminded of processing activities' yearly reviews, overdue reviews escalated to the
    # Deputy SIRO; sharing agreements' managers reminded of reviews and ends, and agreements past review
    # escalated to the Deputy SIRO, then the SIRO (PRIVACY_REVIEW_REMINDER_DAYS, PRIVACY_ESCALATION_DAYS).
    "processing-activity-reminders": {
        "task": "governance.privacy.tasks.send_activity_review_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "sharing-agreement-reminders": {
        "task": "governance.privacy.tasks.send_agreement_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # 07:40: IAMs reminded before an assurance return is due; overdue returns and risk reviews
    # escalated to the Deputy SIRO.
    "assurance-reminders": {
        "task": "governance.assurance.tasks.send_assurance_reminders",
        "schedule": crontab(hour=7, minute=40),
    },
    # 07:50: IAMs and the DPO reminded of DPIA reviews falling due; overdue reviews escalated to the
    # Deputy SIRO (DPIA_REVIEW_REMINDER_DAYS).
    "dpia-review-reminders": {
        "task": "governance.privacy.tasks.send_dpia_review_reminders",
        "schedule": crontab(hour=7, minute=50),
    },
}

# =============================================================================
# 12. Domain settings
# =============================================================================

# --- Information asset register ----------------------------------------------------------
# Reviews are half-yearly by default; reminders start this many days before a review falls due.
ASSET_REVIEW_MONTHS = env.int("ASSET_REVIEW_MONTHS", default=6)
ASSET_REVIEW_DUE_SOON_DAYS = env.int("ASSET_REVIEW_DUE_SOON_DAYS", default=30)

# --- Training ----------------------------------------------------------------------------
# Reminders start this many days before a sign-off expires; new starters (and everyone, when
# a course is first published) have this long to sign; overdue sign-offs escalate to the line
# manager and Deputy SIRO after this many days.
TRAINING_DUE_SOON_DAYS = env.int("TRAINING_DUE_SOON_DAYS", default=30)
TRAINING_NEW_STARTER_DAYS = env.int("TRAINING_NEW_STARTER_DAYS", default=30)
TRAINING_ESCALATE_AFTER_DAYS = env.int("TRAINING_ESCALATE_AFTER_DAYS", default=14)
# The share (per cent) of staff with current training the organisation aims for: the target line of the
# compliance page's training chart, and each business area and course below it is an exception on the
# home pages of the SIRO, auditors and Deputy SIROs (current or due soon, of everyone who must sign).
TRAINING_COMPLIANCE_TARGET = env.int("TRAINING_COMPLIANCE_TARGET", default=95)

# --- Access to restricted data -----------------------------------------------------------
# The longest a grant may run, when holders are warned of its end, how often grants are
# recertified and how long IAMs have to do it.
ACCESS_MAX_MONTHS = env.int("ACCESS_MAX_MONTHS", default=12)
ACCESS_EXPIRY_WARNING_DAYS = env.int("ACCESS_EXPIRY_WARNING_DAYS", default=14)
ACCESS_RECERTIFICATION_MONTHS = env.int("ACCESS_RECERTIFICATION_MONTHS", default=3)
ACCESS_RECERTIFICATION_DAYS = env.int("ACCESS_RECERTIFICATION_DAYS", default=21)
# Recertification campaigns: what happens to a grant nobody reviewed by the deadline
# ("suspend" or "none"), and how many days before it the IAM and holders are told.
RECERTIFICATION_UNREVIEWED_ACTION = env.str("RECERTIFICATION_UNREVIEWED_ACTION", default="suspend")
RECERTIFICATION_REMINDER_DAYS = env.int("RECERTIFICATION_REMINDER_DAYS", default=7)
if RECERTIFICATION_UNREVIEWED_ACTION not in {"suspend", "none"}:
    raise ImproperlyConfigured("RECERTIFICATION_UNREVIEWED_ACTION must be suspend or none")
EXTRACT_MAX_BYTES = env.int("EXTRACT_MAX_BYTES", default=20 * 1024 * 1024)
# Access request timelines (issue 17): the target, in England and Wales working days,
# for each step a request waits on: the IAM's decision, the Deputy SIRO's, and the
# requester's changes after a request is returned to them.
ACCESS_STEP_TARGET_DAYS = {
    "iam": env.int("ACCESS_TARGET_IAM_DAYS", default=5),
    "deputy": env.int("ACCESS_TARGET_DEPUTY_DAYS", default=5),
    "changes": env.int("ACCESS_TARGET_CHANGES_DAYS", default=10),
}

# --- Research contracts ------------------------------------------------------------------
# Reminders this many days before retention ends and before destruction is due; weekly
# reminders while destruction is overdue; escalation to the Deputy SIROs of the assets' areas
# once destruction is this many days overdue. Uploaded evidence is limited in size.
CONTRACT_REMINDER_DAYS = tuple(env.list("CONTRACT_REMINDER_DAYS", cast=int, default=[30, 7]))
CONTRACT_ESCALATION_DAYS = env.int("CONTRACT_ESCALATION_DAYS", default=14)
CONTRACT_UPLOAD_MAX_BYTES = env.int("CONTRACT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- Statistical releases and disclosure protection --------------------------------------
# Output tables with more cells than this are checked by a Celery task
# (governance.releases.tasks.check_output_table) with a progress page; smaller ones on upload.
DISCLOSURE_BACKGROUND_CELLS = env.int("DISCLOSURE_BACKGROUND_CELLS", default=2000)
# What secondary suppression minimises in the first version of the rules: "value" (the total
# value hidden, as tau-ARGUS), "cells" (the number hidden) or "weight" (each table's cost
# column, 1 where none). Disclosure control changes it afterwards on the rules page.
DISCLOSURE_SECONDARY_COST = env.str("DISCLOSURE_SECONDARY_COST", default="value")
if DISCLOSURE_SECONDARY_COST not in ("value", "cells", "weight"):
    raise ImproperlyConfigured("DISCLOSURE_SECONDARY_COST must be value, cells or weight.")

# --- Information security incidents ------------------------------------------------------
# The ICO decision is due 72 hours after awareness (Article 33). Handlers are reminded this
# many hours before it is due; the SIRO is told this many hours before.
INCIDENT_REMINDER_HOURS = tuple(env.list("INCIDENT_REMINDER_HOURS", cast=int, default=[24, 6]))
INCIDENT_ESCALATION_HOURS = env.int("INCIDENT_ESCALATION_HOURS", default=12)
# While the SIRO's office is vacant (nobody appointed, or the holder has left), what needs the
# SIRO (ICO escalations, incidents nobody else is told of, overdue destruction with no Deputy
# SIRO) goes to the active members of this group (governance.core.offices).
SIRO_VACANT_FALLBACK_GROUP = env.str("SIRO_VACANT_FALLBACK_GROUP", default="Incident handlers")

# --- Record of processing and sharing agreements ------------------------------------------
# Owners and managers are reminded this many days before a processing activity's yearly review and
# before a sharing agreement's review and end; an activity's review this many days overdue goes to the
# Deputy SIRO, and an agreement this many days past review to the SIRO (the Deputy SIRO at once).
PRIVACY_REVIEW_REMINDER_DAYS = tuple(env.list("PRIVACY_REVIEW_REMINDER_DAYS", cast=int, default=[30, 7]))
PRIVACY_ESCALATION_DAYS = env.int("PRIVACY_ESCALATION_DAYS", default=14)

# --- Assurance for the SIRO --------------------------------------------------------------
# IAMs are reminded this many days before their annual return is due; overdue returns and
# overdue risk reviews are escalated to the Deputy SIRO daily.
ASSURANCE_REMINDER_DAYS = tuple(env.list("ASSURANCE_REMINDER_DAYS", cast=int, default=[14, 3]))
# The risk appetite: open risks rated (likelihood times impact, 1 to 25) above this are
# listed as exceptions on the overseers' home pages.
RISK_APPETITE_RATING = env.int("RISK_APPETITE_RATING", default=12)

# --- Imports -----------------------------------------------------------------------------
# A previewed file never confirmed is deleted by a nightly task after this many hours.
IMPORT_PENDING_MAX_AGE_HOURS = env.int("IMPORT_PENDING_MAX_AGE_HOURS", default=24)

# --- Audit trail and audit chain ---------------------------------------------------------
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
# Each request (and each task or command run) gets its own correlation id.
AUDITLOG_CID_GETTER = "governance.core.audit.current_correlation_id"
# The audit chain: entries may be sealed out of time order by at most one
# transaction's length; older ones are reported as inserted out of order.
AUDIT_MAX_TRANSACTION_SECONDS = env.int("AUDIT_MAX_TRANSACTION_SECONDS", default=3600)
# Keep the audit trail forever unless a retention period is set (pruning keeps the chain
# verifiable; prune_audit connects as the pruner, see AUDIT_PRUNER_DATABASE_URL under Database).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=0) or None
# Keyed audit chain and signed checkpoints (issue 15). Entries are hashed and linked with an HMAC
# under a key the database never holds: "id:hex" pairs (at least 32 bytes each), from the
# environment or a key file; new entries use AUDIT_HMAC_KEY_ID (default: the last key listed),
# older ones verify under the key id they name. Outside production a development key is used.
AUDIT_HMAC_KEYS = env.str("AUDIT_HMAC_KEYS", default="")
AUDIT_HMAC_KEY_FILE = env.str("AUDIT_HMAC_KEY_FILE", default="")
AUDIT_HMAC_KEY_ID = env.str("AUDIT_HMAC_KEY_ID", default="")
# The chain's head is exported daily (and on demand) as a checkpoint signed with this Ed25519
# key (PEM, PKCS#8), written here and emailed to the auditors.
AUDIT_CHECKPOINT_SIGNING_KEY_FILE = env.str("AUDIT_CHECKPOINT_SIGNING_KEY_FILE", default="")
AUDIT_CHECKPOINT_DIR = env.str("AUDIT_CHECKPOINT_DIR", default=str(BASE_DIR / "audit-checkpoints"))
# A spreadsheet of the audit trail is built whole in the web worker's memory: above this many
# entries the auditor is asked to narrow the filters (CSV downloads are streamed, with no limit).
AUDIT_EXPORT_XLSX_MAX_ROWS = env.int("AUDIT_EXPORT_XLSX_MAX_ROWS", default=50_000)

# --- Operations and metrics --------------------------------------------------------------
# Metrics (/metrics): Prometheus text, for a bearer token or from the listed networks only;
# with neither set the page does not exist. Under gunicorn, PROMETHEUS_MULTIPROC_DIR
# (read by prometheus-client itself) joins every worker's counts. Health pages, request logs,
# the beat lock and the shared cache are set above (Security, Logging, Celery, Cache).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])

# --- The map of where the data goes (privacy) ----------------------------------------------
# The department's map draws an area with more than DATA_MAP_AREA_ASSETS assets as one box (opening
# the map of that area), at most DATA_MAP_ASSET_NODES assets one by one, DATA_MAP_ORGANISATIONS
# organisations, and DATA_MAP_EDGES_PER_NODE flows of each kind from one box; the rest are summed.
DATA_MAP_AREA_ASSETS = env.int("DATA_MAP_AREA_ASSETS", default=12)
DATA_MAP_ASSET_NODES = env.int("DATA_MAP_ASSET_NODES", default=60)
DATA_MAP_ORGANISATIONS = env.int("DATA_MAP_ORGANISATIONS", default=30)
DATA_MAP_EDGES_PER_NODE = env.int("DATA_MAP_EDGES_PER_NODE", default=3)
# Each map is cached this long (0: never), and dropped whenever a flow's records change.
DATA_MAP_CACHE_SECONDS = env.int("DATA_MAP_CACHE_SECONDS", default=300)
# --- DPIAs (issue 30) ----------------------------------------------------------------------
# Identifiable data counts as "at scale" when it comes from a 100% extract of an identifiable asset
# (everyone in it, not a sample) and includes at least this many direct identifiers; special category
# data is screened whatever its scale. A signed DPIA is reviewed after DPIA_REVIEW_MONTHS, with reminders
# from DPIA_REVIEW_REMINDER_DAYS before. The ICO answers a prior consultation within 8 weeks, extendable by 6.
DPIA_SCALE_THRESHOLD = env.int("DPIA_SCALE_THRESHOLD", default=1)
DPIA_REVIEW_MONTHS = env.int("DPIA_REVIEW_MONTHS", default=12)
DPIA_REVIEW_REMINDER_DAYS = env.int("DPIA_REVIEW_REMINDER_DAYS", default=30)
DPIA_ICO_RESPONSE_WEEKS = env.int("DPIA_ICO_RESPONSE_WEEKS", default=8)
DPIA_ICO_EXTENSION_WEEKS = env.int("DPIA_ICO_EXTENSION_WEEKS", default=6)
