"""Users and trust: token auth, agents, trust tiers, trust limits, remedy types, /me/.

Thin views: input serializers validate, ``discretion.trust.services`` services write (each with its
audit event), output serializers shape the contract's JSON.

Choices documented here (the contract leaves them to us):
- PATCH bodies may only carry the fields that can change; any other key is a 400 naming
  it ("This field cannot be changed here."), so a typo never silently does nothing.
- Demoting a superuser's role is a 400: superusers are admins (DB constraint
  ``user_superuser_is_admin``); drop superuser status in the Django admin first.
- The last active admin cannot be demoted or deactivated (400).
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
