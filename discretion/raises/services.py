"""Temporary raises: ask for one (any user, for themself) and decide one (a supervisor or
admin other than the requester), so that exactly one decision ever wins.

Asking writes the durable row and its audit event and enqueues routing on commit (the
routing and the sweeper are in ``routing.py``); deciding locks the one row, checks who may
decide, then whether it is still open, and writes the outcome, its audit event and the
requester's notification in the same transaction. Lock order and on-commit rules:
docs/concurrency.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import RemedyType
from common.db import insert
from common.errors import Conflict, Forbidden, Invalid, NotFound
from common.money import money, money_display
from common.roles import is_supervising
from common.tasks import task_send
from common.times import local_time_phrase
from discretion.escalations.oncall import escalation_policy_get
from discretion.escalations.wording import _label
from discretion.models import LimitRequest, User
from discretion.notifications.services import notification_create
from discretion.raises.models import CAP_FIELDS
from discretion.raises.wording import raise_phrase, until_phrase
from discretion.trust.selectors import effective_limit_get

# How far ahead a raise may end (CONTRACT.md: "within 30 days").
MAX_DURATION = timedelta(days=30)
MY_REQUESTS_LINK = "/me/limit-requests/"
QUEUE_LINK = "/queue/"

# The caps in an agent's words (never the field names).
_CAP_WORDS = {
    "per_remedy_max": "limit per remedy",
    "daily_max": "daily limit",
    "monthly_max": "monthly limit",
}


def _snapshot(request: LimitRequest) -> dict[str, Any]:
    return {
        "status": request.status,
        "remedy_type": request.remedy_type_id,
        **{field: money(getattr(request, field)) for field in CAP_FIELDS},
        **{f"was_{field}": money(getattr(request, f"was_{field}")) for field in CAP_FIELDS},
        "expires_at": request.expires_at.isoformat(),
        "decided_by": request.decided_by_id,
        "decision_note": request.decision_note,
    }


def _validate(
    *,
    acting_user: User,
    remedy_type: RemedyType,
    caps: dict[str, Decimal | None],
    reason: str,
    expires_at: datetime,
    now: datetime,
) -> dict[str, Decimal | None]:
    """The requester's caps in force now, per dimension; raises Invalid naming every field
    that is wrong. An uncapped dimension cannot be raised (a cap would lower it)."""
    errors: dict[str, list[str]] = {}
    current: dict[str, Decimal | None] = dict.fromkeys(CAP_FIELDS)
    if not remedy_type.enabled:
        errors["remedy_type"] = [f"{remedy_type.name} is disabled."]
    elif not remedy_type.monetary:
        errors["remedy_type"] = [
            f"{remedy_type.name} is not monetary: there is no amount to raise."
        ]
    else:
        limit = effective_limit_get(user=acting_user, remedy_type=remedy_type, at=now)
        if limit is None:
            errors["remedy_type"] = [
                f"You have no trust limit for {remedy_type.name.lower()} to raise: "
                "ask an admin for one."
            ]
        else:
            current = {field: getattr(limit, field) for field in CAP_FIELDS}
            for field in CAP_FIELDS:
                asked, now_cap = caps.get(field), current[field]
                if asked is None:
                    continue
                words = _CAP_WORDS.get(field, field)
                if now_cap is None:
                    errors[field] = [f"Your {words} is not capped: there is nothing to raise."]
                elif asked <= now_cap:
                    errors[field] = [
                        f"Must be above your current {words} of {money_display(now_cap)}."
                    ]
    if all(caps.get(field) is None for field in CAP_FIELDS):
        message = "Ask for at least one: a higher limit per remedy, per day or per month."
        for field in CAP_FIELDS:
            errors[field] = [message]
    if not reason.strip():
        errors["reason"] = ["Say why you need more."]
    if expires_at <= now:
        errors["expires_at"] = ["Must be in the future."]
    elif expires_at > now + MAX_DURATION:
        errors["expires_at"] = ["Must be within 30 days."]
    if errors:
        raise Invalid(
            "This request cannot be made: "
            + " ".join(f"{name}: {m}" for name, ms in errors.items() for m in ms),
            code="limit_request_invalid",
            fields=errors,
        )
    return current


@transaction.atomic
def limit_request_create(
    *,
    acting_user: User,
    remedy_type: RemedyType,
    reason: str,
    expires_at: datetime,
    per_remedy_max: Decimal | None = None,
    daily_max: Decimal | None = None,
    monthly_max: Decimal | None = None,
) -> LimitRequest:
    """Ask for a temporary raise for oneself. Raises Invalid ``limit_request_invalid``.

    The row is the durable record: routing runs on a worker after commit, and the sweeper
    routes any request whose message never reached one.
    """
    now = timezone.now()
    caps = {"per_remedy_max": per_remedy_max, "daily_max": daily_max, "monthly_max": monthly_max}
    current = _validate(
        acting_user=acting_user,
        remedy_type=remedy_type,
        caps=caps,
        reason=reason,
        expires_at=expires_at,
        now=now,
    )
    policy = escalation_policy_get()
    request = insert(
        LimitRequest(
            requester=acting_user,
            remedy_type=remedy_type,
            reason=reason.strip(),
            expires_at=expires_at,
            policy_levels=policy.levels,
            policy_repeat_times=policy.repeat_times,
            created_at=now,
            **caps,
            **{f"was_{field}": current[field] for field in CAP_FIELDS if caps[field] is not None},
        )
    )
    audit_record(
        actor=acting_user,
        action="limit_request.create",
        object_type=ObjectType.LIMIT_REQUEST,
        object_id=request.pk,
        before=None,
        after=_snapshot(request),
        reason=request.reason,
    )
    transaction.on_commit(lambda: task_send("discretion.route_limit_request", request.pk))
    return request


def _decider_check(*, acting_user: User, request: LimitRequest) -> None:
    if not is_supervising(acting_user):
        raise Forbidden(
            "Only supervisors and admins may decide limit requests.", code="supervisor_only"
        )
    if request.requester_id == acting_user.pk:
        raise Forbidden(
            "Four-eyes rule: you asked for this raise, so you cannot decide it yourself; "
            "another supervisor or admin must.",
            code="four_eyes",
        )


def _open_check(*, request: LimitRequest, now: datetime) -> None:
    if request.status == LimitRequest.Status.EXPIRED or (
        request.status == LimitRequest.Status.PENDING and request.lapsed(now)
    ):
        raise Conflict(
            f"This request expired on {local_time_phrase(request.expires_at)} before anyone "
            "decided it: nothing was changed.",
            code="expired",
        )
    if request.status != LimitRequest.Status.PENDING:
        when = f" on {local_time_phrase(request.decided_at)}" if request.decided_at else ""
        raise Conflict(
            f"This request was already {request.status} by {_label(request.decided_by)}{when}.",
            code="already_decided",
        )


@transaction.atomic
def limit_request_decide(
    *, acting_user: User, limit_request_id: int, approve: bool, note: str = ""
) -> LimitRequest:
    """Approve or deny. Exactly one decision ever wins: the row is locked FOR UPDATE (what
    two deciders race for; the loser waits, then finds it decided: 409).

    Raises NotFound, Forbidden (``supervisor_only``, ``four_eyes``), Conflict (``expired``,
    ``already_decided``) or Invalid (``note_required`` on a denial), writing nothing then.
    Approved, its caps are the requester's effective limit at once (no cache to clear).
    """
    request = (
        LimitRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("requester", "remedy_type", "decided_by")
        .filter(pk=limit_request_id)
        .first()
    )
    if request is None:
        raise NotFound("No such limit request.")
    _decider_check(acting_user=acting_user, request=request)
    now = timezone.now()
    _open_check(request=request, now=now)
    note = note.strip()
    if not approve and not note:
        raise Invalid("Say why you deny it.", code="note_required", fields={"note": ["Required."]})
    before = _snapshot(request)
    status = LimitRequest.Status.APPROVED if approve else LimitRequest.Status.DENIED
    LimitRequest.objects.filter(pk=request.pk).update(
        status=status,
        decided_by=acting_user,
        decided_at=now,
        decision_note=note,
        version=F("version") + 1,
    )
    request.refresh_from_db()
    verb = "approved" if approve else "denied"
    audit_record(
        actor=acting_user,
        action=f"limit_request.{'approve' if approve else 'deny'}",
        object_type=ObjectType.LIMIT_REQUEST,
        object_id=request.pk,
        before=before,
        after=_snapshot(request),
        reason=note,
    )
    what = raise_phrase(request)
    until = until_phrase(request.expires_at)
    notification_create(
        recipient=request.requester,
        kind=f"limit_request_{verb}",
        title=f"Your request for more was {verb}: {what}" + (f" until {until}" if approve else ""),
        body=(
            f"{_label(acting_user)} {verb} your request ({what} until {until})."
            + (" It is in force now." if approve else "")
            + (f" Note: {note}" if note else "")
        ),
        link=MY_REQUESTS_LINK,
        dedupe_key=f"lr{request.pk}:decided",
    )
    return request
