"""``GET /api/v1/agents/{id}/record/``: who may read it, ``days``, and every count on a
known history (tests/records/conftest.py)."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/agents/{}/record/"

REFUND_90 = {
    "remedy_type": "refund",
    "requests": 8,
    "applied": 3,
    "escalated": 4,
    "approved_unchanged": 1,
    "approved_lowered": 1,
    "denied": 1,
    "rejected": 1,
    "reviewed": 2,
    "review_good": 1,
    "review_coach": 1,
    "applied_total": "100.00",
}
CREDIT_90 = {
    "remedy_type": "store_credit",
    "requests": 2,
    "applied": 2,
    "escalated": 0,
    "approved_unchanged": 0,
    "approved_lowered": 0,
    "denied": 0,
    "rejected": 0,
    "reviewed": 2,
    "review_good": 1,
    "review_coach": 0,
    "applied_total": "40.00",
}


def test_every_count_on_a_known_history(api, history):
    response = api.as_user(history.agent).get(URL.format(history.agent.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agent"] == history.agent.pk
    assert body["days"] == 90
    assert body["currency"] == "USD"
    assert body["remedies"] == [REFUND_90, CREDIT_90]
    assert body["recognitions"] == 2
    assert set(body) == {"agent", "days", "since", "currency", "remedies", "recognitions"}


def test_a_longer_window_takes_in_older_requests(api, history):
    body = api.as_user(history.agent).get(URL.format(history.agent.pk), {"days": "365"}).json()
    refund = body["remedies"][0]
    assert (refund["requests"], refund["applied"], refund["applied_total"]) == (9, 4, "199.00")
    assert (refund["reviewed"], refund["review_good"]) == (3, 2)
    assert body["remedies"][1] == CREDIT_90
    assert (body["days"], body["recognitions"]) == (365, 3)


def test_no_requests_is_an_empty_list(api, agent):
    body = api.as_user(agent).get(URL.format(agent.pk), {"days": "1"}).json()
    assert body["remedies"] == [] and body["recognitions"] == 0


def test_supervisors_and_admins_read_anyones(api, history, admin_user):
    for reader in (history.boss, admin_user):
        response = api.as_user(reader).get(URL.format(history.agent.pk))
        assert response.status_code == 200
        assert response.json()["remedies"] == [REFUND_90, CREDIT_90]


def test_another_agent_is_refused(api, history):
    response = api.as_user(history.other).get(URL.format(history.agent.pk))
    assert response.status_code == 403
    assert response.json()["code"] == "record_private"
    # ... whether or not the id exists: an agent learns nothing about other ids.
    assert api.as_user(history.other).get(URL.format(999_999)).status_code == 403


def test_unknown_id_404(api, supervisor):
    for pk in (999_999, 99999999999999999999):
        response = api.as_user(supervisor).get(URL.format(pk))
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"


def test_anonymous_401(api, agent):
    assert api.get(URL.format(agent.pk)).status_code == 401


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "", "9" * 30, "1.5", "٣", " 30"])
def test_bad_days_is_400_naming_days(api, agent, days):
    response = api.as_user(agent).get(URL.format(agent.pk), {"days": days})
    assert response.status_code == 400, (days, response.content)
    assert list(response.json()["fields"]) == ["days"]


@pytest.mark.parametrize("days", ["1", "30", "365"])
def test_days_at_the_edges(api, agent, days):
    response = api.as_user(agent).get(URL.format(agent.pk), {"days": days})
    assert response.status_code == 200 and response.json()["days"] == int(days)


def test_only_post_is_refused(api, agent):
    response = api.as_user(agent).post(URL.format(agent.pk), {}, format="json")
    assert response.status_code == 405 and "detail" in response.json()


def test_a_recognition_counts_only_for_its_agent(api, agent):
    giver = factories.UserFactory(role="agent")
    factories.RecognitionFactory(agent=giver, from_user=agent)
    body = api.as_user(agent).get(URL.format(agent.pk)).json()
    assert body["recognitions"] == 0


def test_query_count_is_fixed(api, history, django_assert_num_queries):
    own = api.as_user(history.agent)
    with django_assert_num_queries(3):  # token + user, the record, the recognitions
        assert own.get(URL.format(history.agent.pk)).status_code == 200
    boss = api.as_user(history.boss)
    with django_assert_num_queries(4):  # + the agent looked up
        assert boss.get(URL.format(history.agent.pk), {"days": "365"}).status_code == 200
    factories.ResolutionFactory.create_batch(20, agent=history.agent)
    with django_assert_num_queries(4):
        assert boss.get(URL.format(history.agent.pk)).status_code == 200
