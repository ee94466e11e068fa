"""Recognition (kudos) over HTTP: anyone to anyone else, the agent is notified."""

from __future__ import annotations

import pytest

from discretion.models import Notification, Recognition
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/recognitions/"


def give(api, user, **body):
    return api.as_user(user).post(URL, body, format="json")


def test_any_user_gives_kudos_and_the_agent_is_notified(api, agent):
    teammate = factories.UserFactory(role="agent")
    resolution = factories.ResolutionFactory(agent=teammate, status="applied")
    response = give(api, agent, agent=teammate.pk, note="Great save.", resolution=resolution.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "agent", "from", "note", "resolution", "created_at"} <= set(body)
    assert body["agent"] == teammate.pk and body["from"] == agent.pk
    assert body["note"] == "Great save." and body["resolution"] == resolution.pk
    notification = Notification.objects.get(recipient=teammate)
    assert notification.kind == "recognition"
    assert notification.dedupe_key == f"recognition{body['id']}"
    assert "Kudos from" in notification.title


def test_never_for_oneself(api, agent):
    response = give(api, agent, agent=agent.pk, note="I am great.")
    assert response.status_code == 403
    assert "yourself" in response.json()["detail"]
    assert not Recognition.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"agent": "drop", "note": "x"}, "agent"),
        ({"agent": 999999, "note": "x"}, "agent"),
        ({"agent": None, "note": "x"}, "agent"),
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "x", "resolution": 999999}, "resolution"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, agent, body, field):
    teammate = factories.UserFactory()
    payload = {"agent": teammate.pk} | body
    if payload["agent"] == "drop":
        del payload["agent"]
    response = give(api, agent, **payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not Recognition.objects.exists()


def test_a_resolution_must_be_the_agents_own(api, agent):
    teammate, other = factories.UserFactory(), factories.UserFactory()
    resolution = factories.ResolutionFactory(agent=other)
    response = give(api, agent, agent=teammate.pk, note="x", resolution=resolution.pk)
    assert response.status_code == 400 and "resolution" in response.json()


def test_the_note_limit_is_2000(api, agent):
    teammate = factories.UserFactory()
    assert give(api, agent, agent=teammate.pk, note="x" * 2000).status_code == 201


def test_list_and_filter_by_agent(api, agent, django_assert_num_queries):
    one, two = factories.UserFactory(), factories.UserFactory()
    factories.RecognitionFactory(agent=one, from_user=agent)
    factories.RecognitionFactory(agent=two, from_user=agent)
    factories.RecognitionFactory(agent=two, from_user=one)
    client = api.as_user(agent)
    client.get(URL)
    # token + user (1), count (1), the page with agent, giver and resolution joined (1)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 3
    rows = client.get(f"{URL}?agent={two.pk}").json()["results"]
    assert [r["agent"] for r in rows] == [two.pk, two.pk]
    assert rows[0]["from"] == one.pk  # newest first
    assert client.get(f"{URL}?agent=nobody").status_code == 400
    api.credentials()
    assert api.get(URL).status_code == 401
