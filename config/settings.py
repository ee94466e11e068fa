"""Settings, all from the environment.

``DATABASE_URL`` (PostgreSQL) is required; ``./dev run`` points it at an embedded server in
``var/pg``. Without ``REDIS_URL`` Celery runs on kombu's ``filesystem://`` transport in
``var/``, so ``./dev run`` works on a bare machine. Production sets ``DATABASE_URL``,
``REDIS_URL`` (broker and cache) and a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.broker import broker_transport_options, cache_settings
from config.env import env_bool, env_list, redis_url_shifted, test_process_index

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DISCRETION_VAR_DIR", BASE_DIR / "var"))
# One of `./dev test`'s parallel test processes: its own var dir and Redis DB.
_TEST_PROCESS = test_process_index()
if _TEST_PROCESS is not None:
    VAR_DIR = VAR_DIR / f"gw{_TEST_PROCESS}"
VAR_DIR.mkdir(parents=True, exist_ok=True)


DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-discretion-development-only"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without a real secret key; "
            "set SECRET_KEY, or DEBUG=1 for local development."
        )
    SECRET_KEY = _INSECURE_KEY
elif not DEBUG and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 32+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "audit",
    "cases",
    "policies",
    "discretion",
    "web",
]

MIDDLEWARE = [
    # Outermost: every response (and every log line and task of the request) has its id.
    "common.request_id.RequestIdMiddleware",
    # Next: it sees every response, so any error under /api/v1/ leaves as JSON.
    "common.api_errors.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx request whose session expired: a 401 the page shows as a banner, instead of
    # the login page swapped into the form (static/js/session.js keeps the draft).
    "common.sessions.HtmxSessionExpiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into web.lockout's 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL only, in development too: `./dev run` (and `./dev manage`, `./dev worker`)
# start an embedded server from a wheel in var/pg and set DATABASE_URL to it.
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Set it to a PostgreSQL URL "
        "(postgres://USER:PASSWORD@HOST:5432/NAME), or use ./dev run (or ./dev manage, "
        "./dev worker), which sets it up with an embedded PostgreSQL in var/pg."
    )
DATABASES = {
    "default": dj_database_url.config(
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL must be a PostgreSQL URL (postgres://...), not "
        f"{DATABASES['default']['ENGINE']}: Discretion runs on PostgreSQL only."
    )
# The owner role (README, "Database roles"): only ``manage.py migrate`` connects as it
# (audit/management/commands/migrate.py), then grants DATABASE_URL's role, the app's,
# its privileges (on the audit trail INSERT and SELECT only). Unset: one role for both.
MIGRATE_DATABASE_URL = os.environ.get("MIGRATE_DATABASE_URL", "")
MIGRATE_DATABASE: dict[str, Any] | None = (
    dict(dj_database_url.parse(MIGRATE_DATABASE_URL)) if MIGRATE_DATABASE_URL else None
)
if MIGRATE_DATABASE and MIGRATE_DATABASE["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("MIGRATE_DATABASE_URL must be a PostgreSQL URL (postgres://...).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "discretion.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The app's own page for a stale form (web/errors.py; 403, 404 and 500: config/urls.py).
CSRF_FAILURE_VIEW = "web.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Logins: lockout (django-axes) ----------------------------------------------------
# 10 failed logins for a username in 15 minutes lock it (token API, login form, admin)
# until 15 minutes after the last counted failure; web.lockout answers 429 + Retry-After.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
# The contract locks out a username, whatever the address (docs/api.md, "Authentication"):
# axes warns that IP rotation is then not limited; that is the rule we were given.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Redis: broker and cache ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and _TEST_PROCESS:
    REDIS_URL = redis_url_shifted(REDIS_URL, _TEST_PROCESS)

CACHES = cache_settings(REDIS_URL, VAR_DIR)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, VAR_DIR)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "discretion.route_escalation": {"queue": "escalations"},
    "discretion.route_limit_request": {"queue": "escalations"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "UTC")
# Publishing must not hang a request when the broker is down: the escalation row is
# already committed and the sweeper routes it once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# Celery's Django fixup closes every database connection before and after each task
# unless this is set: every routing then opened a new PostgreSQL session (a backend
# fork, authentication and cold catalog caches, about as much CPU as the routing's own
# statements; bench/README.md, "Escalation cost"). With it, the worker keeps its
# connection as a web process does: config/celery.py checks it around every task with
# close_old_connections(), so CONN_MAX_AGE, the health check and a connection left
# broken by an error still close it. The fixup's own close every 2 x this many tasks
# stays as a backstop.
CELERY_DB_REUSE_MAX = 10_000
# How often the periodic tasks run, and the beat schedule: config/schedule.py.
# --- Customer messages (the outbox, discretion/messages): config/messaging.py ---------
from config.messaging import (  # noqa: E402, F401
    CUSTOMER_FROM_EMAIL,
    DISCRETION_BASE_URL,
    DISCRETION_HELPDESK_TICKET_URL,
    DISCRETION_MESSAGE_GRACE_SECONDS,
    DISCRETION_MESSAGE_LEASE_SECONDS,
    DISCRETION_MESSAGE_MAX_ATTEMPTS,
    DISCRETION_MESSAGE_RETRY_SECONDS,
    DISCRETION_MESSAGE_SWEEP_SECONDS,
    EMAIL_HOST,
    EMAIL_HOST_PASSWORD,
    EMAIL_HOST_USER,
    EMAIL_PORT,
    EMAIL_TIMEOUT,
    EMAIL_USE_TLS,
)
from config.schedule import (  # noqa: E402, F401
    CELERY_BEAT_SCHEDULE,
    DISCRETION_FOLLOW_UP_SWEEP_SECONDS,
    DISCRETION_PROPOSE_LIMITS_SECONDS,
    DISCRETION_SWEEP_SECONDS,
)

# --- Signed webhooks (the outbox, discretion/webhooks): config/webhooks.py -----------
from config.webhooks import (  # noqa: E402, F401
    DISCRETION_WEBHOOK_ALLOW_HOSTS,
    DISCRETION_WEBHOOK_BACKOFF_MAX_SECONDS,
    DISCRETION_WEBHOOK_BACKOFF_SECONDS,
    DISCRETION_WEBHOOK_GRACE_SECONDS,
    DISCRETION_WEBHOOK_LEASE_SECONDS,
    DISCRETION_WEBHOOK_RETRY_HOURS,
    DISCRETION_WEBHOOK_SUBSCRIPTIONS_SECONDS,
    DISCRETION_WEBHOOK_SWEEP_SECONDS,
    DISCRETION_WEBHOOK_TIMEOUT_SECONDS,
)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "discretion@localhost")

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    # Token first: its WWW-Authenticate header turns "no credentials" into a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "discretion.api.authentication.Authentication",
        "rest_framework.authentication.SessionAuthentication",
        # An integration key (Bearer) anywhere but intake: 403 (discretion.api.intake_auth).
        "discretion.api.intake_auth.IntegrationKeyElsewhere",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
    # Domain errors → 400/403/404/409/422, and every error body {detail, code}.
    "EXCEPTION_HANDLER": "common.api_errors.exception_handler",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )
    REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] += [
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "Discretion API",
    "DESCRIPTION": (
        "Discretion budgets for frontline agents: requests within trust limits apply at "
        "once, requests over them go to the on-call supervisor queue. Every decision "
        "says why."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.Case.Status",
        "IncidentStatusEnum": "discretion.incidents.models.Incident.Status",
        "PolicyRuleEffectEnum": "policies.models.Effect",
        "ProblemStatusEnum": "discretion.problems.models.Problem.Status",
    },
}

# --- Discretion -----------------------------------------------------------------------
DISCRETION_CURRENCY = os.environ.get("DISCRETION_CURRENCY", "USD")
# Called by cases.services.case_create in its transaction (common.hooks): an active
# incident's matcher links the new case.
DISCRETION_CASE_CREATED_HOOKS = ["discretion.incidents.links.incident_case_created"]
try:
    DISCRETION_MAX_AMOUNT = Decimal(os.environ.get("DISCRETION_MAX_AMOUNT", "1000000.00"))
except InvalidOperation as exc:  # pragma: no cover - configuration error
    raise ImproperlyConfigured("DISCRETION_MAX_AMOUNT must be a decimal number") from exc
# The model common.idempotency keeps keys in (it imports no app; cf. AUTH_USER_MODEL).
DISCRETION_IDEMPOTENCY_MODEL = "discretion.IdempotencyKey"
DISCRETION_IDEMPOTENCY_TTL_HOURS = int(os.environ.get("DISCRETION_IDEMPOTENCY_TTL_HOURS", "48"))
# An in-flight idempotency key older than this belongs to a request whose process died.
DISCRETION_IDEMPOTENCY_STALE_SECONDS = int(
    os.environ.get("DISCRETION_IDEMPOTENCY_STALE_SECONDS", "120")
)
# Bounds on policy-rule CEL: worst-case cost, nesting, wall-clock per rule (docs/policy-rules.md).
DISCRETION_CEL_MAX_COST = int(os.environ.get("DISCRETION_CEL_MAX_COST", "10000"))
DISCRETION_CEL_MAX_NESTING = int(os.environ.get("DISCRETION_CEL_MAX_NESTING", "32"))
DISCRETION_CEL_MAX_COMPREHENSION_DEPTH = int(
    os.environ.get("DISCRETION_CEL_MAX_COMPREHENSION_DEPTH", "3")
)
DISCRETION_CEL_RULE_BUDGET_MS = float(os.environ.get("DISCRETION_CEL_RULE_BUDGET_MS", "20"))

# API tokens (django-rest-knox): stored as digests, a new one per login, expiring.
DISCRETION_TOKEN_TTL_HOURS = float(os.environ.get("DISCRETION_TOKEN_TTL_HOURS", "12"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=DISCRETION_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Logs (JSON or text, with the request id) and /metrics: config/observability.py ----
from config.observability import (  # noqa: E402, F401
    DISCRETION_LOG_FORMAT,
    DISCRETION_METRICS_ALLOW,
    LOGGING,
    PROMETHEUS_MULTIPROC_DIR,
)

# A template naming a static file that collectstatic has not seen yet falls back to the
# plain name instead of a 500.
WHITENOISE_MANIFEST_STRICT = False

# --- Security: HTTPS, headers, sessions (config/security.py) -------------------------
# Imported by name: Django reads its settings from this module's attributes.
# --- The help desk's sidebar panel (/embed/): who may frame it, its cookies -----------
from config.integrations import (  # noqa: E402, F401
    CSRF_COOKIE_SAMESITE,
    DISCRETION_EMBED_ORIGINS,
    SESSION_COOKIE_SAMESITE,
)
from config.security import (  # noqa: E402, F401
    CONTENT_SECURITY_POLICY,
    CSRF_COOKIE_SECURE,
    DISCRETION_SESSION_IDLE_HOURS,
    SECURE_HSTS_INCLUDE_SUBDOMAINS,
    SECURE_HSTS_PRELOAD,
    SECURE_HSTS_SECONDS,
    SECURE_PROXY_SSL_HEADER,
    SECURE_REDIRECT_EXEMPT,
    SECURE_SSL_REDIRECT,
    SESSION_COOKIE_AGE,
    SESSION_COOKIE_SECURE,
)

# Swagger UI and Redoc from drf-spectacular-sidecar's static files, not a CDN.
SPECTACULAR_SETTINGS.update(SWAGGER_UI_DIST="SIDECAR", SWAGGER_UI_FAVICON_HREF="SIDECAR")
SPECTACULAR_SETTINGS.update(REDOC_DIST="SIDECAR")

INSTALLED_APPS += ["csp", "drf_spectacular_sidecar"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    # After SessionMiddleware: it sees the response first (common/sessions.py).
    "common.sessions.IdleSessionMiddleware",
]
