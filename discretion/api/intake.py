"""``POST /api/v1/intake/cases/``: a help desk sends a ticket; it becomes a case.

Authenticated by an integration key only (``Authorization: Bearer dsk_…``,
``discretion.api.intake_auth``). The case of a new (``source``, ``external_ref``) is
created (201); a known ticket's subject, description and category are updated (200).
The same ticket twice, also twice at once, is one case (``cases.services.case_intake``).

``assignee_email`` assigns a new case to the active user with that e-mail
(case-insensitive). An e-mail nobody has is not an error: a ticket must not bounce
because of who holds it in the help desk. The case arrives unassigned and the response
says so in ``assignee_note`` (docs/help-desk.md).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import CaseOutput
from cases.models import (
    CUSTOMER_ID_MAX_LENGTH,
    CUSTOMER_NAME_MAX_LENGTH,
    EXTERNAL_REF_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    Case,
)
from discretion.api.common import E400, E401, E403
from discretion.api.fields import StrictCharField
from discretion.api.intake_auth import HasIntegrationKey, IntegrationKeyAuthentication
from discretion.integrations.models import IntegrationKey
from discretion.integrations.services import IntakeResult, intake_case_submit


class TicketIdField(serializers.CharField):
    """A help desk's id: a string, or a whole number (Zendesk's ticket and user ids are
    numbers), kept as text. Anything else (a bool, a float, a list) is a 400."""

    default_error_messages = {"not_id": "Give a string or a whole number."}

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("not_id")
        return super().to_internal_value(str(data))


class TicketCustomerInput(serializers.Serializer):
    external_id = TicketIdField(max_length=CUSTOMER_ID_MAX_LENGTH)
    name = StrictCharField(max_length=CUSTOMER_NAME_MAX_LENGTH, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class IntakeInput(serializers.Serializer):
    # A field named "source" shadows Field.source for mypy only: DRF's metaclass moves
    # declared fields out of the class attributes.
    source = StrictCharField(max_length=SOURCE_MAX_LENGTH)  # type: ignore[assignment]
    external_ref = TicketIdField(max_length=EXTERNAL_REF_MAX_LENGTH)
    subject = StrictCharField(max_length=SUBJECT_MAX_LENGTH)
    description = StrictCharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Case.Category.choices)
    customer = TicketCustomerInput()
    assignee_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default=""
    )


class IntakeOutput(CaseOutput):
    source = serializers.CharField()  # type: ignore[assignment]  # as in IntakeInput
    created = serializers.SerializerMethodField()
    assignee_note = serializers.SerializerMethodField()

    class Meta(CaseOutput.Meta):
        fields = [*CaseOutput.Meta.fields, "source", "created", "assignee_note"]

    def get_created(self, case: Case) -> bool:
        return bool(self.context.get("created"))

    def get_assignee_note(self, case: Case) -> str:
        """Why ``assignee_email`` was not used ("" when it was or none was given)."""
        return str(self.context.get("assignee_note", ""))


class IntakeCases(APIView):
    authentication_classes = [IntegrationKeyAuthentication]
    permission_classes = [HasIntegrationKey]

    @extend_schema(
        operation_id="intake_cases_create",
        request=IntakeInput,
        responses={201: IntakeOutput, 200: IntakeOutput, 400: E400, 401: E401, 403: E403},
        description="Create the case of a help-desk ticket (201), or update the subject, "
        "description and category of the case with the same `source` and `external_ref` "
        "(200). Authenticate with `Authorization: Bearer <integration key>`.",
    )
    def post(self, request):
        data = IntakeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = request.auth
        assert isinstance(key, IntegrationKey)  # HasIntegrationKey
        result: IntakeResult = intake_case_submit(
            key=key,
            source=values["source"],
            external_ref=values["external_ref"],
            subject=values["subject"],
            description=values["description"],
            category=values["category"],
            customer=dict(values["customer"]),
            assignee_email=values["assignee_email"],
        )
        body = IntakeOutput(
            result.case,
            context={"created": result.created, "assignee_note": result.assignee_note},
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


urlpatterns = [path("intake/cases/", IntakeCases.as_view(), name="intake-cases")]
