"""Concurrent duplicate trust limits: the database's unique constraint decides, never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from audit.models import AuditEvent
from discretion.models import TrustLimit
from tests import factories
from tests.support.auth import api_token


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_limit_creates_exactly_one():
    admin = factories.UserFactory(role="admin")
    token = api_token(admin)
    body = {"tier": "standard", "remedy_type": "refund", "per_remedy_max": "10.00"}
    workers = 8
    barrier = threading.Barrier(workers)
    statuses: list[int] = []

    def post():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait()
            statuses.append(client.post("/api/v1/trust-limits/", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] + [400] * (workers - 1)
    assert TrustLimit.objects.count() == 1
    assert AuditEvent.objects.filter(action="trust_limit_create").count() == 1
