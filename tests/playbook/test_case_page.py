"""The playbook on the case page: steps, acknowledge required on complaints and crises
(server side), the "say why" wording from the preview, the small token, the follow-up
created with the resolution; the case's follow-ups, My follow-ups and the nav count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Resolution
from discretion.models import FollowUp
from discretion.playbook.wording import NEEDS_SUPERVISOR, WITHIN, say_why
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(agent):
    for code, per_remedy in (("refund", "50.00"), ("goodwill_gesture", "6.00")):
        factories.TrustLimitFactory(
            agent=agent,
            tier=None,
            remedy_type=factories.remedy(code),
            per_remedy_max=Decimal(per_remedy),
            daily_max=Decimal("100.00"),
        )


def _submit(client, case, **fields):
    form = {
        "remedy_type": "refund",
        "amount": "20.00",
        "reason": "Late",
        "idempotency_key": fields.pop("key", "k1"),
        **fields,
    }
    return client.post(f"/cases/{case.pk}/resolve/", form, HTTP_HX_REQUEST="true")


def test_the_case_page_shows_the_playbook_in_order(client, agent, case, limits):
    factories.MessagingSettingsFactory(brand_promise="If it isn't right, we make it right.")
    client.force_login(agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    steps = [
        "1 · Acknowledge",
        "2 · Say why",
        "3 · Make it right",
        "4 · What we stand for",
        "5 · A small token",
        "6 · Follow-up",
    ]
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "required on a complaint" in page
    assert "If it isn&#x27;t right, we make it right." in page
    # The goodwill headroom is 6.00 (its per-remedy cap), under the usual 10.00.
    assert 'data-amount="6.00"' in page
    assert 'data-plain-check="/api/v1/messages/check/"' in page
    assert "js/playbook.js" in page
    assert 'id="case-follow-ups"' in page


def test_no_token_without_goodwill_headroom(client, agent):
    case = factories.CaseFactory(category="question")
    client.force_login(agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="no-token"' in page and "required on a" not in page


@pytest.mark.parametrize("category", ["complaint", "crisis"])
def test_a_message_without_acknowledgement_is_refused_on_complaints(
    client, agent, limits, category
):
    case = factories.CaseFactory(category=category)
    client.force_login(agent)
    refused = _submit(client, case, customer_message="Here is your refund.")
    body = refused.content.decode()
    assert "Acknowledge first" in body
    assert 'id="acknowledge-error"' in body and 'hx-swap-oob="true"' in body
    assert not Resolution.objects.exists()
    plain = client.post(
        f"/cases/{case.pk}/resolve/",
        {"remedy_type": "refund", "amount": "20.00", "reason": "x", "customer_message": "Hi"},
    )
    assert plain.status_code == 400  # without htmx too
    ok = _submit(client, case, customer_message="Sorry. Here.", acknowledge="I'm sorry.", key="k2")
    assert 'data-status="applied"' in ok.content.decode()
    assert Resolution.objects.get().customer_message == "Sorry. Here."


def test_no_message_needs_no_acknowledgement(client, agent, case, limits):
    client.force_login(agent)
    response = _submit(client, case, customer_message="")
    assert 'data-status="applied"' in response.content.decode()


def test_questions_need_no_acknowledgement(client, agent, limits):
    case = factories.CaseFactory(category="question")
    client.force_login(agent)
    response = _submit(client, case, customer_message="Here is your refund.")
    assert 'data-status="applied"' in response.content.decode()


def test_a_follow_up_date_creates_a_follow_up_once(client, agent, case, limits):
    client.force_login(agent)
    response = _submit(
        client,
        case,
        acknowledge="Sorry",
        customer_message="Sorry. I'll check back.",
        follow_up_at="2030-03-04T09:30",
        follow_up_note="Did the refund land?",
    )
    assert response.status_code == 200
    follow_up = FollowUp.objects.get()
    assert follow_up.case == case and follow_up.assigned_to == agent
    assert follow_up.created_by == agent and follow_up.note == "Did the refund land?"
    assert timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M") == "2030-03-04 09:30"
    assert 'id="case-follow-ups" hx-swap-oob="true"' in response.content.decode()
    # The same form again (a double click) is a replay: no second follow-up.
    _submit(
        client,
        case,
        acknowledge="Sorry",
        customer_message="Sorry. I'll check back.",
        follow_up_at="2030-03-04T09:30",
        follow_up_note="Did the refund land?",
    )
    assert FollowUp.objects.count() == 1
    assert Resolution.objects.count() == 1


def test_a_bad_follow_up_date_refuses_the_whole_form(client, agent, case, limits):
    client.force_login(agent)
    response = _submit(client, case, follow_up_at="next week")
    assert "<strong>Follow-up date</strong>: Enter a valid date/time." in response.content.decode()
    assert not Resolution.objects.exists() and not FollowUp.objects.exists()


def test_the_preview_says_why_in_plain_words(client, agent, case, limits):
    client.force_login(agent)
    within = client.post(f"/cases/{case.pk}/preview/", {"remedy_type": "refund", "amount": "20"})
    assert f'data-say-why="{WITHIN}"' in within.content.decode()
    over = client.post(f"/cases/{case.pk}/preview/", {"remedy_type": "refund", "amount": "70"})
    expected = NEEDS_SUPERVISOR.format(verb="refund").replace("'", "&#x27;")
    assert f'data-say-why="{expected}"' in over.content.decode()


def test_say_why_wording():
    failed = [{"name": "per_remedy_max", "passed": False}]
    rule_only = [{"name": "policy_rules", "passed": False}]
    assert say_why(outcome="apply", remedy_code="refund") == WITHIN
    assert "more than I can refund" in say_why(
        outcome="escalate", remedy_code="refund", checks=failed
    )
    assert "supervisor's OK" in say_why(
        outcome="escalate", remedy_code="refund", checks=rule_only, rules=[{"id": 1}]
    )
    assert "isn't something I can offer" in say_why(outcome="reject", remedy_code="refund")


# --- follow-ups on the page, My follow-ups, the nav count -----------------------------


def test_add_a_follow_up_on_the_case_page(client, agent, case):
    client.force_login(agent)
    response = client.post(
        f"/cases/{case.pk}/follow-ups/",
        {"follow_up_at": "2030-01-02T10:00", "follow_up_note": "Ring them"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Ring them" in response.content.decode()
    assert FollowUp.objects.get().assigned_to == agent
    missing = client.post(f"/cases/{case.pk}/follow-ups/", {}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 400 and "Pick a date" in missing.content.decode()
    assert FollowUp.objects.count() == 1


def test_my_follow_ups_page_and_mark_done(client, agent, django_assert_max_num_queries):
    now = timezone.now()
    late = factories.FollowUpFactory(created_by=agent, due_at=now - timedelta(hours=2))
    factories.FollowUpFactory(created_by=agent, due_at=now + timedelta(days=3), note="Later")
    client.force_login(agent)
    page = client.get("/me/follow-ups/").content.decode()
    for section in ("Overdue", "Due today", "Upcoming", "Done"):
        assert f">{section} <" in page
    assert f'href="/cases/{late.case_id}/"' in page
    count = client.get("/me/follow-ups/count/").content.decode()
    assert 'data-testid="follow-ups-due">1<' in count
    done = client.post(f"/follow-ups/{late.pk}/done/")
    assert done.status_code == 302 and done["Location"] == "/me/follow-ups/"
    late.refresh_from_db()
    assert late.status == "done" and late.done_by == agent
    assert client.post(f"/follow-ups/{late.pk}/done/").status_code == 302  # harmless again
    assert "follow-ups-due" not in client.get("/me/follow-ups/count/").content.decode()
    other = factories.FollowUpFactory()
    assert client.post(f"/follow-ups/{other.pk}/done/").status_code == 404
    assert "/me/follow-ups/" in client.get("/cases/").content.decode()  # the nav link
