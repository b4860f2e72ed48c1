"""PropDesk settings, read from the environment (django-environ).

PostgreSQL is the one database engine: DATABASE_URL is required. `scripts/demo.sh` provides it
from an embedded PostgreSQL server (`config.embedded_postgres`, data in `.pgdata/`); otherwise
point it at a server. Demo defaults (DEBUG=true): in-process tasks, console email.
Production: set SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_URL, ALLOWED_HOSTS, ADMINS.
See README.md for the list.
"""

import os
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = bool(os.environ.get("PYTEST_VERSION"))

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-dev-key-only-for-debug-and-tests"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute links in emails (admin, portal). In production it defaults to https:// + the first
# allowed host, never to a localhost address that no recipient could open.
SITE_URL = env("SITE_URL", default="").rstrip("/")
if not SITE_URL:
    if DEBUG or TESTING:
        SITE_URL = "http://127.0.0.1:8000"
    elif ALLOWED_HOSTS and ALLOWED_HOSTS[0].lstrip(".") not in ("", "*"):
        SITE_URL = f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    else:
        raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off and ALLOWED_HOSTS is *")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "hijack",
    "accounts",
    "evaluations",
    "imports",
    "risk",
    "live",
    "abuse",
    "payouts",
    "reports",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.session_lifetime.SessionLifetimeMiddleware",
    "accounts.device.DeviceCookieMiddleware",
    "accounts.staff_mfa.StaffSecondFactorMiddleware",
    "hijack.middleware.HijackUserMiddleware",
    "accounts.view_as.ReadOnlyWhileViewingAsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. PropDesk runs on PostgreSQL only: run `bash scripts/demo.sh` "
        "(an embedded PostgreSQL server), wrap the command in `python -m config.embedded_postgres "
        "-- COMMAND`, or set DATABASE_URL=postgres://USER@HOST:PORT/NAME."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
# A socket directory given libpq's way (`?host=/path`, as the embedded server's URL does) is
# the connection's host, so everything that reads HOST (the test worker's URL) sees it.
if "host" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Also under pytest: each test starts with an empty cache of its own (login rate limits!).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# allauth: email login, no self sign-up (accounts are sold, then created by the firm).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
# A new email address becomes the sign-in address only once confirmed from the new mailbox,
# after a recent re-authentication; the old address is told (security finding 8,
# accounts/views.py refuses "make primary" for an unconfirmed address).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# No "unknown account, sign up here" mail to addresses without an account: sign-up is closed,
# and the reset form must not mail arbitrary addresses.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (docs/deployment.md): the
# client address of rate limits and the audit log is the one they forwarded.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff sessions reach the back office only after a TOTP code (accounts/staff_mfa.py).
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=True)
MFA_TOTP_ISSUER = "PropDesk"
# Accept the code of the previous and next 30 s step too: phone clocks drift.
MFA_TOTP_TOLERANCE = 1
ACCOUNT_ADAPTER = "config.allauth_adapter.PropDeskAccountAdapter"
# View as trader (accounts/view_as.py): support and risk, traders only, read only, audited. The
# banner is the portal's own (templates/base.html): hijack's injected one has inline script.
HIJACK_PERMISSION_CHECK = "accounts.view_as.may_view_as"
HIJACK_INSERT_BEFORE = None

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# Idle timeout and staff sessions' absolute lifetime: accounts/session_lifetime.py. A session is
# saved (and its cookie renewed) when a person uses it, never by a background poll.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=SESSION_COOKIE_AGE)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=60 * 60 * 12)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded files (admin trade uploads wait here for their Celery worker, under imports/). Never
# served: no URL maps MEDIA_URL. Web and workers must see the same directory (docs/deployment.md).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Uploads: platform exports are small; refuse anything absurd before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# How far ahead of now an imported trade or snapshot time may be (clock skew between a platform
# server and ours); see imports/window.py and docs/import-formats.md "Time window".
IMPORT_MAX_FUTURE_SECONDS = env.int("IMPORT_MAX_FUTURE_SECONDS", default=300)

# Email
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PropDesk <noreply@propdesk.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# ADMINS="Risk Desk <risk@firm.example>,Ops <ops@firm.example>"
ADMINS = [
    (a.split("<")[0].strip() or a, a.split("<")[1].rstrip(">").strip()) if "<" in a else (a, a)
    for a in env.list("ADMINS", default=[])
]

