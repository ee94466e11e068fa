"""The gauges read from the database at each scrape: add one here (a selector in
``selectors.py`` and a row below) and ``/metrics`` shows it. Each costs one query per
scrape (``tests/metrics`` counts them).

To add (other rooms): the webhook outbox backlog (deliveries due and not yet delivered).
"""

from __future__ import annotations

from common.metrics import GaugeQuery
from discretion.metrics.selectors import (
    customer_messages_backlog,
    escalations_overdue_count,
    escalations_pending_count,
    limit_requests_pending_count,
)

GAUGES: list[GaugeQuery] = [
    GaugeQuery(
        "discretion_escalations_pending",
        "Escalations waiting for a supervisor's decision.",
        escalations_pending_count,
    ),
    GaugeQuery(
        "discretion_escalations_overdue",
        "Pending escalations past the due time of their level.",
        escalations_overdue_count,
    ),
    GaugeQuery(
        "discretion_limit_requests_pending",
        "Requests for a temporary raise waiting for a supervisor.",
        limit_requests_pending_count,
    ),
    GaugeQuery(
        "discretion_customer_messages",
        "Customer messages in the outbox by status: queued (to send) and failed (given up).",
        customer_messages_backlog,
        label="status",
    ),
]
