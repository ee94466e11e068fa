"""Reads of limit proposals and of the record behind them (each with its own joins)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from cases.models import RemedyType, Resolution
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


@dataclass
class RecordRow:
    """One remedy type of an agent's track record, as the proposals screen shows it."""

    remedy_type: RemedyType
    requests: int = 0
    applied: int = 0
    escalated: int = 0
    approved_unchanged: int = 0
    approved_lowered: int = 0
    denied: int = 0
    rejected: int = 0
    reviews: int = 0
    coach: int = 0


def agent_record_list(
    *, agent_ids: Iterable[int], days: int = WINDOW_DAYS, now: datetime | None = None
) -> dict[int, list[RecordRow]]:
    """Per agent, per remedy type they asked for in the window: the counts of the record
    (over their requests created in the window). Two queries for any number of agents."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    ids = list(agent_ids)
    window = Q(created_at__gte=since, created_at__lte=now)
    counts = (
        Resolution.objects.filter(window, agent_id__in=ids)
        .values("agent_id", "remedy_type_id")
        .annotate(
            requests=Count("id"),
            applied=Count("id", filter=Q(counts_against_budget=True)),
            escalated=Count("escalation"),
            approved_unchanged=Count(
                "id", filter=Q(escalation__status="approved", amount=F("requested_amount"))
            ),
            approved_lowered=Count(
                "id",
                filter=Q(escalation__status="approved") & ~Q(amount=F("requested_amount")),
            ),
            denied=Count("id", filter=Q(escalation__status="denied")),
            rejected=Count("id", filter=Q(status=Resolution.Status.REJECTED)),
            reviews=Count("review", filter=Q(review__status="done")),
            coach=Count("review", filter=Q(review__verdict="coach")),
        )
        .order_by()
    )
    remedies = {r.pk: r for r in RemedyType.objects.all()}
    out: dict[int, list[RecordRow]] = {pk: [] for pk in ids}
    for row in counts:
        agent_id = row.pop("agent_id")
        remedy = remedies[row.pop("remedy_type_id")]
        out[agent_id].append(RecordRow(remedy_type=remedy, **row))
    for rows in out.values():
        rows.sort(key=lambda r: (r.remedy_type.sort_order, r.remedy_type.code))
    return out


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
