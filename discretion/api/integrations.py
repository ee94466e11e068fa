"""Integration keys over HTTP (admin only): ``GET/POST /api/v1/integrations/``,
``DELETE /api/v1/integrations/{id}/`` (revokes; 204, and again 204 for a revoked key).

A key reads ``{id, name, key, prefix, created_at, last_used_at, revoked_at, active}``;
``key`` (the secret, ``dsk_…``) is in the POST's response only, and null everywhere
after: only its digest is kept. Revoked keys stay listed (``active: false``).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import NotFound
from common.permissions import IsAdminRole
from discretion.api.common import E400, E401, E403, E404, acting_user
from discretion.api.fields import StrictCharField
from discretion.integrations.models import KEY_NAME_MAX_LENGTH, IntegrationKey
from discretion.integrations.selectors import integration_key_get, integration_key_list
from discretion.integrations.services import integration_key_create, integration_key_revoke


class IntegrationKeyOutput(serializers.ModelSerializer):
    key = serializers.SerializerMethodField()
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = IntegrationKey
        fields = [
            "id",
            "name",
            "key",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]

    def get_key(self, key: IntegrationKey) -> str | None:
        """The secret: only in the response that created it."""
        secret = self.context.get("secret")
        return str(secret) if secret else None


class IntegrationKeyInput(serializers.Serializer):
    name = StrictCharField(max_length=KEY_NAME_MAX_LENGTH)


def _key(pk: int) -> IntegrationKey:
    try:
        return integration_key_get(key_id=pk)
    except IntegrationKey.DoesNotExist:
        raise NotFound(f"There is no integration key {pk}.") from None


class IntegrationKeyListCreate(generics.ListAPIView):
    """Every integration key, newest first (revoked ones too)."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    serializer_class = IntegrationKeyOutput
    filter_backends: list = []

    def get_queryset(self):
        return integration_key_list()

    @extend_schema(responses={200: IntegrationKeyOutput(many=True), 401: E401, 403: E403})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=IntegrationKeyInput,
        responses={201: IntegrationKeyOutput, 400: E400, 401: E401, 403: E403},
        description="A new key for a help desk. Its `key` is in this response only: copy it now.",
    )
    def post(self, request):
        data = IntegrationKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        key, secret = integration_key_create(
            acting_user=acting_user(request), name=data.validated_data["name"]
        )
        body = IntegrationKeyOutput(key, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)


class IntegrationKeyDetail(APIView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(responses={200: IntegrationKeyOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, pk: int):
        return Response(IntegrationKeyOutput(_key(pk)).data)

    @extend_schema(
        responses={204: None, 401: E401, 403: E403, 404: E404},
        description="Revoke the key: the help desk using it gets 401 from then on.",
    )
    def delete(self, request, pk: int):
        integration_key_revoke(acting_user=acting_user(request), key=_key(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("integrations/", IntegrationKeyListCreate.as_view(), name="integration-key-list"),
    path("integrations/<int:pk>/", IntegrationKeyDetail.as_view(), name="integration-key-detail"),
]
