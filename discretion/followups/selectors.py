"""Reads of follow-ups: the API list, My follow-ups, the case page, the nav count.

Who sees what (docs/api.md, "Follow-ups"): supervisors and admins see every follow-up;
an agent sees the ones assigned to them, the ones they created and the ones on cases
assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.errors import NotFound
from common.roles import is_supervising
from discretion.followups.models import FollowUp
from discretion.models import User

FILTER_STATUSES = ("open", "done", "overdue")
BIGINT_MAX = 2**63 - 1  # a larger id in a path is the id of nothing, not a database error


def _visible(user: User | None) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.all()
    if user is None:  # nobody (the schema generator's fake request) sees nothing
        return qs.none()
    if is_supervising(user):
        return qs
    return qs.filter(Q(assigned_to=user) | Q(created_by=user) | Q(case__assignee=user))


def follow_up_list(
    *,
    user: User | None,
    status: str | None = None,
    assigned_to_id: int | None = None,
    case_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[FollowUp]:
    """Follow-ups ``user`` may see, soonest due first (one query, case and people joined).

    ``status`` ``overdue`` means open with ``due_at`` before ``now``.
    """
    qs = _visible(user).select_related("case", "assigned_to", "created_by")
    if status == "overdue":
        qs = qs.filter(status=FollowUp.Status.OPEN, due_at__lt=now or timezone.now())
    elif status:
        qs = qs.filter(status=status)
    if assigned_to_id is not None:
        qs = qs.filter(assigned_to_id=assigned_to_id)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    return qs.order_by("due_at", "id")


def follow_up_get(*, user: User, follow_up_id: int) -> FollowUp:
    """One follow-up ``user`` may see. Raises NotFound (also for one they may not see)."""
    if not 0 < follow_up_id <= BIGINT_MAX:
        raise NotFound(f"There is no follow-up {follow_up_id}.")
    follow_up = (
        _visible(user)
        .select_related("case", "assigned_to", "created_by")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        raise NotFound(f"There is no follow-up {follow_up_id}.")
    return follow_up


def follow_up_due_count(*, user: User, now: datetime | None = None) -> int:
    """For the nav link: the user's own open follow-ups due by the end of today (so due
    today and overdue). One COUNT query."""
    return FollowUp.objects.filter(
        assigned_to=user, status=FollowUp.Status.OPEN, due_at__lt=_end_of_today(now)
    ).count()


def _end_of_today(now: datetime | None) -> datetime:
    today = timezone.localdate(now or timezone.now())
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time())
    return timezone.make_aware(midnight, timezone.get_current_timezone())


@dataclass
class MyFollowUps:
    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    upcoming: list[FollowUp] = field(default_factory=list)
    done: list[FollowUp] = field(default_factory=list)


DONE_SHOWN = 50


def my_follow_ups_get(*, user: User, now: datetime | None = None) -> MyFollowUps:
    """My follow-ups page: the user's own, grouped (two queries: open, the last done)."""
    now = now or timezone.now()
    end_of_today = _end_of_today(now)
    mine = FollowUp.objects.filter(assigned_to=user).select_related("case")
    groups = MyFollowUps()
    for follow_up in mine.filter(status=FollowUp.Status.OPEN).order_by("due_at", "id"):
        if follow_up.due_at < now:
            groups.overdue.append(follow_up)
        elif follow_up.due_at < end_of_today:
            groups.due_today.append(follow_up)
        else:
            groups.upcoming.append(follow_up)
    groups.done = list(
        mine.filter(status=FollowUp.Status.DONE).order_by("-done_at", "-id")[:DONE_SHOWN]
    )
    return groups


def follow_up_due_ids(*, now: datetime, limit: int = 200) -> list[int]:
    """Open follow-ups due by ``now`` whose assignee was not yet notified (the sweeper)."""
    return list(
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN, notified_at__isnull=True, due_at__lte=now
        )
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )
