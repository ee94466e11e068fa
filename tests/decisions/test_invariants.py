"""Invariants of the money, under random histories (Hypothesis ``RuleBasedStateMachine``).

The machine drives the REAL code against PostgreSQL: resolution requests go through the
HTTP API (DRF's APIClient, with an ``Idempotency-Key`` each), retries replay a key with the
same body (same response, nothing changes) or another body (422, nothing changes),
supervisors approve (sometimes lowering the amount) and deny through
``escalation_decide``, admins raise, lower and remove caps through ``discretion.trust.services``,
the sweeper moves escalations, and the clock jumps across days and months (one patched
``django.utils.timezone.now`` that every caller of ``timezone.now()`` reads).

A shadow model, written from docs/api.md ("Resolutions") and not from the code,
predicts every decision exactly: a request applies iff ``amount ≤ per_remedy_max`` and
each window total (case, day, month) + amount ≤ its cap in force at that moment; else it
escalates. So a cap check that is off by one cent either way, a missing budget spend, or
a spend that does not match the ledger fails here.

After EVERY step:
- every budget window's ``used`` equals its ledger (applied resolutions that count
  against the budget, by ``budget_day``), the model's ledger equals the database's, and
  no window is above the cap stored with its last spend;
- ``/api/v1/me/`` shows, per remedy type, today's and this month's ledger sums;
- one resolution per idempotency key (and every resolution came from exactly one key);
- every pending-approval resolution has exactly one escalation, pending; an escalation
  is pending iff its resolution is; approved ↔ applied, denied ↔ denied;
- every case's ``remedies_total`` equals the sum of its applied resolutions.

Each example runs inside a savepoint of the test's transaction and is rolled back at the
end, so examples do not see each other's data (on-commit side effects never fire here;
routing is exercised by calling the sweeper as a rule).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from unittest import mock

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from cases.models import Case, Resolution
from common.errors import Conflict, DomainError, Forbidden
from discretion.escalations.routing import escalation_sweep
from discretion.escalations.services import escalation_decide
from discretion.models import BudgetWindow, Escalation, IdempotencyKey, OnCallShift, TrustLimit
from discretion.trust.selectors import me_discretion
from discretion.trust.services import trust_limit_create, trust_limit_update
from tests import factories
from tests.support.auth import api_token

ZERO = D("0.00")
CENT = D("0.01")
REMEDIES = ("refund", "store_credit")
AMOUNTS = [D(x) for x in ("5.00", "10.00", "20.00", "25.00", "40.00", "50.00", "75.00")] + [
    D(x) for x in ("100.00", "150.00", "250.00")
]
PER_REMEDY = [D(x) for x in ("25.00", "50.00", "100.00", "200.00")]
PER_CASE = [None, D("60.00"), D("100.00"), D("250.00")]
DAILY = [None, D("50.00"), D("100.00"), D("150.00"), D("300.00")]
MONTHLY = [None, D("150.00"), D("400.00"), D("1000.00")]
APPROVAL = [None, D("50.00"), D("150.00"), D("1000.00")]
CAP_CHOICES = {
    "per_remedy_max": PER_REMEDY,
    "per_case_max": PER_CASE,
    "daily_max": DAILY,
    "monthly_max": MONTHLY,
    "approval_max": APPROVAL,
}
LIMIT_FIELDS = tuple(CAP_CHOICES)
URL = "/api/v1/cases/{}/resolutions/"


def _money(value: D | None) -> str | None:
    return None if value is None else str(D(value).quantize(CENT))


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


class DiscretionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # One savepoint per example, rolled back in teardown().
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        # The clock: just before a month's end, so rollovers come early in a history.
        self.now = timezone.make_aware(datetime(2031, 1, 30, 21, 0))
        self._clock = mock.patch("django.utils.timezone.now", new=lambda: self.now)
        self._clock.start()

        self.admin = factories.UserFactory.create(role="admin", is_staff=True, is_superuser=True)
        standard, new = factories.tier("standard"), factories.tier("new")
        self.agents = [
            factories.UserFactory.create(role="agent", tier=standard),
            factories.UserFactory.create(role="agent", tier=standard),
            factories.UserFactory.create(role="agent", tier=new),
            factories.UserFactory.create(role="agent", tier=None),  # no limit at all
        ]
        senior = factories.tier("senior")
        self.supervisors = [
            factories.UserFactory.create(role="supervisor", tier=senior),
            factories.UserFactory.create(role="supervisor", tier=senior),
        ]
        self.clients = {}
        for user in self.agents:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user, lasting=True)}")
            self.clients[user.pk] = client
        self.cases = [factories.CaseFactory.create() for _ in range(3)]
        self.remedy_ids = {code: factories.remedy(code).pk for code in REMEDIES}
        for supervisor in self.supervisors:
            OnCallShift.objects.create(
                supervisor=supervisor,
                level=1,
                starts_at=self.now - timedelta(days=1),
                ends_at=self.now + timedelta(days=400),
            )

        # The model. Limits by scope: ("tier", code, remedy) or ("agent", user id, remedy).
        self.limits: dict[tuple, dict] = {}
        self.limit_rows: dict[tuple, int] = {}
        for code, caps in (
            ("standard", ("100.00", "250.00", "200.00", "500.00", None)),
            ("new", ("25.00", "60.00", "50.00", "150.00", None)),
            ("senior", ("200.00", None, "300.00", "1000.00", "150.00")),
        ):
            for remedy in REMEDIES:
                values = {
                    name: (D(v) if v is not None else None)
                    for name, v in zip(LIMIT_FIELDS, caps, strict=True)
                }
                self._limit_create(("tier", code, remedy), values)
        self.tier_of = {u.pk: (u.tier.code if u.tier else None) for u in self.agents}
        self.tier_of.update({u.pk: "senior" for u in self.supervisors})
        # Ledger of budget spends: (user id, remedy, budget day, amount).
        self.ledger: list[tuple[int, str, date, D]] = []
        self.case_applied: dict[tuple[int, str], D] = defaultdict(lambda: ZERO)
        self.case_total: dict[int, D] = defaultdict(lambda: ZERO)
        # Resolutions by id: {status, agent, case, remedy, amount, escalation}.
        self.resolutions: dict[int, dict] = {}
        self.keys: dict[str, dict] = {}  # Idempotency-Key -> {agent, case, body, status, json}
        self.key_counter = itertools.count(1)
        # Agents whose /me may have changed since it was last checked (all, at first).
        self.stale_me = {u.pk for u in self.agents}

    def teardown(self) -> None:
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- model helpers ----------------------------------------------------------------

    def _limit_create(self, scope: tuple, values: dict) -> None:
        kind, who, remedy = scope
        row = trust_limit_create(
            acting_user=self.admin,
            remedy_type=factories.remedy(remedy),
            tier=factories.tier(who) if kind == "tier" else None,
            agent=None if kind == "tier" else self._user(who),
            reason="state machine",
            **values,
        )
        self.limits[scope] = dict(values)
        self.limit_rows[scope] = row.pk

    def _user(self, pk: int):
        for user in [*self.agents, *self.supervisors]:
            if user.pk == pk:
                return user
        raise KeyError(pk)

    def effective(self, user_id: int, remedy: str) -> dict | None:
        own = self.limits.get(("agent", user_id, remedy))
        if own is not None:
            return own
        tier = self.tier_of.get(user_id)
        return self.limits.get(("tier", tier, remedy)) if tier else None

    def today(self) -> date:
        return timezone.localdate(self.now)

    def used(self, user_id: int, remedy: str, *, month: bool) -> D:
        today = self.today()
        return sum(
            (
                amount
                for (uid, r, day, amount) in self.ledger
                if uid == user_id
                and r == remedy
                and ((day.year, day.month) == (today.year, today.month) if month else day == today)
            ),
            ZERO,
        )

    def predict(self, user_id: int, case_id: int, remedy: str, amount: D) -> bool:
        """True iff docs/api.md ("Resolutions") says the request applies at once."""
        limit = self.effective(user_id, remedy)
        if limit is None:
            return amount <= ZERO
        caps = (
            (limit["per_case_max"], self.case_applied[(case_id, remedy)]),
            (limit["daily_max"], self.used(user_id, remedy, month=False)),
            (limit["monthly_max"], self.used(user_id, remedy, month=True)),
        )
        return amount <= limit["per_remedy_max"] and all(
            cap is None or used + amount <= cap for cap, used in caps
        )

    def headroom(self, user_id: int, case_id: int, remedy: str) -> D | None:
        """The most that would still apply now (None: no limit)."""
        limit = self.effective(user_id, remedy)
        if limit is None:
            return None
        room = [limit["per_remedy_max"]]
        for cap, used in (
            (limit["per_case_max"], self.case_applied[(case_id, remedy)]),
            (limit["daily_max"], self.used(user_id, remedy, month=False)),
            (limit["monthly_max"], self.used(user_id, remedy, month=True)),
        ):
            if cap is not None:
                room.append(cap - used)
        return min(room)

    def snapshot(self) -> tuple:
        """What a replay must not change."""
        return (
            Resolution.objects.count(),
            Escalation.objects.count(),
            IdempotencyKey.objects.count(),
            BudgetWindow.objects.aggregate(total=Sum("used"))["total"],
            Case.objects.aggregate(total=Sum("remedies_total"))["total"],
            tuple(Resolution.objects.order_by("pk").values_list("pk", "status", "amount")),
        )

    # --- rules: requests and retries --------------------------------------------------

    @rule(
        agent_i=st.integers(0, 3),
        case_i=st.integers(0, 2),
        remedy=st.sampled_from(REMEDIES),
        amount=st.one_of(
            st.sampled_from(AMOUNTS),
            st.sampled_from(["headroom", "headroom+1c", "headroom-1c"]),
        ),
    )
    def request(self, agent_i, case_i, remedy, amount):
        agent, case = self.agents[agent_i], self.cases[case_i]
        if isinstance(amount, str):
            room = self.headroom(agent.pk, case.pk, remedy)
            base = room if room is not None else D("10.00")
            amount = base + {"headroom": ZERO, "headroom+1c": CENT, "headroom-1c": -CENT}[amount]
            # A money remedy of 0.00 is a 400 (contract, second part): the least is a cent.
            amount = max(amount, CENT)
        expected_applied = self.predict(agent.pk, case.pk, remedy, amount)
        limit = self.effective(agent.pk, remedy)
        key = f"k-{next(self.key_counter)}"
        body = {"remedy_type": remedy, "amount": _money(amount), "reason": "Late parcel."}
        response = self.clients[agent.pk].post(
            URL.format(case.pk), body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 201, response.content
        data = response.json()
        self.keys[key] = {
            "agent": agent.pk,
            "case": case.pk,
            "body": body,
            "status": response.status_code,
            "json": data,
        }
        status = data["status"]
        assert status == ("applied" if expected_applied else "pending_approval"), (
            f"{remedy} {amount} by agent {agent.pk} on case {case.pk} with limit {limit}, "
            f"day used {self.used(agent.pk, remedy, month=False)}, "
            f"month used {self.used(agent.pk, remedy, month=True)}, "
            f"case used {self.case_applied[(case.pk, remedy)]}: got {data['decision']}"
        )
        record = {
            "status": status,
            "agent": agent.pk,
            "case": case.pk,
            "remedy": remedy,
            "amount": amount,
            "escalation": None,
        }
        if expected_applied:
            # The invariant itself, at the moment of application: every window total
            # after this spend is within the cap in force now.
            day_after = self.used(agent.pk, remedy, month=False) + amount
            month_after = self.used(agent.pk, remedy, month=True) + amount
            case_after = self.case_applied[(case.pk, remedy)] + amount
            if limit is not None:
                for cap, total in (
                    (limit["daily_max"], day_after),
                    (limit["monthly_max"], month_after),
                    (limit["per_case_max"], case_after),
                ):
                    assert cap is None or total <= cap
            self.ledger.append((agent.pk, remedy, self.today(), amount))
            self.case_applied[(case.pk, remedy)] += amount
            self.case_total[case.pk] += amount
        else:
            assert data["escalation"] is not None and data["escalation"]["status"] == "pending"
            record["escalation"] = data["escalation"]["id"]
        self.resolutions[data["id"]] = record
        self.stale_me.add(agent.pk)

    @precondition(lambda self: self.keys)
    @rule(pick=st.integers(0, 10_000))
    def retry_same_key(self, pick):
        key = sorted(self.keys)[pick % len(self.keys)]
        first = self.keys[key]
        before = self.snapshot()
        response = self.clients[first["agent"]].post(
            URL.format(first["case"]), first["body"], format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == first["status"]
        assert response.json() == first["json"]
        assert response.headers.get("Idempotent-Replayed") == "true"
        assert self.snapshot() == before

    @precondition(lambda self: self.keys)
    @rule(pick=st.integers(0, 10_000))
    def retry_key_with_another_body(self, pick):
        key = sorted(self.keys)[pick % len(self.keys)]
        first = self.keys[key]
        before = self.snapshot()
        body = {**first["body"], "amount": _money(D(first["body"]["amount"]) + CENT)}
        response = self.clients[first["agent"]].post(
            URL.format(first["case"]), body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 422, response.content
        assert self.snapshot() == before

    # --- rules: supervisors -----------------------------------------------------------

    def _pending(self) -> list[int]:
        return sorted(
            r for r, rec in self.resolutions.items() if rec["status"] == "pending_approval"
        )

    @precondition(lambda self: self._pending())
    @rule(
        pick=st.integers(0, 10_000),
        sup_i=st.integers(0, 1),
        lower=st.sampled_from([None, D("0.01"), D("0.5"), D("0.99")]),
        approve=st.booleans(),
    )
    def decide(self, pick, sup_i, lower, approve):
        pending = self._pending()
        resolution_id = pending[pick % len(pending)]
        record = self.resolutions[resolution_id]
        supervisor = self.supervisors[sup_i]
        requested = record["amount"]
        amount = None
        if approve and lower is not None:
            amount = max((requested * lower).quantize(CENT), ZERO)
        granted = amount if amount is not None else requested
        limit = self.effective(supervisor.pk, record["remedy"])
        allowed = (
            limit is not None
            and limit["approval_max"] is not None
            and granted <= limit["approval_max"]
        )
        before = self.snapshot()
        try:
            escalation_decide(
                acting_user=supervisor,
                escalation_id=record["escalation"],
                approve=approve,
                amount=amount,
                note="" if approve else "Not this time.",
            )
        except DomainError as refused:
            assert not allowed, f"refused although allowed: {refused.message}"
            assert isinstance(refused, Forbidden)
            assert self.snapshot() == before
            return
        assert allowed, f"{supervisor.pk} decided {granted} with approval limit {limit}"
        if approve:
            record["status"] = "applied"
            record["amount"] = granted
            # On the approver's authority: the case total moves, the agent's budget not.
            self.case_applied[(record["case"], record["remedy"])] += granted
            self.case_total[record["case"]] += granted
        else:
            record["status"] = "denied"

    @precondition(
        lambda self: any(
            r["status"] in ("applied", "denied") and r["escalation"]
            for r in self.resolutions.values()
        )
    )
    @rule(pick=st.integers(0, 10_000), sup_i=st.integers(0, 1), approve=st.booleans())
    def decide_again(self, pick, sup_i, approve):
        decided = sorted(
            r
            for r, rec in self.resolutions.items()
            if rec["escalation"] and rec["status"] in ("applied", "denied")
        )
        record = self.resolutions[decided[pick % len(decided)]]
        before = self.snapshot()
        with pytest.raises(DomainError) as refused:
            escalation_decide(
                acting_user=self.supervisors[sup_i],
                escalation_id=record["escalation"],
                approve=approve,
                note="again",
            )
        assert isinstance(refused.value, Forbidden | Conflict)
        assert self.snapshot() == before

    @rule()
    def sweep(self):
        escalation_sweep(now=self.now)

    # --- rules: limits ----------------------------------------------------------------

    @rule(pick=st.integers(0, 10_000), field=st.sampled_from(LIMIT_FIELDS), data=st.data())
    def change_limit(self, pick, field, data):
        scopes = sorted(self.limits, key=str)
        scope = scopes[pick % len(scopes)]
        value = data.draw(st.sampled_from(CAP_CHOICES[field]), label="value")
        row = TrustLimit.objects.get(pk=self.limit_rows[scope])
        trust_limit_update(
            acting_user=self.admin, trust_limit=row, changes={field: value}, reason="change"
        )
        self.limits[scope][field] = value
        self.stale_me.update(u.pk for u in self.agents)

    @rule(agent_i=st.integers(0, 3), remedy=st.sampled_from(REMEDIES), data=st.data())
    def add_agent_override(self, agent_i, remedy, data):
        agent = self.agents[agent_i]
        scope = ("agent", agent.pk, remedy)
        if scope in self.limits:
            return
        values = {
            name: data.draw(st.sampled_from(choices), label=name)
            for name, choices in CAP_CHOICES.items()
        }
        self._limit_create(scope, values)
        self.stale_me.add(agent.pk)

    # --- rules: time ------------------------------------------------------------------

    @rule(hours=st.integers(1, 30))
    def advance_clock(self, hours):
        self.now += timedelta(hours=hours)
        self.stale_me.update(u.pk for u in self.agents)

    @rule()
    def to_last_evening_of_month(self):
        last = _month_end(self.today())
        evening = timezone.make_aware(datetime(last.year, last.month, last.day, 23, 30))
        self.now = max(self.now, evening)
        self.stale_me.update(u.pk for u in self.agents)

    # --- invariants -------------------------------------------------------------------

    def _db_ledger(self) -> dict[tuple[int, int, date], D]:
        rows = (
            Resolution.objects.filter(counts_against_budget=True)
            .values("agent_id", "remedy_type_id", "budget_day")
            .annotate(total=Sum("amount"))
        )
        return {(r["agent_id"], r["remedy_type_id"], r["budget_day"]): r["total"] for r in rows}

    @invariant()
    def budget_windows_equal_the_ledger(self):
        ledger = self._db_ledger()
        by_window: dict[tuple, D] = defaultdict(lambda: ZERO)
        for (user_id, remedy_id, day), total in ledger.items():
            by_window[(user_id, remedy_id, "day", day)] += total
            by_window[(user_id, remedy_id, "month", day.replace(day=1))] += total
        windows = {
            (w.user_id, w.remedy_type_id, w.period, w.starts_on): w
            for w in BudgetWindow.objects.all()
        }
        for key, total in by_window.items():
            window = windows.get(key)
            used = window.used if window else ZERO
            assert used == total, f"window {key}: used {used}, ledger {total}"
        for key, window in windows.items():
            assert window.used == by_window.get(key, ZERO), f"window {key} without ledger"
            assert window.cap is None or window.used <= window.cap

        # The model's ledger is the database's.
        remedy_ids = self.remedy_ids
        model: dict[tuple, D] = defaultdict(lambda: ZERO)
        for user_id, remedy, day, amount in self.ledger:
            model[(user_id, remedy_ids[remedy], day)] += amount
        assert {k: v for k, v in model.items() if v} == {k: v for k, v in ledger.items() if v}

    @invariant()
    def me_shows_the_ledger(self):
        # Only the agents whose figures can have moved since the last check (a request of
        # theirs, a limit change, the clock). The first of them is asked over HTTP
        # (GET /api/v1/me/); the rest through the selector that view returns verbatim as
        # ``discretion``, which is the same figures for half the cost.
        first = True
        for agent in self.agents:
            if agent.pk not in self.stale_me:
                continue
            if first:
                response = self.clients[agent.pk].get("/api/v1/me/")
                assert response.status_code == 200
                figures = response.json()["discretion"]
                first = False
            else:
                figures = me_discretion(agent)
            rows = {row["remedy_type"]: row for row in figures}
            for remedy in REMEDIES:
                row = rows[remedy]
                assert row["daily_used"] == _money(self.used(agent.pk, remedy, month=False))
                assert row["monthly_used"] == _money(self.used(agent.pk, remedy, month=True))
                limit = self.effective(agent.pk, remedy)
                for cap in ("daily_max", "monthly_max"):
                    assert row[cap] == _money(limit[cap] if limit else None)
        self.stale_me.clear()

    @invariant()
    def one_resolution_per_idempotency_key(self):
        keys = list(
            IdempotencyKey.objects.filter(key__startswith="k-").values_list(
                "key", "state", "response_body"
            )
        )
        assert len(keys) == len(self.keys)
        ids = [body["id"] for _, state, body in keys]
        assert all(state == IdempotencyKey.State.DONE for _, state, _ in keys)
        assert len(ids) == len(set(ids))
        assert sorted(ids) == sorted(Resolution.objects.values_list("pk", flat=True))
        assert sorted(ids) == sorted(self.resolutions)

    @invariant()
    def escalations_match_resolutions(self):
        pairs = list(
            Escalation.objects.values_list("resolution_id", "status", "resolution__status")
        )
        expected = {
            "pending": "pending_approval",
            "approved": "applied",
            "denied": "denied",
        }
        by_resolution = defaultdict(int)
        for resolution_id, status, resolution_status in pairs:
            by_resolution[resolution_id] += 1
            assert expected[status] == resolution_status, (resolution_id, status)
        for pk, status in Resolution.objects.values_list("pk", "status"):
            assert status == self.resolutions[pk]["status"]
            if status == "pending_approval":
                assert by_resolution[pk] == 1
        for escalation in Escalation.objects.filter(status="pending", routed_at__isnull=False):
            # Routed by the sweeper: assigned, or overdue with nobody left to ask.
            assert escalation.assigned_to_id is not None or escalation.overdue

    @invariant()
    def case_totals_equal_applied_resolutions(self):
        applied = dict(
            Resolution.objects.filter(status="applied")
            .values("case_id")
            .annotate(total=Sum("amount"))
            .values_list("case_id", "total")
        )
        for case in Case.objects.filter(pk__in=[c.pk for c in self.cases]):
            assert case.remedies_total == applied.get(case.pk, ZERO)
            assert case.remedies_total == self.case_total[case.pk]


@pytest.mark.django_db
def test_money_invariants_hold_under_random_histories():
    run_state_machine_as_test(
        DiscretionMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,  # no example database under the repo; every run is fresh
        ),
    )
