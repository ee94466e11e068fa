"""Problems over HTTP: GET/POST /api/v1/problems/, GET/PATCH …/{id}/, POST …/cases/, …/fix/,
and the root-cause tag on a resolution."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from cases.models import Case, CaseEvent
from discretion.models import CustomerMessage, Notification, Problem
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/problems/"
FIELDS = {
    "id",
    "title",
    "description",
    "status",
    "owner",
    "cases_count",
    "remedies_total",
    "currency",
    "what_we_changed",
    "fixed_at",
}


def test_any_user_opens_a_problem_with_its_case(api, agent):
    case = factories.CaseFactory(remedies_total=Decimal("12.50"))
    response = api.as_user(agent).post(
        URL, {"title": "Parcels marked delivered", "case": case.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= FIELDS
    assert body["status"] == "open" and body["owner"] is None and body["fixed_at"] is None
    assert body["cases_count"] == 1 and body["remedies_total"] == "12.50"
    assert body["currency"] == "USD" and body["cases"][0]["id"] == case.pk
    assert CaseEvent.objects.filter(case=case, kind="problem_linked").count() == 1
    assert AuditEvent.objects.filter(object_type="problem", action="problem_open").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": "  "}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_open_refuses_bad_input(api, agent, payload, field):
    response = api.as_user(agent).post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Problem.objects.exists()


def test_list_counts_and_costs_in_constant_queries(api, agent, django_assert_num_queries):
    for n in range(3):
        problem = factories.ProblemFactory()
        for _ in range(n + 1):
            factories.ProblemCaseFactory(
                problem=problem, case=factories.CaseFactory(remedies_total=Decimal("10.00"))
            )
    client = api.as_user(agent)
    client.get(URL)  # warm the token cache paths
    # auth token (1) + count + page
    with django_assert_num_queries(3):
        response = client.get(URL)
    rows = response.json()["results"]
    assert [(r["cases_count"], r["remedies_total"]) for r in rows] == [
        (3, "30.00"),
        (2, "20.00"),
        (1, "10.00"),
    ]
    assert api.as_user(agent).get(URL + "?status=fixed").json()["count"] == 0
    assert api.as_user(agent).get(URL + "?status=bogus").status_code == 400


def test_detail_queries_do_not_grow_with_cases(api, agent, django_assert_max_num_queries):
    problem = factories.ProblemFactory()
    for _ in range(5):
        factories.ProblemCaseFactory(problem=problem)
    client = api.as_user(agent)
    with django_assert_max_num_queries(3):
        response = client.get(f"{URL}{problem.pk}/")
    assert len(response.json()["cases"]) == 5
    assert client.get(f"{URL}99999999/").status_code == 404


def test_only_supervisors_edit(api, agent, supervisor):
    problem = factories.ProblemFactory()
    assert (
        api.as_user(agent).patch(f"{URL}{problem.pk}/", {"title": "x"}, format="json").status_code
        == 403
    )
    response = api.as_user(supervisor).patch(
        f"{URL}{problem.pk}/", {"title": "Lost parcels", "owner": supervisor.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Lost parcels" and response.json()["owner"] == supervisor.pk
    bad = api.as_user(supervisor).patch(f"{URL}{problem.pk}/", {"status": "fixed"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()
    not_sup = api.as_user(supervisor).patch(
        f"{URL}{problem.pk}/", {"owner": agent.pk}, format="json"
    )
    assert not_sup.status_code == 400 and "owner" in not_sup.json()


def test_a_case_links_to_one_problem(api, agent):
    first, second = factories.ProblemFactory(), factories.ProblemFactory()
    case = factories.CaseFactory()
    client = api.as_user(agent)
    assert (
        client.post(f"{URL}{first.pk}/cases/", {"case": case.pk}, format="json").status_code == 201
    )
    again = client.post(f"{URL}{first.pk}/cases/", {"case": case.pk}, format="json")
    assert again.status_code == 400 and "already linked to this problem" in again.json()["case"][0]
    elsewhere = client.post(f"{URL}{second.pk}/cases/", {"case": case.pk}, format="json")
    assert elsewhere.status_code == 400 and f"problem #{first.pk}" in elsewhere.json()["case"][0]
    assert (
        client.post(f"{URL}{second.pk}/cases/", {"case": 99999999}, format="json").status_code
        == 400
    )
    assert client.get(f"{URL}{first.pk}/").json()["cases_count"] == 1


def test_fix_drafts_one_message_per_open_linked_case(api, agent, supervisor):
    problem = factories.ProblemFactory()
    open_case = factories.CaseFactory(assignee=agent)
    resolved = factories.CaseFactory(status=Case.Status.RESOLVED)
    closed = factories.CaseFactory(status=Case.Status.CLOSED, assignee=agent)
    for case in (open_case, resolved, closed):
        factories.ProblemCaseFactory(problem=problem, case=case)
    response = api.as_user(supervisor).post(
        f"{URL}{problem.pk}/fix/",
        {"what_we_changed": "The courier now needs a photo."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "fixed" and body["fixed_at"]
    assert body["what_we_changed"] == "The courier now needs a photo."
    drafts = CustomerMessage.objects.filter(status="draft")
    assert sorted(drafts.values_list("case_id", flat=True)) == sorted([open_case.pk, resolved.pk])
    assert all("The courier now needs a photo." in m.body for m in drafts)
    assert drafts.get(case=open_case).author == agent  # the assignee reviews and sends it
    assert not CustomerMessage.objects.filter(case=closed).exists()
    events = CaseEvent.objects.filter(kind="problem_fixed")
    assert sorted(events.values_list("case_id", flat=True)) == sorted([open_case.pk, resolved.pk])
    assert Notification.objects.filter(recipient=agent, kind="problem_fixed_draft").count() == 1
    assert AuditEvent.objects.filter(object_type="problem", action="problem_fix").count() == 1

    twice = api.as_user(supervisor).post(
        f"{URL}{problem.pk}/fix/", {"what_we_changed": "Again"}, format="json"
    )
    assert twice.status_code == 409 and twice.json()["detail"]
    assert CustomerMessage.objects.count() == 2
    late = api.as_user(agent).post(
        f"{URL}{problem.pk}/cases/", {"case": factories.CaseFactory().pk}, format="json"
    )
    assert late.status_code == 409


@pytest.mark.parametrize("payload", [{}, {"what_we_changed": ""}, {"what_we_changed": "   "}])
def test_fix_needs_what_we_changed(api, supervisor, payload):
    problem = factories.ProblemFactory()
    response = api.as_user(supervisor).post(f"{URL}{problem.pk}/fix/", payload, format="json")
    assert response.status_code == 400 and "what_we_changed" in response.json()
    problem.refresh_from_db()
    assert problem.status == "open"


def test_agents_may_not_fix(api, agent):
    problem = factories.ProblemFactory()
    response = api.as_user(agent).post(
        f"{URL}{problem.pk}/fix/", {"what_we_changed": "x"}, format="json"
    )
    assert response.status_code == 403 and response.json()["detail"]
    api.credentials()
    assert api.post(URL, {"title": "x"}, format="json").status_code == 401


def test_root_cause_tag_on_a_resolution(api, agent, admin_user):
    made = api.as_user(admin_user).post(
        "/api/v1/root-causes/",
        {"code": "carrier_scan", "name": "Carrier scans too early"},
        format="json",
    )
    assert made.status_code == 201
    assert (
        api.as_user(agent)
        .post("/api/v1/root-causes/", {"code": "x", "name": "X"}, format="json")
        .status_code
        == 403
    )
    resolution = factories.ResolutionFactory(status="applied")
    url = f"/api/v1/resolutions/{resolution.pk}/root-cause/"
    response = api.as_user(agent).post(url, {"root_cause": "carrier_scan"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"resolution": resolution.pk, "root_cause": "carrier_scan"}
    resolution.refresh_from_db()
    assert resolution.root_cause.code == "carrier_scan"
    unknown = api.as_user(agent).post(url, {"root_cause": "nope"}, format="json")
    assert unknown.status_code == 400 and "root_cause" in unknown.json()
    factories.RootCauseFactory(code="retired", active=False)
    retired = api.as_user(agent).post(url, {"root_cause": "retired"}, format="json")
    assert retired.status_code == 400 and "root_cause" in retired.json()
    cleared = api.as_user(agent).post(url, {"root_cause": None}, format="json")
    assert cleared.json()["root_cause"] is None
    assert api.as_user(agent).get("/api/v1/root-causes/").json()["count"] == 2


@pytest.mark.parametrize(
    ("method", "path", "payload", "expected"),
    [
        ("get", f"{URL}99999999999999999999/", None, 404),
        ("post", URL, {"title": "x", "case": 2**70}, 400),
        ("post", URL, {"title": "x\x00y"}, 400),
        ("post", "/api/v1/resolutions/99999999999999999999/root-cause/", {"root_cause": None}, 404),
        ("post", "/api/v1/root-causes/", {"code": "no spaces", "name": "X"}, 403),
    ],
)
def test_hostile_input_is_a_4xx(api, agent, method, path, payload, expected):
    client = api.as_user(agent)
    response = getattr(client, method)(path, payload, format="json")
    assert response.status_code == expected and response.json()


def test_agents_get_403_before_their_body_is_read(api, agent):
    problem = factories.ProblemFactory()
    client = api.as_user(agent)
    assert client.patch(f"{URL}{problem.pk}/", {"status": 5}, format="json").status_code == 403
    assert client.post(f"{URL}{problem.pk}/fix/", {}, format="json").status_code == 403
