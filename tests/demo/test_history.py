"""The demo history (``seed_demo``'s 90 days, ``discretion.demo``): every invariant the
services keep, checked with SQL on a seeded database, and idempotence.

The seed runs once for the module (about 10 s of CPU), inside a transaction that is
rolled back at the end; every test runs in a savepoint within it.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, CaseEvent, Customer, Resolution
from discretion.demo import data
from discretion.demo.plan import FIRST_REF, OUTAGE_DAYS_AGO, Planner
from discretion.models import (
    BudgetWindow,
    Escalation,
    EscalationEvent,
    OnCallShift,
    Recognition,
    Review,
    User,
)

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Customer,
    Case,
    CaseEvent,
    Resolution,
    Escalation,
    EscalationEvent,
    BudgetWindow,
    Review,
    Recognition,
    OnCallShift,
)
HIST = "c.external_ref LIKE 'HIST-%%'"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The full seed, once; its wall time is printed (``-s`` shows it), not asserted."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        started = time.monotonic()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        print(f"\nseed_demo with history: {time.monotonic() - started:.1f} s")
        yield out.getvalue()
        transaction.set_rollback(True)


def rows(sql: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.fetchall()


def one(sql: str, params: dict | None = None):
    return rows(sql, params)[0][0]


# The effective limit of a user for a remedy type: their own row, else their tier's.
EFFECTIVE = """
SELECT COALESCE(own.{col}, tier.{col})
  FROM discretion_user u
  LEFT JOIN discretion_trustlimit own ON own.agent_id = u.id AND own.remedy_type_id = {rt}
  LEFT JOIN discretion_trustlimit tier ON tier.tier_id = u.tier_id AND tier.remedy_type_id = {rt}
 WHERE u.id = {user}
