"""Incidents over HTTP (CONTRACT.md, "Incidents"; docs/api.md): thin views over
``discretion.incidents``.

Everyone signed in reads; supervisors and admins declare, change, link cases and end.
``POST …/cases/`` takes ``{case}`` or, in bulk, ``{cases: [ids]}`` (all or none). Budget
below what was spent, a case in another active incident, a matcher that does not compile
(with its line and column): 400 naming the field; an ended incident re-activated, edited
or linked: 409.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from common.permissions import SupervisorWritesAllRead
from common.query import query_choice
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    E409,
    RemedyCodeField,
    StrictIntegerField,
    acting_user,
    reject_unchangeable,
)
from discretion.api.fields import AwareDateTimeField, MoneyField, StrictCharField
from discretion.incidents.body import incident_body
from discretion.incidents.links import incident_cases_link
from discretion.incidents.models import (
    EXPLANATION_MAX_LENGTH,
    MATCHER_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Incident,
)
from discretion.incidents.selectors import BIGINT_MAX, incident_get, incident_list
from discretion.incidents.services import (
    EDITABLE,
    MAX_BULK_LINK,
    incident_declare,
    incident_end,
    incident_update,
)


class RemedyRow(serializers.Serializer):
    remedy_type = RemedyCodeField()
    per_remedy_max = MoneyField()


class RemedyRowOutput(serializers.Serializer):
    remedy_type = serializers.CharField(source="remedy_type.code")
    per_remedy_max = MoneyField()


# The schema of an incident body; the body itself is ``discretion.incidents.body``'s (the
# webhook events' ``data`` too).
class IncidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    customer_explanation = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    budget = MoneyField()
    spent = MoneyField()
    left = MoneyField()
    currency = serializers.CharField()
    remedies = RemedyRowOutput(many=True)
    cases_count = serializers.IntegerField()
    created_by = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    matcher = serializers.CharField()
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.IntegerField(allow_null=True)


def incident_data(incident: Incident) -> dict:
    """The API's incident body (``incident`` from ``incident_list``/``incident_get``: the
    schedule prefetched, ``cases_count`` annotated)."""
    return incident_body(incident, cases_count=getattr(incident, "cases_count", 0))


class IncidentInput(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    customer_explanation = StrictCharField(
        required=False, allow_blank=True, max_length=EXPLANATION_MAX_LENGTH, default=""
    )
    starts_at = AwareDateTimeField(required=False)
    ends_at = AwareDateTimeField()
    budget = MoneyField()
    remedies = RemedyRow(many=True, required=False, default=list)
    matcher = StrictCharField(
        required=False, allow_blank=True, max_length=MATCHER_MAX_LENGTH, default=""
    )


class IncidentPatch(serializers.Serializer):
    title = StrictCharField(required=False, max_length=TITLE_MAX_LENGTH)
    customer_explanation = StrictCharField(
        required=False, allow_blank=True, max_length=EXPLANATION_MAX_LENGTH
    )
    ends_at = AwareDateTimeField(required=False)
    budget = MoneyField(required=False)
    remedies = RemedyRow(many=True, required=False)
    matcher = StrictCharField(required=False, allow_blank=True, max_length=MATCHER_MAX_LENGTH)
    status = serializers.ChoiceField(choices=Incident.Status.choices, required=False)


class LinkInput(serializers.Serializer):
    case = StrictIntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    cases = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        allow_empty=False,
        max_length=MAX_BULK_LINK,
    )

    def validate(self, attrs):
        if ("case" in attrs) == ("cases" in attrs):
            raise serializers.ValidationError(
                {"case": ['Give "case" (one id) or "cases" (a list of ids).']}
            )
        return attrs


class LinkOutput(serializers.Serializer):
    incident = serializers.IntegerField()
    linked = serializers.ListField(child=serializers.IntegerField())
    cases_count = serializers.IntegerField()


def _schedule(rows) -> list:
    return [(row["remedy_type"], row["per_remedy_max"]) for row in rows]


def _out(incident_id: int) -> dict:
    return incident_data(incident_get(incident_id=incident_id))


def _status(request) -> str | None:
    return query_choice(
        request.query_params, "status", Incident.Status.values, message="Give active or ended."
    )


class IncidentListCreate(generics.ListAPIView):
    """Incidents, newest first."""

    permission_classes = [SupervisorWritesAllRead]
    serializer_class = IncidentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return incident_list()
        return incident_list(status=_status(self.request))

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Incident.Status.values))
        ],
        responses={200: IncidentOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # REST_FRAMEWORK sets DEFAULT_PAGINATION_CLASS
        return self.get_paginated_response([incident_data(incident) for incident in page])

    @extend_schema(
        description="Declare an incident: its schedule of standard remedies, its budget and "
        "its end. An optional `matcher` (CEL over new cases) links cases as they are "
        "created while it is active.",
        request=IncidentInput,
        responses={201: IncidentOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = IncidentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = incident_declare(
            acting_user=acting_user(request),
            title=values["title"],
            customer_explanation=values["customer_explanation"],
            starts_at=values.get("starts_at"),
            ends_at=values["ends_at"],
            budget=values["budget"],
            remedies=_schedule(values["remedies"]),
            matcher=values["matcher"],
        )
        return Response(_out(incident.pk), status=status.HTTP_201_CREATED)


class IncidentDetail(APIView):
    permission_classes = [SupervisorWritesAllRead]

    @extend_schema(responses={200: IncidentOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        return Response(_out(pk))

    @extend_schema(
        description="Change an incident. `status: ended` ends it now; an ended incident "
        "cannot be re-activated (409). `budget` cannot go below `spent` (400).",
        request=IncidentPatch,
        responses={200: IncidentOutput, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def patch(self, request, pk: int):
        incident_get(incident_id=pk)  # 404 before 400
        reject_unchangeable(request.data, set(EDITABLE))
        data = IncidentPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "remedies" in changes:
            changes["remedies"] = _schedule(changes["remedies"])
        incident_update(acting_user=acting_user(request), incident_id=pk, changes=changes)
        return Response(_out(pk))


class IncidentCases(APIView):
    permission_classes = [SupervisorWritesAllRead]

    @extend_schema(
        description='Link a case (`{"case": id}`) or several (`{"cases": [ids]}`, all or '
        "none) to an active incident. A case is in at most one active incident (400).",
        request=LinkInput,
        responses={
            201: LinkOutput,
            200: LinkOutput,
            400: E400,
            401: E401,
            403: E403,
            404: E404,
            409: E409,
        },
    )
    def post(self, request, pk: int):
        incident_get(incident_id=pk)
        data = LinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ids = values["cases"] if "cases" in values else [values["case"]]
        linked = incident_cases_link(acting_user=acting_user(request), incident_id=pk, case_ids=ids)
        incident = incident_get(incident_id=pk)
        return Response(
            {"incident": pk, "linked": linked, "cases_count": getattr(incident, "cases_count", 0)},
            status=status.HTTP_201_CREATED if linked else status.HTTP_200_OK,
        )


class IncidentEnd(APIView):
    permission_classes = [SupervisorWritesAllRead]

    @extend_schema(
        request=None,
        responses={200: IncidentOutput, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request, pk: int):
        incident_get(incident_id=pk)
        incident_end(acting_user=acting_user(request), incident_id=pk)
        return Response(_out(pk))


urlpatterns = [
    path("incidents/", IncidentListCreate.as_view(), name="incident-list"),
    path("incidents/<int:pk>/", IncidentDetail.as_view(), name="incident-detail"),
    path("incidents/<int:pk>/cases/", IncidentCases.as_view(), name="incident-cases"),
    path("incidents/<int:pk>/end/", IncidentEnd.as_view(), name="incident-end"),
]
