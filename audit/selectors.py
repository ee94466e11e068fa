"""Reads of the audit trail (the API list and the admin screen's filtered pages)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_event_list(
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, with the actor joined (one query a page).

    ``since`` is inclusive, ``until`` exclusive.
    """
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events


class ChainCheck(NamedTuple):
    rows: int  # rows checked
    broken: AuditEvent | None  # the first row whose hash does not follow from the one before


# Each link recomputed with migration 0004's audit_event_hash() from the stored hash of
# the row before (the first row chains to ''): a changed row breaks its own link, a
# deleted one the next row's, a back-filled hash the next row's too.
_CHAIN_SQL = """
WITH links AS (
    SELECT e.id, e.hash, audit_event_hash(lag(e.hash) OVER (ORDER BY e.id), e) AS expected
    FROM audit_auditevent e
)
SELECT count(*), min(id) FILTER (WHERE hash IS DISTINCT FROM expected) FROM links
"""


def audit_chain_check() -> ChainCheck:
    """Recompute the audit trail's hash chain in id order (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_SQL)
        rows, broken_id = cursor.fetchone()
    broken = AuditEvent.objects.get(pk=broken_id) if broken_id is not None else None
    return ChainCheck(rows=rows, broken=broken)
