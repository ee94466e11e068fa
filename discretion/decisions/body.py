"""The resolution as the API shows it: one builder for ``GET /api/v1/resolutions/{id}/``
and every other resolution body of the API (``discretion.api.resolutions``) and for the
``data`` of the ``resolution.*`` webhook events (``discretion.webhooks``), so a receiver
reads the same object as a client that fetches it.

A plain function of rows already loaded (the decision path has them): it reads nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cases.models import Resolution
from common.money import money
from common.times import iso_time
from discretion.models import Escalation

# The summary another agent reads instead of the one that names the requester's limits.
OUTCOME_SUMMARIES = {
    "apply": "Applied within the requester's limits.",
    "escalate": "Went to a supervisor for approval.",
    "reject": "Not allowed by a policy rule.",
}


def resolution_body(
    resolution: Resolution, *, escalation: Escalation | None, full: bool = True
) -> dict[str, Any]:
    """``resolution`` with its remedy type loaded; ``escalation`` its escalation or None.

    ``full`` False (another agent reads it: ``rules.resolution_details_visible``): the
    decision's checks are left out, its summary is the outcome only and the escalation is
    ``{id, status}``: no one else's limits, usage or assignee (CONTRACT.md, "Agents see
    what they need"). Webhook events are the full body (an admin's endpoint)."""
    stored = resolution.decision or {}
    body: dict[str, Any] = {
        "id": resolution.pk,
        "case": resolution.case_id,
        "agent": resolution.agent_id,
        "remedy_type": resolution.remedy_type.code,
        "amount": money(resolution.amount),
        "requested_amount": money(resolution.requested_amount),
        "currency": settings.DISCRETION_CURRENCY,
        "reason": resolution.reason,
        "customer_message": resolution.customer_message,
        "status": resolution.status,
        "created_at": iso_time(resolution.created_at),
        "applied_at": iso_time(resolution.applied_at),
        "decision": {
            "outcome": stored.get("outcome"),
            "summary": stored.get("summary"),
            "checks": stored.get("checks", []),
            "rules": stored.get("rules", []),
            "repeat_of": stored.get("repeat_of"),
        },
        "escalation": (
            {
                "id": escalation.pk,
                "status": escalation.status,
                "level": escalation.level,
                "assigned_to": escalation.assigned_to_id,
                "due_at": iso_time(escalation.due_at),
            }
            if escalation
            else None
        ),
    }
    if not full:
        # The summary names limits and headroom too: another agent gets the outcome only.
        body["decision"]["summary"] = OUTCOME_SUMMARIES.get(str(stored.get("outcome")), "")
        body["decision"]["checks"] = []
        if escalation:
            body["escalation"] = {"id": escalation.pk, "status": escalation.status}
    return body
