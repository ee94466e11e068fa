"""Reads of resolutions (the records of remedy requests), with their escalation joined."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Resolution
from discretion.models import Escalation


def resolution_list(
    *, case_id: int | None = None, agent_id: int | None = None, status: str | None = None
) -> QuerySet[Resolution]:
    """Resolutions newest first, with remedy type and escalation joined (one query a page):
    what the API's resolution body reads."""
    qs = Resolution.objects.select_related("remedy_type", "escalation").order_by(
        "-created_at", "-id"
    )
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def resolution_get(*, resolution_id: int) -> Resolution:
    """Raises Resolution.DoesNotExist."""
    return resolution_list().get(pk=resolution_id)


def _with_escalation(resolution: Resolution) -> Resolution:
    # Templates cannot catch RelatedObjectDoesNotExist: give them None instead.
    try:
        resolution.escalation_or_none = resolution.escalation  # type: ignore[attr-defined]
    except Escalation.DoesNotExist:
        resolution.escalation_or_none = None  # type: ignore[attr-defined]
    return resolution


def _outcomes() -> QuerySet[Resolution]:
    return Resolution.objects.select_related(
        "remedy_type", "agent", "escalation__assigned_to", "escalation__decided_by"
    ).order_by("-created_at", "-id")


def case_outcome_list(*, case_id: int, limit: int = 20) -> list[Resolution]:
    """A case's latest resolutions as the case page shows them: remedy, agent, escalation
    and its people joined, ``escalation_or_none`` set. One query."""
    return [_with_escalation(r) for r in _outcomes().filter(case_id=case_id)[:limit]]


def case_outcome_get(*, case_id: int, resolution_id: int) -> Resolution:
    """One resolution of a case, joined like ``case_outcome_list``. Raises
    Resolution.DoesNotExist (also when it belongs to another case)."""
    return _with_escalation(_outcomes().get(case_id=case_id, pk=resolution_id))


def customer_history_list(
    *, customer_id: int, exclude_case_id: int, limit: int = 8
) -> list[Resolution]:
    """The customer's latest resolutions on their other cases (one query)."""
    return list(
        Resolution.objects.filter(case__customer_id=customer_id)
        .exclude(case_id=exclude_case_id)
        .select_related("remedy_type", "case")
        .order_by("-created_at", "-id")[:limit]
    )
