"""API tokens (django-rest-knox): issue one per login, revoke one or all of a user's.

Knox stores only a digest of each token (SHA-512) and its first characters (``token_key``)
to find it, so the database and the Django admin never hold a usable token. A token
expires ``DISCRETION_TOKEN_TTL_HOURS`` after it was issued; checking one on a request is
``discretion.api.authentication`` (one plain-SQL statement, as knox checks it).

Revoking deletes the rows: a revoked or expired token can never be accepted again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from knox.models import AuthToken

from discretion.models import User


def token_ttl() -> timedelta:
    return timedelta(hours=settings.DISCRETION_TOKEN_TTL_HOURS)


def api_token_create(*, user: User) -> tuple[str, datetime]:
    """A new token for ``user`` (every login gets its own) and when it expires. The token
    string is returned once, here; only its digest is stored."""
    instance, token = AuthToken.objects.create(user=user, expiry=token_ttl())
    return token, instance.expiry


def api_token_revoke(*, token: AuthToken) -> None:
    """Revoke the one token (a logout)."""
    AuthToken.objects.filter(digest=token.digest).delete()


def api_tokens_revoke(*, user: User, keep: AuthToken | None = None) -> int:
    """Revoke every token of ``user`` (a password change, a deactivation), except
    ``keep`` when given; returns how many went."""
    tokens = AuthToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(digest=keep.digest)
    deleted, _ = tokens.delete()
    return deleted
