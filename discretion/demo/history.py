"""90 days of demo history, decided by the real engine and written in bulk.

``history_load`` plans the cases (``plan``), then replays every request in time order
the way ``resolution_request`` decides it: the effective limit, the running day, month
and case usage, the customer's 30-day totals and the enabled policy rules go into
``engine.decide``, and ``decision_record`` stores the decision in the service's shape.
Over-limit requests are escalated, routed to the supervisor on call and decided by
them (approved as asked, lowered or denied); ``rows`` writes everything with
``bulk_create`` and the budget windows equal to the ledger. No audit rows: see ``rows``.

Idempotent: the history's first case (``HIST-00001``) marks it loaded.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case, Customer, RemedyType, Resolution
from common.money import ZERO
from discretion import engine
from discretion.decisions.inputs import DecisionInputs, decision_context
from discretion.decisions.record import decision_record
from discretion.demo import data
from discretion.demo.plan import DEMO_LOGINS, FIRST_REF, PlannedCase, PlannedRequest, Planner
from discretion.demo.rows import HistoryRows, Settled
from discretion.escalations.oncall import escalation_policy_get
from discretion.models import BudgetWindow, User
from discretion.trust.selectors import EffectiveLimit, effective_limits_for
from policies.evaluation import current_ruleset

# A demo login keeps at least this share of this month's budget for the person trying it.
DEMO_MONTH_SHARE = Decimal("0.6")
LOWER_SHARES = (Decimal("0.5"), Decimal("0.6"), Decimal("0.75"))


@dataclass
class _Tally:
    decided: int = 0
    unchanged: int = 0
    lowered: int = 0


@dataclass
class _CaseState:
    plan: PlannedCase
    case: Case
    agent: User
    pending: list[PlannedRequest] = field(default_factory=list)
    used: dict[int, Decimal] = field(default_factory=dict)  # applied per remedy type id
    settled_at: datetime | None = None


def history_loaded() -> bool:
    return Case.objects.filter(external_ref=FIRST_REF).exists()


@transaction.atomic
def history_load(*, acting_user: User, now: datetime | None = None, seed: int = 20261202) -> int:
    """Load the history unless it is there already; return the number of cases created."""
    if history_loaded():
        return 0
    now = now or timezone.now()
    return Replay(acting_user=acting_user, now=now, seed=seed).run()


class Replay:
    def __init__(self, *, acting_user: User, now: datetime, seed: int) -> None:
        self.admin = acting_user
        self.now = now
        self.rng = random.Random(seed + 1)
        self.plan = Planner(now=now, seed=seed).plan()
        names = {*data.AGENT_LOAD, "pam", "sam"}
        self.users = {
            u.username: u
            for u in User.objects.select_related("tier", "team").filter(username__in=names)
        }
        self.remedies = {r.code: r for r in RemedyType.objects.all()}
        self.limits: dict[tuple[int, int], EffectiveLimit] = {
            (user.pk, remedy_id): row
            for user in self.users.values()
            for remedy_id, row in effective_limits_for(user).items()
        }
        self.day_used: dict[tuple[int, int, date], Decimal] = {}
        self.month_used: dict[tuple[int, int, date], Decimal] = {}
        self.caps: dict[tuple[int, int, str, date], Decimal | None] = {}
        for window in BudgetWindow.objects.filter(user__in=self.users.values()):
            usage = self.day_used if window.period == BudgetWindow.Period.DAY else self.month_used
            usage[(window.user_id, window.remedy_type_id, window.starts_on)] = window.used
        self.customer_applied: dict[str, list[tuple[datetime, Decimal]]] = {}
        self.tallies: dict[tuple[str, str], _Tally] = {}
        self.ruleset = current_ruleset()
        self.levels = escalation_policy_get().levels
        self.timeouts = {int(e["level"]): int(e["timeout_seconds"]) for e in self.levels}
        self.rows = HistoryRows(now=now, rng=self.rng, users=self.users, levels=self.levels)

    def run(self) -> int:
        self._back_date_users()
        customers: dict[str, Customer] = {
            c.external_id: c
            for c in Customer.objects.filter(external_id__in={p.customer[0] for p in self.plan})
        }
        states: list[_CaseState] = []
        queue: list[tuple[datetime, int]] = []
        for index, planned in enumerate(self.plan):
            external_id, name, email = planned.customer
            customer = customers.get(external_id)
            if customer is None:
                customer = Customer(
                    external_id=external_id, name=name, email=email, created_at=planned.opened_at
                )
                customers[external_id] = customer
                self.rows.customers.append(customer)
            case = Case(
                subject=planned.subject,
                description=planned.description,
                category=planned.category,
                customer=customer,
                assignee=self.users[planned.agent],
                created_by=self.users[planned.agent],
                external_ref=planned.ref,
                created_at=planned.opened_at,
            )
            state = _CaseState(planned, case, self.users[planned.agent], list(planned.requests))
            states.append(state)
            self.rows.cases.append(case)
            if state.pending:
                first = planned.opened_at + timedelta(minutes=state.pending[0].after_minutes)
                heapq.heappush(queue, (first, index))
        while queue:
            at, index = heapq.heappop(queue)
            state = states[index]
            settled = self._request(state, state.pending.pop(0), at)
            state.settled_at = settled
            if state.pending:
                nxt = settled + timedelta(minutes=state.pending[0].after_minutes)
                if nxt < self.now - timedelta(minutes=30):
                    heapq.heappush(queue, (nxt, index))
                else:
                    state.pending.clear()
        for state in states:
            self.rows.case_close(state.case, state.agent, state.settled_at or state.case.created_at)
        self.rows.write(windows=self._windows(), admin=self.admin)
        return len(states)

    # --- one request -------------------------------------------------------------

    def _request(self, state: _CaseState, planned: PlannedRequest, at: datetime) -> datetime:
        """Decide one request at ``at`` as the decision service would; return when it
        was settled (decided, or at once)."""
        agent, case = state.agent, state.case
        remedy = self.remedies[planned.remedy]
        amount = planned.amount
        day = timezone.localdate(at)
        month = day.replace(day=1)
        key = (agent.pk, remedy.pk)
        row = self.limits.get(key)
        limits = (
            engine.Limits(
                per_remedy_max=row.per_remedy_max,
                per_case_max=row.per_case_max,
                daily_max=row.daily_max,
                monthly_max=row.monthly_max,
                approval_max=row.approval_max,
            )
            if row
            else None
        )
        usage = engine.Usage(
            case_used=state.used.get(remedy.pk, ZERO),
            daily_used=self.day_used.get((*key, day), ZERO),
            monthly_used=self.month_used.get((*key, month), ZERO),
        )
        history = [
            amount_
            for when, amount_ in self.customer_applied.get(case.customer.external_id, [])
            if at - timedelta(days=30) <= when < at
        ]
        context = decision_context(
            case=case,
            user=agent,
            remedy_type=remedy,
            amount=amount,
            now=at,
            history_total=sum(history, ZERO),
            history_count=len(history),
        )
        hits = self._rule_hits(context)
        decision = engine.decide(
            remedy_name=remedy.name,
            amount=amount,
            limits=limits,
            usage=usage,
            rule_hits=hits,
            currency=settings.DISCRETION_CURRENCY,
            monetary=remedy.monetary,
        )
        if (
            decision.outcome == "apply"
            and agent.username in DEMO_LOGINS
            and month == timezone.localdate(self.now).replace(day=1)
            and limits is not None
            and limits.monthly_max is not None
            and usage.monthly_used + amount > limits.monthly_max * DEMO_MONTH_SHARE
        ):
            return at  # left out: this month's budget stays free for the demo
        inputs = DecisionInputs(
            limit=limits,
            limit_source=row.source if row else None,
            usage=usage,
            context=context,
            rule_hits=hits,
            rule_versions=tuple(self.ruleset.versions),
        )
        status = {
            "apply": Resolution.Status.APPLIED,
            "escalate": Resolution.Status.PENDING_APPROVAL,
            "reject": Resolution.Status.REJECTED,
        }[decision.outcome]
        applied = status == Resolution.Status.APPLIED
        resolution = Resolution(
            case=case,
            agent=agent,
            remedy_type=remedy,
            requested_amount=amount,
            amount=amount,
            reason=planned.reason,
            customer_message="",
            status=status,
            counts_against_budget=applied,
            decision={**decision_record(decision, inputs), "repeat_of": None},  # as the service
            created_at=at,
            applied_at=at if applied else None,
            budget_day=day if applied else None,
        )
        settled = Settled(resolution=resolution, decision=decision)
        if applied and amount > ZERO:
            assert limits is not None
            self.day_used[(*key, day)] = usage.daily_used + amount
            self.month_used[(*key, month)] = usage.monthly_used + amount
            self.caps[(*key, BudgetWindow.Period.DAY, day)] = limits.daily_max
            self.caps[(*key, BudgetWindow.Period.MONTH, month)] = limits.monthly_max
            self._spent(state, resolution, amount, at)
        elif status == Resolution.Status.PENDING_APPROVAL:
            self._escalation(state, settled, planned)
        self.rows.settle(settled)
        return settled.settled_at or at

    def _rule_hits(self, context: dict) -> tuple[engine.RuleHit, ...]:
        """The rules that matched, as the decision service records them. A rule that ran
        over its time budget on this (busy) machine is asked again: the history should
        not depend on the load of the machine that seeds it."""
        for _ in range(5):
            results = [r for r in self.ruleset.evaluate(context) if r.matched]
            if not any(r.error for r in results):
                break
        return tuple(
            engine.RuleHit(
                id=result.id,
                name=result.name,
                version=result.version,
                effect=result.effect,  # type: ignore[arg-type]
                message=result.message,
                error=result.error,
            )
            for result in results
        )

    def _spent(self, state: _CaseState, resolution: Resolution, amount: Decimal, at) -> None:
        remedy_id = resolution.remedy_type.pk
        state.used[remedy_id] = state.used.get(remedy_id, ZERO) + amount
        state.case.remedies_total += amount
        customer = state.case.customer.external_id
        self.customer_applied.setdefault(customer, []).append((at, amount))

    # --- escalations -------------------------------------------------------------

    def _escalation(self, state: _CaseState, settled: Settled, planned: PlannedRequest) -> None:
        """Routed to the supervisor on call, decided by them (or by level 2 after level 1
        timed out), at plausible times."""
        resolution = settled.resolution
        created = resolution.created_at
        routed = created + timedelta(milliseconds=self.rng.randint(80, 1500))
        wait = timedelta(seconds=int(self.rng.lognormvariate(5.9, 0.8)))
        first_timeout = timedelta(seconds=self.timeouts.get(1, 900))
        moves: list[tuple[datetime, int, User]] = [(routed, 1, self.users["pam"])]
        decided = routed + wait
        if wait > first_timeout and 2 in self.timeouts:
            moved = routed + first_timeout
            moves.append((moved, 2, self.users["sam"]))
            decided = moved + timedelta(seconds=int(self.rng.lognormvariate(5.3, 0.6)))
        latest = self.now - timedelta(minutes=1)
        decided = min(decided, latest) if decided > created else created
        outcome = self._outcome(state.agent.username, resolution.remedy_type.code, planned)
        granted = resolution.requested_amount
        if outcome == "lowered":
            granted = (granted * self.rng.choice(LOWER_SHARES)).quantize(Decimal("0.01"))
        if outcome == "denied":
            note = self.rng.choice(data.DENY_NOTES)
            resolution.status = Resolution.Status.DENIED
        else:
            notes = data.LOWER_NOTES if outcome == "lowered" else data.APPROVE_NOTES
            note = self.rng.choice(notes)
            resolution.status = Resolution.Status.APPLIED
            resolution.amount = granted
            resolution.applied_at = decided
            # Granted on the approver's authority: the case total moves, budgets do not.
            self._spent(state, resolution, granted, decided)
        settled.moves = moves
        settled.decided_at = decided
        settled.note = note
        settled.settled_at = decided

    def _outcome(self, agent: str, remedy: str, planned: PlannedRequest) -> str:
        """approved as asked ("unchanged"), "lowered" or "denied".

        Only the proposal pair earns a limit proposal (CONTRACT.md: at least 10 decided,
        90% of them unchanged): anyone else who reaches 10 stays under 85% unchanged.
        """
        tally = self.tallies.setdefault((agent, remedy), _Tally())
        tally.decided += 1
        if (agent, remedy) == data.PROPOSAL_PAIR or planned.forced == "unchanged":
            # One lowered among many, as in life; still well over 90% unchanged.
            if tally.decided == 12 and not tally.lowered:
                tally.lowered += 1
                return "lowered"
            tally.unchanged += 1
            return "unchanged"
        draw = self.rng.random()
        outcome = "unchanged" if draw < 0.66 else "lowered" if draw < 0.86 else "denied"
        if (
            outcome == "unchanged"
            and tally.decided >= 10
            and (tally.unchanged + 1) / tally.decided >= 0.85
        ):
            outcome = "lowered"
        if outcome == "unchanged":
            tally.unchanged += 1
        elif outcome == "lowered":
            tally.lowered += 1
        return outcome

    # --- users and budgets -------------------------------------------------------

    def _back_date_users(self) -> None:
        """Bootstrap only, like the demo cases' ages: the team has been here a while."""
        for user in User.objects.filter(username__in=data.TENURE_DAYS):
            joined = self.now - timedelta(days=data.TENURE_DAYS[user.username])
            if user.date_joined > joined:
                User.objects.filter(pk=user.pk).update(date_joined=joined)
                if user.username in self.users:
                    self.users[user.username].date_joined = joined

    def _windows(self) -> list[BudgetWindow]:
        """Every window the history spent in, with ``used`` equal to its ledger (plus
        what was there already) and the cap in force."""
        out = []
        for period, usage in (
            (BudgetWindow.Period.DAY, self.day_used),
            (BudgetWindow.Period.MONTH, self.month_used),
        ):
            for (user_id, remedy_id, start), used in usage.items():
                cap_key = (user_id, remedy_id, period, start)
                if cap_key not in self.caps:
                    continue  # a window the history did not touch
                out.append(
                    BudgetWindow(
                        user_id=user_id,
                        remedy_type_id=remedy_id,
                        period=period,
                        starts_on=start,
                        used=used,
                        cap=self.caps[cap_key],
                    )
                )
        return out
