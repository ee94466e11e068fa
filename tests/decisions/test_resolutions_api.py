"""POST/GET resolutions and preview through the real API (docs/api.md, "Resolutions")."""

from decimal import Decimal as D

import pytest

from audit.models import AuditEvent
from cases.models import Case, CaseEvent, Resolution
from discretion.models import BudgetWindow, Escalation
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/{}/resolutions/"


@pytest.fixture
def limits(agent):
    return factories.TrustLimitFactory(
        tier=agent.tier,
        per_remedy_max=D("100.00"),
        per_case_max=D("150.00"),
        daily_max=D("200.00"),
        monthly_max=D("1000.00"),
    )


def post(api, user, case, **body):
    payload = {"remedy_type": "refund", "amount": "25.00", "reason": "Late parcel"} | body
    return api.as_user(user).post(URL.format(case.pk), payload, format="json")


def test_within_limits_applies_at_once_and_spends_budget(api, agent, case, limits):
    response = post(api, agent, case, amount="25.00", customer_message="Sorry about that.")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied"
    assert body["amount"] == "25.00"
    assert body["currency"] == "USD"
    assert body["escalation"] is None
    assert body["case"] == case.pk and body["agent"] == agent.pk
    assert body["customer_message"] == "Sorry about that."
    decision = body["decision"]
    assert decision["outcome"] == "apply"
    assert decision["summary"].startswith("Applies now")
    assert [c["name"] for c in decision["checks"]] == [
        "per_remedy_max",
        "per_case_max",
        "daily_max",
        "monthly_max",
        "policy_rules",
    ]
    daily = next(c for c in decision["checks"] if c["name"] == "daily_max")
    assert daily == {
        "name": "daily_max",
        "limit": "200.00",
        "used": "0.00",
        "requested": "25.00",
        "passed": True,
    }
    assert decision["rules"] == []
    windows = {w.period: w.used for w in BudgetWindow.objects.filter(user=agent)}
    assert windows == {"day": D("25.00"), "month": D("25.00")}
    case.refresh_from_db()
    assert case.remedies_total == D("25.00")
    assert AuditEvent.objects.filter(object_type="resolution", object_id=str(body["id"])).exists()
    assert CaseEvent.objects.filter(case=case, kind="resolution_apply").exists()


def test_over_limit_goes_pending_with_an_escalation_and_spends_nothing(api, agent, case, limits):
    response = post(api, agent, case, amount="150.00")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_approval"
    assert body["decision"]["outcome"] == "escalate"
    assert "limit per remedy of $100.00" in body["decision"]["summary"]
    per_remedy = body["decision"]["checks"][0]
    assert per_remedy["passed"] is False and per_remedy["limit"] == "100.00"
    escalation = body["escalation"]
    assert escalation["status"] == "pending" and escalation["level"] == 1
    assert set(escalation) == {"id", "status", "level", "assigned_to", "due_at"}
    assert Escalation.objects.get(pk=escalation["id"]).resolution_id == body["id"]
    assert not BudgetWindow.objects.filter(user=agent, used__gt=0).exists()
    case.refresh_from_db()
    assert case.remedies_total == D("0.00")


def test_no_limit_at_all_escalates(api, case):
    loner = factories.UserFactory(role="agent", tier=None)
    body = post(api, loner, case, amount="1.00").json()
    assert body["status"] == "pending_approval"
    assert "no trust limit" in body["decision"]["summary"]


def test_agent_override_beats_tier(api, agent, case, limits):
    factories.TrustLimitFactory(agent=agent, per_remedy_max=D("10.00"))
    body = post(api, agent, case, amount="20.00").json()
    assert body["status"] == "pending_approval"
    assert body["decision"]["checks"][0]["limit"] == "10.00"


def test_per_case_cap_counts_what_is_applied_on_the_case(api, agent, case, limits):
    assert post(api, agent, case, amount="100.00").json()["status"] == "applied"
    body = post(api, agent, case, amount="60.00").json()
    assert body["status"] == "pending_approval"
    per_case = next(c for c in body["decision"]["checks"] if c["name"] == "per_case_max")
    assert per_case == {
        "name": "per_case_max",
        "limit": "150.00",
        "used": "100.00",
        "requested": "60.00",
        "passed": False,
    }


def test_non_monetary_remedy(api, agent, case):
    ok = post(api, agent, case, remedy_type="apology", amount="0.00")
    assert ok.status_code == 201 and ok.json()["status"] == "applied"
    missing_amount = api.post(
        URL.format(case.pk), {"remedy_type": "apology", "reason": "Sorry"}, format="json"
    )
    assert missing_amount.status_code == 201
    bad = post(api, agent, case, remedy_type="apology", amount="5.00")
    assert bad.status_code == 400 and "amount" in bad.json()


