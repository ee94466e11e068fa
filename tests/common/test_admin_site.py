"""The Django admin site: every app's changelist renders."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "discretion_user",
        "discretion_trusttier",
        "discretion_trustlimit",
        "discretion_budgetwindow",
        "discretion_escalation",
        "discretion_incident",
        "cases_case",
        "cases_customer",
        "cases_remedytype",
        "cases_resolution",
        "audit_auditevent",
    ],
)
def test_changelists_render(admin_client, name, case):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
