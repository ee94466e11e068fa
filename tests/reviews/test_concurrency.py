"""Two supervisors completing one review at once: exactly one verdict, one audit row,
one recognition (real threads, committed transactions on PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient

from audit.models import AuditEvent
from discretion.models import Recognition, Review
from tests import factories
from tests.support.auth import api_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_completes_exactly_one_wins():
    review = factories.ReviewFactory()
    reviewers = [factories.UserFactory(role="supervisor") for _ in range(6)]
    tokens = [api_token(user) for user in reviewers]
    barrier = threading.Barrier(len(reviewers))

    def one(i: int) -> int:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}")
            barrier.wait(timeout=30)
            response = client.post(
                f"/api/v1/reviews/{review.pk}/complete/",
                {"verdict": "above_and_beyond", "note": f"from {i}"},
                format="json",
            )
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(reviewers)) as pool:
        codes = list(pool.map(one, range(len(reviewers))))
    assert sorted(codes) == [200] + [409] * 5
    done = Review.objects.get(pk=review.pk)
    assert done.status == "done"
    assert AuditEvent.objects.filter(object_type="review").count() == 1
    recognition = Recognition.objects.get()
    assert recognition.from_user_id == done.reviewer_id
    assert recognition.note == done.note
