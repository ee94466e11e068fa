"""Messages to a case's customer over HTTP: list and write a case's messages, read and
edit one, send a draft.

Thin views over ``discretion.messages``: the services validate (a 400 names ``body``,
``subject`` or ``to``) and refuse (409 for a held, queued or sent message); the e-mail
goes out on a worker after commit. Any signed-in user may work any case, so any may
write to its customer (as with resolutions).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_exists
from common.errors import NotFound
from discretion.api.common import E400, E401, E404, acting_user
from discretion.messages.models import CustomerMessage
from discretion.messages.selectors import message_get, message_list
from discretion.messages.services import message_create, message_send, message_update


class MessageOutput(serializers.ModelSerializer):
    class Meta:
        model = CustomerMessage
        fields = [
            "id",
            "case",
            "resolution",
            "to",
            "subject",
            "body",
            "status",
            "held",
            "draft_reason",
            "author",
            "sent_by",
            "message_id",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "updated_at",
            "queued_at",
            "sent_at",
        ]


class MessageCreateInput(serializers.Serializer):
    # Not trimmed: the service checks line breaks and blank text itself and names the field.
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    subject = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, allow_null=True
    )
    send = serializers.BooleanField(required=False, default=False)


class MessageUpdateInput(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    subject = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Only body and subject can be changed."] for name in unknown}
            )
        return attrs


E409 = OpenApiResponse(
    description=(
        "The message is not a draft (already queued or sent), or it is held: it waits for "
        "the supervisor's decision on its resolution. `detail` says which."
    )
)


@extend_schema(tags=["messages"])
class CaseMessagesView(GenericAPIView):
    """A case's messages to its customer, oldest first; write one (a draft, or queued)."""

    serializer_class = MessageOutput

    def get_queryset(self) -> QuerySet[CustomerMessage]:
        # What the schema generator reads the model from; the handlers call the selector.
        return message_list(case_id=self.kwargs.get("case_id", 0))

    @extend_schema(
        operation_id="case_messages_list",
        responses={200: MessageOutput(many=True), 401: E401, 404: E404},
    )
    def get(self, request: Request, case_id: int) -> Response:
        if not case_exists(case_id=case_id):
            raise NotFound(f"No case #{case_id}.")
        page = self.paginate_queryset(message_list(case_id=case_id))
        assert page is not None  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
        return self.get_paginated_response(MessageOutput(page, many=True).data)

    @extend_schema(
        operation_id="case_message_create",
        summary="Write to the customer: a draft, or with send: true queued for e-mail",
        request=MessageCreateInput,
        responses={
            201: MessageOutput,
            400: OpenApiResponse(
                description="`body` blank or over 20,000 characters, `subject` with a line "
                "break, or (to send) `to`: the customer has no e-mail address."
            ),
            401: E401,
            404: E404,
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        data = MessageCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_create(
            acting_user=acting_user(request),
            case_id=case_id,
            body=data.validated_data["body"],
            subject=data.validated_data.get("subject"),
            send=data.validated_data["send"],
        )
        return Response(MessageOutput(message).data, status=201)


@extend_schema(tags=["messages"])
class MessageDetailView(APIView):
    @extend_schema(operation_id="message_get", responses={200: MessageOutput, 401: E401, 404: E404})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MessageOutput(message_get(message_id=pk)).data)

    @extend_schema(
        operation_id="message_update",
        summary="Edit a draft's body or subject",
        request=MessageUpdateInput,
        responses={200: MessageOutput, 400: E400, 401: E401, 404: E404, 409: E409},
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = MessageUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_update(
            acting_user=acting_user(request),
            message_id=pk,
            body=data.validated_data.get("body"),
            subject=data.validated_data.get("subject"),
        )
        return Response(MessageOutput(message).data)


@extend_schema(tags=["messages"])
class MessageSendView(APIView):
    @extend_schema(
        operation_id="message_send",
        summary="Queue a draft (or a failed message) for e-mail to the customer",
        request=None,
        responses={
            200: MessageOutput,
            400: OpenApiResponse(description="`to`: the customer has no e-mail address."),
            401: E401,
            404: E404,
            409: E409,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        message = message_send(acting_user=acting_user(request), message_id=pk)
        return Response(MessageOutput(message).data)


urlpatterns = [
    path("cases/<int:case_id>/messages/", CaseMessagesView.as_view(), name="case-messages"),
    path("messages/<int:pk>/", MessageDetailView.as_view(), name="message-detail"),
    path("messages/<int:pk>/send/", MessageSendView.as_view(), name="message-send"),
]
