"""A repeat of the same remedy on the same case within minutes: another tab, a double send.

Never blocks: the preview warns the agent, the decision records it (``repeat_of`` in the
resolution's decision) and the supervisor's card says "repeat of #N". A rejected or
withdrawn request granted nothing and is no repeat to warn about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cases.models import Resolution
from common.money import money, money_display

REPEAT_WINDOW = timedelta(minutes=10)
NOT_REPEATED = (Resolution.Status.REJECTED, Resolution.Status.WITHDRAWN)


@dataclass(frozen=True)
class RepeatOf:
    """What a decision records of its repeat: read in the decision's own totals statement
    (discretion.decisions.inputs), so the request pays no round trip for it."""

    pk: int
    agent_id: int
    requested_amount: Decimal
    status: str
    created_at: datetime


def repeat_of_get(
    *, case_id: int, remedy_type_id: int, now: datetime, exclude_id: int | None = None
) -> Resolution | None:
    """The latest request for this remedy on this case in the last ten minutes (one
    query, on the case/remedy/status index), or None. The preview's lookup; the request
    reads the same in its totals statement (discretion.decisions.inputs)."""
    rows = (
        Resolution.objects.filter(
            case_id=case_id, remedy_type_id=remedy_type_id, created_at__gte=now - REPEAT_WINDOW
        )
        .exclude(status__in=NOT_REPEATED)
        .select_related("agent", "remedy_type")
        .order_by("-created_at", "-id")
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rows.first()


def repeat_record(repeat: RepeatOf | Resolution | None) -> dict[str, Any] | None:
    """What the decision stores about the earlier request (``decision.repeat_of``)."""
    if repeat is None:
        return None
    return {
        "resolution": repeat.pk,
        "agent": repeat.agent_id,
        "amount": money(repeat.requested_amount),
        "status": repeat.status,
        "created_at": repeat.created_at.isoformat(),
    }


def _ago(then: datetime, now: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"


def repeat_warning(*, repeat: Resolution, user: Any, now: datetime) -> str:
    """'You already asked for $25.00 refund on this case 2 minutes ago (another tab?)'."""
    who = "You" if repeat.agent_id == getattr(user, "pk", None) else repeat.agent.label
    what = money_display(repeat.requested_amount)
    state = {
        Resolution.Status.PENDING_APPROVAL: "; it is waiting for a supervisor",
        Resolution.Status.APPLIED: "; it was applied",
    }.get(repeat.status, "")  # type: ignore[call-overload]
    return (
        f"{who} already asked for {what} {repeat.remedy_type.name.lower()} on this case "
        f"{_ago(repeat.created_at, now)} (another tab?){state}. Sending this asks again."
    )
