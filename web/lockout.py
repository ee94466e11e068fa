"""The answer to a locked-out login (django-axes' ``AXES_LOCKOUT_CALLABLE``).

A 429 with ``Retry-After`` in seconds: under ``/api/v1/`` the API's error body
``{detail, code: "throttled"}``; elsewhere (the login form, the Django admin's) a plain
page saying when to try again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from common.api_errors import is_api, status_body
from common.request_id import request_id_get
from discretion.trust.lockouts import login_lockout_remaining, retry_after_seconds

THROTTLED = 429


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if original_response is not None and getattr(request, "axes_failures_since_start", None):
        # This attempt was the failure that reached the limit (axes counted it; attempts
        # refused while locked out are not counted): it failed as any wrong password
        # does. The lockout answers the attempts after it.
        return original_response
    username = (credentials or {}).get("username") or request.POST.get("username")
    remaining = login_lockout_remaining(username=username)
    seconds = retry_after_seconds(remaining)
    minutes = max(1, round(seconds / 60))
    detail = (
        f"Too many failed logins for this username: try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}."
    )
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(status_body(THROTTLED, detail), status=THROTTLED)
    else:
        context = {
            "detail": detail,
            "retry_at": timezone.now() + remaining,
            "request_id": request_id_get(),
        }
        response = render(request, "registration/locked_out.html", context, status=THROTTLED)
    response["Retry-After"] = str(seconds)
    return response
