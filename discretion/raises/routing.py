"""Routing temporary raises "the same way" as escalations: to the on-call chain, level 1
first, moved up when a level times out, overdue past the last one; planned by the
escalations' own ``move_plan`` (the on-call selection, timeouts and four-eyes rule are
theirs), written here with the same version-guarded conditional UPDATE.

Who "may approve" a raise: the contract lets any supervisor or admin other than the
requester decide one (no approval_max is asked of them, ``limit_request_decide``), so
routing asks the same of whoever it picks: ``move_plan`` gets no ``approval`` here, and
nobody on call is passed over for their approval_max. (An escalation's approval_max rule
is about granting that money; a raise grants no money of the approver's.)

The sweeper also flips pending and approved requests past ``expires_at`` to ``expired``.
That flip is cosmetic: the effective limit compares ``expires_at`` with now itself.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from common.times import local_time_phrase
from discretion.escalations.plan import Move, _admins, move_plan
from discretion.escalations.wording import _label
from discretion.models import LimitRequest
from discretion.notifications.services import notification_create
from discretion.raises.services import QUEUE_LINK
from discretion.raises.wording import raise_phrase, until_phrase
from discretion.rotations.selectors import oncall_anyone_maybe

logger = logging.getLogger(__name__)


def _apply(request: LimitRequest, move: Move) -> bool:
    """Write ``move`` if nobody moved or decided the request since it was read."""
    # The one guard against double moves: a conditional UPDATE on version and status.
    hit = LimitRequest.objects.filter(
        pk=request.pk, version=request.version, status=LimitRequest.Status.PENDING
    ).update(version=F("version") + 1, **move.changes)
    if not hit:
        return False
    new_version = request.version + 1
    for name, value in move.changes.items():
        setattr(request, name, value)
    request.version = new_version
    what = f"{_label(request.requester)} asks: {raise_phrase(request)}"
    until = until_phrase(request.expires_at)
    if move.assignee is not None:
        due = request.due_at
        notification_create(
            recipient=move.assignee,
            kind="limit_request_assigned",
            title=f"Approval needed: {what} until {until}",
            body=(
                f"{what} until {until}. Their reason: “{request.reason}”\n"
                f"You are on call at level {request.level}: please decide "
                + (f"by {local_time_phrase(due)}." if due else "soon.")
            ),
            link=QUEUE_LINK,
            dedupe_key=f"lr{request.pk}:v{new_version}:assigned",
        )
    if move.overdue:
        for admin in _admins():
            notification_create(
                recipient=admin,
                kind="limit_request_overdue",
                title=f"Overdue: {what} is waiting for a decision",
                body=(
                    f"Limit request #{request.pk} went past the last level of the "
                    "escalation policy without a decision."
                ),
                link=QUEUE_LINK,
                dedupe_key=f"lr{request.pk}:overdue",
            )
    return True


def _for_move() -> QuerySet[LimitRequest]:
    return LimitRequest.objects.select_related("requester", "remedy_type", "assigned_to")


def limit_request_route(*, limit_request_id: int, now: datetime | None = None) -> bool:
    """Route an unrouted request, or move a past-due one. Idempotent; True if moved.
    A request past ``expires_at`` is left to the sweeper's expiry."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            _for_move()
            .filter(pk=limit_request_id, status=LimitRequest.Status.PENDING, expires_at__gt=now)
            .first()
        )
        if request is None:
            return False
        move = move_plan(request, requester_id=request.requester_id, now=now)
        return move is not None and _apply(request, move)


def limit_requests_expire(*, now: datetime | None = None) -> int:
    """Flip pending and approved requests past ``expires_at`` to expired (how many)."""
    # One conditional UPDATE; a decision holding a row makes it wait, then re-check.
    return LimitRequest.objects.filter(
        status__in=[LimitRequest.Status.PENDING, LimitRequest.Status.APPROVED],
        expires_at__lte=now or timezone.now(),
    ).update(status=LimitRequest.Status.EXPIRED, version=F("version") + 1)


def limit_request_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Expire what lapsed, then move every pending request that is unrouted or past due
    (FOR UPDATE SKIP LOCKED, as the escalation sweeper). Returns how many moved."""
    now = now or timezone.now()
    limit_requests_expire(now=now)
    moved = 0
    with transaction.atomic():
        due = Q(routed_at__isnull=True) | Q(due_at__lte=now, overdue=False)
        if oncall_anyone_maybe(at=now):
            due |= Q(overdue=True, assigned_to__isnull=True)
        ids = list(
            LimitRequest.objects.select_for_update(skip_locked=True, no_key=True)
            .filter(due, status=LimitRequest.Status.PENDING, expires_at__gt=now)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        for request in _for_move().filter(pk__in=ids).order_by("id"):
            try:
                with transaction.atomic():  # a savepoint: one bad row does not stop the rest
                    move = move_plan(request, requester_id=request.requester_id, now=now)
                    if move is not None and _apply(request, move):
                        moved += 1
            except OperationalError:
                raise
            except Exception:
                logger.exception("sweep could not move limit request %s", request.pk)
    return moved
