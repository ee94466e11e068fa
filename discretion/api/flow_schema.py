"""Schema pieces of the "fewer clicks" extras that the resolution bodies carry
(docs/api.md, "Fewer clicks: split, withdraw, repeats")."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# decision.repeat_of: the same remedy asked on the same case within ten minutes, or null.
REPEAT_OF_SCHEMA = inline_serializer(
    "DecisionRepeatOf",
    {
        "resolution": serializers.IntegerField(),
        "agent": serializers.IntegerField(),
        "amount": serializers.CharField(),
        "status": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
    },
    allow_null=True,
    required=False,
)

# The preview's extras: the split on offer (resolutions/split/) and a repeat's warning.
PREVIEW_EXTRAS = {
    "split": inline_serializer(
        "PreviewSplit",
        {
            "now": serializers.CharField(),
            "rest": serializers.CharField(),
            "why": serializers.CharField(),
        },
        allow_null=True,
        required=False,
    ),
    "repeat_warning": serializers.CharField(allow_null=True, required=False),
}
