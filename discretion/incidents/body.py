"""The incident as the API shows it: one builder for ``GET /api/v1/incidents/{id}/`` (and
every other incident body of the API, ``discretion.api.incidents``) and for the ``data``
of the ``incident.started`` / ``incident.ended`` webhook events.

A plain function of the row, its schedule (``remedies``, prefetched or read here) and
its count of linked cases.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from common.money import money
from common.times import iso_time
from discretion.incidents.models import Incident


def incident_body(incident: Incident, *, cases_count: int) -> dict[str, Any]:
    """``{id, title, status, customer_explanation, starts_at, ends_at, budget, spent,
    remedies, cases_count, created_by}`` (the contract's), plus ``left``, ``currency``,
    ``created_at``, ``matcher``, ``ended_at`` and ``ended_by``. ``status`` is as of now:
    active past ``ends_at`` reads ``ended`` before the sweeper has flipped it."""
    return {
        "id": incident.pk,
        "title": incident.title,
        "status": incident.status_now(),
        "customer_explanation": incident.customer_explanation,
        "starts_at": iso_time(incident.starts_at),
        "ends_at": iso_time(incident.ends_at),
        "budget": money(incident.budget),
        "spent": money(incident.spent),
        "left": money(incident.left),
        "currency": settings.DISCRETION_CURRENCY,
        "remedies": [
            {"remedy_type": row.remedy_type.code, "per_remedy_max": money(row.per_remedy_max)}
            for row in incident.remedies.all()
        ],
        "cases_count": cases_count,
        "created_by": incident.created_by_id,
        "created_at": iso_time(incident.created_at),
        "matcher": incident.matcher,
        "ended_at": iso_time(incident.ended_at),
        "ended_by": incident.ended_by_id,
    }
