"""The admin screen /admin-ui/integrations/: a new key shown once, the list, revoke after
a confirmation; admins only."""

from __future__ import annotations

import re

import pytest

from discretion.integrations.models import IntegrationKey
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/admin-ui/integrations/"


def test_a_new_key_is_shown_once_with_a_copy_button(client, admin_user):
    client.force_login(admin_user)
    created = client.post(URL, {"name": "Zendesk production"})
    assert created.status_code == 201
    text = created.content.decode()
    secret = re.search(r'value="(dsk_[^"]+)"', text)[1]
    assert 'data-copy="#new-key"' in text and "js/integrations.js" in text
    key = IntegrationKey.objects.get()
    assert key.name == "Zendesk production" and key.prefix in text
    again = client.get(URL).content.decode()
    assert secret not in again and "Zendesk production" in again
    assert client.post(URL, {"name": ""}).status_code == 400


def test_revoking_asks_first_then_revokes(client, admin_user):
    key = factories.IntegrationKeyFactory(name="Old desk")
    client.force_login(admin_user)
    ask = client.get(f"{URL}{key.pk}/revoke/")
    assert ask.status_code == 200 and b"Revoke the key" in ask.content
    key.refresh_from_db()
    assert key.revoked_at is None
    done = client.post(f"{URL}{key.pk}/revoke/")
    assert done.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in client.get(URL).content.decode()


def test_only_admins_see_the_screen(client):
    client.force_login(factories.UserFactory(role="supervisor"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert not IntegrationKey.objects.exists()


def test_the_list_costs_a_constant_number_of_queries(client, admin_user, django_assert_num_queries):
    client.force_login(admin_user)
    factories.IntegrationKeyFactory.create_batch(2)
    client.get(URL)  # warm per-process caches
    with django_assert_num_queries(3):  # session, user, keys (creators joined)
        client.get(URL)
    factories.IntegrationKeyFactory.create_batch(6)
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
