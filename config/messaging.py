"""Settings of customer messages (discretion/messages) and the SMTP server they go through.

Read from the environment (README, "Configuration"); ``config/settings.py`` imports them
by name.
"""

from __future__ import annotations

import os

from config.env import env_bool

# The SMTP server of EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
# The sender of messages to customers (their replies go here).
CUSTOMER_FROM_EMAIL = os.environ.get("CUSTOMER_FROM_EMAIL") or os.environ.get(
    "DEFAULT_FROM_EMAIL", "discretion@localhost"
)

# --- Customer messages (the outbox, discretion/messages; docs/concurrency.md) ---------
# How often beat re-enqueues queued messages whose task was lost, whose worker died
# (past its lease) or whose backoff after an SMTP failure is over.
DISCRETION_MESSAGE_SWEEP_SECONDS = float(os.environ.get("DISCRETION_MESSAGE_SWEEP_SECONDS", "5"))
# SMTP attempts before a message is `failed` (and its sender told).
DISCRETION_MESSAGE_MAX_ATTEMPTS = int(os.environ.get("DISCRETION_MESSAGE_MAX_ATTEMPTS", "5"))
# The first retry waits this long, each next one twice as long (capped at an hour).
DISCRETION_MESSAGE_RETRY_SECONDS = float(os.environ.get("DISCRETION_MESSAGE_RETRY_SECONDS", "30"))
# How long a worker holds a message it is sending; past it (the worker died) another
# may claim it. Must exceed EMAIL_TIMEOUT, so a slow send is never claimed twice.
DISCRETION_MESSAGE_LEASE_SECONDS = float(os.environ.get("DISCRETION_MESSAGE_LEASE_SECONDS", "120"))
# A queued message whose task has not claimed it this long after queueing is re-enqueued.
DISCRETION_MESSAGE_GRACE_SECONDS = float(os.environ.get("DISCRETION_MESSAGE_GRACE_SECONDS", "10"))
# A link to the case's ticket in the help desk, from the case's external_ref, e.g.
# https://acme.zendesk.com/agent/tickets/{ref}; empty: no link.
DISCRETION_HELPDESK_TICKET_URL = os.environ.get("DISCRETION_HELPDESK_TICKET_URL", "")
# Where people open the app: e-mails make their links absolute with it (no trailing /).
DISCRETION_BASE_URL = os.environ.get("DISCRETION_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