# Celery: with no broker (embedded demo) tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Tests run tasks eagerly unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL or TESTING
)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
# A message a worker took but never acked (the worker died) is delivered again after
# visibility_timeout seconds. JSON override, e.g. for the worker fault tests. The socket
# timeouts make an enqueue to a hung or unreachable Redis fail within 5-10 s instead of holding
# the request for minutes or for ever (docs/deployment.md, "Redis restarts").
CELERY_BROKER_TRANSPORT_OPTIONS = env.json(
    "CELERY_BROKER_TRANSPORT_OPTIONS",
    default={"visibility_timeout": 3600, "socket_timeout": 5, "socket_connect_timeout": 5},
)
# A worker that loses Redis runs its task to the end (the result is in PostgreSQL); cancelling
# it would lose the task when Redis restarts without persistence.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A worker started while Redis is down waits for it.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="propdesk")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["imports.json_body.DecimalJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="6000/min"),
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        # the live feed, per bridge (docs/live-risk.md); a flood beyond it is answered 429
        "live_feed": env("LIVE_THROTTLE", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PropDesk API",
    "DESCRIPTION": "Bridges push trades and equity snapshots; traders read their accounts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy: no inline scripts, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Security (production values switch on when DEBUG is off).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG and not TESTING)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG or TESTING else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# PropDesk business settings
# Payout requests above this amount (in the account currency) need two finance approvers.
PAYOUT_SECOND_APPROVER_THRESHOLD = Decimal(
    env("PAYOUT_SECOND_APPROVER_THRESHOLD", default="5000.00")
)
# After a trader's payout destination changes, no payout to it is approved for this long.
PAYEE_COOLING_OFF_HOURS = env.int("PAYEE_COOLING_OFF_HOURS", default=72)
# How long the emailed link confirming a new payout destination stays valid.
PAYEE_CONFIRMATION_MAX_AGE_HOURS = env.int("PAYEE_CONFIRMATION_MAX_AGE_HOURS", default=24)
# Whether the person who approved a payout may also mark it paid (the firm's choice; by default
# two different people approve and pay).
PAYOUT_APPROVER_MAY_PAY = env.bool("PAYOUT_APPROVER_MAY_PAY", default=False)
# Abuse detectors' parameters, per detector (docs/abuse-detection.md, "Tuning"); JSON.
ABUSE_THRESHOLDS = env.json("ABUSE_THRESHOLDS", default={})
# The firm's account the SEPA payment-run file (pain.001) debits; the XML export is refused
# until the name and IBAN are set.
PAYMENT_RUN_DEBTOR_NAME = env("PAYMENT_RUN_DEBTOR_NAME", default="")
PAYMENT_RUN_DEBTOR_IBAN = env("PAYMENT_RUN_DEBTOR_IBAN", default="")
PAYMENT_RUN_DEBTOR_BIC = env("PAYMENT_RUN_DEBTOR_BIC", default="")

# Live risk (docs/live-risk.md). The Redis holding the live feed streams, the monitors' state
# and the live events; default: REDIS_URL.
LIVE_REDIS_URL = env("LIVE_REDIS_URL", default=REDIS_URL)
# The pub/sub channel of live events (breaches, alerts, commands) the live views follow.
LIVE_EVENTS_CHANNEL = env("LIVE_EVENTS_CHANNEL", default="live:events")
# Feed streams: accounts are spread over this many shards (each a Redis stream a monitor
# process leases). Changing it needs every monitor stopped and the streams drained.
LIVE_SHARDS = env.int("LIVE_SHARDS", default=16)
# A monitor process's lease on a shard; another process takes the shard over after it expires.
LIVE_LEASE_MS = env.int("LIVE_LEASE_MS", default=3000)
# How often a monitor saves its shards' state to Redis and acknowledges what it evaluated (a
# process that dies leaves at most this much to evaluate again; breaches are recorded at once).
LIVE_SAVE_SECONDS = env.float("LIVE_SAVE_SECONDS", default=2.0)
# Ticks more than this many seconds ahead of the server's clock, or older than
# LIVE_TICK_MAX_AGE_SECONDS, are refused (the snapshots batch API takes older history).
LIVE_TICK_FUTURE_SECONDS = env.int("LIVE_TICK_FUTURE_SECONDS", default=5)
LIVE_TICK_MAX_AGE_SECONDS = env.int("LIVE_TICK_MAX_AGE_SECONDS", default=86_400)
# Items per feed request (requests per bridge: LIVE_THROTTLE, in REST_FRAMEWORK above).
LIVE_MAX_ITEMS = env.int("LIVE_MAX_ITEMS", default=20_000)
# Near-limit warnings: percent of the loss room used (daily and total), once per level per day.
LIVE_ALERT_LEVELS = tuple(env.list("LIVE_ALERT_LEVELS", cast=int, default=[80, 90]))
# Retention of per-minute equity bars and of late ticks (breach and alert ticks are kept).
LIVE_MINUTE_RETENTION_DAYS = env.int("LIVE_MINUTE_RETENTION_DAYS", default=400)
LIVE_LATE_TICK_RETENTION_DAYS = env.int("LIVE_LATE_TICK_RETENTION_DAYS", default=30)
# Platform commands (docs/bridges.md): how long a bridge has to acknowledge a command it was
# handed before the command is handed out again.
COMMAND_LEASE_SECONDS = env.int("COMMAND_LEASE_SECONDS", default=30)
