"""Shared bits of the back-office views: role gates and small form helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from common.roles import role_of

SUPERVISOR_ROLES = ("supervisor", "admin")
ADMIN_ROLES = ("admin",)


def role_required(*roles: str) -> Callable:
    """Signed-in users with one of ``roles`` pass; anonymous → login; anyone else → 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied("This page is for " + " and ".join(roles) + "s only.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


supervisor_required = role_required(*SUPERVISOR_ROLES)
admin_required = role_required(*ADMIN_ROLES)


def error_lines(exc: Exception) -> list[str]:
    """Plain-language lines from a service's ValidationError (or any exception)."""
    message_dict = getattr(exc, "message_dict", None)
    if message_dict:
        lines = []
        for field, messages in message_dict.items():
            prefix = "" if field in ("__all__", "non_field_errors") else f"{field}: "
            lines.extend(prefix + str(m) for m in messages)
        return lines
    messages = getattr(exc, "messages", None)
    if messages:
        return [str(m) for m in messages]
    return [str(exc)]
