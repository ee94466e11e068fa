"""Follow-ups over HTTP: GET/POST /api/v1/follow-ups/, GET/PATCH …/{id}/, POST …/{id}/done/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from discretion.followups.selectors import follow_up_list
from discretion.models import FollowUp
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/follow-ups/"


def _due(hours: float = 24) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_create_defaults_to_the_case_assignee(api, agent):
    owner = factories.UserFactory(role="agent")
    case = factories.CaseFactory(assignee=owner)
    response = api.as_user(agent).post(
        URL, {"case": case.pk, "due_at": _due(), "note": "Call back"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "case", "due_at", "note", "assigned_to", "status", "done_at"}
    assert body["case"] == case.pk and body["assigned_to"] == owner.pk
    assert body["status"] == "open" and body["done_at"] is None and body["note"] == "Call back"
    assert body["created_by"] == agent.pk and body["overdue"] is False


def test_create_without_a_case_assignee_assigns_the_creator(api, agent, case):
    response = api.as_user(agent).post(URL, {"case": case.pk, "due_at": _due()}, format="json")
    assert response.status_code == 201
    assert response.json()["assigned_to"] == agent.pk


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"due_at": "2030-01-01T10:00:00+00:00"}, "case"),
        ({"case": 999999, "due_at": "2030-01-01T10:00:00+00:00"}, "case"),
        ({"case": "CASE"}, "due_at"),
        ({"case": "CASE", "due_at": "tomorrow"}, "due_at"),
        ({"case": "CASE", "due_at": "2030-01-01T10:00:00+19:00"}, "due_at"),
        ({"case": "CASE", "due_at": "2030-01-01T10:00:00"}, "due_at"),
        ({"case": "CASE", "due_at": "2030-02-30T10:00:00Z"}, "due_at"),
        ({"case": "CASE", "due_at": "2030-01-01T10:00:00+00:00", "note": 5}, "note"),
        ({"case": "CASE", "due_at": "2030-01-01T10:00:00+00:00", "note": "x" * 2001}, "note"),
        (
            {"case": "CASE", "due_at": "2030-01-01T10:00:00+00:00", "assigned_to": 999999},
            "assigned_to",
        ),
    ],
)
def test_create_refuses_bad_input(api, agent, case, payload, field):
    payload = {k: (case.pk if v == "CASE" else v) for k, v in payload.items()}
    response = api.as_user(agent).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not FollowUp.objects.exists()


def test_an_agent_may_not_assign_to_someone_else(api, agent, case):
    other = factories.UserFactory(role="agent")
    response = api.as_user(agent).post(
        URL, {"case": case.pk, "due_at": _due(), "assigned_to": other.pk}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "follow_up_assignee"
    assert not FollowUp.objects.exists()


def test_a_supervisor_assigns_to_anyone(api, supervisor, case, agent):
    response = api.as_user(supervisor).post(
        URL, {"case": case.pk, "due_at": _due(), "assigned_to": agent.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["assigned_to"] == agent.pk


def test_filters_status_overdue_and_assignee(api, agent, supervisor):
    now = timezone.now()
    late = factories.FollowUpFactory(created_by=agent, due_at=now - timedelta(hours=2))
    soon = factories.FollowUpFactory(created_by=agent, due_at=now + timedelta(hours=2))
    done = factories.FollowUpFactory(
        created_by=agent, due_at=now - timedelta(days=1), status="done", done_at=now
    )
    someone_else = factories.FollowUpFactory(due_at=now - timedelta(hours=1))
    client = api.as_user(agent)

    def ids(query: str) -> list[int]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [done.pk, late.pk, soon.pk]  # soonest due first; only mine
    assert ids("?status=open") == [late.pk, soon.pk]
    assert ids("?status=done") == [done.pk]
    assert ids("?status=overdue") == [late.pk]
    assert ids("?assigned_to=me&status=overdue") == [late.pk]
    assert client.get(URL + "?status=overdue").json()["results"][0]["overdue"] is True
    everyone = api.as_user(supervisor)
    all_overdue = [r["id"] for r in everyone.get(URL + "?status=overdue").json()["results"]]
    assert all_overdue == [late.pk, someone_else.pk]
    mine = everyone.get(URL + f"?assigned_to={agent.pk}").json()
    assert mine["count"] == 3


@pytest.mark.parametrize(
    "query", ["?status=late", "?status=", "?assigned_to=you", "?assigned_to=-1", "?case=x"]
)
def test_bad_filters_are_400(api, agent, query):
    response = api.as_user(agent).get(URL + query)
    assert response.status_code == 400
    assert response.json()


def test_agents_see_their_own_and_their_cases(api, agent):
    mine = factories.FollowUpFactory(created_by=agent)
    their_case = factories.CaseFactory(assignee=agent)
    on_my_case = factories.FollowUpFactory(case=their_case)
    assigned_by_someone = factories.FollowUpFactory(assigned_to=agent)
    hidden = factories.FollowUpFactory()
    client = api.as_user(agent)
    listed = {row["id"] for row in client.get(URL).json()["results"]}
    assert listed == {mine.pk, on_my_case.pk, assigned_by_someone.pk}
    assert client.get(f"{URL}{hidden.pk}/").status_code == 404
    assert client.post(f"{URL}{hidden.pk}/done/").status_code == 404
    assert client.patch(f"{URL}{hidden.pk}/", {"note": "x"}, format="json").status_code == 404
    assert client.get(f"{URL}{mine.pk}/").json()["id"] == mine.pk
    assert client.get(f"{URL}99999999999999999999999/").status_code == 404


def test_done_once_then_409(api, agent):
    follow_up = factories.FollowUpFactory(created_by=agent)
    client = api.as_user(agent)
    first = client.post(f"{URL}{follow_up.pk}/done/")
    assert first.status_code == 200
    assert first.json()["status"] == "done" and first.json()["done_at"]
    again = client.post(f"{URL}{follow_up.pk}/done/")
    assert again.status_code == 409
    assert again.json()["code"] == "already_done" and again.json()["detail"]


def test_patch_changes_due_note_and_assignee(api, agent, supervisor):
    follow_up = factories.FollowUpFactory(created_by=agent)
    client = api.as_user(agent)
    new_due = timezone.now() + timedelta(days=3)
    response = client.patch(
        f"{URL}{follow_up.pk}/", {"due_at": new_due.isoformat(), "note": "Later"}, format="json"
    )
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.note == "Later" and abs(follow_up.due_at - new_due) < timedelta(seconds=1)
    other = factories.UserFactory(role="agent")
    refused = client.patch(f"{URL}{follow_up.pk}/", {"assigned_to": other.pk}, format="json")
    assert refused.status_code == 403
    moved = api.as_user(supervisor).patch(
        f"{URL}{follow_up.pk}/", {"assigned_to": other.pk}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["assigned_to"] == other.pk


@pytest.mark.parametrize(
    "payload", [{"status": "done"}, {"case": 1}, {"due_at": "2030-01-01T10:00:00"}, ["x"]]
)
def test_patch_refuses_what_cannot_change(api, agent, payload):
    follow_up = factories.FollowUpFactory(created_by=agent)
    response = api.as_user(agent).patch(f"{URL}{follow_up.pk}/", payload, format="json")
    assert response.status_code == 400


def test_patch_of_a_done_follow_up_is_409(api, agent):
    follow_up = factories.FollowUpFactory(created_by=agent, status="done", done_at=timezone.now())
    response = api.as_user(agent).patch(f"{URL}{follow_up.pk}/", {"note": "x"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "follow_up_done"


def test_needs_credentials(api):
    assert api.get(URL).status_code == 401
    assert api.post(URL, {}, format="json").status_code == 401


def test_list_query_count_is_constant(agent, django_assert_num_queries):
    for _ in range(6):
        factories.FollowUpFactory(created_by=agent)
    with django_assert_num_queries(1):
        rows = [
            (f.case.subject, f.assigned_to.username, f.created_by.username)
            for f in follow_up_list(user=agent)
        ]
    assert len(rows) == 6


def test_api_list_query_count(api, agent, django_assert_num_queries):
    client = api.as_user(agent)
    for _ in range(5):
        factories.FollowUpFactory(created_by=agent)
    # token lookup (with its user), the count, the page
    with django_assert_num_queries(3):
        response = client.get(URL + "?status=open&assigned_to=me")
    assert response.json()["count"] == 5
