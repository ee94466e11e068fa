"""Signed webhooks over HTTP (admins only): endpoints, their delivery log, a resend.

Thin views over ``discretion.webhooks``: the services validate (a 400 names ``url`` or
``events``) and audit; the secret is in the creation's response and never again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import IsAdminRole
from discretion.api.common import E400, E401, E403, E404, acting_user, reject_unchangeable
from discretion.webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from discretion.webhooks.selectors import (
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from discretion.webhooks.services import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)

EVENTS_HELP = f"Event types, any of: {', '.join(EVENT_TYPES)}."


class WebhookOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENTS_HELP)
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookCreatedOutput(WebhookOutput):
    secret = serializers.CharField(
        help_text="The signing secret: shown in this response only, never again."
    )


class WebhookInput(serializers.Serializer):
    # Checked by the service (scheme, host, its addresses), which names `url` in a 400.
    url = serializers.CharField(max_length=4000, trim_whitespace=True)
    events = serializers.ListField(child=serializers.CharField(max_length=100), max_length=50)
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookUpdateInput(serializers.Serializer):
    url = serializers.CharField(max_length=4000, trim_whitespace=True, required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, required=False
    )
    enabled = serializers.BooleanField(required=False)


class DeliveryOutput(serializers.Serializer):
    event_id = serializers.CharField()
    type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=[s for s, _ in WebhookDelivery.Status.choices])
    status_code = serializers.IntegerField(allow_null=True)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next attempt is due; null once delivered or failed."
    )


def _output(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return dict(WebhookOutput(endpoint).data)


class AdminView(APIView):
    permission_classes = [IsAuthenticated, IsAdminRole]


@extend_schema(tags=["webhooks"])
class WebhookListView(GenericAPIView):
    """Every webhook endpoint (admins); create one (its secret is in the 201, once)."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    serializer_class = WebhookOutput

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return webhook_endpoint_list()

    @extend_schema(
        operation_id="webhooks_list",
        responses={200: WebhookOutput(many=True), 401: E401, 403: E403},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(webhook_endpoint_list())
        assert page is not None  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
        return self.get_paginated_response(WebhookOutput(page, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookInput,
        responses={
            201: WebhookCreatedOutput,
            400: OpenApiResponse(
                description="`url` not http(s), or its host resolves to a loopback, private "
                "or link-local address (and is not in DISCRETION_WEBHOOK_ALLOW_HOSTS); "
                "`events` empty or naming an unknown event."
            ),
            401: E401,
            403: E403,
        },
    )
    def post(self, request: Request) -> Response:
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(acting_user=acting_user(request), **data.validated_data)
        return Response(WebhookCreatedOutput(endpoint).data, status=201)


@extend_schema(tags=["webhooks"])
class WebhookDetailView(AdminView):
    @extend_schema(
        operation_id="webhooks_get", responses={200: WebhookOutput, 401: E401, 403: E403, 404: E404}
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(webhook_endpoint_get(endpoint_id=pk)))

    @extend_schema(
        operation_id="webhooks_update",
        summary="Change the URL, the events or enabled (the secret never changes)",
        request=WebhookUpdateInput,
        responses={200: WebhookOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request: Request, pk: int) -> Response:
        reject_unchangeable(request.data, {"url", "events", "enabled"})
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(
            acting_user=acting_user(request), endpoint_id=pk, **data.validated_data
        )
        return Response(_output(endpoint))

    @extend_schema(
        operation_id="webhooks_delete",
        summary="Delete the endpoint and its delivery log",
        responses={204: None, 401: E401, 403: E403, 404: E404},
    )
    def delete(self, request: Request, pk: int) -> Response:
        webhook_endpoint_delete(acting_user=acting_user(request), endpoint_id=pk)
        return Response(status=204)


@extend_schema(tags=["webhooks"])
class WebhookDeliveriesView(GenericAPIView):
    """An endpoint's deliveries, newest first: each event's id and type, status, attempts,
    the last answer's status code and error, and when the next attempt is due."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    serializer_class = DeliveryOutput

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return webhook_delivery_list(endpoint_id=self.kwargs.get("pk", 0))

    @extend_schema(
        operation_id="webhooks_deliveries",
        responses={200: DeliveryOutput(many=True), 401: E401, 403: E403, 404: E404},
    )
    def get(self, request: Request, pk: int) -> Response:
        endpoint = webhook_endpoint_get(endpoint_id=pk)
        page = self.paginate_queryset(webhook_delivery_list(endpoint_id=endpoint.pk))
        assert page is not None
        return self.get_paginated_response(DeliveryOutput(page, many=True).data)


@extend_schema(tags=["webhooks"])
class WebhookResendView(AdminView):
    @extend_schema(
        operation_id="webhooks_delivery_resend",
        summary="Send the event to this endpoint again now (same event id)",
        request=None,
        responses={
            200: DeliveryOutput,
            401: E401,
            403: E403,
            404: E404,
            409: OpenApiResponse(description="A worker is sending it right now."),
        },
    )
    def post(self, request: Request, pk: int, event_id: str) -> Response:
        delivery = webhook_delivery_resend(
            acting_user=acting_user(request), endpoint_id=pk, event_id=event_id
        )
        return Response(DeliveryOutput(delivery).data)


urlpatterns = [
    path("webhooks/", WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/", WebhookDeliveriesView.as_view(), name="webhook-deliveries"
    ),
    path(
        "webhooks/<int:pk>/deliveries/<str:event_id>/resend/",
        WebhookResendView.as_view(),
        name="webhook-delivery-resend",
    ),
]
