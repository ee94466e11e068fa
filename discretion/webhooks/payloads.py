"""The ``data`` of each event: the resolution, escalation or message as the API shows it
(ids, amounts as two-place strings with the currency, status, the case's id).

Plain functions of rows already loaded by the change being reported: they read nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from cases.models import Resolution
from common.money import money
from discretion.models import CustomerMessage, Escalation

# The event type of a just-decided resolution, by its status.
RESOLUTION_EVENT = {
    Resolution.Status.APPLIED: "resolution.applied",
    Resolution.Status.PENDING_APPROVAL: "resolution.escalated",
    Resolution.Status.REJECTED: "resolution.rejected",
}


def iso(value: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 with the deployment's offset."""
    return timezone.localtime(value).isoformat() if value else None


def resolution_data(resolution: Resolution, *, escalation: Escalation | None) -> dict[str, Any]:
    """``resolution`` has its remedy type loaded (the decision has it)."""
    stored = resolution.decision or {}
    return {
        "id": resolution.pk,
        "case": resolution.case_id,
        "agent": resolution.agent_id,
        "remedy_type": resolution.remedy_type.code,
        "amount": money(resolution.amount),
        "requested_amount": money(resolution.requested_amount),
        "currency": settings.DISCRETION_CURRENCY,
        "reason": resolution.reason,
        "status": resolution.status,
        "created_at": iso(resolution.created_at),
        "applied_at": iso(resolution.applied_at),
        "decision": {
            "outcome": stored.get("outcome"),
            "summary": stored.get("summary"),
            "checks": stored.get("checks", []),
            "rules": stored.get("rules", []),
        },
        "escalation": (
            {"id": escalation.pk, "status": escalation.status, "level": escalation.level}
            if escalation is not None
            else None
        ),
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
        "decided_at": iso(escalation.decided_at),
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
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
    }
