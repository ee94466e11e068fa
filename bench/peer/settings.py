"""The peer's Django project: django-helpdesk 2.6 as its documentation sets it up, in the
production shape of the benchmark (DEBUG off, persistent connections, its own database).

Run only by bench/peer.py, under bench/.peer-venv. Environment: PEER_DATABASE_URL.
"""

import os
from urllib.parse import urlparse

_db = urlparse(
    os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/disc_bench_helpdesk")
)

DEBUG = False
SECRET_KEY = "bench-peer-secret-key-not-for-production-0123456789abcdef"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Same as Discretion's bench: PostgreSQL on loopback, CONN_MAX_AGE=60, health checks on.
# Autocommit (Django's default, and helpdesk does not set ATOMIC_REQUESTS).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Database-backed sessions: Django's default, and what helpdesk's docs leave in place.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# helpdesk sends its notification e-mails inside the request (ticket.send() from
# update_ticket). Discretion's bench runs with Django's console backend (its settings'
# default), so the peer does the same: every message is rendered and written to stdout
# (gunicorn's log), the same cost on both sides.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"

# No pinax-teams (an optional extra): the knowledge base's teams are off.
HELPDESK_TEAMS_MODE_ENABLED = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
