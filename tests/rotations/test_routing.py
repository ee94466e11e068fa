"""Routing to the right person on call: only someone whose own approval_max for the
remedy type covers the amount; a level with nobody able is passed over at once; rotations
and overrides put people on call; the routing path's query count stays bounded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discretion.escalations.routing import escalation_route, escalation_sweep
from discretion.escalations.selectors import oncall_supervisor_get
from discretion.models import Escalation, EscalationEvent, LimitRequest
from discretion.raises.routing import limit_request_route
from discretion.rotations.selectors import oncall_people
from tests import factories
from tests.support.escalations import approval_give, on_call, open_escalation
from tests.support.rotations import rotation_with

pytestmark = pytest.mark.django_db


def person(name, approval_max):
    user = factories.UserFactory(role="supervisor", display_name=name)
    approval_give(user, approval_max)
    return user


def history(escalation):
    return list(
        EscalationEvent.objects.filter(escalation=escalation)
        .order_by("at", "id")
        .values_list("event", "level", "assigned_to_id")
    )


def test_a_request_above_level_ones_approval_goes_straight_to_level_two():
    pam, sam = person("Pam Beesly", "1000.00"), person("Sam Rivera", "5000.00")
    on_call(pam, level=1)
    on_call(sam, level=2)
    escalation = open_escalation(amount="3000.00")
    assert escalation_route(escalation_id=escalation.pk) is True
    escalation.refresh_from_db()
    assert escalation.assigned_to == sam and escalation.level == 2 and not escalation.overdue
    assert history(escalation) == [
        ("created", 1, None),
        ("skipped_no_oncall", 1, None),
        ("assigned", 2, sam.pk),
    ]
    skipped = EscalationEvent.objects.get(escalation=escalation, event="skipped_no_oncall")
    assert "may approve $3,000.00" in skipped.note and "Pam Beesly" in skipped.note
    # Level 2's full timeout from now: no waiting for level 1's.
    assert escalation.due_at > timezone.now() + timedelta(seconds=890)


def test_a_request_within_level_ones_approval_stays_at_level_one():
    pam, sam = person("Pam", "1000.00"), person("Sam", "5000.00")
    on_call(pam, level=1)
    on_call(sam, level=2)
    escalation = open_escalation(amount="1000.00")  # exactly the approval_max
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.assigned_to == pam and escalation.level == 1


def test_within_a_level_the_able_one_is_chosen_over_a_less_loaded_one():
    low, high = person("Low", "100.00"), person("High", "5000.00")
    on_call(low, level=1)
    on_call(high, level=1)
    escalation = open_escalation(amount="300.00")
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.assigned_to == high and escalation.level == 1


def test_nobody_able_anywhere_falls_to_overdue_and_tells_the_admins():
    admin = factories.UserFactory(role="admin")
    on_call(person("Pam", "1000.00"), level=1)
    on_call(person("Sam", "2000.00"), level=2)
    no_limit = factories.UserFactory(role="supervisor")
    on_call(no_limit, level=2, approval_max=None)  # no approval_max at all
    escalation = open_escalation(amount="3000.00")
    escalation_route(escalation_id=escalation.pk)
    escalation.refresh_from_db()
    assert escalation.overdue and escalation.assigned_to is None and escalation.level == 2
    assert [e[0] for e in history(escalation)] == [
        "created",
        "skipped_no_oncall",
        "skipped_no_oncall",
        "overdue",
    ]
    assert admin.notifications.filter(kind="escalation_overdue").count() == 1
    # A sweep with the same people on call writes nothing more.
    assert escalation_sweep() == 0
    # Once someone able comes on call, the stranded escalation goes to them.
    boss = person("Boss", "5000.00")
    on_call(boss, level=2)
    assert escalation_sweep() == 1
    escalation.refresh_from_db()
    assert escalation.assigned_to == boss and not escalation.overdue


def test_a_timed_out_level_moves_past_levels_nobody_can_approve_at_once():
    factories.EscalationPolicyFactory(
        levels=[
            {"level": 1, "timeout_seconds": 60},
            {"level": 2, "timeout_seconds": 60},
            {"level": 3, "timeout_seconds": 60},
        ]
    )
    first, cheap, last = person("A", "5000.00"), person("B", "100.00"), person("C", "5000.00")
    on_call(first, level=1)
    on_call(cheap, level=2)
    on_call(last, level=3)
    escalation = open_escalation(amount="500.00")
    escalation_route(escalation_id=escalation.pk)
    later = timezone.now() + timedelta(seconds=61)
    assert escalation_route(escalation_id=escalation.pk, now=later) is True
    escalation.refresh_from_db()
    assert escalation.assigned_to == last and escalation.level == 3
    assert [e[:2] for e in history(escalation)][-2:] == [("skipped_no_oncall", 2), ("escalated", 3)]


def test_the_rotations_current_member_gets_it_and_an_override_replaces_them():
    ann, bob, cover = person("Ann", "5000.00"), person("Bob", "5000.00"), person("Cy", "5000.00")
    today = timezone.now().date()
    # Daily turns from three days ago at 00:00 UTC: turn 3 (Bob's, of two members) now.
    rotation = rotation_with(
        ann, bob, turn_days=1, starts_on=today - timedelta(days=3), handoff_time="00:00"
    )
    first = open_escalation()
    escalation_route(escalation_id=first.pk)
    first.refresh_from_db()
    assert first.assigned_to == bob
    factories.OnCallOverrideFactory(rotation=rotation, supervisor=cover)
    second = open_escalation()
    escalation_route(escalation_id=second.pk)
    second.refresh_from_db()
    assert second.assigned_to == cover  # Bob is off call while the override runs


def test_shifts_and_rotations_at_a_level_are_one_union():
    shift_person, turn_person = person("Shift", "5000.00"), person("Turn", "5000.00")
    on_call(shift_person, level=1)
    rotation_with(turn_person, level=1)
    on_call(turn_person, level=1)  # both a shift and a turn: listed once
    people = oncall_people(levels=[1, 2])
    assert sorted(p.user.pk for p in people[1]) == sorted([shift_person.pk, turn_person.pk])
    assert 2 not in people


def test_the_preview_selector_names_who_routing_would_pick():
    pam, sam = person("Pam", "1000.00"), person("Sam", "5000.00")
    on_call(pam, level=1)
    on_call(sam, level=2)
    refund = factories.remedy("refund").pk
    assert oncall_supervisor_get(level=1) == pam
    assert oncall_supervisor_get(remedy_type_id=refund, amount=Decimal("3000.00")) == sam
    assert oncall_supervisor_get(remedy_type_id=refund, amount=Decimal("9000.00")) is None


def test_a_limit_request_goes_to_whoever_is_on_call_as_its_deciders_may():
    """A raise may be decided by any supervisor or admin but the requester (the contract
    asks no approval_max of them), so its routing passes nobody over for one."""
    no_limit = factories.UserFactory(role="supervisor")
    on_call(no_limit, level=1, approval_max=None)
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    request = factories.LimitRequestFactory(requester=agent, per_remedy_max=Decimal("5000.00"))
    assert limit_request_route(limit_request_id=request.pk) is True
    assert LimitRequest.objects.get(pk=request.pk).assigned_to == no_limit


def _route_reads(amount="3000.00"):
    """(every statement, the SELECTs among them) of routing one new escalation."""
    escalation = open_escalation(amount=amount)
    with CaptureQueriesContext(connection) as ctx:
        assert escalation_route(escalation_id=escalation.pk) is True
    sql = [q["sql"] for q in ctx.captured_queries]
    return sql, [q for q in sql if q.startswith("SELECT")], Escalation.objects.get(pk=escalation.pk)


def test_routing_reads_who_is_on_call_in_a_bounded_number_of_queries():
    """Passing over levels costs no read per level: who is on call at every level it may
    try is read at once (the rotations' members, the overrides running, the people)."""
    factories.EscalationPolicyFactory(
        levels=[{"level": n, "timeout_seconds": 60} for n in range(1, 6)]
    )
    for level in range(1, 5):
        on_call(person(f"Low {level}", "100.00"), level=level)
    able = person("Able", "5000.00")
    on_call(able, level=5)
    statements, reads, routed = _route_reads()
    assert routed.assigned_to == able and routed.level == 5
    # The escalation with its joins, the rotations' members (none), the people on call.
    assert len(reads) == 3
    # + the savepoint and its release, the conditional UPDATE, one batch (one round trip)
    # of two rows (history, timeline) per entry (four levels passed over, one assigned),
    # the notification (ON CONFLICT DO NOTHING: no savepoint of its own). The count no
    # longer grows with the levels passed over.
    assert len(statements) == 8

    for level in range(1, 6):
        rotation = rotation_with(person(f"Turn {level}", "100.00"), level=level)
        factories.OnCallOverrideFactory(rotation=rotation, supervisor=person("Cover", "10.00"))
    statements, reads, routed = _route_reads()
    assert routed.level == 5
    assert len(reads) == 4  # + the overrides running now, for all five rotations at once
    assert len(statements) == 9


@pytest.mark.django_db(transaction=True)  # the task commits, as on a worker
def test_the_routing_task_is_eleven_statements_e_mail_included(
    django_assert_num_queries, mailoutbox
):
    """The whole task, as the worker runs it: BEGIN, the escalation with its joins, the
    rotations' members, the people on call, the conditional UPDATE, one batch (history
    and timeline), the notification, COMMIT; then the e-mail, sent right after the
    commit: BEGIN, its claim and read in one UPDATE … RETURNING, COMMIT. It was 15 (the
    notification in a savepoint of its own, a round trip per row, the claim and a
    SELECT of what to send)."""
    from discretion.escalations.tasks import route_escalation

    sam = person("Sam Rivera", "5000.00")
    sam.email = "sam@example.com"
    sam.save(update_fields=["email"])
    on_call(sam, level=1)
    escalation = open_escalation(amount="300.00")
    with django_assert_num_queries(11):
        assert route_escalation(escalation.pk) is True
    assert Escalation.objects.get(pk=escalation.pk).assigned_to == sam
    assert history(escalation) == [("created", 1, None), ("assigned", 1, sam.pk)]
    assert [m.to for m in mailoutbox] == [["sam@example.com"]]
    assert "Approval needed" in mailoutbox[0].subject
    # A second run (a redelivered message) moves nothing and sends nothing.
    assert route_escalation(escalation.pk) is False
    assert len(mailoutbox) == 1


def test_the_chain_repeats_from_level_one_before_going_overdue():
    factories.EscalationPolicyFactory(
        levels=[{"level": 1, "timeout_seconds": 60}, {"level": 2, "timeout_seconds": 60}],
        repeat_times=1,
    )
    first, second = person("First", "5000.00"), person("Second", "5000.00")
    on_call(first, level=1, hours=3)
    on_call(second, level=2, hours=3)
    escalation = open_escalation()
    assert escalation.policy_repeat_times == 1
    now = timezone.now()
    moves = []
    for step in range(5):
        escalation_route(escalation_id=escalation.pk, now=now + timedelta(seconds=61 * step))
        escalation.refresh_from_db()
        moves.append((escalation.level, escalation.assigned_to_id, escalation.round))
    assert moves[:4] == [
        (1, first.pk, 0),
        (2, second.pk, 0),
        (1, first.pk, 1),  # round 2 of 2: from level 1 again
        (2, second.pk, 1),
    ]
    assert escalation.overdue and moves[4] == (2, second.pk, 1)
    again = EscalationEvent.objects.filter(escalation=escalation, event="escalated", level=1).get()
    assert "round 2 of 2, from level 1 again" in again.note


def test_the_policy_api_reads_and_writes_repeat_times(api, admin_user):
    client = api.as_user(admin_user)
    levels = [{"level": 1, "timeout_seconds": 60}]
    assert client.get("/api/v1/escalation-policy/").json()["repeat_times"] == 0
    response = client.put(
        "/api/v1/escalation-policy/", {"levels": levels, "repeat_times": 2}, format="json"
    )
    assert response.status_code == 200 and response.json()["repeat_times"] == 2
    # A PUT without it keeps it.
    kept = client.put("/api/v1/escalation-policy/", {"levels": levels}, format="json")
    assert kept.json()["repeat_times"] == 2
    for bad in (11, -1, "2", True):
        response = client.put(
            "/api/v1/escalation-policy/", {"levels": levels, "repeat_times": bad}, format="json"
        )
        assert response.status_code == 400 and "repeat_times" in response.json()
