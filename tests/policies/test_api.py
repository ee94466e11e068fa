"""Policy rules through the API: permissions, validation, versions, audit, validate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from policies.models import PolicyRule, PolicyRuleVersion
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/policy-rules/"
RULE = {
    "name": "Big refunds go to the returns desk",
    "expression": "remedy == 'refund' && amount > 300.0",
    "effect": "require_approval",
    "message": "Refunds over 300 are handled by the returns desk.",
}


def _create(api, admin_user, **overrides):
    response = api.as_user(admin_user).post(URL, {**RULE, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_admin_creates_a_rule_at_version_1_with_a_version_row_and_an_audit_event(api, admin_user):
    body = _create(api, admin_user, priority=10)
    assert set(body) == {
        "id", "name", "description", "expression", "effect", "message", "priority",
        "enabled", "version", "updated_at",
    }  # fmt: skip
    assert body["version"] == 1 and body["enabled"] is True and body["priority"] == 10
    assert body["description"] == ""
    version = PolicyRuleVersion.objects.get(rule_id=body["id"])
    assert (version.version, version.expression, version.created_by) == (
        1,
        RULE["expression"],
        admin_user,
    )
    event = AuditEvent.objects.get(object_type="policy_rule", object_id=str(body["id"]))
    assert event.action == "policy_rule.create" and event.actor == admin_user
    assert event.before is None and event.after["expression"] == RULE["expression"]


def test_message_defaults_to_the_name(api, admin_user):
    body = _create(api, admin_user, message="")
    assert body["message"] == RULE["name"]


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_non_admins_read_but_cannot_write(api, admin_user, role):
    rule = _create(api, admin_user)
    user = factories.UserFactory(role=role)
    client = api.as_user(user)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{rule['id']}/").status_code == 200
    assert client.post(URL, RULE, format="json").status_code == 403
    assert client.patch(f"{URL}{rule['id']}/", {"enabled": False}, format="json").status_code == 403
    assert client.delete(f"{URL}{rule['id']}/").status_code == 403
    assert PolicyRule.objects.get(pk=rule["id"]).version == 1


def test_anonymous_gets_401(api, admin_user):
    rule = factories.PolicyRuleFactory(expression="amount > 1.0")
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{rule.pk}/").status_code == 401
    assert api.post(URL, RULE, format="json").status_code == 401
    assert (
        api.post(f"{URL}validate/", {"expression": "amount > 1"}, format="json").status_code == 401
    )


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"expression": "amount >"}, "expression", ["Line 1, column 9", "^"]),
        ({"expression": "foo > 1"}, "expression", ["unknown variable foo", "Line 1, column 1"]),
        ({"expression": "customer.nope > 1"}, "expression", ["customer.nope"]),
        ({"expression": "amount"}, "expression", ["not boolean"]),
        ({"expression": ""}, "expression", ["blank"]),
        ({"effect": "explode"}, "effect", ["not a valid choice"]),
        ({"name": ""}, "name", ["blank"]),
        ({"priority": "high"}, "priority", ["valid integer"]),
        ({"enabled": "maybe"}, "enabled", ["valid boolean"]),
    ],
)
def test_bad_rules_are_400_naming_the_field_and_change_nothing(
    api, admin_user, overrides, field, words
):
    response = api.as_user(admin_user).post(URL, {**RULE, **overrides}, format="json")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()[field])
    for word in words:
        assert word in message
    assert not PolicyRule.objects.exists()
    assert not AuditEvent.objects.filter(object_type="policy_rule").exists()


def test_missing_required_fields_are_named(api, admin_user):
    response = api.as_user(admin_user).post(URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "expression", "effect"}


def test_edit_bumps_the_version_keeps_the_old_one_and_audits(api, admin_user):
    rule = _create(api, admin_user)
    response = api.as_user(admin_user).patch(
        f"{URL}{rule['id']}/", {"expression": "amount > 500.0"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["expression"] == "amount > 500.0"
    versions = list(
        PolicyRuleVersion.objects.filter(rule_id=rule["id"]).values_list("version", "expression")
    )
    assert versions == [(1, RULE["expression"]), (2, "amount > 500.0")]
    event = AuditEvent.objects.get(object_type="policy_rule", action="policy_rule.update")
    assert event.before["expression"] == RULE["expression"] and event.before["version"] == 1
    assert event.after["expression"] == "amount > 500.0" and event.after["version"] == 2

    listed = api.as_user(admin_user).get(f"{URL}{rule['id']}/versions/").json()
    assert [v["version"] for v in listed["results"]] == [1, 2]


def test_a_patch_that_changes_nothing_makes_no_version(api, admin_user):
    rule = _create(api, admin_user)
    response = api.as_user(admin_user).patch(
        f"{URL}{rule['id']}/", {"enabled": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["version"] == 1
    assert PolicyRuleVersion.objects.filter(rule_id=rule["id"]).count() == 1


def test_bad_patch_is_400_and_changes_nothing(api, admin_user):
    rule = _create(api, admin_user)
    client = api.as_user(admin_user)
    response = client.patch(f"{URL}{rule['id']}/", {"expression": "foo > 1"}, format="json")
    assert (
        response.status_code == 400 and "unknown variable foo" in response.json()["expression"][0]
    )
    response = client.patch(f"{URL}{rule['id']}/", {"version": 7}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    stored = PolicyRule.objects.get(pk=rule["id"])
    assert (stored.version, stored.expression) == (1, RULE["expression"])
    assert client.patch(f"{URL}999999/", {"enabled": False}, format="json").status_code == 404


def test_delete_retires_the_rule_but_keeps_its_versions(api, admin_user):
    rule = _create(api, admin_user)
    client = api.as_user(admin_user)
    assert client.delete(f"{URL}{rule['id']}/").status_code == 204
    assert client.get(f"{URL}{rule['id']}/").status_code == 404
    assert client.delete(f"{URL}{rule['id']}/").status_code == 404
    assert client.get(URL).json()["count"] == 0
    stored = PolicyRule.objects.get(pk=rule["id"])
    assert stored.enabled is False and stored.deleted_at is not None and stored.version == 2
    versions = client.get(f"{URL}{rule['id']}/versions/").json()["results"]
    assert [(v["version"], v["enabled"]) for v in versions] == [(1, True), (2, False)]
    assert AuditEvent.objects.filter(
        object_type="policy_rule", object_id=str(rule["id"]), action="policy_rule.delete"
    ).exists()


def test_list_is_in_evaluation_order_with_constant_queries(api, admin_user, agent):
    for priority in (30, 10, 20):
        _create(api, admin_user, priority=priority, name=f"p{priority}")
    client = api.as_user(agent)
    client.get(URL)  # warm the token auth path
    with CaptureQueriesContext(connection) as queries:
        body = client.get(URL).json()
    assert [r["priority"] for r in body["results"]] == [10, 20, 30]
    # token+user, count, page
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert client.get(URL + "?enabled=false").json()["count"] == 0
    assert client.get(URL + "?enabled=nope").status_code == 400


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"expression": "amount > 100"}, {"valid": True, "error": None, "result": False}),
        (
            {"expression": "amount > 100", "context": {"amount": 250}},
            {"valid": True, "error": None, "result": True},
        ),
        (
            {
                "expression": "customer.remedies_30d_count >= 4 && amount > 100.0",
                "context": {"amount": 250, "customer": {"remedies_30d_count": 5}},
            },
            {"valid": True, "error": None, "result": True},
        ),
        ({"expression": "amount"}, {"valid": False, "result": None}),
        ({"expression": "foo > 1"}, {"valid": False, "result": None}),
        ({"expression": "amount >"}, {"valid": False, "result": None}),
    ],
)
def test_validate(api, admin_user, body, expected):
    response = api.as_user(admin_user).post(f"{URL}validate/", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    for key, value in expected.items():
        assert data[key] == value, data
    if not expected["valid"]:
        assert data["error"]
    assert not PolicyRule.objects.exists()


def test_validate_reports_where(api, admin_user):
    data = (
        api.as_user(admin_user)
        .post(f"{URL}validate/", {"expression": "amount > 1 &&\n customer.nope"}, format="json")
        .json()
    )
    assert "Line 2, column 11" in data["error"] and "customer.nope" in data["error"]


@pytest.mark.parametrize(
    ("context", "words"),
    [
        ({"amount": "lots"}, "amount must be a number"),
        ({"customer": {"remedies_30d_count": 2.5}}, "whole number"),
        ({"customer": {"nope": 1}}, "customer.nope"),
        ("not an object", "must be an object"),
    ],
)
def test_validate_wrong_context_is_400_naming_context(api, admin_user, context, words):
    response = api.as_user(admin_user).post(
        f"{URL}validate/", {"expression": "amount > 1", "context": context}, format="json"
    )
    assert response.status_code == 400
    assert words in " ".join(response.json()["context"])


def test_validate_a_runtime_failure_on_the_given_context(api, admin_user):
    data = (
        api.as_user(admin_user)
        .post(
            f"{URL}validate/",
            {
                "expression": "amount > 0.0 && 10 / customer.remedies_30d_count > 1",
                "context": {"amount": 5, "customer": {"remedies_30d_count": 0}},
            },
            format="json",
        )
        .json()
    )
    assert data["valid"] is True and data["result"] is None
    assert "division by zero" in data["error"]


def test_context_endpoint_lists_the_documented_variables(api, agent):
    body = api.as_user(agent).get(f"{URL}context/").json()
    assert {"name": "customer.remedies_30d_count", "type": "int"} in [
        {"name": v["name"], "type": v["type"]} for v in body
    ]
    assert len(body) == 14  # the contract's twelve and incident.active, incident.id
    assert {"name": "incident.active", "type": "bool"} in [
        {"name": v["name"], "type": v["type"]} for v in body
    ]
