"""What agents see (contract, second part: "Agents see what they need"): another agent's
resolution without their limits, usage or escalation routing."""

from decimal import Decimal as D

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_agent(db):
    return factories.UserFactory(role="agent", tier=factories.tier("standard"))


@pytest.fixture
def escalated(api, agent, case):
    factories.TrustLimitFactory(tier=agent.tier, per_remedy_max=D("10.00"), daily_max=D("50.00"))
    response = api.as_user(agent).post(
        f"/api/v1/cases/{case.pk}/resolutions/",
        {"remedy_type": "refund", "amount": "40.00", "reason": "Broken"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending_approval"
    return response.json()


def _reads(api, user, resolution, case):
    client = api.as_user(user)
    detail = client.get(f"/api/v1/resolutions/{resolution['id']}/").json()
    listed = client.get("/api/v1/resolutions/").json()["results"]
    on_case = client.get(f"/api/v1/cases/{case.pk}/resolutions/").json()["results"]
    return [detail, *(r for r in listed + on_case if r["id"] == resolution["id"])]


def test_another_agent_sees_no_limits_usage_or_routing(api, agent, other_agent, case, escalated):
    reads = _reads(api, other_agent, escalated, case)
    assert len(reads) == 3
    for body in reads:
        assert body["decision"]["checks"] == []
        assert body["escalation"] == {
            "id": escalated["escalation"]["id"],
            "status": escalated["escalation"]["status"],
        }
        assert body["decision"]["outcome"] == "escalate"
        text = str(body)
        assert "10.00" not in text and "50.00" not in text


@pytest.mark.parametrize("who", ["agent", "supervisor", "admin_user"])
def test_the_agent_and_supervisors_see_everything(request, api, case, escalated, who):
    user = request.getfixturevalue(who)
    for body in _reads(api, user, escalated, case):
        assert body["decision"]["checks"] == escalated["decision"]["checks"]
        assert body["decision"]["checks"]
        assert set(body["escalation"]) == {"id", "status", "level", "assigned_to", "due_at"}
