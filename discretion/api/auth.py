"""Logins and tokens over HTTP (docs/api.md, "Authentication"):

- ``POST auth/token/``: a username and password for a new API token, ``{token,
  expires_at}``. It takes no authentication itself, so a stale token header cannot turn a
  login into a 401. django-axes counts its failures: the 11th attempt for a username
  within 15 minutes of 10 failures is a 429 with ``Retry-After`` (``web.lockout``).
- ``POST auth/logout/``: revokes the token it is sent with (204); with a session, ends it.
- ``POST me/password/``: change one's own password (204); revokes all one's tokens,
  the one in use included (the contract: a password change revokes every token).

Checking the token on every other request is ``discretion.api.authentication``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, logout, user_logged_in
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion.api.common import DETAIL, E400, E401, acting_user
from discretion.trust.tokens import api_token_create, api_token_revoke
from discretion.trust.users import user_password_change

E429 = OpenApiResponse(
    DETAIL,
    description="Too many failed logins for this username: try again after `Retry-After` "
    "seconds (`code` is `throttled`).",
)


class LoginInput(serializers.Serializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        # The Django request, not DRF's: django-axes marks a locked-out login on the
        # request it is given, and its middleware only sees Django's.
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None:  # wrong password, unknown or inactive user, or locked out
            raise serializers.ValidationError(
                "Unable to log in with provided credentials.", code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """Exchange a username and password for a new API token."""

    authentication_classes: list = []  # a stale token header must not turn this into a 401
    permission_classes: list = []

    @extend_schema(
        operation_id="auth_token_create",
        request=LoginInput,
        responses={
            200: inline_serializer(
                "TokenOut",
                fields={
                    "token": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            ),
            400: E400,
            429: E429,
        },
        auth=[],
        description="A new token for every login, valid for `DISCRETION_TOKEN_TTL_HOURS` "
        "(default 12). Send it as `Authorization: Token <token>`.",
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data, context={"request": request._request})
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        token, expires_at = api_token_create(user=user)
        # As knox's login view: last_login moves, and axes clears the username's failures.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response({"token": token, "expires_at": expires_at})


class LogoutView(APIView):
    """Revoke the token this request is sent with (a browser session: end it)."""

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None, 401: E401})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            api_token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordInput(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, write_only=True)
    new_password = serializers.CharField(trim_whitespace=False, write_only=True)


class MePasswordView(APIView):
    """Change one's own password."""

    @extend_schema(
        operation_id="me_password_change",
        request=PasswordInput,
        responses={204: None, 400: E400, 401: E401},
        description="Django's password validators apply (a 400 names `new_password`); a wrong "
        "`old_password` is a 400 naming it. Success revokes all the caller's API tokens, "
        "this one included: log in again for a new one.",
    )
    def post(self, request: Request) -> Response:
        data = PasswordInput(data=request.data)
        data.is_valid(raise_exception=True)
        user_password_change(
            user=acting_user(request),
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/password/", MePasswordView.as_view(), name="me-password"),
]
