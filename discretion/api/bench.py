"""The benchmark's floor: the same app stack as the decision endpoint, minus the database.

``POST /api/v1/bench/noop/`` goes through the same WSGI server, the same middleware, DRF's
request wrapping, JSON parsing of the same body, a small input serializer and the same
JSON renderer, and returns a small JSON object. What it leaves out is everything that
needs PostgreSQL: token authentication (a token lookup is a query), the decision's locks,
reads and writes. ``bench/run.py`` reports the decision endpoint's throughput as a ratio
of this one's, so the figure means the same on any machine.

It reveals nothing and changes nothing, so it needs no authentication. ``GET`` answers
too, for a quick check by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discretion.api.fields import MoneyField
from discretion.decisions.rules import REASON_MAX_LENGTH


class NoopInput(serializers.Serializer):
    """The shape of a resolution request, validated without touching the database."""

    remedy_type = serializers.CharField(max_length=40)
    amount = MoneyField(required=False)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


NOOP_SCHEMA = inline_serializer(
    "BenchNoop",
    {
        "ok": serializers.BooleanField(),
        "remedy_type": serializers.CharField(allow_null=True),
        "amount": serializers.CharField(allow_null=True),
        "currency": serializers.CharField(),
    },
)


@extend_schema(tags=["bench"])
class BenchNoopView(APIView):
    """A no-database JSON endpoint: the benchmark's app-stack floor."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="bench_noop_get", responses={200: NOOP_SCHEMA})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "ok": True,
                "remedy_type": None,
                "amount": None,
                "currency": settings.DISCRETION_CURRENCY,
            }
        )

    @extend_schema(operation_id="bench_noop", request=NoopInput, responses={200: NOOP_SCHEMA})
    def post(self, request: Request) -> Response:
        data = NoopInput(data=request.data)
        data.is_valid(raise_exception=True)
        amount = data.validated_data.get("amount")
        return Response(
            {
                "ok": True,
                "remedy_type": data.validated_data["remedy_type"],
                "amount": None if amount is None else f"{amount:.2f}",
                "currency": settings.DISCRETION_CURRENCY,
            }
        )


urlpatterns = [path("bench/noop/", BenchNoopView.as_view(), name="bench-noop")]
