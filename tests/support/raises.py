"""Helpers for the tests of asking for more (``discretion.raises``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

URL = "/api/v1/limit-requests/"


def ask(api, user, **body):
    """POST a request for a refund limit of 200.00 for two days (``body`` overrides)."""
    payload = {
        "remedy_type": "refund",
        "per_remedy_max": "200.00",
        "reason": "The outage week",
        "expires_at": (timezone.now() + timedelta(days=2)).isoformat(),
    } | body
    return api.as_user(user).post(URL, payload, format="json")
