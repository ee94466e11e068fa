"""The audit trail, read-only, for admins.

There is no write method at all: POST/PUT/PATCH/DELETE are 405 for admins (403 for
everyone else, since the role check runs first). The database refuses UPDATE and DELETE
of audit rows too (migration 0003).
"""

from __future__ import annotations

import django_filters
from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated

from audit.models import AuditEvent, ObjectType
from audit.selectors import audit_event_list
from common.query import AwareDateTimeFilter, IdFilter
from common.roles import is_admin

DETAIL = inline_serializer(
    "AuditErrorDetail", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)
E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")
E403 = OpenApiResponse(DETAIL, description="Only admins read the audit trail.")
E404 = OpenApiResponse(DETAIL, description="No such audit event.")


class IsAdmin(BasePermission):
    # common.permissions.IsAdminRole's rule (common.roles), with the audit trail's message.
    message = "Only admins may read the audit trail."

    def has_permission(self, request, view):
        return is_admin(request.user)


class AuditEventOutput(serializers.ModelSerializer):
    actor: serializers.PrimaryKeyRelatedField[AbstractBaseUser] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
            "reason",
        ]

    def get_actor_name(self, event) -> str | None:
        if event.actor is None:
            return None
        return getattr(event.actor, "label", None) or str(event.actor)


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(choices=ObjectType.choices)
    object_id = django_filters.CharFilter()
    action = django_filters.CharFilter()
    actor = IdFilter(field_name="actor_id")
    since = AwareDateTimeFilter(field_name="at", lookup_expr="gte")
    until = AwareDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "actor", "since", "until"]


class AuditEventList(generics.ListAPIView):
    """Audit events, newest first."""

    permission_classes = [IsAuthenticated, IsAdmin]
    serializer_class = AuditEventOutput
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return audit_event_list()

    @extend_schema(
        responses={
            200: AuditEventOutput(many=True),
            400: OpenApiResponse(description="A filter value is invalid (named)."),
            401: E401,
            403: E403,
        }
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AuditEventDetail(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, IsAdmin]
    serializer_class = AuditEventOutput

    def get_queryset(self):
        return audit_event_list()

    @extend_schema(responses={200: AuditEventOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
