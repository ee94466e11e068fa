"""Escalations: open (called by the decision), route, move up, approve, deny.

Concurrency rules (read before changing anything here):

- The escalation row is the durable record. ``escalation_open`` writes it in the
  decision's transaction and enqueues routing on commit; the periodic sweeper
  (``escalation_sweep``) routes any escalation whose message never reached a worker and
  moves every one that is past due. Due times live in the database, never in countdowns.
- Every automatic move (route, timeout, overdue) is ONE conditional
  ``UPDATE … WHERE id = %s AND version = %s AND status = 'pending'``; the history entry,
  timeline event and notifications are written only when that UPDATE hit a row, in the
  same transaction. So a duplicate task, two sweepers, or a sweep racing a decision can
  never move an escalation twice or notify twice (the notification's unique
  ``dedupe_key`` is a second backstop).
- A decision locks the escalation row FOR UPDATE, then the case row, then the
  resolution (lock order escalation → case → resolution everywhere), and bumps
  ``version``, so a concurrent automatic move fails its conditional UPDATE.
- SQLite has no FOR UPDATE; its writers are serialized by BEGIN IMMEDIATE (settings).
"""

from __future__ import annotations

from decimal import Decimal

from cases.models import Resolution
from common.errors import Forbidden
from common.money import money
from discretion.models import Role, User
from discretion.trust.selectors import effective_limit_get


def _decider_role_check(*, acting_user: User, resolution: Resolution) -> None:
    role = "admin" if acting_user.is_superuser else acting_user.role
    if role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(
            "Only supervisors and admins may decide escalations.", code="supervisor_only"
        )
    if resolution.agent_id == acting_user.pk:
        raise Forbidden(
            "Four-eyes rule: you made this request, so you cannot decide it yourself; "
            "another supervisor or admin must.",
            code="four_eyes",
        )


def _decider_limit_check(*, acting_user: User, resolution: Resolution, amount: Decimal) -> None:
    remedy = resolution.remedy_type
    limit = effective_limit_get(user=acting_user, remedy_type=remedy)
    if limit is None or limit.approval_max is None:
        raise Forbidden(
            f"Your trust limits give you no approval_max for {remedy.code}, so you may not "
            "decide this escalation.",
            code="no_approval_max",
        )
    if amount > limit.approval_max:
        raise Forbidden(
            f"{money(amount)} is above your approval_max for {remedy.code} "
            f"({money(limit.approval_max)}), so you may not decide this escalation.",
            code="approval_max",
        )
