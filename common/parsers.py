"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest.

``json.loads`` recurses once per level of nesting, so a body of a few thousand ``[``
raises ``RecursionError`` deep inside the parser (a 500, before any login check). The
depth is measured on the raw bytes first — brackets outside string literals — and a body
deeper than ``MAX_JSON_DEPTH`` is a 400 ``too_deep`` before ``json.loads`` sees it.
Every other malformed body (bad syntax, bad encoding, NaN, a number too long to convert)
is a 400 ``parse_error``, as in DRF.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

# Far deeper than any request body of the API (about 4), far below Python's recursion limit.
MAX_JSON_DEPTH = 32

# A JSON string literal (escapes included) or one bracket. Strings are matched whole so a
# bracket inside one does not count.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")


def json_depth(body: bytes) -> int:
    """How deeply ``body`` nests arrays and objects (0 for a scalar), in one pass."""
    depth = deepest = 0
    for match in _TOKENS.finditer(body):
        first = match.group()[0]
        if first in _OPENERS:
            depth += 1
            if depth > deepest:
                deepest = depth
        elif first != ord('"'):
            depth -= 1
    return deepest


def _parse_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")


class BoundedJSONParser(JSONParser):
    """``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``: DRF's JSON parser with a depth bound."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read() if stream is not None else b""
        if isinstance(body, str):
            body = body.encode(encoding)
        if json_depth(body) > MAX_JSON_DEPTH:
            raise ParseError(
                f"JSON parse error - the body nests deeper than {MAX_JSON_DEPTH} levels.",
                code="too_deep",
            )
        try:
            text = codecs.decode(body, encoding)
            if api_settings.STRICT_JSON:
                return json.loads(text, parse_constant=_parse_constant)
            return json.loads(text)
        except (ValueError, LookupError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
