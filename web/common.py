"""Shared bits of the back-office views: role gates, 404s from selectors, form helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from common.roles import SUPERVISING_ROLES, Role, role_of

T = TypeVar("T")


def found(selector: Callable[..., T | None], message: str = "Not found.", **kwargs: Any) -> T:
    """Call a ``<entity>_get`` selector; its DoesNotExist (or a None) is a 404."""
    try:
        result = selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404(message) from None
    if result is None:
        raise Http404(message)
    return result


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


# Who passes is common.roles' rule (superusers are admins).
supervisor_required = role_required(*SUPERVISING_ROLES)
admin_required = role_required(Role.ADMIN.value)


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
