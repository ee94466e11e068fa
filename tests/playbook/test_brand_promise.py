"""The brand promise: GET/PUT /api/v1/brand-promise/ (admins write, all read; audited) and
its admin screen."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from discretion.playbook.models import BRAND_PROMISE_MAX_LENGTH
from discretion.playbook.selectors import brand_promise_get
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/brand-promise/"


def test_everyone_reads_it_empty_at_first(api, agent):
    response = api.as_user(agent).get(URL)
    assert response.status_code == 200
    assert response.json()["brand_promise"] == ""


def test_admin_sets_it_and_the_change_is_audited(api, admin_user, agent):
    factories.MessagingSettingsFactory(brand_promise="Old promise")
    text = "We stand behind what we sell."
    response = api.as_user(admin_user).put(URL, {"brand_promise": f"  {text} "}, format="json")
    assert response.status_code == 200
    assert response.json()["brand_promise"] == text
    assert api.as_user(agent).get(URL).json()["brand_promise"] == text
    event = AuditEvent.objects.get(object_type="brand_promise")
    assert event.action == "brand_promise.update"
    assert event.actor == admin_user
    assert event.before == {"brand_promise": "Old promise"}
    assert event.after == {"brand_promise": text}
    listed = api.as_user(admin_user).get("/api/v1/audit-events/?object_type=brand_promise")
    assert listed.status_code == 200 and listed.json()["count"] == 1


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_write(api, role):
    user = factories.UserFactory(role=role)
    response = api.as_user(user).put(URL, {"brand_promise": "Mine"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert brand_promise_get().brand_promise == ""
    assert not AuditEvent.objects.filter(object_type="brand_promise").exists()


@pytest.mark.parametrize(
    "payload",
    [{}, {"brand_promise": None}, {"brand_promise": "x" * (BRAND_PROMISE_MAX_LENGTH + 1)}],
)
def test_bad_input_is_a_400_and_changes_nothing(api, admin_user, payload):
    response = api.as_user(admin_user).put(URL, payload, format="json")
    assert response.status_code == 400
    assert "brand_promise" in response.json()
    assert not AuditEvent.objects.filter(object_type="brand_promise").exists()


def test_needs_credentials(api):
    assert api.get(URL).status_code == 401


def test_admin_screen_saves_it(client, admin_user, agent):
    client.force_login(admin_user)
    page = client.get("/admin-ui/brand-promise/")
    assert page.status_code == 200 and "Brand promise" in page.content.decode()
    assert "/admin-ui/brand-promise/" in client.get("/admin-ui/").content.decode()
    saved = client.post("/admin-ui/brand-promise/", {"brand_promise": "If it's wrong, we fix it."})
    assert saved.status_code == 302
    assert brand_promise_get().brand_promise == "If it's wrong, we fix it."
    assert AuditEvent.objects.filter(object_type="brand_promise", actor=admin_user).count() == 1
    too_long = client.post("/admin-ui/brand-promise/", {"brand_promise": "x" * 1001})
    assert too_long.status_code == 400
    client.force_login(agent)
    assert client.get("/admin-ui/brand-promise/").status_code == 403
