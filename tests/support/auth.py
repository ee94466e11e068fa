"""API tokens for tests: a real knox token, as ``POST /api/v1/auth/token/`` would issue."""

from __future__ import annotations

from discretion.models import User
from discretion.trust.tokens import api_token_create


def api_token(user: User) -> str:
    token, _ = api_token_create(user=user)
    return token
