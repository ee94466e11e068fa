"""The history's rows, written in bulk with the invariants the services keep.

What ``resolution_request``, routing and ``escalation_decide`` write for one request,
this writes for thousands: the resolution (decision in the service's shape,
``applied_at``, ``budget_day``), the escalation (``policy_levels``, ``routed_at``,
``due_at``, ``version``, ``decided_by/at``) with its history (created, assigned,
escalated, approved/denied), the case timeline (the same kinds and sentences), the
cases' ``remedies_total`` and the budget windows, whose ``used`` is the sum of the
ledger and whose ``cap`` is the cap in force. Reviews and kudos come on top.

No audit rows and no notifications for the history. The audit trail is append-only and
hash-chained in id order: it records what was done in this deployment, when it was done;
back-dated events would make a trail whose times run backwards and claim decisions that
nobody took here. The seed's own acts (users, limits, shifts, rules, the five demo
decisions) are audited as usual. Notifications would fill everyone's bell with 90 days
of news on first login.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from cases.models import Case, CaseEvent, Customer, Resolution
from common.money import ZERO, money
from discretion import engine
from discretion.demo import data
from discretion.escalations.oncall import oncall_shift_create
from discretion.escalations.wording import _label, _remedy_phrase
from discretion.models import (
    BudgetWindow,
    Escalation,
    EscalationEvent,
    OnCallShift,
    Recognition,
    Review,
    User,
)

BATCH = 2000
REVIEW_SHARE = 0.05
# Verdicts of the done reviews, with their weights, and the notes their reviewers write.
VERDICTS: dict[str, tuple[int, tuple[str, ...]]] = {
    Review.Verdict.GOOD_CALL: (72, data.GOOD_NOTES),
    Review.Verdict.ABOVE_AND_BEYOND: (12, data.ABOVE_NOTES),
    Review.Verdict.COACH: (10, data.COACH_NOTES),
    Review.Verdict.POLICY_GAP: (6, data.POLICY_GAP_NOTES),
}
KUDOS = 30


@dataclass
class Settled:
    """One request as decided, and (when escalated) how its escalation went."""

    resolution: Resolution
    decision: engine.Decision
    moves: list[tuple[datetime, int, User]] = field(default_factory=list)
    decided_at: datetime | None = None
    note: str = ""
    settled_at: datetime | None = None
    escalation: Escalation | None = None


class HistoryRows:
    def __init__(
        self, *, now: datetime, rng: random.Random, users: dict[str, User], levels: list
    ) -> None:
        self.now = now
        self.rng = rng
        self.users = users
        self.levels = levels
        self.customers: list[Customer] = []
        self.cases: list[Case] = []
        self.settled: list[Settled] = []
        self.closes: list[tuple[Case, User, datetime, str]] = []

    def settle(self, settled: Settled) -> None:
        self.settled.append(settled)

    def case_close(self, case: Case, agent: User, settled: datetime) -> None:
        """Older cases are closed or resolved by their agent; recent ones stay open."""
        age = self.now - settled
        if age > timedelta(days=2):
            status = Case.Status.CLOSED if self.rng.random() < 0.75 else Case.Status.RESOLVED
        elif age > timedelta(hours=4) and self.rng.random() < 0.5:
            status = Case.Status.RESOLVED
        else:
            return
        at = settled + timedelta(minutes=self.rng.randint(5, 600))
        at = min(at, self.now - timedelta(minutes=5))
        case.status = status
        self.closes.append((case, agent, at, status))

    # --- writing -------------------------------------------------------------------

    def write(self, *, windows: list[BudgetWindow], admin: User) -> None:
        Customer.objects.bulk_create(self.customers, batch_size=BATCH)
        for case in self.cases:
            case.customer = case.customer  # picks up the customer's new pk
        Case.objects.bulk_create(self.cases, batch_size=BATCH)
        resolutions = [s.resolution for s in self.settled]
        for resolution in resolutions:
            resolution.case = resolution.case
        Resolution.objects.bulk_create(resolutions, batch_size=BATCH)
        self._escalations()
        self._timeline()
        self._reviews_and_kudos()
        BudgetWindow.objects.bulk_create(
            windows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["user", "remedy_type", "period", "starts_on"],
            update_fields=["used", "cap"],
        )
        self._updated_at()
        self._past_shifts(admin)

    def _escalations(self) -> None:
        rows = []
        for s in self.settled:
            if not s.moves:
                continue
            assert s.decided_at is not None
            last_at, level, assignee = s.moves[-1]
            timeout = next(
                (int(e["timeout_seconds"]) for e in self.levels if int(e["level"]) == level), 900
            )
            approved = s.resolution.status == Resolution.Status.APPLIED
            s.escalation = Escalation(
                resolution=s.resolution,
                status=Escalation.Status.APPROVED if approved else Escalation.Status.DENIED,
                level=level,
                assigned_to=assignee,
                policy_levels=self.levels,
                due_at=last_at + timedelta(seconds=timeout),
                routed_at=s.moves[0][0],
                overdue=False,
                version=len(s.moves) + 1,  # each move, then the decision
                decided_by=assignee,
                decision_note=s.note,
                decided_at=s.decided_at,
                created_at=s.resolution.created_at,
            )
            rows.append(s.escalation)
        Escalation.objects.bulk_create(rows, batch_size=BATCH)

    def _timeline(self) -> None:
        events: list[CaseEvent] = []
        history: list[EscalationEvent] = []

        def add(case: Case, at: datetime, kind: str, actor, summary: str, **info: Any) -> None:
            events.append(
                CaseEvent(case=case, at=at, kind=kind, actor=actor, summary=summary, data=info)
            )

        for case in self.cases:
            agent = case.assignee
            add(
                case,
                case.created_at,
                "created",
                agent,
                f"{_label(agent)} opened the case ({case.category}).",
                category=case.category,
                customer=case.customer.external_id,
            )
            add(
                case,
                case.created_at,
                "assigned",
                agent,
                f"Assigned to {_label(agent)}.",
                **{"from": None, "to": agent.pk if agent else None},
            )
        for s in self.settled:
            r, case, agent = s.resolution, s.resolution.case, s.resolution.agent
            at = r.created_at
            requested = r.requested_amount
            add(
                case,
                at,
                f"resolution_{s.decision.outcome}",
                agent,
                s.decision.summary,
                resolution=r.pk,
                remedy_type=r.remedy_type.code,
                amount=str(requested),
            )
            esc = s.escalation
            if esc is None:
                continue
            asked = _remedy_phrase(r, requested)
            add(
                case,
                at,
                "escalation_created",
                agent,
                f"{_label(agent)}'s {asked} needs a supervisor's approval; "
                f"escalation #{esc.pk} opened.",
                escalation=esc.pk,
                resolution=r.pk,
            )
            history.append(
                EscalationEvent(escalation=esc, at=at, event="created", actor=agent, level=1)
            )
            previous = None
            for moved_at, level, assignee in s.moves:
                who = f"{_label(assignee)} (on call, level {level})"
                if previous is None:
                    kind, note = "assigned", ""
                    summary = f"Escalation #{esc.pk} assigned to {who}."
                else:
                    timeout = int(moved_at.timestamp() - previous.timestamp())
                    kind, note = "escalated", f"Level {level - 1} timed out after {timeout} s."
                    summary = f"{note} Escalation #{esc.pk} moved to {who}."
                previous = moved_at
                history.append(
                    EscalationEvent(
                        escalation=esc,
                        at=moved_at,
                        event=kind,
                        level=level,
                        assigned_to=assignee,
                        note=note,
                    )
                )
                add(
                    case,
                    moved_at,
                    f"escalation_{kind}",
                    None,
                    summary,
                    escalation=esc.pk,
                    level=level,
                    assigned_to=assignee.pk,
                )
            decider = esc.decided_by
            verb = "approved" if esc.status == Escalation.Status.APPROVED else "denied"
            assert esc.decided_at is not None
            history.append(
                EscalationEvent(
                    escalation=esc,
                    at=esc.decided_at,
                    event=verb,
                    actor=decider,
                    level=esc.level,
                    assigned_to=esc.assigned_to,
                    note=s.note,
                )
            )
            summary = f"{_label(decider)} {verb} {_label(agent)}'s {_remedy_phrase(r)}"
            if verb == "approved" and r.amount != requested:
                summary += f" (lowered from {money(requested)})"
            summary += f"{': ' + s.note if s.note else ''}."
            add(
                case,
                esc.decided_at,
                f"escalation_{verb}",
                decider,
                summary,
                escalation=esc.pk,
                resolution=r.pk,
                amount=money(r.amount),
                note=s.note,
            )
        for case, agent, at, status in self.closes:
            add(
                case,
                at,
                "status_changed",
                agent,
                f"{_label(agent)} changed the status from open to {status}.",
                **{"from": "open", "to": status},
            )
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        EscalationEvent.objects.bulk_create(history, batch_size=BATCH)

    def _reviews_and_kudos(self) -> None:
        reviews: list[Review] = []
        kudos: list[Recognition] = []
        verdicts = list(VERDICTS)
        weights = [weight for weight, _ in VERDICTS.values()]
        for s in self.settled:
            r = s.resolution
            if not (r.counts_against_budget and r.remedy_type.monetary and r.amount > ZERO):
                continue
            if self.rng.random() >= REVIEW_SHARE:
                continue
            agent = r.agent
            team = agent.team.name if agent.team else ""
            reviewer = self.users[data.TEAM_REVIEWER.get(team, "pam")]
            review = Review(
                resolution=r, agent=agent, remedy_type=r.remedy_type, created_at=r.created_at
            )
            done = r.created_at + timedelta(hours=self.rng.randint(4, 60))
            # The last three days' draws wait in the review queue.
            if r.created_at < self.now - timedelta(days=3) and done < self.now - timedelta(hours=6):
                verdict = self.rng.choices(verdicts, weights)[0]
                if verdict == Review.Verdict.COACH and (
                    (agent.username, r.remedy_type.code) == data.PROPOSAL_PAIR
                ):
                    verdict = Review.Verdict.GOOD_CALL  # the proposal pair has no coaching
                note = self.rng.choice(VERDICTS[verdict][1])
                review.status, review.verdict, review.note = Review.Status.DONE, verdict, note
                review.reviewer, review.done_at = reviewer, done
            reviews.append(review)
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        for review in reviews:
            if review.verdict == Review.Verdict.ABOVE_AND_BEYOND:
                assert review.reviewer is not None and review.done_at is not None
                kudos.append(
                    Recognition(
                        agent=review.agent,
                        from_user=review.reviewer,
                        note=review.note,
                        resolution=review.resolution,
                        review=review,
                        created_at=review.done_at,
                    )
                )
        kudos += self._kudos()
        Recognition.objects.bulk_create(kudos, batch_size=BATCH)

    def _kudos(self) -> list[Recognition]:
        """Thanks between teammates, now and then over the 90 days."""
        teams: dict[str, list[User]] = {}
        for username in data.AGENT_LOAD:
            user = self.users[username]
            if user.team:
                teams.setdefault(user.team.name, []).append(user)
        groups = [members for members in teams.values() if len(members) > 1]
        out = []
        for _ in range(KUDOS):
            giver, receiver = self.rng.sample(self.rng.choice(groups), 2)
            at = self.now - timedelta(days=self.rng.randint(1, 89), hours=self.rng.randint(0, 9))
            out.append(
                Recognition(
                    agent=receiver,
                    from_user=giver,
                    note=self.rng.choice(data.KUDOS_NOTES),
                    created_at=at,
                )
            )
        return out

    def _updated_at(self) -> None:
        """A case was last touched at its last timeline event, not at seeding time."""
        table, events = Case._meta.db_table, CaseEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} c SET updated_at = e.last FROM "
                f"(SELECT case_id, MAX(at) AS last FROM {events} GROUP BY case_id) e "
                "WHERE e.case_id = c.id AND c.id = ANY(%(ids)s)",
                {"ids": [case.pk for case in self.cases]},
            )

    def _past_shifts(self, admin: User) -> None:
        """The on-call chain covered the history too (routing assigned only those on
        call): one shift per level up to the start of the current ones."""
        start = min(case.created_at for case in self.cases) - timedelta(days=1)
        for username, level in (("pam", 1), ("sam", 2)):
            supervisor = self.users[username]
            current = (
                OnCallShift.objects.filter(supervisor=supervisor, level=level)
                .order_by("starts_at")
                .values_list("starts_at", flat=True)
                .first()
            )
            end = min(current, self.now) if current else self.now
            if end > start:
                oncall_shift_create(
                    acting_user=admin,
                    supervisor=supervisor,
                    level=level,
                    starts_at=start,
                    ends_at=end,
                )
