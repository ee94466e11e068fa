"""On-call shifts, who is on call now, and the escalation policy (API + audit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from discretion.models import EscalationPolicy, OnCallShift
from tests import factories

pytestmark = pytest.mark.django_db

SHIFTS = "/api/v1/oncall-shifts/"


def shift_body(user, level=1, start=-1, end=1):
    now = timezone.now()
    return {
        "supervisor": user.pk,
        "level": level,
        "starts_at": (now + timedelta(hours=start)).isoformat(),
        "ends_at": (now + timedelta(hours=end)).isoformat(),
    }


def test_admin_creates_updates_deletes_shifts_with_audit(api, admin_user, supervisor):
    client = api.as_user(admin_user)
    response = client.post(SHIFTS, shift_body(supervisor), format="json")
    assert response.status_code == 201, response.json()
    shift = response.json()
    assert set(shift) >= {"id", "supervisor", "level", "starts_at", "ends_at"}
    assert shift["supervisor"] == supervisor.pk

    patched = client.patch(f"{SHIFTS}{shift['id']}/", {"level": 2}, format="json")
    assert patched.status_code == 200 and patched.json()["level"] == 2
    assert client.get(f"{SHIFTS}{shift['id']}/").json()["level"] == 2
    assert client.delete(f"{SHIFTS}{shift['id']}/").status_code == 204
    assert not OnCallShift.objects.exists()

    audits = AuditEvent.objects.filter(object_type="oncall_shift", object_id=str(shift["id"]))
    assert sorted(audits.values_list("action", flat=True)) == [
        "oncall_shift.create",
        "oncall_shift.delete",
        "oncall_shift.update",
    ]
    update = audits.get(action="oncall_shift.update")
    assert update.before["level"] == 1 and update.after["level"] == 2
    assert audits.get(action="oncall_shift.delete").after is None


def test_supervisors_read_agents_get_403(api, supervisor, agent, admin_user):
    factories.OnCallShiftFactory(supervisor=supervisor)
    as_supervisor = api.as_user(supervisor)
    listing = as_supervisor.get(SHIFTS)
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert as_supervisor.post(SHIFTS, shift_body(supervisor), format="json").status_code == 403
    assert api.as_user(agent).get(SHIFTS).status_code == 403
    api.credentials()
    assert api.get(SHIFTS).status_code == 401


@pytest.mark.parametrize(
    "change, field",
    [
        ({"ends_at": None}, "ends_at"),
        ({"level": 0}, "level"),
        ({"level": "one"}, "level"),
        ({"supervisor": 999999}, "supervisor"),
        ({"starts_at": "yesterday"}, "starts_at"),
        # Offsets past ±18:00 (PostgreSQL refuses them: once a 500) and no offset at all.
        ({"starts_at": "2026-01-01T00:00:00+22:00"}, "starts_at"),
        ({"ends_at": "2026-01-01T00:00:00-23:59"}, "ends_at"),
        ({"starts_at": 1767225600}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
    ],
)
def test_bad_shifts_are_400_naming_the_field(api, admin_user, supervisor, change, field):
    body = {**shift_body(supervisor), **change}
    if change.get("ends_at", "") is None:
        body["ends_at"] = body["starts_at"]  # ends when it starts
    response = api.as_user(admin_user).post(SHIFTS, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not OnCallShift.objects.exists() and not AuditEvent.objects.exists()


def test_only_supervisors_and_admins_can_be_on_call(api, admin_user, agent):
    response = api.as_user(admin_user).post(SHIFTS, shift_body(agent), format="json")
    assert response.status_code == 400 and "supervisor" in response.json()
    ok = api.post(SHIFTS, shift_body(admin_user), format="json")
    assert ok.status_code == 201


def test_patch_cannot_make_a_shift_end_before_it_starts(api, admin_user, supervisor):
    client = api.as_user(admin_user)
    shift = client.post(SHIFTS, shift_body(supervisor), format="json").json()
    early = (timezone.now() - timedelta(hours=5)).isoformat()
    response = client.patch(f"{SHIFTS}{shift['id']}/", {"ends_at": early}, format="json")
    assert response.status_code == 400 and "ends_at" in response.json()


def test_who_is_on_call_now(api, agent, admin_user):
    level1 = factories.UserFactory(role="supervisor", display_name="Ana")
    level2 = factories.UserFactory(role="supervisor", display_name="Bo")
    off = factories.UserFactory(role="supervisor")
    now = timezone.now()
    for user, level, start, end in [
        (level1, 1, -1, 1),
        (level2, 2, -1, 1),
        (off, 1, 1, 2),  # later today
    ]:
        OnCallShift.objects.create(
            supervisor=user,
            level=level,
            starts_at=now + timedelta(hours=start),
            ends_at=now + timedelta(hours=end),
        )
    body = api.as_user(agent).get("/api/v1/oncall/").json()
    assert "at" in body
    assert body["levels"] == [
        {
            "level": 1,
            "supervisors": [{"id": level1.pk, "username": level1.username, "display_name": "Ana"}],
        },
        {
            "level": 2,
            "supervisors": [{"id": level2.pk, "username": level2.username, "display_name": "Bo"}],
        },
    ]
    later = (now + timedelta(hours=1, minutes=30)).isoformat()
    body = api.get("/api/v1/oncall/", {"at": later}).json()
    assert [p["id"] for p in body["levels"][0]["supervisors"]] == [off.pk]
    assert api.get("/api/v1/oncall/", {"at": "soon"}).status_code == 400


POLICY = "/api/v1/escalation-policy/"


def test_policy_default_and_admin_update_with_audit(api, agent, admin_user):
    body = api.as_user(agent).get(POLICY).json()
    assert body["levels"] == [
        {"level": 1, "timeout_seconds": 900},
        {"level": 2, "timeout_seconds": 900},
    ]
    new = [
        {"level": 1, "timeout_seconds": 300},
        {"level": 2, "timeout_seconds": 600},
        {"level": 3, "timeout_seconds": 1200},
    ]
    assert api.put(POLICY, {"levels": new}, format="json").status_code == 403
    response = api.as_user(admin_user).put(POLICY, {"levels": new}, format="json")
    assert response.status_code == 200 and response.json()["levels"] == new
    assert EscalationPolicy.objects.get(pk=1).levels == new
    audit = AuditEvent.objects.get(object_type="escalation_policy")
    assert audit.before["levels"][0]["timeout_seconds"] == 900
    assert audit.after["levels"] == new


@pytest.mark.parametrize(
    "levels",
    [
        [],
        [{"level": 2, "timeout_seconds": 60}],
        [{"level": 1, "timeout_seconds": 60}, {"level": 3, "timeout_seconds": 60}],
        [{"level": 1, "timeout_seconds": 0}],
        [{"level": 1, "timeout_seconds": 1.5}],
        [{"level": 1, "timeout_seconds": "60"}],
        [{"level": 1, "timeout_seconds": True}],
        [{"level": 1}],
        "nope",
    ],
)
def test_bad_policies_are_400(api, admin_user, levels):
    response = api.as_user(admin_user).put(POLICY, {"levels": levels}, format="json")
    assert response.status_code == 400 and "levels" in response.json()
    assert EscalationPolicy.objects.get(pk=1).levels[0]["timeout_seconds"] == 900
    assert not AuditEvent.objects.exists()
