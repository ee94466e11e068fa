"""A user's in-app notifications over HTTP: list them (``?unread=``), mark one read, mark
all read.

Only ever the caller's own; thin views over ``discretion.notifications.services``.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion.api.common import E400, E401, E404, acting_user
from discretion.models import Notification
from discretion.notifications.selectors import notification_get, notification_list
from discretion.notifications.services import notification_mark_all_read, notification_mark_read


class NotificationOutput(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "escalation",
            "created_at",
            "read_at",
            "read",
            "emailed_at",
        ]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationList(generics.ListAPIView):
    """Your own notifications, newest first; ``?unread=true`` for the unread ones."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput
    filter_backends: list = []

    def get_queryset(self):
        raw = self.request.query_params.get("unread")
        unread = None
        if raw is not None and raw != "":
            if raw.lower() in ("true", "1", "yes"):
                unread = True
            elif raw.lower() in ("false", "0", "no"):
                unread = False
            else:
                raise ValidationError({"unread": ["true or false."]})
        return notification_list(user=self.request.user, unread=unread)

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL)],
        responses={200: NotificationOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: NotificationOutput, 401: E401, 404: E404})
    def post(self, request, pk: int):
        user = acting_user(request)
        try:
            notification = notification_get(user=user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404("No Notification matches the given query.") from None
        notification = notification_mark_read(user=user, notification=notification)
        return Response(NotificationOutput(notification).data)


class NotificationReadAll(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("ReadAll", fields={"marked": serializers.IntegerField()}),
            401: E401,
        },
    )
    def post(self, request):
        return Response({"marked": notification_mark_all_read(user=acting_user(request))})


urlpatterns = [
    path("notifications/", NotificationList.as_view(), name="notification-list"),
    path("notifications/read-all/", NotificationReadAll.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", NotificationRead.as_view(), name="notification-read"),
]
