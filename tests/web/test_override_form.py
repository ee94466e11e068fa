"""The per-agent override form: a blank cap inherits the tier's cap (written into the
row), "No cap" is explicit, the preview shows the limits in force before saving, and
contradictory caps are warned about (issue 16, part 3)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from discretion.models import TrustLimit
from discretion.trust.caps import cap_warnings
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/admin-ui/limits/overrides/"


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def rosa():
    standard = factories.tier("standard")
    factories.TrustLimitFactory(
        tier=standard,
        remedy_type=factories.remedy("refund"),
        per_remedy_max=Decimal("100.00"),
        per_case_max=Decimal("150.00"),
        daily_max=Decimal("400.00"),
        monthly_max=Decimal("2000.00"),
        approval_max=None,
    )
    return factories.UserFactory(role="agent", username="rosa", tier=standard)


def test_blank_caps_inherit_the_tier_and_no_cap_is_explicit(admin_client, rosa):
    response = admin_client.post(
        URL,
        {
            "agent": rosa.pk,
            "remedy_type": "refund",
            "per_remedy_max": "120.00",
            "no_cap_monthly_max": "on",
            "reason": "Trusted",
        },
    )
    assert response.status_code == 302
    row = TrustLimit.objects.get(agent=rosa, remedy_type__code="refund")
    assert (row.per_remedy_max, row.per_case_max, row.daily_max, row.monthly_max) == (
        Decimal("120.00"),
        Decimal("150.00"),  # inherited, not "no cap"
        Decimal("400.00"),
        None,  # ticked
    )
    assert row.approval_max is None

    # Editing: the null shows as a ticked box, and blanking a typed cap inherits again.
    page = admin_client.get(f"{URL}{row.pk}/").content.decode()
    assert 'name="no_cap_monthly_max" id="id_no_cap_monthly_max" checked' in page
    admin_client.post(f"{URL}{row.pk}/", {"per_remedy_max": "", "reason": "Back"})
    row.refresh_from_db()
    assert (row.per_remedy_max, row.monthly_max) == (Decimal("100.00"), Decimal("2000.00"))


def test_nothing_to_inherit_asks_instead_of_lifting_the_cap(admin_client):
    agent = factories.UserFactory(role="agent", tier=factories.tier("new"))
    response = admin_client.post(
        URL, {"agent": agent.pk, "remedy_type": "refund", "per_remedy_max": "20", "reason": "x"}
    )
    assert response.status_code == 400
    assert "no cap here to inherit" in response.content.decode()
    assert not TrustLimit.objects.filter(agent=agent).exists()


def test_preview_shows_effective_limits_and_warns(
    admin_client, rosa, django_assert_max_num_queries
):
    data = {"agent": rosa.pk, "remedy_type": "refund", "per_remedy_max": "500", "daily_max": "3000"}
    with django_assert_max_num_queries(8):
        html = admin_client.post(URL + "preview/", data).content.decode()
    assert "$150.00" in html and "inherited from the tier" in html
    assert "$500.00" in html and "typed here" in html
    assert "per remedy ($500.00) is above the cap per case ($150.00)" in html
    assert "per day ($3,000.00) is above the cap per month ($2,000.00)" in html
    assert not TrustLimit.objects.filter(agent=rosa).exists()  # nothing saved
    ticked = admin_client.post(URL + "preview/", {**data, "no_cap_approval_max": "on"})
    row = re.search(r"May approve up to.*?</tr>", ticked.content.decode(), re.S)
    assert row is not None and row.group(0).count("may not approve") == 1, row
    assert "ticked here" in row.group(0)

    # Saving the same warns once more, after the save.
    response = admin_client.post(URL, {**data, "reason": "Try"}, follow=True)
    assert "is above the cap per case" in response.content.decode()


def test_cap_warnings_only_for_contradictions():
    assert cap_warnings({"per_remedy_max": Decimal("10"), "per_case_max": None}) == []
    assert cap_warnings({"daily_max": Decimal("10"), "monthly_max": Decimal("10")}) == []
    assert len(cap_warnings({"per_case_max": Decimal("11"), "daily_max": Decimal("10")})) == 1


def test_matrix_cell_warns_about_contradicting_caps_after_saving(admin_client):
    response = admin_client.post(
        "/admin-ui/limits/cell/new/refund/",
        {"per_remedy_max": "80", "per_case_max": "50", "reason": "Try"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Saved." in html
    assert "The cap per remedy ($80.00) is above the cap per case ($50.00)" in html
