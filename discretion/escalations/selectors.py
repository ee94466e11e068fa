"""Reads of escalations for the API: the list (by status and assignee) and one
escalation, each as the caller may see it (agents only those of their own requests),
with its joins and history loaded in two queries for any page size.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from common.roles import is_supervising
from discretion.escalations.oncall import escalation_policy_get, oncall_supervisors_at
from discretion.models import Escalation, EscalationEvent, User
from discretion.rotations.selectors import oncall_people


def escalation_list(
    *, user: User, status: str | None = None, assigned_to: int | None = None
) -> QuerySet[Escalation]:
    """Supervisors and admins see every escalation; agents only those of their requests.

    Two queries for any page size: the escalations with their joins, and their history.
    """
    qs = Escalation.objects.select_related(
        "resolution__remedy_type",
        "resolution__agent",
        "resolution__case",
        "assigned_to",
        "decided_by",
    ).prefetch_related(Prefetch("history", queryset=EscalationEvent.objects.order_by("at", "id")))
    if not is_supervising(user):
        qs = qs.filter(resolution__agent=user)
    if status:
        qs = qs.filter(status=status)
    if assigned_to is not None:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.order_by("-created_at", "-id")


def escalation_get(*, user: User, escalation_id: int) -> Escalation | None:
    return escalation_list(user=user).filter(pk=escalation_id).first()


def escalation_pending_for_case(*, user: User, case_id: int) -> Escalation | None:
    """The case's oldest pending escalation, as ``escalation_list`` shows it to ``user``
    (the case page's "decide here" panel; one query)."""
    return (
        escalation_list(user=user, status=Escalation.Status.PENDING)
        .filter(resolution__case_id=case_id)
        .order_by("created_at", "id")
        .first()
    )


def escalation_exists(*, escalation_id: int) -> bool:
    """Whether there is such an escalation at all, whoever may see it."""
    return Escalation.objects.filter(pk=escalation_id).exists()


def oncall_supervisor_get(
    *,
    level: int = 1,
    at: datetime | None = None,
    remedy_type_id: int | None = None,
    amount: Decimal | None = None,
    requester_id: int | None = None,
) -> User | None:
    """Who a new escalation at ``level`` would go to now: the least loaded person on call,
    or None when nobody is. With ``remedy_type_id`` and ``amount``, as routing picks: the
    first level from ``level`` up with someone on call whose approval_max covers it, never
    ``requester_id`` (four-eyes), or None when nobody on call may approve it (at most four
    queries)."""
    if remedy_type_id is None:
        people = oncall_supervisors_at(level=level, at=at)
        return people[0] if people else None
    levels = [int(e["level"]) for e in escalation_policy_get().levels if int(e["level"]) >= level]
    found = oncall_people(levels=levels, at=at, remedy_type_id=remedy_type_id, amount=amount)
    for here in sorted(found):
        chosen = next(
            (p.user for p in found[here] if p.may_approve and p.user.pk != requester_id), None
        )
        if chosen is not None:
            return chosen
    return None
