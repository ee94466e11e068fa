"""Root-cause codes: admins keep the list; anyone who works a case tags a decided
resolution with one, so the dashboard can rank what each cause costs.

The codes live in ``cases`` (beside ``Resolution``, whose optional ``root_cause`` they
are); their writes live here because they are audited like every admin change.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from audit.models import ObjectType
from audit.services import audit_change, audit_record
from cases.models import Resolution, RootCause
from common.errors import Forbidden, Invalid
from common.roles import is_admin
from discretion.models import User

ROOT_CAUSE_NAME_MAX_LENGTH = 120


def root_cause_snapshot(cause: RootCause) -> dict:
    return {"id": cause.pk, "code": cause.code, "name": cause.name, "active": cause.active}


def _require_admin(user: User) -> None:
    if not is_admin(user):
        raise Forbidden("Only admins may change the root-cause codes.", code="admins_only")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > ROOT_CAUSE_NAME_MAX_LENGTH:
        message = f"Give a name of 1 to {ROOT_CAUSE_NAME_MAX_LENGTH} characters."
        raise Invalid(message, code="name_invalid", fields={"name": [message]})
    return name


@transaction.atomic
def root_cause_create(*, acting_user: User, code: str, name: str, active: bool = True) -> RootCause:
    """A new code; a code already taken is Invalid naming ``code``."""
    _require_admin(acting_user)
    clean = _clean_name(name)
    try:
        with transaction.atomic():  # the unique code decides, not an exists() check
            cause = RootCause.objects.create(code=code.strip(), name=clean, active=active)
    except IntegrityError:
        message = f"There is a root cause '{code}' already."
        raise Invalid(message, code="duplicate_code", fields={"code": [message]}) from None
    audit_record(
        actor=acting_user,
        action="root_cause_create",
        object_type=ObjectType.ROOT_CAUSE,
        object_id=cause.pk,
        after=root_cause_snapshot(cause),
    )
    return cause


@transaction.atomic
def root_cause_update(
    *, acting_user: User, cause: RootCause, name: str | None = None, active: bool | None = None
) -> RootCause:
    """Rename or (de)activate a code; its code never changes (reports refer to it)."""
    _require_admin(acting_user)
    locked = RootCause.objects.select_for_update(no_key=True).get(pk=cause.pk)
    before = root_cause_snapshot(locked)
    if name is not None:
        locked.name = _clean_name(name)
    if active is not None:
        locked.active = active
    locked.save(update_fields=["name", "active"])
    audit_change(
        actor=acting_user,
        action="root_cause_update",
        object_type=ObjectType.ROOT_CAUSE,
        object_id=locked.pk,
        before=before,
        after=root_cause_snapshot(locked),
    )
    return locked


@transaction.atomic
def resolution_root_cause_set(
    *, acting_user: User, resolution_id: int, root_cause: RootCause | None
) -> Resolution:
    """Tag a decided resolution with a root cause (None clears it). Only an active code
    may be set; a resolution still waiting for approval has not been decided yet."""
    locked = (
        Resolution.objects.select_for_update(of=("self",), no_key=True)
        .select_related("root_cause")
        .get(pk=resolution_id)
    )
    if root_cause is not None and not root_cause.active:
        message = f"Root cause '{root_cause.code}' is retired: pick an active one."
        raise Invalid(message, code="root_cause_inactive", fields={"root_cause": [message]})
    if locked.status == Resolution.Status.PENDING_APPROVAL:
        message = "This remedy waits for approval: tag its root cause once it is decided."
        raise Invalid(message, code="not_decided", fields={"root_cause": [message]})
    before = {"root_cause": locked.root_cause.code if locked.root_cause else None}
    locked.root_cause = root_cause
    locked.save(update_fields=["root_cause"])
    audit_change(
        actor=acting_user,
        action="resolution_root_cause_set",
        object_type=ObjectType.RESOLUTION,
        object_id=locked.pk,
        before=before,
        after={"root_cause": root_cause.code if root_cause else None},
    )
    return locked
