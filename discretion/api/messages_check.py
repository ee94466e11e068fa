"""``POST /api/v1/messages/check/``: the plain-language check (docs/api.md, "Messages").

Any signed-in user; it reads nothing and writes nothing, and never blocks sending.
``start``/``end`` are character offsets (Unicode code points) into ``body``, ``end``
exclusive; findings never overlap.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion.api.common import E400, E401
from discretion.api.fields import StrictCharField
from discretion.playbook.plain import BODY_MAX_LENGTH
from discretion.playbook.selectors import message_check


class CheckInput(serializers.Serializer):
    # Never trimmed: the offsets are into the body exactly as sent.
    body = StrictCharField(allow_blank=True, trim_whitespace=False, max_length=BODY_MAX_LENGTH)


class FindingOutput(serializers.Serializer):
    phrase = serializers.CharField(help_text="The text as written: `body[start:end]`.")
    start = serializers.IntegerField(help_text="Offset of its first character (code points).")
    end = serializers.IntegerField(help_text="Offset just past its last character (exclusive).")
    suggestion = serializers.CharField(help_text="A plainer way to say it.")
    code = serializers.CharField(help_text="Which kind of phrase (stable machine name).")
    replacement = serializers.CharField(
        help_text="The suggestion's example text, to put in the phrase's place (may be empty)."
    )


class CheckOutput(serializers.Serializer):
    findings = FindingOutput(many=True)


class MessageCheck(APIView):
    """The phrases that sound like "it's our policy", with a plainer way to say each."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckInput, responses={200: CheckOutput, 400: E400, 401: E401})
    def post(self, request):
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        findings = message_check(body=data.validated_data["body"])
        return Response(CheckOutput({"findings": findings}).data)


urlpatterns = [path("messages/check/", MessageCheck.as_view(), name="message-check")]
