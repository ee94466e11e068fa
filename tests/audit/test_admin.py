"""The Django admin of audit events: read-only, nothing can change or delete one."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def event(admin_user):
    return audit_record(
        actor=admin_user, action="trust_limit_update", object_type="trust_limit", object_id=1
    )


def test_audit_admin_has_no_write_permissions(rf, admin_user):
    model_admin = django_admin.site._registry[AuditEvent]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_audit_admin_pages(browser, event):
    assert browser.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    response = browser.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content  # view-only page
    assert browser.get(reverse("admin:audit_auditevent_add")).status_code == 403


def test_audit_admin_cannot_change_or_delete(browser, event):
    response = browser.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]),
        {"action": "forged", "object_type": "user", "object_id": "9"},
    )
    assert response.status_code == 403
    response = browser.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = browser.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    event.refresh_from_db()
    assert event.action == "trust_limit_update"
    assert AuditEvent.objects.count() == 1
