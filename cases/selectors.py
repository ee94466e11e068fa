"""Reads of cases and their timelines, each with the joins its callers need."""

from __future__ import annotations

from django.db.models import QuerySet

from cases.models import Case, CaseEvent
from common.errors import NotFound


def case_list() -> QuerySet[Case]:
    """Every case, newest first; one query for any number of rows (customer joined)."""
    return Case.objects.select_related("customer").order_by("-created_at", "-id")


def case_get(*, case_id: int) -> Case:
    """Raises NotFound."""
    case = Case.objects.select_related("customer").filter(pk=case_id).first()
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """Every event of the case, oldest first, with each actor joined (for actor_name)."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id")
