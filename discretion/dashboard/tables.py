"""The dashboard's tables over a date range: spend against a budget per agent and per
team, autonomy and approval rates, approver quality, and the rules worth a second look.

Selectors only. ``ops_tables`` runs six queries whatever the range or the history.

The budget of an agent is the sum, over monetary remedy types, of the monthly caps of
their effective limits (their own row, else their tier's) in force now, prorated to the
range (cap * days / 30). A team's budget is its members'. An agent with any uncapped
monthly dimension has no budget to measure against ("no cap"), and a team with one such
member says so. Spend is what was applied in the range on the agents' own authority (it
counts against their budgets); what supervisors approved is shown beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from cases.models import Resolution
from common.money import TWO_PLACES, ZERO
from discretion.models import Escalation, TrustLimit, User
from policies.selectors import policy_rule_list

NO_TEAM = "No team"
MONTH_DAYS = 30
# A rule approved unchanged this often only delays; flagged from this many decisions on.
UNCHANGED_SHARE = 0.95
UNCHANGED_MIN_DECIDED = 5
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole calendar days in the deployment's time zone, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime:  # exclusive
        return _midnight(self.last + timedelta(days=1))

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(first=today - timedelta(days=days - 1), last=today)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class PeopleRow:
    """One agent or one team over the period."""

    name: str
    team: str = NO_TEAM
    requests: int = 0
    autonomous: int = 0  # applied on their own authority
    escalated: int = 0
    approved: int = 0  # escalations approved (as asked or lowered)
    lowered: int = 0
    denied: int = 0
    own_spend: Decimal = ZERO
    approved_spend: Decimal = ZERO
    budget: Decimal | None = ZERO  # None: someone's monthly spend is uncapped
    members: int = 1

    @property
    def autonomy_rate(self) -> float | None:
        return _share(self.autonomous, self.requests)

    @property
    def approval_rate(self) -> float | None:
        return _share(self.approved, self.approved + self.denied)

    @property
    def budget_used(self) -> float | None:
        if not self.budget:
            return None
        return float(self.own_spend / self.budget)


@dataclass
class ApproverRow:
    name: str
    decisions: int = 0
    approved: int = 0
    lowered: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def approval_rate(self) -> float | None:
        return _share(self.approved, self.decisions)

    @property
    def lowered_share(self) -> float | None:
        return _share(self.lowered, self.approved)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


@dataclass
class RuleRow:
    rule_id: int
    name: str
    enabled: bool
    fired: int = 0
    escalated: int = 0
    decided: int = 0
    unchanged: int = 0  # approved exactly as asked

    @property
    def unchanged_share(self) -> float | None:
        return _share(self.unchanged, self.decided)

    @property
    def finding(self) -> str:
        """Why the rule is listed, in a sentence; empty when it earns its keep."""
        if not self.fired:
            return "Never fired in the period."
        share = self.unchanged_share
        if self.decided >= UNCHANGED_MIN_DECIDED and share is not None and share >= UNCHANGED_SHARE:
            return (
                f"Approved unchanged {self.unchanged} of {self.decided} times: "
                "it adds a wait but no change."
            )
        return ""


@dataclass(frozen=True)
class OpsTables:
    period: Period
    agents: list[PeopleRow]
    teams: list[PeopleRow]
    approvers: list[ApproverRow]
    rules: list[RuleRow]

    @property
    def flagged_rules(self) -> list[RuleRow]:
        return [rule for rule in self.rules if rule.enabled and rule.finding]


def _budgets(users: Iterable[Mapping[str, Any]], days: int) -> dict[int, Decimal | None]:
    """Each user's budget for ``days`` days (one query; see the module docstring)."""
    tier_rows: dict[tuple[int, int], Decimal | None] = {}
    agent_rows: dict[tuple[int, int], Decimal | None] = {}
    remedies: set[int] = set()
    for agent_id, tier_id, remedy_id, monthly in TrustLimit.objects.filter(
        remedy_type__enabled=True, remedy_type__monetary=True
    ).values_list("agent_id", "tier_id", "remedy_type_id", "monthly_max"):
        remedies.add(remedy_id)
        if agent_id is not None:
            agent_rows[(agent_id, remedy_id)] = monthly
        else:
            tier_rows[(tier_id, remedy_id)] = monthly
    budgets: dict[int, Decimal | None] = {}
    for user in users:
        total: Decimal | None = ZERO
        for remedy_id in remedies:
            key = (user["id"], remedy_id)
            if key in agent_rows:
                monthly = agent_rows[key]
            elif (user["tier_id"], remedy_id) in tier_rows:
                monthly = tier_rows[(user["tier_id"], remedy_id)]
            else:
                continue  # no limit: everything escalates, nothing counts against a budget
            if monthly is None:
                total = None
                break
            assert total is not None
            total += monthly
        budgets[user["id"]] = (
            None if total is None else (total * days / MONTH_DAYS).quantize(TWO_PLACES)
        )
    return budgets


