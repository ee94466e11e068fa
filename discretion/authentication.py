from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class Authentication(TokenAuthentication):
    """Token auth that loads the user's tier and team with the token (one query).

    Every decision reads ``agent.tier`` and ``agent.team``; loading them here keeps the
    decision path free of lazy loads.
    """

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__tier", "user__team").get(key=key)
        except model.DoesNotExist as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return (token.user, token)
