"""A key whose first request fails while repeats arrive: never a 500.

The first request's claim is released when it fails (here: a 400), possibly between a
repeat's INSERT conflict and its read of the key. Found by the invariants work.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient

from cases.models import Resolution
from tests import factories
from tests.support.auth import api_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_repeats_of_a_failing_request_get_400_or_409_never_500():
    agent = factories.UserFactory(role="agent", tier=factories.tier("standard"))
    case = factories.CaseFactory()
    token = api_token(agent)
    seen: Counter = Counter()
    for round_ in range(15):
        barrier = threading.Barrier(8)

        def one(_, round_=round_, barrier=barrier):
            client = APIClient(raise_request_exception=False)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                barrier.wait(timeout=30)
                response = client.post(
                    f"/api/v1/cases/{case.pk}/resolutions/",
                    {"remedy_type": "refund", "amount": "abc", "reason": "x"},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=f"key-{round_}",
                )
                return response.status_code
            finally:
                connections.close_all()

        with ThreadPoolExecutor(8) as pool:
            seen.update(pool.map(one, range(8)))
    assert set(seen) <= {400, 409}, seen
    assert seen[400] >= 15
    assert not Resolution.objects.exists()
