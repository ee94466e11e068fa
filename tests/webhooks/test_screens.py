"""The admin screen /admin-ui/webhooks/: add (the secret shown once), enable/disable,
delete after confirming, the delivery log and Resend; admins only; constant queries."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEvent
from discretion.models import WebhookDelivery, WebhookEndpoint
from tests import factories

pytestmark = pytest.mark.django_db

PAGE = "/admin-ui/webhooks/"


@pytest.fixture
def admin_client(admin_user, settings) -> Client:
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["hooks.example.com"]
    client = Client()
    client.force_login(admin_user)
    return client


def test_add_shows_the_secret_once(admin_client):
    response = admin_client.post(
        PAGE, {"url": "https://hooks.example.com/in", "events": ["resolution.applied"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert endpoint.secret in response.content.decode()
    again = admin_client.get(PAGE).content.decode()
    assert "https://hooks.example.com/in" in again and endpoint.secret not in again


def test_a_refused_url_or_no_event_is_said_next_to_the_form(admin_client):
    response = admin_client.post(PAGE, {"url": "ftp://x.example.com/", "events": ["message.sent"]})
    assert response.status_code == 400 and "http:// or https://" in response.content.decode()
    assert admin_client.post(PAGE, {"url": "https://hooks.example.com/"}).status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_disable_enable_and_delete_after_confirming(admin_client):
    endpoint = factories.WebhookEndpointFactory()
    factories.WebhookDeliveryFactory(endpoint=endpoint)
    toggle = f"{PAGE}{endpoint.pk}/toggle/"
    assert admin_client.post(toggle, {"enabled": "0"}).status_code == 302
    assert WebhookEndpoint.objects.get().enabled is False
    assert "disabled" in admin_client.get(PAGE).content.decode()
    admin_client.post(toggle, {"enabled": "1"})
    assert WebhookEndpoint.objects.get().enabled is True
    confirm = admin_client.get(f"{PAGE}{endpoint.pk}/delete/")
    assert confirm.status_code == 200 and "Delete this webhook?" in confirm.content.decode()
    assert WebhookEndpoint.objects.exists()  # a GET deletes nothing
    assert admin_client.post(f"{PAGE}{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert admin_client.get(f"{PAGE}{endpoint.pk}/delete/").status_code == 404
    assert AuditEvent.objects.filter(object_type="webhook_endpoint").count() == 3


def test_the_delivery_log_and_resend(admin_client, django_assert_num_queries):
    endpoint = factories.WebhookEndpointFactory()
    failed = factories.WebhookDeliveryFactory(
        endpoint=endpoint, status="failed", attempts=7, last_error="HTTP 503: busy"
    )
    for _ in range(4):
        factories.WebhookDeliveryFactory(endpoint=endpoint)
    admin_client.get(f"{PAGE}{endpoint.pk}/")  # warm the session
    # session + user, endpoint, deliveries with their events (+ the messages' none).
    with django_assert_num_queries(4):
        page = admin_client.get(f"{PAGE}{endpoint.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-testid="delivery-row"') == 5
    assert "HTTP 503: busy" in text and "gave up after 7 attempts" in text
    response = admin_client.post(f"{PAGE}{endpoint.pk}/deliveries/{failed.event_id}/resend/")
    assert response.status_code == 302
    assert WebhookDelivery.objects.get(pk=failed.pk).status == "pending"
    missing = admin_client.post(f"{PAGE}{endpoint.pk}/deliveries/evt_none/resend/")
    assert missing.status_code == 404 and "has no delivery" in missing.content.decode()


def test_the_list_is_a_constant_number_of_queries(admin_client, django_assert_num_queries):
    factories.WebhookEndpointFactory()
    admin_client.get(PAGE)
    with django_assert_num_queries(3):
        admin_client.get(PAGE)
    factories.WebhookEndpointFactory.create_batch(5)
    with django_assert_num_queries(3):
        assert admin_client.get(PAGE).content.decode().count('data-testid="webhook-row"') == 6


def test_admins_only(agent, supervisor):
    for user in (agent, supervisor):
        client = Client()
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302  # to the login page
