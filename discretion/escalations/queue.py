"""The supervisor queue: every pending escalation with what a supervisor needs to decide
it at a glance (failed checks, matched rules, the customer's and the agent's recent
record, time left, whether the viewer may approve it).

Reads only. A fixed number of aggregate queries whatever the number of rows (five for 1
or 200 pending escalations), because the queue page refreshes it every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case as When_,
)
from django.db.models import (
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from cases.models import CaseEvent, Resolution
from discretion.dashboard.selectors import WINDOW_DAYS, ZERO
from discretion.escalations.rules import approval_refusal, decider_refusal
from discretion.models import Escalation, User
from discretion.trust.selectors import effective_limits_for


@dataclass
class QueueItem:
    """One pending escalation with everything a supervisor needs to decide it at a glance."""

    escalation: Escalation
    mine: bool
    failed_checks: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    summary: str
    customer_count: int = 0
    customer_total: Decimal = ZERO
    agent_requests: int = 0
    agent_applied: int = 0
    agent_approved: int = 0
    agent_decided: int = 0
    seconds_left: int | None = None
    late: bool = False
    approval_max: Decimal | None = None
    can_approve: bool = False
    cannot_approve_why: str = ""
    # The same remedy asked on the case within ten minutes (discretion.decisions.repeats),
    # and the applied part when this is the rest of a split.
    repeat_of: int | None = None
    split_of: int | None = None
    # The case's story: its last few timeline events, oldest first.
    story: list[CaseEvent] = field(default_factory=list)

    @property
    def resolution(self) -> Resolution:
        return self.escalation.resolution

    @property
    def agent_approval_rate(self) -> int | None:
        """Percent of the agent's decided escalations (30 days) that were approved."""
        if not self.agent_decided:
            return None
        return round(100 * self.agent_approved / self.agent_decided)


def queue_list(*, user: User, now: datetime | None = None) -> list[QueueItem]:
    """Pending escalations, the caller's own first, then by time left (most urgent first).

    Five queries for any number of rows: the escalations with their case, customer,
    agent and remedy; the customers' applied remedies (30 days); the agents' requests
    and escalation outcomes (30 days); the caller's own approval limits; the cases'
    last timeline events.
    """
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    escalations = list(
        Escalation.objects.filter(status=Escalation.Status.PENDING)
        .select_related(
            "resolution__case__customer",
            "resolution__agent",
            "resolution__remedy_type",
            "assigned_to",
        )
        .annotate(
            mine=When_(
                When(assigned_to_id=user.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("mine", F("due_at").asc(nulls_last=True), "created_at", "id")
    )
    if not escalations:
        return []
    customer_ids = {e.resolution.case.customer_id for e in escalations}
    agent_ids = {e.resolution.agent_id for e in escalations}

    customers = {
        row["case__customer_id"]: row
        for row in Resolution.objects.filter(
            case__customer_id__in=customer_ids,
            status=Resolution.Status.APPLIED,
            applied_at__gte=since,
        )
        .values("case__customer_id")
        .annotate(count=Count("id"), total=Sum("amount"))
    }
    agents = {
        row["agent_id"]: row
        for row in Resolution.objects.filter(agent_id__in=agent_ids, created_at__gte=since)
        .values("agent_id")
        .annotate(
            requests=Count("id"),
            applied=Count("id", filter=Q(status=Resolution.Status.APPLIED)),
            approved=Count("id", filter=Q(escalation__status=Escalation.Status.APPROVED)),
            decided=Count(
                "id",
                filter=Q(
                    escalation__status__in=[Escalation.Status.APPROVED, Escalation.Status.DENIED]
                ),
            ),
        )
    }
    my_limits = effective_limits_for(user)
    stories = _stories({e.resolution.case_id for e in escalations})

    items = []
    for escalation in escalations:
        resolution = escalation.resolution
        decision = resolution.decision if isinstance(resolution.decision, dict) else {}
        failed = [
            c
            for c in decision.get("checks", [])
            if isinstance(c, dict) and not c.get("passed", True)
        ]
        rules = [r for r in decision.get("rules", []) if isinstance(r, dict)]
        item = QueueItem(
            escalation=escalation,
            mine=escalation.assigned_to_id == user.pk,
            failed_checks=failed,
            rules=rules,
            summary=str(decision.get("summary", "")),
            story=stories.get(resolution.case_id, []),
        )
        repeat = decision.get("repeat_of")
        if isinstance(repeat, dict) and isinstance(repeat.get("resolution"), int):
            item.repeat_of = repeat["resolution"]
        if isinstance(decision.get("split_of"), int):
            item.split_of = decision["split_of"]
        customer = customers.get(resolution.case.customer_id)
        if customer:
            item.customer_count = customer["count"]
            item.customer_total = customer["total"] or ZERO
        agent = agents.get(resolution.agent_id)
        if agent:
            item.agent_requests = agent["requests"]
            item.agent_applied = agent["applied"]
            item.agent_approved = agent["approved"]
            item.agent_decided = agent["decided"]
        if escalation.due_at is not None:
            item.seconds_left = int((escalation.due_at - now).total_seconds())
        item.late = escalation.overdue or (item.seconds_left is not None and item.seconds_left < 0)
        # What the service will say, shown before the click (the service still decides,
        # by the same rules).
        limit = my_limits.get(resolution.remedy_type_id)
        item.approval_max = limit.approval_max if limit else None
        refusal = decider_refusal(user=user, resolution=resolution) or approval_refusal(
            user=user, resolution=resolution, amount=resolution.amount, limit=limit
        )
        item.cannot_approve_why = refusal.hint if refusal else ""
        item.can_approve = refusal is None
        items.append(item)
    return items


STORY_EVENTS = 3


def _stories(case_ids: set[int]) -> dict[int, list[CaseEvent]]:
    """The last ``STORY_EVENTS`` timeline events of each case, oldest first (one query:
    a row number per case, newest first, filtered in the database)."""
    events = (
        CaseEvent.objects.filter(case_id__in=case_ids)
        .select_related("actor")
        .annotate(
            newest=Window(
                RowNumber(), partition_by=[F("case_id")], order_by=[F("at").desc(), F("id").desc()]
            )
        )
        .filter(newest__lte=STORY_EVENTS)
        .order_by("case_id", "at", "id")
    )
    out: dict[int, list[CaseEvent]] = {}
    for event in events:
        out.setdefault(event.case_id, []).append(event)
    return out
