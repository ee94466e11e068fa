"""The one way to write an audit event."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from audit.models import AuditEvent
from common.db import Batch, insert


def _jsonable(value: Any) -> Any:
    # Decimals, dates and UUIDs become the strings the API shows for them.
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    batch: Batch | None = None,
) -> AuditEvent:
    """Insert one audit event. Call it inside the transaction of the change it records.

    With ``batch``, the INSERT joins it (and the returned event has no pk).
    """
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason or "",
    )
    # Plain SQL (common.db): every decision writes one.
    return insert(event, batch=batch)


def audit_change(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    reason: str = "",
) -> AuditEvent | None:
    """Record an edit only if it changed something (an edit to nothing is no event)."""
    if after == before:
        return None
    return audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
    )
