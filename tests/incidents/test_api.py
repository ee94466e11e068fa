"""The incidents API (CONTRACT.md, "Incidents"), status code by status code, with the
matcher that links new cases and the bad input the contract names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, CaseEvent
from discretion.models import Incident, IncidentCase
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def _ends(hours=6) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def declare(api, user, **body):
    payload = {
        "title": "Outage 3 Dec",
        "customer_explanation": "Payments were down for three hours.",
        "ends_at": _ends(),
        "budget": "5000.00",
        "remedies": [{"remedy_type": "refund", "per_remedy_max": "60.00"}],
    } | body
    return api.as_user(user).post(URL, payload, format="json")


def test_declare_read_list_and_audit(api, supervisor, agent):
    response = declare(api, supervisor)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["budget"] == "5000.00" and body["spent"] == "0.00" and body["currency"] == "USD"
    assert body["remedies"] == [{"remedy_type": "refund", "per_remedy_max": "60.00"}]
    assert body["cases_count"] == 0 and body["created_by"] == supervisor.pk
    assert {"starts_at", "ends_at", "customer_explanation", "title"} <= set(body)
    client = api.as_user(agent)  # everyone reads
    assert client.get(f"{URL}{body['id']}/").json() == body
    listing = client.get(URL).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == body["id"]
    assert client.get(URL + "?status=ended").json()["count"] == 0
    assert client.get(URL + "?status=nope").status_code == 400
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.get(f"{URL}99999999999999999999/").status_code == 404
    assert AuditEvent.objects.filter(
        action="incident.declare", object_type="incident", object_id=str(body["id"])
    ).exists()


def test_agents_cannot_write(api, agent, incident, case):
    assert declare(api, agent).status_code == 403
    client = api.as_user(agent)
    assert client.patch(f"{URL}{incident.pk}/", {"title": "x"}, format="json").status_code == 403
    assert (
        client.post(f"{URL}{incident.pk}/cases/", {"case": case.pk}, format="json").status_code
        == 403
    )
    assert client.post(f"{URL}{incident.pk}/end/").status_code == 403
    assert api.credentials() is None and api.get(URL).status_code == 401


BAD_INPUT = [
    ({"budget": "1.234"}, "budget"),
    ({"budget": 100}, "budget"),
    ({"budget": "-5"}, "budget"),
    ({"budget": "0.00"}, "budget"),
    ({"title": ""}, "title"),
    ({"title": 12}, "title"),
    ({"ends_at": "yesterday"}, "ends_at"),
    ({"ends_at": "2020-01-01T00:00:00+00:00"}, "ends_at"),
    ({"remedies": [{"remedy_type": "nope", "per_remedy_max": "5"}]}, "remedies"),
    ({"remedies": [{"remedy_type": "apology", "per_remedy_max": "5"}]}, "remedies"),
    ({"remedies": [{"remedy_type": "refund", "per_remedy_max": "0"}]}, "remedies"),
    ({"remedies": "refund"}, "remedies"),
    ({"matcher": "case.category =="}, "matcher"),
    ({"matcher": "case.nope == 'x'"}, "matcher"),
    ({"matcher": "case.created_hour"}, "matcher"),
]


def test_bad_input_is_400_naming_the_field_and_changes_nothing(api, supervisor):
    for body, field in BAD_INPUT:
        response = declare(api, supervisor, **body)
        assert response.status_code == 400, (body, response.json())
        assert field in response.json(), (body, response.json())
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(object_type="incident").exists()


def test_a_matcher_that_does_not_compile_says_where(api, supervisor):
    message = declare(api, supervisor, matcher="case.nope == 'x'").json()["matcher"][0]
    assert "Line 1, column 6" in message and "case.nope" in message


def test_patch_budget_not_below_spent_and_ended_cannot_reactivate(api, supervisor, incident):
    Incident.objects.filter(pk=incident.pk).update(spent=D("120.00"))
    client = api.as_user(supervisor)
    low = client.patch(f"{URL}{incident.pk}/", {"budget": "119.99"}, format="json")
    assert low.status_code == 400 and "budget" in low.json()
    ok = client.patch(
        f"{URL}{incident.pk}/",
        {"budget": "120.00", "remedies": [{"remedy_type": "refund", "per_remedy_max": "80"}]},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["budget"] == "120.00"
    assert ok.json()["remedies"] == [{"remedy_type": "refund", "per_remedy_max": "80.00"}]
    assert client.patch(f"{URL}{incident.pk}/", {"spent": "0"}, format="json").status_code == 400
    ended = client.post(f"{URL}{incident.pk}/end/")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert client.post(f"{URL}{incident.pk}/end/").status_code == 409
    again = client.patch(f"{URL}{incident.pk}/", {"status": "active"}, format="json")
    assert again.status_code == 409 and "re-activated" in again.json()["detail"]
    assert client.patch(f"{URL}{incident.pk}/", {"budget": "500"}, format="json").status_code == 409
    assert (
        client.patch(f"{URL}{incident.pk}/", {"title": "Outage (over)"}, format="json").status_code
        == 200
    )
    actions = set(
        AuditEvent.objects.filter(object_type="incident").values_list("action", flat=True)
    )
    assert {"incident.update", "incident.end"} <= actions


def test_link_one_and_bulk_and_the_case_shows_its_incident(api, supervisor, incident):
    client = api.as_user(supervisor)
    one, two, three = (factories.CaseFactory() for _ in range(3))
    response = client.post(f"{URL}{incident.pk}/cases/", {"case": one.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["linked"] == [one.pk] and response.json()["cases_count"] == 1
    again = client.post(f"{URL}{incident.pk}/cases/", {"case": one.pk}, format="json")
    assert again.status_code == 200 and again.json()["linked"] == []
    bulk = client.post(
        f"{URL}{incident.pk}/cases/", {"cases": [one.pk, two.pk, three.pk]}, format="json"
    )
    assert bulk.json()["linked"] == [two.pk, three.pk]
    assert client.get(f"/api/v1/cases/{two.pk}/").json()["incident"] == incident.pk
    assert client.get(f"{URL}{incident.pk}/").json()["cases_count"] == 3
    assert CaseEvent.objects.filter(case=two, kind="incident_linked").exists()
    plain = factories.CaseFactory()
    assert client.get(f"/api/v1/cases/{plain.pk}/").json()["incident"] is None


def test_a_case_is_in_at_most_one_active_incident(api, supervisor, incident, linked_case):
    client = api.as_user(supervisor)
    other = factories.IncidentFactory()
    free = factories.CaseFactory()
    response = client.post(
        f"{URL}{other.pk}/cases/", {"cases": [free.pk, linked_case.pk]}, format="json"
    )
    assert response.status_code == 400 and "case" in response.json()
    assert f"active incident #{incident.pk}" in response.json()["case"][0]
    # All or none: the free case was not linked either.
    assert Case.objects.get(pk=free.pk).active_incident_id is None
    assert not IncidentCase.objects.filter(incident=other).exists()
    for bad in ({"case": 999999}, {"case": "1"}, {}, {"cases": []}, {"case": 1, "cases": [1]}):
        assert client.post(f"{URL}{other.pk}/cases/", bad, format="json").status_code == 400
    # Once the first one ends, the case may join another.
    assert client.post(f"{URL}{incident.pk}/end/").status_code == 200
    assert client.get(f"/api/v1/cases/{linked_case.pk}/").json()["incident"] is None
    moved = client.post(f"{URL}{other.pk}/cases/", {"case": linked_case.pk}, format="json")
    assert moved.status_code == 201
    ended_link = client.post(f"{URL}{incident.pk}/cases/", {"case": free.pk}, format="json")
    assert ended_link.status_code == 409 and "ended" in ended_link.json()["detail"]


def test_the_matcher_links_new_cases_while_active(api, supervisor, agent):
    incident_id = declare(
        api, supervisor, matcher="case.category == 'crisis' && case.words.contains(' outage ')"
    ).json()["id"]
    client = api.as_user(agent)

    def create(subject, category="crisis"):
        body = {
            "subject": subject,
            "category": category,
            "customer": {"external_id": f"C-{subject}", "name": "Ana"},
        }
        return client.post("/api/v1/cases/", body, format="json").json()

    assert create("Outage: cannot pay")["incident"] == incident_id
    assert create("Outage again", category="complaint")["incident"] is None
    assert create("Outages are bad")["incident"] is None
    api.as_user(supervisor).post(f"{URL}{incident_id}/end/")
    assert create("Outage still")["incident"] is None
    assert IncidentCase.objects.filter(incident_id=incident_id, via="matcher").count() == 1


def test_patch_status_ended_ends_it_and_frees_its_cases(api, supervisor, incident, linked_case):
    client = api.as_user(supervisor)
    response = client.patch(f"{URL}{incident.pk}/", {"status": "ended"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "ended"
    assert response.json()["ended_at"] is not None
    assert Case.objects.get(pk=linked_case.pk).active_incident_id is None
    assert AuditEvent.objects.filter(action="incident.end", actor=supervisor).count() == 1


def test_the_list_reads_a_fixed_number_of_queries(api, agent, django_assert_num_queries):
    client = api.as_user(agent)
    client.get(URL)  # warm: the token's user
    for _ in range(3):
        incident = factories.IncidentFactory()
        factories.IncidentRemedyFactory(incident=incident)
        factories.IncidentCaseFactory(incident=incident)
    # token+user, count, the page (cases counted), the schedules with their remedy types
    with django_assert_num_queries(4):
        body = client.get(URL).json()
    assert body["count"] == 3 and all(i["cases_count"] == 1 for i in body["results"])
    factories.IncidentFactory.create_batch(5)
    with django_assert_num_queries(4):
        assert client.get(URL).json()["count"] == 8
