"""policies.selectors: rule versions, and the one check of a draft expression that the
rule editor and the API's validate endpoint share."""

from __future__ import annotations

import pytest
from django.test import Client

from policies.context import context_merge
from policies.expressions import MAX_EXPRESSION_LENGTH
from policies.selectors import expression_validation_get, policy_rule_version_list
from policies.services import policy_rule_create, policy_rule_update

pytestmark = pytest.mark.django_db


def test_version_list_is_one_query_with_the_author(admin_user, django_assert_num_queries):
    rule = policy_rule_create(
        acting_user=admin_user, name="Big", expression="amount > 100.0", effect="deny"
    )
    for n in range(3):
        policy_rule_update(acting_user=admin_user, rule_id=rule.pk, priority=n)
    with django_assert_num_queries(1):
        rows = [
            (v.version, v.created_by.username) for v in policy_rule_version_list(rule_id=rule.pk)
        ]
    assert rows == [(n, admin_user.username) for n in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("expression", "context", "valid", "result"),
    [
        ("amount > 100.0", None, True, False),
        ("amount > 100.0", {"amount": 250.0}, True, True),
        ("amount >", None, False, None),
        ("nonsense > 1", None, False, None),
        ("x" * (MAX_EXPRESSION_LENGTH + 1), None, False, None),
    ],
)
def test_validation(admin_user, expression, context, valid, result):
    check = expression_validation_get(
        acting_user=admin_user,
        expression=expression,
        context=None if context is None else context_merge(context),
    )
    assert (check.valid, check.result) == (valid, result)
    assert (check.error is None) == valid


def test_the_editor_and_the_api_say_the_same(api, admin_user):
    editor = Client()
    editor.force_login(admin_user)
    for expression in ("amount > 100.0", "amount >", 'remedy == "refund" && agent.nope > 1'):
        check = expression_validation_get(acting_user=admin_user, expression=expression)
        body = (
            api.as_user(admin_user)
            .post("/api/v1/policy-rules/validate/", {"expression": expression}, format="json")
            .json()
        )
        assert (body["valid"], body["error"], body["result"]) == (
            check.valid,
            check.error,
            check.result,
        )
        html = editor.post("/admin-ui/rules/validate/", {"expression": expression}).content
        html = html.decode()
        if check.valid:
            assert "Valid." in html
        else:
            assert "Not valid" in html
