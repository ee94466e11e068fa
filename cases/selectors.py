"""Reads of cases and their timelines, each with the joins its callers need."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from cases.models import Case, CaseEvent, Customer, RemedyType, ticket_key
from common.errors import NotFound


def case_list() -> QuerySet[Case]:
    """Every case, newest first; one query for any number of rows (customer joined)."""
    return Case.objects.select_related("customer").order_by("-created_at", "-id")


def case_get(*, case_id: int) -> Case:
    """One case with its customer and people joined (one query). Raises NotFound."""
    case = (
        Case.objects.select_related("customer", "assignee", "created_by").filter(pk=case_id).first()
    )
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def case_by_ticket(*, source: str, external_ref: str) -> Case | None:
    """The case of a help-desk ticket (intake's key), with its customer and people joined;
    None if there is none yet. One query (the unique index on the ticket)."""
    source, external_ref = ticket_key(source, external_ref)
    if not source or not external_ref:
        return None
    return (
        Case.objects.select_related("customer", "assignee", "created_by")
        .filter(source=source, external_ref=external_ref)
        .exclude(source="")
        .first()
    )


def case_exists(*, case_id: int) -> bool:
    return Case.objects.filter(pk=case_id).exists()


def case_workspace_list(
    *, user: Any, tab: str = "mine", status: str = "", category: str = "", q: str = ""
) -> QuerySet[Case]:
    """The rows of one tab of the agent workspace; one query (customer and assignee joined).

    ``mine``: the user's cases. ``team``: unassigned cases and those of the user's team
    (or their own, without a team), open ones unless ``status`` says otherwise. ``q``
    searches subject and customer, and ``#123`` / ``123`` finds a case by number.
    """
    qs = case_list().select_related("assignee")
    if tab == "team":
        team_scope = Q(assignee__isnull=True)
        team_id = getattr(user, "team_id", None)
        if team_id:
            team_scope |= Q(assignee__team_id=team_id)
        else:
            team_scope |= Q(assignee=user)
        qs = qs.filter(team_scope)
        if not status:
            qs = qs.filter(status=Case.Status.OPEN)
    else:
        qs = qs.filter(assignee=user)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if q:
        search = Q(subject__icontains=q) | Q(customer__name__icontains=q)
        search |= Q(customer__external_id__icontains=q) | Q(customer__email__icontains=q)
        if q.lstrip("#").isdigit() and len(q) < 12:
            search |= Q(pk=int(q.lstrip("#")))
        qs = qs.filter(search)
    return qs


def case_search_list(*, q: str) -> QuerySet[Case]:
    """Every case matching ``q``, whatever the tab or filters: subject, the customer's
    name, e-mail or external id, the help-desk ``external_ref``, or the case number
    (``#123`` / ``123``). Newest first; one query (customer and assignee joined).

    Plain ``icontains`` (``UPPER(x) LIKE UPPER('%q%')``), no trigram index: the scan walks
    the ``created_at`` index newest first and stops at the caller's slice (a page), so
    a common word costs a page of rows, and a number hits the primary key. A rare word
    reads the table, which at the tens of thousands of cases a team has is milliseconds.
    """
    q = q.strip()
    search = Q(subject__icontains=q) | Q(customer__name__icontains=q)
    search |= Q(customer__external_id__icontains=q) | Q(customer__email__icontains=q)
    search |= Q(external_ref__icontains=q)
    number = q.lstrip("#")
    if number.isdigit() and len(number) < 12:
        search |= Q(pk=int(number))
    return case_list().select_related("assignee").filter(search)


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """Every event of the case, oldest first, with each actor joined (for actor_name)."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")


def customer_exists(*, external_id: str) -> bool:
    return Customer.objects.filter(external_id=external_id).exists()


def assignee_list() -> QuerySet[Any]:
    """Who a case may be assigned to: active users (for the API's assignee field)."""
    return get_user_model().objects.filter(is_active=True)


def remedy_type_list(*, enabled: bool | None = None) -> QuerySet[RemedyType]:
    """Remedy types in display order (sort order, then code)."""
    qs = RemedyType.objects.order_by("sort_order", "code")
    if enabled is not None:
        qs = qs.filter(enabled=enabled)
    return qs


def remedy_type_get(*, code: str, enabled: bool | None = None) -> RemedyType:
    """Raises RemedyType.DoesNotExist (also for a disabled one when ``enabled=True``)."""
    return remedy_type_list(enabled=enabled).get(code=code)
