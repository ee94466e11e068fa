"""Reads of escalations for the API: the list (by status and assignee) and one
escalation, each as the caller may see it (agents only those of their own requests),
with its joins and history loaded in two queries for any page size.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from discretion.models import Escalation, EscalationEvent, Role, User


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
    role = "admin" if user.is_superuser else user.role
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        qs = qs.filter(resolution__agent=user)
    if status:
        qs = qs.filter(status=status)
    if assigned_to is not None:
        qs = qs.filter(assigned_to_id=assigned_to)
    return qs.order_by("-created_at", "-id")


def escalation_get(*, user: User, escalation_id: int) -> Escalation | None:
    return escalation_list(user=user).filter(pk=escalation_id).first()
