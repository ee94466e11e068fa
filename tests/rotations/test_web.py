"""The on-call admin screen: rotations and overrides added and edited, gaps of the
coming week listed, and the x of one occurrence asking first and warning of a gap."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discretion.models import EscalationPolicy, OnCallOverride, OnCallRotation, OnCallShift
from tests import factories
from tests.support.rotations import rotation_with

pytestmark = pytest.mark.django_db

PAGE = "/admin-ui/oncall/"


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_adds_and_edits_a_rotation_with_members_in_order(admin_client):
    ann = factories.UserFactory(role="supervisor", display_name="Ann Lee")
    bob = factories.UserFactory(role="supervisor", display_name="Bob Ray")
    response = admin_client.post(
        "/admin-ui/oncall/rotations/",
        {
            "name": "Seniors",
            "level": "2",
            "turn_days": "7",
            "handoff_time": "09:00",
            "time_zone": "Europe/Paris",
            "starts_on": "2026-11-30",
            "member_0": bob.pk,
            "member_1": "",
            "member_2": ann.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rotation = OnCallRotation.objects.get()
    assert list(rotation.members.values_list("supervisor_id", flat=True)) == [bob.pk, ann.pk]
    page = admin_client.get(PAGE).content.decode()
    assert "Seniors" in page and "hand-off 09:00 Europe/Paris" in page
    assert "Bob Ray → Ann Lee" in page
    edit = admin_client.get(f"/admin-ui/oncall/rotations/{rotation.pk}/").content.decode()
    assert 'value="Europe/Paris"' in edit
    bad = admin_client.post(
        f"/admin-ui/oncall/rotations/{rotation.pk}/",
        {
            "name": "Seniors",
            "level": "2",
            "turn_days": "7",
            "handoff_time": "09:00",
            "time_zone": "Paris",
            "starts_on": "2026-11-30",
            "member_0": ann.pk,
        },
    )
    assert bad.status_code == 400 and "is not an IANA time zone" in bad.content.decode()
    admin_client.post(f"/admin-ui/oncall/rotations/{rotation.pk}/", {"delete": "1"})
    assert not OnCallRotation.objects.exists()


def test_admin_adds_an_override_and_sees_the_turn_in_the_week(admin_client):
    ann = factories.UserFactory(role="supervisor", display_name="Ann Lee")
    cover = factories.UserFactory(role="supervisor", display_name="Cy Cover")
    rotation = rotation_with(ann, name="Weekly", turn_days=7)
    starts = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    response = admin_client.post(
        "/admin-ui/oncall/overrides/",
        {
            "rotation": rotation.pk,
            "supervisor": cover.pk,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    override = OnCallOverride.objects.get()
    page = admin_client.get(PAGE).content.decode()
    assert "Cy Cover takes “Weekly”" in page
    assert "Weekly (override)" in page and "Ann Lee" in page
    admin_client.post(f"/admin-ui/oncall/overrides/{override.pk}/delete/")
    assert not OnCallOverride.objects.exists()


def test_gaps_of_the_coming_week_are_listed_before_they_happen(admin_client):
    factories.EscalationPolicyFactory(levels=[{"level": 1, "timeout_seconds": 60}])
    pam = factories.UserFactory(role="supervisor")
    now = timezone.now()
    factories.OnCallShiftFactory(
        supervisor=pam, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2)
    )
    factories.OnCallShiftFactory(
        supervisor=pam, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=9)
    )
    page = admin_client.get(PAGE).content.decode()
    gap_from = timezone.localtime(now + timedelta(days=2))
    assert "Gaps in the coming week" in page
    assert f"nobody on call from {gap_from:%a %b} {gap_from.day}, {gap_from:%H:%M}" in page
    assert "Level 1" in page


def test_the_x_asks_first_removes_one_day_and_warns_of_the_gap(admin_client):
    pam = factories.UserFactory(role="supervisor", display_name="Pam Beesly")
    sam = factories.UserFactory(role="supervisor", display_name="Sam Rivera")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.make_aware(datetime.combine(monday, time.min), tz)
    long = factories.OnCallShiftFactory(
        supervisor=pam, level=1, starts_at=start, ends_at=start + timedelta(days=7)
    )
    # Sam covers Tuesday morning only: removing Pam's Tuesday leaves the rest uncovered.
    factories.OnCallShiftFactory(
        supervisor=sam,
        level=1,
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=12),
    )
    tuesday = monday + timedelta(days=1)
    week = admin_client.get(f"{PAGE}?week={monday.isoformat()}").content.decode()
    assert f"remove={long.pk}&amp;day={tuesday.isoformat()}" in week
    confirm = admin_client.get(
        f"{PAGE}?week={monday.isoformat()}&remove={long.pk}&day={tuesday.isoformat()}"
    ).content.decode()
    assert "Remove this occurrence?" in confirm
    assert "Only this day's part goes" in confirm
    assert "This leaves level 1 with nobody on call" in confirm
    assert OnCallShift.objects.count() == 2  # asking removed nothing
    sam_shift = OnCallShift.objects.get(supervisor=sam)
    sams_url = f"{PAGE}?week={monday.isoformat()}&remove={sam_shift.pk}&day={tuesday.isoformat()}"
    sams = admin_client.get(sams_url).content.decode()
    assert "Someone else stays on call at level 1 throughout" in sams  # Pam covers it
    response = admin_client.post(
        f"/admin-ui/oncall/shifts/{long.pk}/delete/",
        {"week": monday.isoformat(), "day": tuesday.isoformat()},
    )
    assert response.status_code == 302
    pams = OnCallShift.objects.filter(supervisor=pam).order_by("starts_at")
    assert [(s.starts_at, s.ends_at) for s in pams] == [
        (start, start + timedelta(days=1)),
        (start + timedelta(days=2), start + timedelta(days=7)),
    ]
    # Now Sam is alone on Tuesday morning: removing his shift would leave a gap.
    sams = admin_client.get(sams_url).content.decode()
    assert "This leaves level 1 with nobody on call" in sams


def _page_queries(admin_client):
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get(PAGE).status_code == 200
    return len(ctx.captured_queries)


def _more_oncall(n):
    people = [factories.UserFactory(role="supervisor") for _ in range(3)]
    now = timezone.now()
    for i in range(n):
        rotation = rotation_with(*people, name=f"R{n}-{i}", turn_days=1, level=1 + i % 2)
        factories.OnCallOverrideFactory(rotation=rotation, supervisor=people[0])
        factories.OnCallShiftFactory(
            supervisor=people[i % 3],
            starts_at=now + timedelta(hours=i),
            ends_at=now + timedelta(hours=i + 5),
        )


def test_the_oncall_page_reads_a_constant_number_of_queries(admin_client):
    _more_oncall(2)
    _page_queries(admin_client)  # the first request also saves the session
    few = _page_queries(admin_client)
    _more_oncall(6)
    assert _page_queries(admin_client) == few
    assert few == PAGE_QUERIES


# Session and user (2), the week's shifts (1), its rotation turns (members, overrides,
# people: 3), the policy (1), the rotation list with members (2), the overrides to come
# (1), the gaps of the coming week (policy, shifts, members, overrides, people: 5), and
# the forms' choices (the shift form's supervisors, the rotation form's people, the
# override form's rotations with members and supervisors: 5).
PAGE_QUERIES = 20


def test_the_policy_form_sets_how_often_the_chain_repeats(admin_client):
    response = admin_client.post(
        "/admin-ui/oncall/policy/", {"minutes_1": "15", "minutes_2": "15", "repeat_times": "2"}
    )
    assert response.status_code == 302
    assert EscalationPolicy.objects.get(pk=1).repeat_times == 2
    assert 'name="repeat_times" type="number" min="0" max="10" step="1" value="2"' in (
        admin_client.get(PAGE).content.decode()
    )
    response = admin_client.post(
        "/admin-ui/oncall/policy/", {"minutes_1": "15", "repeat_times": "11"}
    )
    assert (
        response.status_code == 400
        and "Repeat the chain 0 to 10 times." in response.content.decode()
    )