def _people(period: Period) -> tuple[list[PeopleRow], list[PeopleRow]]:
    """Agents and teams (three queries: the resolutions, the users, the limits)."""
    in_created = Q(created_at__gte=period.start, created_at__lt=period.end)
    in_applied = Q(
        status=Resolution.Status.APPLIED,
        applied_at__gte=period.start,
        applied_at__lt=period.end,
        remedy_type__monetary=True,
    )
    approved = Q(escalation__status=Escalation.Status.APPROVED)
    counts = {
        row["agent_id"]: row
        for row in Resolution.objects.filter(in_created | in_applied)
        .values("agent_id")
        .annotate(
            n_requests=Count("id", filter=in_created),
            n_autonomous=Count(
                "id",
                filter=in_created & Q(status=Resolution.Status.APPLIED, escalation__isnull=True),
            ),
            n_escalated=Count("escalation", filter=in_created),
            n_approved=Count("id", filter=in_created & approved),
            n_lowered=Count(
                "id", filter=in_created & approved & Q(amount__lt=F("requested_amount"))
            ),
            n_denied=Count(
                "id", filter=in_created & Q(escalation__status=Escalation.Status.DENIED)
            ),
            own=Sum("amount", filter=in_applied & Q(counts_against_budget=True)),
            by_approval=Sum("amount", filter=in_applied & Q(counts_against_budget=False)),
        )
    }
    users = list(
        User.objects.filter(Q(is_active=True, role="agent") | Q(pk__in=list(counts)))
        .order_by("display_name", "username")
        .values("id", "username", "display_name", "tier_id", "team__name")
    )
    budgets = _budgets(users, period.days)
    agents = []
    teams: dict[str, PeopleRow] = {}
    for user in users:
        row = counts.get(user["id"], {})
        agent = PeopleRow(
            name=user["display_name"] or user["username"],
            team=user["team__name"] or NO_TEAM,
            requests=row.get("n_requests", 0),
            autonomous=row.get("n_autonomous", 0),
            escalated=row.get("n_escalated", 0),
            approved=row.get("n_approved", 0),
            lowered=row.get("n_lowered", 0),
            denied=row.get("n_denied", 0),
            own_spend=row.get("own") or ZERO,
            approved_spend=row.get("by_approval") or ZERO,
            budget=budgets.get(user["id"], ZERO),
        )
        agents.append(agent)
        team = teams.get(agent.team)
        if team is None:
            teams[agent.team] = PeopleRow(name=agent.team, team=agent.team, members=0)
            team = teams[agent.team]
        team.members += 1
        for name in ("requests", "autonomous", "escalated", "approved", "lowered", "denied"):
            setattr(team, name, getattr(team, name) + getattr(agent, name))
        team.own_spend += agent.own_spend
        team.approved_spend += agent.approved_spend
        team.budget = (
            None if team.budget is None or agent.budget is None else team.budget + agent.budget
        )
    team_rows = sorted(teams.values(), key=lambda t: (t.name == NO_TEAM, t.name))
    return agents, team_rows


def _approvers(period: Period) -> list[ApproverRow]:
    """Per supervisor who decided in the period (one query)."""
    rows: dict[int, ApproverRow] = {}
    decided = (
        Escalation.objects.filter(
            decided_at__gte=period.start, decided_at__lt=period.end, decided_by__isnull=False
        )
        .annotate(
            took=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
        )
        .values_list(
            "decided_by_id",
            "decided_by__display_name",
            "decided_by__username",
            "status",
            "took",
            "resolution__amount",
            "resolution__requested_amount",
        )
    )
    for by_id, display, username, status, took, amount, requested in decided:
        row = rows.get(by_id)
        if row is None:
            row = rows[by_id] = ApproverRow(name=display or username)
        row.decisions += 1
        if status == Escalation.Status.APPROVED:
            row.approved += 1
            if amount < requested:
                row.lowered += 1
        if took is not None:
            row.seconds.append(took.total_seconds())
    return sorted(rows.values(), key=lambda r: (-r.decisions, r.name))


def _rules(period: Period) -> list[RuleRow]:
    """Every live rule with how often it fired and how its escalations ended (two
    queries). A rule "fired" when it matched a request created in the period."""
    rows = {
        rule.pk: RuleRow(rule_id=rule.pk, name=rule.name, enabled=rule.enabled)
        for rule in policy_rule_list()
    }
    matched = Resolution.objects.filter(
        created_at__gte=period.start,
        created_at__lt=period.end,
        decision__rules__0__isnull=False,
    ).values_list("decision", "escalation__status", "amount", "requested_amount")
    for decision, escalation_status, amount, requested in matched.iterator(chunk_size=2000):
        seen: set[int] = set()
        for hit in decision.get("rules", []) if isinstance(decision, dict) else []:
            rule = rows.get(hit.get("id", 0)) if isinstance(hit, dict) else None
            if rule is None or rule.rule_id in seen:
                continue
            seen.add(rule.rule_id)
            rule.fired += 1
            if escalation_status is None:
                continue
            rule.escalated += 1
            if escalation_status == Escalation.Status.PENDING:
                continue
            rule.decided += 1
            if escalation_status == Escalation.Status.APPROVED and amount == requested:
                rule.unchanged += 1
    return list(rows.values())


def ops_tables(*, period: Period) -> OpsTables:
    """The dashboard's tables for ``period`` (six queries, see the module docstring)."""
    agents, teams = _people(period)
    return OpsTables(
        period=period,
        agents=agents,
        teams=teams,
        approvers=_approvers(period),
        rules=_rules(period),
    )
