"""The ``data`` of each event: the resolution exactly as ``GET /api/v1/resolutions/{id}/``
shows it to an admin (``discretion.decisions.body``, the API's own builder), the decided
escalation with its amount, the sent message (ids, amounts as two-place strings with the
currency, times as the API writes them).

Plain functions of rows already loaded by the change being reported: they read nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cases.models import Resolution
from common.money import money
from common.times import iso_time
from discretion.models import CustomerMessage, Escalation

# The event type of a just-decided resolution, by its status.
RESOLUTION_EVENT = {
    Resolution.Status.APPLIED: "resolution.applied",
    Resolution.Status.PENDING_APPROVAL: "resolution.escalated",
    Resolution.Status.REJECTED: "resolution.rejected",
}


def escalation_data(escalation: Escalation, *, resolution: Resolution) -> dict[str, Any]:
    """A decided escalation and its resolution (the decided amount)."""
    return {
        "id": escalation.pk,
        "resolution": resolution.pk,
        "case": resolution.case_id,
        "status": escalation.status,
        "level": escalation.level,
        "assigned_to": escalation.assigned_to_id,
        "decided_by": escalation.decided_by_id,
        "decided_at": iso_time(escalation.decided_at),
        "decision_note": escalation.decision_note,
        "remedy_type": resolution.remedy_type.code,
        "amount": money(resolution.amount),
        "requested_amount": money(resolution.requested_amount),
        "currency": settings.DISCRETION_CURRENCY,
        "resolution_status": resolution.status,
    }


def message_data(message: CustomerMessage) -> dict[str, Any]:
    """A sent message (its body too: the help desk may file it on the ticket)."""
    return {
        "id": message.pk,
        "case": message.case_id,
        "resolution": message.resolution_id,
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "status": message.status,
        "message_id": message.message_id,
        "created_at": iso_time(message.created_at),
        "sent_at": iso_time(message.sent_at),
    }
