"""The Django admin: audit events read-only; trust changes made there are audited too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from discretion.models import TrustLimit
from tests import factories

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


def test_trust_limit_admin_change_is_audited(browser, admin_user):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    response = browser.post(
        reverse("admin:discretion_trustlimit_change", args=[limit.pk]),
        {
            "tier": limit.tier_id,
            "agent": "",
            "remedy_type": limit.remedy_type_id,
            "per_remedy_max": "75.00",
            "per_case_max": "",
            "daily_max": "",
            "monthly_max": "",
            "approval_max": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    limit.refresh_from_db()
    assert limit.per_remedy_max == Decimal("75.00")
    audit = AuditEvent.objects.get(object_type="trust_limit")
    assert audit.action == "trust_limit_update" and audit.actor == admin_user
    assert audit.before["per_remedy_max"] == "100.00" and audit.after["per_remedy_max"] == "75.00"


def test_trust_limit_admin_delete_is_audited(browser):
    limit = factories.TrustLimitFactory(tier=factories.tier("new"))
    response = browser.post(
        reverse("admin:discretion_trustlimit_delete", args=[limit.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TrustLimit.objects.exists()
    assert AuditEvent.objects.get(object_type="trust_limit").action == "trust_limit_delete"


def test_user_admin_role_change_is_audited(browser, agent):
    url = reverse("admin:discretion_user_change", args=[agent.pk])
    page = browser.get(url)
    assert page.status_code == 200
    form = {
        "username": agent.username,
        "display_name": agent.display_name,
        "email": agent.email,
        "role": "supervisor",
        "tier": agent.tier_id,
        "team": "",
        "is_active": "on",
        "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": agent.date_joined.strftime("%H:%M:%S"),
        "first_name": "",
        "last_name": "",
    }
    response = browser.post(url, form)
    assert response.status_code == 302, response.content[:3000]
    agent.refresh_from_db()
    assert agent.role == "supervisor"
    audit = AuditEvent.objects.get(object_type="user", object_id=str(agent.pk))
    assert audit.before["role"] == "agent" and audit.after["role"] == "supervisor"


def test_user_admin_refuses_superuser_non_admin(browser, agent):
    url = reverse("admin:discretion_user_change", args=[agent.pk])
    form = {
        "username": agent.username,
        "role": "agent",
        "is_active": "on",
        "is_superuser": "on",
        "date_joined_0": agent.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": agent.date_joined.strftime("%H:%M:%S"),
    }
    response = browser.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    agent.refresh_from_db()
    assert not agent.is_superuser
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "discretion_user",
        "discretion_trusttier",
        "discretion_trustlimit",
        "discretion_budgetwindow",
        "discretion_escalation",
        "cases_case",
        "cases_customer",
        "cases_remedytype",
        "cases_resolution",
        "audit_auditevent",
    ],
)
def test_changelists_render(browser, name, case):
    assert browser.get(reverse(f"admin:{name}_changelist")).status_code == 200
