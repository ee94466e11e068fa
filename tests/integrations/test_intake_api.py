"""``POST /api/v1/intake/cases/``: a help desk's ticket becomes one case, whatever the
retries; an integration key opens intake and nothing else."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent
from discretion.integrations.models import IntegrationKey
from tests import factories

URL = "/api/v1/intake/cases/"


def ticket(**overrides):
    body = {
        "source": "zendesk",
        "external_ref": "4711",
        "subject": "Parcel never arrived",
        "description": "Ordered on the 3rd, still nothing.",
        "category": "complaint",
        "customer": {"external_id": "zd-user-9", "name": "Ada Lovelace", "email": "ada@ex.com"},
    }
    body.update(overrides)
    return body


def keyed(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    return client


@pytest.mark.django_db
def test_a_new_ticket_is_created_then_updated_not_duplicated():
    key = factories.IntegrationKeyFactory(name="Zendesk prod")
    client = keyed(key)
    first = client.post(URL, ticket(), format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["created"] is True and body["source"] == "zendesk"
    assert body["external_ref"] == "4711" and body["status"] == "open"
    assert body["customer"]["external_id"] == "zd-user-9" and body["assignee"] is None
    assert body["currency"] and body["remedies_total"] == "0.00"
    created = CaseEvent.objects.get(case_id=body["id"], kind="created")
    assert "Zendesk prod" in created.summary

    again = client.post(
        URL,
        ticket(subject="Parcel arrived broken", category="crisis", external_ref=4711),
        format="json",
    )
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == body["id"] and again.json()["created"] is False
    case = Case.objects.get()
    assert (case.subject, case.category) == ("Parcel arrived broken", "crisis")
    assert case.description == "Ordered on the 3rd, still nothing."
    event = CaseEvent.objects.get(case=case, kind="ticket_updated")
    assert event.data["changed"]["subject"]["from"] == "Parcel never arrived"
    # The very same ticket once more changes nothing and writes no event.
    assert (
        client.post(
            URL, ticket(subject="Parcel arrived broken", category="crisis"), format="json"
        ).status_code
        == 200
    )
    assert CaseEvent.objects.filter(case=case, kind="ticket_updated").count() == 1


@pytest.mark.django_db
def test_the_assignee_is_found_by_email_else_the_case_is_unassigned_and_told():
    key = factories.IntegrationKeyFactory()
    agent = factories.UserFactory(role="agent", email="Nina@Example.com")
    factories.UserFactory(role="agent", email="gone@example.com", is_active=False)
    client = keyed(key)
    found = client.post(URL, ticket(assignee_email="nina@example.COM"), format="json").json()
    assert found["assignee"] == agent.pk and found["assignee_note"] == ""
    unknown = client.post(
        URL, ticket(external_ref="2", assignee_email="gone@example.com"), format="json"
    )
    assert unknown.status_code == 201
    assert unknown.json()["assignee"] is None
    assert "gone@example.com" in unknown.json()["assignee_note"]
    bad = client.post(URL, ticket(external_ref="3", assignee_email="not-an-email"), format="json")
    assert bad.status_code == 400 and "assignee_email" in bad.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"external_ref": ""}, "external_ref"),
        ({"external_ref": None}, "external_ref"),
        ({"external_ref": 1.5}, "external_ref"),
        ({"source": ""}, "source"),
        ({"category": "rant"}, "category"),
        ({"subject": ["x"]}, "subject"),
        ({"customer": {"external_id": "new-person"}}, "customer"),
    ],
)
def test_bad_tickets_are_400s_naming_the_field_and_change_nothing(change, field):
    client = keyed(factories.IntegrationKeyFactory())
    response = client.post(URL, ticket(**change), format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_missing_external_ref_is_a_400_naming_it():
    body = ticket()
    del body["external_ref"]
    response = keyed(factories.IntegrationKeyFactory()).post(URL, body, format="json")
    assert response.status_code == 400 and "external_ref" in response.json()


@pytest.mark.django_db
def test_bad_revoked_or_missing_keys_are_401_json_and_change_nothing(api, agent):
    revoked = factories.IntegrationKeyFactory(revoked_at=timezone.now())
    for header in (
        None,
        "Bearer dsk_nope",
        "Bearer not-even-a-key",
        f"Bearer {revoked.secret}",
        f"Token {factories.IntegrationKeyFactory().secret}",
    ):
        client = APIClient()
        if header:
            client.credentials(HTTP_AUTHORIZATION=header)
        response = client.post(URL, ticket(), format="json")
        assert response.status_code == 401, (header, response.content)
        assert set(response.json()) == {"detail", "code", "request_id"}
    assert "revoked" in keyed(revoked).post(URL, ticket(), format="json").json()["detail"]
    # A user's token is not a key either.
    assert api.as_user(agent).post(URL, ticket(), format="json").status_code == 401
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases/"),
        ("post", "/api/v1/cases/"),
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/integrations/"),
        ("post", "/api/v1/integrations/"),
        ("get", "/api/v1/escalations/"),
    ],
)
def test_a_key_is_refused_everywhere_else_with_403(method, path):
    client = keyed(factories.IntegrationKeyFactory(name="Zendesk"))
    response = getattr(client, method)(path, ticket(), format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "integration_key_scope"
    assert not Case.objects.exists() and IntegrationKey.objects.count() == 1


@pytest.mark.django_db
def test_last_used_at_moves_at_most_once_a_minute():
    key = factories.IntegrationKeyFactory()
    client = keyed(key)
    client.post(URL, ticket(), format="json")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    # Within the minute: the key is read, never written.
    with CaptureQueriesContext(connection) as ctx:
        client.post(URL, ticket(), format="json")
    writes = [q["sql"] for q in ctx.captured_queries if "discretion_integrationkey" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("SELECT")
    key.refresh_from_db()
    assert key.last_used_at == first
    IntegrationKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    client.post(URL, ticket(), format="json")
    key.refresh_from_db()
    assert key.last_used_at > first


@pytest.mark.django_db(transaction=True)
def test_the_same_ticket_sent_at_once_makes_one_case():
    key = factories.IntegrationKeyFactory()
    n = 6
    barrier = threading.Barrier(n)

    def send(i: int) -> int:
        try:
            client = keyed(key)
            barrier.wait(timeout=30)
            body = ticket(subject=f"Attempt {i}")
            return client.post(URL, body, format="json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        statuses = sorted(pool.map(send, range(n)))
    assert statuses == [200] * (n - 1) + [201]
    case = Case.objects.get()
    assert case.customer.external_id == "zd-user-9"
    assert CaseEvent.objects.filter(case=case, kind="created").count() == 1
