"""The periodic tasks (`celery -A config worker -B` or a separate `celery -A config beat`
runs them) and how often, from the environment. Imported by name in config/settings.py."""

import os

from config.messaging import DISCRETION_MESSAGE_SWEEP_SECONDS
from config.webhooks import DISCRETION_WEBHOOK_SWEEP_SECONDS

DISCRETION_SWEEP_SECONDS = float(os.environ.get("DISCRETION_SWEEP_SECONDS", "2"))
# The limit proposer (discretion.proposals): daily by default.
DISCRETION_PROPOSE_LIMITS_SECONDS = float(
    os.environ.get("DISCRETION_PROPOSE_LIMITS_SECONDS", "86400")
)
# Due follow-ups are notified within a minute (contract: "within a minute").
DISCRETION_FOLLOW_UP_SWEEP_SECONDS = float(
    os.environ.get("DISCRETION_FOLLOW_UP_SWEEP_SECONDS", "30")
)
# Incidents end by themselves at ends_at (the decision already treats them as over then).
DISCRETION_INCIDENT_SWEEP_SECONDS = float(os.environ.get("DISCRETION_INCIDENT_SWEEP_SECONDS", "30"))
# `celery -A config worker -B` (or a separate `celery -A config beat`) runs these.
CELERY_BEAT_SCHEDULE = {
    "discretion-sweep-escalations": {
        "task": "discretion.sweep_escalations",
        "schedule": DISCRETION_SWEEP_SECONDS,
        # A sweep that could not run before the next one is useless: drop it. Its own
        # queue, so a backlog of e-mails never delays a move up the levels.
        "options": {"queue": "escalations", "expires": max(DISCRETION_SWEEP_SECONDS * 2, 1.0)},
    },
    # Temporary raises: routed like escalations; lapsed ones flipped to expired.
    "discretion-sweep-limit-requests": {
        "task": "discretion.sweep_limit_requests",
        "schedule": DISCRETION_SWEEP_SECONDS,
        "options": {"queue": "escalations", "expires": max(DISCRETION_SWEEP_SECONDS * 2, 1.0)},
    },
    "discretion-notify-due-follow-ups": {
        "task": "discretion.notify_due_follow_ups",
        "schedule": DISCRETION_FOLLOW_UP_SWEEP_SECONDS,
        "options": {"expires": max(DISCRETION_FOLLOW_UP_SWEEP_SECONDS * 2, 1.0)},
    },
    "discretion-redeliver-notifications": {
        "task": "discretion.redeliver_notifications",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # The weekly kudos digest: tried every hour, sent once per ISO week and team (its
    # dedupe key), so a beat that was down on Monday still sends it when it is back.
    "discretion-recognition-digest": {
        "task": "discretion.recognition_digest",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    "discretion-propose-limits": {
        "task": "discretion.propose_limits",
        "schedule": DISCRETION_PROPOSE_LIMITS_SECONDS,
        "options": {"expires": DISCRETION_PROPOSE_LIMITS_SECONDS},
    },
}
CELERY_BEAT_SCHEDULE["discretion-sweep-customer-messages"] = {
    "task": "discretion.sweep_customer_messages",
    "schedule": DISCRETION_MESSAGE_SWEEP_SECONDS,
    "options": {"expires": max(DISCRETION_MESSAGE_SWEEP_SECONDS * 2, 1.0)},
}
# Webhook deliveries whose task was lost, whose worker died or whose backoff is over.
CELERY_BEAT_SCHEDULE["discretion-sweep-webhook-deliveries"] = {
    "task": "discretion.sweep_webhook_deliveries",
    "schedule": DISCRETION_WEBHOOK_SWEEP_SECONDS,
    "options": {"expires": max(DISCRETION_WEBHOOK_SWEEP_SECONDS * 2, 1.0)},
}
CELERY_BEAT_SCHEDULE["discretion-end-incidents"] = {
    "task": "discretion.end_incidents",
    "schedule": DISCRETION_INCIDENT_SWEEP_SECONDS,
    "options": {"expires": max(DISCRETION_INCIDENT_SWEEP_SECONDS * 2, 1.0)},
}
