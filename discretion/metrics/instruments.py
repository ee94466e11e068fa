"""Counters and histograms of the decision path, written by the process that decides.

In multiprocess mode (``config/observability.py``) each process writes its own file and
a scrape sums them. Callers (the API view and the case page's resolve form) time the
request path and call ``decision_observe`` once per decision actually made (not for an
idempotent replay, nor a request refused before the engine ran).
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

# The engine's outcome → the metric's label.
OUTCOME_LABELS = {"apply": "applied", "escalate": "escalated", "reject": "rejected"}

DECISIONS = Counter(
    "discretion_decisions",
    "Decisions on remedy requests, by outcome.",
    ["outcome", "channel"],
)
DECISION_SECONDS = Histogram(
    "discretion_decision_seconds",
    "Time of the resolution request path, from the validated request to the decision.",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0),
)
# Every outcome has a series from the start (rate() of a missing series is no data).
CHANNELS = ("api", "web")
for _channel in CHANNELS:
    for _label in OUTCOME_LABELS.values():
        DECISIONS.labels(outcome=_label, channel=_channel)
    DECISION_SECONDS.labels(channel=_channel)


def decision_started() -> float:
    return time.perf_counter()


def decision_observe(*, outcome: str, started: float, channel: str = "api") -> None:
    """Count one decision (``outcome`` as the engine says it: apply, escalate, reject)
    and its time since ``started`` (``decision_started()``)."""
    DECISIONS.labels(outcome=OUTCOME_LABELS.get(outcome, outcome), channel=channel).inc()
    DECISION_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)
