"""The on-call supervisor queue: escalations, on-call shifts, who is on call, the
escalation policy, and in-app notifications.

Thin views: input serializers validate, ``discretion.escalations`` / ``.oncall`` /
``.notifications`` services write, output serializers shape the contract's JSON.

Choices documented here (the contract leaves them to us):
- ``assigned_to``, ``decided_by``, ``resolution`` and the history's ``actor`` /
  ``assigned_to`` are ids; ``*_name`` fields and ``resolution_detail`` are extras.
- Agents may list and read the escalations of their OWN requests (to follow them);
  supervisors and admins see every escalation. Another agent's escalation is a 404.
- ``GET /api/v1/oncall/`` lists every level of the current policy (empty ones too) with
  ``supervisors`` as ``{id, username, display_name}``; ``?at=<ISO time>`` asks about
  another moment.
- Approve and deny are refused to agents (403) before anything else is looked at.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion import escalations as escalation_services
from discretion import notifications as notification_services
from discretion import oncall as oncall_services
from discretion.api.fields import MoneyField, currency, money
from discretion.api.permissions import (
    AdminWritesAllRead,
    AdminWritesSupervisorReads,
    IsSupervisorOrAdmin,
)
from discretion.idempotency import idempotent
from discretion.models import Escalation, Notification, OnCallShift, User

DETAIL = inline_serializer("EscalationDetailMessage", fields={"detail": serializers.CharField()})
E400 = OpenApiResponse(OpenApiTypes.OBJECT, description="Validation failed: `{field: [messages]}`.")
E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")
E403 = OpenApiResponse(
    DETAIL, description="Your role or limits do not allow this; `detail` says why."
)
E404 = OpenApiResponse(DETAIL, description="No such object (or not yours to see).")
E409 = OpenApiResponse(
    DETAIL, description="Already decided, or the same Idempotency-Key is in flight."
)
E422 = OpenApiResponse(DETAIL, description="Idempotency-Key reused with a different body.")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat-safe retries: the same key and body return the first response again.",
)


def _raise_service_error(exc: DjangoValidationError) -> None:
    if hasattr(exc, "error_dict"):
        raise ValidationError(exc.message_dict) from exc
    raise ValidationError({"non_field_errors": exc.messages}) from exc


class StrictIntegerField(serializers.IntegerField):
    """An integer that refuses booleans, floats with a fraction and numeric strings."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.display_name or user.username


# --- on-call shifts -------------------------------------------------------------------


class ShiftOutput(serializers.ModelSerializer):
    supervisor_name = serializers.SerializerMethodField()

    class Meta:
        model = OnCallShift
        fields = ["id", "supervisor", "level", "starts_at", "ends_at", "supervisor_name"]

    def get_supervisor_name(self, shift: OnCallShift) -> str | None:
        return _name(shift.supervisor)


class ShiftInput(serializers.Serializer):
    supervisor = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    level = StrictIntegerField(min_value=1, max_value=100)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def validate(self, attrs):
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise ValidationError({"ends_at": ["A shift must end after it starts."]})
        return attrs


