"""Writes of the playbook: the brand promise (admins only, audited)."""

from __future__ import annotations

from django.db import transaction

from audit.models import ObjectType
from audit.services import audit_record
from common.errors import Forbidden, Invalid
from common.roles import is_admin
from discretion.models import User
from discretion.playbook.models import BRAND_PROMISE_MAX_LENGTH, MessagingSettings
from discretion.playbook.selectors import brand_promise_get


@transaction.atomic
def brand_promise_update(*, acting_user: User, brand_promise: str) -> MessagingSettings:
    """Set what we stand for, the playbook's fourth step. The row is locked for the edit
    so its audit event has a coherent before/after pair (docs/concurrency.md)."""
    if not is_admin(acting_user):
        raise Forbidden("Only admins may change the brand promise.", code="admin_only")
    text = brand_promise.strip()
    if len(text) > BRAND_PROMISE_MAX_LENGTH:
        message = f"Keep it under {BRAND_PROMISE_MAX_LENGTH} characters."
        raise Invalid(message, code="brand_promise_too_long", fields={"brand_promise": [message]})
    brand_promise_get()
    row = MessagingSettings.objects.select_for_update(no_key=True).get(pk=1)
    before = {"brand_promise": row.brand_promise}
    row.brand_promise = text
    row.updated_by = acting_user
    row.save()
    audit_record(
        actor=acting_user,
        action="brand_promise.update",
        object_type=ObjectType.BRAND_PROMISE,
        object_id=row.pk,
        before=before,
        after={"brand_promise": text},
    )
    return row
