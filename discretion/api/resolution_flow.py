"""Two extras of the decision over HTTP (docs/api.md, "Fewer clicks"):

- ``POST /api/v1/cases/{id}/resolutions/split/``: the body of a resolution request (and
  its ``Idempotency-Key``); applies what the caller may grant now and escalates the rest,
  201 ``{applied, escalated, summary, currency}`` (two resolution bodies), 409
  ``split_not_possible`` when there is nothing to split.
- ``POST /api/v1/resolutions/{id}/withdraw/``: the requester takes back a pending
  request; 200 with the resolution, 403 for anyone else, 409 once it is decided.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Resolution
from common.errors import NotFound
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    E409,
    E422,
    IDEMPOTENCY_HEADER,
    acting_user,
)
from discretion.api.idempotency import idempotent_response
from discretion.api.resolutions import RESOLUTION_SCHEMA, ResolutionInput, resolution_data
from discretion.decisions.combined import resolution_request_split
from discretion.decisions.selectors import resolution_get
from discretion.decisions.withdraw import resolution_withdraw

SPLIT_SCHEMA = inline_serializer(
    "ResolutionSplit",
    {
        "applied": RESOLUTION_SCHEMA.__class__(),
        "escalated": RESOLUTION_SCHEMA.__class__(),
        "summary": serializers.CharField(),
        "currency": serializers.CharField(),
    },
)


@extend_schema(tags=["resolutions"])
class ResolutionSplitView(APIView):
    @extend_schema(
        operation_id="resolution_request_split",
        summary="Apply what I may now, escalate the rest (two resolutions, one decision)",
        parameters=[IDEMPOTENCY_HEADER],
        request=ResolutionInput,
        responses={
            201: SPLIT_SCHEMA,
            400: E400,
            401: E401,
            404: E404,
            409: E409,
            422: E422,
        },
    )
    def post(self, request: Request, case_id: int) -> Response:
        def handler() -> Response:
            data = ResolutionInput(data=request.data)
            data.is_valid(raise_exception=True)
            split = resolution_request_split(
                case_id=case_id,
                acting_user=acting_user(request),
                remedy_type=data.validated_data["remedy_type"],
                amount=data.validated_data["amount"],
                reason=data.validated_data["reason"],
                customer_message=data.validated_data["customer_message"],
            )
            return Response(
                {
                    "applied": resolution_data(split.applied, escalation=None),
                    "escalated": resolution_data(
                        split.escalated, escalation=split.escalated.escalation
                    ),
                    "summary": split.summary,
                    "currency": settings.DISCRETION_CURRENCY,
                },
                status=201,
            )

        return idempotent_response(request, "resolution_request_split", handler)


@extend_schema(tags=["resolutions"])
class ResolutionWithdrawView(APIView):
    @extend_schema(
        operation_id="resolution_withdraw",
        summary="Withdraw my own pending request; the supervisor's card leaves the queue",
        request=None,
        responses={200: RESOLUTION_SCHEMA, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request: Request, pk: int) -> Response:
        resolution_withdraw(acting_user=acting_user(request), resolution_id=pk)
        try:
            resolution = resolution_get(resolution_id=pk)
        except Resolution.DoesNotExist:  # pragma: no cover - it was just withdrawn
            raise NotFound(f"No resolution #{pk}.") from None
        return Response(resolution_data(resolution, viewer=request.user))


urlpatterns = [
    path(
        "cases/<int:case_id>/resolutions/split/",
        ResolutionSplitView.as_view(),
        name="case-resolutions-split",
    ),
    path(
        "resolutions/<int:pk>/withdraw/",
        ResolutionWithdrawView.as_view(),
        name="resolution-withdraw",
    ),
]
