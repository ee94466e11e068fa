"""Shared bits of the back-office views: role gates, the acting user, 404s from selectors,
form helpers.

Every view shows a service's refusal (``common.errors.DomainError``) the same way:
``error_lines`` for a page, ``form_errors_add`` for a form, ``error_status`` for the
status of the page (the API's mapping, ``common.api_errors.http_status``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from common.api_errors import http_status
from common.errors import DomainError, Invalid, NotFound
from common.money import money_parse
from common.roles import SUPERVISING_ROLES, Role, role_of
from discretion.models import User

T = TypeVar("T")

# ``money_parse``'s refusal codes → the ``error_messages`` key a form may reword.
_MONEY_MESSAGE_KEYS = {
    "amount_negative": "min_value",
    "amount_places": "max_decimal_places",
    "amount_too_large": "max_value",
    "amount_invalid": "invalid",
    "amount_not_string": "invalid",
}


class MoneyFormField(forms.CharField):
    """Every money input of the HTML screens: ``common.money.money_parse``, the API's own
    parser, so a form takes exactly the strings the API takes. Empty → None. The words
    are ``AMOUNT_MESSAGES``' unless ``error_messages`` (keyed ``invalid``, ``min_value``,
    ``max_value``, ``max_decimal_places``) rewords them for the screen."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            return money_parse(text)
        except Invalid as refusal:
            key = _MONEY_MESSAGE_KEYS.get(refusal.code, "")
            message = self.error_messages.get(key, refusal.message)
            raise forms.ValidationError(message, code=refusal.code) from None


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware, which sets ``request.htmx``
    (django-htmx's documented pattern for type hints)."""

    htmx: HtmxDetails


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required`` or a role gate; anyone else
    (never the case there) is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def found(selector: Callable[..., T | None], message: str = "Not found.", **kwargs: Any) -> T:
    """Call a ``<entity>_get`` selector; its NotFound or DoesNotExist (or a None) is a 404."""
    try:
        result = selector(**kwargs)
    except (NotFound, ObjectDoesNotExist):
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
    """Plain-language lines of a refusal (a ``DomainError``), for a page or a form."""
    if isinstance(exc, DomainError):
        return exc.lines()
    return [str(exc)]


def form_errors_add(
    form: forms.Form, exc: DomainError, *, rename: Mapping[str, str] | None = None
) -> None:
    """Show a refusal on its form: each named field's messages on that field (``rename``
    maps a service's field name to the form's), the rest on the form as a whole."""
    if not exc.fields:
        form.add_error(None, exc.message)
        return
    for name, messages in exc.fields.items():
        target = (rename or {}).get(name, name)
        form.add_error(target if target in form.fields else None, messages)


def error_status(exc: DomainError, request: HttpRequest) -> int:
    """The status of a page showing a refusal: the API's for its kind, but 200 for htmx
    (which swaps only 2xx bodies by default)."""
    return 200 if getattr(request, "htmx", False) else http_status(exc)
