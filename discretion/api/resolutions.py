"""The discretion decision over HTTP: request, preview and read resolutions.

One view per operation; the views validate, call ``discretion.decisions.services`` and shape the
output. Output is built as plain dicts: this is the hot path of the app.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import RemedyType, Resolution
from cases.selectors import case_exists
from common.errors import Invalid, NotFound
from common.query import id_parse, query_id
from discretion.api.common import acting_user
from discretion.api.fields import MoneyField
from discretion.api.flow_schema import PREVIEW_EXTRAS, REPEAT_OF_SCHEMA
from discretion.api.idempotency import idempotent_response
from discretion.decisions.body import resolution_body
from discretion.decisions.offers import preview_offers
from discretion.decisions.record import decision_payload
from discretion.decisions.rules import (
    CUSTOMER_MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    resolution_amount,
    resolution_details_visible,
    resolution_remedy_type,
)
from discretion.decisions.selectors import resolution_get, resolution_list
from discretion.decisions.services import resolution_preview, resolution_request
from discretion.engine import Decision
from discretion.metrics.instruments import decision_observe, decision_started
from discretion.models import Escalation


@extend_schema_field(OpenApiTypes.STR)
class RemedyCodeField(serializers.Field):
    """A remedy type code; unknown or disabled codes are a 400 that lists the valid ones."""

    def to_internal_value(self, data: Any) -> RemedyType:
        try:
            return resolution_remedy_type(data)
        except Invalid as refusal:
            raise serializers.ValidationError(refusal.fields["remedy_type"]) from None

    def to_representation(self, value: RemedyType) -> str:
        return value.code


class ResolutionInput(serializers.Serializer):
    remedy_type = RemedyCodeField()
    amount = MoneyField(required=False)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    customer_message = serializers.CharField(
        max_length=CUSTOMER_MESSAGE_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["amount"] = resolution_amount(
                remedy_type=attrs["remedy_type"], amount=attrs.get("amount")
            )
        except Invalid as refusal:
            raise serializers.ValidationError(refusal.fields) from None
        return attrs


class PreviewInput(ResolutionInput):
    # A preview can be asked before the reason is typed.
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True)


CHECK_SCHEMA = inline_serializer(
    "DecisionCheck",
    {
        "name": serializers.CharField(),
        "limit": serializers.CharField(allow_null=True),
        "used": serializers.CharField(),
        "requested": serializers.CharField(),
        "passed": serializers.BooleanField(),
    },
)
RULE_SCHEMA = inline_serializer(
    "DecisionRule",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "effect": serializers.ChoiceField(["deny", "require_approval"]),
        "message": serializers.CharField(),
        "version": serializers.IntegerField(),
        "error": serializers.CharField(allow_null=True),
    },
)
DECISION_SCHEMA = inline_serializer(
    "Decision",
    {
        "outcome": serializers.ChoiceField(["apply", "escalate", "reject"]),
        "summary": serializers.CharField(),
        "checks": CHECK_SCHEMA.__class__(many=True),
        "rules": RULE_SCHEMA.__class__(many=True),
        "repeat_of": REPEAT_OF_SCHEMA,
    },
)
RESOLUTION_SCHEMA = inline_serializer(
    "Resolution",
    {
        "id": serializers.IntegerField(),
        "case": serializers.IntegerField(),
        "agent": serializers.IntegerField(),
        "remedy_type": serializers.CharField(),
        "amount": serializers.CharField(),
        "requested_amount": serializers.CharField(),
        "currency": serializers.CharField(),
        "reason": serializers.CharField(),
        "customer_message": serializers.CharField(),
        "status": serializers.ChoiceField([s for s, _ in Resolution.Status.choices]),
        "created_at": serializers.DateTimeField(),
        "applied_at": serializers.DateTimeField(allow_null=True),
        "decision": DECISION_SCHEMA.__class__(),
        "escalation": inline_serializer(
            "ResolutionEscalation",
            {
                "id": serializers.IntegerField(),
                "status": serializers.CharField(),
                # Left out for another agent's resolution (only id and status).
                "level": serializers.IntegerField(required=False),
                "assigned_to": serializers.IntegerField(allow_null=True, required=False),
                "due_at": serializers.DateTimeField(allow_null=True, required=False),
            },
            allow_null=True,
        ),
    },
)


_LOADED = object()


def resolution_data(
    resolution: Resolution, escalation: Any = _LOADED, *, viewer: object = None
) -> dict[str, Any]:
    """The resolution body (``discretion.decisions.body``, which the webhook events use
    too). Expects ``remedy_type`` and ``escalation`` loaded (select_related), or the
    escalation passed in. With a ``viewer`` who may not see the details (another agent),
    the body without anyone else's limits, usage or assignee."""
    if escalation is _LOADED:
        try:
            escalation = resolution.escalation
        except Escalation.DoesNotExist:
            escalation = None
    full = viewer is None or resolution_details_visible(user=viewer, agent_id=resolution.agent_id)
    return resolution_body(resolution, escalation=escalation, full=full)


def _no_case(case_id: int) -> NotFound:
    return NotFound(f"No case #{case_id}.")