def test_closed_case_is_409_and_changes_nothing(api, agent, limits):
    closed = factories.CaseFactory(status=Case.Status.CLOSED)
    response = post(api, agent, closed)
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]
    assert not Resolution.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "10.001"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1000000.01"}, "amount"),
        ({"amount": "1e400"}, "amount"),
        ({"amount": "99999999999999999999"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": None}, "reason"),
        ({"remedy_type": "cash"}, "remedy_type"),
        ({"remedy_type": 3}, "remedy_type"),
        ({"customer_message": ["x"]}, "customer_message"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    api, agent, case, limits, body, field
):
    response = post(api, agent, case, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Resolution.objects.exists()
    assert not AuditEvent.objects.filter(object_type="resolution").exists()


def test_missing_fields_and_broken_json(api, agent, case, limits):
    client = api.as_user(agent)
    response = client.post(URL.format(case.pk), {}, format="json")
    assert response.status_code == 400
    assert {"remedy_type", "reason"} <= set(response.json())
    broken = client.post(URL.format(case.pk), "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert "detail" in broken.json()
    assert not Resolution.objects.exists()


def test_unknown_case_is_404(api, agent, limits):
    response = post(api, agent, type("C", (), {"pk": 999999})())
    assert response.status_code == 404
    assert "detail" in response.json()


def test_anonymous_is_401(api, case):
    response = api.post(URL.format(case.pk), {"remedy_type": "refund"}, format="json")
    assert response.status_code == 401


def test_preview_records_and_spends_nothing(api, agent, case, limits):
    client = api.as_user(agent)
    response = client.post(
        URL.format(case.pk) + "preview/",
        {"remedy_type": "refund", "amount": "120.00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["decision"]["outcome"] == "escalate"
    ok = client.post(
        URL.format(case.pk) + "preview/",
        {"remedy_type": "refund", "amount": "20.00", "reason": "x"},
        format="json",
    )
    assert ok.json()["decision"]["outcome"] == "apply"
    assert not Resolution.objects.exists()
    assert not Escalation.objects.exists()
    assert not BudgetWindow.objects.filter(used__gt=0).exists()
    bad = client.post(URL.format(case.pk) + "preview/", {"amount": "1.234"}, format="json")
    assert bad.status_code == 400 and "amount" in bad.json()


def test_list_and_get(api, agent, case, limits):
    created = post(api, agent, case).json()
    client = api.as_user(agent)
    listing = client.get(URL.format(case.pk)).json()
    assert listing["count"] == 1
    assert listing["results"][0] == created
    assert client.get(f"/api/v1/resolutions/{created['id']}/").json() == created
    assert client.get("/api/v1/resolutions/999999/").status_code == 404
    assert client.get(URL.format(999999)).status_code == 404
    assert client.get("/api/v1/resolutions/?agent=me").json()["count"] == 1


def test_decision_path_query_count(api, agent, case, limits, django_assert_num_queries):
    client = api.as_user(agent)
    post(api, agent, case)  # warm: budget windows exist, rules cache primed
    # token+user+tier+team (1), SAVEPOINT (1; BEGIN in production),
    # case lock (1), budget windows lock (1), effective limit (1),
    # case total + customer 30-day history + rules generation + the same remedy on the
    # case in the last ten minutes (1, discretion.decisions.inputs), insert resolution (1),
    # one batch (1; on PostgreSQL one round trip: timeline, audit, the review draw's
    # INSERT … SELECT on the review policy, case total UPDATE, and the day + month budget
    # UPDATE last), RELEASE SAVEPOINT (1; COMMIT in production).
    # The response needs no reload.
    with django_assert_num_queries(9):
        response = client.post(
            URL.format(case.pk),
            {"remedy_type": "refund", "amount": "5.00", "reason": "x"},
            format="json",
        )
    assert response.status_code == 201


def test_disabled_remedy_type_is_400(api, agent, case, limits):
    from cases.models import RemedyType
    from discretion.trust.selectors import remedy_types_reset

    RemedyType.objects.filter(code="fee_waiver").update(enabled=False)
    remedy_types_reset()
    response = post(api, agent, case, remedy_type="fee_waiver")
    assert response.status_code == 400
    assert "is disabled" in response.json()["remedy_type"][0]
    assert not Resolution.objects.exists()


# --- strict money input (contract, second part: "Money input is strict") ---------------

LENIENT_AMOUNTS = [
    "1e2",
    "+10.00",
    " 10.00 ",
    "1_0.00",
    "\u0661\u0660.\u0660\u0660",
    "\uff11\uff10.\uff10\uff10",
    "-0.00",
    "10.001",
]


@pytest.mark.parametrize("amount", LENIENT_AMOUNTS)
def test_lenient_amount_strings_are_400(api, agent, case, limits, amount):
    response = post(api, agent, case, amount=amount)
    assert response.status_code == 400, response.json()
    assert set(response.json()["fields"]) == {"amount"}
    assert not Resolution.objects.exists()


@pytest.mark.parametrize("amount", [10, 10.0, 0, True])
def test_json_number_amounts_are_400(api, agent, case, limits, amount):
    response = post(api, agent, case, amount=amount)
    assert response.status_code == 400
    assert "string" in " ".join(response.json()["amount"])
    assert not Resolution.objects.exists()


@pytest.mark.parametrize("amount", ["0.00", "0", "0.0"])
def test_a_zero_refund_is_400_not_applied(api, agent, case, limits, amount):
    response = post(api, agent, case, amount=amount)
    assert response.status_code == 400
    assert "apology" in " ".join(response.json()["amount"])
    assert not Resolution.objects.exists()
    preview = api.as_user(agent).post(
        URL.format(case.pk) + "preview/", {"remedy_type": "refund", "amount": amount}, format="json"
    )
    assert preview.status_code == 400


def test_an_apology_still_takes_zero(api, agent, case, limits):
    response = post(api, agent, case, remedy_type="apology", amount="0.00")
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "0.00"
