from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from common.db import relate, select_one
from discretion.models import Team, TrustTier, User

_TOKEN_SQL = (
    f"SELECT {{columns}} FROM {Token._meta.db_table} t "
    f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
    f"LEFT JOIN {TrustTier._meta.db_table} tier ON tier.id = u.tier_id "
    f"LEFT JOIN {Team._meta.db_table} team ON team.id = u.team_id "
    f'WHERE t."{Token._meta.pk.column}" = %(key)s'
)
_TOKEN_PARTS = ((Token, "t"), (User, "u"), (TrustTier, "tier"), (Team, "team"))


def token_user_get(key: str) -> tuple[User, Token] | None:
    """The token's user with tier and team loaded, in one plain statement (every API
    request runs it; the ORM's version cost more CPU than the query)."""
    loaded = select_one(_TOKEN_SQL, {"key": key}, _TOKEN_PARTS)
    if loaded is None:
        return None
    token, user, tier, team = loaded
    assert isinstance(token, Token) and isinstance(user, User)  # inner joins: always there
    relate(user, "tier", tier)
    relate(user, "team", team)
    relate(token, "user", user)
    return user, token


class Authentication(TokenAuthentication):
    """Token auth that loads the user's tier and team with the token (one query).

    Every decision reads ``agent.tier`` and ``agent.team``; loading them here keeps the
    decision path free of lazy loads.
    """

    def authenticate_credentials(self, key):
        found = token_user_get(key)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        user, token = found
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return (user, token)