@extend_schema(tags=["resolutions"])
class CaseResolutionsView(GenericAPIView):
    """Request a remedy on a case (the discretion decision), or list the case's resolutions."""

    def get_queryset(self) -> QuerySet[Resolution]:
        # What the schema generator reads the model from; the handlers filter it themselves.
        return resolution_list()

    serializer_class = ResolutionInput

    @extend_schema(
        operation_id="resolution_request",
        summary="Request a remedy: applied at once within limits, escalated over them",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Repeat a request safely: the first response is returned again.",
            )
        ],
        request=ResolutionInput,
        responses={
            201: RESOLUTION_SCHEMA,
            400: OpenApiResponse(description="A field is invalid; the body names it."),
            401: OpenApiResponse(description="No credentials."),
            404: OpenApiResponse(description="No such case."),
            409: OpenApiResponse(
                description="The case is closed, or this Idempotency-Key is still in flight."
            ),
            422: OpenApiResponse(description="Idempotency-Key reused with a different body."),
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        return idempotent_response(
            request, "resolution_request", lambda: self._request(request, case_id)
        )

    def _request(self, request: Request, case_id: int) -> Response:
        started = decision_started()
        data = ResolutionInput(data=request.data)
        data.is_valid(raise_exception=True)
        resolution = resolution_request(
            case_id=case_id,
            acting_user=acting_user(request),
            remedy_type=data.validated_data["remedy_type"],
            amount=data.validated_data["amount"],
            reason=data.validated_data["reason"],
            customer_message=data.validated_data["customer_message"],
        )
        # Only a pending resolution has an escalation yet (the service cached it).
        pending = resolution.status == Resolution.Status.PENDING_APPROVAL
        body = resolution_data(resolution, escalation=resolution.escalation if pending else None)
        decision_observe(outcome=str(body["decision"]["outcome"]), started=started)
        return Response(body, status=201)

    @extend_schema(
        operation_id="case_resolutions_list",
        summary="A case's resolutions, newest first",
        responses={
            200: RESOLUTION_SCHEMA.__class__(many=True),
            400: OpenApiResponse(description="A bad page or page_size (named)."),
            404: OpenApiResponse(description="No such case."),
        },
    )
    def get(self, request: Request, case_id: int) -> Response:
        if not case_exists(case_id=case_id):
            raise _no_case(case_id)
        page = self.paginate_queryset(resolution_list(case_id=case_id))
        assert page is not None  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
        return self.get_paginated_response([resolution_data(r, viewer=request.user) for r in page])


@extend_schema(tags=["resolutions"])
class ResolutionPreviewView(APIView):
    @extend_schema(
        operation_id="resolution_preview",
        summary="What a request would get now; records and spends nothing",
        request=PreviewInput,
        responses={
            200: inline_serializer(
                "PreviewResponse",
                {"decision": DECISION_SCHEMA.__class__(), **PREVIEW_EXTRAS},
            ),
            400: OpenApiResponse(description="A field is invalid; the body names it."),
            404: OpenApiResponse(description="No such case."),
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        decision: Decision = resolution_preview(
            case_id=case_id,
            acting_user=acting_user(request),
            remedy_type=data.validated_data["remedy_type"],
            amount=data.validated_data["amount"],
        )
        offers = preview_offers(
            case_id=case_id,
            user=acting_user(request),
            remedy_type=data.validated_data["remedy_type"],
            amount=data.validated_data["amount"],
            decision=decision,
        )
        return Response({"decision": decision_payload(decision), **offers.payload()})


@extend_schema(tags=["resolutions"])
class ResolutionDetailView(APIView):
    @extend_schema(
        operation_id="resolution_get",
        responses={200: RESOLUTION_SCHEMA, 404: OpenApiResponse(description="No such resolution.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            resolution = resolution_get(resolution_id=pk)
        except Resolution.DoesNotExist:
            raise NotFound(f"No resolution #{pk}.") from None
        return Response(resolution_data(resolution, viewer=request.user))


@extend_schema(tags=["resolutions"])
class ResolutionListView(GenericAPIView):
    """All resolutions, newest first; ``?agent=me|<id>&status=&case=``."""

    def get_queryset(self) -> QuerySet[Resolution]:
        # What the schema generator reads the model from; the handlers filter it themselves.
        return resolution_list()

    @extend_schema(
        operation_id="resolutions_list",
        parameters=[
            OpenApiParameter("agent", OpenApiTypes.STR, description="me or a user id"),
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("case", OpenApiTypes.INT),
        ],
        responses={
            200: RESOLUTION_SCHEMA.__class__(many=True),
            400: OpenApiResponse(description="Bad filter (named)."),
        },
    )
    def get(self, request: Request) -> Response:
        agent_id = None
        agent = request.query_params.get("agent")
        if agent:
            if agent == "me":
                agent_id = acting_user(request).pk
            else:
                agent_id = id_parse(agent, name="agent", message='Use "me" or a user id.')
        status = request.query_params.get("status")
        if status and status not in Resolution.Status.values:
            raise ValidationError(
                {"status": [f"Use one of: {', '.join(Resolution.Status.values)}."]}
            )
        case_id = query_id(request.query_params, "case", message="Use a case id.")
        rows = resolution_list(agent_id=agent_id, status=status or None, case_id=case_id)
        page = self.paginate_queryset(rows)
        assert page is not None  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
        return self.get_paginated_response([resolution_data(r, viewer=request.user) for r in page])


urlpatterns = [
    path(
        "cases/<int:case_id>/resolutions/", CaseResolutionsView.as_view(), name="case-resolutions"
    ),
    path(
        "cases/<int:case_id>/resolutions/preview/",
        ResolutionPreviewView.as_view(),
        name="case-resolutions-preview",
    ),
    path("resolutions/", ResolutionListView.as_view(), name="resolutions"),
    path("resolutions/<int:pk>/", ResolutionDetailView.as_view(), name="resolution-detail"),
]
