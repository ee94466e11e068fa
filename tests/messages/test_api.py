"""Messages to the customer over the real API (docs/api.md, "Messages"): write, edit,
send, and every refusal (400 naming the field, 404, 409), in-process.

Delivery by e-mail is ``message_deliver`` here with Django's test outbox; through a real
worker and a real SMTP server it is ``test_delivery.py``.
"""

from __future__ import annotations

import pytest
from django.core import mail

from discretion.messages.delivery import message_deliver
from discretion.models import CustomerMessage
from tests import factories

pytestmark = pytest.mark.django_db

CASE_URL = "/api/v1/cases/{}/messages/"


def create(api, user, case, **body):
    return api.as_user(user).post(CASE_URL.format(case.pk), body, format="json")


def test_a_draft_is_stored_and_never_sent_without_send(api, agent, case):
    response = create(api, agent, case, body="Sorry about the parcel.")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["held"] is False
    assert body["to"] == case.customer.email
    assert body["subject"] == f"About your case #{case.pk}: {case.subject}"
    assert body["case"] == case.pk and body["resolution"] is None and body["sent_at"] is None
    assert body["message_id"].startswith("<") and body["message_id"].endswith(">")
    assert message_deliver(message_id=body["id"]) is False
    assert mail.outbox == []
    listed = api.get(CASE_URL.format(case.pk)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


def test_send_true_queues_it_and_the_worker_sends_it_once(
    api, agent, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = create(api, agent, case, body="Refunded.", subject="Your refund", send=True)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued" and body["subject"] == "Your refund"
    assert body["sent_by"] == agent.pk and body["queued_at"]
    assert len(callbacks) == 1  # the task, enqueued after commit
    assert message_deliver(message_id=body["id"]) is True
    assert message_deliver(message_id=body["id"]) is False  # a duplicate task
    [sent] = mail.outbox
    assert sent.to == [case.customer.email] and sent.subject == "Your refund"
    assert sent.extra_headers["Message-ID"] == body["message_id"]
    again = api.get(f"/api/v1/messages/{body['id']}/").json()
    assert again["status"] == "sent" and again["sent_at"] and again["attempts"] == 1


def test_send_a_draft_then_409_for_queued_and_sent(api, agent, case):
    draft = create(api, agent, case, body="Hello").json()
    sent = api.post(f"/api/v1/messages/{draft['id']}/send/")
    assert sent.status_code == 200 and sent.json()["status"] == "queued"
    queued = api.post(f"/api/v1/messages/{draft['id']}/send/")
    assert queued.status_code == 409 and queued.json()["code"] == "already_queued"
    message_deliver(message_id=draft["id"])
    again = api.post(f"/api/v1/messages/{draft['id']}/send/")
    assert again.status_code == 409 and again.json()["code"] == "already_sent"
    assert "detail" in again.json()
    assert len(mail.outbox) == 1


def test_a_held_message_is_409_saying_it_waits_for_approval(api, agent):
    held = factories.CustomerMessageFactory(held=True, resolution=factories.ResolutionFactory())
    response = api.as_user(agent).post(f"/api/v1/messages/{held.pk}/send/")
    assert response.status_code == 409
    assert response.json()["code"] == "held" and "approval" in response.json()["detail"]
    held.refresh_from_db()
    assert held.status == "draft" and held.held


def test_no_customer_email_is_a_400_naming_to(api, agent):
    case = factories.CaseFactory(customer=factories.CustomerFactory(email=""))
    response = create(api, agent, case, body="Hi", send=True)
    assert response.status_code == 400 and "to" in response.json()
    assert not CustomerMessage.objects.exists()
    draft = create(api, agent, case, body="Hi").json()  # a draft may wait for the address
    refused = api.post(f"/api/v1/messages/{draft['id']}/send/")
    assert refused.status_code == 400 and "to" in refused.json()
    assert CustomerMessage.objects.get().status == "draft"


@pytest.mark.parametrize(
    "subject", ["Hi\r\nBcc: all@example.com", "Hi\nthere", "Trailing\n", "Hi\rthere", "A\u2028B"]
)
def test_a_subject_with_a_line_break_is_a_400_naming_subject(api, agent, case, subject):
    response = create(api, agent, case, body="Hi", subject=subject, send=True)
    assert response.status_code == 400 and "subject" in response.json()
    assert not CustomerMessage.objects.exists()


def test_body_blank_or_over_20000_characters_is_a_400_naming_body(api, agent, case):
    for body in ("", "   ", "x" * 20_001):
        response = create(api, agent, case, body=body)
        assert response.status_code == 400 and "body" in response.json(), body[:5]
    assert create(api, agent, case, body="x" * 20_000).status_code == 201
    missing = api.post(CASE_URL.format(case.pk), {"send": True}, format="json")
    assert missing.status_code == 400 and "body" in missing.json()


def test_edit_a_draft_only(api, agent, case):
    draft = create(api, agent, case, body="First").json()
    url = f"/api/v1/messages/{draft['id']}/"
    edited = api.patch(url, {"body": "Second", "subject": "New subject"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["body"] == "Second" and edited.json()["subject"] == "New subject"
    assert api.patch(url, {"subject": "A\nB"}, format="json").status_code == 400
    assert api.patch(url, {"body": "y" * 20_001}, format="json").status_code == 400
    assert api.patch(url, {"status": "sent"}, format="json").status_code == 400
    api.post(f"{url}send/")
    locked = api.patch(url, {"body": "Third"}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "not_a_draft"
    assert CustomerMessage.objects.get().body == "Second"


def test_any_user_who_may_work_the_case_may_write_and_strangers_may_not(
    api, agent, supervisor, case
):
    assert create(api, supervisor, case, body="From the supervisor").status_code == 201
    other = factories.UserFactory(role="agent")
    draft = create(api, agent, case, body="Mine").json()
    assert (
        api.as_user(other)
        .patch(f"/api/v1/messages/{draft['id']}/", {"body": "Ours"}, format="json")
        .status_code
        == 200
    )
    anonymous = type(api)()
    assert anonymous.get(CASE_URL.format(case.pk)).status_code == 401
    assert anonymous.post(CASE_URL.format(case.pk), {"body": "x"}, format="json").status_code == 401
    assert anonymous.post(f"/api/v1/messages/{draft['id']}/send/").status_code == 401


def test_unknown_case_or_message_is_404(api, agent):
    api.as_user(agent)
    for response in (
        api.get(CASE_URL.format(999999)),
        api.post(CASE_URL.format(999999), {"body": "x"}, format="json"),
        api.get("/api/v1/messages/999999/"),
        api.patch("/api/v1/messages/999999/", {"body": "x"}, format="json"),
        api.post("/api/v1/messages/999999/send/"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_list_is_constant_queries(api, agent, case, django_assert_num_queries):
    factories.CustomerMessageFactory(case=case)
    api.as_user(agent)
    # token, case exists, count, page
    with django_assert_num_queries(4):
        assert api.get(CASE_URL.format(case.pk)).json()["count"] == 1
    factories.CustomerMessageFactory.create_batch(4, case=case)
    with django_assert_num_queries(4):
        assert api.get(CASE_URL.format(case.pk)).json()["count"] == 5
