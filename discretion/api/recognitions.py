"""Recognition (kudos) over HTTP: give one, list them.

Choices the contract leaves to us (docs/api.md, "Recognition"):
- Anyone signed in gives kudos to anyone else; for oneself it is 403 (``detail`` says
  why). ``note`` is required, at most 2000 characters; ``resolution`` (optional) must be
  one of that agent's.
- Everyone signed in reads the list (kudos are public within the team), newest first;
  ``review`` is the id of the ``above_and_beyond`` review that recorded it, if any.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from common.query import id_parse
from discretion.api.common import E400, E401, E403, UserIdField, _name, acting_user
from discretion.decisions.selectors import resolution_list
from discretion.models import Recognition
from discretion.recognition.models import RECOGNITION_NOTE_MAX_LENGTH
from discretion.recognition.selectors import recognition_get, recognition_list
from discretion.recognition.services import recognition_create


class RecognitionInput(serializers.Serializer):
    agent = UserIdField()
    note = serializers.CharField(max_length=RECOGNITION_NOTE_MAX_LENGTH)
    resolution = serializers.PrimaryKeyRelatedField(
        queryset=resolution_list(), required=False, allow_null=True, default=None
    )


class RecognitionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    agent = serializers.IntegerField(source="agent_id")
    agent_name = serializers.SerializerMethodField()
    note = serializers.CharField()
    resolution = serializers.IntegerField(source="resolution_id", allow_null=True)
    review = serializers.IntegerField(source="review_id", allow_null=True)
    created_at = serializers.DateTimeField()
    from_name = serializers.SerializerMethodField()

    def get_agent_name(self, recognition: Recognition) -> str | None:
        return _name(recognition.agent)

    def get_from_name(self, recognition: Recognition) -> str | None:
        return _name(recognition.from_user)

    # ``from`` is a Python keyword: declared as ``from_`` and renamed here, so the JSON
    # and the schema both say ``from`` (the giver's user id).
    from_ = serializers.IntegerField(source="from_user_id")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RecognitionListCreate(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = RecognitionOutput
    filter_backends: list = []

    def get_queryset(self):
        raw = self.request.query_params.get("agent")
        agent = id_parse(raw, name="agent", message="A user id.") if raw else None
        return recognition_list(agent_id=agent)

    @extend_schema(
        parameters=[OpenApiParameter("agent", OpenApiTypes.INT, description="a user id")],
        responses={200: RecognitionOutput(many=True), 400: E400, 401: E401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RecognitionInput,
        responses={201: RecognitionOutput, 400: E400, 401: E401, 403: E403},
    )
    def post(self, request, *args, **kwargs):
        data = RecognitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        recognition = recognition_create(
            acting_user=acting_user(request),
            agent=data.validated_data["agent"],
            note=data.validated_data["note"],
            resolution=data.validated_data.get("resolution"),
        )
        found = recognition_get(recognition_id=recognition.pk)
        return Response(RecognitionOutput(found).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("recognitions/", RecognitionListCreate.as_view(), name="recognition-list"),
]
