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
from common.money import money
from discretion.models import User


def _label(user: User | None) -> str:
    if user is None:
        return "nobody"
    return user.display_name or user.get_full_name() or user.username


def _remedy_phrase(resolution: Resolution, amount: Decimal | None = None) -> str:
    remedy = resolution.remedy_type
    if not remedy.monetary:
        return remedy.name.lower()
    value = resolution.amount if amount is None else amount
    return f"{remedy.name.lower()} of {money(value)}"
