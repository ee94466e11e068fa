"""Cases API: create (customer found or created), list with filters, read, patch, timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases import services
from cases.models import Case, CaseEvent, Customer
from tests import factories

pytestmark = pytest.mark.django_db


def case_body(**overrides):
    body = {
        "subject": "Parcel arrived two weeks late",
        "description": "Birthday present arrived after the birthday.",
        "category": "complaint",
        "customer": {"external_id": "C-1001", "name": "Ada Lovelace", "email": "ada@example.com"},
    }
    body.update(overrides)
    return body


def test_create_case_201_with_new_customer(api, agent):
    response = api.as_user(agent).post(
        "/api/v1/cases/", case_body(external_ref="ZD-77", assignee=agent.pk), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["subject"] == "Parcel arrived two weeks late"
    assert data["category"] == "complaint"
    assert data["status"] == "open"
    assert data["assignee"] == agent.pk
    assert data["remedies_total"] == "0.00"
    assert data["currency"] == "USD"
    assert data["customer"]["external_id"] == "C-1001"
    assert data["customer"]["name"] == "Ada Lovelace"
    assert data["customer"]["email"] == "ada@example.com"
    assert "+" in data["created_at"] or data["created_at"].endswith("Z")
    assert {"id", "description", "updated_at"} <= set(data)
    case = Case.objects.get(pk=data["id"])
    assert case.created_by == agent and case.external_ref == "ZD-77"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[0] == "created"


def test_create_case_finds_existing_customer(api, agent):
    customer = factories.CustomerFactory(external_id="C-1001", name="Ada L.")
    response = api.as_user(agent).post(
        "/api/v1/cases/", case_body(customer={"external_id": "C-1001"}), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["customer"]["id"] == customer.pk
    assert Customer.objects.count() == 1
    # Existing customers are not renamed by a case form.
    response = api.as_user(agent).post("/api/v1/cases/", case_body(), format="json")
    assert response.status_code == 201
    assert Customer.objects.get().name == "Ada L."


def test_create_case_new_customer_needs_name(api, agent):
    response = api.as_user(agent).post(
        "/api/v1/cases/", case_body(customer={"external_id": "C-9"}), format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()["customer"]
    assert not Case.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "rant"}, "category"),
        ({"category": None}, "category"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"customer": None}, "customer"),
        ({"customer": "C-1"}, "customer"),
        ({"customer": {"name": "No id"}}, "customer"),
        ({"customer": {"external_id": "C-2", "name": "N", "email": "not-an-email"}}, "customer"),
        ({"assignee": 999999}, "assignee"),
        ({"assignee": "bob"}, "assignee"),
    ],
)
def test_create_case_validation(api, agent, overrides, field):
    response = api.as_user(agent).post("/api/v1/cases/", case_body(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


def test_create_case_inactive_assignee_400(api, agent):
    gone = factories.UserFactory(is_active=False)
    response = api.as_user(agent).post("/api/v1/cases/", case_body(assignee=gone.pk), format="json")
    assert response.status_code == 400 and "assignee" in response.json()


def test_create_case_missing_fields_named(api, agent):
    response = api.as_user(agent).post("/api/v1/cases/", {}, format="json")
    assert response.status_code == 400
    assert {"subject", "category", "customer"} <= set(response.json())


def test_create_case_broken_json(api, agent):
    response = api.as_user(agent).post(
        "/api/v1/cases/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Case.objects.exists()


def test_cases_need_credentials(api, case):
    assert api.get("/api/v1/cases/").status_code == 401
    assert api.post("/api/v1/cases/", case_body(), format="json").status_code == 401
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 401
    assert (
        api.patch(f"/api/v1/cases/{case.pk}/", {"status": "closed"}, format="json").status_code
        == 401
    )
    assert api.get(f"/api/v1/cases/{case.pk}/timeline/").status_code == 401


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_role_creates_reads_patches(api, role):
    user = factories.UserFactory(role=role)
    client = api.as_user(user)
    response = client.post("/api/v1/cases/", case_body(), format="json")
    assert response.status_code == 201
    case_id = response.json()["id"]
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get(f"/api/v1/cases/{case_id}/").status_code == 200
    response = client.patch(f"/api/v1/cases/{case_id}/", {"status": "resolved"}, format="json")
    assert response.status_code == 200


def test_get_unknown_case_404(api, agent):
    client = api.as_user(agent)
    for path in ("/api/v1/cases/999999/", "/api/v1/cases/999999/timeline/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "detail" in response.json()
    response = client.patch("/api/v1/cases/999999/", {"status": "closed"}, format="json")
    assert response.status_code == 404


def test_list_filters(api, agent, supervisor):
    mine = factories.CaseFactory(assignee=agent, category="complaint")
    theirs = factories.CaseFactory(assignee=supervisor, category="crisis", status="resolved")
    nobody = factories.CaseFactory(category="question", subject="Where is my waterproof jacket")
    client = api.as_user(agent)

    def ids(query):
        response = client.get(f"/api/v1/cases/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {mine.pk, theirs.pk, nobody.pk}
    assert ids("assignee=me") == {mine.pk}
    assert ids(f"assignee={supervisor.pk}") == {theirs.pk}
    assert ids("assignee=none") == {nobody.pk}
    assert ids("status=resolved") == {theirs.pk}
    assert ids("status=open&category=question") == {nobody.pk}
    assert ids("category=crisis") == {theirs.pk}
    assert ids("q=waterproof") == {nobody.pk}
    assert ids(f"q={mine.customer.name.split()[0]}") >= {mine.pk}


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("category=rant", "category"), ("assignee=bob", "assignee")],
)
def test_list_bad_filters_400(api, agent, query, field):
    response = api.as_user(agent).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_list_is_paginated_newest_first(api, agent):
    first = factories.CaseFactory()
    second = factories.CaseFactory()
    data = api.as_user(agent).get("/api/v1/cases/").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in data["results"]] == [second.pk, first.pk]


def test_list_constant_queries(api, agent, django_assert_num_queries):
    client = api.as_user(agent)
    factories.CaseFactory(assignee=agent)
    # token+user, count, page (customer joined)
    with django_assert_num_queries(3):
        assert client.get("/api/v1/cases/").json()["count"] == 1
    for _ in range(19):
        factories.CaseFactory(assignee=factories.UserFactory())
    with django_assert_num_queries(3):
        response = client.get("/api/v1/cases/")
    assert response.json()["count"] == 20
    assert all(row["customer"]["name"] for row in response.json()["results"])


def test_patch_status_and_assignee_with_timeline(api, agent, supervisor):
    case = factories.CaseFactory()
    client = api.as_user(supervisor)
    response = client.patch(
        f"/api/v1/cases/{case.pk}/", {"status": "resolved", "assignee": agent.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "resolved"
    assert response.json()["assignee"] == agent.pk
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert [(e.kind, e.data) for e in events] == [
        ("status_changed", {"from": "open", "to": "resolved"}),
        ("assigned", {"from": None, "to": agent.pk}),
    ]
    assert all(e.actor == supervisor for e in events)
    response = client.patch(f"/api/v1/cases/{case.pk}/", {"assignee": None}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] is None
    assert CaseEvent.objects.filter(case=case).last().data == {"from": agent.pk, "to": None}


def test_patch_same_values_writes_no_event(api, agent):
    case = factories.CaseFactory()
    response = api.as_user(agent).patch(
        f"/api/v1/cases/{case.pk}/", {"status": "open"}, format="json"
    )
    assert response.status_code == 200
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": None}, "status"),
        ({"assignee": 999999}, "assignee"),
        ({"subject": "New subject"}, "subject"),
        ({"remedies_total": "1000.00"}, "remedies_total"),
    ],
)
def test_patch_validation_changes_nothing(api, agent, body, field):
    case = factories.CaseFactory()
    response = api.as_user(agent).patch(f"/api/v1/cases/{case.pk}/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.subject, fresh.remedies_total) == (
        "open",
        case.subject,
        Decimal("0.00"),
    )
    assert not CaseEvent.objects.filter(case=case).exists()


def test_patch_non_object_body_400(api, agent, case):
    response = api.as_user(agent).patch(f"/api/v1/cases/{case.pk}/", ["closed"], format="json")
    assert response.status_code == 400


def test_timeline_oldest_first_with_actor_names(api, agent, supervisor):
    response = api.as_user(agent).post("/api/v1/cases/", case_body(), format="json")
    case_id = response.json()["id"]
    api.as_user(supervisor).patch(f"/api/v1/cases/{case_id}/", {"status": "closed"}, format="json")
    case = Case.objects.get(pk=case_id)
    services.case_event_add(
        case=case, kind="note", actor=None, summary="System note", data={"x": 1}
    )
    response = api.as_user(agent).get(f"/api/v1/cases/{case_id}/timeline/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["kind"] for row in rows] == ["created", "status_changed", "note"]
    assert rows[0]["actor"] == agent.pk and rows[0]["actor_name"] == agent.label
    assert rows[1]["actor"] == supervisor.pk
    assert rows[2]["actor"] is None and rows[2]["actor_name"] is None
    assert rows[2]["data"] == {"x": 1}
    assert set(rows[0]) == {"id", "at", "kind", "actor", "actor_name", "summary", "data"}


def test_timeline_constant_queries(api, agent, case, django_assert_num_queries):
    client = api.as_user(agent)
    services.case_event_add(case=case, kind="note", actor=agent, summary="one")
    # token+user, case, count, page (actors joined)
    with django_assert_num_queries(4):
        client.get(f"/api/v1/cases/{case.pk}/timeline/")
    for n in range(10):
        services.case_event_add(
            case=case, kind="note", actor=factories.UserFactory(), summary=f"n{n}"
        )
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/cases/{case.pk}/timeline/").json()["count"] == 11


def test_case_create_service_is_atomic(agent, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("timeline down")

    monkeypatch.setattr(services, "case_event_add", boom)
    with pytest.raises(RuntimeError):
        services.case_create(
            acting_user=agent,
            subject="s",
            category="question",
            customer={"external_id": "C-5", "name": "N"},
        )
    assert not Case.objects.exists() and not Customer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/?assignee=99999999999999999999999",
        "/api/v1/cases/99999999999999999999999/",
        "/api/v1/cases/99999999999999999999999/timeline/",
    ],
)
def test_huge_ids_are_not_500(api, agent, path):
    response = api.as_user(agent).get(path)
    assert response.status_code in (200, 404)


def test_overlong_customer_fields_400(api, agent):
    body = case_body(
        customer={"external_id": "C-" + "9" * 200, "name": "N" * 300, "email": "a" * 250 + "@x.com"}
    )
    response = api.as_user(agent).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["customer"]) == {"external_id", "name", "email"}


def test_case_update_keeps_remedies_total_moved_meanwhile(agent):
    """A stale case instance must not write back an old remedies_total."""
    case = factories.CaseFactory()
    stale = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(remedies_total=Decimal("42.00"))
    services.case_update(acting_user=agent, case=stale, status="resolved")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == "resolved" and fresh.remedies_total == Decimal("42.00")