"""


def test_budget_windows_equal_the_ledger(seeded):
    mismatched = rows(
        """
        WITH ledger AS (
          SELECT agent_id AS user_id, remedy_type_id, 'day' AS period, budget_day AS starts_on,
                 SUM(amount) AS used
            FROM cases_resolution WHERE counts_against_budget GROUP BY 1, 2, 3, 4
          UNION ALL
          SELECT agent_id, remedy_type_id, 'month', date_trunc('month', budget_day)::date,
                 SUM(amount)
            FROM cases_resolution WHERE counts_against_budget GROUP BY 1, 2, 3, 4
        )
        SELECT l.*, w.used FROM ledger l
          FULL OUTER JOIN discretion_budgetwindow w
            ON w.user_id = l.user_id AND w.remedy_type_id = l.remedy_type_id
           AND w.period = l.period AND w.starts_on = l.starts_on
         WHERE COALESCE(l.used, 0) <> COALESCE(w.used, 0)
        """
    )
    assert mismatched == []
    assert BudgetWindow.objects.filter(used__gt=0).count() > 500


def test_no_window_is_over_its_cap_and_each_cap_is_the_one_in_force(seeded):
    assert one("SELECT COUNT(*) FROM discretion_budgetwindow WHERE used > cap") == 0
    wrong = []
    for window in BudgetWindow.objects.filter(used__gt=0):
        column = "daily_max" if window.period == "day" else "monthly_max"
        cap = one(EFFECTIVE.format(col=column, rt=window.remedy_type_id, user=window.user_id))
        if window.cap != cap:
            wrong.append((window.pk, window.cap, cap))
    assert wrong == []


def test_every_own_authority_amount_fits_the_per_remedy_cap(seeded):
    over = rows(
        """
        SELECT r.id, r.amount, COALESCE(own.per_remedy_max, tier.per_remedy_max) AS cap
          FROM cases_resolution r
          JOIN cases_remedytype rt ON rt.id = r.remedy_type_id AND rt.monetary
          JOIN discretion_user u ON u.id = r.agent_id
          LEFT JOIN discretion_trustlimit own
            ON own.agent_id = u.id AND own.remedy_type_id = r.remedy_type_id
          LEFT JOIN discretion_trustlimit tier
            ON tier.tier_id = u.tier_id AND tier.remedy_type_id = r.remedy_type_id
         WHERE r.counts_against_budget
           AND (COALESCE(own.per_remedy_max, tier.per_remedy_max) IS NULL
                OR r.amount > COALESCE(own.per_remedy_max, tier.per_remedy_max))
        """
    )
    assert over == []
    # And within the per-case cap: this remedy's applied total on the case.
    over_case = rows(
        """
        SELECT r.case_id, r.remedy_type_id, r.agent_id FROM cases_resolution r
         WHERE r.counts_against_budget AND r.amount > 0
           AND (SELECT COALESCE(SUM(p.amount), 0) FROM cases_resolution p
                 WHERE p.case_id = r.case_id AND p.remedy_type_id = r.remedy_type_id
                   AND p.status = 'applied' AND p.applied_at <= r.applied_at)
             > (SELECT COALESCE(own.per_case_max, tier.per_case_max, 1e12)
                  FROM discretion_user u
                  LEFT JOIN discretion_trustlimit own
                    ON own.agent_id = u.id AND own.remedy_type_id = r.remedy_type_id
                  LEFT JOIN discretion_trustlimit tier
                    ON tier.tier_id = u.tier_id AND tier.remedy_type_id = r.remedy_type_id
                 WHERE u.id = r.agent_id)
        """
    )
    assert over_case == []


def test_applied_rows_have_their_times_and_budget_days(seeded):
    bad = rows(
        """
        SELECT id FROM cases_resolution
         WHERE (status = 'applied' AND applied_at IS NULL)
            OR (status <> 'applied' AND applied_at IS NOT NULL)
            OR (counts_against_budget AND (budget_day IS NULL OR applied_at <> created_at))
            OR (NOT counts_against_budget AND budget_day IS NOT NULL)
            OR (counts_against_budget AND budget_day <> (created_at AT TIME ZONE %(tz)s)::date)
        """,
        {"tz": timezone.get_current_timezone_name()},
    )
    assert bad == []


def test_case_totals_are_the_sum_of_applied_remedies(seeded):
    wrong = rows(
        """
        SELECT c.id FROM cases_case c
         WHERE c.remedies_total <> (SELECT COALESCE(SUM(amount), 0) FROM cases_resolution r
                                     WHERE r.case_id = c.id AND r.status = 'applied')
        """
    )
    assert wrong == []


def test_decisions_are_recorded_in_the_services_shape(seeded):
    # The five demo decisions went through resolution_request: the history's look alike.
    service = Resolution.objects.filter(case__external_ref__startswith="DEMO-").first()
    history = Resolution.objects.filter(case__external_ref__startswith="HIST-")
    keys = set(service.decision)
    checks = [c["name"] for c in service.decision["checks"]]
    assert set(service.decision["context"]) == {
        "amount",
        "remedy",
        "case",
        "customer",
        "agent",
        "incident",
    }
    for resolution in history.iterator():
        assert set(resolution.decision) == keys, resolution.pk
        assert [c["name"] for c in resolution.decision["checks"]] == checks
        expected = {"applied": "apply", "pending_approval": "escalate", "rejected": "reject"}
        if resolution.counts_against_budget or resolution.status == "rejected":
            assert resolution.decision["outcome"] == expected[resolution.status]
        else:
            assert resolution.decision["outcome"] == "escalate", resolution.pk
        assert resolution.decision["summary"]
    assert one(f"SELECT COUNT(*) FROM cases_case c WHERE {HIST} AND c.status = 'open'") > 0


def test_escalation_states_are_consistent(seeded):
    bad = rows(
        """
        SELECT e.id FROM discretion_escalation e JOIN cases_resolution r ON r.id = e.resolution_id
         WHERE (e.status = 'approved' AND NOT (r.status = 'applied' AND NOT r.counts_against_budget
                AND r.applied_at = e.decided_at AND r.amount <= r.requested_amount))
            OR (e.status = 'denied' AND r.status <> 'denied')
            OR (e.status = 'pending' AND r.status <> 'pending_approval')
            OR (e.status <> 'pending' AND (e.decided_by_id IS NULL OR e.decided_at IS NULL
                OR e.decided_at < e.created_at OR e.routed_at IS NULL
                OR e.decided_by_id <> e.assigned_to_id OR e.policy_levels = '[]'::jsonb))
            OR e.created_at < r.created_at
            OR e.decided_at > now()
        """
    )
    assert bad == []
    # Every decided escalation's history: created first, the decision last, the decider's
    # own approval_max covering what they granted, and the assignee on call when assigned.
    history = {}
    for event in EscalationEvent.objects.order_by("at", "id"):
        history.setdefault(event.escalation_id, []).append(event)
    decided = Escalation.objects.exclude(status="pending").select_related("resolution")
    for esc in decided:
        events = history[esc.pk]
        assert events[0].event == "created"
        assert events[1].event == "assigned"
        assert events[-1].event == esc.status
        assert events[-1].actor_id == esc.decided_by_id
        assert [e.at for e in events] == sorted(e.at for e in events)
        limit = one(
            EFFECTIVE.format(
                col="approval_max", rt=esc.resolution.remedy_type_id, user=esc.decided_by_id
            )
        )
        assert limit is not None and esc.resolution.amount <= limit
        assert OnCallShift.objects.filter(
            supervisor_id=events[1].assigned_to_id,
            level=events[1].level,
            starts_at__lte=events[1].at,
            ends_at__gt=events[1].at,
        ).exists(), esc.pk
    # The demo's two pending escalations stay the queue: the history has none.
    pending = Escalation.objects.filter(status="pending")
    assert {e.resolution.case.external_ref for e in pending} == {"DEMO-1003", "DEMO-1010"}


def test_every_decision_is_on_its_case_timeline(seeded):
    missing = rows(
        f"""
        SELECT r.id FROM cases_resolution r JOIN cases_case c ON c.id = r.case_id
         WHERE {HIST} AND NOT EXISTS (
           SELECT 1 FROM cases_caseevent e WHERE e.case_id = r.case_id
              AND e.kind = 'resolution_' || (r.decision->>'outcome')
              AND (e.data->>'resolution')::int = r.id)
        """
    )
    assert missing == []
    missing_decisions = rows(
        """
        SELECT e.id FROM discretion_escalation e JOIN cases_resolution r ON r.id = e.resolution_id
         WHERE e.status <> 'pending' AND NOT EXISTS (
           SELECT 1 FROM cases_caseevent ce WHERE ce.case_id = r.case_id
              AND ce.kind = 'escalation_' || e.status AND (ce.data->>'escalation')::int = e.id)
        """
    )
    assert missing_decisions == []
    assert (
        one(
            f"SELECT COUNT(*) FROM cases_case c WHERE {HIST} AND NOT EXISTS "
            "(SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'created')"
        )
        == 0
    )


def test_the_history_is_plausible(seeded):
    now = timezone.now()
    cases = Case.objects.filter(external_ref__startswith="HIST-")
    assert 3500 <= cases.count() <= 5500
    assert cases.filter(created_at__lt=now - timedelta(days=91)).count() == 0
    per_day = cases.count() / 90
    assert 40 <= per_day <= 60
    history = Resolution.objects.filter(case__external_ref__startswith="HIST-")
    total = history.count()
    assert total >= 2500
    own = history.filter(counts_against_budget=True).count()
    assert 0.75 <= own / total <= 0.85, own / total
    escalated = Escalation.objects.filter(resolution__in=history)
    approved = escalated.filter(status="approved")
    lowered = sum(
        1
        for e in approved.select_related("resolution")
        if e.resolution.amount < e.resolution.requested_amount
    )
    assert approved.count() > lowered > 20
    assert escalated.filter(status="denied").count() > 20
    assert escalated.filter(decided_by__username="sam").count() > 10
    assert 1 <= history.filter(status="rejected").count() <= 40
    # Every kind of remedy, every category, repeat customers.
    assert history.values("remedy_type").distinct().count() == 7
    assert set(cases.values_list("category", flat=True).distinct()) == {
        "question",
        "complaint",
        "crisis",
    }
    repeat = one(
        f"SELECT COUNT(*) FROM (SELECT customer_id FROM cases_case c WHERE {HIST} "
        "GROUP BY 1 HAVING COUNT(*) > 1) x"
    )
    assert repeat > 50
    # The outage: a burst of crisis cases three days ago.
    outage_day = timezone.localdate(now) - timedelta(days=OUTAGE_DAYS_AGO)
    crisis = cases.filter(category="crisis")
    on_outage = crisis.filter(created_at__date=outage_day).count()
    assert on_outage > 4 * crisis.count() / 90
    # Reviews of about 5% of the own-authority spend, some pending; kudos.
    reviews = Review.objects.all()
    assert 0.03 <= reviews.count() / own <= 0.07
    verdicts = set(reviews.values_list("verdict", flat=True))
    assert verdicts == {"", "good_call", "above_and_beyond", "coach", "policy_gap"}
    assert reviews.filter(status="pending").exists()
    above = reviews.filter(verdict="above_and_beyond")
    assert Recognition.objects.filter(review__in=above).count() == above.count()
    assert all(r.note for r in reviews.filter(verdict__in=("coach", "policy_gap")))
    kudos = Recognition.objects.filter(review__isnull=True).select_related("agent", "from_user")
    assert kudos.count() >= 25
    assert all(k.agent.team_id == k.from_user.team_id for k in kudos)


def test_exactly_the_proposal_pair_earns_a_limit_proposal(seeded):
    """CONTRACT.md: in the last 90 days, at least 10 escalations of that monetary type
    decided, at least 90% approved unchanged, no review verdict coach on that type."""
    since = timezone.now() - timedelta(days=90)
    qualifying = rows(
        """
        SELECT u.username, rt.code FROM discretion_escalation e
          JOIN cases_resolution r ON r.id = e.resolution_id
          JOIN cases_remedytype rt ON rt.id = r.remedy_type_id AND rt.monetary
          JOIN discretion_user u ON u.id = r.agent_id
         WHERE e.status <> 'pending' AND e.decided_at >= %(since)s
         GROUP BY u.id, u.username, rt.id, rt.code
        HAVING COUNT(*) >= 10
           AND SUM(CASE WHEN e.status = 'approved' AND r.amount = r.requested_amount
                   THEN 1 ELSE 0 END) >= 0.9 * COUNT(*)
           AND NOT EXISTS (SELECT 1 FROM discretion_review v WHERE v.agent_id = u.id
                             AND v.remedy_type_id = rt.id AND v.verdict = 'coach')
        """,
        {"since": since},
    )
    assert qualifying == [data.PROPOSAL_PAIR]
    # Others came close: pairs with 10 or more decided escalations but fewer unchanged.
    busy = one(
        """
        SELECT COUNT(*) FROM (SELECT r.agent_id, r.remedy_type_id FROM discretion_escalation e
          JOIN cases_resolution r ON r.id = e.resolution_id WHERE e.status <> 'pending'
         GROUP BY 1, 2 HAVING COUNT(*) >= 10) x
        """
    )
    assert busy >= 4


def test_the_demo_logins_keep_room_today(seeded):
    nina = User.objects.get(username="nina")
    today = timezone.localdate()
    own_today = Resolution.objects.filter(
        agent__username__in=("nina", "rosa", "omar", "lee"),
        case__external_ref__startswith="HIST-",
        budget_day=today,
    )
    assert not own_today.exists()
    # The demo's own decisions still apply within limits, after the history.
    assert Resolution.objects.get(case__external_ref="DEMO-1001").status == "applied"
    assert Resolution.objects.get(case__external_ref="DEMO-1007").status == "applied"
    month = BudgetWindow.objects.filter(
        user=nina, remedy_type__code="refund", period="month", starts_on=today.replace(day=1)
    ).first()
    assert month is None or month.used <= month.cap * Decimal("0.6") + Decimal("12.50")


def test_running_the_seed_again_adds_nothing(seeded):
    assert Case.objects.filter(external_ref=FIRST_REF).exists()
    before = {model.__name__: model.objects.count() for model in MODELS}
    out = StringIO()
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=fast):
        call_command("seed_demo", stdout=out)
    assert {model.__name__: model.objects.count() for model in MODELS} == before
    assert "0 history cases" in out.getvalue()
    created = re.search(r"(\d+) history cases", seeded)
    assert (
        created is not None and int(created.group(1)) == before["Case"] - 15
    )  # the live demo cases, outage ones included


def test_the_plan_is_the_same_for_the_same_now():
    """Deterministic: a fixed seed, so only "now" moves the history."""
    from_now = timezone.now()

    def plan(seed: int = 20261202):
        return [
            (
                c.ref,
                c.opened_at,
                c.agent,
                c.subject,
                c.customer,
                [(r.remedy, r.amount) for r in c.requests],
            )
            for c in Planner(now=from_now, seed=seed).plan()
        ]

    first = plan()
    assert first == plan()
    assert first != plan(seed=7)
    assert first[0][0] == FIRST_REF
