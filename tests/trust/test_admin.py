"""The Django admin of trust: limit and user changes made there are audited too.

The audit admin is in tests/audit/test_admin.py, every changelist in
tests/common/test_admin_site.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from discretion.models import TrustLimit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


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
