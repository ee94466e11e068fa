"""What happened, before anything is decided: the cases of the last 90 days, who worked
them, which customer wrote, and the remedies the agents asked for.

Pure Python over ``discretion.demo.data`` with one seeded ``random.Random``: the same
plan on every run except for "now". ``discretion.demo.history`` then decides every
request with the engine, in time order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from discretion.demo import data

HISTORY_DAYS = 90
OUTAGE_DAYS_AGO = 3
# The demo logins keep today's budgets for the person trying the demo.
DEMO_LOGINS = ("nina", "rosa", "omar", "lee")
REF_PREFIX = "HIST-"
FIRST_REF = f"{REF_PREFIX}00001"  # the history's marker: present means already loaded


@dataclass
class PlannedRequest:
    remedy: str
    amount: Decimal
    reason: str
    after_minutes: int  # after the case opened, or after the previous request was settled
    forced: str | None = None  # "unchanged": an approver grants it as asked (the proposal pair)


@dataclass
class PlannedCase:
    ref: str
    opened_at: datetime
    agent: str
    category: str
    subject: str
    description: str
    customer: tuple[str, str, str]  # external id, name, e-mail
    requests: list[PlannedRequest] = field(default_factory=list)


class Planner:
    def __init__(self, *, now: datetime, seed: int = 20261202) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.today = timezone.localdate(now)
        self.customers: list[tuple[str, str, str]] = []
        self.regulars: list[tuple[str, str, str]] = []
        self.cases: list[PlannedCase] = []
        agents = list(data.AGENT_LOAD)
        self.agents = agents
        self.weights = [data.AGENT_LOAD[a][0] for a in agents]

    # --- the whole plan ------------------------------------------------------------

    def plan(self) -> list[PlannedCase]:
        for days_ago in range(HISTORY_DAYS, -1, -1):
            day = self.today - timedelta(days=days_ago)
            if days_ago == 0:
                self._today(day)
                continue
            weekend = day.weekday() >= 5
            count = self.rng.randint(40, 60) if not weekend else self.rng.randint(30, 42)
            for _ in range(count):
                category = self.rng.choices(("question", "complaint", "crisis"), (30, 65, 5))[0]
                self._case(day=day, category=category)
            if days_ago == OUTAGE_DAYS_AGO:
                self._outage(day)
        self._proposal_run()
        self.cases.sort(key=lambda case: case.opened_at)
        for number, case in enumerate(self.cases, start=1):
            case.ref = f"{REF_PREFIX}{number:05d}"
        return self.cases

    def _today(self, day: date) -> None:
        """A light morning: a few cases, none of them the demo logins', before now."""
        others = [a for a in self.agents if a not in DEMO_LOGINS]
        for _ in range(6):
            opened = self._at(day, hour_from=0) if self.now.hour < 9 else self._at(day)
            if opened >= self.now - timedelta(hours=2):
                continue
            self._case(day=day, category="question", agent=self.rng.choice(others), at=opened)

    def _outage(self, day: date) -> None:
        """The outage: a burst of crisis cases in one afternoon."""
        subject, description = data.OUTAGE
        start = _aware(day, time(13, 0))
        for _ in range(self.rng.randint(32, 40)):
            at = start + timedelta(minutes=self.rng.randint(0, 300))
            case = self._case(day=day, category="crisis", at=at, subject=(subject, description))
            case.requests = case.requests[:1] or [self._request("goodwill_gesture", case.agent)]

    def _proposal_run(self) -> None:
        """Rosa's refunds just over her cap of 100, every one approved unchanged."""
        agent, remedy = data.PROPOSAL_PAIR
        for days_ago in range(84, 3, -6):
            day = self.today - timedelta(days=days_ago)
            case = self._case(day=day, category="complaint", agent=agent, draw=False)
            amount = Decimal(self.rng.randrange(110, 190)) + Decimal("0.00")
            reason = "Refund of the damaged item; the customer keeps it, no return needed."
            case.requests = [
                PlannedRequest(remedy, amount, reason, self.rng.randint(10, 60), "unchanged")
            ]

    # --- one case ------------------------------------------------------------------

    def _case(
        self,
        *,
        day: date,
        category: str,
        agent: str | None = None,
        at: datetime | None = None,
        subject: tuple[str, str] | None = None,
        draw: bool = True,
    ) -> PlannedCase:
        agent = agent or self.rng.choices(self.agents, self.weights)[0]
        title, description = subject or self.rng.choice(data.SUBJECTS[category])
        case = PlannedCase(
            ref="",
            opened_at=at or self._at(day),
            agent=agent,
            category=category,
            subject=title.format(n=self.rng.randint(50000, 59999)),
            description=description,
            customer=self._customer(),
        )
        if draw:
            code = self.rng.choices(*zip(*data.REMEDY_MIX[category], strict=True))[0]
            if code is not None:
                case.requests.append(self._request(code, agent))
                if category == "complaint" and code != "apology" and self.rng.random() < 0.15:
                    extra = self.rng.choice(("apology", "goodwill_gesture", "expedited_shipping"))
                    case.requests.append(self._request(extra, agent))
        self.cases.append(case)
        return case

    def _request(self, code: str, agent: str) -> PlannedRequest:
        reason = self.rng.choice(data.REASONS[code])
        amount = self._amount(code, agent)
        if code == "refund" and self.rng.random() < 0.006:
            # Now and then someone tries a refund only Finance may give: a deny rule.
            amount, reason = Decimal(self.rng.randrange(1100, 1900)), data.BIG_REFUND_REASON
        return PlannedRequest(code, amount.quantize(Decimal("0.01")), reason, self._minutes())

    def _amount(self, code: str, agent: str) -> Decimal:
        if code == "apology":
            return Decimal("0.00")
        if code in data.AMOUNT_CHOICES:
            return Decimal(self.rng.choice(data.AMOUNT_CHOICES[code]))
        mu, sigma, low, high = data.AMOUNT_LOGNORMAL[code]
        scale = data.AGENT_LOAD[agent][1]
        value = math.exp(self.rng.gauss(mu, sigma)) * scale
        value = min(max(value, low), high)
        # Prices end like prices: whole, .50 or .99.
        ending = self.rng.choice((Decimal("0.00"), Decimal("0.50"), Decimal("0.99")))
        return Decimal(int(value)) + ending

    def _minutes(self) -> int:
        return max(2, int(self.rng.lognormvariate(3.0, 0.8)))

    def _customer(self) -> tuple[str, str, str]:
        """A new customer, or (a quarter of the time) one who has written before."""
        if self.regulars and self.rng.random() < 0.25:
            return self.rng.choice(self.regulars)
        first, last = self.rng.choice(data.FIRST_NAMES), self.rng.choice(data.LAST_NAMES)
        number = 60001 + len(self.customers)
        email = f"{first.lower()}.{last.lower()}{number % 97}@example.net"
        customer = (f"C-{number}", f"{first} {last}", email)
        self.customers.append(customer)
        if self.rng.random() < 0.12:
            self.regulars.append(customer)
        return customer

    def _at(self, day: date, hour_from: int = 7) -> datetime:
        """A moment of a working day (07:00 to 20:59 in TIME_ZONE)."""
        hour = self.rng.randint(hour_from, 20) if hour_from < 20 else 20
        return _aware(day, time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)))


def _aware(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))
