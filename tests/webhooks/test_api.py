"""The webhooks API (admins only), per the contract: endpoints with a secret shown once,
URL and event validation, the delivery log and the resend action."""

from __future__ import annotations

import socket

import pytest

from audit.models import AuditEvent
from discretion.models import WebhookDelivery, WebhookEndpoint
from discretion.webhooks import targets
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


@pytest.fixture
def public_dns(monkeypatch):
    """Every host resolves to a public address (no DNS in tests), except as overridden."""
    answers: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        address = answers.get(host, "93.184.216.34")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)
    return answers


def create(api, admin, **body):
    payload = {"url": "https://hooks.example.com/in", "events": ["resolution.applied"], **body}
    return api.as_user(admin).post(URL, payload, format="json")


def test_create_shows_the_secret_once_and_audits_without_it(api, admin_user, public_dns):
    response = create(api, admin_user, events=["resolution.applied", "message.sent"])
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert {k: created[k] for k in ("url", "events", "enabled")} == {
        "url": "https://hooks.example.com/in",
        "events": ["resolution.applied", "message.sent"],
        "enabled": True,
    }
    detail = api.get(f"{URL}{created['id']}/").json()
    assert "secret" not in detail and detail["id"] == created["id"]
    listing = api.get(URL).json()
    assert listing["count"] == 1 and "secret" not in listing["results"][0]
    assert WebhookEndpoint.objects.get().secret == created["secret"]  # kept, to sign
    audit = AuditEvent.objects.get(object_type="webhook_endpoint", action="webhook_endpoint.create")
    assert created["secret"] not in str(audit.after) and audit.actor == admin_user


def test_patch_and_delete(api, admin_user, public_dns):
    pk = create(api, admin_user).json()["id"]
    response = api.patch(
        f"{URL}{pk}/", {"enabled": False, "events": ["escalation.decided"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["enabled"] is False and response.json()["events"] == [
        "escalation.decided"
    ]
    assert "secret" not in response.json()
    assert api.patch(f"{URL}{pk}/", {"secret": "mine"}, format="json").status_code == 400
    assert api.patch(f"{URL}{pk}/", {"events": ["nope"]}, format="json").status_code == 400
    assert api.delete(f"{URL}{pk}/").status_code == 204
    assert api.get(f"{URL}{pk}/").status_code == 404
    assert api.delete(f"{URL}{pk}/").status_code == 404
    assert api.get(f"{URL}{2**70}/").status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"webhook_endpoint.update", "webhook_endpoint.delete"} <= actions


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://hooks.example.com/in", "http"),
        ("hooks.example.com/in", "http"),
        ("https:///nohost", "no host"),
        ("http://127.0.0.1:9000/in", "loopback"),
        ("http://[::1]/in", "loopback"),
        ("http://10.1.2.3/in", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://0.0.0.0/in", "unspecified"),
        ("http://224.0.0.1/in", "multicast"),
        ("http://internal.example.com/in", "private"),  # its DNS answer is 192.168.1.20
    ],
)
def test_a_url_that_is_not_http_or_points_inside_is_a_400(api, admin_user, public_dns, url, says):
    public_dns["internal.example.com"] = "192.168.1.20"
    public_dns["127.0.0.1"] = "127.0.0.1"
    public_dns["::1"] = "::1"
    public_dns["10.1.2.3"] = "10.1.2.3"
    public_dns["169.254.169.254"] = "169.254.169.254"
    public_dns["0.0.0.0"] = "0.0.0.0"
    public_dns["224.0.0.1"] = "224.0.0.1"
    response = create(api, admin_user, url=url)
    assert response.status_code == 400
    assert says in response.json()["url"][0], response.json()
    assert not WebhookEndpoint.objects.exists()


def test_an_allowed_host_may_be_internal(api, admin_user, settings):
    settings.DISCRETION_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    assert create(api, admin_user, url="http://127.0.0.1:9000/in").status_code == 201
    assert create(api, admin_user, url="http://127.0.0.2:9000/in").status_code == 400


def test_events_must_be_known_and_not_empty(api, admin_user, public_dns):
    unknown = create(api, admin_user, events=["resolution.applied", "resolution.exploded"])
    assert unknown.status_code == 400 and "resolution.exploded" in unknown.json()["events"][0]
    assert create(api, admin_user, events=[]).status_code == 400
    assert create(api, admin_user, events="resolution.applied").status_code == 400
    every = [
        "resolution.applied",
        "resolution.escalated",
        "resolution.rejected",
        "escalation.decided",
        "message.sent",
        "incident.started",
        "incident.ended",
    ]
    assert create(api, admin_user, events=every).status_code == 201


def test_admins_only(api, agent, supervisor, public_dns):
    for user in (agent, supervisor):
        client = api.as_user(user)
        assert client.get(URL).status_code == 403
        assert create(api, user).status_code == 403
    api.credentials()
    response = api.get(URL)
    assert response.status_code == 401 and response.json()["code"]


def test_delivery_log_and_resend(api, admin_user, django_assert_num_queries):
    endpoint = factories.WebhookEndpointFactory()
    failed = factories.WebhookDeliveryFactory(
        endpoint=endpoint, status="failed", attempts=9, status_code=500, last_error="HTTP 500"
    )
    for _ in range(3):
        factories.WebhookDeliveryFactory(endpoint=endpoint)
    factories.WebhookDeliveryFactory()  # another endpoint's
    client = api.as_user(admin_user)
    with django_assert_num_queries(4):  # token+user, endpoint, count, page with events
        response = client.get(f"{URL}{endpoint.pk}/deliveries/")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 4
    row = next(r for r in body["results"] if r["event_id"] == failed.event_id)
    assert row == {
        "event_id": failed.event_id,
        "type": "resolution.applied",
        "status": "failed",
        "status_code": 500,
        "attempts": 9,
        "last_error": "HTTP 500",
        "created_at": row["created_at"],
        "delivered_at": None,
        "next_attempt_at": row["next_attempt_at"],
    }
    assert client.get(f"{URL}999999/deliveries/").status_code == 404

    resend = client.post(f"{URL}{endpoint.pk}/deliveries/{failed.event_id}/resend/")
    assert resend.status_code == 200 and resend.json()["status"] == "pending"
    failed.refresh_from_db()
    assert failed.status == "pending" and failed.event_id == row["event_id"]
    assert AuditEvent.objects.filter(action="webhook_delivery.resend").count() == 1
    assert client.post(f"{URL}{endpoint.pk}/deliveries/evt_nope/resend/").status_code == 404

    WebhookDelivery.objects.filter(pk=failed.pk).update(
        leased_until=failed.next_attempt_at + (failed.retry_until - failed.next_attempt_at)
    )
    in_flight = client.post(f"{URL}{endpoint.pk}/deliveries/{failed.event_id}/resend/")
    assert in_flight.status_code == 409 and in_flight.json()["code"] == "in_flight"
