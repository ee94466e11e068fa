"""The case page's messages (server-rendered): on the timeline with their status, the
composer and the draft editor with their refusals, the help-desk ticket link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from discretion.messages.selectors import message_list
from discretion.models import CustomerMessage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, agent):
    client.force_login(agent)
    return client


def test_sent_and_drafted_messages_are_on_the_timeline_with_their_status(page, case):
    sent_at = timezone.now().replace(hour=14, minute=2)
    factories.CustomerMessageFactory(
        case=case, status="sent", sent_at=sent_at, to="ana@example.com", subject="Refunded"
    )
    factories.CustomerMessageFactory(
        case=case,
        resolution=factories.ResolutionFactory(case=case),
        draft_reason="The refund was lowered to 40.00: edit and send.",
        created_at=timezone.now() + timedelta(seconds=1),
    )
    html = " ".join(strip_tags(page.get(f"/cases/{case.pk}/timeline/").content.decode()).split())
    assert f"Sent to ana@example.com at {timezone.localtime(sent_at):%H:%M}" in html
    assert "Draft — The refund was lowered to 40.00: edit and send." in html
    assert html.index("Sent to ana@example.com") < html.index("Draft —")
    full = page.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="message-draft"' in full and "Save draft" in full


def test_compose_a_draft_then_edit_and_send_it(page, case):
    response = page.post(f"/cases/{case.pk}/messages/new/", {"body": "Sorry!", "action": "save"})
    assert response.status_code == 302
    draft = CustomerMessage.objects.get()
    assert draft.status == "draft" and draft.body == "Sorry!"
    response = page.post(
        f"/cases/{case.pk}/messages/{draft.pk}/",
        {"subject": "Your parcel", "body": "Sorry, again!", "action": "send"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "messages-changed"
    draft.refresh_from_db()
    assert draft.status == "queued" and draft.subject == "Your parcel"
    assert draft.body == "Sorry, again!"


def test_refusals_are_shown_next_to_the_form(page, case):
    response = page.post(
        f"/cases/{case.pk}/messages/new/",
        {"subject": "Hi\r\nBcc: x@example.com", "body": "Hi", "action": "send"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "line break" in html
    assert 'data-testid="message-error"' in html and not CustomerMessage.objects.exists()
    held = factories.CustomerMessageFactory(
        case=case, held=True, resolution=factories.ResolutionFactory(case=case)
    )
    response = page.post(f"/cases/{case.pk}/messages/{held.pk}/", {"action": "send"})
    assert response.status_code == 400 and "waits for approval" in response.content.decode()


def test_a_message_of_another_case_is_404(page, case):
    other = factories.CustomerMessageFactory()
    assert (
        page.post(f"/cases/{case.pk}/messages/{other.pk}/", {"action": "send"}).status_code == 404
    )


def test_the_help_desk_ticket_link_when_the_setting_and_the_ref_are_there(page, settings):
    case = factories.CaseFactory(external_ref="ZD 4711")
    assert 'data-testid="helpdesk-ticket"' not in page.get(f"/cases/{case.pk}/").content.decode()
    settings.DISCRETION_HELPDESK_TICKET_URL = "https://acme.zendesk.com/agent/tickets/{ref}"
    html = page.get(f"/cases/{case.pk}/").content.decode()
    assert 'href="https://acme.zendesk.com/agent/tickets/ZD%204711"' in html
    no_ref = factories.CaseFactory(external_ref="")
    assert 'data-testid="helpdesk-ticket"' not in page.get(f"/cases/{no_ref.pk}/").content.decode()


def test_the_message_list_selector_is_one_query(case, django_assert_num_queries):
    factories.CustomerMessageFactory.create_batch(3, case=case)
    with django_assert_num_queries(1):
        rows = list(message_list(case_id=case.pk))
        assert all(row.author.label for row in rows)
