"""Integration keys over the API: admins create (the key shown once), list and revoke
them; every change is audited; nobody else may."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from discretion.integrations.models import IntegrationKey
from discretion.integrations.selectors import key_digest
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/integrations/"


def test_an_admin_creates_a_key_shown_once_and_stored_as_a_digest(api, admin_user):
    response = api.as_user(admin_user).post(URL, {"name": "Zendesk"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["key"]
    assert secret.startswith("dsk_") and len(secret) > 40
    assert body["name"] == "Zendesk" and body["last_used_at"] is None
    assert set(body) >= {"id", "name", "key", "created_at", "last_used_at"}
    row = IntegrationKey.objects.get(pk=body["id"])
    assert row.key_hash == key_digest(secret) and secret not in (row.key_hash, row.prefix)
    assert secret.startswith(row.prefix)
    # Never again: not in the list, not in the detail.
    listed = api.get(URL).json()["results"]
    assert [k["id"] for k in listed] == [body["id"]] and listed[0]["key"] is None
    assert api.get(f"{URL}{body['id']}/").json()["key"] is None
    event = AuditEvent.objects.get(object_type="integration_key", object_id=str(row.pk))
    assert event.action == "integration_key.create" and event.actor == admin_user
    assert secret not in str(event.after)


def test_a_blank_name_is_a_400_naming_it(api, admin_user):
    response = api.as_user(admin_user).post(URL, {"name": "  "}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert not IntegrationKey.objects.exists()


def test_revoking_is_audited_once_and_the_key_stays_listed(api, admin_user):
    key = factories.IntegrationKeyFactory()
    client = api.as_user(admin_user)
    assert client.delete(f"{URL}{key.pk}/").status_code == 204
    assert client.delete(f"{URL}{key.pk}/").status_code == 204  # idempotent
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin_user
    actions = list(
        AuditEvent.objects.filter(object_type="integration_key").values_list("action", flat=True)
    )
    assert actions == ["integration_key.revoke"]
    listed = client.get(URL).json()["results"]
    assert listed[0]["active"] is False and listed[0]["revoked_at"]
    assert client.delete(f"{URL}999999/").status_code == 404


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_manage_keys(api, role):
    user = factories.UserFactory(role=role)
    key = factories.IntegrationKeyFactory()
    client = api.as_user(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}, format="json").status_code == 403
    assert client.delete(f"{URL}{key.pk}/").status_code == 403
    assert IntegrationKey.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_list_costs_a_constant_number_of_queries(api, admin_user, django_assert_num_queries):
    client = api.as_user(admin_user)
    factories.IntegrationKeyFactory.create_batch(3)
    # token + count + page
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
    factories.IntegrationKeyFactory.create_batch(5)
    with django_assert_num_queries(3):
        assert len(client.get(URL).json()["results"]) == 8
