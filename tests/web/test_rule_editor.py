"""The rule editor (issue 16, part 6): require_approval by default, unknown remedy codes
flagged with the closest known one, parser errors as a sentence with the place, and the
backtest listing the requests that would change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from policies.models import PolicyRule
from policies.remedy_codes import unknown_remedy_codes
from tests import factories
from tests.support.dashboard import ask

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_new_rule_defaults_to_require_approval(admin_client):
    html = admin_client.get("/admin-ui/rules/new/").content.decode()
    assert '<option value="require_approval" selected>' in html
    assert '<option value="deny" selected>' not in html


def test_unknown_remedy_code_is_flagged_with_a_suggestion(admin_client):
    html = admin_client.post(
        "/admin-ui/rules/validate/", {"expression": 'remedy == "goodwil" && amount > 10.0'}, **HX
    ).content.decode()
    assert "Valid." in html
    assert "no remedy type has the code “goodwil”" in html
    assert "Did you mean “goodwill_gesture”?" in html
    ok = admin_client.post("/admin-ui/rules/validate/", {"expression": 'remedy == "refund"'})
    assert "no remedy type" not in ok.content.decode()

    # Saving is allowed (a remedy type may come later), and warned about once more.
    response = admin_client.post(
        "/admin-ui/rules/new/",
        {
            "name": "Typo",
            "expression": 'remedy in ["refund", "store_credt"]',
            "priority": "1",
            "effect": "require_approval",
        },
        follow=True,
    )
    assert "Did you mean “store_credit”?" in response.content.decode()
    assert PolicyRule.objects.filter(name="Typo").exists()


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("amount > 3 and remedy == 'refund'", "Line 1, column 12: CEL does not know “and”"),
        ("amount = 3.0", "a single “=” is not a comparison: write =="),
        ("(amount > 3.0", "a “)” is missing at the end"),
        ("amount > 3.0)", "closes a bracket that was never opened"),
        ("remedy == 'refund", "a quoted text is never closed"),
    ],
)
def test_parser_errors_read_as_a_sentence_with_the_place(admin_client, expression, words):
    html = admin_client.post("/admin-ui/rules/validate/", {"expression": expression}).content
    text = html.decode()
    assert words in text, text
    assert "mismatched input" not in text and "expecting {" not in text


def test_codes_compared_either_way_and_in_lists():
    known = {"refund", "apology"}
    found = unknown_remedy_codes("'refnd' != remedy || remedy in ['apolgy', 'refund']", known)
    assert [(u.code, u.suggestion, u.column) for u in found] == [
        ("refnd", "refund", 1),
        ("apolgy", "apology", 33),
    ]
    assert unknown_remedy_codes("agent.team == 'refnd'", known) == []


def test_backtest_lists_the_requests_that_would_change(admin_client):
    agent = factories.UserFactory(role="agent", display_name="Nina Patel")
    factories.TrustLimitFactory(agent=agent, per_remedy_max=Decimal("100.00"))
    changed = ask(agent, "60.00")
    ask(agent, "20.00")
    html = admin_client.post(
        "/admin-ui/rules/backtest/",
        {"expression": "amount > 50.0", "effect": "require_approval", "name": "Big"},
        **HX,
    ).content.decode()
    assert "The requests that would change" in html
    assert f'href="/cases/{changed.case_id}/"' in html
    assert "Nina Patel" in html and "$60.00" in html
    assert "Applied → <strong>Escalated</strong>" in html
