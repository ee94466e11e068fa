from functools import cache

from django.db import connection
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from config.sql import loader, relate

from .models import Team, TrustTier, User


@cache
def _token_sql() -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT {loader(Token, 't').columns}, {loader(User, 'u').columns}, "
        f"{loader(TrustTier, 'tier').columns}, {loader(Team, 'team').columns} "
        f"FROM {qn(Token._meta.db_table)} t "
        f"JOIN {qn(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT JOIN {qn(TrustTier._meta.db_table)} tier ON tier.id = u.tier_id "
        f"LEFT JOIN {qn(Team._meta.db_table)} team ON team.id = u.team_id "
        "WHERE t.{key} = %s".format(key=qn(Token._meta.pk.column))
    )


def token_user_get(key: str) -> tuple[User, Token] | None:
    """The token's user with tier and team loaded, in one plain statement (every API
    request runs it; the ORM's version cost more CPU than the query)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    token_rows, user_rows, tier_rows = (
        loader(Token, "t"),
        loader(User, "u"),
        loader(TrustTier, "tier"),
    )
    token = token_rows.load(row)
    user = user_rows.load(row, token_rows.width)
    start = token_rows.width + user_rows.width
    relate(user, "tier", tier_rows.load(row, start))
    relate(user, "team", loader(Team, "team").load(row, start + tier_rows.width))
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
