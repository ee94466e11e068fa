"""``Idempotency-Key`` for the API's POST views: a thin adapter over
``common.idempotency.idempotent`` (the HTML forms call that helper directly).

What is stored and replayed is the first response of a request that got as far as the
service: its success, or its refusal (a ``DomainError`` answered here as its status and
body, so a repeat gets the same 409 or 403). A request that fails validation first (a
DRF 400) stores nothing and releases the key, as Stripe does; so does a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from common.api_errors import error_body, http_status
from common.errors import DomainError
from common.idempotency import HEADER, idempotent, input_fingerprint
from discretion.api.common import acting_user


def idempotent_response(request: Request, scope: str, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` at most once per (user, Idempotency-Key); replay its response.

    Without the header it just runs. A replay carries ``Idempotent-Replayed: true``.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return handler()

    def run() -> tuple[int, Any]:
        try:
            response = handler()
        except DomainError as error:
            return http_status(error), error_body(error)
        return response.status_code, response.data

    outcome = idempotent(
        user_id=acting_user(request).pk,
        key=key,
        scope=scope,
        fingerprint=input_fingerprint(request.method, request.path, request.data),
        handler=run,
    )
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
