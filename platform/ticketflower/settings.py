"""Django settings, read from the environment (twelve-factor).

Safe defaults for production: DEBUG off unless set, SECRET_KEY required unless DEBUG
or TICKETFLOWER_DEV is on, explicit ALLOWED_HOSTS derived from the tenant base domain.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ticketflower.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository root
DATA_DIR = Path(os.environ.get("TICKETFLOWER_DATA_DIR", BASE_DIR / ".data"))


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean environment variable: 1/true/yes/on are true."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
DEV = env_bool("TICKETFLOWER_DEV") or DEBUG

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEV:
        raise ImproperlyConfigured("SECRET_KEY must be set (or TICKETFLOWER_DEV=1 for development)")
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"

# Tenant hosts are <slug>.<BASE_DOMAIN>; the public (platform) host is BASE_DOMAIN itself.
# Lowercase, as hosts are routed.
BASE_DOMAIN = os.environ.get("TICKETFLOWER_BASE_DOMAIN", "localhost").lower()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", f"{BASE_DOMAIN},.{BASE_DOMAIN}").split(",")
    if h.strip()
]

if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: start through `make run` / `make test`, which start "
        "an embedded PostgreSQL when no server is given"
    )
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
# django-tenants' backend, sending `SET search_path` only when the path must change
# (TENANT_LIMIT_SET_CALLS below; docs/decision-search-path-once.md).
DATABASES["default"]["ENGINE"] = "ticketflower.postgresql"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parameters bound by the server, and a statement run 5 times on a connection prepared
# there (parsed and planned once): half of PostgreSQL's CPU per submission. A prepared
# statement is parsed again when the session's search path changed, so each company's
# tables are the ones read (tests/platform/test_prepared_statements.py). 0 turns it off
# (a pooler that cannot keep prepared statements: docs/decision-prepared-statements.md).
DB_PREPARE_THRESHOLD = int(os.environ.get("TICKETFLOWER_DB_PREPARE_THRESHOLD", 5))
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
if DB_PREPARE_THRESHOLD > 0:
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = DB_PREPARE_THRESHOLD
# The longest statement a web request may run (`ticketflower serve` and `run` set 15 s for
# their web processes; workers and migrations have none): docs/limits.md.
STATEMENT_TIMEOUT_MS = int(os.environ.get("TICKETFLOWER_STATEMENT_TIMEOUT_MS", 0))
if STATEMENT_TIMEOUT_MS > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    )
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Counters every process must share (login failures): on the broker's Redis.
    "counters": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tf",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    },
}

SHARED_APPS = [
    # First: its `migrate` (which also migrates the template) wins over django_tenants'.
    "ticketflower.companies",
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "ticketflower.accounts",  # API tokens (in every schema: the platform's operators too)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc's files, served locally
    "ticketflower.web",  # the web app's templates and static files (no models)
    "ticketflower.observability",  # structured logs, metrics (no models)
]
# Auth, sessions and tokens live in every tenant schema too: a credential of one
# company means nothing in another (docs/decision-tenant-cloning.md).
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework.authtoken",
    "ticketflower.accounts",
    "ticketflower.definitions",
    "ticketflower.runs",
    "ticketflower.actions",
    "ticketflower.notifications",
    "ticketflower.audit",
    "ticketflower.discussions",
]
INSTALLED_APPS = SHARED_APPS + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Company"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# The migrated schema every new tenant is cloned from (see docs/decision-tenant-cloning.md).
TENANT_TEMPLATE_SCHEMA = "tenant_template"
# Safe from django-tenants 4.0.1 on: it forgets the path after ROLLBACK and ROLLBACK TO
# SAVEPOINT, which undo a SET (tests/platform/test_postgresql_backend.py).
TENANT_LIMIT_SET_CALLS = True
PUBLIC_SCHEMA_URLCONF = "ticketflower.urls_public"
ROOT_URLCONF = "ticketflower.urls"

MIDDLEWARE = [
    # /healthz and /readyz on every host, before anything needs the database.
    "ticketflower.api.health.HealthMiddleware",
    # A request id for every log line and error body, the request's log line and
    # metrics, and /metrics (for a scraper holding TICKETFLOWER_METRICS_TOKEN).
    "ticketflower.observability.middleware.RequestObservedMiddleware",
    # Development mode too: errors in the one shape, never Django's technical pages.
    "ticketflower.api.middleware.NoDebugPagesMiddleware",
    # Static files on every host, before any tenant lookup, in production too (the
    # browsable API's and the docs' assets ship with the code: nothing from a CDN).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ticketflower.api.middleware.TenantMiddleware",
    "ticketflower.api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's user is the actor of the audit entries its services record.
    "ticketflower.audit.trail.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own templates (the browsable API's branding).
        "DIRS": [BASE_DIR / "platform" / "ticketflower" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ticketflower.web.context.layout",
            ]
        },
    }
]

WSGI_APPLICATION = "ticketflower.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
STATIC_URL = "/static/"
# Static files are served from the apps' static directories as they are (WhiteNoise with
# finders): no collectstatic step to forget. STATIC_ROOT only when one is wanted.
STATIC_ROOT = os.environ.get("TICKETFLOWER_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "platform" / "ticketflower" / "static"]
MEDIA_ROOT = Path(os.environ.get("TICKETFLOWER_MEDIA_ROOT", DATA_DIR / "media"))

# Request size limits: JSON bodies (bundles included) and uploads.
MAX_JSON_BODY_BYTES = int(os.environ.get("TICKETFLOWER_MAX_JSON_BODY_BYTES", 2 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_JSON_BODY_BYTES
FILE_UPLOAD_MAX_BYTES = int(os.environ.get("TICKETFLOWER_FILE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Every password set through the service (API, web pages, CLI) is checked by these
# (the demo company's development users excepted).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Logins (API token, web and browsable-API forms): failed attempts counted in Redis, per
# client address and per company + username (docs/decision-login-protection.md).
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("TICKETFLOWER_LOGIN_FAILURES_PER_ADDRESS", 30))
LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("TICKETFLOWER_LOGIN_FAILURES_PER_USERNAME", 10))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("TICKETFLOWER_LOGIN_FAILURE_WINDOW", 900))
# Proxies whose X-Forwarded-For names the client (nginx on the host: 127.0.0.1). Empty:
# the peer is the client (a client cannot then spoof its address with the header).
TRUSTED_PROXIES = frozenset(
    a.strip() for a in os.environ.get("TICKETFLOWER_TRUSTED_PROXIES", "").split(",") if a.strip()
)
# Invitations of colleagues and password resets (docs/decision-invitations.md): an
# invitation's link works once, for this long; a reset link once, for an hour (Django's
# PasswordResetTokenGenerator). Reset requests are counted per client address and per
# company + login, in Redis, as failed logins are.
INVITATION_TTL_SECONDS = int(os.environ.get("TICKETFLOWER_INVITATION_TTL_DAYS", 7)) * 24 * 3600
PASSWORD_RESET_TIMEOUT = int(os.environ.get("TICKETFLOWER_PASSWORD_RESET_TIMEOUT", 3600))
PASSWORD_RESETS_PER_ADDRESS = int(os.environ.get("TICKETFLOWER_PASSWORD_RESETS_PER_ADDRESS", 20))
PASSWORD_RESETS_PER_LOGIN = int(os.environ.get("TICKETFLOWER_PASSWORD_RESETS_PER_LOGIN", 3))
PASSWORD_RESET_WINDOW_SECONDS = int(os.environ.get("TICKETFLOWER_PASSWORD_RESET_WINDOW", 3600))
# API tokens: one per login, expiring this long after their last use (sliding).
TOKEN_TTL_SECONDS = int(os.environ.get("TICKETFLOWER_TOKEN_TTL_DAYS", 30)) * 24 * 3600

SESSION_COOKIE_HTTPONLY = True
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/login/"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEV)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEV)
# Behind a TLS-terminating proxy (docs/deploy.md): it says the scheme in
# X-Forwarded-Proto; plain HTTP is redirected and browsers told to stay on HTTPS.
if env_bool("TICKETFLOWER_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("TICKETFLOWER_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("TICKETFLOWER_HSTS_PRELOAD", True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ticketflower.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "ticketflower.api.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "ticketflower.api.browsable.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "ticketflower.api.ordering.Ordering",
    ],
    "DEFAULT_PAGINATION_CLASS": "ticketflower.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ticketflower.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "VIEW_NAME_FUNCTION": "ticketflower.api.browsable.view_name",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "TicketFlower API",
    "DESCRIPTION": "Tickets and the workflows behind them. Errors: see docs/errors.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: no CDN, offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API speaks JSON; form parsers exist for the browsable API only. Documenting them
    # too gives each body three media types, which generated clients handle badly.
    "PARSER_WHITELIST": ["ticketflower.api.parsers.LimitedJSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "WorkflowStatusEnum": "ticketflower.definitions.models.WorkflowStatus",
        "CompletionStatusEnum": "ticketflower.definitions.models.CompletionStatus",
        "TraceStatusEnum": "ticketflower.definitions.openapi.TRACE_STATUS_CHOICES",
        "FindingLevelEnum": "ticketflower.definitions.openapi.FINDING_LEVEL_CHOICES",
        "BundleFormatEnum": "ticketflower.definitions.openapi.FORMAT_CHOICES",
        "WorkflowInstanceStatusEnum": "ticketflower.runs.models.WorkflowStatus",
        "TaskInstanceStatusEnum": "ticketflower.runs.models.TaskStatus",
        "TicketErrorTypeEnum": "ticketflower.runs.models.ErrorType",
        "TicketErrorStatusEnum": "ticketflower.runs.models.ErrorStatus",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Our base classes' docstrings describe the code, not a resource: never in the schema.
    "GET_LIB_DOC_EXCLUDES": "ticketflower.api.schema.lib_doc_excludes",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ticketflower.api.schema.add_error_responses",
        "ticketflower.api.schema.refuse_unknown_fields",
        "ticketflower.api.schema.describe_access",
    ],
}

# HTTP actions (plugins/http_action): retries with exponential backoff, SSRF guard, callbacks.
ACTION_MAX_RETRIES = int(os.environ.get("TICKETFLOWER_ACTION_MAX_RETRIES", 5))
ACTION_MIN_BACKOFF_MS = int(os.environ.get("TICKETFLOWER_ACTION_MIN_BACKOFF_MS", 500))
ACTION_MAX_BACKOFF_MS = int(os.environ.get("TICKETFLOWER_ACTION_MAX_BACKOFF_MS", 60_000))
ACTION_DEFAULT_TIMEOUT_SECONDS = int(os.environ.get("TICKETFLOWER_ACTION_TIMEOUT", 30))
ACTION_MAX_TIMEOUT_SECONDS = 120
# Private, loopback and link-local destinations are refused unless listed here
# (comma-separated networks, e.g. "127.0.0.0/8") or all allowed (development only).
ACTION_ALLOWED_NETWORKS = os.environ.get("TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS", "")
ACTION_ALLOW_PRIVATE = env_bool("TICKETFLOWER_ACTIONS_ALLOW_PRIVATE")
# At most this many calls to one destination (scheme, host, port) at once in each worker
# process (make run's has 4 threads): a hanging endpoint holds that many threads, never
# all of them (0: no limit).
ACTION_PER_DESTINATION = int(os.environ.get("TICKETFLOWER_ACTION_PER_DESTINATION", 2))
ACTION_CALLBACK_TTL_SECONDS = int(os.environ.get("TICKETFLOWER_CALLBACK_TTL", 7 * 24 * 3600))
ACTION_CALLBACK_URL_TEMPLATE = os.environ.get(
    "TICKETFLOWER_CALLBACK_URL_TEMPLATE", "http://{domain}:8000/api/v1/callbacks/{token}/"
)
# Nothing lost (docs/decision-nothing-lost.md): an action not done within this many
# seconds of being handed to the workers (a lost message, a dead worker, the broker or the
# database down) is handed over again by the scheduler, with a capped exponential back-off.
REDELIVER_AFTER_SECONDS = int(os.environ.get("TICKETFLOWER_REDELIVER_AFTER", 15))
REDELIVER_MAX_SECONDS = int(os.environ.get("TICKETFLOWER_REDELIVER_MAX", 600))
SCHEDULER_INTERVAL_SECONDS = float(os.environ.get("TICKETFLOWER_SCHEDULER_INTERVAL", 5))
# Dramatiq's Redis broker: a worker that dies (kill -9) has its messages re-delivered
# once its heartbeat is this old.
BROKER_HEARTBEAT_TIMEOUT_MS = int(os.environ.get("TICKETFLOWER_BROKER_HEARTBEAT_MS", 60_000))
# How many broker commands in a million run that maintenance (Dramatiq's default: 1,000).
BROKER_MAINTENANCE_CHANCE = int(os.environ.get("TICKETFLOWER_BROKER_MAINTENANCE_CHANCE", 1_000))

# JSON lines in production, readable lines under DEBUG (TICKETFLOWER_LOG_FORMAT overrides).
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "INFO"))
# A scraper sends `Authorization: Bearer TOKEN` to /metrics; unset, /metrics is not found.
METRICS_TOKEN = os.environ.get("TICKETFLOWER_METRICS_TOKEN", "")

# Notifications (docs/decision-notifications.md). Email: TICKETFLOWER_EMAIL_BACKEND is
# "smtp" (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS),
# "file" (one file per email under TICKETFLOWER_EMAIL_DIR: what `make run` uses, so
# nothing leaves the machine) or "console" (the default without an EMAIL_HOST).
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS[
    os.environ.get(
        "TICKETFLOWER_EMAIL_BACKEND", "smtp" if os.environ.get("EMAIL_HOST") else "console"
    )
]
EMAIL_FILE_PATH = os.environ.get("TICKETFLOWER_EMAIL_DIR", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TicketFlower <noreply@localhost>")
# Links in emails: a page of the company's web app on its primary domain.
PAGE_URL_TEMPLATE = os.environ.get("TICKETFLOWER_PAGE_URL_TEMPLATE", "http://{domain}:8000{path}")
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("TICKETFLOWER_NOTIFICATION_MAX_ATTEMPTS", 12))
# The first retry's delay; each next one doubles it (capped at an hour).
NOTIFICATION_BACKOFF_SECONDS = float(os.environ.get("TICKETFLOWER_NOTIFICATION_BACKOFF", 5))
WEBHOOK_TIMEOUT_SECONDS = 10
