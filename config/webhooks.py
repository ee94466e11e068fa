"""Settings of signed webhooks (discretion/webhooks): who may be called, how long an
attempt may take, and how failed deliveries are retried.

Read from the environment (README, "Configuration"); ``config/settings.py`` imports them
by name.
"""

from __future__ import annotations

import os

from config.env import env_list

# Hosts an endpoint may name even though they resolve to a loopback, private or
# link-local address (an internal receiver, a test server): comma-separated, exact
# host names or addresses as written in the URL. Empty: none.
DISCRETION_WEBHOOK_ALLOW_HOSTS = [
    host.lower() for host in env_list("DISCRETION_WEBHOOK_ALLOW_HOSTS", "")
]
# Seconds one POST may take (connect and read) before it counts as no answer.
DISCRETION_WEBHOOK_TIMEOUT_SECONDS = float(
    os.environ.get("DISCRETION_WEBHOOK_TIMEOUT_SECONDS", "10")
)
# The first retry waits about this long (with jitter, between half and all of it), each
# next one twice as long, never more than the maximum.
DISCRETION_WEBHOOK_BACKOFF_SECONDS = float(
    os.environ.get("DISCRETION_WEBHOOK_BACKOFF_SECONDS", "30")
)
DISCRETION_WEBHOOK_BACKOFF_MAX_SECONDS = float(
    os.environ.get("DISCRETION_WEBHOOK_BACKOFF_MAX_SECONDS", "3600")
)
# A delivery is retried until this long after its event (or its resend), then `failed`.
DISCRETION_WEBHOOK_RETRY_HOURS = float(os.environ.get("DISCRETION_WEBHOOK_RETRY_HOURS", "25"))
# How long a worker holds a delivery it is attempting; past it (the worker died) the
# sweeper gives it to another. Must exceed the timeout, so a slow attempt is not doubled.
DISCRETION_WEBHOOK_LEASE_SECONDS = float(os.environ.get("DISCRETION_WEBHOOK_LEASE_SECONDS", "90"))
# How often beat re-enqueues due deliveries (lost tasks, dead workers, backoffs over).
DISCRETION_WEBHOOK_SWEEP_SECONDS = float(os.environ.get("DISCRETION_WEBHOOK_SWEEP_SECONDS", "5"))
# How long a process trusts its list of subscribed event types before reading it again;
# it only decides whether a change enqueues a task at once (the rows are always written,
# and the sweeper sends what no task was enqueued for).
DISCRETION_WEBHOOK_SUBSCRIPTIONS_SECONDS = float(
    os.environ.get("DISCRETION_WEBHOOK_SUBSCRIPTIONS_SECONDS", "5")
)
# A delivery whose task has not claimed it this long after it was written is re-enqueued.
DISCRETION_WEBHOOK_GRACE_SECONDS = float(os.environ.get("DISCRETION_WEBHOOK_GRACE_SECONDS", "10"))
