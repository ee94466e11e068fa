"""Audit API: admin-only reads, filters, no writes; the database refuses edits."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from common.errors import Invalid
from discretion.trust.services import trust_limit_create, trust_limit_update, trust_tier_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(admin_user):
    limit = trust_limit_create(
        acting_user=admin_user,
        tier=factories.tier("new"),
        remedy_type=factories.remedy("refund"),
        per_remedy_max="20.00",
        reason="launch",
    )
    trust_limit_update(
        acting_user=admin_user, trust_limit=limit, changes={"per_remedy_max": "25.00"}
    )
    tier = trust_tier_update(
        acting_user=admin_user, tier=factories.tier("senior"), changes={"name": "Senior agent"}
    )
    return limit, tier


def test_admin_lists_events_newest_first(api, admin_user, events):
    limit, _ = events
    response = api.as_user(admin_user).get("/api/v1/audit-events/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 3
    rows = data["results"]
    assert [row["action"] for row in rows] == [
        "trust_tier_update",
        "trust_limit_update",
        "trust_limit_create",
    ]
    created = rows[2]
    assert {"id", "at", "actor", "action", "object_type", "object_id", "before", "after"} <= set(
        created
    )
    assert created["actor"] == admin_user.pk
    assert created["object_type"] == "trust_limit" and created["object_id"] == str(limit.pk)
    assert created["before"] is None and created["after"]["per_remedy_max"] == "20.00"
    assert created["reason"] == "launch"
    assert rows[1]["before"]["per_remedy_max"] == "20.00"
    assert rows[1]["after"]["per_remedy_max"] == "25.00"


def test_filter_by_object(api, admin_user, events):
    limit, _ = events
    client = api.as_user(admin_user)
    data = client.get(f"/api/v1/audit-events/?object_type=trust_limit&object_id={limit.pk}").json()
    assert [row["action"] for row in data["results"]] == [
        "trust_limit_update",
        "trust_limit_create",
    ]
    data = client.get("/api/v1/audit-events/?object_type=trust_tier").json()
    assert [row["object_id"] for row in data["results"]] == ["senior"]
    response = client.get("/api/v1/audit-events/?object_type=banana")
    assert response.status_code == 400 and "object_type" in response.json()


def test_detail(api, admin_user, events):
    event = AuditEvent.objects.order_by("id").first()
    response = api.as_user(admin_user).get(f"/api/v1/audit-events/{event.pk}/")
    assert response.status_code == 200 and response.json()["id"] == event.pk
    assert api.as_user(admin_user).get("/api/v1/audit-events/999999/").status_code == 404


def test_non_admins_forbidden(api, agent, supervisor, events):
    for user in (agent, supervisor):
        response = api.as_user(user).get("/api/v1/audit-events/")
        assert response.status_code == 403
        assert "admin" in response.json()["detail"]
    api.credentials()
    assert api.get("/api/v1/audit-events/").status_code == 401


def test_no_write_methods(api, admin_user, agent, events):
    event = AuditEvent.objects.first()
    client = api.as_user(admin_user)
    assert client.post("/api/v1/audit-events/", {"action": "x"}, format="json").status_code == 405
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/audit-events/{event.pk}/", {"action": "x"}, format="json"
        )
        assert response.status_code == 405, method
    agent_client = api.as_user(agent)
    assert agent_client.delete(f"/api/v1/audit-events/{event.pk}/").status_code in (403, 405)
    assert AuditEvent.objects.count() == 3
    event.refresh_from_db()
    assert event.action != "x"


def test_database_refuses_update_and_delete(admin_user):
    event = audit_record(
        actor=admin_user, action="test", object_type="user", object_id=admin_user.pk
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        event.reason = "rewritten"
        event.save()
    event.refresh_from_db()
    assert event.action == "test" and event.reason == ""


def test_failed_change_leaves_no_audit_row(admin_user):
    factories.TrustLimitFactory(tier=factories.tier("new"))
    with pytest.raises(Invalid):
        trust_limit_create(
            acting_user=admin_user,
            tier=factories.tier("new"),
            remedy_type=factories.remedy("refund"),
            per_remedy_max="1.00",
        )
    assert not AuditEvent.objects.exists()


def test_list_constant_queries(api, admin_user, events, django_assert_num_queries):
    client = api.as_user(admin_user)
    # token+user, count, page (actors joined)
    with django_assert_num_queries(3):
        client.get("/api/v1/audit-events/")
    factories.AuditEventFactory.create_batch(5)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/audit-events/").json()["count"] == 8
