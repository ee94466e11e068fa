"""Rotations, overrides, gaps and "who could decide it" over the API (CONTRACT.md, "The
right person on call"): shapes, permissions, validation naming the field, audit rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent
from discretion.models import OnCallOverride, OnCallRotation
from tests import factories
from tests.support.escalations import approval_give, on_call
from tests.support.rotations import rotation_with

pytestmark = pytest.mark.django_db

ROTATIONS = "/api/v1/oncall-rotations/"
OVERRIDES = "/api/v1/oncall-overrides/"


def body(*members, **extra):
    return {
        "name": "Weekly seniors",
        "level": 2,
        "members": [m.pk for m in members],
        "turn_days": 7,
        "handoff_time": "09:00",
        "time_zone": "Europe/Paris",
        "starts_on": "2026-11-30",
    } | extra


def test_admin_creates_reads_patches_deletes_a_rotation_with_audit(api, admin_user):
    ann, bob = (factories.UserFactory(role="supervisor") for _ in range(2))
    client = api.as_user(admin_user)
    created = client.post(ROTATIONS, body(bob, ann), format="json")
    assert created.status_code == 201, created.json()
    rotation = created.json()
    assert rotation == {
        "id": rotation["id"],
        "name": "Weekly seniors",
        "level": 2,
        "members": [bob.pk, ann.pk],  # turn order as given
        "turn_days": 7,
        "handoff_time": "09:00",
        "time_zone": "Europe/Paris",
        "starts_on": "2026-11-30",
    }
    url = f"{ROTATIONS}{rotation['id']}/"
    patched = client.patch(url, {"members": [ann.pk, bob.pk], "turn_days": 1}, format="json")
    assert patched.status_code == 200
    assert patched.json()["members"] == [ann.pk, bob.pk] and patched.json()["turn_days"] == 1
    assert client.get(url).json()["members"] == [ann.pk, bob.pk]
    assert client.get(ROTATIONS).json()["count"] == 1
    assert client.delete(url).status_code == 204
    assert not OnCallRotation.objects.exists()
    audits = AuditEvent.objects.filter(object_type="oncall_rotation", object_id=str(rotation["id"]))
    assert sorted(audits.values_list("action", flat=True)) == [
        "oncall_rotation.create",
        "oncall_rotation.delete",
        "oncall_rotation.update",
    ]
    update = audits.get(action="oncall_rotation.update")
    assert update.before["members"] == [bob.pk, ann.pk] and update.after["members"] == [
        ann.pk,
        bob.pk,
    ]


def test_supervisors_read_rotations_and_overrides_agents_get_403(api, supervisor, agent):
    rotation = rotation_with(supervisor)
    factories.OnCallOverrideFactory(rotation=rotation)
    reader = api.as_user(supervisor)
    assert reader.get(ROTATIONS).json()["results"][0]["members"] == [supervisor.pk]
    assert reader.get(OVERRIDES).json()["count"] == 1
    assert reader.post(ROTATIONS, body(supervisor), format="json").status_code == 403
    assert reader.delete(f"{ROTATIONS}{rotation.pk}/").status_code == 403
    for path in (ROTATIONS, OVERRIDES, "/api/v1/oncall/gaps/"):
        assert api.as_user(agent).get(path).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "+02:00"}, "time_zone"),
        ({"members": []}, "members"),
        ({"members": [999999]}, "members"),
        ({"members": ["1"]}, "members"),
        ({"turn_days": 0}, "turn_days"),
        ({"turn_days": 366}, "turn_days"),
        ({"level": 0}, "level"),
        ({"handoff_time": "25:00"}, "handoff_time"),
        ({"starts_on": "2026-02-30"}, "starts_on"),
        ({"starts_on": "9999-12-31"}, "starts_on"),
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"members": [99999999999999999999]}, "members"),
        ({"members": [1, True]}, "members"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_rotations_are_400_naming_the_field(api, admin_user, supervisor, change, field):
    response = api.as_user(admin_user).post(ROTATIONS, body(supervisor, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not OnCallRotation.objects.exists()


def test_members_and_override_supervisors_must_supervise(api, admin_user, supervisor, agent):
    client = api.as_user(admin_user)
    response = client.post(ROTATIONS, body(supervisor, agent), format="json")
    assert response.status_code == 400 and "only supervisors and admins" in str(response.json())
    rotation = rotation_with(supervisor)
    response = client.patch(f"{ROTATIONS}{rotation.pk}/", {"members": [agent.pk]}, format="json")
    assert response.status_code == 400 and "members" in response.json()
    now = timezone.now()
    override = {
        "rotation": rotation.pk,
        "supervisor": agent.pk,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    response = client.post(OVERRIDES, override, format="json")
    assert response.status_code == 400 and "supervisor" in response.json()
    backwards = override | {"supervisor": supervisor.pk, "ends_at": now.isoformat()}
    response = client.post(OVERRIDES, backwards, format="json")
    assert response.status_code == 400 and "ends_at" in response.json()
    assert not OnCallOverride.objects.exists()


def test_admin_adds_and_removes_an_override_with_audit(api, admin_user, supervisor):
    rotation = rotation_with(supervisor)
    cover = factories.UserFactory(role="admin")
    client = api.as_user(admin_user)
    now = timezone.now()
    created = client.post(
        OVERRIDES,
        {
            "rotation": rotation.pk,
            "supervisor": cover.pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert set(created.json()) == {"id", "rotation", "supervisor", "starts_at", "ends_at"}
    listed = client.get(f"{OVERRIDES}?rotation={rotation.pk}&current=1").json()
    assert [o["supervisor"] for o in listed["results"]] == [cover.pk]
    assert client.delete(f"{OVERRIDES}{created.json()['id']}/").status_code == 204
    assert client.delete(f"{OVERRIDES}{created.json()['id']}/").status_code == 404
    assert sorted(
        AuditEvent.objects.filter(object_type="oncall_override").values_list("action", flat=True)
    ) == ["oncall_override.create", "oncall_override.delete"]


def test_oncall_lists_only_those_who_could_decide(api, agent):
    pam = factories.UserFactory(role="supervisor", username="pam")
    sam = factories.UserFactory(role="supervisor", username="sam")
    approval_give(pam, "1000.00")
    approval_give(sam, "5000.00")
    on_call(pam, level=1)
    on_call(sam, level=2)
    client = api.as_user(agent)

    def names(query=""):
        response = client.get(f"/api/v1/oncall/{query}")
        assert response.status_code == 200, response.json()
        return {
            e["level"]: [p["username"] for p in e["supervisors"]] for e in response.json()["levels"]
        }

    assert names() == {1: ["pam"], 2: ["sam"]}
    assert names("?remedy_type=refund&amount=3000.00") == {1: [], 2: ["sam"]}
    assert names("?remedy_type=refund&amount=1000") == {1: ["pam"], 2: ["sam"]}
    assert names("?remedy_type=refund&amount=9000.00") == {1: [], 2: []}
    assert names("?remedy_type=refund") == {1: ["pam"], 2: ["sam"]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?remedy_type=teleport&amount=10", "remedy_type"),
        ("?amount=10", "remedy_type"),
        ("?remedy_type=refund&amount=-5", "amount"),
        ("?remedy_type=refund&amount=1.234", "amount"),
        ("?remedy_type=refund&amount=abc", "amount"),
        ("?remedy_type=refund&amount=1e3", "amount"),
        ("?remedy_type=refund&amount=99999999999999", "amount"),
    ],
)
def test_bad_oncall_filters_are_400_naming_the_field(api, agent, query, field):
    response = api.as_user(agent).get(f"/api/v1/oncall/{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_gaps_of_the_coming_days(api, supervisor):
    factories.EscalationPolicyFactory(
        levels=[{"level": 1, "timeout_seconds": 60}, {"level": 2, "timeout_seconds": 60}]
    )
    now = timezone.now()
    factories.OnCallShiftFactory(
        supervisor=supervisor,
        level=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    factories.OnCallShiftFactory(
        supervisor=supervisor,
        level=1,
        starts_at=now + timedelta(days=1, hours=6),
        ends_at=now + timedelta(days=5),
    )
    response = api.as_user(supervisor).get("/api/v1/oncall/gaps/?days=3")
    assert response.status_code == 200
    page = response.json()
    start, end = parse_datetime(page["starts_at"]), parse_datetime(page["ends_at"])
    assert now <= start < now + timedelta(seconds=5) and end == start + timedelta(days=3)
    gaps = [
        (g["level"], parse_datetime(g["starts_at"]), parse_datetime(g["ends_at"]))
        for g in page["results"]
    ]
    # Level 1: the six hours between its two shifts; level 2 has nobody at all.
    assert gaps == [
        (1, now + timedelta(days=1), now + timedelta(days=1, hours=6)),
        (2, start, end),
    ]
    assert page["count"] == 2


@pytest.mark.parametrize("days", ["0", "32", "-1", "abc", "7.5", "99999999999999999999"])
def test_gaps_days_out_of_range_is_400(api, supervisor, days):
    response = api.as_user(supervisor).get(f"/api/v1/oncall/gaps/?days={days}")
    assert response.status_code == 400 and "days" in response.json()


def test_rotation_list_query_count(api, supervisor, django_assert_num_queries):
    people = [factories.UserFactory(role="supervisor") for _ in range(3)]
    for n in range(4):
        rotation_with(*people, name=f"R{n}", starts_on=date(2026, 1, 1))
    client = api.as_user(supervisor)
    with django_assert_num_queries(4):  # token + user, count, page, members
        assert client.get(ROTATIONS).json()["count"] == 4


def test_override_list_and_gaps_query_counts(api, supervisor, django_assert_num_queries):
    people = [factories.UserFactory(role="supervisor") for _ in range(3)]
    for n in range(4):
        rotation = rotation_with(*people, name=f"R{n}", level=1 + n % 2)
        factories.OnCallOverrideFactory(rotation=rotation, supervisor=people[n % 3])
        factories.OnCallShiftFactory(supervisor=people[n % 3], level=1 + n % 2)
    client = api.as_user(supervisor)
    with django_assert_num_queries(3):  # token + user, count, page (rotation, supervisor)
        assert client.get(OVERRIDES).json()["count"] == 4
    # token + user, the policy, then the shifts, members, overrides and people.
    with django_assert_num_queries(6):
        assert client.get("/api/v1/oncall/gaps/?days=31").status_code == 200


def test_an_override_of_a_huge_or_unknown_rotation_is_400(api, admin_user, supervisor):
    now = timezone.now()
    for rotation in (99999999999999999999, 424242, "x"):
        response = api.as_user(admin_user).post(
            OVERRIDES,
            {
                "rotation": rotation,
                "supervisor": supervisor.pk,
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 400 and "rotation" in response.json()
