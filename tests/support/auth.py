"""API tokens for tests: a real knox token, as ``POST /api/v1/auth/token/`` would issue."""

from __future__ import annotations

from knox.models import AuthToken

from discretion.models import User
from discretion.trust.tokens import api_token_create


def api_token(user: User, *, lasting: bool = False) -> str:
    """A token for ``user``; ``lasting``: one that never expires, for tests that move the
    clock by days."""
    if lasting:
        return AuthToken.objects.create(user=user, expiry=None)[1]
    token, _ = api_token_create(user=user)
    return token
