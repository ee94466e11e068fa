"""Reads of integration keys, and of the user a ticket's assignee e-mail names."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from discretion.integrations.models import KEY_PREFIX, IntegrationKey
from discretion.models import User


def key_digest(secret: str) -> str:
    """The stored form of a key: SHA-256, hex. A key is 32 random bytes, so a plain
    (unsalted, fast) hash is enough: there is no dictionary to try against it."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def integration_key_list() -> QuerySet[IntegrationKey]:
    """Every key, newest first, with its creator joined (one query for any number)."""
    return IntegrationKey.objects.select_related("created_by").order_by("-created_at", "-id")


def integration_key_get(*, key_id: int) -> IntegrationKey:
    """Raises IntegrationKey.DoesNotExist."""
    return integration_key_list().get(pk=key_id)


def integration_key_find(*, secret: str) -> IntegrationKey | None:
    """The key (active or revoked) whose secret this is, or None: one probe of the unique
    index on ``key_hash``. Comparing digests in SQL leaks nothing useful: a caller picks a
    secret, not a digest."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    return IntegrationKey.objects.filter(key_hash=key_digest(secret)).first()


def intake_assignee_get(*, email: str) -> tuple[User | None, str]:
    """The active user with this e-mail (case-insensitive) and "", or None and why not
    (nobody has it, or more than one active user does: intake guesses neither)."""
    matches = list(
        User.objects.filter(email__iexact=email.strip(), is_active=True).order_by("id")[:2]
    )
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, f"No active user has the e-mail {email}: the case was left unassigned."
    return None, (
        f"More than one active user has the e-mail {email}: the case was left unassigned."
    )
