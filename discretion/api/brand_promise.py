"""``GET/PUT /api/v1/brand-promise/``: what we stand for (admins write, all read; audited
with object_type ``brand_promise``)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import AdminWritesAllRead
from discretion.api.common import E400, E401, E403, acting_user
from discretion.api.fields import StrictCharField
from discretion.playbook.models import BRAND_PROMISE_MAX_LENGTH, MessagingSettings
from discretion.playbook.selectors import brand_promise_get
from discretion.playbook.services import brand_promise_update


class BrandPromiseInput(serializers.Serializer):
    brand_promise = StrictCharField(allow_blank=True, max_length=BRAND_PROMISE_MAX_LENGTH)


class BrandPromiseOutput(serializers.Serializer):
    brand_promise = serializers.CharField()
    updated_at = serializers.DateTimeField()


def _out(row: MessagingSettings) -> dict:
    return BrandPromiseOutput(row).data


class BrandPromiseView(APIView):
    """The playbook's "what we stand for" step, the same for everyone."""

    permission_classes = [IsAuthenticated, AdminWritesAllRead]

    @extend_schema(responses={200: BrandPromiseOutput, 401: E401})
    def get(self, request):
        return Response(_out(brand_promise_get()))

    @extend_schema(
        request=BrandPromiseInput,
        responses={200: BrandPromiseOutput, 400: E400, 401: E401, 403: E403},
    )
    def put(self, request):
        data = BrandPromiseInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = brand_promise_update(
            acting_user=acting_user(request), brand_promise=data.validated_data["brand_promise"]
        )
        return Response(_out(row))


urlpatterns = [path("brand-promise/", BrandPromiseView.as_view(), name="brand-promise")]
