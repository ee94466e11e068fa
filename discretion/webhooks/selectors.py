"""Reads of webhooks, for the API and the admin screen."""

from __future__ import annotations

from django.db.models import QuerySet

from common.errors import NotFound
from discretion.webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_ID = 2**63 - 1


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    return WebhookEndpoint.objects.order_by("id")


def webhook_endpoint_get(*, endpoint_id: int) -> WebhookEndpoint:
    """One endpoint; raises NotFound."""
    endpoint = (
        WebhookEndpoint.objects.filter(pk=endpoint_id).first() if endpoint_id <= MAX_ID else None
    )
    if endpoint is None:
        raise NotFound(f"No webhook #{endpoint_id}.")
    return endpoint


def webhook_delivery_list(*, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest event first, with their events."""
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
        .select_related("event")
        .order_by("-created_at", "-id")
    )
