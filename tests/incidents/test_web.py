"""The incident screens (``/incidents/``), the case page's banner and the case list's
bulk link, through Django's test client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D
from html import escape

import pytest
from django.utils import timezone

from cases.models import Case
from discretion.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_agents_do_not_get_the_incident_screens(client_for, agent, incident):
    client = client_for(agent)
    assert client.get("/incidents/").status_code == 403
    assert client.get(f"/incidents/{incident.pk}/").status_code == 403
    assert client.post(f"/incidents/{incident.pk}/end/").status_code == 403
    assert "/incidents/" not in client.get("/cases/").content.decode()


def test_declare_through_the_form_then_link_and_end(client_for, supervisor):
    client = client_for(supervisor)
    page = client.get("/incidents/")
    assert page.status_code == 200 and "Declare incident" in page.content.decode()
    ends = (timezone.localtime() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        "/incidents/",
        {"title": "Outage", "budget": "1000", "ends_at": ends, "matcher": "case.nope"},
    )
    assert bad.status_code == 400 and not Incident.objects.exists()
    body = bad.content.decode()
    assert "unknown variable case.nope" in body
    response = client.post(
        "/incidents/",
        {
            "title": "Outage 3 Dec",
            "customer_explanation": "Payments were down.",
            "budget": "5000",
            "ends_at": ends,
            "cap_refund": "60",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.remedies.get().per_remedy_max == D("60.00")
    one, two = factories.CaseFactory(), factories.CaseFactory()
    linked = client.post(f"/incidents/{incident.pk}/cases/", {"cases": f"#{one.pk}, {two.pk}"})
    assert linked.status_code == 302
    assert set(Case.objects.filter(active_incident_id=incident.pk)) == {one, two}
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "$5,000.00" in page and one.subject in page and "End now" in page
    assert client.post(f"/incidents/{incident.pk}/end/").status_code == 302
    incident.refresh_from_db()
    assert incident.status == "ended"


def test_the_incident_page_reads_a_fixed_number_of_queries(
    client_for, supervisor, incident, django_assert_num_queries
):
    client = client_for(supervisor)
    client.get(f"/incidents/{incident.pk}/")  # warm the session
    for _ in range(3):
        case = factories.IncidentCaseFactory(incident=incident).case
        factories.ResolutionFactory(
            case=case,
            status="applied",
            amount=D("60.00"),
            requested_amount=D("60.00"),
            applied_at=timezone.now(),
        )
    factories.ResolutionFactory(
        case=case,
        status="applied",
        amount=D("200.00"),
        requested_amount=D("200.00"),
        applied_at=timezone.now(),
    )
    # session, user, incident (+ cases count), its schedule, the links, spend by day, spread
    with django_assert_num_queries(7):
        page = client.get(f"/incidents/{incident.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "$60.00" in body and "$200.00" in body  # min/median and the flagged outlier
    assert f'href="/cases/{case.pk}/">#{case.pk}</a> $200.00' in body


def test_the_case_page_shows_the_banner_and_the_standard_remedy(
    client_for, small_agent, incident, linked_case
):
    body = client_for(small_agent).get(f"/cases/{linked_case.pk}/").content.decode()
    assert f"Part of incident #{incident.pk} 'Outage 3 Dec'" in body
    assert incident.customer_explanation in body
    assert 'value="60.00"' in body and f"Incident #{incident.pk}: Outage 3 Dec</textarea>" in body
    plain = factories.CaseFactory()
    assert (
        "incident-banner" not in client_for(small_agent).get(f"/cases/{plain.pk}/").content.decode()
    )


def test_the_meter_of_a_linked_case_shows_the_incidents_headroom(
    client_for, small_agent, incident, linked_case
):
    """The decision reads the incident's schedule and budget, not the agent's refund
    limit of 25: the meter says so and shows them, and 60.00 is not "over by" anything."""
    factories.IncidentCaseFactory(incident=incident)  # another case, 50.00 already paid
    Incident.objects.filter(pk=incident.pk).update(spent=D("50.00"))
    client = client_for(small_agent)
    page = client.get(f"/cases/{linked_case.pk}/").content.decode()
    note = escape(f"Under incident #{incident.pk} 'Outage 3 Dec': its schedule and budget apply")
    assert note in page
    assert "<strong>$60.00</strong> of $60.00 left per remedy" in page
    assert "<strong>$150.00</strong> of $200.00 left in the incident's budget" in page
    assert "of $25.00 left per remedy" not in page  # the agent's own cap is not shown
    preview = client.post(
        f"/cases/{linked_case.pk}/preview/", {"remedy_type": "refund", "amount": "60.00"}
    ).content.decode()
    assert note in preview and "over by" not in preview
    assert "$90.00 after this" in preview  # the incident budget after this request
    over = client.post(
        f"/cases/{linked_case.pk}/preview/", {"remedy_type": "refund", "amount": "160.00"}
    ).content.decode()
    assert "over by $100.00" in over and "over by $10.00" in over  # schedule, then budget
    # Ended: the same case's meter is the agent's own again.
    Incident.objects.filter(pk=incident.pk).update(
        status="ended", ended_at=timezone.now(), ends_at=timezone.now()
    )
    after = client.get(f"/cases/{linked_case.pk}/").content.decode()
    assert "Under incident" not in after and "of $25.00 left per remedy" in after


def test_a_remedy_outside_the_schedule_meters_the_agents_own_limits_and_says_why(
    client_for, small_agent, incident, linked_case
):
    factories.TrustLimitFactory(
        tier=small_agent.tier, remedy_type=factories.remedy("store_credit"), per_remedy_max=D("30")
    )
    preview = (
        client_for(small_agent)
        .post(f"/cases/{linked_case.pk}/preview/", {"remedy_type": "store_credit", "amount": "40"})
        .content.decode()
    )
    assert f"is not in the schedule of incident #{incident.pk}" in preview
    assert "over by $10.00" in preview


def test_bulk_link_from_the_case_list(client_for, supervisor, incident):
    cases = [factories.CaseFactory(assignee=supervisor) for _ in range(3)]
    client = client_for(supervisor)
    page = client.get("/cases/").content.decode()
    assert 'form="incident-link-form"' in page and f"#{incident.pk} {incident.title}" in page
    response = client.post(
        "/incidents/link/",
        {"incident": incident.pk, "case": [cases[0].pk, cases[2].pk], "next": "/cases/?tab=mine"},
    )
    assert response.status_code == 302 and response["Location"] == "/cases/?tab=mine"
    assert {c.pk for c in Case.objects.filter(active_incident_id=incident.pk)} == {
        cases[0].pk,
        cases[2].pk,
    }


def test_the_list_page_reads_a_fixed_number_of_queries(
    client_for, supervisor, django_assert_num_queries
):
    client = client_for(supervisor)
    client.get("/incidents/")  # warm the session
    factories.IncidentRemedyFactory()
    # session, user, remedy types (the form), the incidents (cases counted), schedules
    with django_assert_num_queries(5):
        client.get("/incidents/")
    factories.IncidentRemedyFactory.create_batch(4)
    with django_assert_num_queries(5):
        assert client.get("/incidents/").content.decode().count('data-testid="incident-row"') == 5
