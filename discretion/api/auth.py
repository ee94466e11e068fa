"""``POST /api/v1/auth/token/``: a username and password for an API token (docs/api.md,
"Authentication").

It takes no authentication itself, so a stale token header cannot turn a login into a
401. Checking the token on every other request is ``discretion.api.authentication``.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion.api.common import E400
from discretion.trust.users import api_token_get_or_create


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []  # a stale token header must not turn this into a 401
    permission_classes: list = []

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenOut", fields={"token": serializers.CharField()}),
            400: E400,
        },
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response({"token": api_token_get_or_create(user=serializer.validated_data["user"])})


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
]
