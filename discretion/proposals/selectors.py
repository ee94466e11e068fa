"""Reads of limit proposals and of the record behind them (each with its own joins)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from discretion.models import Escalation, LimitProposal, Review, User
from discretion.proposals.rules import WINDOW_DAYS, Evidence, percentile_90


def limit_proposal_list(
    *, status: str | None = None, agent_id: int | None = None
) -> QuerySet[LimitProposal]:
    """Proposals newest first, with agent, remedy type and decider joined (one query)."""
    qs = LimitProposal.objects.select_related("agent", "remedy_type", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if agent_id is not None:
        qs = qs.filter(agent_id=agent_id)
    return qs.order_by("-created_at", "-id")


def limit_proposal_decided_list(*, limit: int) -> list[LimitProposal]:
    """The latest decided proposals (the screen's "recently decided"), one query."""
    decided = limit_proposal_list().exclude(status=LimitProposal.Status.OPEN)
    return list(decided.order_by("-decided_at", "-id")[:limit])


def limit_proposal_get(*, proposal_id: int) -> LimitProposal:
    """Raises LimitProposal.DoesNotExist."""
    return limit_proposal_list().get(pk=proposal_id)


def limit_proposal_open_count() -> int:
    """The admin index's badge (one query)."""
    return LimitProposal.objects.filter(status=LimitProposal.Status.OPEN).count()


def proposal_evidence_list(
    *, now: datetime | None = None, days: int = WINDOW_DAYS
) -> dict[tuple[int, int], Evidence]:
    """The evidence per (agent id, monetary remedy type id) with any decided escalation in
    the window. Two queries: the decided escalations (streamed), the coach reviews.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = (
        Escalation.objects.filter(
            status__in=(Escalation.Status.APPROVED, Escalation.Status.DENIED),
            resolution__created_at__gte=since,
            resolution__created_at__lte=now,
            resolution__remedy_type__monetary=True,
        )
        .values_list(
            "resolution__agent_id",
            "resolution__remedy_type_id",
            "status",
            "resolution__requested_amount",
            "resolution__amount",
        )
        .order_by()
    )
    decided: dict[tuple[int, int], list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for agent_id, remedy_id, status, requested, amount in rows.iterator(chunk_size=2000):
        decided[(agent_id, remedy_id)].append((status, requested, amount))
    coach = {
        (row["agent_id"], row["remedy_type_id"]): row["n"]
        for row in Review.objects.filter(verdict=Review.Verdict.COACH)
        .filter(Q(resolution__created_at__gte=since) | Q(done_at__gte=since))
        .values("agent_id", "remedy_type_id")
        .annotate(n=Count("id"))
        .order_by()
    }
    return {key: _evidence(items, coach.get(key, 0), days) for key, items in decided.items()}


def _evidence(items: Iterable[tuple[str, Decimal, Decimal]], coach: int, days: int) -> Evidence:
    items = list(items)
    unchanged = [req for status, req, amount in items if status == "approved" and amount == req]
    approved = [amount for status, _, amount in items if status == "approved"]
    return Evidence(
        escalations_decided=len(items),
        approved_unchanged=len(unchanged),
        approved_lowered=len(approved) - len(unchanged),
        denied=sum(1 for status, _, _ in items if status == "denied"),
        coach_reviews=coach,
        max_approved=max(approved) if approved else None,
        p90_approved=percentile_90(unchanged),
        days=days,
    )


def evidence_sentence(*, evidence: dict[str, Any], remedy_name: str) -> str:
    """'14 of 15 refund escalations approved unchanged in 90 days; no coaching.'"""
    coach = evidence.get("coach_reviews", 0)
    coaching = "no coaching" if not coach else f"{coach} coaching review{'s' if coach > 1 else ''}"
    return (
        f"{evidence.get('approved_unchanged', 0)} of {evidence.get('escalations_decided', 0)} "
        f"{remedy_name.lower()} escalations approved unchanged in {evidence.get('days', 90)} "
        f"days; {coaching}."
    )


def limit_note(*, decided_at: datetime | None, evidence: dict[str, Any] | None) -> str | None:
    """Why the agent's per-remedy limit is what it is, when an accepted proposal set it:
    'Raised on 3 Dec from your record: 14 of 15 approved unchanged.'"""
    if decided_at is None or not isinstance(evidence, dict):
        return None
    day = timezone.localtime(decided_at)
    return (
        f"Raised on {day.day} {day:%b} from your record: "
        f"{evidence.get('approved_unchanged', 0)} of {evidence.get('escalations_decided', 0)} "
        "approved unchanged."
    )


def agents_by_id(ids: Iterable[int]) -> dict[int, User]:
    return User.objects.select_related("tier").in_bulk(list(ids))
