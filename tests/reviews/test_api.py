"""The review policy and the reviews over HTTP (contract: "Verify after, not before")."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from audit.models import AuditEvent
from cases.models import Case, Resolution
from discretion.models import BudgetWindow, Notification, Recognition, Review, ReviewPolicy
from tests import factories

pytestmark = pytest.mark.django_db

POLICY = "/api/v1/review-policy/"
REVIEWS = "/api/v1/reviews/"


def complete(api, user, review, **body):
    return api.as_user(user).post(f"{REVIEWS}{review.pk}/complete/", body, format="json")


# --- the policy --------------------------------------------------------------------------


def test_policy_defaults_and_who_may_read_it(api, agent, supervisor, admin_user):
    assert api.as_user(supervisor).get(POLICY).json()["sample_percent"] == 5
    body = api.as_user(admin_user).get(POLICY).json()
    assert body["sample_percent"] == 5 and body["always_above"] is None
    response = api.as_user(agent).get(POLICY)
    assert response.status_code == 403 and response.json()["detail"]
    api.credentials()
    assert api.get(POLICY).status_code == 401


def test_admin_puts_the_policy_and_it_is_audited(api, admin_user):
    response = api.as_user(admin_user).put(
        POLICY, {"sample_percent": 12.5, "always_above": "250"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["sample_percent"] == 12.5
    assert response.json()["always_above"] == "250.00"
    policy = ReviewPolicy.objects.get(pk=1)
    assert policy.sample_percent == D("12.50") and policy.always_above == D("250.00")
    event = AuditEvent.objects.get(object_type="review_policy")
    assert event.actor == admin_user
    assert event.before == {"sample_percent": "5.00", "always_above": None}
    assert event.after == {"sample_percent": "12.50", "always_above": "250.00"}
    # Back to no always-review amount (a PUT replaces the whole policy).
    response = api.as_user(admin_user).put(POLICY, {"sample_percent": "5"}, format="json")
    assert response.json()["always_above"] is None


def test_supervisors_and_agents_may_not_put(api, agent, supervisor):
    for user in (agent, supervisor):
        response = api.as_user(user).put(POLICY, {"sample_percent": 50}, format="json")
        assert response.status_code == 403
    assert ReviewPolicy.objects.get(pk=1).sample_percent == D("5")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sample_percent": 101}, "sample_percent"),
        ({"sample_percent": -1}, "sample_percent"),
        ({"sample_percent": "1.234"}, "sample_percent"),
        ({"sample_percent": "lots"}, "sample_percent"),
        ({}, "sample_percent"),
        ({"sample_percent": 5, "always_above": 100}, "always_above"),
        ({"sample_percent": 5, "always_above": "-3"}, "always_above"),
        ({"sample_percent": 5, "always_above": "0"}, "always_above"),
    ],
)
def test_a_bad_policy_is_400_naming_the_field_and_changes_nothing(api, admin_user, body, field):
    response = api.as_user(admin_user).put(POLICY, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert ReviewPolicy.objects.get(pk=1).sample_percent == D("5")
    assert not AuditEvent.objects.filter(object_type="review_policy").exists()


# --- the list ----------------------------------------------------------------------------


def test_the_list_for_supervisors_and_admins_only(api, agent, supervisor, admin_user):
    review = factories.ReviewFactory()
    body = api.as_user(supervisor).get(REVIEWS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {
        "id",
        "resolution",
        "agent",
        "status",
        "verdict",
        "note",
        "reviewer",
        "created_at",
        "done_at",
    } <= set(row)
    assert row["id"] == review.pk and row["resolution"] == review.resolution_id
    assert row["agent"] == review.agent_id and row["status"] == "pending"
    assert row["verdict"] == "" and row["reviewer"] is None and row["done_at"] is None
    assert row["amount"] == "40.00" and row["currency"] == "USD"
    assert api.as_user(admin_user).get(REVIEWS).json()["count"] == 1
    assert api.as_user(agent).get(REVIEWS).status_code == 403


def test_the_list_filters_by_status_and_agent(api, supervisor):
    first, second = factories.ReviewFactory(), factories.ReviewFactory()
    complete(api, supervisor, first, verdict="good_call")
    client = api.as_user(supervisor)
    assert [r["id"] for r in client.get(f"{REVIEWS}?status=done").json()["results"]] == [first.pk]
    assert [r["id"] for r in client.get(f"{REVIEWS}?status=pending").json()["results"]] == [
        second.pk
    ]
    by_agent = client.get(f"{REVIEWS}?agent={second.agent_id}").json()["results"]
    assert [r["id"] for r in by_agent] == [second.pk]
    assert client.get(f"{REVIEWS}?status=maybe").status_code == 400
    assert client.get(f"{REVIEWS}?agent=me").status_code == 400


def test_the_list_query_count_does_not_grow_with_the_page(
    api, supervisor, django_assert_num_queries
):
    for _ in range(5):
        factories.ReviewFactory()
    client = api.as_user(supervisor)
    client.get(REVIEWS)
    # token + user (1), count (1), the page with resolution, case, remedy, agent, reviewer (1)
    with django_assert_num_queries(3):
        assert client.get(REVIEWS).json()["count"] == 5


# --- completing --------------------------------------------------------------------------


def _money_state(resolution: Resolution):
    resolution = Resolution.objects.get(pk=resolution.pk)
    case = Case.objects.get(pk=resolution.case_id)
    windows = sorted(
        BudgetWindow.objects.filter(user_id=resolution.agent_id).values_list("id", "used", "cap")
    )
    return (
        resolution.status,
        resolution.amount,
        resolution.requested_amount,
        resolution.counts_against_budget,
        resolution.applied_at,
        case.remedies_total,
        windows,
    )


@pytest.mark.parametrize("verdict", ["good_call", "above_and_beyond", "coach", "policy_gap"])
def test_a_verdict_is_recorded_and_audited_and_never_touches_money(api, supervisor, verdict):
    review = factories.ReviewFactory()
    factories.BudgetWindowFactory(
        user=review.agent, remedy_type=review.remedy_type, used=D("40.00")
    )
    before = _money_state(review.resolution)
    response = complete(api, supervisor, review, verdict=verdict, note="Say sorry first.")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "done" and body["verdict"] == verdict
    assert body["reviewer"] == supervisor.pk and body["done_at"]
    assert body["note"] == "Say sorry first."
    assert _money_state(review.resolution) == before
    event = AuditEvent.objects.get(object_type="review", object_id=str(review.pk))
    assert event.action == "review.complete" and event.actor == supervisor
    assert event.before["status"] == "pending" and event.after["verdict"] == verdict


def test_above_and_beyond_records_one_recognition_from_the_reviewer(api, supervisor):
    review = factories.ReviewFactory()
    complete(api, supervisor, review, verdict="above_and_beyond", note="Called back unasked.")
    recognition = Recognition.objects.get()
    assert recognition.agent_id == review.agent_id and recognition.from_user == supervisor
    assert recognition.review_id == review.pk
    assert recognition.resolution_id == review.resolution_id
    assert recognition.note == "Called back unasked."
    assert Notification.objects.filter(recipient=review.agent, kind="recognition").count() == 1


def test_other_verdicts_record_no_recognition(api, supervisor):
    complete(api, supervisor, factories.ReviewFactory(), verdict="good_call")
    assert not Recognition.objects.exists()


@pytest.mark.parametrize("verdict", ["coach", "policy_gap"])
def test_coach_and_policy_gap_need_a_note(api, supervisor, verdict):
    review = factories.ReviewFactory()
    for body in ({"verdict": verdict}, {"verdict": verdict, "note": "   "}):
        response = complete(api, supervisor, review, **body)
        assert response.status_code == 400
        assert "note" in response.json()
    assert Review.objects.get(pk=review.pk).status == "pending"


def test_a_bad_verdict_is_400(api, supervisor):
    response = complete(api, supervisor, factories.ReviewFactory(), verdict="great")
    assert response.status_code == 400 and "verdict" in response.json()


def test_nobody_reviews_their_own_resolution(api, supervisor):
    resolution = factories.ResolutionFactory(
        agent=supervisor, status="applied", counts_against_budget=True
    )
    review = factories.ReviewFactory(resolution=resolution)
    response = complete(api, supervisor, review, verdict="good_call")
    assert response.status_code == 403
    assert "your own resolution" in response.json()["detail"]
    assert response.json()["code"] == "own_resolution"
    assert Review.objects.get(pk=review.pk).status == "pending"
    assert not AuditEvent.objects.filter(object_type="review").exists()


def test_completing_twice_is_409(api, supervisor, admin_user):
    review = factories.ReviewFactory()
    assert complete(api, supervisor, review, verdict="good_call").status_code == 200
    response = complete(api, admin_user, review, verdict="coach", note="No.")
    assert response.status_code == 409 and response.json()["code"] == "already_reviewed"
    assert Review.objects.get(pk=review.pk).verdict == "good_call"


def test_agents_may_not_complete_and_unknown_reviews_are_404(api, agent, supervisor):
    review = factories.ReviewFactory()
    assert complete(api, agent, review, verdict="good_call").status_code == 403
    response = api.as_user(supervisor).post(
        f"{REVIEWS}999999/complete/", {"verdict": "good_call"}, format="json"
    )
    assert response.status_code == 404


HUGE = 99999999999999999999


def test_huge_ids_are_4xx_never_500(api, supervisor):
    client = api.as_user(supervisor)
    response = client.post(f"{REVIEWS}{HUGE}/complete/", {"verdict": "good_call"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"{REVIEWS}?agent={HUGE}").json()["count"] == 0
    for body in ({"agent": HUGE, "note": "x"}, {"agent": supervisor.pk, "resolution": HUGE}):
        response = client.post("/api/v1/recognitions/", {"note": "x"} | body, format="json")
        assert 400 <= response.status_code < 500, response.content
    assert client.get(f"/api/v1/recognitions/?agent={HUGE}").json()["count"] == 0