class ShiftListCreate(generics.ListAPIView):
    """On-call shifts: admins write, supervisors read, agents 403."""

    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]
    serializer_class = ShiftOutput

    def get_queryset(self):
        qs = oncall_services.oncall_shift_list()
        params = self.request.query_params
        if params.get("supervisor", "").isdigit():
            qs = qs.filter(supervisor_id=int(params["supervisor"]))
        if params.get("level", "").isdigit():
            qs = qs.filter(level=int(params["level"]))
        if params.get("current") in ("1", "true"):
            now = timezone.now()
            qs = qs.filter(starts_at__lte=now, ends_at__gt=now)
        return qs

    @extend_schema(responses={200: ShiftOutput(many=True), 401: E401, 403: E403})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ShiftInput,
        responses={201: ShiftOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = ShiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            shift = oncall_services.oncall_shift_create(
                acting_user=request.user, **data.validated_data
            )
        except DjangoValidationError as exc:
            _raise_service_error(exc)
        return Response(ShiftOutput(shift).data, status=status.HTTP_201_CREATED)


class ShiftDetail(APIView):
    permission_classes = [IsAuthenticated, AdminWritesSupervisorReads]

    def _shift(self, pk: int) -> OnCallShift:
        return get_object_or_404(oncall_services.oncall_shift_list(), pk=pk)

    @extend_schema(responses={200: ShiftOutput, 401: E401, 403: E403, 404: E404})
    def get(self, request, pk: int):
        return Response(ShiftOutput(self._shift(pk)).data)

    @extend_schema(
        request=ShiftInput(partial=True),
        responses={200: ShiftOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request, pk: int):
        shift = self._shift(pk)
        data = ShiftInput(instance=shift, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        try:
            shift = oncall_services.oncall_shift_update(
                acting_user=request.user, shift=shift, changes=dict(data.validated_data)
            )
        except DjangoValidationError as exc:
            _raise_service_error(exc)
        return Response(ShiftOutput(shift).data)

    @extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404})
    def delete(self, request, pk: int):
        oncall_services.oncall_shift_delete(acting_user=request.user, shift=self._shift(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OnCallLevelOutput(serializers.Serializer):
    level = serializers.IntegerField()
    supervisors = PersonOutput(many=True)


class OnCallOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    levels = OnCallLevelOutput(many=True)


class OnCallNow(APIView):
    """Who is on call now (or ``?at=``), per level. Every signed-in user may read it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME, description="Default: now.")],
        responses={200: OnCallOutput, 400: E400, 401: E401},
    )
    def get(self, request):
        at = None
        raw = request.query_params.get("at")
        if raw:
            try:
                at = parse_datetime(raw)
            except ValueError:
                at = None
            if at is None:
                raise ValidationError({"at": ["Give an ISO 8601 date and time."]})
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        return Response(OnCallOutput(oncall_services.oncall_now(at=at)).data)


# --- escalation policy ----------------------------------------------------------------


class PolicyLevel(serializers.Serializer):
    level = StrictIntegerField(min_value=1, max_value=100)
    timeout_seconds = StrictIntegerField(min_value=1, max_value=7 * 24 * 3600)


class PolicyBody(serializers.Serializer):
    levels = PolicyLevel(many=True, allow_empty=False)


class EscalationPolicyView(APIView):
    """The levels of the on-call chain; open escalations keep the levels they began with."""

    permission_classes = [IsAuthenticated, AdminWritesAllRead]

    @extend_schema(responses={200: PolicyBody, 401: E401})
    def get(self, request):
        policy = oncall_services.escalation_policy_get()
        return Response({"levels": policy.levels, "updated_at": policy.updated_at})

    @extend_schema(request=PolicyBody, responses={200: PolicyBody, 400: E400, 401: E401, 403: E403})
    def put(self, request):
        data = PolicyBody(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            policy = oncall_services.escalation_policy_update(
                acting_user=request.user,
                levels=[dict(level) for level in data.validated_data["levels"]],
            )
        except DjangoValidationError as exc:
            _raise_service_error(exc)
        return Response({"levels": policy.levels, "updated_at": policy.updated_at})


# --- escalations ----------------------------------------------------------------------


class HistoryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    event = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True)
    note = serializers.CharField()


class EscalationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    resolution = serializers.IntegerField(source="resolution_id")
    status = serializers.CharField()
    level = serializers.IntegerField()
    assigned_to = serializers.IntegerField(source="assigned_to_id", allow_null=True)
    assigned_to_name = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_by_name = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    routed_at = serializers.DateTimeField(allow_null=True)
    policy_levels = serializers.JSONField()
    resolution_detail = serializers.SerializerMethodField()
    history = HistoryOutput(many=True, source="history.all")

    def get_assigned_to_name(self, escalation: Escalation) -> str | None:
        return _name(escalation.assigned_to)

    def get_decided_by_name(self, escalation: Escalation) -> str | None:
        return _name(escalation.decided_by)

    def get_resolution_detail(self, escalation: Escalation) -> dict[str, Any]:
        resolution = escalation.resolution
        return {
            "id": resolution.pk,
            "case": resolution.case_id,
            "case_subject": resolution.case.subject,
            "agent": resolution.agent_id,
            "agent_name": _name(resolution.agent),
            "remedy_type": resolution.remedy_type.code,
            "requested_amount": money(resolution.requested_amount),
            "amount": money(resolution.amount),
            "currency": currency(),
            "reason": resolution.reason,
            "customer_message": resolution.customer_message,
            "status": resolution.status,
            "decision_summary": (resolution.decision or {}).get("summary", ""),
        }


STATUSES = [choice for choice, _ in Escalation.Status.choices]


class EscalationList(generics.ListAPIView):
    """Supervisors and admins: every escalation. Agents: those of their own requests."""

    permission_classes = [IsAuthenticated]
    serializer_class = EscalationOutput
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        status_ = params.get("status") or None
        if status_ is not None and status_ not in STATUSES:
            raise ValidationError({"status": [f"One of: {', '.join(STATUSES)}."]})
        assigned_to = None
        raw = params.get("assigned_to")
        if raw:
            if raw == "me":
                assigned_to = self.request.user.pk
            elif raw.isdigit():
                assigned_to = int(raw)
            else:
                raise ValidationError({"assigned_to": ['"me" or a user id.']})
        return escalation_services.escalation_list(
            user=self.request.user, status=status_, assigned_to=assigned_to
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES),
            OpenApiParameter("assigned_to", OpenApiTypes.STR, description='"me" or a user id'),
        ],
        responses={200: EscalationOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EscalationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: EscalationOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        escalation = escalation_services.escalation_get(user=request.user, escalation_id=pk)
        if escalation is None:
            return Response({"detail": "No such escalation."}, status=404)
        return Response(EscalationOutput(escalation).data)


class ApproveInput(serializers.Serializer):
    amount = MoneyField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class DenyInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=False, max_length=4000)


class _Decide(APIView):
    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]
    approve = True
    input_class: type[serializers.Serializer] = ApproveInput

    def post(self, request, pk: int):
        def handler() -> Response:
            data = self.input_class(data=request.data)
            data.is_valid(raise_exception=True)
            if not Escalation.objects.filter(pk=pk).exists():
                return Response({"detail": "No such escalation."}, status=404)
            try:
                escalation_services.escalation_decide(
                    acting_user=request.user,
                    escalation_id=pk,
                    approve=self.approve,
                    amount=data.validated_data.get("amount"),
                    note=data.validated_data.get("note", "").strip(),
                )
            except escalation_services.EscalationError as error:
                body = error.fields or {"detail": error.detail}
                return Response(body, status=error.status_code)
            escalation = escalation_services.escalation_get(user=request.user, escalation_id=pk)
            return Response(EscalationOutput(escalation).data)

        return idempotent(
            request, f"escalation-{'approve' if self.approve else 'deny'}-{pk}", handler
        )


DECIDE_RESPONSES = {
    200: EscalationOutput,
    400: E400,
    401: E401,
    403: E403,
    404: E404,
    409: E409,
    422: E422,
}


class EscalationApprove(_Decide):
    """Approve (optionally lowering the amount). The resolution is applied."""

    approve = True
    input_class = ApproveInput

    @extend_schema(
        request=ApproveInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=DECIDE_RESPONSES,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


class EscalationDeny(_Decide):
    """Deny with a note (required). The resolution becomes denied."""

    approve = False
    input_class = DenyInput

    @extend_schema(
        request=DenyInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses=DECIDE_RESPONSES,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


# --- notifications --------------------------------------------------------------------


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
        return notification_services.notification_list(user=self.request.user, unread=unread)

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
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        notification = notification_services.notification_mark_read(
            user=request.user, notification=notification
        )
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
        return Response(
            {"marked": notification_services.notification_mark_all_read(user=request.user)}
        )


urlpatterns = [
    path("escalations/", EscalationList.as_view(), name="escalation-list"),
    path("escalations/<int:pk>/", EscalationDetail.as_view(), name="escalation-detail"),
    path("escalations/<int:pk>/approve/", EscalationApprove.as_view(), name="escalation-approve"),
    path("escalations/<int:pk>/deny/", EscalationDeny.as_view(), name="escalation-deny"),
    path("oncall-shifts/", ShiftListCreate.as_view(), name="oncall-shift-list"),
    path("oncall-shifts/<int:pk>/", ShiftDetail.as_view(), name="oncall-shift-detail"),
    path("oncall/", OnCallNow.as_view(), name="oncall-now"),
    path("escalation-policy/", EscalationPolicyView.as_view(), name="escalation-policy"),
    path("notifications/", NotificationList.as_view(), name="notification-list"),
    path("notifications/read-all/", NotificationReadAll.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", NotificationRead.as_view(), name="notification-read"),
]
