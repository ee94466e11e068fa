"""Reads of temporary raises: the API's list and detail, the agent's own list, the
supervisor queue's cards and the requester's 90-day record on them. Each with the joins
it needs (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from common.roles import is_supervising
from discretion.models import LimitRequest, User
from discretion.raises.wording import raise_phrase, until_phrase

STATUSES = [choice for choice, _ in LimitRequest.Status.choices]
RECORD_DAYS = 90


def _status_q(status: str, now: datetime) -> Q:
    """A status as the API shows it (``LimitRequest.status_now``): a pending or approved
    request past ``expires_at`` is expired even before the sweeper flips it."""
    live = (LimitRequest.Status.PENDING, LimitRequest.Status.APPROVED)
    if status in live:
        return Q(status=status, expires_at__gt=now)
    if status == LimitRequest.Status.EXPIRED:
        return Q(status=status) | Q(status__in=live, expires_at__lte=now)
    return Q(status=status)


def limit_request_list(
    *, user: User, status: str | None = None, requester_id: int | None = None
) -> QuerySet[LimitRequest]:
    """Newest first, with requester, remedy, assignee and decider joined (one query).
    Agents see only their own; supervisors and admins everyone's."""
    qs = LimitRequest.objects.select_related(
        "requester", "remedy_type", "assigned_to", "decided_by"
    ).order_by("-created_at", "-id")
    if not is_supervising(user):
        qs = qs.filter(requester_id=user.pk)
    if requester_id is not None:
        qs = qs.filter(requester_id=requester_id)
    if status is not None:
        qs = qs.filter(_status_q(status, timezone.now()))
    return qs


def limit_request_get(*, user: User, limit_request_id: int) -> LimitRequest | None:
    """One request the user may see (None: none, or another agent's)."""
    return limit_request_list(user=user).filter(pk=limit_request_id).first()


@dataclass(frozen=True)
class RaiseRecord:
    """What a requester asked for and was granted in the last ``RECORD_DAYS`` days."""

    requests: int = 0
    approvals: int = 0


def raise_record_for(*, user_ids: list[int], now: datetime | None = None) -> dict[int, RaiseRecord]:
    """Requests and approvals of each user in the last 90 days (one aggregate query).
    An approval that has since expired still counts as one."""
    if not user_ids:
        return {}
    since = (now or timezone.now()) - timedelta(days=RECORD_DAYS)
    rows = (
        LimitRequest.objects.filter(requester_id__in=user_ids, created_at__gte=since)
        .values("requester_id")
        .annotate(
            requests=Count("id"),
            approvals=Count("id", filter=Q(decided_by__isnull=False) & ~Q(status="denied")),
        )
    )
    return {
        row["requester_id"]: RaiseRecord(requests=row["requests"], approvals=row["approvals"])
        for row in rows
    }


@dataclass(frozen=True)
class RaiseCard:
    """One pending request as the supervisor queue shows it."""

    request: LimitRequest
    headline: str
    until: str
    mine: bool
    record: RaiseRecord
    can_decide: bool
    cannot_decide_why: str


def raise_queue(*, user: User, now: datetime | None = None) -> list[RaiseCard]:
    """Pending, unexpired requests, the ones assigned to ``user`` first, then oldest
    first, each with its requester's 90-day record. Two queries."""
    now = now or timezone.now()
    pending = list(
        limit_request_list(user=user)
        .filter(_status_q(LimitRequest.Status.PENDING, now))
        .order_by("created_at", "id")
    )
    records = raise_record_for(user_ids=sorted({r.requester_id for r in pending}), now=now)
    cards = []
    for request in pending:
        own = request.requester_id == user.pk
        cards.append(
            RaiseCard(
                request=request,
                headline=f"{request.requester.label} asks: {raise_phrase(request)}",
                until=until_phrase(request.expires_at),
                mine=request.assigned_to_id == user.pk,
                record=records.get(request.requester_id, RaiseRecord()),
                can_decide=is_supervising(user) and not own,
                cannot_decide_why=(
                    "You asked for this raise: another supervisor must decide it." if own else ""
                ),
            )
        )
    cards.sort(key=lambda card: not card.mine)
    return cards
