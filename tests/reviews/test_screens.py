"""The reviews queue, the review policy admin page, the dashboard's findings and the kudos
screens, through Django's test client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from discretion.dashboard.selectors import review_findings
from discretion.models import Notification, Recognition, Review, ReviewPolicy
from discretion.reviews.draw import review_draw
from discretion.reviews.selectors import review_policy_preview
from tests import factories

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the reviews queue ------------------------------------------------------------------


def test_the_queue_is_for_supervisors_and_admins(agent, supervisor, admin_user):
    assert login(agent).get("/reviews/").status_code == 403
    assert login(supervisor).get("/reviews/").status_code == 200
    assert login(admin_user).get("/reviews/?tab=done").status_code == 200
    assert Client().get("/reviews/").status_code == 302


def test_pending_cards_newest_first_show_what_to_judge(supervisor):
    old = factories.ReviewFactory(created_at=timezone.now() - timedelta(hours=2))
    new = factories.ReviewFactory()
    new.resolution.reason = "Third late parcel"
    new.resolution.customer_message = "So sorry, refunded."
    new.resolution.decision = {"summary": "Applies now: within every limit."}
    new.resolution.save()
    html = login(supervisor).get("/reviews/").content.decode()
    assert html.index(f'id="review-{new.pk}"') < html.index(f'id="review-{old.pk}"')
    for text in (
        "Third late parcel",
        "So sorry, refunded.",
        "Applies now: within every limit.",
        new.agent.label,
        f"Case #{new.resolution.case_id}",
        "$40.00",
        'data-verdict="coach"',
    ):
        assert text in html
    assert "approve" not in html.lower().split("<main")[1]  # not the approval queue


def test_the_queue_query_count_does_not_grow(supervisor, django_assert_num_queries):
    for _ in range(6):
        factories.ReviewFactory()
    client = login(supervisor)
    client.get("/reviews/")
    # session + user (2), the cards with their joins (1), the pending count (1)
    with django_assert_num_queries(4):
        assert client.get("/reviews/").status_code == 200


def test_a_verdict_from_the_form_leaves_the_list(supervisor):
    review = factories.ReviewFactory()
    client = login(supervisor)
    response = client.post(
        f"/reviews/{review.pk}/complete/", {"verdict": "good_call"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="review-{review.pk}"' not in body  # the card is swapped out
    assert "Good call" in body and 'id="review-count"' in body
    assert Review.objects.get(pk=review.pk).verdict == "good_call"
    assert f'id="review-{review.pk}"' not in client.get("/reviews/").content.decode()
    assert f'id="review-{review.pk}"' in client.get("/reviews/?tab=done").content.decode()


def test_coach_without_a_note_shows_the_error_on_the_card(supervisor):
    review = factories.ReviewFactory()
    response = login(supervisor).post(
        f"/reviews/{review.pk}/complete/", {"verdict": "coach"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="review-{review.pk}"' in body and "Required for coach" in body
    assert 'data-pending-verdict="coach"' in body
    assert Review.objects.get(pk=review.pk).status == "pending"


def test_own_resolution_is_refused_on_the_card(supervisor):
    resolution = factories.ResolutionFactory(agent=supervisor, status="applied")
    review = factories.ReviewFactory(resolution=resolution)
    response = login(supervisor).post(f"/reviews/{review.pk}/complete/", {"verdict": "good_call"})
    assert response.status_code == 403
    assert "your own resolution" in response.content.decode()


def test_without_htmx_a_verdict_redirects_back(supervisor):
    review = factories.ReviewFactory()
    response = login(supervisor).post(
        f"/reviews/{review.pk}/complete/", {"verdict": "above_and_beyond", "note": "Wow"}
    )
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    assert Recognition.objects.get().review_id == review.pk


def test_a_coach_note_on_the_done_tab_is_for_its_reviewer_only(supervisor):
    review = factories.ReviewFactory()
    login(supervisor).post(
        f"/reviews/{review.pk}/complete/", {"verdict": "coach", "note": "Ask about the order."}
    )
    assert "Ask about the order." in login(supervisor).get("/reviews/?tab=done").content.decode()
    other = factories.UserFactory(role="supervisor")
    html = login(other).get("/reviews/?tab=done").content.decode()
    assert "Ask about the order." not in html and "for " in html


# --- the review policy page -------------------------------------------------------------


def test_the_policy_page_previews_the_last_30_days_before_saving(admin_user, supervisor):
    resolutions = [
        factories.ResolutionFactory(status="applied", counts_against_budget=True, amount=D("10.00"))
        for _ in range(30)
    ]
    factories.ResolutionFactory(status="pending_approval", amount=D("10.00"))
    expected = sum(review_draw(r.pk, D("20")) for r in resolutions)
    preview = review_policy_preview(sample_percent=D("20"), always_above=None)
    assert preview.candidates == 30 and preview.sampled == expected
    assert preview.sampled_spend == D("10.00") * expected
    every = review_policy_preview(sample_percent=D("0"), always_above=D("10.00"))
    assert every.sampled == every.always == 30

    client = login(admin_user)
    page = client.get("/admin-ui/review-policy/")
    assert page.status_code == 200 and b"Review policy" in page.content
    fragment = client.get("/admin-ui/review-policy/preview/?sample_percent=20&always_above=")
    assert f"<strong>{expected}</strong> of 30".encode() in fragment.content
    assert login(supervisor).get("/admin-ui/review-policy/").status_code == 403


def test_the_policy_page_saves_and_audits(admin_user):
    client = login(admin_user)
    response = client.post(
        "/admin-ui/review-policy/save/", {"sample_percent": "10", "always_above": "200"}
    )
    assert response.status_code == 302
    policy = ReviewPolicy.objects.get(pk=1)
    assert policy.sample_percent == D("10") and policy.always_above == D("200.00")
    assert AuditEvent.objects.filter(object_type="review_policy").count() == 1
    bad = client.post("/admin-ui/review-policy/save/", {"sample_percent": "150"})
    assert bad.status_code == 400 and b"0 to 100" in bad.content
    assert ReviewPolicy.objects.get(pk=1).sample_percent == D("10")


# --- the dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_misuse_as_a_share_of_reviewed_spend(
    supervisor, django_assert_num_queries
):
    def done(amount: str, verdict: str):
        resolution = factories.ResolutionFactory(
            status="applied",
            counts_against_budget=True,
            amount=D(amount),
            requested_amount=D(amount),
        )
        return factories.ReviewFactory(
            resolution=resolution,
            status="done",
            verdict=verdict,
            note="n",
            reviewer=supervisor,
            done_at=timezone.now(),
        )

    done("900.00", "good_call")
    done("60.00", "coach")
    done("40.00", "policy_gap")
    factories.ReviewFactory()  # pending, 40.00
    with django_assert_num_queries(2):
        findings = review_findings()
    assert findings.reviewed_spend == D("1000.00")
    assert findings.misuse_spend == D("100.00") and findings.misuse == 2
    assert findings.misuse_share == pytest.approx(0.1)
    assert findings.pending == 1 and findings.done == 3
    html = login(supervisor).get("/dashboard/").content.decode()
    assert "misuse found: 10.0% of $1,000.00" in html
    assert "1 pending" in html and "3 done" in html
    assert "coach" in html  # the definition is on the page


# --- kudos ------------------------------------------------------------------------------


def test_kudos_page_lists_the_teams_week_and_gives_kudos(agent):
    team = factories.TeamFactory(name="Returns")
    agent.team = team
    agent.save()
    mate = factories.UserFactory(team=team, display_name="Rosa Diaz")
    outsider = factories.UserFactory(team=factories.TeamFactory(name="Billing"))
    factories.RecognitionFactory(agent=mate, from_user=outsider, note="Saved the day")
    factories.RecognitionFactory(agent=outsider, from_user=mate, note="Not our team")
    client = login(agent)
    html = client.get("/team/kudos/").content.decode()
    assert "Saved the day" in html and "Not our team" not in html
    assert f'<option value="{agent.pk}"' not in html  # never for oneself
    response = client.post("/kudos/", {"agent": mate.pk, "note": "Thanks for covering"})
    assert response.status_code == 302
    assert Recognition.objects.filter(agent=mate, from_user=agent).exists()
    assert Notification.objects.filter(recipient=mate, kind="recognition").exists()
    assert client.post("/kudos/", {"agent": agent.pk, "note": "me"}).status_code == 302
    assert not Recognition.objects.filter(agent=agent).exists()
    assert client.post("/kudos/", {"agent": mate.pk, "note": ""}).status_code == 400


def test_the_case_page_offers_kudos_next_to_someone_elses_applied_resolution(agent):
    mate = factories.UserFactory(display_name="Rosa Diaz")
    resolution = factories.ResolutionFactory(agent=mate, status="applied")
    client = login(agent)
    html = client.get(f"/cases/{resolution.case_id}/").content.decode()
    assert "Kudos to Rosa Diaz" in html
    response = client.post(
        "/kudos/",
        {
            "agent": mate.pk,
            "resolution": resolution.pk,
            "note": "Lovely message",
            "next": f"/cases/{resolution.case_id}/",
        },
    )
    assert response["Location"] == f"/cases/{resolution.case_id}/"
    assert Recognition.objects.get().resolution_id == resolution.pk
    own = factories.ResolutionFactory(agent=agent, status="applied")
    assert "Kudos to" not in client.get(f"/cases/{own.case_id}/").content.decode()
