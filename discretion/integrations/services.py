"""Writes of integrations: keys (create, revoke, mark used) and intake of a ticket.

A key's secret exists only in the create call's return value: the row keeps its SHA-256
(``selectors.key_digest``). Creating and revoking are admin acts, audited (object_type
``integration_key``). Intake writes through ``cases.services.case_intake``, which makes
the same ticket sent twice (or twice at once) one case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import ObjectType
from audit.services import audit_record
from cases.models import Case
from cases.services import case_intake
from common.errors import Forbidden, Invalid
from common.roles import is_admin
from discretion.integrations.models import (
    KEY_NAME_MAX_LENGTH,
    KEY_PREFIX,
    KEY_PREFIX_LENGTH,
    IntegrationKey,
)
from discretion.integrations.selectors import intake_assignee_get, key_digest
from discretion.models import User

# last_used_at is a hint for admins ("is this key still in use?"), not a log: moving it at
# most this often keeps intake from writing the key's row on every ticket.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _snapshot(key: IntegrationKey) -> dict[str, Any]:
    return {"name": key.name, "prefix": key.prefix, "revoked_at": key.revoked_at}


def _admin_only(user: User) -> None:
    if not is_admin(user):
        raise Forbidden("Only admins may manage integration keys.", code="admin_only")


@transaction.atomic
def integration_key_create(*, acting_user: User, name: str) -> tuple[IntegrationKey, str]:
    """A new key named ``name``; returns the row and the secret, which is never shown
    again (only its digest is kept)."""
    _admin_only(acting_user)
    name = name.strip()
    if not name or len(name) > KEY_NAME_MAX_LENGTH:
        message = f"Give the key a name (up to {KEY_NAME_MAX_LENGTH} characters), e.g. Zendesk."
        raise Invalid(message, code="key_name_invalid", fields={"name": [message]})
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = IntegrationKey.objects.create(
        name=name,
        key_hash=key_digest(secret),
        prefix=secret[:KEY_PREFIX_LENGTH],
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="integration_key.create",
        object_type=ObjectType.INTEGRATION_KEY,
        object_id=key.pk,
        after=_snapshot(key),
    )
    return key, secret


@transaction.atomic
def integration_key_revoke(*, acting_user: User, key: IntegrationKey) -> IntegrationKey:
    """Revoke a key: from the commit on, it authenticates nothing. Revoking a revoked key
    changes nothing (and records nothing): the conditional UPDATE claims it once."""
    _admin_only(acting_user)
    now = timezone.now()
    claimed = IntegrationKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=acting_user
    )
    revoked = IntegrationKey.objects.select_related("created_by").get(pk=key.pk)
    if claimed:
        audit_record(
            actor=acting_user,
            action="integration_key.revoke",
            object_type=ObjectType.INTEGRATION_KEY,
            object_id=key.pk,
            before={**_snapshot(revoked), "revoked_at": None},
            after=_snapshot(revoked),
        )
    return revoked


def integration_key_touch(*, key: IntegrationKey) -> None:
    """Note that ``key`` was used now, if its ``last_used_at`` is over a minute old: one
    conditional UPDATE at most once a minute per key (concurrent requests: one wins, the
    others match no row), none at all in between."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    IntegrationKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
        pk=key.pk,
    ).update(last_used_at=now)
    key.last_used_at = now


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    created: bool
    # Why the ticket's assignee_email was not used ("" when it was, or when none was given).
    assignee_note: str


@transaction.atomic
def intake_case_submit(
    *,
    key: IntegrationKey,
    source: str,
    external_ref: str,
    subject: str,
    description: str,
    category: str,
    customer: dict[str, str],
    assignee_email: str = "",
) -> IntakeResult:
    """A ticket from a help desk: its case created, or updated if the ticket is known.

    ``assignee_email`` names the assignee of a new case (an active user, any case); an
    e-mail nobody (or more than one user) has leaves the case unassigned, and the result
    says so: the ticket still arrives. An existing case keeps its assignee.
    """
    assignee, note = (None, "")
    if assignee_email:
        assignee, note = intake_assignee_get(email=assignee_email)
    case, created = case_intake(
        source=source,
        external_ref=external_ref,
        subject=subject,
        description=description,
        category=category,
        customer=customer,
        assignee=assignee,
        opened_by=f"{source} (integration key “{key.name}”)",
    )
    return IntakeResult(case=case, created=created, assignee_note=note if created else "")


@transaction.atomic
def ticket_case_open(
    *,
    acting_user: User,
    source: str,
    external_ref: str,
    subject: str,
    customer: dict[str, str],
    category: str = Case.Category.QUESTION,
    description: str = "",
) -> Case:
    """The case of a ticket the agent opened in the help desk's sidebar (web/embed):
    created through intake, assigned to the agent, if it is new; an existing one is
    opened as it is (the sidebar does not overwrite what intake or an agent set)."""
    case, _created = case_intake(
        source=source,
        external_ref=external_ref,
        subject=subject,
        description=description,
        category=category,
        customer=customer,
        assignee=acting_user,
        acting_user=acting_user,
        update=False,
    )
    return case
