"""Problems over HTTP (CONTRACT.md, "Problems"): thin views over ``discretion.problems``.

Anyone signed in reads problems, opens one and links a case to an open one; supervisors
and admins edit one and mark it fixed. A case already in a problem is a 400 naming
``case``; fixing a fixed problem is 409; ``what_we_changed`` is required (400).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import case_list
from common.permissions import IsSupervisorOrAdmin
from common.query import query_choice
from common.roles import is_supervising
from discretion.api.common import (
    E400,
    E401,
    E403,
    E404,
    E409,
    UserIdField,
    acting_user,
    reject_unchangeable,
)
from discretion.api.fields import StrictCharField, currency, money
from discretion.problems.models import PROBLEM_TEXT_MAX_LENGTH, PROBLEM_TITLE_MAX_LENGTH, Problem
from discretion.problems.selectors import (
    FILTER_STATUSES,
    problem_case_list,
    problem_get,
    problem_list,
)
from discretion.problems.services import (
    EDITABLE,
    problem_case_link,
    problem_create,
    problem_fix,
    problem_update,
)


class SupervisorsEdit(BasePermission):
    """Everyone signed in reads a problem; supervisors and admins change it (checked
    before the body, so an agent's PATCH is 403 whatever it holds)."""

    message = "Only supervisors and admins may edit a problem."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_supervising(request.user)


class ProblemOutput(serializers.ModelSerializer):
    cases_count = serializers.IntegerField()
    remedies_total = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = [
            "id",
            "title",
            "description",
            "status",
            "owner",
            "cases_count",
            "remedies_total",
            "currency",
            "what_we_changed",
            "fixed_at",
            "created_by",
            "created_at",
        ]

    def get_remedies_total(self, problem) -> str:
        return money(problem.remedies_total)

    def get_currency(self, problem) -> str:
        return currency()


class LinkedCaseOutput(serializers.Serializer):
    id = serializers.IntegerField(source="case.id")
    subject = serializers.CharField(source="case.subject")
    status = serializers.CharField(source="case.status")
    assignee = serializers.IntegerField(source="case.assignee_id", allow_null=True)
    remedies_total = serializers.SerializerMethodField()
    linked_at = serializers.DateTimeField()
    fix_message = serializers.IntegerField(source="fix_message_id", allow_null=True)

    def get_remedies_total(self, link) -> str:
        return money(link.case.remedies_total)


class ProblemDetailOutput(ProblemOutput):
    cases = serializers.SerializerMethodField()

    class Meta(ProblemOutput.Meta):
        fields = [*ProblemOutput.Meta.fields, "cases"]

    @extend_schema_field(LinkedCaseOutput(many=True))
    def get_cases(self, problem) -> list[dict]:
        return list(LinkedCaseOutput(problem_case_list(problem_id=problem.pk), many=True).data)


class ProblemInput(serializers.Serializer):
    title = StrictCharField(max_length=PROBLEM_TITLE_MAX_LENGTH)
    description = StrictCharField(
        required=False, allow_blank=True, max_length=PROBLEM_TEXT_MAX_LENGTH
    )
    owner = UserIdField(required=False, allow_null=True)
    case = serializers.PrimaryKeyRelatedField(queryset=case_list(), required=False)


class ProblemPatch(serializers.Serializer):
    title = StrictCharField(required=False, max_length=PROBLEM_TITLE_MAX_LENGTH)
    description = StrictCharField(
        required=False, allow_blank=True, max_length=PROBLEM_TEXT_MAX_LENGTH
    )
    owner = UserIdField(required=False, allow_null=True)


class ProblemLinkInput(serializers.Serializer):
    case = serializers.PrimaryKeyRelatedField(queryset=case_list())


class FixInput(serializers.Serializer):
    what_we_changed = StrictCharField(max_length=PROBLEM_TEXT_MAX_LENGTH)


def _detail(problem_id: int) -> dict:
    return ProblemDetailOutput(problem_get(problem_id=problem_id)).data


def _status(request) -> str | None:
    return query_choice(
        request.query_params, "status", FILTER_STATUSES, message="Give open or fixed."
    )


class ProblemListCreate(generics.ListAPIView):
    """Problems, newest first, each with its cases' count and cost."""

    permission_classes = [IsAuthenticated]
    serializer_class = ProblemOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's request
            return problem_list()
        return problem_list(status=_status(self.request))

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=list(FILTER_STATUSES))],
        responses={200: ProblemOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Open a problem (anyone may); with `case`, that case is linked at once. "
        "Only supervisors and admins may name an `owner`.",
        request=ProblemInput,
        responses={201: ProblemDetailOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request):
        data = ProblemInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        problem = problem_create(
            acting_user=acting_user(request),
            title=values["title"],
            description=values.get("description", ""),
            owner=values.get("owner"),
            case=values.get("case"),
        )
        return Response(_detail(problem.pk), status=status.HTTP_201_CREATED)


class ProblemDetail(APIView):
    permission_classes = [IsAuthenticated, SupervisorsEdit]

    @extend_schema(responses={200: ProblemDetailOutput, 401: E401, 404: E404})
    def get(self, request, pk: int):
        return Response(_detail(pk))

    @extend_schema(
        description="Change title, description or owner (supervisors and admins).",
        request=ProblemPatch,
        responses={200: ProblemDetailOutput, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    def patch(self, request, pk: int):
        problem = problem_get(problem_id=pk)
        reject_unchangeable(request.data, set(EDITABLE))
        data = ProblemPatch(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        problem_update(
            acting_user=acting_user(request), problem=problem, changes=dict(data.validated_data)
        )
        return Response(_detail(pk))


class ProblemCaseLink(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        description="Link a case to an open problem (anyone may). A case already in a "
        "problem is a 400 naming `case`; a fixed problem is 409.",
        request=ProblemLinkInput,
        responses={201: ProblemDetailOutput, 400: E400, 401: E401, 404: E404, 409: E409},
    )
    def post(self, request, pk: int):
        problem = problem_get(problem_id=pk)
        data = ProblemLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        problem_case_link(
            acting_user=acting_user(request), problem=problem, case=data.validated_data["case"]
        )
        return Response(_detail(pk), status=status.HTTP_201_CREATED)


class ProblemFix(APIView):
    permission_classes = [IsAuthenticated, IsSupervisorOrAdmin]

    @extend_schema(
        description="Mark it fixed (supervisors and admins): every linked case that is not "
        "closed gets a timeline event and a draft message to its customer saying what we "
        "changed, for its assignee to review and send. Fixing a fixed problem is 409.",
        request=FixInput,
        responses={200: ProblemDetailOutput, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request, pk: int):
        problem = problem_get(problem_id=pk)
        data = FixInput(data=request.data)
        data.is_valid(raise_exception=True)
        problem_fix(
            acting_user=acting_user(request),
            problem_id=problem.pk,
            what_we_changed=data.validated_data["what_we_changed"],
        )
        return Response(_detail(pk))


urlpatterns = [
    path("problems/", ProblemListCreate.as_view(), name="problem-list"),
    path("problems/<int:pk>/", ProblemDetail.as_view(), name="problem-detail"),
    path("problems/<int:pk>/cases/", ProblemCaseLink.as_view(), name="problem-cases"),
    path("problems/<int:pk>/fix/", ProblemFix.as_view(), name="problem-fix"),
]
