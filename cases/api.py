"""The cases API: create, list, read, change status/assignee, timeline.

Thin views over ``cases.services`` (writes) and ``cases.selectors`` (reads). A PATCH may
carry only ``status`` and ``assignee``: any other key is a 400 naming it, so a client
that thinks it changed the subject is told it did not.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from cases import selectors, services
from cases.filters import CaseFilter
from cases.models import (
    CUSTOMER_ID_MAX_LENGTH,
    CUSTOMER_NAME_MAX_LENGTH,
    EXTERNAL_REF_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Case,
    CaseEvent,
    Customer,
)

DETAIL = inline_serializer(
    "CaseErrorDetail", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)
E400 = OpenApiResponse(OpenApiTypes.OBJECT, description="Validation failed: `{field: [messages]}`.")
E401 = OpenApiResponse(DETAIL, description="No credentials (or bad ones).")
E403 = OpenApiResponse(DETAIL, description="Not allowed; `detail` says why.")
E404 = OpenApiResponse(DETAIL, description="No such case.")


class AssigneeField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "Unknown or inactive user id {pk_value}.",
        "incorrect_type": "Give a user id (a number), or null.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", selectors.assignee_list())
        super().__init__(**kwargs)


# --- output ----------------------------------------------------------------------------


class CustomerOutput(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "email"]


class CaseOutput(serializers.ModelSerializer):
    customer = CustomerOutput(read_only=True)
    assignee: serializers.PrimaryKeyRelatedField[AbstractBaseUser] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    remedies_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True
    )
    currency = serializers.SerializerMethodField()
    # The active incident the case is in (discretion.incidents keeps the column), or null.
    incident = serializers.IntegerField(
        source="active_incident_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "subject",
            "description",
            "category",
            "status",
            "customer",
            "assignee",
            "external_ref",
            "remedies_total",
            "currency",
            "incident",
            "created_at",
            "updated_at",
        ]

    def get_currency(self, case) -> str:
        return settings.DISCRETION_CURRENCY


class CaseEventOutput(serializers.ModelSerializer):
    actor: serializers.PrimaryKeyRelatedField[AbstractBaseUser] = (
        serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    )
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "kind", "actor", "actor_name", "summary", "data"]

    def get_actor_name(self, event) -> str | None:
        if event.actor is None:
            return None
        return getattr(event.actor, "label", None) or str(event.actor)


# --- input -----------------------------------------------------------------------------


class CustomerInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=CUSTOMER_ID_MAX_LENGTH)
    name = serializers.CharField(
        max_length=CUSTOMER_NAME_MAX_LENGTH, required=False, allow_blank=True
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class CaseCreateInput(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Case.Category.choices)
    customer = CustomerInput()
    external_ref = serializers.CharField(
        max_length=EXTERNAL_REF_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    assignee = AssigneeField(required=False, allow_null=True, default=None)

    def validate_customer(self, value):
        known = selectors.customer_exists(external_id=value["external_id"])
        if not known and not value.get("name", "").strip():
            raise serializers.ValidationError(
                {"name": ["This customer is new: their name is required."]}
            )
        return value


class CasePatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    assignee = AssigneeField(required=False, allow_null=True)


# --- views -----------------------------------------------------------------------------


class CaseListCreate(generics.ListAPIView):
    """All cases, newest first. Every role may list and create cases."""

    serializer_class = CaseOutput
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.case_list()

    @extend_schema(
        responses={200: CaseOutput(many=True), 400: E400, 401: E401},
        parameters=[
            OpenApiParameter(
                "assignee", str, description="`me`, `none` or a user id", required=False
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CaseCreateInput,
        responses={201: CaseOutput, 400: E400, 401: E401},
        description="Open a case. The customer is found by `external_id`, or created "
        "(then `name` is required); an existing customer is not modified.",
    )
    def post(self, request):
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_create(acting_user=request.user, **data.validated_data)
        return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)


class CaseDetail(generics.GenericAPIView):
    serializer_class = CaseOutput

    @extend_schema(responses={200: CaseOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        return Response(CaseOutput(selectors.case_get(case_id=pk)).data)

    @extend_schema(
        request=CasePatchInput,
        responses={200: CaseOutput, 400: E400, 401: E401, 404: E404},
        description="Change `status` and/or `assignee` (null unassigns). Any other field "
        "is a 400 naming it. Each change is a timeline event.",
    )
    def patch(self, request, pk: int):
        case = selectors.case_get(case_id=pk)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        bad = sorted(set(request.data) - {"status", "assignee"})
        if bad:
            raise serializers.ValidationError(
                {name: ["Only status and assignee can be changed."] for name in bad}
            )
        data = CasePatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.case_update(
            acting_user=request.user,
            case=case,
            status=values.get("status"),
            assignee=values.get("assignee"),
            unassign="assignee" in values and values["assignee"] is None,
        )
        return Response(CaseOutput(case).data)


class CaseTimeline(generics.ListAPIView):
    """Every event of a case, oldest first."""

    serializer_class = CaseEventOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.case_timeline(case=selectors.case_get(case_id=self.kwargs["pk"]))

    @extend_schema(responses={200: CaseEventOutput(many=True), 401: E401, 404: E404})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
