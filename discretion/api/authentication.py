"""``Authorization: Token <token>``: knox's check of a token, in one plain-SQL statement.

Knox stores a token's SHA-512 digest (its primary key) and first characters; it finds a
token by those, refuses (and deletes) an expired one and an inactive user's. This does
the same, joined with the user, their tier and their team, so an API request spends one
round trip on authentication and the decision path has no lazy loads.
"""

from __future__ import annotations

import binascii
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

from common.db import relate, select_one
from discretion.models import Team, TrustTier, User
from discretion.trust.tokens import api_token_revoke

# The digest is the primary key and a function of the whole token, so the lookup is an
# index probe; comparing it in SQL leaks nothing useful (an attacker cannot choose a
# digest, only a token whose digest they cannot predict).
_TOKEN_SQL = (
    f"SELECT {{columns}} FROM {AuthToken._meta.db_table} t "
    f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
    f"LEFT JOIN {TrustTier._meta.db_table} tier ON tier.id = u.tier_id "
    f"LEFT JOIN {Team._meta.db_table} team ON team.id = u.team_id "
    "WHERE t.digest = %(digest)s AND t.token_key = %(key)s"
)
_TOKEN_PARTS = ((AuthToken, "t"), (User, "u"), (TrustTier, "tier"), (Team, "team"))
INVALID = "Invalid token."


def token_user_get(token: str) -> tuple[User, AuthToken] | None:
    """The token's row and its user with tier and team loaded, in one statement (every
    API request runs it; the ORM's version cost more CPU than the query). Expiry is not
    checked here."""
    try:
        digest = hash_token(token)
    except (TypeError, ValueError, binascii.Error):
        return None
    params = {"digest": digest, "key": token[: CONSTANTS.TOKEN_KEY_LENGTH]}
    loaded = select_one(_TOKEN_SQL, params, _TOKEN_PARTS)
    if loaded is None:
        return None
    auth_token, user, tier, team = loaded
    assert isinstance(auth_token, AuthToken) and isinstance(user, User)  # inner joins
    relate(user, "tier", tier)
    relate(user, "team", team)
    relate(auth_token, "user", user)
    return user, auth_token


class Authentication(TokenAuthentication):
    """Knox token auth (header prefix ``Token``, knox's ``AUTH_HEADER_PREFIX``) that loads
    the user's tier and team with the token in one query.

    An expired token is deleted when it is presented, so it is never accepted again
    (a clock set back cannot revive it).
    """

    def authenticate_credentials(self, token: bytes) -> tuple[User, AuthToken]:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(INVALID) from exc
        found = token_user_get(text)
        if found is None:
            raise AuthenticationFailed(INVALID)
        user, auth_token = found
        if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
            api_token_revoke(token=auth_token)
            raise AuthenticationFailed("Token expired.")
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return (user, auth_token)


class AuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ``Authentication`` (a knox token, prefix ``Token``)."""

    target_class = "discretion.api.authentication.Authentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A token from POST /api/v1/auth/token/, sent as "Token <token>".',
        }
