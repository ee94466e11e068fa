"""Reads of customer messages, for the API and the case page."""

from __future__ import annotations

from django.db.models import QuerySet

from common.errors import NotFound
from discretion.messages.models import CustomerMessage


def message_list(*, case_id: int) -> QuerySet[CustomerMessage]:
    """A case's messages, oldest first (the timeline's order)."""
    return (
        CustomerMessage.objects.filter(case_id=case_id)
        .select_related("author", "sent_by")
        .order_by("created_at", "id")
    )


def message_get(*, message_id: int) -> CustomerMessage:
    """One message; raises NotFound."""
    message = (
        CustomerMessage.objects.select_related("author", "sent_by").filter(pk=message_id).first()
    )
    if message is None:
        raise NotFound(f"No message #{message_id}.")
    return message
